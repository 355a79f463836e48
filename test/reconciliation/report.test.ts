import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src-main/kernel/context';
import type { OperatorIdentity } from '../../src-main/kernel/method';
import type { Role } from '../../src-main/kernel/roles';
import { createOperator } from '../../src-main/operators';
import {
  approveWriteOff,
  assignBreak,
  dayBounds,
  energyOfDay,
  getDay,
  listBreaks,
  requestWriteOff,
  resolveBreak,
  runDay,
  signOff,
  type BreakRow,
} from '../../src-main/reconciliation';
import { writeReconReport } from '../../src-main/reconciliation/report';
import { call, ok } from '../helpers';
import { at, expectLedgerValid, startSessionDepot } from '../sessions/helpers';
import { wechatPayment } from './fixtures';
import { dayKey } from '../../src-main/reconciliation/day-key';
import {
  alipayRowOf,
  cancelledButPaid,
  completedRefund,
  DAY,
  dayAfter,
  HOUR,
  importAlipay,
  importWechat,
  paidOrder,
  reconApp,
  wechatRefundRowOf,
  wechatRowOf,
  yuan,
  type ReconApp,
} from './scenario';

/**
 * The daily finance report (src-main/reconciliation/report.ts) on a depot made the real way:
 * orders paid and refunded through payments and refunds, statement files imported, a charger on
 * the embedded broker whose meters advanced more than its sessions billed, the days run, breaks
 * worked. The workbook is read back with exceljs and, where LibreOffice is installed, converted to
 * CSV by it; its figures are tied to the ledger.
 */

const DAY2 = '2026-03-02';
const DAY3 = '2026-03-03';
const MONEY = '#,##0.00';
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'depotdesk-recon-report-test-'));
afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

async function operator(app: AppContext, role: Role, name: string, displayName: string): Promise<OperatorIdentity> {
  const op = await createOperator(app, { name, displayName, role, password: 'correct-horse' });
  return { id: op.id, name: op.name, displayName: op.displayName, role: op.role };
}

/** Top-ups the ledger booked from a gateway's clearing account during a depot day, in fen. */
function ledgerTopUps(app: AppContext, account: string, from: number, to: number): number {
  return (
    app.sqlite
      .prepare("SELECT coalesce(sum(amount), 0) AS n FROM ledger_transfers WHERE code = 'topup' AND debit_account_id = ? AND created_at >= ? AND created_at < ?")
      .get(account, from, to) as { n: number }
  ).n;
}

interface Depot {
  t: ReconApp;
  breaks: Record<string, BreakRow>;
}

/**
 * DAY: a matched WeChat payment and refund, a matched Alipay payment, each kind of break (an amount
 * mismatch, a 长款, a duplicate payment, a refund only the gateway shows, a 短款) and a charger whose
 * meters ran 500 Wh past its sessions. DAY2: one matched payment, signed off. DAY3: not run.
 */
async function depotWithBreaks(): Promise<Depot> {
  const depot = await startSessionDepot();
  depot.clock.set(`${DAY}T09:00:00+08:00`);
  const { app, clock } = depot;
  const t: ReconApp = {
    app,
    clock,
    dir: app.paths.dataDir,
    scheduler: depot.services.scheduler,
    finance: await operator(app, 'finance', 'fin-wang', '王出纳'),
    finance2: await operator(app, 'finance', 'fin-li', '李会计'),
    supervisor: await operator(app, 'supervisor', 'sup-zhao', '赵主管'),
  };
  // The charger: 500 Wh left connector 1 between two sessions while nothing billed it.
  const cp = await depot.charger('CP-1');
  depot.driver({ topUpYuan: 1000, tag: 'CARD-1' });
  for (const [from, to, startWh, stopWh] of [
    ['10:00', '11:00', 10_000, 20_000],
    ['12:00', '13:00', 20_500, 30_500],
  ] as const) {
    const tx = await cp.startTransaction(1, 'CARD-1', startWh, at(from, DAY));
    await cp.stopTransaction(tx, stopWh, at(to, DAY));
    await depot.settle();
  }

  const ok1 = await paidOrder(app, 10000);
  const ali = await paidOrder(app, 5000, 'alipay');
  const off = await paidOrder(app, 5000);
  await paidOrder(app, 2000); // the gateway never shows it: a 短款
  const long = await cancelledButPaid(app, 8800);
  const refund = await completedRefund(t, ok1, 3000);
  await importWechat(t, [
    wechatRowOf(ok1),
    wechatRefundRowOf(ok1, refund),
    wechatRowOf(off, { 应结订单金额: '50.10', 订单金额: '50.10' }),
    wechatPayment({ 交易时间: `${DAY} 10:00:00`, 微信订单号: long.tradeNo, 商户订单号: long.order.number, 应结订单金额: '88.00', 订单金额: '88.00' }),
    wechatPayment({ 交易时间: `${DAY} 10:05:00`, 微信订单号: '4200000000000000009999', 商户订单号: ok1.number, 应结订单金额: yuan(10000), 订单金额: yuan(10000) }),
    wechatPayment({
      ...{ 交易时间: `${DAY} 18:00:00`, 交易状态: 'REFUND', 微信订单号: ok1.providerTradeNo!, 商户订单号: ok1.number, 应结订单金额: '0.00', 订单金额: '0.00' },
      ...{
        商户退款单号: 'RF-NOT-OURS',
        微信退款单号: '503000000001',
        退款金额: '10.00',
        申请退款金额: '10.00',
        退款类型: 'ORIGINAL',
        退款状态: 'SUCCESS',
        手续费: '0.00000',
      },
    }),
  ]);
  await importAlipay(t, [alipayRowOf(ali)]);

  clock.set(`${DAY2}T10:00:00+08:00`);
  const next = await paidOrder(app, 6600);
  await importWechat(t, [wechatRowOf(next)]);

  dayAfter(t, 3);
  expect(runDay(app, DAY)).toMatchObject({ state: 'breaks', breaksOpen: 5, energy: { anomalies: 1 } });
  expect(runDay(app, DAY2).state).toBe('matched');
  const breaks = Object.fromEntries(listBreaks(app, { day: DAY }).breaks.map((b) => [b.kind, b]));
  expect(Object.keys(breaks).sort()).toEqual(['amount_mismatch', 'duplicate', 'long', 'refund_mismatch', 'short']);
  clock.advance(HOUR);
  assignBreak(app, breaks.long.id, t.finance.id, { operatorId: t.finance.id });
  resolveBreak(app, breaks.duplicate.id, { action: 'explain', note: '测试支付, 已线下退回' }, { operatorId: t.finance2.id });
  requestWriteOff(app, breaks.short.id, '网关无记录, 无法追回', { operatorId: t.finance.id });
  clock.advance(HOUR);
  approveWriteOff(app, breaks.short.id, '同意核销', { operatorId: t.finance2.id });
  signOff(app, DAY2, '已核对', { operatorId: t.finance2.id });
  return { t, breaks: Object.fromEntries(listBreaks(app, { day: DAY }).breaks.map((b) => [b.kind, b])) };
}

/** A sheet's data rows as objects keyed by header, and the cells behind them. */
function table(ws: ExcelJS.Worksheet): { headers: string[]; rows: ExcelJS.Row[]; cell: (row: ExcelJS.Row, header: string) => ExcelJS.Cell } {
  const headers = (ws.getRow(1).values as unknown[]).slice(1).map(String);
  const rows: ExcelJS.Row[] = [];
  ws.eachRow((row, n) => {
    if (n > 1) rows.push(row);
  });
  const cell = (row: ExcelJS.Row, header: string) => {
    const i = headers.indexOf(header);
    if (i < 0) throw new Error(`no column ${header} in ${ws.name}: ${headers.join(', ')}`);
    return row.getCell(i + 1);
  };
  return { headers, rows, cell };
}

const num = (c: ExcelJS.Cell): number => {
  expect(c.type, `${c.address} holds a number`).toBe(ExcelJS.ValueType.Number);
  return c.value as number;
};
const fen = (c: ExcelJS.Cell): number => {
  expect(c.numFmt, `${c.address} is money`).toBe(MONEY);
  return Math.round(num(c) * 100);
};
const date = (c: ExcelJS.Cell): Date => {
  expect(c.type, `${c.address} holds a date`).toBe(ExcelJS.ValueType.Date);
  return c.value as Date;
};
/** What a depot-zone wall clock shows for an instant, as exceljs reads an Excel date back (Shanghai: UTC+8). */
const wallClock = (ms: number) => new Date(ms + 8 * HOUR);

/** The sheet is a table accountants can work with: bold frozen header, autofilter, widths. */
function expectTableLayout(ws: ExcelJS.Worksheet, columns: number): void {
  expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
  expect(ws.autoFilter).toBeTruthy();
  const filter = ws.autoFilter as unknown;
  const ref = typeof filter === 'string' ? filter : `${(filter as { from: string }).from}:${(filter as { to: string }).to}`;
  expect(ref).toBe(`A1:${ws.getColumn(columns).letter}1`);
  expect(ws.getRow(1).getCell(1).font?.bold).toBe(true);
  expect(ws.getRow(1).getCell(columns).font?.bold).toBe(true);
  for (let i = 1; i <= columns; i += 1) expect(ws.getColumn(i).width, `${ws.name} column ${i} width`).toBeGreaterThanOrEqual(10);
}

/** The last row is the totals row: a SUM over the data rows under `header`, its cached value = the sum of the cells. */
function expectTotal(ws: ExcelJS.Worksheet, header: string): number {
  const { rows, cell } = table(ws);
  const totals = rows.at(-1)!;
  const data = rows.slice(0, -1);
  const c = cell(totals, header);
  expect(c.type, `${ws.name} ${header} total`).toBe(ExcelJS.ValueType.Formula);
  const letter = ws.getColumn(c.col).letter;
  expect(c.formula).toBe(`SUM(${letter}2:${letter}${data.length + 1})`);
  const sum = data.reduce((s, r) => s + ((cell(r, header).value as number | null) ?? 0), 0);
  expect(c.result as number).toBeCloseTo(sum, 6);
  return c.result as number;
}

let written: string | undefined;
const schedulers: ReconApp['scheduler'][] = [];
afterEach(async () => {
  while (schedulers.length > 0) await schedulers.pop()!.stop();
});

describe('the daily finance report (对账报表)', () => {
  it('writes the summary per day and channel, every break, the energy check and the statements, tied to the ledger', async () => {
    const { t, breaks } = await depotWithBreaks();
    const file = path.join(out, '对账报表-2026-03-01至2026-03-03.xlsx');
    const r = await writeReconReport(t.app, { from: DAY, to: DAY3, file });
    expect(r).toMatchObject({ file, sheets: { summary: 4, breaks: 5, energy: 1, statements: 3 }, rows: 13, notReconciled: [DAY3] });
    written = file;

    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['汇总', '差错', '电量核对', '对账单']);

    // 汇总: DAY's two channels, DAY2's one, and DAY3 said to be not reconciled; then the totals.
    const summary = wb.getWorksheet('汇总')!;
    const s = table(summary);
    expectTableLayout(summary, s.headers.length);
    expect(s.rows).toHaveLength(5);
    const [wechat, alipay, day2, notRun, totals] = s.rows;
    expect(
      [wechat, alipay, day2, notRun].map((row) => [date(s.cell(row, '日期')).toISOString().slice(0, 10), s.cell(row, '渠道').value, s.cell(row, '当日状态').value]),
    ).toEqual([
      [DAY, '微信支付', '有差错'],
      [DAY, '支付宝', '有差错'],
      [DAY2, '微信支付', '已签字'],
      [DAY3, null, '未对账'],
    ]);
    expect(s.cell(wechat, '日期').numFmt).toBe('yyyy-mm-dd');
    expect(s.cell(totals, '日期').value).toBe('合计');
    expect(s.cell(totals, '日期').font?.bold).toBe(true);
    // Money cells are numbers in yuan with #,##0.00; counts are numbers.
    expect(num(s.cell(wechat, '网关支付笔数'))).toBe(4);
    expect(fen(s.cell(wechat, '网关支付金额'))).toBe(10000 + 5010 + 8800 + 10000);
    expect(num(s.cell(wechat, '网关退款笔数'))).toBe(2);
    expect(fen(s.cell(wechat, '网关退款金额'))).toBe(3000 + 1000);
    expect(num(s.cell(wechat, '我方支付笔数'))).toBe(3);
    expect(fen(s.cell(wechat, '我方退款金额'))).toBe(3000);
    expect(fen(s.cell(wechat, '支付差额 (网关−我方)'))).toBe(33810 - 17000);
    expect(fen(s.cell(wechat, '退款差额 (网关−我方)'))).toBe(1000);
    expect([num(s.cell(wechat, '差错未结')), num(s.cell(wechat, '差错总数'))]).toEqual([3, 5]);
    expect([num(s.cell(wechat, '当日已匹配支付')), num(s.cell(wechat, '当日已匹配退款')), num(s.cell(wechat, '当日待定'))]).toEqual([2, 1, 0]);
    expect([num(s.cell(alipay, '差错未结')), fen(s.cell(alipay, '我方支付金额'))]).toEqual([0, 5000]);

    // The fees are the statement rows' own; net settlement = payments − refunds − fees, on every row.
    const wechatFees = t.app.sqlite.prepare("SELECT sum(fee_fen) AS n FROM recon_statement_rows WHERE day = ? AND channel = 'wechat'").get(dayKey(DAY)) as { n: number };
    expect(fen(s.cell(wechat, '手续费'))).toBe(wechatFees.n);
    for (const row of [wechat, alipay, day2]) {
      const net = fen(s.cell(row, '网关支付金额')) - fen(s.cell(row, '网关退款金额')) - fen(s.cell(row, '手续费'));
      expect(fen(s.cell(row, '应结算净额'))).toBe(net);
    }
    expect(fen(s.cell(wechat, '应结算净额'))).toBe(33810 - 4000 - wechatFees.n);

    // Our payments tie to the ledger: the top-ups booked from each gateway's clearing account that day.
    const d1 = dayBounds(DAY, t.app.clock.timeZone);
    const d2 = dayBounds(DAY2, t.app.clock.timeZone);
    expect(fen(s.cell(wechat, '我方支付金额'))).toBe(ledgerTopUps(t.app, 'depot:clearing:wechat', d1.from, d1.to));
    expect(fen(s.cell(wechat, '我方支付金额'))).toBe(17000);
    expect(fen(s.cell(alipay, '我方支付金额'))).toBe(ledgerTopUps(t.app, 'depot:clearing:alipay', d1.from, d1.to));
    expect(fen(s.cell(day2, '我方支付金额'))).toBe(ledgerTopUps(t.app, 'depot:clearing:wechat', d2.from, d2.to));
    const period = { from: d1.from, to: dayBounds(DAY3, t.app.clock.timeZone).to };
    const allTopUps = ledgerTopUps(t.app, 'depot:clearing:wechat', period.from, period.to) + ledgerTopUps(t.app, 'depot:clearing:alipay', period.from, period.to);
    expect(Math.round(expectTotal(summary, '我方支付金额') * 100)).toBe(allTopUps);
    expect(Math.round(expectTotal(summary, '应结算净额') * 100)).toBe(
      Math.round((expectTotal(summary, '网关支付金额') - expectTotal(summary, '网关退款金额') - expectTotal(summary, '手续费')) * 100),
    );
    for (const h of ['网关支付笔数', '网关退款金额', '我方退款金额', '支付差额 (网关−我方)', '差错总数']) expectTotal(summary, h);
    // The day's own counts are not summed (they repeat on each channel of the day).
    expect(s.cell(totals, '当日已匹配支付').value).toBeNull();

    // The signed-off day names who signed, and when, as a real date on the depot's wall clock.
    expect(s.cell(day2, '签字人').value).toBe('李会计');
    expect(date(s.cell(day2, '签字时间')).getTime()).toBe(wallClock(getDay(t.app, DAY2).signedOffAt!).getTime());
    expect(s.cell(day2, '签字时间').numFmt).toBe('yyyy-mm-dd hh:mm:ss');
    // The day not run has no figures, only its state: not left out, not shown as zero.
    expect([s.cell(notRun, '网关支付金额').value, s.cell(notRun, '我方支付金额').value]).toEqual([null, null]);

    await expectBreaksSheet(wb.getWorksheet('差错')!, t, breaks);
    expectEnergySheet(wb.getWorksheet('电量核对')!, t.app);
    expectStatementsSheet(wb.getWorksheet('对账单')!, t.app);
    expectLedgerValid(t.app);
  });

  it.skipIf(!sofficePath())('opens in LibreOffice: every sheet converts to CSV with the figures as Excel shows them', { timeout: 180_000 }, () => {
    expect(written, 'the workbook of the test before').toBeDefined();
    const csv = libreOfficeCsv(written!);
    expect(Object.keys(csv).sort()).toEqual(['对账单', '差错', '汇总', '电量核对'].sort());
    const summary = csv['汇总'];
    expect(summary[0].slice(0, 4)).toEqual(['日期', '渠道', '网关支付笔数', '网关支付金额']);
    expect(summary[1].slice(0, 12)).toEqual([DAY, '微信支付', '4', '338.10', '2', '40.00', '2.10', '296.00', '3', '170.00', '1', '30.00']);
    expect(summary[4].slice(0, 2)).toEqual([DAY3, '']);
    expect(summary[4]).toContain('未对账');
    expect(summary[5][0]).toBe('合计');
    // The totals row shows the sum of the money above it.
    const ours = summary[0].indexOf('我方支付金额');
    expect(summary[5][ours]).toBe('286.00');
    const breaks = csv['差错'];
    expect(
      breaks
        .slice(1, 6)
        .map((r) => r[2])
        .sort(),
    ).toEqual(['重复支付', '短款', '金额不符', '退款不符', '长款'].sort());
    const short = breaks.find((r) => r[2] === '短款')!;
    const col = (h: string) => short[breaks[0].indexOf(h)];
    // Resolved (the write-off approved) at 04:00 on the depot's clock, two hours after the 02:00 run.
    expect([col('状态'), col('我方金额'), col('差额 (网关−我方)'), col('处理人'), col('处理时间')]).toEqual([
      '已核销',
      '20.00',
      '-20.00',
      '李会计',
      '2026-03-04 04:00:00',
    ]);
    expect(csv['电量核对'][1]).toEqual([DAY, 'CP-1', '2', '20.000', '20.500', '0.500', '2.44%', '是']);
  });

  it('is a contract method: the file under its name as base64, English on request; a bad range is refused naming the field', async () => {
    const t = await reconApp();
    const a = await paidOrder(t.app, 10000);
    const long = await cancelledButPaid(t.app, 8800);
    await importWechat(t, [
      wechatRowOf(a),
      wechatPayment({ 交易时间: `${DAY} 10:00:00`, 微信订单号: long.tradeNo, 商户订单号: long.order.number, 应结订单金额: '88.00', 订单金额: '88.00' }),
    ]);
    dayAfter(t, 3);
    runDay(t.app, DAY);
    schedulers.push(t.scheduler);
    const clerk = t.supervisor;
    const tmpBefore = new Set(fs.readdirSync(os.tmpdir()));

    const zh = await ok<{ fileName: string; base64: string; rows: number }>(t.app, clerk, 'recon.reportFile', { date: DAY });
    expect(zh).toMatchObject({ fileName: '对账报表-2026-03-01.xlsx', rows: 1 + 1 + 0 + 1 });
    const en = await ok<{ fileName: string; base64: string; rows: number }>(t.app, clerk, 'recon.reportFile', { date: DAY, to: DAY3, locale: 'en-US' });
    expect(en.fileName).toBe('reconciliation-2026-03-01-to-2026-03-03.xlsx');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(en.base64, 'base64') as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Summary', 'Breaks', 'Energy', 'Statements']);
    const s = table(wb.getWorksheet('Summary')!);
    expect(s.rows.map((r) => [s.cell(r, 'Day').value instanceof Date, s.cell(r, 'Channel').value, s.cell(r, 'Day state').value])).toEqual([
      [true, 'WeChat Pay', 'breaks'],
      [true, null, 'not reconciled'],
      [true, null, 'not reconciled'],
      [false, null, null],
    ]);
    expect(s.cell(s.rows[3], 'Day').value).toBe('Total');
    expect(fen(s.cell(s.rows[0], 'Our payments (¥)'))).toBe(10000);
    const b = table(wb.getWorksheet('Breaks')!);
    expect([b.cell(b.rows[0], 'Kind').value, b.cell(b.rows[0], 'State').value, fen(b.cell(b.rows[0], 'Gateway (¥)'))]).toEqual(['long (gateway only)', 'open', 8800]);
    // Nothing is left behind in the temporary folder.
    expect(fs.readdirSync(os.tmpdir()).filter((f) => !tmpBefore.has(f) && f.startsWith('depotdesk-recon-report-'))).toEqual([]);

    const refused = async (input: Record<string, unknown>) => {
      const r = await call(t.app, clerk, 'recon.reportFile', input);
      return r.ok ? 'accepted' : `${r.error.code} ${(r.error.details as { field?: string } | undefined)?.field}`;
    };
    expect(await refused({ date: DAY, to: '2026-02-28' })).toBe('invalid_input to');
    expect(await refused({ date: '2025-03-04', to: '2026-03-05' })).toBe('invalid_input to');
    expect(await refused({ date: '2026-02-30' })).toBe('invalid_input date');
    // 366 days, the longest range, is written (its unreconciled days listed).
    const year = await ok<{ rows: number }>(t.app, clerk, 'recon.reportFile', { date: '2025-03-04', to: '2026-03-04' });
    expect(year.rows).toBe(365 + 1 + 1 + 1);
    await expect(writeReconReport(t.app, { from: DAY, to: '2026-02-01', file: path.join(out, 'x.xlsx') })).rejects.toMatchObject({
      code: 'invalid_input',
      details: { field: 'to' },
    });
    await expect(writeReconReport(t.app, { from: DAY, file: path.join(out, 'x.csv') })).rejects.toMatchObject({ code: 'invalid_input', details: { field: 'file' } });
    expect(fs.existsSync(path.join(out, 'x.xlsx'))).toBe(false);
  });
});

async function expectBreaksSheet(ws: ExcelJS.Worksheet, t: ReconApp, breaks: Record<string, BreakRow>): Promise<void> {
  const b = table(ws);
  expectTableLayout(ws, b.headers.length);
  const data = b.rows.slice(0, -1);
  const byKind = Object.fromEntries(data.map((row) => [b.cell(row, '类型').value as string, row]));
  expect(Object.keys(byKind).sort()).toEqual(['重复支付', '短款', '金额不符', '退款不符', '长款'].sort());
  const short = byKind['短款'];
  expect([b.cell(short, '状态').value, b.cell(short, '处理方式').value, b.cell(short, '处理人').value]).toEqual(['已核销', '核销', '李会计']);
  expect(date(b.cell(short, '处理时间')).getTime()).toBe(wallClock(breaks.short.resolvedAt!).getTime());
  expect(b.cell(short, '凭证').value).toBe(breaks.short.reference);
  expect(breaks.short.reference).toMatch(/^recon:writeoff:/);
  expect([b.cell(short, '商户订单号').value, fen(b.cell(short, '网关金额')), fen(b.cell(short, '我方金额')), fen(b.cell(short, '差额 (网关−我方)'))]).toEqual([
    breaks.short.orderNumber,
    0,
    2000,
    -2000,
  ]);
  const dup = byKind['重复支付'];
  expect([b.cell(dup, '状态').value, b.cell(dup, '处理方式').value, b.cell(dup, '处理人').value, b.cell(dup, '备注').value]).toEqual([
    '已解决',
    '已说明',
    '李会计',
    '测试支付, 已线下退回',
  ]);
  expect(b.cell(dup, '网关交易号').value).toBe('4200000000000000009999');
  const long = byKind['长款'];
  expect([b.cell(long, '状态').value, b.cell(long, '负责人').value, b.cell(long, '处理人').value, b.cell(long, '处理时间').value]).toEqual([
    '待处理',
    '王出纳',
    null,
    null,
  ]);
  expect(b.cell(byKind['退款不符'], '退款单号').value).toBe('RF-NOT-OURS');
  expect(fen(b.cell(byKind['金额不符'], '差额 (网关−我方)'))).toBe(10);
  expect(date(b.cell(long, '日期')).toISOString()).toBe(`${DAY}T00:00:00.000Z`);
  const diff = expectTotal(ws, '差额 (网关−我方)');
  const total = Object.values(breaks).reduce((sum, x) => sum + x.diffFen, 0);
  expect(Math.round(diff * 100)).toBe(total);
  expect(Math.round((expectTotal(ws, '网关金额') - expectTotal(ws, '我方金额')) * 100)).toBe(total);
  // Names, never operator ids.
  const ids = [t.finance.id, t.finance2.id];
  for (const row of data) for (const h of ['负责人', '处理人']) expect(ids).not.toContain(b.cell(row, h).value);
}

function expectEnergySheet(ws: ExcelJS.Worksheet, app: AppContext): void {
  const e = table(ws);
  expectTableLayout(ws, e.headers.length);
  const [check] = energyOfDay(app, DAY);
  expect(check).toMatchObject({ chargerId: 'CP-1', sessions: 2, billedWh: 20_000, registerWh: 20_500, gapWh: 500, diffBp: 244, anomaly: true });
  const row = e.rows[0];
  expect(e.cell(row, '充电桩').value).toBe('CP-1');
  expect(num(e.cell(row, '会话数'))).toBe(2);
  expect([num(e.cell(row, '计费电量 (kWh)')), num(e.cell(row, '电表电量 (kWh)')), num(e.cell(row, '未计费空档 (kWh)'))]).toEqual([20, 20.5, 0.5]);
  expect(e.cell(row, '计费电量 (kWh)').numFmt).toBe('#,##0.000');
  expect(num(e.cell(row, '差异率'))).toBeCloseTo(0.0244, 10);
  expect(e.cell(row, '差异率').numFmt).toBe('0.00%');
  expect(e.cell(row, '计量异常').value).toBe('是');
  expect(expectTotal(ws, '电表电量 (kWh)')).toBeCloseTo(20.5, 10);
}

function expectStatementsSheet(ws: ExcelJS.Worksheet, app: AppContext): void {
  const st = table(ws);
  expectTableLayout(ws, st.headers.length);
  const data = st.rows.slice(0, -1);
  expect(data.map((r) => st.cell(r, '渠道').value)).toEqual(['微信支付', '支付宝', '微信支付']);
  const kept = app.sqlite.prepare('SELECT file_name AS fileName, payment_total_fen AS paid, imported_at AS at FROM recon_statements ORDER BY imported_at, id').all() as {
    fileName: string;
    paid: number;
    at: number;
  }[];
  expect(data.map((r) => st.cell(r, '文件').value)).toEqual(kept.map((k) => k.fileName));
  expect(data.map((r) => fen(st.cell(r, '支付金额')))).toEqual(kept.map((k) => k.paid));
  expect(data.map((r) => date(st.cell(r, '导入时间')).getTime())).toEqual(kept.map((k) => wallClock(k.at).getTime()));
  expect(data.map((r) => st.cell(r, '导入人').value)).toEqual(['王出纳', '王出纳', '王出纳']);
  expect(date(st.cell(data[2], '账单起始日')).toISOString().slice(0, 10)).toBe(DAY2);
  expect(Math.round(expectTotal(ws, '支付金额') * 100)).toBe(kept.reduce((s, k) => s + k.paid, 0));
}

function sofficePath(): string | null {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  const found = ['soffice', 'libreoffice'].flatMap((name) => dirs.map((d) => path.join(d, name))).find((f) => fs.existsSync(f));
  if (!found) console.log('report.test: LibreOffice (soffice) is not installed, so the CSV check is skipped; exceljs still reads every cell back');
  return found || null;
}

/** Every sheet through LibreOffice's CSV filter (UTF-8, cells as shown, all sheets), parsed. */
function libreOfficeCsv(file: string): Record<string, string[][]> {
  const dir = fs.mkdtempSync(path.join(out, 'lo-'));
  const copy = path.join(dir, 'report.xlsx');
  fs.copyFileSync(file, copy);
  execFileSync(
    sofficePath()!,
    [
      `-env:UserInstallation=file://${dir}/profile`,
      '--headless',
      '--convert-to',
      'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1',
      '--outdir',
      dir,
      copy,
    ],
    { stdio: 'pipe', timeout: 120_000 },
  );
  const sheets: Record<string, string[][]> = {};
  for (const f of fs.readdirSync(dir)) {
    const m = /^report-(.+)\.csv$/.exec(f);
    if (m) sheets[m[1]] = parseCsv(fs.readFileSync(path.join(dir, f), 'utf8'));
  }
  return sheets;
}

function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (quoted && ch === '"' && text[i + 1] === '"') {
      field += '"';
      i += 1;
    } else if (ch === '"') {
      quoted = !quoted;
    } else if (!quoted && ch === ',') {
      row.push(field);
      field = '';
    } else if (!quoted && ch === '\n') {
      rows.push([...row, field.replace(/\r$/, '')]);
      row = [];
      field = '';
    } else {
      field += ch;
    }
  }
  if (field || row.length) rows.push([...row, field]);
  return rows;
}
