import { afterEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src-main/kernel/context';
import { getDay, listBreaks, runDay, runDayInSlices, runDue, runDueInSlices, type DayResult, type RangeResult } from '../../src-main/reconciliation';
import {
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
  endReconApp,
} from './scenario';
import { wechatPayment } from './fixtures';
import { alipayRowOf } from './scenario';

let t: ReconApp | undefined;
afterEach(async () => {
  await endReconApp(t);
  t = undefined;
});

/**
 * Every story runs twice: with runDay (the day read and written in one transaction: the CLI, the
 * demo) and with runDayInSlices (its large reads a slice of at least ten rows at a time with yields
 * between, then the day written in one transaction: the screens and the daily job). Both must tell
 * the same story.
 */
interface Runner {
  run(app: AppContext, day: string): Promise<DayResult>;
  due(app: AppContext): Promise<RangeResult>;
}
const RUNNERS: [string, Runner][] = [
  // A refusal of the synchronous run becomes the promise's rejection, as the sliced run's is.
  ['in one transaction', { run: (app, day) => new Promise((resolve) => resolve(runDay(app, day))), due: (app) => new Promise((resolve) => resolve(runDue(app))) }],
  // A budget far under any slice's time keeps every slice at the floor of ten rows.
  ['read in slices', { run: (app, day) => runDayInSlices(app, day, 0.001), due: (app) => runDueInSlices(app) }],
];

describe.each(RUNNERS)('the daily match (%s)', (_how, { run, due }) => {
  it('a day whose statements and orders agree is matched, with figures per channel', async () => {
    t = await reconApp();
    const a = await paidOrder(t.app, 10000);
    const b = await paidOrder(t.app, 5000, 'alipay');
    const refund = await completedRefund(t, a, 3000);
    await importWechat(t, [wechatRowOf(a), wechatRefundRowOf(a, refund)]);
    await importAlipay(t, [alipayRowOf(b)]);
    dayAfter(t, 1);
    const r = await run(t.app, DAY);
    expect(r.state).toBe('matched');
    expect(r.figures.matchedPayments).toBe(2);
    expect(r.figures.matchedRefunds).toBe(1);
    expect(r.figures.channels.wechat).toMatchObject({
      gatewayPayments: { count: 1, fen: 10000 },
      gatewayRefunds: { count: 1, fen: 3000 },
      ourPayments: { count: 1, fen: 10000 },
      ourRefunds: { count: 1, fen: 3000 },
      feesFen: 60,
      netSettlementFen: 10000 - 3000 - 60,
    });
    expect(r.figures.channels.alipay).toMatchObject({ gatewayPayments: { count: 1, fen: 5000 }, ourPayments: { count: 1, fen: 5000 } });
    expect(listBreaks(t.app).total).toBe(0);
  });

  it('a 短款 waits out the window as pending, then is a break; a re-run opens it once', async () => {
    t = await reconApp();
    const a = await paidOrder(t.app, 10000);
    const missing = await paidOrder(t.app, 2000);
    await importWechat(t, [wechatRowOf(a)]);
    dayAfter(t, 1);
    let r = await run(t.app, DAY);
    expect(r.state).toBe('pending');
    expect(r.figures.pendingCount).toBe(1);
    expect(r.figures.pending[0]).toMatchObject({ kind: 'short', orderNumber: missing.number, oursFen: 2000, ageDays: 1 });
    expect(listBreaks(t.app).total).toBe(0);
    dayAfter(t, 3);
    r = await run(t.app, DAY);
    expect(r).toMatchObject({ state: 'breaks', breaksOpened: 1, breaksOpen: 1 });
    const again = await run(t.app, DAY);
    expect(again).toMatchObject({ breaksOpened: 0, breaksOpen: 1, breaksTotal: 1 });
    const [b] = listBreaks(t.app).breaks;
    expect(b).toMatchObject({ kind: 'short', state: 'open', orderNumber: missing.number, gatewayFen: 0, oursFen: 2000, diffFen: -2000 });
  });

  it('a late file inside the window matches what was pending; after the window it closes the break as matched_late', async () => {
    t = await reconApp();
    const a = await paidOrder(t.app, 10000);
    const late = await paidOrder(t.app, 3000);
    await importWechat(t, [wechatRowOf(a)]);
    dayAfter(t, 3);
    expect((await run(t.app, DAY)).breaksOpen).toBe(1);
    await importWechat(t, [wechatRowOf(late)]);
    const r = await run(t.app, DAY);
    expect(r).toMatchObject({ state: 'matched', matchedLate: 1, breaksOpen: 0 });
    expect(listBreaks(t.app).breaks[0]).toMatchObject({ state: 'resolved', resolution: 'matched_late' });
  });

  it('a payment the gateway dates after midnight matches the order of the day before', async () => {
    t = await reconApp();
    t.clock.set(`${DAY}T23:59:58+08:00`);
    const o = await paidOrder(t.app, 4200);
    await importWechat(t, [wechatRowOf(o, { 交易时间: '2026-03-02 00:00:01' })]);
    dayAfter(t, 2);
    expect(await run(t.app, DAY)).toMatchObject({ state: 'matched' });
    expect(await run(t.app, '2026-03-02')).toMatchObject({ state: 'matched' });
    expect(getDay(t.app, DAY).figures.channels.wechat.ourPayments.count).toBe(1);
    expect(getDay(t.app, '2026-03-02').figures.matchedPayments).toBe(1);
  });

  it('a 长款, an amount mismatch, a duplicate and a refund only the gateway shows are each found', async () => {
    t = await reconApp();
    const ok = await paidOrder(t.app, 10000);
    const off = await paidOrder(t.app, 5000);
    const long = await cancelledButPaid(t.app, 8800);
    await importWechat(t, [
      wechatRowOf(ok),
      wechatRowOf(off, { 应结订单金额: '50.10', 订单金额: '50.10' }),
      wechatPayment({ 交易时间: '2026-03-01 10:00:00', 微信订单号: long.tradeNo, 商户订单号: long.order.number, 应结订单金额: '88.00', 订单金额: '88.00' }),
      wechatPayment({
        交易时间: '2026-03-01 10:05:00',
        微信订单号: '4200000000000000009999',
        商户订单号: ok.number,
        应结订单金额: yuan(ok.payable),
        订单金额: yuan(ok.payable),
      }),
      wechatPayment({
        交易时间: '2026-03-01 18:00:00',
        交易状态: 'REFUND',
        微信订单号: ok.providerTradeNo!,
        商户订单号: ok.number,
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
    ]);
    dayAfter(t, 1);
    const early = await run(t.app, DAY);
    // Differences both sides show are breaks at once; missing counterparts wait.
    expect(
      listBreaks(t.app)
        .breaks.map((b) => b.kind)
        .sort(),
    ).toEqual(['amount_mismatch', 'duplicate']);
    expect(early.figures.pending.map((p) => p.kind).sort()).toEqual(['long', 'refund_mismatch']);
    dayAfter(t, 3);
    await run(t.app, DAY);
    const kinds = Object.fromEntries(listBreaks(t.app).breaks.map((b) => [b.kind, b]));
    expect(Object.keys(kinds).sort()).toEqual(['amount_mismatch', 'duplicate', 'long', 'refund_mismatch']);
    expect(kinds.amount_mismatch).toMatchObject({ orderNumber: off.number, gatewayFen: 5010, oursFen: 5000, diffFen: 10 });
    expect(kinds.long).toMatchObject({ orderNumber: long.order.number, tradeNo: long.tradeNo, gatewayFen: 8800, oursFen: 0 });
    expect(kinds.duplicate).toMatchObject({ orderNumber: ok.number, tradeNo: '4200000000000000009999' });
    expect(kinds.refund_mismatch).toMatchObject({ refundNo: 'RF-NOT-OURS', gatewayFen: 1000, oursFen: 0 });
  });

  it('a refund we paid that no statement shows becomes a refund mismatch after the window', async () => {
    t = await reconApp();
    const a = await paidOrder(t.app, 10000);
    const refund = await completedRefund(t, a, 2500);
    await importWechat(t, [wechatRowOf(a)]);
    dayAfter(t, 3);
    await run(t.app, DAY);
    expect(listBreaks(t.app).breaks).toMatchObject([{ kind: 'refund_mismatch', refundNo: refund.id, gatewayFen: 0, oursFen: 2500 }]);
  });

  it('a refund a first file shows PROCESSING and a later one SUCCESS is kept both ways, and matches once', async () => {
    t = await reconApp();
    const a = await paidOrder(t.app, 10000);
    const refund = await completedRefund(t, a, 2500);
    await importWechat(t, [wechatRowOf(a), wechatRefundRowOf(a, refund, { 退款状态: 'PROCESSING', 退款成功时间: '' })]);
    await importWechat(t, [wechatRefundRowOf(a, refund)]);
    dayAfter(t, 3);
    const r = await run(t.app, DAY);
    expect(r).toMatchObject({ state: 'matched', breaksOpen: 0 });
    expect(r.figures).toMatchObject({ matchedRefunds: 1, processingRefunds: 1 });
    expect(r.figures.channels.wechat.gatewayRefunds).toEqual({ count: 1, fen: 2500 });
  });

  it('a day not over yet cannot be run; the daily run catches up every missed day up to yesterday', async () => {
    t = await reconApp();
    await expect(run(t.app, DAY)).rejects.toThrow(/not over yet/);
    await paidOrder(t.app, 1000);
    dayAfter(t, 1);
    // The first run looks back reconciliation.firstRunDays (7) days.
    expect(await due(t.app)).toMatchObject({ from: '2026-02-23', to: DAY });
    expect(getDay(t.app, DAY).state).toBe('pending');
    // The PC is off for ten days: the next run takes every day since, and DAY's 短款 is now a break.
    t.clock.set(Date.parse(`${DAY}T01:00:00+08:00`) + 11 * 24 * HOUR);
    const r = await due(t.app);
    expect(r).toMatchObject({ from: '2026-03-02', to: '2026-03-11' });
    expect(r.days.map((d) => d.day)).toHaveLength(10);
    await run(t.app, DAY);
    expect(getDay(t.app, DAY).state).toBe('breaks');
    const next = await due(t.app);
    // Then only the days still inside the window again, and yesterday.
    expect(next).toMatchObject({ from: '2026-03-08', to: '2026-03-11' });
  });
});
