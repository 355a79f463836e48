import type ExcelJS from 'exceljs';
import { lazyRequire } from '../kernel/lazy-require';
import { localTime } from '../tariffs';

const exceljs = lazyRequire<typeof ExcelJS>('exceljs');

/**
 * Workbooks accountants keep: streaming sheets (exceljs WorkbookWriter, rows committed as they are
 * written, so a million rows never sit in memory) with a bold frozen header, an autofilter, money
 * as numbers formatted #,##0.00, times as real Excel dates showing the depot's wall clock, and a
 * totals row of SUM formulas (with their values, so a reader that does not calculate sees them).
 *
 * A utility like money/: it knows cells, and reads the wall clock through tariffs' zone arithmetic.
 */

export const MONEY_FORMAT = '#,##0.00';
export const DATE_TIME_FORMAT = 'yyyy-mm-dd hh:mm:ss';
export const DATE_FORMAT = 'yyyy-mm-dd';

export type ColumnKind = 'text' | 'money' | 'int' | 'date' | 'datetime' | 'kwh' | 'percent';

export interface Column<R> {
  header: string;
  kind: ColumnKind;
  value: (row: R) => string | number | null | undefined;
  width?: number;
  /** A SUM formula under this column in the totals row. */
  total?: boolean;
}

const offsets = new Map<string, Map<number, number>>();

/**
 * The zone's offset from UTC at an instant (tariffs' localTime reads the wall clock), looked up
 * once per zone and hour: a million date cells cost a few thousand reads, not a million.
 */
function offsetAt(at: number, zone: string): number {
  let byHour = offsets.get(zone);
  if (!byHour) offsets.set(zone, (byHour = new Map()));
  const hour = Math.floor(at / 3_600_000);
  let offset = byHour.get(hour);
  if (offset === undefined) {
    offset = localTime(hour * 3_600_000, zone).offsetMs;
    // Offsets change on the hour or half hour: an hour whose end has another offset is not cached.
    if (localTime(hour * 3_600_000 + 3_599_999, zone).offsetMs !== offset) return localTime(at, zone).offsetMs;
    if (byHour.size > 100_000) byHour.clear();
    byHour.set(hour, offset);
  }
  return offset;
}

/** Excel's day 0 (1899-12-30) is 25,569 days before 1970-01-01. */
const EXCEL_EPOCH_DAYS = 25_569;

/**
 * A wall-clock time (ms since 1970 of the depot zone's wall clock: Excel has no zones) as the
 * serial number an xlsx file holds for a date (a number in a date format): what exceljs's
 * dateToExcel makes of a Date, without a Date object per cell, two per row of a million-row export.
 */
function excelSerial(wallClockMs: number): number {
  return EXCEL_EPOCH_DAYS + wallClockMs / 86_400_000;
}

const FORMATS: Record<ColumnKind, string | undefined> = {
  text: undefined,
  money: MONEY_FORMAT,
  int: '#,##0',
  date: DATE_FORMAT,
  datetime: DATE_TIME_FORMAT,
  kwh: '#,##0.000',
  percent: '0.00%',
};

function cellValue(kind: ColumnKind, v: string | number | null | undefined, zone: string): ExcelJS.CellValue {
  if (v === null || v === undefined || v === '') return null;
  if (kind === 'money' && typeof v === 'number') return v / 100;
  if (kind === 'kwh' && typeof v === 'number') return v / 1000;
  if ((kind === 'date' || kind === 'datetime') && typeof v === 'number') return excelSerial(v + offsetAt(v, zone));
  if (kind === 'date' && typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v)) return excelSerial(Date.parse(`${v}T00:00:00Z`));
  return v;
}

function columnLetter(i: number): string {
  let s = '';
  for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/** Rows written between two turns of the event loop (a few ms of work on this machine). */
const YIELD_EVERY = 250;

/**
 * Backpressure. exceljs hands the sheet's XML to the zip without waiting for it to be compressed,
 * so rows produced faster than zlib deflates them pile up in memory (600 MB for a million rows).
 * Wait while the zip entry's input has more than its buffer's worth: memory stays flat. (The
 * sheet's stream and its pipes are exceljs internals, looked up defensively: if they are not
 * there, no wait.)
 */
async function drained(ws: ExcelJS.Worksheet): Promise<void> {
  type Sink = NodeJS.WritableStream & { writableNeedDrain?: boolean; _writableState?: { needDrain?: boolean } };
  const sink = (ws as unknown as { stream?: { pipes?: unknown[] } }).stream?.pipes?.[0] as Sink | undefined;
  // archiver's PassThrough comes from readable-stream 2, whose state is not exposed as writableNeedDrain.
  if (sink && (sink.writableNeedDrain ?? sink._writableState?.needDrain)) await new Promise((r) => sink.once('drain', r));
}

export interface SheetOptions {
  zone: string;
  /** Label of the totals row's first cell; no totals row when no column asks for one. */
  totalsLabel?: string;
  /** Called every few hundred rows with the count so far (a job's progress). */
  onRows?: (rows: number) => void;
}

/** Writes one sheet from rows (any iterable, read once); returns the number of data rows. */
export async function writeSheet<R>(
  wb: ExcelJS.stream.xlsx.WorkbookWriter,
  name: string,
  columns: readonly Column<R>[],
  rows: Iterable<R>,
  opts: SheetOptions,
): Promise<number> {
  const ws = wb.addWorksheet(name, { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = columns.map((c) => ({ header: c.header, width: c.width ?? Math.max(10, Math.min(40, c.header.length * 2 + 4)) }));
  // One style object per column, shared by its cells: exceljs recognises a style it has seen by the
  // object itself, so a million cells cost one style lookup each, not one serialisation each.
  const styles = columns.map((c): Partial<ExcelJS.Style> => (FORMATS[c.kind] ? { numFmt: FORMATS[c.kind] } : {}));
  // So too the rows': exceljs gives every row a style object of its own (empty), which its styles
  // table then serialises to find the row's style id — once per row, a million times, unless the
  // rows share one.
  const emptyStyle: Partial<ExcelJS.Style> = {};
  ws.getRow(1).font = { bold: true };
  ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: columns.length } };
  const sums = columns.map(() => 0);
  let count = 0;
  // One array for every row's values: exceljs copies them into the row's cells and keeps no reference.
  const values: ExcelJS.CellValue[] = columns.map(() => null);
  for (const r of rows) {
    for (let i = 0; i < columns.length; i += 1) {
      const c = columns[i];
      const v = cellValue(c.kind, c.value(r), opts.zone);
      if (c.total && typeof v === 'number') sums[i] += v;
      values[i] = v;
    }
    const row = ws.addRow(values);
    (row as unknown as { style: Partial<ExcelJS.Style> }).style = emptyStyle;
    // An empty cell gets the empty style (shared too): with its column's format exceljs would write it
    // (`<c r="K2" s="4"/>`) only to carry a format for nothing; with the style object exceljs gave it, it
    // would serialise that once per cell to find it is no style at all.
    for (let i = 0; i < styles.length; i += 1) row.getCell(i + 1).style = values[i] === null ? emptyStyle : styles[i];
    row.commit();
    count += 1;
    if (count % YIELD_EVERY === 0) {
      opts.onRows?.(count);
      // Let the event loop breathe: the window, the chargers and the scheduler stay served while a
      // million-row export runs in the same process.
      await new Promise((r) => setImmediate(r));
      await drained(ws);
    }
  }
  if (columns.some((c) => c.total)) {
    const totals = columns.map((c, i): ExcelJS.CellValue => {
      if (i === 0) return opts.totalsLabel ?? '合计 Total';
      if (!c.total) return null;
      const letter = columnLetter(i);
      // Sums of money rounded to the fen: the cached value is what Excel will compute.
      const result = c.kind === 'money' ? Math.round(sums[i] * 100) / 100 : sums[i];
      return { formula: count > 0 ? `SUM(${letter}2:${letter}${count + 1})` : '0', result };
    });
    const row = ws.addRow(totals);
    for (let i = 0; i < styles.length; i += 1) row.getCell(i + 1).style = { ...styles[i], font: { bold: true } };
    row.commit();
  }
  ws.commit();
  return count;
}

/** Key-value lines (a report's header: what, for when, made by whom). */
export async function writeInfoSheet(wb: ExcelJS.stream.xlsx.WorkbookWriter, name: string, lines: readonly [string, string | number][]): Promise<void> {
  const ws = wb.addWorksheet(name);
  ws.columns = [{ width: 24 }, { width: 60 }];
  for (const [k, v] of lines) ws.addRow([k, v]).commit();
  ws.getColumn(1).font = { bold: true };
  ws.commit();
}

export function newWorkbook(file: string): ExcelJS.stream.xlsx.WorkbookWriter {
  const wb = new (exceljs().stream.xlsx.WorkbookWriter)({ filename: file, useStyles: true, useSharedStrings: false });
  wb.creator = 'DepotDesk';
  return wb;
}
