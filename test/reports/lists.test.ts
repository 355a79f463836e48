import ExcelJS from 'exceljs';
import { describe, expect, test } from 'vitest';
import { listSessions, type SessionView } from '../../src-main/sessions';
import { raiseAlert, resolveAlert } from '../../src-main/alerts';
import { runExport } from '../../src-main/reports';
import { createOperator } from '../../src-main/operators';
import { topUp } from '../../src-main/ledger';
import { approveAdjustment, createAdjustment, getTask, processTask } from '../../src-main/refunds';
import { newDriver, paidOrder, refundApp } from '../refunds/fixtures';
import { claimJobs, enqueue, failJob } from '../../src-main/jobs/queue';
import { DepotError } from '../../src-main/kernel/errors';
import { addOperator, call, ok } from '../helpers';
import { at, startSessionDepot } from '../sessions/helpers';

async function read(file: string): Promise<ExcelJS.Worksheet> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  return wb.worksheets[1];
}

/** The rows under the header, as { header: cell } (the totals row left out). */
function rowsOf(ws: ExcelJS.Worksheet): Record<string, unknown>[] {
  const header = ws.getRow(1).values as unknown[];
  const out: Record<string, unknown>[] = [];
  ws.eachRow((row, n) => {
    if (n === 1) return;
    out.push(Object.fromEntries(header.map((h, i) => [h, row.getCell(i).value]).filter(([h]) => h !== undefined)));
  });
  return out.filter((r) => !Object.values(r).some((v) => typeof v === 'object' && v !== null && 'formula' in v));
}

describe('export on every list', () => {
  test('the Sessions list exports every row its filter matches, with names and masked phones, money as numbers and a totals row', async () => {
    const depot = await startSessionDepot();
    const { app } = depot;
    const cp = await depot.charger('CP-1');
    const driver = depot.driver({ topUpYuan: 100 });
    for (const [start, stop] of [
      ['10:00', '10:30'],
      ['11:00', '11:45'],
    ] as const) {
      const s = await ok<SessionView>(app, depot.operator, 'sessions.start', { chargerId: 'CP-1', connectorId: 1, driver: driver.id, prepay: '5.00' });
      const tx = await cp.startTransaction(1, s.idTag, 0, at(start));
      await cp.stopTransaction(tx, 6_000, at(stop));
      await depot.settle();
    }
    // A third, failed one: the filter leaves it out.
    await ok(app, depot.operator, 'sessions.start', { chargerId: 'CP-1', connectorId: 2, driver: driver.id, prepay: '5.00' });
    depot.clock.advance(61_000);
    await depot.services.scheduler.drain();
    const paid = listSessions(app, { state: 'PAID' });
    expect(paid.total).toBe(2);

    const asked = await ok<{ id: string; fileName: string }>(app, depot.operator, 'reports.export', { kind: 'list', list: 'sessions', filter: { state: 'PAID' } });
    expect(asked.fileName).toMatch(/^充电会话-\d{4}-\d{2}-\d{2}\.xlsx$/);
    const done = await runExport(app, asked.id);
    const ws = await read(`${app.paths.dataDir}/${done.path}`);
    expect(ws.name).toBe('充电会话');
    expect(ws.rowCount).toBe(1 + 2 + 1);
    const row = ws.getRow(2);
    expect(row.getCell(4).value).toBe(`${driver.name} ${driver.phone.slice(0, 3)}****${driver.phone.slice(-4)}`);
    expect(row.getCell(8).numFmt).toBe('#,##0.00');
    expect(row.getCell(8).value).toBe(paid.items[0].amountFen! / 100);
    expect(row.getCell(5).value).toBeInstanceOf(Date);
    expect(ws.getRow(4).getCell(8).value).toMatchObject({ formula: 'SUM(H2:H3)' });
  });

  /** A depot with one session charged 6 kWh on CP-1 and settled (10:00–10:30). */
  async function chargedSession() {
    const depot = await startSessionDepot();
    const { app } = depot;
    const cp = await depot.charger('CP-1');
    const driver = depot.driver({ topUpYuan: 100 });
    const s = await ok<SessionView>(app, depot.operator, 'sessions.start', { chargerId: 'CP-1', connectorId: 1, driver: driver.id, prepay: '5.00' });
    const tx = await cp.startTransaction(1, s.idTag, 0, at('10:00'));
    await cp.stopTransaction(tx, 6_000, at('10:30'));
    await depot.settle();
    return { depot, app, driver, s };
  }

  test('an export says what the list on screen says, in the language asked: states, channels, alerts and audit results in words', async () => {
    const { depot, app } = await chargedSession();
    raiseAlert(app, {
      code: 'sessions_unsettled',
      level: 'warning',
      message: '3 finished sessions are still unsettled after the sweep (threshold 2)',
      subject: 'sessions:unsettled',
      details: { count: 3, threshold: 2 },
    });
    const sheet = async (list: string, locale: 'zh-CN' | 'en-US', who = depot.operator) => {
      const e = await ok<{ id: string }>(app, who, 'reports.export', { kind: 'list', list, locale });
      return read(`${app.paths.dataDir}/${(await runExport(app, e.id)).path}`);
    };
    expect((await sheet('sessions', 'zh-CN')).getRow(2).getCell(2).value).toBe('已支付');
    expect((await sheet('sessions', 'en-US')).getRow(2).getCell(2).value).toBe('Paid');
    const alerts = await sheet('alerts', 'zh-CN');
    expect(alerts.getRow(2).getCell(1).value).toBe('警告');
    expect(alerts.getRow(2).getCell(3).value).toBe('结算清扫后仍有 3 笔已结束的充电订单未结算（告警阈值 2 笔）');
    const made = await createOperator(app, { name: 'li.na', displayName: '李娜', role: 'supervisor', password: 'correct-horse' });
    const sup = { id: made.id, name: made.name, displayName: made.displayName, role: made.role };
    const audit = await sheet('audit', 'zh-CN', sup);
    const results = audit.getColumn(7).values.slice(2);
    expect(results).toContain('成功');
    expect(results).not.toContain('ok');
    // The action as the audit screen words it (audit.action.*), who did it by the name people know, not the login.
    const cells = (ws: ExcelJS.Worksheet, col: number) => ws.getColumn(col).values.slice(2);
    expect(cells(audit, 5)).toEqual(expect.arrayContaining(['启动充电', '导出报表']));
    expect(cells(audit, 5).filter((v) => /^[a-z]+\.[a-zA-Z]+$/.test(String(v)))).toEqual([]);
    expect(audit.getRow(1).getCell(5).value).toBe('操作');
    const exported = audit.getColumn(5).values.indexOf('导出报表');
    expect(audit.getRow(exported).getCell(3).value).toBe('李娜');
    expect(cells(audit, 3)).not.toContain('li.na');
    const auditEn = await sheet('audit', 'en-US', sup);
    expect(auditEn.getRow(1).getCell(5).value).toBe('Action');
    expect(cells(auditEn, 5)).toEqual(expect.arrayContaining(['Start a session', 'Export a report']));
    expect(cells(auditEn, 5)).not.toContain('sessions.start');
  });

  test("the jobs export words a job's last error by the code the core gave it, the record beside it, as the Jobs page does", async () => {
    const depot = await startSessionDepot();
    const { app } = depot;
    enqueue(app, { kind: 'test.words', args: {} });
    const [job] = claimJobs(app, { limit: 1, kinds: ['test.words'] });
    failJob(app, job, new DepotError('unavailable', 'no connection to the broker at mqtt://127.0.0.1:1883 after 5000 ms'), { backoffMs: 60_000 });
    const sheet = async (locale: 'zh-CN' | 'en-US', kind = 'test.words') => {
      const e = await ok<{ id: string }>(app, depot.operator, 'reports.export', { kind: 'list', list: 'jobs', locale, filter: { kind } });
      return read(`${app.paths.dataDir}/${(await runExport(app, e.id)).path}`);
    };
    const zh = await sheet('zh-CN');
    expect(zh.getRow(1).getCell(5).value).toBe('最近错误');
    expect(rowsOf(zh)).toEqual([
      expect.objectContaining({
        最近错误: '服务暂不可用',
        错误记录: '[unavailable] no connection to the broker at mqtt://127.0.0.1:1883 after 5000 ms',
        任务编号: job.id,
      }),
    ]);
    expect(rowsOf(await sheet('en-US'))).toEqual([expect.objectContaining({ 'Last error': 'Service unavailable', 'Job id': job.id })]);
    // The export leads with what the job is, in words (导出报表 for the exports just made), its internal id in the last column.
    const exports = await sheet('zh-CN', 'reports.export');
    const headers = exports.getRow(1).values as unknown[];
    expect(headers[1]).toBe('任务');
    expect(headers.at(-1)).toBe('任务编号');
    const rows = rowsOf(exports);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(new Set(rows.map((r) => r['任务']))).toEqual(new Set(['导出报表']));
    expect(rows.every((r) => typeof r['任务编号'] === 'string' && r['任务编号'] !== '')).toBe(true);
    expect((await sheet('en-US', 'reports.export')).getRow(2).getCell(1).value).toBe('Export a report');
  });

  test('the refund tasks export leads with the order it refunds and the gateway refund number, in words; the task id last, named as the gateway knows it', async () => {
    const t = await refundApp();
    try {
      const order = await paidOrder(t.app, newDriver(t.app), 10_000);
      const a = createAdjustment(t.app, { orderId: order.id, amountFen: 3_000, reason: '重复支付' }, { operatorId: t.clerk.id });
      const task = getTask(t.app, approveAdjustment(t.app, a.id, {}, { operatorId: t.sup1.id }).taskId!);
      const done = await processTask(t.app, task.id);
      expect(done.providerRefundNo).toEqual(expect.any(String));
      const sheet = async (locale: 'zh-CN' | 'en-US') => {
        const e = await ok<{ id: string }>(t.app, t.sup1, 'reports.export', { kind: 'list', list: 'refund_tasks', locale });
        return read(`${t.app.paths.dataDir}/${(await runExport(t.app, e.id)).path}`);
      };
      const zh = await sheet('zh-CN');
      expect((zh.getRow(1).values as unknown[]).slice(1, 3)).toEqual(['订单号', '渠道退款单号']);
      expect(rowsOf(zh)).toEqual([
        expect.objectContaining({ 订单号: order.number, 渠道退款单号: done.providerRefundNo, 来源: '调账', 状态: '已完成', '任务编号（商户退款单号）': task.id }),
      ]);
      expect(zh.getRow(2).getCell(1).value).toMatch(/^DD\d+$/);
      const en = await sheet('en-US');
      expect((en.getRow(1).values as unknown[]).slice(1, 3)).toEqual(['Order', 'Gateway refund no.']);
      expect(rowsOf(en)).toEqual([expect.objectContaining({ Order: order.number, Source: 'Adjustment', 'Task id (merchant refund no.)': task.id })]);
    } finally {
      await t.scheduler.stop();
    }
  });

  test('the alerts export words why an alert resolved as the alerts list does; a resolution recorded as text alone stays as written', async () => {
    const depot = await startSessionDepot();
    const { app } = depot;
    const raise = (subject: string) => raiseAlert(app, { code: 'sessions_unsettled', level: 'warning', message: 'x', subject, details: { count: 3, threshold: 2 } });
    raise('sessions:worded');
    resolveAlert(app, 'sessions:worded', {
      message: 'sweep sw-1 found 1 unsettled finished session(s), not above 2',
      code: 'unsettled_count_below',
      params: { sweepId: 'sw-1', count: 1, threshold: 2 },
    });
    raise('sessions:older');
    resolveAlert(app, 'sessions:older', 'cleared, in the words of an older build');
    const sheet = async (locale: 'zh-CN' | 'en-US') => {
      const e = await ok<{ id: string }>(app, depot.operator, 'reports.export', { kind: 'list', list: 'alerts', locale, filter: { open: false } });
      return read(`${app.paths.dataDir}/${(await runExport(app, e.id)).path}`);
    };
    const resolutions = (ws: ExcelJS.Worksheet) => ws.getColumn(10).values.slice(2);
    const zh = await sheet('zh-CN');
    expect(zh.getRow(1).getCell(10).value).toBe('解除原因');
    // The time it cleared, whoever cleared it (a supervisor may have): not headed 自动解除.
    expect(zh.getRow(1).getCell(9).value).toBe('解除时间');
    const resolvedAt = zh.getColumn(9).values.slice(2);
    expect(resolvedAt).toEqual([expect.any(Date), expect.any(Date)]);
    expect(resolutions(zh)).toEqual(['cleared, in the words of an older build', '结算清扫后未结算的已结束订单为 1 笔，未超过告警阈值 2 笔']);
    const en = await sheet('en-US');
    expect(en.getRow(1).getCell(9).value).toBe('Resolved at');
    expect(resolutions(en)).toEqual([
      'cleared, in the words of an older build',
      '1 finished sessions unsettled after the settlement sweep, not above the alert threshold of 2',
    ]);
  });

  test("a driver's statement and the manual refunds export sessions by number, memos in words and people by name, in the export's language", async () => {
    const { depot, app, driver, s } = await chargedSession();
    await ok(app, depot.operator, 'adjustments.create', { sessionId: s.id, amount: '1.00', reason: '充电桩故障' });
    const sheet = async (list: string, locale: 'zh-CN' | 'en-US', filter: Record<string, unknown> = {}) => {
      const e = await ok<{ id: string }>(app, depot.operator, 'reports.export', { kind: 'list', list, locale, filter });
      return read(`${app.paths.dataDir}/${(await runExport(app, e.id)).path}`);
    };
    const rows = rowsOf;
    const zh = rows(await sheet('statement', 'zh-CN', { driverId: driver.id }));
    const settled = zh.find((r) => String(r['备注']).startsWith('充电订单'));
    expect(settled).toMatchObject({ 账户: '钱包', 关联单号: s.number, 备注: `充电订单 ${s.number} · CP-1/1 · 6.000 kWh` });
    expect(zh.find((r) => r['类型'] === '预付冻结' || String(r['备注']).startsWith('充电预付冻结'))).toMatchObject({ 备注: '充电预付冻结 · CP-1/1', 关联单号: s.number });
    // 流水号 is the ledger's own key, for whoever traces a line; a session's line names the session by its number there too.
    expect(settled!['流水号']).toEqual(expect.stringContaining(s.number));
    // No cell names the session by its internal id, nor keeps the core's English — but the key's own words (settle:…, hold:…).
    const strings = (r: Record<string, unknown>) => Object.values(r).filter((v): v is string => typeof v === 'string');
    expect(zh.flatMap(strings).filter((c) => c.includes(s.id))).toEqual([]);
    expect(zh.flatMap(({ 流水号: _key, ...r }) => strings(r)).filter((c) => /session|prepay|wallet/.test(c))).toEqual([]);
    const en = rows(await sheet('statement', 'en-US', { driverId: driver.id }));
    expect(en.find((r) => String(r.Memo).startsWith('Session'))).toMatchObject({
      Account: 'Wallet',
      Reference: s.number,
      Memo: `Session ${s.number} · CP-1/1 · 6.000 kWh`,
    });

    const adjustments = rows(await sheet('adjustments', 'zh-CN'));
    expect(adjustments).toHaveLength(1);
    expect(adjustments[0]).toMatchObject({
      状态: '待审批',
      对象: s.number,
      司机: `${driver.name} ${driver.phone.slice(0, 3)}****${driver.phone.slice(-4)}`,
      原因: '充电桩故障',
    });

    // An alert acknowledged by a supervisor names them as people know them, not by their login.
    const alert = raiseAlert(app, { code: 'sessions_unsettled', level: 'warning', message: 'x', subject: 'sessions:unsettled', details: { count: 3, threshold: 2 } });
    const sup = await createOperator(app, { name: 'zhang.wei', displayName: '张伟', role: 'supervisor', password: 'correct-horse' });
    await ok(app, { id: sup.id, name: sup.name, displayName: sup.displayName, role: sup.role }, 'alerts.acknowledge', { id: alert.alert.id });
    expect(rows(await sheet('alerts', 'zh-CN', { open: false }))[0]).toMatchObject({ 确认人: '张伟' });
  });

  test("a driver's statement names a collected debt by the session that left it, in 流水号 (the key) and 关联单号 (the number alone) — no debt id in any cell", async () => {
    const depot = await startSessionDepot();
    const { app } = depot;
    const cp = await depot.charger('CP-1');
    const driver = depot.driver({ topUpYuan: 20 });
    const s = await ok<SessionView>(app, depot.operator, 'sessions.start', { chargerId: 'CP-1', connectorId: 1, driver: driver.id, prepay: '10.00' });
    const tx = await cp.startTransaction(1, s.idTag, 0, at('10:00'));
    // ¥36.82 against ¥20.00: a debt of ¥16.82, which the next top-up collects.
    await cp.stopTransaction(tx, 20_000, at('11:00'));
    await depot.settle();
    const debtId = (app.sqlite.prepare('SELECT id FROM ledger_debts WHERE driver_id = ?').pluck().get(driver.id) as string | undefined)!;
    expect(debtId).toEqual(expect.any(String));
    topUp(app, { key: 'counter:cash-1', driverId: driver.id, amountFen: 5_000, channel: 'cash' });
    const sheet = async (locale: 'zh-CN' | 'en-US') => {
      const e = await ok<{ id: string }>(app, depot.operator, 'reports.export', { kind: 'list', list: 'statement', locale, filter: { driverId: driver.id } });
      return rowsOf(await read(`${app.paths.dataDir}/${(await runExport(app, e.id)).path}`));
    };
    const zh = await sheet('zh-CN');
    const collected = zh.filter((r) => r['类型'] === '欠款抵扣');
    expect(collected).toHaveLength(2);
    expect(collected.map((r) => r['流水号'])).toEqual([`counter:cash-1#collect:${s.number}`, `counter:cash-1#collect:${s.number}`]);
    // 关联单号 is the business number, as on the screen (lib/statementReference.ts): the session whose debt the line collects.
    expect(collected.map((r) => r['关联单号'])).toEqual([s.number, s.number]);
    const strings = (r: Record<string, unknown>) => Object.values(r).filter((v): v is string => typeof v === 'string');
    expect(zh.flatMap(strings).filter((c) => c.includes(debtId) || c.includes(s.id))).toEqual([]);
    // A key with nothing to number keeps its shape: the cash top-up itself. It has no business number: 关联单号 is empty, not the key.
    const cash = zh.filter((r) => r['流水号'] === 'counter:cash-1');
    expect(cash).toHaveLength(1);
    expect(cash[0]['关联单号'] ?? '').toBe('');
    const en = await sheet('en-US');
    expect(en.filter((r) => r.Code === 'Debt paid').map((r) => r.Transfer)).toContain(`counter:cash-1#collect:${s.number}`);
  });

  test("the audit export words each action's input as the audit screen does — the session and order by number, money and reasons — with the record beside it", async () => {
    const { depot, app, driver, s } = await chargedSession();
    await ok(app, depot.operator, 'adjustments.create', { sessionId: s.id, amount: '1.00', reason: '充电桩故障' });
    const order = await ok<{ id: string; number: string }>(app, depot.operator, 'payments.createOrder', { driverId: driver.id, amount: '30.00', channel: 'wechat' });
    await ok(app, depot.operator, 'payments.cancelOrder', { orderId: order.id, reason: '顾客改用现金' });
    const made = await createOperator(app, { name: 'li.na', displayName: '李娜', role: 'supervisor', password: 'correct-horse' });
    const sup = { id: made.id, name: made.name, displayName: made.displayName, role: made.role };
    const sheet = async (locale: 'zh-CN' | 'en-US') => {
      const e = await ok<{ id: string }>(app, sup, 'reports.export', { kind: 'list', list: 'audit', locale });
      return rowsOf(await read(`${app.paths.dataDir}/${(await runExport(app, e.id)).path}`));
    };
    const zh = await sheet('zh-CN');
    const row = (action: string) => zh.find((r) => r['操作'] === action)!;
    expect(row('申请售后退款')).toMatchObject({ 输入: `充电订单 ${s.number} · 金额 ¥1.00 · 原因 充电桩故障`, 完整记录: expect.stringContaining(s.id) });
    expect(row('取消支付订单')).toMatchObject({ 输入: `支付订单 ${order.number} · 原因 顾客改用现金`, 完整记录: expect.stringContaining(order.id) });
    // An input with nothing the screen words (the screen shows —) is an empty cell, its record beside it.
    expect(row('导出报表')).toMatchObject({ 输入: null, 完整记录: expect.stringContaining('"list":"audit"') });
    const inputs = zh.map((r) => r['输入']).filter((v): v is string => typeof v === 'string');
    expect(inputs.filter((v) => v.includes(s.id) || v.includes(order.id) || v.startsWith('{'))).toEqual([]);
    const en = await sheet('en-US');
    expect(en.find((r) => r.Action === 'Cancel a payment order')).toMatchObject({ Input: `Order ${order.number} · Reason 顾客改用现金` });
  });

  test('a misspelt filter key is refused naming it, before any job; the audit log is for supervisors', async () => {
    const depot = await startSessionDepot();
    const { app } = depot;
    const bad = await call(app, depot.operator, 'reports.export', { kind: 'list', list: 'sessions', filter: { stationID: 'NO-SUCH' } });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.error.code).toBe('invalid_input');
      expect(bad.error.message).toContain('stationID');
    }
    const audit = await call(app, depot.operator, 'reports.export', { kind: 'list', list: 'audit' });
    expect(audit.ok || audit.error.code).toBe('forbidden');
    const money = await call(app, depot.operator, 'reports.export', { kind: 'revenue', from: '2026-01-15' });
    expect(money.ok || money.error.code).toBe('forbidden');
    const sup = await addOperator(app, 'supervisor', 'sup-audit');
    const e = await ok<{ id: string }>(app, sup, 'reports.export', { kind: 'list', list: 'audit' });
    const ws = await read(`${app.paths.dataDir}/${(await runExport(app, e.id)).path}`);
    expect(ws.name).toBe('审计日志');
    expect(ws.rowCount).toBeGreaterThan(1);
  });

  test('the reconciliation finance report exports through the same job and download, a day not yet reconciled named as such', async () => {
    const depot = await startSessionDepot();
    const { app } = depot;
    const fin = await addOperator(app, 'finance', 'fin-recon');
    const e = await ok<{ id: string; fileName: string }>(app, fin, 'reports.export', { kind: 'reconciliation', from: '2026-01-14' });
    expect(e.fileName).toBe('对账报表-2026-01-14.xlsx');
    const done = await runExport(app, e.id);
    expect(done.state).toBe('done');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(`${app.paths.dataDir}/${done.path}`);
    const summary = wb.worksheets[0];
    const cells = summary
      .getSheetValues()
      .flat()
      .filter((v) => typeof v === 'string');
    expect(cells.some((v) => (v as string).includes('未对账'))).toBe(true);
  });
});
