import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, test } from 'vitest';
import { cliInProcess, cliProcess } from '../cli-runs';
import { makeApp } from '../helpers';
import { expectLedgerValid, wallet } from '../payments/fixtures';
import { alipayBytes, alipayZip, wechatBytes, wechatPayment } from './fixtures';
import { DAY, alipayRowOf, cancelledButPaid, chinaTime, completedRefund, paidOrder, reconApp, wechatRefundRowOf, wechatRowOf, yuan } from './scenario';

/**
 * `depotdesk recon …` through the real CLI (node bin/depotdesk.js, each command its own process)
 * on a depot's data directory. The depot's day is made in this process first, on its fake morning
 * of 2026-03-01: paid orders on both channels, a refund, an order paid after it was cancelled;
 * then the gateways' statement files are written from it (with a 短款, an amount mismatch, a
 * second payment and a refund that is not ours in them). The CLI runs on the wall clock, long
 * after that day, so its three-day window has passed and every missing counterpart is a break.
 *
 * Usage errors are checked by the CLI's own main() in this process (same parser, same exit code as
 * bin/depotdesk.js sets), to keep the number of slow child processes down.
 */

const PASSWORD = 'correct-horse';

/** One CLI process (no timeout of its own), and main() in this process: test/cli-runs.ts. */
const cli = (args: string[]) => cliProcess(args, PASSWORD);
const inProcess = (argv: string[]) => cliInProcess(argv, PASSWORD);

interface BreakJson {
  id: string;
  kind: string;
  state: string;
  resolution: string | null;
  orderNumber: string | null;
  refundNo: string | null;
  gateway: { fen: number };
  ours: { fen: number };
  reference: string | null;
  owner: { name: string } | null;
  requestedBy: { name: string } | null;
  resolvedBy: { name: string } | null;
}

/**
 * The depot's 2026-03-01, made in this process and closed; the statement files written next to
 * it. fin-a and fin-b are finance, sup-a a supervisor (all with PASSWORD).
 */
async function reconDepot() {
  const t = await reconApp();
  const paid = await paidOrder(t.app, 10000);
  const refund = await completedRefund(t, paid, 3000);
  const viaAlipay = await paidOrder(t.app, 5000, 'alipay');
  const missing = await paidOrder(t.app, 2000);
  const off = await paidOrder(t.app, 5000);
  const long = await cancelledButPaid(t.app, 8800);
  const rows = [
    wechatRowOf(paid),
    wechatRefundRowOf(paid, refund),
    wechatRowOf(off, { 应结订单金额: '50.10', 订单金额: '50.10' }),
    wechatPayment({ 交易时间: chinaTime(long.paidAt), 微信订单号: long.tradeNo, 商户订单号: long.order.number, 应结订单金额: '88.00', 订单金额: '88.00' }),
    wechatPayment({ 交易时间: `${DAY} 10:05:00`, 微信订单号: '4200000000000000009999', 商户订单号: paid.number, 应结订单金额: yuan(10000), 订单金额: yuan(10000) }),
    wechatPayment({
      交易时间: `${DAY} 18:00:00`,
      交易状态: 'REFUND',
      微信订单号: paid.providerTradeNo!,
      商户订单号: paid.number,
      应结订单金额: '0.00',
      订单金额: '0.00',
      商户退款单号: 'RF-NOT-OURS',
      微信退款单号: '503000000001',
      退款金额: '10.00',
      申请退款金额: '10.00',
      退款类型: 'ORIGINAL',
      退款状态: 'SUCCESS',
      手续费: '0.00000',
    }),
  ];
  const dir = t.dir;
  const files = { wechat: path.join(dir, 'wechat-0301.csv'), alipay: path.join(dir, 'alipay-0301.zip'), bad: path.join(dir, 'wechat-bad.csv') };
  fs.writeFileSync(files.wechat, wechatBytes({ kind: 'all', rows }));
  fs.writeFileSync(files.alipay, alipayZip(alipayBytes({ rows: [alipayRowOf(viaAlipay)] })));
  // A bill whose summary line does not add up: the importer refuses it whole.
  fs.writeFileSync(files.bad, wechatBytes({ kind: 'all', rows: [wechatRowOf(missing)], summary: { 应结订单总金额: '999.00' } }));
  const before = { long: wallet(t.app, long.order.driverId), off: wallet(t.app, off.driverId) };
  await t.scheduler.stop();
  t.app.close();
  const as = (name: string, ...rest: string[]) => [...rest, '--data-dir', dir, '--as', name];
  return { dir, files, as, before, orders: { paid, missing, off, long: long.order } };
}

describe('depotdesk recon (the CLI on the depot file)', { timeout: 900_000 }, () => {
  test('a full day: import (a refused file named, the same file twice), run, every resolution, a two-person write-off, sign-off', async () => {
    const { dir, files, as, before, orders } = await reconDepot();

    // Import a folder's worth: the two good files go in, the bad one is named with its line and reason.
    const imported = await cli(as('fin-a', 'recon', 'import', files.wechat, files.alipay, files.bad, '--no-run'));
    expect(imported.code, imported.stderr).toBe(1);
    expect(imported.stdout).toMatch(/wechat-0301\.csv: imported\n {2}statement \w+ {2}wechat .* merchant 1900000109 {2}bill dates 2026-03-01/);
    expect(imported.stdout).toMatch(/rows 6 \(repeated 0\) {2}payments 4 ¥338\.10 {2}refunds 2 ¥40\.00 {2}fees ¥2\.10 {2}net of refunds ¥298\.10/);
    expect(imported.stdout).toMatch(/alipay-0301\.zip: imported/);
    expect(imported.stdout).toMatch(/days: 2026-03-01 \(not run\)/);
    expect(imported.stdout).toMatch(/2 imported, 0 already imported, 1 refused/);
    expect(imported.stderr).toMatch(/wechat-bad\.csv: REFUSED \(summary_mismatch\): wechat-bad\.csv line \d+: /);

    // Run the day (and the next, empty one): the window is long past, so every difference is a break.
    const run = await cli(as('fin-a', 'recon', 'run', '--date', DAY, '--to', '2026-03-02', '--json'));
    expect(run.code, run.stderr).toBe(0);
    expect(run.json()).toMatchObject([
      { day: DAY, state: 'breaks', matchedPayments: 2, matchedRefunds: 1, pendingCount: 0, breaksOpened: 5, breaksOpen: 5, energyAnomalies: 0 },
      { day: '2026-03-02', state: 'matched', breaksOpened: 0, breaksOpen: 0 },
    ]);

    // The same file again (another name, same bytes): nothing new; the day it covers runs again, opening nothing twice.
    const copy = path.join(dir, 'wechat-again.csv');
    fs.copyFileSync(files.wechat, copy);
    const again = await cli(as('fin-a', 'recon', 'import', copy));
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/wechat-again\.csv: already imported \(same file\), nothing new/);
    expect(again.stdout).toMatch(/days run:\n {4}2026-03-01 {2}Breaks {6}matched 3 {2}pending 0 {2}breaks opened 0, open 5 of 5 {2}energy anomalies 0/);

    const open = await cli(as('sup-a', 'recon', 'breaks', '--state', 'open', '--json'));
    expect(open.code, open.stderr).toBe(0);
    const list = open.json<{ total: number; breaks: BreakJson[] }>();
    expect(list.total).toBe(5);
    const by = Object.fromEntries(list.breaks.map((b) => [b.kind, b]));
    expect(by.short).toMatchObject({ orderNumber: orders.missing.number, gateway: { fen: 0 }, ours: { fen: 2000 } });
    expect(by.long).toMatchObject({ orderNumber: orders.long.number, gateway: { fen: 8800 } });
    expect(by.amount_mismatch).toMatchObject({ orderNumber: orders.off.number, gateway: { fen: 5010 }, ours: { fen: 5000 } });
    expect(by.duplicate).toMatchObject({ orderNumber: orders.paid.number });
    expect(by.refund_mismatch).toMatchObject({ refundNo: 'RF-NOT-OURS', gateway: { fen: 1000 } });
    // By channel: every break of the day is on the WeChat bill; the Alipay one matched.
    const onWechat = await inProcess(as('sup-a', 'recon', 'breaks', '--channel', 'wechat', '--json'));
    expect((JSON.parse(onWechat.stdout) as { total: number }).total).toBe(5);
    const onAlipay = await inProcess(as('sup-a', 'recon', 'breaks', '--channel', 'alipay'));
    expect(onAlipay.stdout).toMatch(/^0 break\(s\)/);
    // Issue 16: a break's line leads with its day, order and amount, words its kind, channel and state, and ends with its id.
    const listed = await inProcess(as('sup-a', 'recon', 'breaks', '--state', 'open'));
    expect(listed.stdout.split('\n')).toContain(
      `2026-03-01  order ${orders.long.number}  diff ¥88.00  Unexplained receipt (overage)  WeChat Pay  Open  gateway ¥88.00  ours ¥0.00  id ${by.long.id}`,
    );
    expect(listed.stdout).not.toMatch(/\b(long|short|amount_mismatch|duplicate|wechat|open)\b/);

    // Taking a break and handing it on (in this process: the same main()).
    const take = await inProcess(as('fin-a', 'recon', 'assign', by.long.id));
    expect(take.code, take.stderr).toBe(0);
    expect(take.stdout).toMatch(/owner {4}fin-a/);
    const hand = await inProcess(as('fin-a', 'recon', 'assign', by.long.id, '--owner', 'fin-b', '--json'));
    expect(hand.code, hand.stderr).toBe(0);
    expect(JSON.parse(hand.stdout)).toMatchObject({ owner: { name: 'fin-b' } });
    const nobody = await inProcess(as('fin-a', 'recon', 'assign', by.long.id, '--owner', 'nobody-here'));
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toMatch(/no operator nobody-here/);

    // 补单: the 长款 to the driver's wallet, the amount the gateway took above the order topped up.
    const credited = await cli(as('fin-b', 'recon', 'resolve', by.long.id, '--action', 'credit', '--note', '司机超时后扫码支付'));
    expect(credited.code, credited.stderr).toBe(0);
    expect(credited.stdout).toMatch(
      /Resolved \(Credited\)[\s\S]*gateway ¥88\.00 {2}ours ¥0\.00[\s\S]*closed {3}by fin-b at 20\d\d-\d\d-\d\d \d\d:\d\d:\d\d {2}ref unmatched:/,
    );
    // A 长款 is money the gateway holds above our books: no loss to write off.
    expect(credited.stdout).not.toMatch(/loss if written off/);
    const topped = await cli(as('fin-a', 'recon', 'resolve', by.amount_mismatch.id, '--action', 'credit', '--note', '网关多收 0.10', '--json'));
    expect(topped.code, topped.stderr).toBe(0);
    expect(topped.json()).toMatchObject({ state: 'resolved', resolution: 'credit', reference: `recon:${by.amount_mismatch.id}` });
    // 退款: the second payment goes back to the payer through a refund request.
    const refunded = await cli(as('fin-a', 'recon', 'resolve', by.duplicate.id, '--action', 'refund', '--note', '重复扫码', '--json'));
    expect(refunded.code, refunded.stderr).toBe(0);
    expect(refunded.json()).toMatchObject({ state: 'resolved', resolution: 'refund', resolvedBy: { name: 'fin-a' } });

    // A refund the gateway paid above ours cannot be credited: refused (exit 1), then explained.
    const wrong = await cli(as('fin-a', 'recon', 'resolve', by.refund_mismatch.id, '--action', 'credit', '--note', 'try'));
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/cannot be credited/);
    const explained = await cli(as('fin-a', 'recon', 'resolve', by.refund_mismatch.id, '--action', 'explain', '--note', '测试退款, 商户后台手工操作', '--json'));
    expect(explained.code, explained.stderr).toBe(0);
    expect(explained.json()).toMatchObject({ state: 'resolved', resolution: 'explained' });

    // The 短款 is still open: the day cannot be signed off yet.
    const early = await cli(as('fin-a', 'recon', 'signoff', '--date', DAY));
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/1 break\(s\) not yet resolved/);

    // 核销 by two people: fin-a asks, cannot approve it herself; fin-b rejects, fin-a asks again, fin-b approves.
    const asked = await cli(as('fin-a', 'recon', 'resolve', by.short.id, '--action', 'write-off', '--note', '网关无此笔, 客服确认未扣款', '--json'));
    expect(asked.code, asked.stderr).toBe(0);
    expect(asked.json()).toMatchObject({ state: 'write_off_requested', requestedBy: { name: 'fin-a' } });
    const own = await cli(as('fin-a', 'recon', 'approve', by.short.id));
    expect(own.code).toBe(1);
    expect(own.stderr).toMatch(/someone other than who asked/);
    const rejected = await cli(as('fin-b', 'recon', 'reject', by.short.id, '--note', '先查渠道对账单', '--json'));
    expect(rejected.code, rejected.stderr).toBe(0);
    expect(rejected.json()).toMatchObject({ state: 'open' });
    const askedAgain = await cli(as('fin-a', 'recon', 'resolve', by.short.id, '--action', 'write-off', '--note', '渠道确认无此交易'));
    expect(askedAgain.code, askedAgain.stderr).toBe(0);
    const approved = await cli(as('fin-b', 'recon', 'approve', by.short.id, '--note', '同意核销', '--json'));
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.json()).toMatchObject({ state: 'written_off', resolution: 'written_off', resolvedBy: { name: 'fin-b' }, reference: `recon:writeoff:${by.short.id}` });

    const history = await cli(as('sup-a', 'recon', 'break', by.short.id));
    expect(history.code, history.stderr).toBe(0);
    // Issue 16: each event in the CLI's words (as the 对账 page's history), who did it, and what they typed;
    // the core's own half-Chinese note on opening is not repeated (the lines above give its facts).
    const events = history.stdout
      .split('\n')
      .filter((l) => /^ {2}20\d\d-/.test(l))
      .map((l) => l.trim().split(/ {2,}/).slice(1));
    expect(events).toEqual([
      ['Break found', 'System'],
      ['Write-off requested', 'fin-a', '网关无此笔, 客服确认未扣款'],
      ['Write-off rejected', 'fin-b', '先查渠道对账单'],
      ['Write-off requested', 'fin-a', '渠道确认无此交易'],
      // The approval's note as the core recorded it, with the ledger reference it booked.
      ['Write-off approved', 'fin-b', `同意核销 (recon:writeoff:${by.short.id})`],
    ]);
    expect(history.stdout).not.toMatch(/短款|we show the order paid/);
    // The break by its day, order and amount first; its kind, channel and state in words; its id last.
    expect(history.stdout).toMatch(
      new RegExp(`^break {4}2026-03-01 {2}order ${by.short.orderNumber} {2}diff -¥20\\.00 {2}Written off\nkind {5}Missing receipt \\(shortage\\), WeChat Pay\n`),
    );
    expect(history.stdout).toMatch(/diff -¥20\.00 {2}loss if written off ¥20\.00\n/);
    expect(history.stdout).toContain(`\nid       ${by.short.id}\n`);
    expect(history.stdout).not.toMatch(/written_off|\bshort\b|\bwechat\b/);

    const signed = await cli(as('fin-b', 'recon', 'signoff', '--date', DAY, '--note', '3 月 1 日对账完成'));
    expect(signed.code, signed.stderr).toBe(0);
    expect(signed.stdout).toMatch(/^2026-03-01 {2}Signed off .*\nsigned off by fin-b at .*: 3 月 1 日对账完成/);

    const day = await cli(as('sup-a', 'recon', 'day', '--date', DAY));
    expect(day.code, day.stderr).toBe(0);
    expect(day.stdout).toMatch(/WeChat Pay +gateway payments 4 ¥338\.10, refunds 2 ¥40\.00, fees ¥[\d.]+, net ¥[\d.]+ \| ours payments 3 ¥170\.00, refunds 1 ¥30\.00/);
    expect(day.stdout).toMatch(/Alipay +gateway payments 1 ¥50\.00, refunds 0 ¥0\.00, fees -¥0\.30, net ¥50\.30 \| ours payments 1 ¥50\.00/);
    expect(day.stdout).toMatch(/breaks 5 \(open 0\)/);
    expect(day.stdout).toMatch(
      /^ {2}2026-03-01 {2}order DD\d+ {2}diff -¥20\.00 {2}Missing receipt \(shortage\) {2}WeChat Pay {2}Written off {2}gateway ¥0\.00 {2}ours ¥20\.00 {2}id \w+$/m,
    );
    expect(day.stdout).toMatch(/^ {2}2026-03-01 {2}refund RF-NOT-OURS \(order DD\d+\) {2}diff [-¥\d.]+ {2}Refund mismatch {2}WeChat Pay {2}Resolved {2}gateway ¥10\.00/m);
    expect(day.stdout).toMatch(/signed off by fin-b at/);

    const days = await cli(as('sup-a', 'recon', 'days', '--from', '2026-02-28', '--to', '2026-03-02'));
    expect(days.code, days.stderr).toBe(0);
    expect(days.stdout).toMatch(/^2 day\(s\)\n2026-03-02 {2}Matched .*\n2026-03-01 {2}Signed off .*signed off by fin-b/);

    // The finance report: an Excel workbook at the path asked for, that exceljs opens.
    const xlsx = path.join(dir, 'report-0301.xlsx');
    const report = await cli(as('sup-a', 'recon', 'report', '--date', DAY, '--to', '2026-03-02', '--file', xlsx, '--locale', 'en-US', '--json'));
    expect(report.code, report.stderr).toBe(0);
    const written = report.json<{ file: string; fileName: string; rows: number; bytes: number }>();
    expect(written).toMatchObject({ file: xlsx, fileName: `reconciliation-${DAY}-to-2026-03-02.xlsx` });
    expect(fs.statSync(xlsx).size).toBe(written.bytes);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.partial'))).toEqual([]);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(xlsx);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Summary', 'Breaks', 'Energy', 'Statements']);
    const texts = (name: string) => {
      const lines: string[] = [];
      wb.getWorksheet(name)!.eachRow((row) => lines.push((row.values as unknown[]).map((v) => (v instanceof Date ? v.toISOString() : String(v ?? ''))).join('|')));
      return lines;
    };
    const shortRow = texts('Breaks').find((l) => l.includes(orders.missing.number));
    expect(shortRow).toMatch(/short \(ours only\).*written off.*fin-b/);
    expect(texts('Breaks').filter((l) => /\|(resolved|written off)\|/.test(l))).toHaveLength(5);
    expect(texts('Statements').filter((l) => /wechat-0301\.csv|alipay-0301\.zip/.test(l))).toHaveLength(2);
    expect(texts('Summary').some((l) => l.includes('2026-03-02'))).toBe(true);

    const statements = await inProcess(as('sup-a', 'recon', 'statements', '--json'));
    expect(statements.code, statements.stderr).toBe(0);
    expect(JSON.parse(statements.stdout).map((s: { fileName: string }) => s.fileName)).toEqual(['alipay-0301.zip', 'wechat-0301.csv']);

    // What the CLI did is in the books: the ledger holds, the wallets moved, the loss is booked, every command audited.
    const { app } = makeApp({ dir });
    expectLedgerValid(app);
    expect(wallet(app, orders.long.driverId) - before.long).toBe(8800);
    expect(wallet(app, orders.off.driverId) - before.off).toBe(10);
    const q = (sql: string, ...p: unknown[]) => app.sqlite.prepare(sql).get(...p) as Record<string, unknown>;
    expect(q('SELECT kind FROM ledger_operations WHERE key = ?', `recon:writeoff:${by.short.id}`)).toEqual({ kind: 'clearing_write_off' });
    expect(q("SELECT status FROM unmatched_payments WHERE provider_trade_no = '4200000000000000009999'")).toEqual({ status: 'refund_requested' });
    expect(q('SELECT count(*) AS n FROM recon_statements')).toEqual({ n: 2 });
    const audited = app.sqlite
      .prepare("SELECT method, result, operator_name AS who, count(*) AS n FROM audit_log WHERE method LIKE 'recon.%' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3")
      .all();
    // Every command, refused ones too, under the name of who acted (queries are not audited).
    expect(audited).toEqual([
      { method: 'recon.approveWriteOff', result: 'forbidden', who: 'fin-a', n: 1 },
      { method: 'recon.approveWriteOff', result: 'ok', who: 'fin-b', n: 1 },
      { method: 'recon.assign', result: 'not_found', who: 'fin-a', n: 1 },
      { method: 'recon.assign', result: 'ok', who: 'fin-a', n: 2 },
      { method: 'recon.import', result: 'invalid_input', who: 'fin-a', n: 1 },
      { method: 'recon.import', result: 'ok', who: 'fin-a', n: 3 },
      { method: 'recon.rejectWriteOff', result: 'ok', who: 'fin-b', n: 1 },
      { method: 'recon.requestWriteOff', result: 'ok', who: 'fin-a', n: 2 },
      { method: 'recon.resolve', result: 'invalid_input', who: 'fin-a', n: 1 },
      { method: 'recon.resolve', result: 'ok', who: 'fin-a', n: 3 },
      { method: 'recon.resolve', result: 'ok', who: 'fin-b', n: 1 },
      { method: 'recon.run', result: 'ok', who: 'fin-a', n: 1 },
      { method: 'recon.signOff', result: 'conflict', who: 'fin-a', n: 1 },
      { method: 'recon.signOff', result: 'ok', who: 'fin-b', n: 1 },
    ]);
  });

  test('mappings saved from a JSON file and listed; a report into a folder takes its own name', async () => {
    const { dir, as } = await reconDepot();
    const file = path.join(dir, 'lakala.json');
    fs.writeFileSync(file, JSON.stringify({ name: '拉卡拉', columns: { orderNo: '商户订单号', amount: '交易金额', time: '交易时间', fee: '手续费' } }));
    const saved = await cli(as('fin-a', 'recon', 'mapping', 'save', '--file', file));
    expect(saved.code, saved.stderr).toBe(0);
    expect(saved.stdout).toMatch(/saved 拉卡拉 {2}orderNo=商户订单号 amount=交易金额 time=交易时间 fee=手续费/);
    const listed = await inProcess(as('sup-a', 'recon', 'mapping', 'list', '--json'));
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toMatchObject([{ name: '拉卡拉', encoding: 'utf-8', amountUnit: 'yuan' }]);
    fs.writeFileSync(file, JSON.stringify({ name: 'half', columns: { amount: 'a', time: 't' } }));
    const incomplete = await inProcess(as('fin-a', 'recon', 'mapping', 'save', '--file', file));
    expect(incomplete.code).toBe(2);
    expect(incomplete.stderr).toMatch(/columns\.orderNo/);

    // --file naming a folder: the report's own name inside it (a day not reconciled yet is in it as such).
    const intoFolder = await inProcess(as('sup-a', 'recon', 'report', '--date', DAY, '--file', dir));
    expect(intoFolder.code, intoFolder.stderr).toBe(0);
    const named = path.join(dir, `对账报表-${DAY}.xlsx`);
    expect(intoFolder.stdout).toContain(`wrote ${named} (`);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(named);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['汇总', '差错', '电量核对', '对账单']);
  });

  test('bad input is a usage error (exit 2) naming the problem, before anything is done', async () => {
    const { dir, files, as } = await reconDepot();
    const cases: [string[], RegExp][] = [
      [as('fin-a', 'recon', 'import', files.wechat, '--bogus'), /'--bogus'/],
      [as('fin-a', 'recon', 'import', files.wechat, path.join(dir, 'no-such.csv')), /FILE .*no-such\.csv: cannot read it \(ENOENT\)/],
      [as('fin-a', 'recon', 'import', dir), /FILE .*: not a file/],
      [as('fin-a', 'recon', 'import'), /at least one statement FILE/],
      [as('fin-a', 'recon', 'import', files.wechat, '--format', 'csv'), /--format must be one of wechat, alipay, generic/],
      [as('fin-a', 'recon', 'import', files.wechat, '--format', 'wechat', '--mapping', 'x'), /--mapping/],
      [as('fin-a', 'recon', 'run', '--date', '2026-02-30'), /--date must be a date yyyy-MM-dd, got "2026-02-30"/],
      [as('fin-a', 'recon', 'run', '--date', '2026-3-1'), /--date must be a date/],
      [as('fin-a', 'recon', 'run', '--date', DAY, '--to', '2026-02-01'), /--to 2026-02-01 is before --date/],
      [as('fin-a', 'recon', 'day'), /--date is required/],
      [as('fin-a', 'recon', 'days', '--from', 'yesterday'), /--from must be a date/],
      [as('fin-a', 'recon', 'breaks', '--state', 'closed'), /--state must be one of open, write_off_requested, resolved, written_off, unresolved/],
      [as('fin-a', 'recon', 'breaks', '--kind', 'lost'), /--kind must be one of/],
      [as('fin-a', 'recon', 'breaks', '--channel', 'unionpay'), /--channel must be one of wechat, alipay, generic, got "unionpay"/],
      [as('fin-a', 'recon', 'resolve', 'B1', '--action', 'forgive', '--note', 'x'), /--action must be one of credit, refund, explain, write-off, got "forgive"/],
      [as('fin-a', 'recon', 'resolve', 'B1', '--action', 'credit'), /--note is required/],
      [as('fin-a', 'recon', 'resolve', 'B1', '--action', 'refund', '--note', 'x', '--driver', 'D1'), /--driver only goes with --action credit/],
      [as('fin-a', 'recon', 'resolve', '--action', 'explain', '--note', 'x'), /needs the break id/],
      [as('fin-a', 'recon', 'reject', 'B1'), /--note is required/],
      [as('fin-a', 'recon', 'signoff', '--date', '01/03/2026'), /--date must be a date/],
      [as('fin-a', 'recon', 'mapping', 'save', '--file', path.join(dir, 'none.json')), /--file: cannot read/],
      [as('fin-a', 'recon', 'report', '--date', DAY, '--file', path.join(dir, 'no-folder', 'r.xlsx')), /--file: folder .*no-folder does not exist/],
      [as('fin-a', 'recon', 'report', '--date', DAY, '--file', path.join(dir, 'r.xlsx'), '--locale', 'fr-FR'), /--locale must be one of zh-CN, en-US/],
      [as('fin-a', 'recon', 'report', '--date', '2026-03-32', '--file', path.join(dir, 'r.xlsx')), /--date must be a date/],
    ];
    for (const [argv, message] of cases) {
      const r = await inProcess(argv);
      expect(r.code, `${argv.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr, argv.join(' ')).toMatch(message);
    }
    // Without --as, the command says how to act as someone.
    const anonymous = await inProcess(['recon', 'run', '--date', DAY, '--data-dir', dir]);
    expect(anonymous.code).toBe(2);
    expect(anonymous.stderr).toMatch(/add --as NAME/);
    // Nothing was imported or run by any of them.
    const { app } = makeApp({ dir });
    expect(app.sqlite.prepare('SELECT (SELECT count(*) FROM recon_statements) + (SELECT count(*) FROM recon_days) AS n').get()).toEqual({ n: 0 });
  });
});
