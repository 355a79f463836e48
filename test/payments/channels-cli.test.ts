import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers';
import { AlipayStub, APP_ID, makeAlipayKeys, type AlipayStubKeys } from './alipay-stub';
import { APPID, MCHID, MERCHANT_SERIAL, makeStubKeys, PLATFORM_SERIAL, WechatStub, type StubKeys } from './wechat-stub';

/**
 * Issue 20's "Done when", on the command line: a depot set up and run only through `depotdesk`
 * (node bin/depotdesk.js, a process per command, on the real clock) against the local WeChat Pay
 * gateway (wechat-stub.ts) running in this test process. The admin stores the merchant's
 * credentials from a file and tests them; an order with a coupon and points is paid at the gateway
 * with no notification reaching the depot, and `order confirm` (查询订单) books it once; a refund
 * goes through the adjustment and refund task to the gateway; an order left unpaid past
 * payments.orderTimeoutMs (1 min, the least the config allows) is closed at the gateway by the
 * timeout run and cancelled with its coupon and points back. No secret is ever printed. The same
 * cycle runs again on the alipay channel against the local Alipay gateway (alipay-stub.ts), whose
 * unpaid order is scanned first so that a trade exists for the timeout to close.
 *
 * The stub answers on this process's event loop, so the CLI is run asynchronously here (helpers'
 * cli() blocks the loop while its child runs, and the child would wait on the stub forever).
 *
 * Each story waits out its unpaid order's minute on the real clock, so the two run side by side
 * (describe.concurrent): each has its own depot and its own gateway stub, and its depot's folder lives
 * under this file's key folder (tempDir's folders are removed after each test, which would pull a
 * folder from under the other story). A key printed by either story's commands still fails both.
 */

const PASSWORD = 'correct-horse-cli';
const env = { DEPOTDESK_PASSWORD: PASSWORD, DEPOTDESK_NEW_PASSWORD: PASSWORD };
const TIMEOUT_MS = 60_000;
/** payments.orderTimeoutMs: the shortest the config accepts. */
const ORDER_TIMEOUT_MS = 60_000;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  json<T>(): T;
}

/** Every line any command printed: no secret may be in it. */
const printed: string[] = [];

function depotdesk(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'depotdesk.js'), ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    // Bounded: a command that hangs on the gateway must fail the test, not stall it.
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      printed.push(stdout, stderr);
      if (code === null) return reject(new Error(`depotdesk ${args.join(' ')} was killed (${signal}):\n${stdout}${stderr}`));
      resolve({ code, stdout, stderr, json: <T>() => JSON.parse(stdout) as T });
    });
  });
}

let keys: StubKeys;
let keyDir: string;
let stub: WechatStub;
let alipayKeys: AlipayStubKeys;
let alipay: AlipayStub;
beforeAll(async () => {
  // The stubs' keys live as long as the file's tests (tempDir's folders go after each test).
  keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'depotdesk-channels-cli-keys-'));
  keys = makeStubKeys(keyDir);
  stub = await WechatStub.start(keys);
  fs.mkdirSync(path.join(keyDir, 'alipay'));
  alipayKeys = makeAlipayKeys(path.join(keyDir, 'alipay'));
  alipay = await AlipayStub.start(alipayKeys);
});
afterAll(async () => {
  await stub.stop();
  await alipay.stop();
  fs.rmSync(keyDir, { recursive: true, force: true });
});

const pem = (file: string) => fs.readFileSync(file, 'utf8');
/** A line from the middle of a PEM: what a printed key would contain. */
const pemBody = (text: string) => text.split('\n')[5];

interface Order {
  id: string;
  number: string;
  state: string;
  payable: { fen: number; yuan: string };
  coupon: { amount: { yuan: string } };
  points: number;
}
/** `wallet show --json`. */
interface Wallet {
  balance: { yuan: string };
  points: number;
  coupons: { couponId: string; remaining: { yuan: string } }[];
}

/** A depot set up through the CLI: config pointing WeChat Pay at its stub and trusting the Alipay stub's CA, an admin, a second supervisor. */
async function setUpDepot(): Promise<{ dir: string; as: (who: string) => string[] }> {
  const dir = fs.mkdtempSync(path.join(keyDir, 'depot-'));
  const alipayCa = path.join(keyDir, 'alipay_ca.pem');
  if (!fs.existsSync(alipayCa)) fs.writeFileSync(alipayCa, alipayKeys.tlsCert);
  const config = {
    payments: {
      orderTimeoutMs: ORDER_TIMEOUT_MS,
      wechat: { apiBaseUrl: stub.url, caFile: keys.caFile, notifyUrl: 'https://depot.example.com/notify/wechat', timeoutMs: 10_000 },
      // Alipay's gateway address comes with the credentials; the config only trusts the stub's certificate.
      alipay: { caFile: alipayCa, timeoutMs: 10_000 },
    },
  };
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2));
  const init = await depotdesk(['init', '--admin', 'cw.admin', '--data-dir', dir]);
  expect(init.code, init.stderr).toBe(0);
  const as = (who: string) => ['--data-dir', dir, '--as', who, '--json'];
  const sup = await depotdesk(['operator', 'add', '--name', 'cw.sup', '--role', 'supervisor', ...as('cw.admin')]);
  expect(sup.code, sup.stderr).toBe(0);
  return { dir, as };
}

async function ok<T>(args: string[]): Promise<T> {
  const r = await depotdesk(args);
  expect(r.code, `depotdesk ${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(0);
  return r.json<T>();
}

/** A driver with a ¥30.00 coupon and 500 points, all through the CLI. */
async function driverWithCoupon(as: string[], name: string, phone: string): Promise<{ driverId: string; couponId: string }> {
  const d = await ok<{ id: string }>(['driver', 'add', '--name', name, '--phone', phone, ...as]);
  const c = await ok<{ couponId: string }>(['coupon', 'grant', '--driver', d.id, '--amount', '30.00', '--key', `cli:coupon:${phone}`, ...as]);
  await ok(['points', 'grant', '--driver', d.id, '--points', '500', '--key', `cli:points:${phone}`, ...as]);
  return { driverId: d.id, couponId: c.couponId };
}

async function storeAndTestCredentials(dir: string, as: string[]): Promise<void> {
  const file = path.join(dir, 'wechat-credentials.json');
  const creds = {
    settings: { mchid: MCHID, appid: APPID, merchantSerial: MERCHANT_SERIAL, platformSerial: PLATFORM_SERIAL },
    secrets: { merchantPrivateKey: pem(keys.merchantKeyFile), apiV3Key: keys.apiV3Key, platformCertificate: pem(keys.platformCertFile) },
  };
  // A key that does not parse is refused naming its field, without echoing the value; nothing is stored.
  const badKey = 'not-a-32-character-api-v3-key-but-a-secret-anyway';
  fs.writeFileSync(file, JSON.stringify({ ...creds, secrets: { ...creds.secrets, apiV3Key: badKey } }), { mode: 0o600 });
  const refused = await depotdesk(['payments', 'channel', 'set', 'wechat', '--from-file', file, ...as]);
  expect(refused.code, refused.stderr).toBe(2); // the core's invalid_input: a usage error, naming the field
  expect(refused.stderr).toContain('secrets.apiV3Key');
  expect(refused.stdout + refused.stderr).not.toContain(badKey);
  fs.writeFileSync(file, JSON.stringify(creds), { mode: 0o600 });
  const saved = await ok<{ version: number; summary: Record<string, string> }>(['payments', 'channel', 'set', 'wechat', '--from-file', file, ...as]);
  expect(saved).toMatchObject({ version: 1, summary: { mchid: MCHID, merchantSerial: MERCHANT_SERIAL, platformSerial: PLATFORM_SERIAL } });
  fs.rmSync(file);

  const before = stub.requests.length;
  const tested = await ok<{ testOk: boolean; testMessage: string }>(['payments', 'channel', 'test', 'wechat', ...as]);
  expect(tested.testOk, tested.testMessage).toBe(true);
  // The test was a signed call the gateway verified, not a guess.
  expect(stub.requests.slice(before).some((r) => r.signed)).toBe(true);
  const shown = await depotdesk(['payments', 'channel', 'show', '--data-dir', dir, '--as', 'cw.admin']);
  expect(shown.code, shown.stderr).toBe(0);
  expect(shown.stdout).toMatch(/wechat: wechat \(settings\)\s+online/);
  expect(shown.stdout).toContain(`mchid          ${MCHID}`);
}

describe.concurrent('the full payment cycle through the depotdesk CLI against the WeChat Pay stub', () => {
  it('credentials stored and tested; paid → confirmed by query once → refunded at the gateway; unpaid → closed at the gateway at the timeout → coupon and points restored', async () => {
    const { dir, as } = await setUpDepot();
    const admin = as('cw.admin');
    await storeAndTestCredentials(dir, admin);

    // The order left unpaid is made first: its minute runs while the other is paid and refunded.
    const late = await driverWithCoupon(admin, '林师傅', '13800000002');
    const unpaid = await ok<Order>(['order', 'create', '--driver', late.driverId, '--amount', '100.00', '--coupon', late.couponId, '--points', '200', '--channel', 'wechat', ...admin]); // prettier-ignore
    const unpaidAt = Date.now();
    expect(stub.orders.get(unpaid.number)).toMatchObject({ amount: 6800, state: 'NOTPAY' });

    // Paid at the gateway; no notification reaches the depot. Asking the gateway books it, once.
    const buyer = await driverWithCoupon(admin, '陈师傅', '13800000001');
    const order = await ok<Order>(['order', 'create', '--driver', buyer.driverId, '--amount', '100.00', '--coupon', buyer.couponId, '--points', '200', '--channel', 'wechat', ...admin]); // prettier-ignore
    expect(order).toMatchObject({ state: 'PENDING_PAYMENT', payable: { yuan: '68.00' }, coupon: { amount: { yuan: '30.00' } }, points: 200 });
    expect(stub.orders.get(order.number)).toMatchObject({ amount: 6800, state: 'NOTPAY' });
    stub.pay(order.number);
    const first = await ok<{ outcome: string; order: Order; tradeState: string }>(['order', 'confirm', order.number, '--via', 'query', ...admin]);
    expect(first).toMatchObject({ outcome: 'paid', tradeState: 'SUCCESS', order: { state: 'PAID' } });
    const again = await ok<{ outcome: string; order: Order }>(['order', 'confirm', order.number, ...admin]);
    expect(again).toMatchObject({ outcome: 'duplicate', order: { state: 'PAID' } });
    expect((await ok<Wallet>(['wallet', 'show', '--driver', buyer.driverId, ...admin])).balance.yuan).toBe('100.00');

    // A refund of ¥20.00: opened by the admin, approved by another supervisor, sent by the refund task.
    const adj = await ok<{ id: string }>(['adjustment', 'create', '--order', order.id, '--amount', '20.00', '--reason', '多充退回', ...admin]);
    await ok(['adjustment', 'approve', adj.id, '--note', '核实无误', ...as('cw.sup')]);
    const run = await ok<{ processed: { id: string; state: string }[] }>(['refund-task', 'run', ...admin]);
    expect(run.processed.map((p) => p.state)).toEqual(['completed']);
    const refunds = [...stub.refunds.values()];
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({ outTradeNo: order.number, refund: 2000, total: 6800, status: 'SUCCESS' });
    expect(stub.orders.get(order.number)?.state).toBe('REFUND');
    expect((await ok<Wallet>(['wallet', 'show', '--driver', buyer.driverId, ...admin])).balance.yuan).toBe('80.00');

    // Before its minute is up the timeout leaves the unpaid order alone…
    if (Date.now() - unpaidAt < ORDER_TIMEOUT_MS - 15_000) {
      const early = await ok<{ cancelled: unknown[] }>(['order', 'expire', ...admin]);
      expect(early.cancelled).toEqual([]);
      expect(stub.orders.get(unpaid.number)?.state).toBe('NOTPAY');
    }
    // …and once it is up, closes it at the gateway first, then cancels it with its coupon and points back.
    await new Promise((r) => setTimeout(r, Math.max(0, unpaidAt + ORDER_TIMEOUT_MS + 2_000 - Date.now())));
    const expired = await ok<{ cancelled: { number: string; gateway: string; restoredCouponFen: number; restoredPoints: number }[] }>(['order', 'expire', ...admin]); // prettier-ignore
    expect(expired.cancelled).toEqual([expect.objectContaining({ number: unpaid.number, gateway: 'closed', restoredCouponFen: 3000, restoredPoints: 200 })]);
    expect(stub.orders.get(unpaid.number)?.state).toBe('CLOSED');
    expect(() => stub.pay(unpaid.number)).toThrow(/closed/);
    expect((await ok<Order>(['order', 'show', unpaid.number, ...admin])).state).toBe('CANCELLED');
    const back = await ok<Wallet>(['wallet', 'show', '--driver', late.driverId, ...admin]);
    expect(back.points).toBe(500);
    expect(back.coupons.find((c) => c.couponId === late.couponId)?.remaining.yuan).toBe('30.00');
    expect(back.balance.yuan).toBe('0.00');
    // The paid order is untouched by the timeout.
    expect((await ok<Order>(['order', 'show', order.number, ...admin])).state).toBe('PAID');

    const verify = await depotdesk(['ledger', 'verify', '--data-dir', dir]);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);

    const everything = printed.join('\n');
    expect(everything.includes(keys.apiV3Key), 'a command printed the API v3 key').toBe(false);
    expect(everything.includes(pemBody(pem(keys.merchantKeyFile))), 'a command printed the merchant private key').toBe(false);
  }, 300_000);
});

async function storeAndTestAlipayCredentials(dir: string, as: string[]): Promise<void> {
  const file = path.join(dir, 'alipay-credentials.json');
  const creds = {
    settings: { appId: APP_ID, gateway: `${alipay.url}/gateway.do` },
    // The private key as Alipay's key tool writes it (bare base64), Alipay's public key as PEM.
    secrets: { appPrivateKey: alipayKeys.appPrivateBare, alipayPublicKey: alipayKeys.alipayPublicPem },
  };
  fs.writeFileSync(file, JSON.stringify(creds), { mode: 0o600 });
  const saved = await ok<{ version: number; summary: Record<string, string> }>(['payments', 'channel', 'set', 'alipay', '--from-file', file, ...as]);
  expect(saved).toMatchObject({ version: 1, summary: { appId: APP_ID, gateway: `${alipay.url}/gateway.do` } });
  fs.rmSync(file);

  const before = alipay.requests.length;
  const tested = await ok<{ testOk: boolean; testMessage: string }>(['payments', 'channel', 'test', 'alipay', ...as]);
  expect(tested.testOk, tested.testMessage).toBe(true);
  // The test was a signed call the gateway verified (app_id, timestamp and RSA2 signature), not a guess.
  expect(alipay.requests.slice(before).length).toBeGreaterThan(0);
  expect(alipay.requests.slice(before).every((r) => r.signed)).toBe(true);
  const shown = await depotdesk(['payments', 'channel', 'show', '--data-dir', dir, '--as', 'cw.admin']);
  expect(shown.code, shown.stderr).toBe(0);
  expect(shown.stdout).toMatch(/alipay: alipay \(settings\)\s+online/);
}

describe.concurrent('the full payment cycle through the depotdesk CLI against the Alipay stub', () => {
  it('credentials stored and tested; paid → confirmed by query once → refunded at the gateway; scanned but unpaid → closed at the gateway at the timeout → coupon and points restored', async () => {
    const { dir, as } = await setUpDepot();
    const admin = as('cw.admin');
    await storeAndTestAlipayCredentials(dir, admin);

    // The order left unpaid is made first and scanned (now a trade at Alipay, which only a close ends).
    const late = await driverWithCoupon(admin, '周师傅', '13800000012');
    const unpaid = await ok<Order>(['order', 'create', '--driver', late.driverId, '--amount', '100.00', '--coupon', late.couponId, '--points', '200', '--channel', 'alipay', ...admin]); // prettier-ignore
    const unpaidAt = Date.now();
    expect(alipay.trades.get(unpaid.number)).toMatchObject({ amountFen: 6800, state: 'PRECREATED' });
    alipay.scan(unpaid.number);

    // Scanned and paid at the gateway; no notification reaches the depot. Asking the gateway books it, once.
    const buyer = await driverWithCoupon(admin, '吴师傅', '13800000011');
    const order = await ok<Order>(['order', 'create', '--driver', buyer.driverId, '--amount', '100.00', '--coupon', buyer.couponId, '--points', '200', '--channel', 'alipay', ...admin]); // prettier-ignore
    expect(order).toMatchObject({ state: 'PENDING_PAYMENT', payable: { yuan: '68.00' }, coupon: { amount: { yuan: '30.00' } }, points: 200 });
    expect(alipay.trades.get(order.number)).toMatchObject({ amountFen: 6800, state: 'PRECREATED' });
    alipay.scan(order.number);
    alipay.pay(order.number);
    const first = await ok<{ outcome: string; order: Order }>(['order', 'confirm', order.number, '--via', 'query', ...admin]);
    expect(first).toMatchObject({ outcome: 'paid', order: { state: 'PAID' } });
    expect(alipay.requests.some((r) => r.method === 'alipay.trade.query' && r.biz.out_trade_no === order.number && r.signed)).toBe(true);
    const again = await ok<{ outcome: string; order: Order }>(['order', 'confirm', order.number, ...admin]);
    expect(again).toMatchObject({ outcome: 'duplicate', order: { state: 'PAID' } });
    expect((await ok<Wallet>(['wallet', 'show', '--driver', buyer.driverId, ...admin])).balance.yuan).toBe('100.00');

    // A refund of ¥20.00: opened by the admin, approved by another supervisor, sent by the refund task.
    const adj = await ok<{ id: string }>(['adjustment', 'create', '--order', order.id, '--amount', '20.00', '--reason', '多充退回', ...admin]);
    await ok(['adjustment', 'approve', adj.id, '--note', '核实无误', ...as('cw.sup')]);
    const run = await ok<{ processed: { id: string; state: string }[] }>(['refund-task', 'run', ...admin]);
    expect(run.processed.map((p) => p.state)).toEqual(['completed']);
    expect([...alipay.refunds.values()]).toEqual([expect.objectContaining({ outTradeNo: order.number, amountFen: 2000 })]);
    expect(alipay.trades.get(order.number)).toMatchObject({ state: 'TRADE_SUCCESS', refundedFen: 2000 });
    expect((await ok<Wallet>(['wallet', 'show', '--driver', buyer.driverId, ...admin])).balance.yuan).toBe('80.00');

    await expireAtTheGateway(as, { number: unpaid.number, driverId: late.driverId, couponId: late.couponId, at: unpaidAt });
    // The paid order is untouched by the timeout.
    expect((await ok<Order>(['order', 'show', order.number, ...admin])).state).toBe('PAID');

    const verify = await depotdesk(['ledger', 'verify', '--data-dir', dir]);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(printed.join('\n').includes(alipayKeys.appPrivateBare.slice(40, 120)), 'a command printed the app private key').toBe(false);
  }, 300_000);
});

/** The scanned, unpaid Alipay order: left alone before its minute, then closed at the gateway and cancelled by a supervisor's `order expire`. */
async function expireAtTheGateway(as: (who: string) => string[], unpaid: { number: string; driverId: string; couponId: string; at: number }): Promise<void> {
  const sup = as('cw.sup');
  if (Date.now() - unpaid.at < ORDER_TIMEOUT_MS - 15_000) {
    const early = await ok<{ cancelled: unknown[] }>(['order', 'expire', ...sup]);
    expect(early.cancelled).toEqual([]);
    expect(alipay.trades.get(unpaid.number)?.state).toBe('WAIT_BUYER_PAY');
  }
  await new Promise((r) => setTimeout(r, Math.max(0, unpaid.at + ORDER_TIMEOUT_MS + 2_000 - Date.now())));
  const expired = await ok<{ cancelled: { number: string; gateway: string; restoredCouponFen: number; restoredPoints: number }[] }>(['order', 'expire', ...sup]); // prettier-ignore
  expect(expired.cancelled).toEqual([expect.objectContaining({ number: unpaid.number, gateway: 'closed', restoredCouponFen: 3000, restoredPoints: 200 })]);
  // Closed by alipay.trade.close (a scanned QR is a trade; ACQ.TRADE_NOT_EXIST would leave it WAIT_BUYER_PAY).
  expect(alipay.trades.get(unpaid.number)?.state).toBe('TRADE_CLOSED');
  expect(alipay.requests.some((r) => r.method === 'alipay.trade.close' && r.biz.out_trade_no === unpaid.number && r.signed)).toBe(true);
  expect(() => alipay.pay(unpaid.number)).toThrow(/closed/);
  expect((await ok<Order>(['order', 'show', unpaid.number, ...sup])).state).toBe('CANCELLED');
  const back = await ok<Wallet>(['wallet', 'show', '--driver', unpaid.driverId, ...sup]);
  expect(back.points).toBe(500);
  expect(back.coupons.find((c) => c.couponId === unpaid.couponId)?.remaining.yuan).toBe('30.00');
  expect(back.balance.yuan).toBe('0.00');
}
