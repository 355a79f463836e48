import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DepotError } from '../../src-main/kernel/errors';
import {
  confirmByQuery,
  confirmPayment,
  createOrder,
  getOrder,
  handleNotification,
  isProviderUnknown,
  providerFor,
  ProviderRefused,
  SimulatedProvider,
  WechatPayProvider,
  type PaymentProvider,
} from '../../src-main/payments';
import { approveAdjustment, createAdjustment, processTask } from '../../src-main/refunds';
import { makeApp } from '../helpers';
import { refundApp, transfersByKeyPrefix, walletOf } from '../refunds/fixtures';
import { couponLeft, driverWithCouponAndPoints, expectLedgerValid, MINUTE, newDriver, payApp, points, wallet, type PayApp } from './fixtures';
import { makeStubKeys, PLATFORM_SERIAL, STUB_TIMEOUT_MS, WechatStub, type StubKeys } from './wechat-stub';

/**
 * The WeChat Pay API v3 provider against a local HTTPS gateway (wechat-stub.ts): real TLS, real
 * signatures both ways (the provider signs through wechatpay-axios-plugin, the stub checks with
 * Node's crypto and signs back), encrypted notifications, and the gateway's failures.
 */

let keys: StubKeys;
let keyDir: string;
beforeAll(() => {
  keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'depotdesk-wechat-keys-'));
  keys = makeStubKeys(keyDir);
});
afterAll(() => fs.rmSync(keyDir, { recursive: true, force: true }));

let t: PayApp | null = null;
let stub: WechatStub | null = null;
afterEach(async () => {
  if (t) {
    expectLedgerValid(t.app);
    await t.scheduler.stop();
    t = null;
  }
  if (stub) await stub.stop();
  stub = null;
});

async function setup(extra: Record<string, unknown> = {}): Promise<{ t: PayApp; stub: WechatStub; wx: WechatPayProvider }> {
  stub = await WechatStub.start(keys);
  t = payApp({ payments: stub.config(extra) });
  const app = t.app;
  stub.now = () => app.clock.now();
  const wx = providerFor(app, 'wechat');
  expect(wx).toBeInstanceOf(WechatPayProvider);
  return { t, stub, wx: wx as WechatPayProvider };
}

/** RFC 3339 in China time, as time_expire must be written. */
const cst = (ms: number) => `${new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19)}+08:00`;

async function rejection(p: Promise<unknown>): Promise<DepotError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DepotError) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

function thrown(f: () => unknown): DepotError {
  try {
    f();
  } catch (e) {
    if (e instanceof DepotError) return e;
    throw e;
  }
  throw new Error('expected an error');
}

describe('WeChat Pay API v3 against the local gateway', () => {
  it('orders a Native QR code, confirms the payment by query, and books it once when the notification also arrives', async () => {
    const { t, stub } = await setup();
    const driver = newDriver(t.app);
    const o = await createOrder(t.app, { driverId: driver.id, amountFen: 20000, channel: 'wechat' });
    expect(o).toMatchObject({ state: 'PENDING_PAYMENT', provider: 'wechatpay', codeUrl: `weixin://wxpay/bizpayurl?pr=stub${o.number}`, providerError: null });
    expect(stub.orders.get(o.number)).toMatchObject({
      amount: 20000,
      state: 'NOTPAY',
      timeExpire: cst(o.createdAt + 30 * MINUTE),
      notifyUrl: 'https://depot.example.com/notify/wechat',
    });
    expect(cst(Date.parse('2026-01-15T01:30:00Z'))).toBe('2026-01-15T09:30:00+08:00');

    expect((await confirmByQuery(t.app, o.id)).tradeState).toBe('NOTPAY');
    const n = stub.pay(o.number);
    const byQuery = await confirmByQuery(t.app, o.id);
    expect(byQuery).toMatchObject({ outcome: 'paid', tradeState: 'SUCCESS' });
    expect(getOrder(t.app, o.id)).toMatchObject({ state: 'PAID', providerTradeNo: stub.orders.get(o.number)!.transactionId });
    expect(wallet(t.app, driver.id)).toBe(20000);

    expect(handleNotification(t.app, 'wechat', n).outcome).toBe('duplicate');
    expect((await confirmByQuery(t.app, o.id)).outcome).toBe('duplicate');
    expect(wallet(t.app, driver.id)).toBe(20000);
    expect(stub.requests.every((r) => r.signed)).toBe(true);
  });

  it('a notification first, then the same notification again: paid once, the decrypted transaction kept', async () => {
    const { t, stub, wx } = await setup();
    const driver = newDriver(t.app);
    const o = await createOrder(t.app, { driverId: driver.id, amountFen: 5000, channel: 'wechat' });
    const n = stub.pay(o.number);
    const fact = wx.parseNotification(n);
    expect(fact).toMatchObject({ channel: 'wechat', orderNumber: o.number, amountFen: 5000, paidAt: t.clock.now() });
    expect(JSON.parse(fact.raw)).toMatchObject({ out_trade_no: o.number, trade_state: 'SUCCESS' });
    expect(handleNotification(t.app, 'wechat', n).outcome).toBe('paid');
    expect(handleNotification(t.app, 'wechat', n).outcome).toBe('duplicate');
    expect(handleNotification(t.app, 'wechat', stub.notification(o.number)).outcome).toBe('duplicate');
    expect(wallet(t.app, driver.id)).toBe(5000);
  });

  it('refuses a forged, re-keyed, tampered or undecryptable notification, and nothing changes', async () => {
    const { t, stub } = await setup();
    const driver = newDriver(t.app);
    const o = await createOrder(t.app, { driverId: driver.id, amountFen: 5000, channel: 'wechat' });
    const real = stub.pay(o.number);
    const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const forged = stub.notification(o.number, attacker);
    const tampered = { headers: real.headers, body: real.body.replace('"summary":"支付成功"', '"summary":"x"') };
    const otherSerial = { headers: { ...real.headers, 'Wechatpay-Serial': 'PUB_KEY_ID_OTHER' }, body: real.body };
    const stale = { headers: { ...real.headers, 'Wechatpay-Timestamp': String(Math.floor(Date.now() / 1000) - 3600) }, body: real.body };
    for (const n of [forged, tampered, otherSerial, stale, { headers: {}, body: real.body }]) {
      const e = thrown(() => handleNotification(t.app, 'wechat', n));
      expect(e.code).toBe('refused');
      expect(e.message).toMatch(/wechatpay: notification .*ignored/);
    }
    // Signed by the platform, but encrypted with another API v3 key.
    const saved = keys.apiV3Key;
    keys.apiV3Key = 'A'.repeat(32);
    const wrongKey = stub.notification(o.number);
    keys.apiV3Key = saved;
    expect(thrown(() => handleNotification(t.app, 'wechat', wrongKey)).message).toMatch(/does not decrypt/);
    expect(getOrder(t.app, o.id).state).toBe('PENDING_PAYMENT');
    expect(wallet(t.app, driver.id)).toBe(0);
    expect(handleNotification(t.app, 'wechat', real).outcome).toBe('paid');
  });

  it('unpaid, then closed at the gateway: the QR code no longer pays, and the timeout gives coupon and points back', async () => {
    const { t, stub, wx } = await setup();
    const { driver, couponId } = driverWithCouponAndPoints(t.app);
    const o = await createOrder(t.app, { driverId: driver.id, amountFen: 10000, couponId, points: 200, channel: 'wechat' });
    expect(couponLeft(t.app, couponId)).toBe(0);
    expect(await wx.close(o.number)).toEqual({ state: 'CLOSED', payment: null });
    expect(stub.orders.get(o.number)!.state).toBe('CLOSED');
    expect((await wx.query(o.number)).state).toBe('CLOSED');
    expect(() => stub.pay(o.number)).toThrow(/closed/);
    expect(await wx.close(o.number)).toEqual({ state: 'CLOSED', payment: null });
    await t.scheduler.drain();
    t.clock.advance(31 * MINUTE);
    await t.scheduler.drain();
    expect(getOrder(t.app, o.id).state).toBe('CANCELLED');
    expect(couponLeft(t.app, couponId)).toBe(3000);
    expect(points(t.app, driver.id)).toBe(500);
  });

  it('paid during the close: ORDERPAID comes back as the payment to book, not as a refusal', async () => {
    const { t, stub, wx } = await setup();
    const driver = newDriver(t.app);
    const o = await createOrder(t.app, { driverId: driver.id, amountFen: 8800, channel: 'wechat' });
    stub.pay(o.number); // the notification never reaches the depot
    const closed = await wx.close(o.number);
    expect(closed.state).toBe('SUCCESS');
    expect(closed.payment).toMatchObject({ orderNumber: o.number, amountFen: 8800, providerTradeNo: stub.orders.get(o.number)!.transactionId });
    expect(stub.requests.slice(-2).map((r) => `${r.method} ${r.path.split('?')[0]}`)).toEqual([
      `POST /v3/pay/transactions/out-trade-no/${o.number}/close`,
      `GET /v3/pay/transactions/out-trade-no/${o.number}`,
    ]);
    expect(confirmPayment(t.app, closed.payment!).outcome).toBe('paid');
    expect(wallet(t.app, driver.id)).toBe(8800);
    expect(stub.orders.get(o.number)!.state).toBe('SUCCESS');
  });

  it('an answer whose signature does not verify is an unknown outcome, never believed', async () => {
    const { t, stub, wx } = await setup();
    const { driver, couponId } = driverWithCouponAndPoints(t.app);
    stub.next('forge');
    const o = await createOrder(t.app, { driverId: driver.id, amountFen: 10000, couponId, channel: 'wechat' });
    // Not cancelled: the gateway may well have the order (it does), so coupon stays taken, for a query or the timeout.
    expect(o).toMatchObject({ state: 'PENDING_PAYMENT', codeUrl: null });
    expect(o.providerError).toMatch(/not believed: the signature does not verify/);
    expect(couponLeft(t.app, couponId)).toBe(0);
    stub.pay(o.number);
    stub.next('forge');
    const e = await rejection(confirmByQuery(t.app, o.id));
    expect(isProviderUnknown(e)).toBe(true);
    expect(getOrder(t.app, o.id).state).toBe('PENDING_PAYMENT');
    expect((await confirmByQuery(t.app, o.id)).outcome).toBe('paid');
    expect(await rejection(wx.query('DD-NOPE'))).toBeInstanceOf(ProviderRefused);
  });

  it('5xx, a hang and a reset are unknown; a refusal cancels; an order number already paid is queried, not cancelled', async () => {
    const { t, stub } = await setup();
    const driver = newDriver(t.app);
    const make = () => createOrder(t.app, { driverId: driver.id, amountFen: 1000, channel: 'wechat' });
    stub.next('500');
    expect((await make()).providerError).toMatch(/outcome unknown: .*HTTP 500 SYSTEM_ERROR/);
    const started = Date.now();
    stub.next('hang');
    const hung = await make();
    expect(hung.providerError).toMatch(new RegExp(`no answer within ${STUB_TIMEOUT_MS} ms`));
    // The provider gave up on its own bound (the message says so), after really waiting for it.
    expect(Date.now() - started).toBeGreaterThanOrEqual(STUB_TIMEOUT_MS - 50);
    stub.next('reset');
    expect((await make()).providerError).toMatch(/outcome unknown/);
    stub.next({ refuse: { status: 403, code: 'NO_AUTH', message: '商户无权限' } });
    const refused = await make();
    expect(refused).toMatchObject({ state: 'CANCELLED', cancelReason: 'provider_refused' });
    expect(refused.providerError).toMatch(/商户无权限 \(NO_AUTH\)/);
    stub.next({ refuse: { status: 400, code: 'ORDERPAID', message: '订单已支付' } });
    const paid = await make();
    expect(paid.state).toBe('PENDING_PAYMENT');
    expect(paid.providerError).toMatch(/ORDERPAID/);
    // The hung create did reach the gateway: a query there knows the order.
    expect((await confirmByQuery(t.app, hung.id)).tradeState).toBe('NOTPAY');
  });

  it('refunds: success (idempotent by key), refusals, an unknown 5xx found done by the refund query, processing, not found', async () => {
    const { t, stub, wx } = await setup();
    const driver = newDriver(t.app);
    const o = await createOrder(t.app, { driverId: driver.id, amountFen: 10000, channel: 'wechat' });
    handleNotification(t.app, 'wechat', stub.pay(o.number));
    const input = (key: string, amountFen: number) => ({ idempotencyKey: key, orderNumber: o.number, totalFen: 10000, amountFen, reason: '退余额' });

    const r1 = await wx.refund(input('RT-1', 3000));
    expect(r1).toMatchObject({ status: 'SUCCESS', providerRefundNo: stub.refunds.get('RT-1')!.refundId });
    expect(JSON.parse(r1.request)).toMatchObject({ out_refund_no: 'RT-1', amount: { refund: 3000, total: 10000, currency: 'CNY' } });
    expect((await wx.refund(input('RT-1', 3000))).providerRefundNo).toBe(r1.providerRefundNo);

    stub.next({ refuse: { status: 403, code: 'NOT_ENOUGH', message: '基本账户余额不足' } });
    const poor = await rejection(wx.refund(input('RT-2', 1000)));
    expect(poor).toBeInstanceOf(ProviderRefused);
    expect(poor.details).toMatchObject({ providerCode: 'NOT_ENOUGH', outcome: 'refused' });
    expect((await rejection(wx.refund(input('RT-2', 7001)))).details).toMatchObject({ providerCode: 'INVALID_REQUEST' });
    expect((await wx.queryRefund('RT-2', o.number)).status).toBe('NOT_FOUND');

    stub.next('500-after');
    expect(isProviderUnknown(await rejection(wx.refund(input('RT-3', 2000))))).toBe(true);
    const q = await wx.queryRefund('RT-3', o.number);
    expect(q).toMatchObject({ status: 'SUCCESS', providerRefundNo: stub.refunds.get('RT-3')!.refundId });
    expect(JSON.parse(q.response)).toMatchObject({ out_refund_no: 'RT-3', amount: { refund: 2000 } });

    stub.refundStatus = 'PROCESSING';
    expect((await wx.refund(input('RT-4', 500))).status).toBe('PROCESSING');
    expect((await wx.queryRefund('RT-4', o.number)).status).toBe('PROCESSING');
    stub.finishRefunds();
    expect((await wx.queryRefund('RT-4', o.number)).status).toBe('SUCCESS');
    stub.next('forge');
    expect(isProviderUnknown(await rejection(wx.queryRefund('RT-4', o.number)))).toBe(true);
    expect((await wx.query(o.number)).state).toBe('REFUND');
  });

  it('a refund task through the gateway: refused → retried → unknown (5xx after acting) → queried, completed, paid out once', async () => {
    stub = await WechatStub.start(keys);
    const r = await refundApp({ payments: stub.config() });
    t = r;
    const gw = stub;
    gw.now = () => r.app.clock.now();
    const d = newDriver(r.app);
    const order = await createOrder(r.app, { driverId: d.id, amountFen: 10000, channel: 'wechat' });
    expect(handleNotification(r.app, 'wechat', gw.pay(order.number)).outcome).toBe('paid');
    const adj = createAdjustment(r.app, { orderId: order.id, amountFen: 3000, reason: '退款' }, { operatorId: r.clerk.id });
    const taskId = approveAdjustment(r.app, adj.id, {}, { operatorId: r.sup1.id }).taskId!;

    gw.next({ refuse: { status: 403, code: 'NOT_ENOUGH', message: '基本账户余额不足' } });
    let s = await processTask(r.app, taskId);
    expect(s).toMatchObject({ state: 'pending', attempts: 1, requestEndpoint: 'wechatpay: POST /v3/refund/domestic/refunds' });
    expect(s.lastError).toMatch(/NOT_ENOUGH/);
    r.clock.advance(5 * MINUTE);
    gw.next('500-after');
    s = await processTask(r.app, taskId);
    expect(s.state).toBe('needs_check');
    expect(s.lastError).toMatch(/outcome unknown: .*HTTP 500/);
    s = await processTask(r.app, taskId);
    expect(s).toMatchObject({ state: 'completed', providerRefundNo: gw.refunds.get(taskId)!.refundId });
    expect(JSON.parse(s.responseBody!)).toMatchObject({ out_refund_no: taskId, status: 'SUCCESS' });
    expect(gw.requests.filter((q) => q.path === '/v3/refund/domestic/refunds')).toHaveLength(2);
    expect(gw.requests.filter((q) => q.path === `/v3/refund/domestic/refunds/${taskId}`)).toHaveLength(1);
    expect(gw.refunds.size).toBe(1);
    expect(transfersByKeyPrefix(r.app, 'refund_paid:')).toHaveLength(1);
    expect(walletOf(r.app, d.id)).toBe(7000);
  });

  it('a request the gateway cannot verify is refused there (401 SIGN_ERROR): the stub checks our signature', async () => {
    const { stub, wx } = await setup({ merchantSerial: 'WRONGSERIAL' });
    const e = await rejection(wx.createPayment({ orderNumber: 'DD1', amountFen: 100, description: 'x', expiresAt: Date.now() + MINUTE }));
    expect(e).toBeInstanceOf(ProviderRefused);
    expect(e.details).toMatchObject({ providerCode: 'SIGN_ERROR' });
    expect(stub.requests[0].signed).toBe(false);
    expect(stub.orders.size).toBe(0);
  });
});

describe('close on the simulated provider', () => {
  it('closes an unpaid trade (no longer payable) and returns a paid one as paid', async () => {
    const sim = new SimulatedProvider('wechat', { outcome: 'success', slowMs: 0, secret: 'test-secret-key', now: () => 1, env: {} });
    await sim.createPayment({ orderNumber: 'DD1', amountFen: 100, description: 'x', expiresAt: 0 });
    await sim.createPayment({ orderNumber: 'DD2', amountFen: 200, description: 'x', expiresAt: 0 });
    expect(await sim.close('DD1')).toEqual({ state: 'CLOSED', payment: null });
    expect(() => sim.pay('DD1')).toThrow(/closed/);
    sim.pay('DD2');
    expect(await sim.close('DD2')).toMatchObject({ state: 'SUCCESS', payment: { orderNumber: 'DD2', amountFen: 200 } });
    expect(isProviderUnknown(await rejection(sim.close('DD2', 'unknown')))).toBe(true);
  });
});

describe('WeChat Pay configuration', () => {
  const base = (over: Record<string, unknown> = {}) => ({
    provider: { wechat: 'wechat' },
    wechat: {
      mchid: '1900000109',
      appid: 'wx8888888888888888',
      notifyUrl: 'https://depot.example.com/notify/wechat',
      merchantSerial: 'S1',
      merchantKeyFile: keys.merchantKeyFile,
      platformSerial: PLATFORM_SERIAL,
      platformCertFile: keys.platformPublicKeyFile,
      apiV3KeyFile: keys.apiV3KeyFile,
      ...over,
    },
  });
  const providerWith = (over: Record<string, unknown>, env?: Record<string, string>): PaymentProvider => {
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      return providerFor(makeApp({ overrides: { payments: base(over) } }).app, 'wechat');
    } finally {
      for (const k of Object.keys(env ?? {})) if (saved[k] === undefined) delete process.env[k];
    }
  };

  it('stays simulated by default, takes a WeChat Pay public key instead of a certificate, and the API v3 key from the environment', () => {
    expect(providerFor(makeApp().app, 'wechat').name).toBe('simulated-wechat');
    expect(providerFor(makeApp({ overrides: { payments: base() } }).app, 'alipay').name).toBe('simulated-alipay');
    expect(providerWith({}).name).toBe('wechatpay');
    expect(providerWith({ apiV3KeyFile: '', apiV3KeyEnv: 'TEST_WX_V3_KEY' }, { TEST_WX_V3_KEY: keys.apiV3Key }).name).toBe('wechatpay');
  });

  it('a missing or unreadable setting is a config_invalid error naming its key, and never shows the API v3 key', () => {
    expect(() => makeApp({ overrides: { payments: base({ mchid: '' }) } })).toThrow(/payments\.wechat\.mchid: required when payments\.provider\.wechat is "wechat"/);
    expect(() => makeApp({ overrides: { payments: base({ notifyUrl: 'http://x' }) } })).toThrow(/payments\.wechat\.notifyUrl: must be an https/);
    expect(() => makeApp({ overrides: { payments: base({ apiBaseUrl: 'http://127.0.0.1:1' }) } })).toThrow(/payments\.wechat\.apiBaseUrl/);
    const missing = thrown(() => providerWith({ merchantKeyFile: path.join(keyDir, 'nope.pem') }));
    expect(missing.code).toBe('config_invalid');
    expect(missing.message).toMatch(/payments\.wechat\.merchantKeyFile: cannot read .*nope\.pem: ENOENT/);
    expect(thrown(() => providerWith({ platformCertFile: keys.apiV3KeyFile })).message).toMatch(/payments\.wechat\.platformCertFile: .* neither a PEM certificate/);
    expect(thrown(() => providerWith({ apiV3KeyFile: '', apiV3KeyEnv: 'TEST_WX_UNSET_KEY' })).message).toMatch(
      /payments\.wechat\.apiV3KeyEnv: the environment variable TEST_WX_UNSET_KEY is not set/,
    );
    const short = thrown(() => providerWith({ apiV3KeyFile: '', apiV3KeyEnv: 'TEST_WX_SHORT_KEY' }, { TEST_WX_SHORT_KEY: 'sekrit-short-key' }));
    expect(short.message).toMatch(/must be 32 characters \(got 16\)/);
    expect(JSON.stringify(short.toShape())).not.toContain('sekrit');
  });
});
