import { afterEach, describe, expect, it } from 'vitest';
import { listBreaks, openBreakSummary, requestWriteOff, resolveBreak, runDay } from '../../src-main/reconciliation';
import { ok } from '../helpers';
import { cancelledButPaid, DAY, dayAfter, importWechat, paidOrder, reconApp, wechatRowOf, type ReconApp, endReconApp } from './scenario';
import { wechatPayment } from './fixtures';

let t: ReconApp | undefined;
afterEach(async () => {
  await endReconApp(t);
  t = undefined;
});

describe('the open breaks at a glance (recon.openBreaks, for the dashboard)', () => {
  it('counts unresolved breaks per kind with the money at stake and the oldest day; a resolved break leaves, one awaiting write-off approval stays', async () => {
    t = await reconApp();
    const empty = openBreakSummary(t.app);
    expect(empty.totals).toEqual({ breaks: 0, awaitingApproval: 0, amountFen: 0 });
    expect(empty.kinds.map((k) => k.kind)).toEqual(['long', 'short', 'amount_mismatch', 'refund_mismatch', 'duplicate']);

    const matched = await paidOrder(t.app, 10000);
    const off = await paidOrder(t.app, 5000);
    const missing1 = await paidOrder(t.app, 2000);
    const missing2 = await paidOrder(t.app, 700);
    const long = await cancelledButPaid(t.app, 8800);
    await importWechat(t, [
      wechatRowOf(matched),
      wechatRowOf(off, { 应结订单金额: '50.10', 订单金额: '50.10' }),
      wechatPayment({ 交易时间: '2026-03-01 10:00:00', 微信订单号: long.tradeNo, 商户订单号: long.order.number, 应结订单金额: '88.00', 订单金额: '88.00' }),
    ]);
    dayAfter(t, 4);
    runDay(t.app, DAY);

    const before = openBreakSummary(t.app);
    const kind = (k: string) => before.kinds.find((x) => x.kind === k);
    expect(kind('short')).toEqual({ kind: 'short', breaks: 2, awaitingApproval: 0, amountFen: 2700, oldestDay: DAY });
    expect(kind('long')).toMatchObject({ breaks: 1, amountFen: 8800 });
    expect(kind('amount_mismatch')).toMatchObject({ breaks: 1, amountFen: 10 });
    expect(kind('duplicate')).toMatchObject({ breaks: 0, amountFen: 0, oldestDay: null });
    expect(before.totals).toEqual({ breaks: 4, awaitingApproval: 0, amountFen: 2700 + 8800 + 10 });
    expect(before.totals.breaks).toBe(listBreaks(t.app, { state: 'unresolved' }).total);

    const shorts = listBreaks(t.app, { kind: 'short' }).breaks;
    const small = shorts.find((b) => b.orderNumber === missing2.number)!;
    const big = shorts.find((b) => b.orderNumber === missing1.number)!;
    resolveBreak(t.app, small.id, { action: 'explain', note: '现金补缴，已核实' }, { operatorId: t.finance.id });
    requestWriteOff(t.app, big.id, '用户已注销，无法追回', { operatorId: t.finance.id });

    const after = await ok<typeof before>(t.app, t.supervisor, 'recon.openBreaks', {});
    expect(after.kinds.find((x) => x.kind === 'short')).toEqual({ kind: 'short', breaks: 1, awaitingApproval: 1, amountFen: 2000, oldestDay: DAY });
    expect(after.totals).toEqual({ breaks: 3, awaitingApproval: 1, amountFen: 2000 + 8800 + 10 });
    expect(after.totals.breaks).toBe(listBreaks(t.app, { state: 'unresolved' }).total);
  });
});
