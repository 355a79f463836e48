import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listAlerts } from '../../src-main/alerts';
import { startHttpServer, type RunningHttpServer } from '../../src-main/contract/http';
import {
  cancelAtCounter,
  confirmByQuery,
  createOrder,
  expireOrders,
  getOrder,
  handleNotification,
  listUnmatched,
  orderCoupon,
  pollDueOrders,
  pollStateOf,
  simulatedProvider,
  type Notification,
} from '../../src-main/payments';
import { couponLeft, driverWithCouponAndPoints, expectLedgerValid, MINUTE, newDriver, payApp, points, transfersOfOrder, wallet, type PayApp } from './fixtures';
import { makeStubKeys, WechatStub, type StubKeys } from './wechat-stub';

/**
 * An order's life on a real gateway (issue 20): the WeChat Pay stub over real HTTPS with real
 * signatures, the app's real job registry driven by drain() against a fake clock, and the
 * notification endpoint over real HTTP. The gateway is asked to close an order before the timeout
 * gives anything back, open orders are polled on a schedule, and notifications arrive at
 * POST /notify/<channel>; whichever way a payment is seen, it is booked once.
 */

let keys: StubKeys;
let keyDir: string;
beforeAll(() => {
  keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'depotdesk-lifecycle-keys-'));
  keys = makeStubKeys(keyDir);
});
afterAll(() => fs.rmSync(keyDir, { recursive: true, force: true }));

let t: PayApp | null = null;
let stub: WechatStub | null = null;
let server: RunningHttpServer | null = null;
afterEach(async () => {
  if (server) await server.close();
  server = null;
  if (t) {
    expectLedgerValid(t.app);
    await t.scheduler.stop();
    t = null;
  }
  if (stub) await stub.stop();
  stub = null;
});

const SECOND = 1000;

async function setup(): Promise<{ t: PayApp; stub: WechatStub }> {
  stub = await WechatStub.start(keys);
  t = payApp({ payments: stub.config() });
  const app = t.app;
  stub.now = () => app.clock.now();
  await t.scheduler.drain(); // the crons take their baseline
  return { t, stub };
}

/** The stub's requests of one kind for one order: 'query' (GET the order) or 'close'. */
function requests(s: WechatStub, kind: 'query' | 'close', number: string): number {
  const p = `/v3/pay/transactions/out-trade-no/${number}`;
  return s.requests.filter((r) => (kind === 'close' ? r.method === 'POST' && r.path === `${p}/close` : r.method === 'GET' && r.path.split('?')[0] === p)).length;
}

/** Lets `ms` pass in steps of at most a minute, running what falls due, as the scheduler would. */
async function pass(app: PayApp, ms: number): Promise<string[]> {
  const runs: string[] = [];
  for (let left = ms; left > 0; left -= MINUTE) {
    app.clock.advance(Math.min(MINUTE, left));
    const r = await app.scheduler.drain();
    runs.push(...r.runs.map((x) => `${x.kind}:${x.outcome}`));
  }
  return runs;
}

const ledgerCodes = (app: PayApp, orderId: string) => transfersOfOrder(app.app, orderId).map((x) => x.code);
/** The wallet credits of an order's payment (the topUp keyed pay:<number>). */
const payCredits = (app: PayApp, number: string) =>
  app.app.sqlite.prepare("SELECT count(*) AS n FROM ledger_transfers WHERE id = ? AND code = 'topup'").get(`pay:${number}`) as { n: number };

describe('the timeout closes the order at the gateway before it gives anything back', () => {
  it('unpaid: closed at the gateway, then cancelled with coupon and points restored once; the QR code no longer pays', async () => {
    const { t, stub } = await setup();
    const { driver, couponId } = driverWithCouponAndPoints(t.app);
    const o = await createOrder(t.app, { driverId: driver.id, amountFen: 10000, couponId, points: 200, channel: 'wechat' });
    expect(couponLeft(t.app, couponId)).toBe(0);
    expect(points(t.app, driver.id)).toBe(300);

    await pass(t, 29 * MINUTE);
    expect(getOrder(t.app, o.id).state).toBe('PENDING_PAYMENT');
    expect(requests(stub, 'close', o.number)).toBe(0);
    const runs = await pass(t, 2 * MINUTE);
    expect(runs).toContain('payments.expireOrders:completed');
    expect(requests(stub, 'close', o.number)).toBe(1);
    expect(stub.orders.get(o.number)!.state).toBe('CLOSED');
    expect(getOrder(t.app, o.id)).toMatchObject({ state: 'CANCELLED', cancelReason: 'timeout' });
    expect(orderCoupon(t.app, o.id)!.status).toBe('restored');
    expect(couponLeft(t.app, couponId)).toBe(3000);
    expect(points(t.app, driver.id)).toBe(500);
    expect(() => stub.pay(o.number)).toThrow(/closed/);

    // Later runs neither close nor restore again.
    await pass(t, 5 * MINUTE);
    expect(requests(stub, 'close', o.number)).toBe(1);
    expect(ledgerCodes(t, o.id).sort()).toEqual(['coupon_redeem', 'coupon_restore', 'points_redeem', 'points_restore']);
    expect(couponLeft(t.app, couponId)).toBe(3000);
    expect(points(t.app, driver.id)).toBe(500);
  });

  it('paid at the gateway after the last poll and before the close: booked as paid, not cancelled; the coupon stays consumed', async () => {
    const { t, stub } = await setup();
    const { driver, couponId } = driverWithCouponAndPoints(t.app);
    const o = await createOrder(t.app, { driverId: driver.id, amountFen: 10000, couponId, points: 200, channel: 'wechat' });
    await pass(t, 29 * MINUTE);
    // Its last poll said NOTPAY and the next would fall after the timeout: only the close asks again.
    const polled = pollStateOf(t.app, o.id)!;
    expect(polled.lastResult).toBe('NOTPAY');
    expect(polled.nextPollAt).toBeGreaterThan(o.createdAt + 30 * MINUTE);
    stub.pay(o.number); // its notification never reaches the depot
    await pass(t, 2 * MINUTE);
    // The close was refused as ORDERPAID and the order queried: its payment is the one to book.
    const tail = stub.requests.filter((r) => r.path.includes(o.number)).slice(-2);
    expect(tail.map((r) => `${r.method} ${r.path.split('?')[0]}`)).toEqual([
      `POST /v3/pay/transactions/out-trade-no/${o.number}/close`,
      `GET /v3/pay/transactions/out-trade-no/${o.number}`,
    ]);
    expect(getOrder(t.app, o.id)).toMatchObject({ state: 'PAID', providerTradeNo: stub.orders.get(o.number)!.transactionId });
    expect(orderCoupon(t.app, o.id)!.status).toBe('consumed');
    expect(couponLeft(t.app, couponId)).toBe(0);
    expect(points(t.app, driver.id)).toBe(300);
    expect(wallet(t.app, driver.id)).toBe(10000);
    expect(ledgerCodes(t, o.id)).not.toContain('coupon_restore');
    expect(listUnmatched(t.app)).toEqual([]);
  });

  it('paid with another amount than the order’s: the payment waits as 长款 for an operator, and the order is cancelled as unpaid', async () => {
    const { t, stub } = await setup();
    const { driver, couponId } = driverWithCouponAndPoints(t.app);
    const o = await createOrder(t.app, { driverId: driver.id, amountFen: 10000, couponId, points: 200, channel: 'wechat' });
    await pass(t, 29 * MINUTE);
    stub.orders.get(o.number)!.amount = 100; // what the gateway took is not what the order asked
    stub.pay(o.number);
    await pass(t, MINUTE);
    const [u] = listUnmatched(t.app);
    expect(u).toMatchObject({ orderNumber: o.number, amount: 100, reason: 'amount_mismatch', status: 'open' });
    const cancelled = getOrder(t.app, o.id);
    expect(cancelled.state).toBe('CANCELLED');
    expect(cancelled.cancelReason).toBe(`timeout; the gateway's payment ${u.providerTradeNo} did not match the order (unmatched payment ${u.id})`);
    expect(couponLeft(t.app, couponId)).toBe(3000);
    expect(points(t.app, driver.id)).toBe(500);
    expect(wallet(t.app, driver.id)).toBe(0);
    // A later run neither books nor records it again.
    await pass(t, 2 * MINUTE);
    expect(listUnmatched(t.app)).toHaveLength(1);
  });

  it('a close the gateway refuses (a definite no) still cancels: the order’s time_expire already ended its QR code, and the reason names the refusal', async () => {
    const { t, stub } = await setup();
    const { driver, couponId } = driverWithCouponAndPoints(t.app);
    const o = await createOrder(t.app, { driverId: driver.id, amountFen: 10000, couponId, points: 200, channel: 'wechat' });
    expect(stub.orders.get(o.number)!.timeExpire).toBe(new Date(o.createdAt + 30 * MINUTE + 8 * 3_600_000).toISOString().slice(0, 19) + '+08:00');
    await pass(t, 29 * MINUTE);
    stub.next({ refuse: { status: 403, code: 'NO_AUTH', message: '商户无权限' } });
    expect(await pass(t, MINUTE)).toContain('payments.expireOrders:completed');
    expect(requests(stub, 'close', o.number)).toBe(1);
    const cancelled = getOrder(t.app, o.id);
    expect(cancelled.state).toBe('CANCELLED');
    expect(cancelled.cancelReason).toMatch(/^timeout; the gateway refused the close: .*商户无权限 \(NO_AUTH\)/);
    expect(couponLeft(t.app, couponId)).toBe(3000);
    expect(points(t.app, driver.id)).toBe(500);
  });

  it('gateway unreachable at the timeout: the order stays pending with nothing restored, the job does not fail, and a later run closes it', async () => {
    const { t, stub } = await setup();
    const { driver, couponId } = driverWithCouponAndPoints(t.app);
    const a = await createOrder(t.app, { driverId: driver.id, amountFen: 10000, couponId, points: 200, channel: 'wechat' });
    const b = await createOrder(t.app, { driverId: newDriver(t.app).id, amountFen: 3000, channel: 'wechat' });
    const other = driverWithCouponAndPoints(t.app);
    const c = await createOrder(t.app, { driverId: other.driver.id, amountFen: 5000, couponId: other.couponId, channel: 'alipay' });
    await pass(t, 29 * MINUTE);
    expect(getOrder(t.app, a.id).state).toBe('PENDING_PAYMENT');

    stub.next('500'); // the next call to the gateway is a's close, at 30:00
    const runs = await pass(t, MINUTE);
    expect(runs).toContain('payments.expireOrders:completed');
    expect(runs.filter((r) => r.startsWith('payments.expireOrders:') && !r.endsWith(':completed'))).toEqual([]);
    // A's close had no answer: A stays pending with its coupon and points held; B was not tried in this run.
    expect(requests(stub, 'close', a.number)).toBe(1);
    expect(requests(stub, 'close', b.number)).toBe(0);
    expect(getOrder(t.app, a.id).state).toBe('PENDING_PAYMENT');
    expect(getOrder(t.app, b.id).state).toBe('PENDING_PAYMENT');
    expect(couponLeft(t.app, couponId)).toBe(0);
    expect(points(t.app, driver.id)).toBe(300);
    // The other channel's order is not held back by it.
    expect(getOrder(t.app, c.id).state).toBe('CANCELLED');
    expect(couponLeft(t.app, other.couponId)).toBe(3000);

    // Still down a minute later (a hang this time): still nothing restored, and no job_failing alert.
    stub.next('hang');
    await pass(t, MINUTE);
    expect(getOrder(t.app, a.id).state).toBe('PENDING_PAYMENT');
    expect(listAlerts(t.app, { open: true, limit: 50, offset: 0 }).items.map((x) => x.code)).not.toContain('job_failing');

    await pass(t, MINUTE);
    for (const o of [a, b]) {
      expect(getOrder(t.app, o.id)).toMatchObject({ state: 'CANCELLED', cancelReason: 'timeout' });
      expect(stub.orders.get(o.number)!.state).toBe('CLOSED');
    }
    expect(couponLeft(t.app, couponId)).toBe(3000);
    expect(points(t.app, driver.id)).toBe(500);
  });
  it('no transaction is held while the gateway takes its time to answer a close: a notification is booked meanwhile', async () => {
    const { t, stub } = await setup();
    const a = await createOrder(t.app, { driverId: newDriver(t.app).id, amountFen: 1000, channel: 'wechat' });
    await pass(t, 29 * MINUTE);
    const b = await createOrder(t.app, { driverId: newDriver(t.app).id, amountFen: 2000, channel: 'wechat' });
    const n = stub.pay(b.number);
    t.clock.advance(MINUTE);
    stub.next('hang'); // a's close: no answer within the provider's STUB_TIMEOUT_MS
    const later = new Promise<string>((resolve) => setTimeout(() => resolve(handleNotification(t.app, 'wechat', n).outcome), 100));
    // Had the timeout job held a write transaction across the close, the notification's own could not begin.
    const [expired, booked] = await Promise.all([expireOrders(t.app), later]);
    expect(booked).toBe('paid');
    expect(expired.offline.map((x) => x.number)).toEqual([a.number]);
    expect(getOrder(t.app, a.id).state).toBe('PENDING_PAYMENT');
    expect(getOrder(t.app, b.id).state).toBe('PAID');
  });
});

describe('an operator’s cancel at the counter closes the order at the gateway too', () => {
  it('unpaid: closed, then cancelled with coupon and points back; paid meanwhile: booked, the cancel refused; unreachable: nothing cancelled', async () => {
    const { t, stub } = await setup();
    const { driver, couponId } = driverWithCouponAndPoints(t.app);
    const a = await createOrder(t.app, { driverId: driver.id, amountFen: 10000, couponId, points: 200, channel: 'wechat' });
    const r = await cancelAtCounter(t.app, a.id, '顾客改用现金');
    expect(r.order).toMatchObject({ state: 'CANCELLED', cancelReason: '顾客改用现金' });
    expect(requests(stub, 'close', a.number)).toBe(1);
    expect(() => stub.pay(a.number)).toThrow(/closed/);
    expect(couponLeft(t.app, couponId)).toBe(3000);
    expect(points(t.app, driver.id)).toBe(500);

    // The driver paid before the close arrived: the payment is booked and the cancel refused.
    const payer = newDriver(t.app);
    const b = await createOrder(t.app, { driverId: payer.id, amountFen: 4000, channel: 'wechat' });
    stub.pay(b.number);
    await expect(cancelAtCounter(t.app, b.id, 'walked away')).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining('booked as paid') });
    expect(getOrder(t.app, b.id).state).toBe('PAID');
    expect(wallet(t.app, payer.id)).toBe(4000);

    // The gateway does not answer: nothing is cancelled or given back, and the error says what to do.
    const other = driverWithCouponAndPoints(t.app);
    const c = await createOrder(t.app, { driverId: other.driver.id, amountFen: 5000, couponId: other.couponId, channel: 'wechat' });
    stub.next('500');
    await expect(cancelAtCounter(t.app, c.id, 'walked away')).rejects.toMatchObject({ code: 'unavailable', message: expect.stringContaining('nothing was cancelled') });
    expect(getOrder(t.app, c.id).state).toBe('PENDING_PAYMENT');
    expect(couponLeft(t.app, other.couponId)).toBe(0);
    // Once it answers, the same cancel goes through.
    expect((await cancelAtCounter(t.app, c.id, 'walked away')).order.state).toBe('CANCELLED');
    expect(couponLeft(t.app, other.couponId)).toBe(3000);
  });
});

describe('confirm by query: open orders are polled with backoff', () => {
  it('polls at 5 s, 15 s, 45 s, 1:45 …; a payment without a notification is found and booked once; polling then stops', async () => {
    const { t, stub } = await setup();
    const driver = newDriver(t.app);
    const o = await createOrder(t.app, { driverId: driver.id, amountFen: 6600, channel: 'wechat' });
    const at = (ms: number) => o.createdAt + ms;
    expect(pollStateOf(t.app, o.id)).toBeNull();

    // Not before it is due: the first poll is 5 s after the order.
    t.clock.advance(4 * SECOND);
    await t.scheduler.drain();
    expect(requests(stub, 'query', o.number)).toBe(0);
    const schedule: [number, number, number][] = [
      // [seconds after the order, polls, next poll due (seconds after the order)]
      [5, 1, 15],
      [15, 2, 45],
      [45, 3, 105],
      [105, 4, 225],
      [225, 5, 525],
      [525, 6, 825],
    ];
    for (const [due, polls, next] of schedule) {
      t.clock.set(at(due * SECOND - 1));
      await t.scheduler.drain();
      expect(requests(stub, 'query', o.number), `nothing yet at ${due} s − 1 ms`).toBe(polls - 1);
      t.clock.set(at(due * SECOND));
      await t.scheduler.drain();
      expect(requests(stub, 'query', o.number), `poll ${polls} at ${due} s`).toBe(polls);
      expect(pollStateOf(t.app, o.id)).toEqual({ polls, lastPolledAt: at(due * SECOND), nextPollAt: at(next * SECOND), lastResult: 'NOTPAY' });
    }

    stub.pay(o.number); // the notification never reaches the depot
    t.clock.set(at(825 * SECOND));
    await t.scheduler.drain();
    expect(getOrder(t.app, o.id)).toMatchObject({ state: 'PAID', providerTradeNo: stub.orders.get(o.number)!.transactionId });
    expect(pollStateOf(t.app, o.id)).toMatchObject({ polls: 7, lastResult: 'SUCCESS' });
    expect(wallet(t.app, driver.id)).toBe(6600);

    // Paid: no more polls; the late notification, a manual query and a poll run book nothing more.
    await pass(t, 20 * MINUTE);
    expect(requests(stub, 'query', o.number)).toBe(7);
    expect(handleNotification(t.app, 'wechat', stub.notification(o.number)).outcome).toBe('duplicate');
    expect((await confirmByQuery(t.app, o.id)).outcome).toBe('duplicate');
    expect((await pollDueOrders(t.app)).polled).toEqual([]);
    expect(wallet(t.app, driver.id)).toBe(6600);
    expect(payCredits(t, o.number).n).toBe(1);
  });

  it('a poll and a notification that race for the same payment book it once', async () => {
    const { t, stub } = await setup();
    const driver = newDriver(t.app);
    const o = await createOrder(t.app, { driverId: driver.id, amountFen: 4200, channel: 'wechat' });
    const n = stub.pay(o.number);
    t.clock.advance(5 * SECOND);
    const [polled, notified] = await Promise.all([pollDueOrders(t.app), Promise.resolve().then(() => handleNotification(t.app, 'wechat', n))]);
    expect(polled.polled).toEqual([o.number]);
    expect([notified.outcome, polled.paid.length === 1 ? 'paid' : 'duplicate'].sort()).toEqual(['duplicate', 'paid']);
    expect(getOrder(t.app, o.id).state).toBe('PAID');
    expect(wallet(t.app, driver.id)).toBe(4200);
    expect(listUnmatched(t.app)).toEqual([]);
  });

  it('an unreachable gateway costs one call per run, fails nothing, and the schedule goes on', async () => {
    const { t, stub } = await setup();
    const a = await createOrder(t.app, { driverId: newDriver(t.app).id, amountFen: 1000, channel: 'wechat' });
    const b = await createOrder(t.app, { driverId: newDriver(t.app).id, amountFen: 2000, channel: 'wechat' });
    stub.next('500');
    t.clock.advance(5 * SECOND);
    const r = await t.scheduler.drain();
    expect(r.runs.map((x) => `${x.kind}:${x.outcome}`)).toEqual(['payments.pollOrders:completed']);
    expect(requests(stub, 'query', a.number) + requests(stub, 'query', b.number)).toBe(1);
    const asked = requests(stub, 'query', a.number) === 1 ? a : b;
    const skipped = asked === a ? b : a;
    expect(pollStateOf(t.app, asked.id)).toMatchObject({ polls: 1, lastResult: 'unknown' });
    expect(pollStateOf(t.app, skipped.id)).toBeNull();
    // The next minute's run asks both.
    await pass(t, MINUTE);
    expect(pollStateOf(t.app, skipped.id)).toMatchObject({ lastResult: 'NOTPAY' });
    expect(pollStateOf(t.app, asked.id)).toMatchObject({ lastResult: 'NOTPAY' });
  });
});

/** A POST to the depot's HTTP door (no instance token), with an optional Host header. */
function post(url: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function door(app: PayApp): Promise<(p: string, n: Notification, extra?: Record<string, string>) => ReturnType<typeof post>> {
  server = await startHttpServer(app.app, { host: '127.0.0.1', port: 0, token: 'instance-token-for-the-test-0123456789', staticDir: null });
  const base = server.url;
  return (p, n, extra = {}) => post(new URL(p, base).toString(), n.body, { ...n.headers, ...extra });
}

describe('the notification endpoint: POST /notify/wechat and /notify/alipay', () => {
  it('a genuine notification is booked and acknowledged (204); the same again, or a fresh one of the same payment, books nothing more', async () => {
    const { t, stub } = await setup();
    const notify = await door(t);
    const driver = newDriver(t.app);
    const o = await createOrder(t.app, { driverId: driver.id, amountFen: 8800, channel: 'wechat' });
    const n = stub.pay(o.number);
    // Through a tunnel the gateway's Host is the public name: accepted on this path only.
    const first = await notify('/notify/wechat', n, { host: 'depot.example.com' });
    expect(first).toMatchObject({ status: 204, text: '' });
    expect(getOrder(t.app, o.id).state).toBe('PAID');
    expect((await notify('/notify/wechat', n)).status).toBe(204);
    expect((await notify('/notify/wechat', stub.notification(o.number))).status).toBe(204);
    expect(wallet(t.app, driver.id)).toBe(8800);
    expect(payCredits(t, o.number).n).toBe(1);

    // Polling got there first: the notification that comes after is acknowledged and books nothing.
    const p = await createOrder(t.app, { driverId: driver.id, amountFen: 1200, channel: 'wechat' });
    stub.pay(p.number);
    t.clock.advance(5 * SECOND);
    expect((await pollDueOrders(t.app)).paid).toEqual([p.number]);
    expect((await notify('/notify/wechat', stub.notification(p.number))).status).toBe(204);
    expect(wallet(t.app, driver.id)).toBe(10000);
    expect(listUnmatched(t.app)).toEqual([]);
  });

  it('a forged, tampered or garbled notification is refused with a 4xx in the gateway’s words, and nothing changes', async () => {
    const { t, stub } = await setup();
    const notify = await door(t);
    const driver = newDriver(t.app);
    const o = await createOrder(t.app, { driverId: driver.id, amountFen: 5000, channel: 'wechat' });
    const real = stub.pay(o.number);
    const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const forged = stub.notification(o.number, attacker);
    const tampered = { headers: real.headers, body: real.body.replace('"summary":"支付成功"', '"summary":"x"') };
    for (const n of [forged, tampered, { headers: {}, body: real.body }, { headers: real.headers, body: 'not json' }]) {
      const r = await notify('/notify/wechat', n);
      expect(r.status).toBe(400);
      expect(r.type).toMatch(/application\/json/);
      expect(JSON.parse(r.text)).toMatchObject({ code: 'FAIL', message: expect.stringMatching(/wechatpay: notification/) });
    }
    expect(getOrder(t.app, o.id).state).toBe('PENDING_PAYMENT');
    expect(wallet(t.app, driver.id)).toBe(0);
    expect(listUnmatched(t.app)).toEqual([]);

    // Alipay answers in its own words: `success`, or anything else (here `fail`) to be sent again.
    const ali = await createOrder(t.app, { driverId: driver.id, amountFen: 3000, channel: 'alipay' });
    const an = simulatedProvider(t.app, 'alipay')!.pay(ali.number);
    const bad = await notify('/notify/alipay', { headers: { 'x-depotdesk-signature': '0'.repeat(64) }, body: an.body });
    expect(bad).toMatchObject({ status: 400, text: 'fail' });
    expect(getOrder(t.app, ali.id).state).toBe('PENDING_PAYMENT');
    expect(await notify('/notify/alipay', an)).toMatchObject({ status: 200, text: 'success' });
    expect(await notify('/notify/alipay', an)).toMatchObject({ status: 200, text: 'success' });
    expect(getOrder(t.app, ali.id).state).toBe('PAID');
    expect(wallet(t.app, driver.id)).toBe(3000);
  });

  it('only the two notification paths are open without the token: anything else stays guarded, and a body over 64 kB is refused', async () => {
    const { t } = await setup();
    const notify = await door(t);
    const empty = { headers: {}, body: '{}' };
    expect((await notify('/rpc', { headers: {}, body: '{"method":"auth.me"}' })).status).toBe(401);
    expect((await notify('/rpc', { headers: {}, body: '{"method":"auth.me"}' }, { host: 'depot.example.com' })).status).toBe(403);
    expect((await notify('/notify/other', empty)).status).toBe(404);
    expect((await notify('/notify/wechat/../../rpc', empty)).status).toBe(401);
    expect((await fetch(new URL('/notify/wechat', server!.url))).status).toBe(405);
    const big = await notify('/notify/wechat', { headers: {}, body: 'x'.repeat(65 * 1024) });
    expect(big.status).toBe(413);
    expect(JSON.parse(big.text)).toMatchObject({ code: 'FAIL' });
  });
});
