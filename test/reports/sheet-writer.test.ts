import path from 'node:path';
import ExcelJS from 'exceljs';
import { expect, test } from 'vitest';
import { DATE_TIME_FORMAT, MONEY_FORMAT, newWorkbook, writeSheet, type Column } from '../../src-main/excel';
import { tempDir } from '../helpers';

/**
 * src-main/excel's writeSheet, cell by cell: the formats a column asks for on every cell with a
 * value, none on an empty cell (it is not written at all), the totals row's formulas and values.
 */

interface Line {
  name: string;
  at: number | null;
  fen: number | null;
}

const columns: Column<Line>[] = [
  { header: '名称', kind: 'text', value: (l) => l.name },
  { header: '时间', kind: 'datetime', value: (l) => l.at },
  { header: '金额', kind: 'money', value: (l) => l.fen, total: true },
];

test('formats on the cells that hold a value, none on an empty one; the totals add the values', async () => {
  const file = path.join(tempDir(), 'sheet.xlsx');
  const wb = newWorkbook(file);
  const lines: Line[] = [
    { name: '甲', at: Date.parse('2026-03-01T02:30:00Z'), fen: 12345 },
    { name: '乙', at: null, fen: null },
    { name: '丙', at: Date.parse('2026-03-01T16:00:00Z'), fen: 5 },
  ];
  expect(await writeSheet(wb, '明细', columns, lines, { zone: 'Asia/Shanghai', totalsLabel: '合计' })).toBe(3);
  await wb.commit();

  const read = new ExcelJS.Workbook();
  await read.xlsx.readFile(file);
  const ws = read.getWorksheet('明细')!;
  const cell = (r: number, c: number) => ws.getRow(r).getCell(c);
  // A full row: the wall clock in Shanghai as a real date, money as a number in yuan, each formatted.
  expect(cell(2, 2).value).toEqual(new Date('2026-03-01T10:30:00Z'));
  expect(cell(2, 2).numFmt).toBe(DATE_TIME_FORMAT);
  expect(cell(2, 3).value).toBe(123.45);
  expect(cell(2, 3).numFmt).toBe(MONEY_FORMAT);
  // The empty row: its empty cells carry no format (exceljs did not write them).
  expect(cell(3, 1).value).toBe('乙');
  for (const c of [2, 3]) {
    expect(cell(3, c).value).toBeNull();
    expect(cell(3, c).numFmt).toBeUndefined();
  }
  expect(cell(4, 2).value).toEqual(new Date('2026-03-02T00:00:00Z'));
  // Totals: the formula over the data rows and its value.
  expect(cell(5, 1).value).toBe('合计');
  expect(cell(5, 3).value).toMatchObject({ formula: 'SUM(C2:C4)', result: 123.5 });
  expect(cell(5, 3).numFmt).toBe(MONEY_FORMAT);
  expect(cell(5, 3).font?.bold).toBe(true);
});
