import { describe, expect, it } from 'vitest';
import { dashboardSummary, runDemo } from '../../src-main/system';
import { depot } from '../../src-main/modules';
import { addOperator, call, makeApp, ok } from '../helpers';
import { driverWithCouponAndPoints, expectLedgerValid, newDriver } from './fixtures';

describe('payments over the contract', () => {
  it('the counter sells a package and presses "customer paid"; only finance resolves a 长款', async () => {
    const { app } = makeApp();
    const counter = await addOperator(app, 'operator');
    const finance = await addOperator(app, 'finance');
    const d = newDriver(app);
    expect((await call(app, counter, 'payments.createPackage', { name: 'p', price: '200.00', credited: '220.00' })).ok).toBe(false);
    const pkg = await ok<{ id: string; bonus: { yuan: string } }>(app, finance, 'payments.createPackage', { name: '充200送20', price: '200.00', credited: '220.00' });
    expect(pkg.bonus.yuan).toBe('20.00');
    const bad = await call(app, counter, 'payments.createOrder', { driverId: d.id, amount: '1.234', channel: 'wechat' });
    expect(bad.ok || bad.error.code).toBe('invalid_input');
    const o = await ok<{ id: string; number: string; payable: { yuan: string } }>(app, counter, 'payments.createOrder', {
      driverId: d.id,
      packageId: pkg.id,
      channel: 'wechat',
    });
    expect(o.payable.yuan).toBe('200.00');
    expect((await ok<{ outcome: string }>(app, counter, 'payments.confirm', { orderId: o.id })).outcome).toBe('paid');
    const listed = await ok<{ total: number; orders: { state: string }[] }>(app, counter, 'payments.listOrders', { state: 'PAID' });
    expect(listed.total).toBe(1);

    // Cancelled at the counter: closed at the gateway first, so its QR code no longer pays.
    const walked = await ok<{ id: string }>(app, counter, 'payments.createOrder', { driverId: d.id, amount: '30.00', channel: 'wechat' });
    await ok(app, counter, 'payments.cancelOrder', { orderId: walked.id, reason: 'walked away' });
    const refused = await call(app, counter, 'payments.confirm', { orderId: walked.id });
    expect(refused.ok || refused.error).toMatchObject({ code: 'refused', message: expect.stringContaining('closed at the simulated gateway') });

    // An Alipay code nobody scanned has no trade to close (ACQ.TRADE_NOT_EXIST): it stays payable
    // until its time_expire, and a payment made after the cancel waits as 长款.
    const late = await ok<{ id: string }>(app, counter, 'payments.createOrder', { driverId: d.id, amount: '50.00', channel: 'alipay' });
    await ok(app, counter, 'payments.cancelOrder', { orderId: late.id, reason: 'walked away' });
    const c = await ok<{ outcome: string; unmatchedId: string }>(app, counter, 'payments.confirm', { orderId: late.id });
    expect(c.outcome).toBe('unmatched');
    const denied = await call(app, counter, 'payments.resolveUnmatched', { unmatchedId: c.unmatchedId, action: 'credit_wallet', note: 'x' });
    expect(denied.ok || denied.error.code).toBe('forbidden');
    const done = await ok<{ status: string }>(app, finance, 'payments.resolveUnmatched', {
      unmatchedId: c.unmatchedId,
      action: 'credit_wallet',
      note: 'kept as balance',
    });
    expect(done.status).toBe('credited');
    const wallet = await ok<{ wallet: { balance: { yuan: string } } }>(app, counter, 'wallet.show', { driverId: d.id });
    expect(wallet.wallet.balance.yuan).toBe('270.00');
    expectLedgerValid(app);
  });

  it('the demo depot has packages and orders in every state, the dashboard counts them, and a second demo run changes nothing', async () => {
    const { app } = makeApp();
    await runDemo(app, depot.demoSteps, { password: 'correct-horse' });
    // The payments step's own orders (the reconciliation step adds its days of orders, keyed demo:recon:…).
    const states = app.sqlite.prepare("SELECT state, count(*) AS n FROM payment_orders WHERE request_key LIKE 'demo:order:%' GROUP BY state ORDER BY state").all();
    expect(states).toEqual([
      { state: 'CANCELLED', n: 2 },
      { state: 'PAID', n: 1 },
      { state: 'PENDING_PAYMENT', n: 1 },
    ]);
    const figures = Object.fromEntries(dashboardSummary(app, depot.figures).figures.map((f) => [f.key, f.value]));
    expect(figures['payments.pendingOrders']).toBe(1);
    expect(figures['payments.unmatched']).toBe(1);
    const count = () => (app.sqlite.prepare('SELECT count(*) AS n FROM payment_orders').get() as { n: number }).n;
    const before = count();
    await runDemo(app, depot.demoSteps, { password: 'correct-horse' });
    expect(count()).toBe(before);
    expectLedgerValid(app);
  });
  it("an order's detail lists the transfers it made: coupon and points taken, the payment; and on a cancel, both given back", async () => {
    const { app } = makeApp();
    const counter = await addOperator(app, 'operator');
    const { driver, couponId } = driverWithCouponAndPoints(app);
    type Detail = { order: { number: string; state: string }; transfers: { id: string; code: string; amount: number; unit: string; creditAccountId: string }[] };
    const brief = (d: Detail) => d.transfers.map((x) => [x.code, x.amount, x.unit]);

    type Out = { id: string; number: string; payable: { fen: number }; pointsValue: { fen: number } };
    const paid = await ok<Out>(app, counter, 'payments.createOrder', {
      driverId: driver.id,
      amount: '100.00',
      couponId,
      couponAmount: '10.00',
      points: 200,
      channel: 'wechat',
    });
    await ok(app, counter, 'payments.confirm', { orderId: paid.id });
    const p = await ok<Detail>(app, counter, 'payments.orderDetail', { orderId: paid.number });
    expect(p.order).toMatchObject({ number: paid.number, state: 'PAID' });
    expect(brief(p)).toEqual([
      ['coupon_redeem', 1000, 'CNY'],
      ['points_redeem', 200, 'points'],
      ['topup', paid.payable.fen, 'CNY'],
      ['compensation', 1000 + paid.pointsValue.fen, 'CNY'],
    ]);
    expect(p.transfers.find((x) => x.code === 'topup')?.creditAccountId).toBe(`driver:${driver.id}:wallet`);

    const cancelled = await ok<{ id: string; number: string }>(app, counter, 'payments.createOrder', {
      driverId: driver.id,
      amount: '50.00',
      couponId,
      couponAmount: '5.00',
      points: 100,
      channel: 'alipay',
    });
    await ok(app, counter, 'payments.cancelOrder', { orderId: cancelled.id, reason: 'walked away' });
    const c = await ok<Detail>(app, counter, 'payments.orderDetail', { orderId: cancelled.id });
    expect(brief(c)).toEqual([
      ['coupon_redeem', 500, 'CNY'],
      ['points_redeem', 100, 'points'],
      ['coupon_restore', 500, 'CNY'],
      ['points_restore', 100, 'points'],
    ]);
    // Each order shows only its own transfers.
    expect(c.transfers.every((x) => x.id.includes(cancelled.number))).toBe(true);
    const missing = await call(app, counter, 'payments.orderDetail', { orderId: 'DD0' });
    expect(missing.ok || missing.error.code).toBe('not_found');
    expectLedgerValid(app);
  });
});

describe('the payment-order list filters by channel and by business date', () => {
  it('wechat and alipay orders on two days: each filter, and both together, list only their orders; total follows', async () => {
    const { app, clock } = makeApp();
    const counter = await addOperator(app, 'operator');
    const d = newDriver(app);
    const order = (channel: 'wechat' | 'alipay') => ok<{ id: string }>(app, counter, 'payments.createOrder', { driverId: d.id, amount: '10.00', channel });
    // 2026-01-15 09:00 in the depot's zone (Asia/Shanghai): one of each channel; the next day one WeChat order.
    const w15 = await order('wechat');
    const a15 = await order('alipay');
    clock.advance(86_400_000);
    const w16 = await order('wechat');
    type Listed = { total: number; orders: { id: string }[] };
    const ids = async (f: Record<string, unknown>) => {
      const r = await ok<Listed>(app, counter, 'payments.listOrders', f);
      expect(r.total).toBe(r.orders.length);
      return r.orders.map((o) => o.id).sort();
    };
    expect(await ids({ channel: 'wechat' })).toEqual([w15.id, w16.id].sort());
    expect(await ids({ channel: 'alipay' })).toEqual([a15.id]);
    expect(await ids({ from: '2026-01-16' })).toEqual([w16.id]);
    expect(await ids({ to: '2026-01-15' })).toEqual([w15.id, a15.id].sort());
    expect(await ids({ from: '2026-01-15', to: '2026-01-15', channel: 'wechat' })).toEqual([w15.id]);
    expect(await ids({ from: '2026-01-17' })).toEqual([]);
    const bad = await call(app, counter, 'payments.listOrders', { channel: 'cash' });
    expect(bad.ok || bad.error.code).toBe('invalid_input');
  });
});
