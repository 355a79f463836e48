import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DepotError } from '../../src-main/kernel/errors';
import { confirmPayment, createOrder, getOrder, isProviderUnknown, ProviderRefused, type OrderRow } from '../../src-main/payments';
import { AlipayProvider, chinaTime, fenOf, loadAlipayCredentials, yuanOf } from '../../src-main/payments/providers/alipay';
import { importStatement } from '../../src-main/reconciliation';
import { expectLedgerValid, MINUTE, newDriver, payApp, wallet, type PayApp } from './fixtures';
import { AlipayStub, APP_ID, china, makeAlipayKeys, NOTIFY_URL, type AlipayStubKeys } from './alipay-stub';
import { STUB_TIMEOUT_MS } from './wechat-stub';

/**
 * The Alipay provider against a local HTTPS gateway (alipay-stub.ts): real TLS, real RSA2
 * signatures both ways (the provider signs and verifies through alipay-sdk, the stub with Node's
 * crypto), signed form-encoded notifications, the gateway's failures, and a bill download that
 * the reconciliation importer takes. The orders are real (createOrder on a real database); the
 * provider is constructed directly, as the app does not pick it from config yet.
 */

let keys: AlipayStubKeys;
let keyDir: string;
beforeAll(() => {
  keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'depotdesk-alipay-keys-'));
  keys = makeAlipayKeys(keyDir);
});
afterAll(() => fs.rmSync(keyDir, { recursive: true, force: true }));

let t: PayApp | null = null;
let stub: AlipayStub | null = null;
afterEach(async () => {
  if (t) {
    expectLedgerValid(t.app);
    await t.scheduler.stop();
    t = null;
  }
  if (stub) await stub.stop();
  stub = null;
});

async function setup(extra: Record<string, unknown> = {}): Promise<{ t: PayApp; stub: AlipayStub; ali: AlipayProvider }> {
  stub = await AlipayStub.start(keys);
  t = payApp();
  const app = t.app;
  stub.now = () => app.clock.now();
  return { t, stub, ali: new AlipayProvider(loadAlipayCredentials(stub.fields(extra))) };
}

/** A real pending order, and its QR code created at the Alipay stub. */
async function order(t: PayApp, ali: AlipayProvider, amountFen: number): Promise<OrderRow> {
  const driver = newDriver(t.app);
  const o = await createOrder(t.app, { driverId: driver.id, amountFen, channel: 'alipay' });
  const expiresAt = o.createdAt + t.app.config.payments.orderTimeoutMs;
  const qr = await ali.createPayment({ orderNumber: o.number, amountFen: o.payable, description: `DepotDesk 充值 ${o.number}`, expiresAt });
  expect(qr.codeUrl).toBe(`https://qr.alipay.com/stub${o.number}`);
  return o;
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

function thrown(f: () => unknown): DepotError {
  try {
    f();
  } catch (e) {
    if (e instanceof DepotError) return e;
    throw e;
  }
  throw new Error('expected an error');
}

const seconds = (ms: number) => Math.floor(ms / 1000) * 1000;

describe('Alipay credentials', () => {
  it('turns the plain fields an admin enters into credentials: PEM or the key tool’s bare base64, the public gateway by default', async () => {
    const { stub } = await setup();
    const cr = loadAlipayCredentials(stub.fields());
    expect(cr).toMatchObject({ appId: APP_ID, notifyUrl: NOTIFY_URL, timeoutMs: STUB_TIMEOUT_MS });
    expect(cr.gateway.href).toBe(`${stub.url}/gateway.do`);
    const bare = loadAlipayCredentials({ appId: APP_ID, privateKey: keys.appPrivateBare, alipayPublicKey: keys.alipayPublicBare });
    expect(bare.gateway.href).toBe('https://openapi.alipay.com/gateway.do');
    expect(bare.timeoutMs).toBe(10_000);
    expect(bare.alipayPublicKey).toBe(keys.alipayPublicPem);
  });

  it('names the field of each problem and never echoes a key', () => {
    const base = { appId: APP_ID, privateKey: keys.appPrivatePem, alipayPublicKey: keys.alipayPublicPem };
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ ...base, appId: '2021-abc' }, 'appId', /16-digit APPID/],
      [{ ...base, privateKey: '' }, 'privateKey', /required/],
      [{ ...base, privateKey: 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC' }, 'privateKey', /not an RSA private key/],
      [{ ...base, alipayPublicKey: keys.appPublicPem }, 'alipayPublicKey', /app’s own public key \(应用公钥\)/],
      [{ ...base, alipayPublicKey: keys.appPrivatePem }, 'alipayPublicKey', /is a private key/],
      [{ ...base, alipayPublicKey: 'not a key' }, 'alipayPublicKey', /not an RSA public key/],
      [{ ...base, gateway: 'http://openapi.alipay.com/gateway.do' }, 'gateway', /https/],
      [{ ...base, appSecret: 'x' }, 'appSecret', /not an Alipay credential field/],
      [{ ...base, timeoutMs: 'fast' }, 'timeoutMs', /wrong type/],
    ];
    const secrets = [keys.appPrivatePem, keys.alipayPublicPem, keys.appPrivateBare].map((k) => k.replace(/-----[^-]+-----|\s/g, '').slice(40, 80));
    for (const [fields, field, message] of cases) {
      const e = thrown(() => loadAlipayCredentials(fields));
      expect(e.code).toBe('config_invalid');
      expect(e.message).toMatch(new RegExp(`^payments\\.alipay\\.${field}: `));
      expect(e.message).toMatch(message);
      expect(e.details).toEqual({ key: `payments.alipay.${field}` });
      for (const s of secrets) expect(e.message).not.toContain(s);
    }
  });

  it('writes amounts as exact yuan text and reads them back exactly', () => {
    expect([1234, 5, 100, 1, 99_999_999].map(yuanOf)).toEqual(['12.34', '0.05', '1.00', '0.01', '999999.99']);
    expect(['12.34', '88.8', '7', '0.01'].map(fenOf)).toEqual([1234, 8880, 700, 1]);
    expect(['1.005', '-1.00', '1e3', '', '0x10'].map(fenOf)).toEqual([null, null, null, null, null]);
    expect(() => yuanOf(12.5)).toThrow(/whole number of fen/);
    expect(chinaTime(Date.parse('2026-01-15T01:30:00Z'))).toBe('2026-01-15 09:30:00');
  });
});

describe('Alipay (当面付 precreate) against the local gateway', () => {
  it('paid: precreate, the customer pays, the query books it once, and the notification too is booked once', async () => {
    const { t, stub, ali } = await setup();
    const o = await order(t, ali, 1234);
    expect(stub.trades.get(o.number)).toMatchObject({
      amountFen: 1234,
      state: 'PRECREATED',
      timeExpire: china(o.createdAt + 30 * MINUTE),
      notifyUrl: NOTIFY_URL,
    });
    expect(stub.requests.at(-1)!.biz).toMatchObject({ out_trade_no: o.number, total_amount: '12.34' });

    expect(await ali.query(o.number)).toEqual({ state: 'NOTPAY', payment: null }); // not scanned: ACQ.TRADE_NOT_EXIST
    stub.scan(o.number);
    expect(await ali.query(o.number)).toEqual({ state: 'NOTPAY', payment: null }); // WAIT_BUYER_PAY
    const n = stub.pay(o.number);
    const q = await ali.query(o.number);
    const tradeNo = stub.trades.get(o.number)!.tradeNo!;
    expect(q.state).toBe('SUCCESS');
    expect(q.payment).toMatchObject({ channel: 'alipay', orderNumber: o.number, providerTradeNo: tradeNo, amountFen: 1234, paidAt: seconds(t.clock.now()) });
    expect(JSON.parse(q.payment!.raw)).toHaveProperty('alipay_trade_query_response.trade_status', 'TRADE_SUCCESS');
    expect(confirmPayment(t.app, q.payment!).outcome).toBe('paid');
    expect(getOrder(t.app, o.id)).toMatchObject({ state: 'PAID', providerTradeNo: tradeNo });
    expect(wallet(t.app, o.driverId)).toBe(1234);

    const fact = ali.parseNotification(n);
    expect(fact).toMatchObject({ channel: 'alipay', orderNumber: o.number, providerTradeNo: tradeNo, amountFen: 1234, raw: n.body });
    expect(confirmPayment(t.app, fact).outcome).toBe('duplicate');
    expect(confirmPayment(t.app, (await ali.query(o.number)).payment!).outcome).toBe('duplicate');
    expect(wallet(t.app, o.driverId)).toBe(1234);
    expect(stub.requests.every((r) => r.signed)).toBe(true);
  });

  it('a notification first, then the same one again (and a fresh copy): paid once', async () => {
    const { t, stub, ali } = await setup();
    const o = await order(t, ali, 5000);
    const n = stub.pay(o.number);
    expect(confirmPayment(t.app, ali.parseNotification(n)).outcome).toBe('paid');
    expect(confirmPayment(t.app, ali.parseNotification(n)).outcome).toBe('duplicate');
    expect(confirmPayment(t.app, ali.parseNotification(stub.notification(o.number))).outcome).toBe('duplicate');
    expect(wallet(t.app, o.driverId)).toBe(5000);
  });

  it('refuses a forged, tampered, other-app, unsigned or garbled notification, and nothing changes', async () => {
    const { t, stub, ali } = await setup();
    const o = await order(t, ali, 5000);
    const real = stub.pay(o.number);
    const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const bad = [
      stub.notification(o.number, { signWith: attacker }),
      { headers: real.headers, body: real.body.replace('total_amount=50.00', 'total_amount=99.00') },
      { headers: real.headers, body: real.body.replace(/&sign=[^&]*/, '') },
      { headers: real.headers, body: `${real.body}&trade_status=TRADE_SUCCESS` },
      stub.notification(o.number, { override: { app_id: '2021000999999999', auth_app_id: '2021000999999999' } }),
    ];
    expect(bad[1].body).not.toBe(real.body);
    for (const n of bad) {
      const e = thrown(() => ali.parseNotification(n));
      expect(e.code).toBe('refused');
      expect(e.message).toMatch(/^alipay: notification .*ignored$/);
    }
    expect(thrown(() => ali.parseNotification(bad[4])).message).toMatch(/for app 2021000999999999, not 2021000123456789/);
    const waiting = stub.notification(o.number, { override: { trade_status: 'WAIT_BUYER_PAY' } });
    expect(thrown(() => ali.parseNotification(waiting))).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/is not a payment/) });
    expect(getOrder(t.app, o.id).state).toBe('PENDING_PAYMENT');
    expect(wallet(t.app, o.driverId)).toBe(0);
    expect(confirmPayment(t.app, ali.parseNotification(real)).outcome).toBe('paid');
  });

  it('unpaid, then closed: a scanned trade is closed at the gateway, an unscanned QR code dies at its time_expire', async () => {
    const { t, stub, ali } = await setup();
    const scanned = await order(t, ali, 10000);
    stub.scan(scanned.number);
    expect(await ali.close(scanned.number)).toEqual({ state: 'CLOSED', payment: null });
    expect(stub.trades.get(scanned.number)!.state).toBe('TRADE_CLOSED');
    expect(await ali.query(scanned.number)).toEqual({ state: 'CLOSED', payment: null });
    expect(() => stub.pay(scanned.number)).toThrow(/closed/);
    // Closing again: ACQ.TRADE_STATUS_ERROR, then the query shows it closed (not paid).
    expect(await ali.close(scanned.number)).toEqual({ state: 'CLOSED', payment: null });
    expect(stub.requests.slice(-2).map((r) => r.method)).toEqual(['alipay.trade.close', 'alipay.trade.query']);

    const unscanned = await order(t, ali, 6600);
    // Never scanned: not a trade at Alipay (ACQ.TRADE_NOT_EXIST), which the close counts as closed...
    t.clock.advance(30 * MINUTE);
    expect(await ali.close(unscanned.number)).toEqual({ state: 'CLOSED', payment: null });
    // ...because the timeout closes at the order's expiry, which is the QR code's time_expire.
    expect(() => stub.pay(unscanned.number)).toThrow(/expired/);
    expect(await ali.query(unscanned.number)).toEqual({ state: 'NOTPAY', payment: null });
  });

  it('paid during the close: ACQ.TRADE_STATUS_ERROR comes back as the payment to book, not as a cancel', async () => {
    const { t, stub, ali } = await setup();
    const o = await order(t, ali, 8800);
    stub.pay(o.number); // the notification never reaches the depot
    const closed = await ali.close(o.number);
    expect(closed.state).toBe('SUCCESS');
    expect(closed.payment).toMatchObject({ orderNumber: o.number, amountFen: 8800, providerTradeNo: stub.trades.get(o.number)!.tradeNo });
    expect(stub.requests.slice(-2).map((r) => r.method)).toEqual(['alipay.trade.close', 'alipay.trade.query']);
    expect(stub.trades.get(o.number)!.state).toBe('TRADE_SUCCESS');
    expect(confirmPayment(t.app, closed.payment!).outcome).toBe('paid');
    expect(wallet(t.app, o.driverId)).toBe(8800);
  });

  it('an answer whose signature does not verify, a 5xx, a reset, a hang or ACQ.SYSTEM_ERROR is unknown; a definite no is a refusal', async () => {
    const { t, stub, ali } = await setup();
    const driver = newDriver(t.app);
    const o = await createOrder(t.app, { driverId: driver.id, amountFen: 3000, channel: 'alipay' });
    const input = { orderNumber: o.number, amountFen: 3000, description: 'x', expiresAt: t.clock.now() + 30 * MINUTE };
    stub.next('forge');
    const forged = await rejection(ali.createPayment(input));
    expect(isProviderUnknown(forged)).toBe(true);
    expect(forged.message).toMatch(/not believed: its signature does not verify with the Alipay public key/);
    expect(stub.trades.has(o.number)).toBe(true); // it acted: hence unknown, not refused
    for (const mode of ['500', 'reset', 'hang', 'system-error', { refuse: { subCode: 'ACQ.SOMETHING_NEW' } }] as const) {
      stub.next(mode);
      const e = await rejection(ali.query(o.number));
      expect(isProviderUnknown(e), JSON.stringify(mode)).toBe(true);
    }
    stub.next({ refuse: { subCode: 'ACQ.TOTAL_FEE_EXCEED', subMsg: '订单金额超过限额' } });
    const refused = await rejection(ali.createPayment({ ...input, orderNumber: `${o.number}-2` }));
    expect(refused).toBeInstanceOf(ProviderRefused);
    expect(refused.details).toMatchObject({ providerCode: 'ACQ.TOTAL_FEE_EXCEED', outcome: 'refused' });
    // The same order number with another amount: the gateway has it and it may be paid, so unknown.
    const reused = await rejection(ali.createPayment({ ...input, amountFen: 3100 }));
    expect(isProviderUnknown(reused)).toBe(true);
    expect(reused.message).toMatch(/already has this order \(ACQ.CONTEXT_INCONSISTENT\)/);
  });

  it('refund: success once per task id, a refusal, and an unknown outcome that the query finds done', async () => {
    const { t, stub, ali } = await setup();
    const o = await order(t, ali, 8800);
    stub.pay(o.number);
    const tradeNo = stub.trades.get(o.number)!.tradeNo!;
    const refund = (key: string, amountFen: number) => ali.refund({ idempotencyKey: key, orderNumber: o.number, totalFen: 8800, amountFen, reason: '充电未完成' });

    const first = await refund('RT-1', 3000);
    expect(first).toMatchObject({ status: 'SUCCESS', providerRefundNo: tradeNo });
    expect(JSON.parse(first.request)).toEqual({
      method: 'alipay.trade.refund',
      biz_content: { out_trade_no: o.number, refund_amount: '30.00', out_request_no: 'RT-1', refund_reason: '充电未完成' },
    });
    expect(JSON.parse(first.response)).toHaveProperty('alipay_trade_refund_response.fund_change', 'Y');
    expect((await refund('RT-1', 3000)).status).toBe('PROCESSING'); // a repeat moves no money: fund_change N
    expect(stub.trades.get(o.number)!.refundedFen).toBe(3000);
    expect(await ali.queryRefund('RT-1', o.number)).toMatchObject({ status: 'SUCCESS', providerRefundNo: tradeNo });
    expect((await ali.queryRefund('RT-never', o.number)).status).toBe('NOT_FOUND');

    const tooMuch = await rejection(refund('RT-2', 9000));
    expect(tooMuch).toBeInstanceOf(ProviderRefused);
    expect(tooMuch.details).toMatchObject({ providerCode: 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL' });
    expect((await ali.queryRefund('RT-2', o.number)).status).toBe('NOT_FOUND');

    stub.next('reset'); // lost before the gateway acted
    expect(isProviderUnknown(await rejection(refund('RT-3', 5800)))).toBe(true);
    expect((await ali.queryRefund('RT-3', o.number)).status).toBe('NOT_FOUND');
    stub.next('500-after'); // the gateway refunded, the answer was lost
    expect(isProviderUnknown(await rejection(refund('RT-3', 5800)))).toBe(true);
    expect(await ali.queryRefund('RT-3', o.number)).toMatchObject({ status: 'SUCCESS', providerRefundNo: tradeNo });
    expect(stub.refunds.size).toBe(2);
    // Fully refunded: TRADE_CLOSED with a payment date is a refund, not an unpaid close.
    const q = await ali.query(o.number);
    expect(q.state).toBe('REFUND');
    expect(q.payment).toMatchObject({ amountFen: 8800, providerTradeNo: tradeNo });
  });

  it('downloads the day’s trade bill as a ZIP that the reconciliation importer accepts; no bill on a day without trades', async () => {
    const { t, stub, ali } = await setup();
    const a = await order(t, ali, 10000);
    const b = await order(t, ali, 6600);
    stub.pay(a.number);
    stub.pay(b.number);
    const day = china(t.clock.now()).slice(0, 10);
    const bill = await ali.downloadStatement(day);
    expect(bill!.fileName).toBe(`alipay_trade_${APP_ID}_${day.replaceAll('-', '')}.zip`);
    expect(bill!.bytes.subarray(0, 2).toString('latin1')).toBe('PK');
    const imported = await importStatement(t.app, bill!.bytes, bill!.fileName);
    expect(imported.imported).toBe(true);
    expect(imported.statement).toMatchObject({ channel: 'alipay', paymentCount: 2, paymentTotalFen: 16600, refundCount: 0 });

    expect(await ali.downloadStatement('2020-01-01')).toBeNull();
    stub.next('ok', '500'); // the link comes, the file does not
    expect(isProviderUnknown(await rejection(ali.downloadStatement(day)))).toBe(true);
    expect((await rejection(ali.downloadStatement('2026/01/01'))).code).toBe('invalid_input');
  });

  it('test connection proves our signature and Alipay’s; a wrong key says which one', async () => {
    const { stub, ali } = await setup();
    expect((await ali.testConnection()).detail).toMatch(/ACQ\.TRADE_NOT_EXIST.*verified with the Alipay public key/);
    // Credentials built in code may carry the private key as a PEM string, PKCS#1 too.
    const pkcs1 = createPrivateKey(keys.appPrivatePem).export({ type: 'pkcs1', format: 'pem' }).toString();
    const fromPem = new AlipayProvider({ ...loadAlipayCredentials(stub.fields()), privateKey: pkcs1 });
    expect((await fromPem.testConnection()).detail).toMatch(/ACQ\.TRADE_NOT_EXIST/);

    const otherApp = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const wrongOurs = new AlipayProvider(loadAlipayCredentials(stub.fields({ privateKey: otherApp })));
    const e = await rejection(wrongOurs.testConnection());
    expect(e).toBeInstanceOf(ProviderRefused);
    expect(e.details).toMatchObject({ providerCode: 'isv.invalid-signature' });

    const otherAlipay = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const wrongTheirs = new AlipayProvider(loadAlipayCredentials(stub.fields({ alipayPublicKey: otherAlipay })));
    const u = await rejection(wrongTheirs.testConnection());
    expect(isProviderUnknown(u)).toBe(true);
    expect(u.message).toMatch(/does not verify with the Alipay public key/);
    expect(stub.requests.map((r) => r.signed)).toEqual([true, true, false, true]);
  });
});
