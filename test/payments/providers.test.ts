import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src-main/kernel/clock';
import { DepotError } from '../../src-main/kernel/errors';
import { confirmByQuery, createOrder, getOrder, isProviderUnknown, ProviderRefused, SimulatedProvider } from '../../src-main/payments';
import { simulatedProvider } from '../../src-main/payments';
import { couponLeft, driverWithCouponAndPoints, expectLedgerValid, newDriver, payApp, points, wallet, type PayApp } from './fixtures';

let t: PayApp | null = null;
afterEach(async () => {
  if (t) {
    expectLedgerValid(t.app);
    await t.scheduler.stop();
    t = null;
  }
});

function sim(outcome: 'success' | 'failure' | 'slow' | 'unknown' = 'success', env: NodeJS.ProcessEnv = {}) {
  const clock = new FakeClock('2026-01-15T01:00:00Z');
  return new SimulatedProvider('wechat', { outcome, slowMs: 30, secret: 'test-secret-key', now: () => clock.now(), env });
}

async function rejection(p: Promise<unknown>): Promise<DepotError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DepotError) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

describe('the simulated provider', () => {
  it('success: a QR code, a payment the customer makes, a query that sees it, an idempotent refund keyed by the task id', async () => {
    const p = sim();
    const c = await p.createPayment({ orderNumber: 'DD202601150001', amountFen: 20000, description: 'x', expiresAt: 0 });
    expect(c.codeUrl).toMatch(/^weixin:\/\/wxpay\/bizpayurl\?pr=SIM-DD202601150001$/);
    expect((await p.query('DD202601150001')).state).toBe('NOTPAY');
    const n = p.pay('DD202601150001');
    const fact = p.parseNotification(n);
    expect(fact).toMatchObject({ orderNumber: 'DD202601150001', amountFen: 20000, channel: 'wechat' });
    expect((await p.query('DD202601150001')).payment?.providerTradeNo).toBe(fact.providerTradeNo);
    const r1 = await p.refund({ idempotencyKey: 'task-1', orderNumber: 'DD202601150001', totalFen: 20000, amountFen: 5000, reason: 'r' });
    const r2 = await p.refund({ idempotencyKey: 'task-1', orderNumber: 'DD202601150001', totalFen: 20000, amountFen: 5000, reason: 'r' });
    expect(r2.providerRefundNo).toBe(r1.providerRefundNo);
    expect((await rejection(p.refund({ idempotencyKey: 'task-2', orderNumber: 'DD202601150001', totalFen: 20000, amountFen: 15001, reason: 'r' }))).message).toMatch(
      /exceed/,
    );
  });

  it('failure is a refusal, unknown is not: an unknown refund still happened and the retry with the same key finds it', async () => {
    const p = sim();
    await p.createPayment({ orderNumber: 'DD1', amountFen: 100, description: 'x', expiresAt: 0 });
    p.pay('DD1');
    const refused = await rejection(p.refund({ idempotencyKey: 'k', orderNumber: 'DD1', totalFen: 100, amountFen: 100, reason: 'r' }, 'failure'));
    expect(refused).toBeInstanceOf(ProviderRefused);
    expect(isProviderUnknown(refused)).toBe(false);
    p.script('unknown');
    const unknown = await rejection(p.refund({ idempotencyKey: 'k', orderNumber: 'DD1', totalFen: 100, amountFen: 100, reason: 'r' }));
    expect(isProviderUnknown(unknown)).toBe(true);
    expect((await p.query('DD1')).state).toBe('REFUND');
    expect((await p.refund({ idempotencyKey: 'k', orderNumber: 'DD1', totalFen: 100, amountFen: 100, reason: 'r' })).status).toBe('SUCCESS');
  });

  it('slow answers arrive late; the outcome can be chosen by config, by DEPOTDESK_SIMULATED_PAYMENT_OUTCOME or per call', async () => {
    const started = Date.now();
    await sim('slow').createPayment({ orderNumber: 'DD2', amountFen: 100, description: 'x', expiresAt: 0 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(
      isProviderUnknown(
        await rejection(
          sim('success', { DEPOTDESK_SIMULATED_PAYMENT_OUTCOME: 'unknown' }).createPayment({ orderNumber: 'DD2', amountFen: 100, description: 'x', expiresAt: 0 }),
        ),
      ),
    ).toBe(true);
    expect((await rejection(sim('success', { DEPOTDESK_SIMULATED_PAYMENT_OUTCOME: 'sometimes' }).query('DD2'))).code).toBe('config_invalid');
    expect((await sim('failure').createPayment({ orderNumber: 'DD3', amountFen: 1, description: 'x', expiresAt: 0 }, 'success')).codeUrl).toMatch(/DD3/);
  });
});

describe('orders against a gateway that fails', () => {
  it('a gateway that refuses the payment cancels the order at once and gives back the coupon and points', async () => {
    t = payApp({ payments: { simulated: { outcome: 'failure' } } });
    const { driver, couponId } = driverWithCouponAndPoints(t.app);
    const o = await createOrder(t.app, { driverId: driver.id, amountFen: 20000, couponId, points: 500, channel: 'wechat' });
    expect(o).toMatchObject({ state: 'CANCELLED', cancelReason: 'provider_refused', codeUrl: null });
    expect(o.providerError).toMatch(/refused/);
    expect(couponLeft(t.app, couponId)).toBe(3000);
    expect(points(t.app, driver.id)).toBe(500);
  });

  it('a gateway that does not answer leaves the order pending; a later query finds the payment and confirms it once', async () => {
    t = payApp();
    const d = newDriver(t.app);
    simulatedProvider(t.app, 'alipay')!.script('unknown');
    const o = await createOrder(t.app, { driverId: d.id, amountFen: 6600, channel: 'alipay' });
    expect(o).toMatchObject({ state: 'PENDING_PAYMENT', codeUrl: null });
    expect(o.providerError).toMatch(/outcome unknown/);
    // The gateway did create the payment; the customer paid, but its notification never came.
    simulatedProvider(t.app, 'alipay')!.pay(o.number);
    const r = await confirmByQuery(t.app, o.id);
    expect(r).toMatchObject({ outcome: 'paid', tradeState: 'SUCCESS' });
    expect((await confirmByQuery(t.app, o.id)).outcome).toBe('duplicate');
    expect(getOrder(t.app, o.id).state).toBe('PAID');
    expect(wallet(t.app, d.id)).toBe(6600);
  });
});
