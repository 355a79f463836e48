import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src-main/kernel/clock';
import { approveCampaign, beginExecution, createCampaign, dryRunCampaign, exportCampaign, runCampaign } from '../../src-main/compensation';
import { addOperator, makeApp, ok, tempDir } from '../helpers';
import { burstSpec, seedBurst } from './fixtures';

/** The accountants' workbooks, read back with exceljs and checked cell by cell. */

async function read(file: string) {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  return wb;
}

const summaryMap = (ws: ExcelJS.Worksheet) => {
  const m = new Map<string, ExcelJS.Cell>();
  ws.eachRow((row) => m.set(String(row.getCell(1).value), row.getCell(2)));
  return m;
};

describe('campaign Excel export', () => {
  it('the dry run of the 2026-01-15 case: summary, distribution and 595 driver rows with amounts as numbers in yuan', async () => {
    const { app } = makeApp({ clock: new FakeClock('2026-01-16T02:00:00Z') });
    const creator = await addOperator(app, 'supervisor', 'li.na');
    const { driverIds } = seedBurst(app);
    const c = createCampaign(app, burstSpec(), { operatorId: creator.id });
    const report = dryRunCampaign(app, c.id, { operatorId: creator.id });
    const file = path.join(tempDir(), 'dry-run.xlsx');
    const r = await exportCampaign(app, c.id, file);
    expect(r).toEqual({ file, rows: 595, kind: 'dry_run' });
    expect(fs.readdirSync(path.dirname(file))).toEqual(['dry-run.xlsx']);

    const wb = await read(file);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['汇总', '分布', '明细']);
    const s = summaryMap(wb.getWorksheet('汇总')!);
    expect(s.get('活动 Campaign')!.value).toBe(`2026-01-15 ST-A 启动失败补偿 (${c.id})`);
    expect(s.get('日期 Dates')!.value).toBe('2026-01-15');
    expect(s.get('时段 Time window')!.value).toBe('09:00–12:00');
    expect(s.get('站点 Stations')!.value).toBe('ST-A');
    expect(s.get('规则 Rule')!.value).toBe('每人固定 fixed ¥10.00');
    expect(s.get('匹配记录 Records')!.value).toBe(972);
    expect(s.get('涉及用户 Drivers')!.value).toBe(595);
    expect(s.get('合计金额 Total (¥)')!.value).toBe(5950);
    expect(s.get('合计金额 Total (¥)')!.numFmt).toBe('#,##0.00');
    expect(s.get('指纹 Fingerprint')!.value).toBe(report.fingerprint);

    const d = wb.getWorksheet('分布')!;
    const dist: unknown[][] = [];
    d.eachRow((row) => dist.push((row.values as unknown[]).slice(1)));
    expect(dist).toEqual([
      ['失败次数 Failures', '用户数 Drivers', '记录数 Records', '金额 Amount (¥)'],
      ['1', 400, 400, 4000],
      ['2-3', 150, 350, 1500],
      ['4-6', 40, 172, 400],
      ['7-10', 5, 50, 50],
      ['>10', 0, 0, 0],
    ]);

    const rows = wb.getWorksheet('明细')!;
    expect(rows.rowCount).toBe(596);
    expect((rows.getRow(1).values as unknown[]).slice(1)).toEqual([
      '用户ID Driver',
      '姓名 Name',
      '手机 Phone',
      '失败次数 Failures',
      '补偿金额 Amount (¥)',
      '当前余额 Balance (¥)',
    ]);
    const sorted = [...driverIds].sort();
    let sumAmount = 0;
    let sumFailures = 0;
    for (let i = 2; i <= 596; i += 1) {
      const row = rows.getRow(i);
      expect(row.getCell(1).value).toBe(sorted[i - 2]);
      expect(row.getCell(5).value).toBe(10);
      expect(row.getCell(5).numFmt).toBe('#,##0.00');
      expect(row.getCell(6).value).toBe(100);
      sumAmount += row.getCell(5).value as number;
      sumFailures += row.getCell(4).value as number;
    }
    expect(sumAmount).toBe(5950);
    expect(sumFailures).toBe(972);
    // The driver with ten failures, by name and phone.
    const ten = driverIds[driverIds.length - 1];
    const tenRow = rows.getRow(2 + sorted.indexOf(ten));
    expect((tenRow.values as unknown[]).slice(1)).toEqual([ten, '车主595', '13900000594', 10, 10, 100]);
  }, 120_000);

  it('the results after execution, through the contract as the page downloads them: status, batch number and transfer per driver', async () => {
    const { app } = makeApp({ clock: new FakeClock('2026-01-16T02:00:00Z') });
    const creator = await addOperator(app, 'supervisor', 'li.na');
    const approver = await addOperator(app, 'supervisor', 'zhou.qiang');
    seedBurst(app);
    const c = createCampaign(
      app,
      burstSpec({ criteria: { from: '2026-01-15', to: '2026-01-15', timeWindow: { start: '09:00', end: '12:00' }, stationIds: ['ST-A'], minFailures: 4 } }),
      { operatorId: creator.id },
    );
    const r = dryRunCampaign(app, c.id, { operatorId: creator.id });
    const approved = approveCampaign(app, c.id, { fingerprint: r.fingerprint, drivers: r.drivers, total: r.total, criteriaChecked: true }, { operatorId: approver.id });
    beginExecution(app, c.id, { operatorId: approver.id });
    await runCampaign(app, c.id, { operatorId: approver.id });

    const out = await ok<{ fileName: string; rows: number; base64: string }>(app, approver, 'compensation.exportFile', { campaignId: c.id });
    expect(out.fileName).toBe(`compensation-${c.id}-results.xlsx`);
    expect(out.rows).toBe(45);
    const file = path.join(tempDir(), out.fileName);
    fs.writeFileSync(file, Buffer.from(out.base64, 'base64'));
    const wb = await read(file);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['汇总', '明细']);
    const s = summaryMap(wb.getWorksheet('汇总')!);
    expect(s.get('已入账 Credited')!.value).toBe(45);
    expect(s.get('失败 Failed')!.value).toBe(0);
    expect(s.get('已入账金额 Credited (¥)')!.value).toBe(450);
    expect(s.get('批准金额 Approved (¥)')!.value).toBe(450);
    const rows = wb.getWorksheet('明细')!;
    expect(rows.rowCount).toBe(46);
    const first = rows.getRow(2);
    const driverId = first.getCell(1).value as string;
    expect(first.getCell(6).value).toBe('credited');
    expect(first.getCell(7).value).toBe(`COMP-${approved.batchStamp}-${driverId}`);
    expect(first.getCell(8).value).toBe(`comp:${c.id}:${driverId}`);
    expect(app.sqlite.prepare('SELECT amount FROM ledger_transfers WHERE id = ?').get(first.getCell(8).value)).toEqual({ amount: 1_000 });
  }, 120_000);

  it('amounts with fen land as exact yuan numbers: ¥0.07 per failure capped at ¥0.50 writes 0.07, 0.14 … 0.50 and a total of 67.04', async () => {
    const { app } = makeApp({ clock: new FakeClock('2026-01-16T02:00:00Z') });
    const creator = await addOperator(app, 'supervisor', 'li.na');
    seedBurst(app);
    const c = createCampaign(app, burstSpec({ rule: { kind: 'per_failure', amount: '0.07', cap: '0.50' } }), { operatorId: creator.id });
    const report = dryRunCampaign(app, c.id, { operatorId: creator.id });
    const file = path.join(tempDir(), 'cents.xlsx');
    await exportCampaign(app, c.id, file);

    const wb = await read(file);
    const s = summaryMap(wb.getWorksheet('汇总')!);
    expect(s.get('规则 Rule')!.value).toBe('每次 per failure ¥0.07, 封顶 cap ¥0.50');
    expect(report.total).toBe(6704);
    expect(s.get('合计金额 Total (¥)')!.value).toBe(67.04);
    const rows = wb.getWorksheet('明细')!;
    const seen = new Map<number, unknown>();
    for (let i = 2; i <= rows.rowCount; i += 1) seen.set(rows.getRow(i).getCell(4).value as number, rows.getRow(i).getCell(5).value);
    // The number an accountant would type for each amount, nothing near it.
    expect([...seen].sort((a, b) => a[0] - b[0])).toEqual(
      [
        [1, 0.07],
        [2, 0.14],
        [3, 0.21],
        [4, 0.28],
        [5, 0.35],
        [6, 0.42],
        [7, 0.49],
        [8, 0.5],
        [9, 0.5],
        [10, 0.5],
      ].filter(([n]) => seen.has(n)),
    );
    expect(seen.size).toBeGreaterThan(3);
  }, 120_000);

  it('a file name that is not .xlsx or a folder that does not exist is refused and nothing is written', async () => {
    const { app } = makeApp({ clock: new FakeClock('2026-01-16T02:00:00Z') });
    const creator = await addOperator(app, 'supervisor', 'li.na');
    const c = createCampaign(app, burstSpec(), { operatorId: creator.id });
    const dir = tempDir();
    await expect(exportCampaign(app, c.id, path.join(dir, 'x.csv'))).rejects.toThrow(/ends in .xlsx/);
    await expect(exportCampaign(app, c.id, path.join(dir, 'missing', 'x.xlsx'))).rejects.toThrow(/does not exist/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
