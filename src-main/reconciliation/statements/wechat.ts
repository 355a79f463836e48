import { formatFen } from '../../money';
import { atEnd, decode, firstLineBytes, firstNonUtf8Line, isValidUtf8, lineCursor, nextLine, nextLineRange, type LineCursor, type TextEncoding } from './bytes';
import { refuse, type DeclaredFigure, type Place, type StatementRow } from './types';
import { yuanToFen } from './values';
import { readRow, type Columns, type MoneyColumn, type RowPlace, type RowReader } from './wechat-row';
import { WECHAT_KEY_COLUMNS, WECHAT_MONEY_COLUMNS, WECHAT_SUMMARY_COLUMNS, WECHAT_SUMMARY_FIRST_COLUMN, matchWechatLayout, type WechatLayout } from './wechat-layouts';

/**
 * The WeChat Pay trade bill reader: header → detail rows → summary header → one summary line.
 * Values start with a backtick and free text is not escaped, so a row is split on ",`" and must
 * then have exactly the header's field count; the summary is compared with the rows' own count
 * and column sums, and any difference refuses the whole file.
 */

export interface WechatBill {
  layout: WechatLayout;
  encoding: TextEncoding;
  merchantId: string;
  rows: StatementRow[];
  declared: DeclaredFigure[];
  notes: string[];
}

const BACKTICK = 0x60;

/** A WeChat header names 交易时间, 微信订单号 and 商户订单号, in whatever order. */
function isWechatHeader(line: string): boolean {
  const names = line.split(',').map((n) => n.trim());
  return WECHAT_KEY_COLUMNS.every((c) => names.includes(c));
}

/** True when the first line reads as a WeChat header in UTF-8 or GBK. */
export function looksLikeWechat(buf: Buffer): boolean {
  const first = firstLineBytes(buf);
  return isWechatHeader(decode(first, 0, first.length, 'utf-8')) || isWechatHeader(decode(first, 0, first.length, 'gb18030'));
}

/** UTF-8 today, GBK in some historical bills; a UTF-8 bill with a broken byte is refused where it breaks. */
function chooseEncoding(buf: Buffer, file: string): TextEncoding {
  if (isValidUtf8(buf)) return 'utf-8';
  const first = firstLineBytes(buf);
  if (isValidUtf8(first) && isWechatHeader(decode(first, 0, first.length, 'utf-8'))) {
    const line = firstNonUtf8Line(buf);
    throw refuse({ file, line }, 'wrong_encoding', 'is not valid UTF-8 although the bill is UTF-8: the file is damaged or was re-encoded');
  }
  if (isWechatHeader(decode(first, 0, first.length, 'gb18030'))) return 'gb18030';
  throw refuse({ file, line: 1 }, 'wrong_encoding', 'is neither UTF-8 nor GBK text with a WeChat bill header (交易时间,…)');
}

/** Where a reader hands each row as it is read (a streamed import); without one the rows are collected. */
export type RowSink = (row: StatementRow) => void;

interface Reader extends RowReader {
  cursor: LineCursor;
  rows: StatementRow[];
  sink: RowSink | undefined;
  /** Detail rows read so far (handed to the sink or collected). */
  count: number;
}

function readHeader(cursor: LineCursor, file: string): { layout: WechatLayout; names: string[] } {
  const header = nextLine(cursor);
  const place = { file, line: 1 };
  if (header === undefined) throw refuse(place, 'truncated', 'the file is empty');
  const names = header.split(',').map((n) => n.trim());
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) throw refuse(place, 'unknown_header', `the header names ${dup} twice`);
  const m = matchWechatLayout(names);
  if (!m.ok) {
    const parts = [m.unknown.length ? `unknown column(s) ${m.unknown.join(', ')}` : '', m.missing.length ? `missing ${m.missing.join(', ')}` : ''];
    const why = parts.filter(Boolean).join('; ');
    throw refuse(place, 'unknown_header', `not a known WeChat bill header (closest: ${m.closest.title}; ${why})`, { unknown: m.unknown, missing: m.missing });
  }
  return { layout: m.layout, names };
}

function makeReader(buf: Buffer, file: string, sink: RowSink | undefined): Reader {
  const cursor = lineCursor(buf, chooseEncoding(buf, file));
  const { layout, names } = readHeader(cursor, file);
  const at = (name: string) => names.indexOf(name);
  const col: Columns = {
    time: at('交易时间'),
    merchant: at('商户号'),
    tradeNo: at('微信订单号'),
    orderNo: at('商户订单号'),
    payer: at('用户标识'),
    status: at('交易状态'),
    currency: at('货币种类'),
    gatewayRefundNo: at('微信退款单号'),
    refundNo: at('商户退款单号'),
    refundStatus: at('退款状态'),
    product: at('商品名称'),
    refundRequestedAt: at('退款申请时间'),
    refundedAt: at('退款成功时间'),
  };
  const money = names.map((name, index) => ({ name, index, rules: WECHAT_MONEY_COLUMNS[name], total: 0 })).filter((m): m is MoneyColumn => m.rules !== undefined);
  const slotOf = (name: string) => money.findIndex((m) => m.name === name);
  const slot = { settlement: slotOf(layout.settlementColumn), refund: slotOf('退款金额'), fee: slotOf('手续费'), order: slotOf('订单金额') };
  const bounds = new Int32Array(2 * names.length);
  const fen = new Float64Array(money.length);
  const { buf: bytes, encoding } = cursor;
  return {
    file,
    buf: bytes,
    encoding,
    cursor,
    layout,
    fieldCount: names.length,
    col,
    money,
    slot,
    bounds,
    fen,
    merchant: undefined,
    interned: new Map(),
    last: [],
    rows: [],
    sink,
    count: 0,
  };
}

/** Strips the leading backtick and splits on ",`"; the count must be the summary header's. */
function splitSummary(line: string, expected: number, place: Place, lastLine: boolean): string[] {
  if (line.charCodeAt(0) !== BACKTICK) throw refuse(place, 'bad_value', 'the summary line must start with a backtick (`)');
  const values = line.slice(1).split(',`');
  if (values.length !== expected) {
    const truncated = values.length < expected && lastLine;
    const message = `the summary line has ${values.length} fields, its header has ${expected}${truncated ? ': the file is truncated' : ''}`;
    throw refuse(place, truncated ? 'truncated' : 'field_count', message, { fields: values.length, expected });
  }
  return values;
}

/**
 * Reads detail rows until the summary header and returns that header's line, or stops after
 * `budget` detail rows and returns undefined (called again, it goes on where it stopped).
 */
function readRows(r: Reader, budget: number): string | undefined {
  const c = r.cursor;
  const place: RowPlace = { file: r.file, line: 0 };
  for (let read = 0; ;) {
    if (read >= budget) return undefined;
    if (!nextLineRange(c)) {
      place.line = c.lineNo + 1; // where the summary should have been
      throw refuse(place, 'truncated', `the file ends without the summary (${WECHAT_SUMMARY_FIRST_COLUMN},…): it is truncated`);
    }
    place.line = c.lineNo;
    if (c.buf[c.start] === BACKTICK) {
      const row = readRow(r, c.start, c.stop, place, atEnd(c));
      r.count++;
      read++;
      if (r.sink) r.sink(row);
      else r.rows.push(row);
      continue;
    }
    const line = decode(c.buf, c.start, c.stop, c.encoding);
    if (line.trim() === '') continue;
    if (line.startsWith(WECHAT_SUMMARY_FIRST_COLUMN)) return line;
    throw refuse(place, 'bad_value', `expected a detail row (starting with \`) or the summary header, got ${JSON.stringify(line.slice(0, 40))}`);
  }
}

function nextNonBlank(r: Reader): string | undefined {
  for (let line = nextLine(r.cursor); line !== undefined; line = nextLine(r.cursor)) {
    if (line.trim() !== '') return line;
  }
  return undefined;
}

/** One summary figure against what the rows add up to. */
function checkFigure(r: Reader, name: string, printed: string, place: Place): DeclaredFigure {
  const target = WECHAT_SUMMARY_COLUMNS[name];
  if (target === 'count') {
    if (!/^\d+$/.test(printed)) throw refuse(place, 'bad_value', `${name} ${JSON.stringify(printed)} is not a count`);
    const value = Number(printed);
    if (value !== r.count) {
      throw refuse(place, 'summary_mismatch', `${name} says ${value} rows but the bill has ${r.count} detail rows`, {
        label: name,
        printed,
        actual: r.count,
      });
    }
    return { label: name, printed, value };
  }
  const rules = WECHAT_MONEY_COLUMNS[target];
  const value = yuanToFen(printed, name, place, rules);
  const actual = r.money.find((m) => m.name === target)?.total ?? 0;
  if (value !== actual) {
    const msg = `${name} says ${formatFen(value)} but the detail rows' ${target} add up to ${formatFen(actual)}`;
    throw refuse(place, 'summary_mismatch', msg, { label: name, printed, actual: formatFen(actual) });
  }
  return { label: name, printed, value };
}

function readSummary(r: Reader, summaryHeader: string): DeclaredFigure[] {
  const names = summaryHeader.split(',').map((n) => n.trim());
  const headerLine = r.cursor.lineNo;
  const unknown = names.filter((n) => WECHAT_SUMMARY_COLUMNS[n] === undefined);
  if (unknown.length > 0) {
    throw refuse({ file: r.file, line: headerLine }, 'unknown_header', `unknown summary column(s) ${unknown.join(', ')}`, { unknown });
  }
  const line = nextNonBlank(r);
  const place = { file: r.file, line: r.cursor.lineNo };
  if (line === undefined) throw refuse({ file: r.file, line: headerLine }, 'truncated', 'the summary header has no summary line after it: the file is truncated');
  const values = splitSummary(line, names.length, place, atEnd(r.cursor));
  const declared = names.map((name, i) => checkFigure(r, name, values[i], place));
  const after = nextNonBlank(r);
  if (after !== undefined) {
    throw refuse({ file: r.file, line: r.cursor.lineNo }, 'bad_value', `unexpected text after the summary: ${JSON.stringify(after.slice(0, 40))}`);
  }
  return declared;
}

/**
 * The bill's rows, checked against its summary. With a sink, each row goes to it as it is read and
 * `rows` is empty: a bill refused at its summary has then already handed over every row, so the
 * caller writes them where a refusal undoes them (import.ts: the rows of an import nobody can see
 * until its statement is kept, removed again on a refusal).
 */
export function parseWechatBill(buf: Buffer, file: string, sink?: RowSink): WechatBill {
  return wechatBillInSteps(buf, file, sink).step(Infinity)!;
}

/** A bill read a slice at a time: what `step` returns until the last slice, and then the bill. */
export interface WechatBillSteps {
  /** Reads at most `rows` more detail rows into the sink; once the summary is reached and checked, returns the bill. */
  step(rows: number): WechatBill | undefined;
}

/**
 * parseWechatBill in slices, so that an import can commit and yield between them (issue 18: no
 * task on the operator's thread over 100 ms). The header is read (and a wrong one refused) at once.
 */
export function wechatBillInSteps(buf: Buffer, file: string, sink?: RowSink): WechatBillSteps {
  const r = makeReader(buf, file, sink);
  return {
    step(rows) {
      const summaryHeader = readRows(r, rows);
      if (summaryHeader === undefined) return undefined;
      const declared = readSummary(r, summaryHeader);
      const notes = r.cursor.encoding === 'gb18030' ? ['read as GBK: a historical bill (WeChat bills are UTF-8 today)'] : [];
      if (r.layout.layout === 'wechat-legacy') notes.push('legacy 24-column layout: payment amounts are 总金额, there is no 订单金额');
      return {
        layout: r.layout,
        encoding: r.cursor.encoding,
        merchantId: r.merchant === undefined ? '' : decode(r.merchant, 0, r.merchant.length, r.encoding),
        rows: r.rows,
        declared,
        notes,
      };
    },
  };
}
