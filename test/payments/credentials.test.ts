import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openCore } from '../../src-main/boot/core';
import { FakeClock } from '../../src-main/kernel/clock';
import type { AppContext } from '../../src-main/kernel/context';
import type { DepotEvent } from '../../src-main/kernel/events';
import type { OperatorIdentity } from '../../src-main/kernel/method';
import { confirmByQuery, createOrder, getOrder, isProviderUnknown, providerFor, WechatPayProvider } from '../../src-main/payments';
import { AlipayProvider } from '../../src-main/payments/providers/alipay';
import { addOperator, call, ok, tempDir } from '../helpers';
import { newDriver, wallet } from './fixtures';
import { AlipayStub, APP_ID, makeAlipayKeys, type AlipayStubKeys } from './alipay-stub';
import { APPID, MCHID, MERCHANT_SERIAL, makeStubKeys, PLATFORM_SERIAL, STUB_TIMEOUT_MS, WechatStub, type StubKeys } from './wechat-stub';

/**
 * Gateway credentials entered in Settings (payments/credentials.ts): an admin saves a merchant's
 * WeChat Pay keys, they are sealed under a key outside the database, tested against the local
 * gateway (wechat-stub.ts), used for real orders, and the channel's reachability is recorded for
 * the operator's offline tag. Every core here logs at trace level into `logLines`, so a secret
 * that reached a log line would be found.
 */

let keys: StubKeys;
let alipayKeys: AlipayStubKeys;
let keyDir: string;
beforeAll(() => {
  keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'depotdesk-cred-keys-'));
  keys = makeStubKeys(keyDir);
  // Both stubs name their TLS files alike: one folder each.
  fs.mkdirSync(path.join(keyDir, 'alipay'));
  alipayKeys = makeAlipayKeys(path.join(keyDir, 'alipay'));
  fs.writeFileSync(path.join(keyDir, 'alipay_ca.pem'), alipayKeys.tlsCert);
});
afterAll(() => fs.rmSync(keyDir, { recursive: true, force: true }));

const pemOf = (file: string) => fs.readFileSync(file, 'utf8');
/** A line from the middle of a PEM: what a leak of the key would contain. */
const pemBody = (pem: string) => pem.split('\n')[5];

const logLines: string[] = [];
const stops: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (stops.length > 0) await stops.pop()!();
});

interface Depot {
  app: AppContext;
  dir: string;
  clock: FakeClock;
  admin: OperatorIdentity;
  events: DepotEvent[];
}

/** A core whose WeChat Pay gateway address is `baseUrl` (config), with nothing set up for a channel. */
async function depot(baseUrl: string, dir = tempDir()): Promise<Depot> {
  const clock = new FakeClock('2026-01-15T01:00:00Z');
  const log = pino({ level: 'trace' }, { write: (line: string) => void logLines.push(line) });
  const overrides = {
    payments: {
      wechat: { apiBaseUrl: baseUrl, caFile: keys.caFile, timeoutMs: STUB_TIMEOUT_MS },
      alipay: { caFile: path.join(keyDir, 'alipay_ca.pem'), timeoutMs: STUB_TIMEOUT_MS },
    },
  };
  const app = openCore({ dataDir: dir, mode: 'test', clock, log, overrides });
  stops.push(() => app.close());
  const events: DepotEvent[] = [];
  app.events.subscribe((e) => events.push(e));
  return { app, dir, clock, admin: await addOperator(app, 'admin'), events };
}

async function startStub(): Promise<WechatStub> {
  const stub = await WechatStub.start(keys);
  stops.push(() => stub.stop());
  return stub;
}

function wechatInput(over: { expectedVersion?: number; settings?: object; secrets?: object } = {}) {
  return {
    channel: 'wechat',
    expectedVersion: over.expectedVersion ?? 0,
    settings: { mchid: MCHID, appid: APPID, merchantSerial: MERCHANT_SERIAL, platformSerial: PLATFORM_SERIAL, ...over.settings },
    secrets: { merchantPrivateKey: pemOf(keys.merchantKeyFile), apiV3Key: keys.apiV3Key, platformCertificate: pemOf(keys.platformCertFile), ...over.secrets },
  };
}

interface Cred {
  version: number;
  summary: Record<string, string>;
  testOk: boolean | null;
  testMessage: string | null;
}
interface Channel {
  channel: string;
  provider: string;
  source: string;
  credentials: Cred | null;
  health: { online: boolean; lastError: string | null; lastOkAt: number | null; lastErrorAt: number | null } | null;
}

const channels = (d: Depot, as: OperatorIdentity = d.admin) => ok<Channel[]>(d.app, as, 'payments.channels');
const wechatChannel = async (d: Depot, as?: OperatorIdentity) => (await channels(d, as)).find((c) => c.channel === 'wechat')!;

/** Every byte of the database (main file and WAL) as text. */
function databaseBytes(app: AppContext): string {
  app.sqlite.pragma('wal_checkpoint(TRUNCATE)');
  const files = [app.sqlite.name, `${app.sqlite.name}-wal`].filter((f) => fs.existsSync(f));
  return Buffer.concat(files.map((f) => fs.readFileSync(f))).toString('latin1');
}

function expectNoSecretIn(text: string, label: string): void {
  expect(text.includes(keys.apiV3Key), `${label} holds the API v3 key`).toBe(false);
  expect(text.includes(pemBody(pemOf(keys.merchantKeyFile))), `${label} holds the merchant private key`).toBe(false);
}

describe('credentials entered in Settings', () => {
  it('are sealed: the key file is 0600 beside the database, the database holds neither the API v3 key nor the private key, and the screen gets a summary', async () => {
    const d = await depot('https://127.0.0.1:9');
    expect(fs.existsSync(path.join(d.dir, 'secrets-key'))).toBe(false);
    const saved = await ok<Cred>(d.app, d.admin, 'payments.saveCredentials', wechatInput({ settings: { notifyUrl: 'https://depot.example.com/notify/wechat' } }));

    const keyFile = path.join(path.dirname(d.app.sqlite.name), 'secrets-key');
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(keyFile, 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
    expectNoSecretIn(databaseBytes(d.app), 'the database file');
    expect(databaseBytes(d.app)).toContain(MCHID);

    expect(saved).toMatchObject({ version: 1, testOk: null });
    expect(saved.summary).toMatchObject({ mchid: MCHID, appid: APPID, merchantSerial: MERCHANT_SERIAL, platformSerial: PLATFORM_SERIAL });
    expect(saved.summary.merchantKey).toMatch(/^[0-9a-f]{8}$/);
    expect(saved.summary.platformKey).toMatch(/^[0-9a-f]{8}$/);
    const listed = await wechatChannel(d);
    expect(listed).toMatchObject({ provider: 'wechat', source: 'settings', credentials: { version: 1 } });
    expectNoSecretIn(JSON.stringify(listed), 'payments.channels');

    // The audit row keeps who saved what, with the secrets blanked.
    const audit = d.app.sqlite.prepare("SELECT input_summary AS s, result FROM audit_log WHERE method = 'payments.saveCredentials'").all() as {
      s: string;
      result: string;
    }[];
    expect(audit).toHaveLength(1);
    expect(audit[0].s).toContain(MCHID);
    expect(audit[0].s).toContain('"secrets":"***"');
    expectNoSecretIn(audit[0].s, 'the audit row');
    expectNoSecretIn(logLines.join('\n'), 'the log');
  });

  it('a bad PEM, a 31-byte API v3 key or an unknown field is refused naming the field, and nothing is stored', async () => {
    const d = await depot('https://127.0.0.1:9');
    const refused = async (input: unknown) => {
      const r = await call(d.app, d.admin, 'payments.saveCredentials', input);
      if (r.ok) throw new Error('expected a refusal');
      expectNoSecretIn(JSON.stringify(r.error), 'the error');
      return r.error;
    };
    const badPem = await refused(wechatInput({ secrets: { merchantPrivateKey: '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----' } }));
    expect(badPem).toMatchObject({ code: 'invalid_input', details: { field: 'secrets.merchantPrivateKey' } });
    expect(badPem.message).toMatch(/secrets\.merchantPrivateKey: is not a PEM private key/);
    const short = await refused(wechatInput({ secrets: { apiV3Key: keys.apiV3Key.slice(0, 31) } }));
    expect(short.message).toMatch(/secrets\.apiV3Key: the API v3 key must be 32 characters \(got 31\)/);
    expect((await refused(wechatInput({ secrets: { platformCertificate: pemOf(keys.platformPublicKeyFile) } }))).message).toMatch(
      /secrets\.platformCertificate: is not a PEM certificate/,
    );
    expect((await refused(wechatInput({ settings: { notifyUrl: 'http://depot.example.com/n' } }))).message).toMatch(/settings\.notifyUrl: must be an https/);
    const unknown = await refused({ ...wechatInput(), secrets: { ...wechatInput().secrets, password: 'x' } });
    expect(unknown.code).toBe('invalid_input');
    expect(unknown.message).toMatch(/secrets: .*password/);
    expect((await refused(wechatInput({ settings: { publicKeyId: 'PUB_KEY_ID_0114' } }))).message).toMatch(/settings\.platformSerial: give either/);
    expect(d.app.sqlite.prepare('SELECT count(*) FROM payment_credentials').pluck().get()).toBe(0);
    // Without a notify URL in Settings or in config, WeChat Pay cannot take orders: refused up front.
    expect((await refused(wechatInput())).message).toMatch(/settings\.notifyUrl: required/);
  });

  it('is versioned: a save or removal against an older version is refused; a blank secret keeps the stored one', async () => {
    const d = await depot('https://127.0.0.1:9');
    const notifyUrl = 'https://depot.example.com/notify/wechat';
    await ok(d.app, d.admin, 'payments.saveCredentials', wechatInput({ settings: { notifyUrl } }));
    const stale = await call(d.app, d.admin, 'payments.saveCredentials', wechatInput({ settings: { notifyUrl } }));
    expect(stale.ok ? null : stale.error).toMatchObject({ code: 'conflict', details: { field: 'expectedVersion', version: 1 } });

    const blank = { merchantPrivateKey: '', apiV3Key: '', platformCertificate: '' };
    const v2 = await ok<Cred>(
      d.app,
      d.admin,
      'payments.saveCredentials',
      wechatInput({ expectedVersion: 1, settings: { notifyUrl, appid: 'wx7777777777777777' }, secrets: blank }),
    );
    expect(v2).toMatchObject({ version: 2, summary: { appid: 'wx7777777777777777' } });
    expect(v2.summary.merchantKey).toBe((await wechatChannel(d)).credentials!.summary.merchantKey);

    // Switching to a WeChat Pay public key needs that key: the stored certificate is not carried over.
    const noKey = await call(
      d.app,
      d.admin,
      'payments.saveCredentials',
      wechatInput({ expectedVersion: 2, settings: { notifyUrl, platformSerial: undefined, publicKeyId: 'PUB_KEY_ID_0114' }, secrets: blank }),
    );
    expect(noKey.ok ? null : noKey.error.message).toMatch(/secrets\.publicKey: required/);

    const gone = await call(d.app, d.admin, 'payments.removeCredentials', { channel: 'wechat', expectedVersion: 1 });
    expect(gone.ok ? null : gone.error.code).toBe('conflict');
    await ok(d.app, d.admin, 'payments.removeCredentials', { channel: 'wechat', expectedVersion: 2 });
    expect(await wechatChannel(d)).toMatchObject({ provider: 'simulated', source: 'simulated', credentials: null });
  });

  it('only an admin enters, removes or tests them; every role sees the channels; a refused attempt is audited without the secrets', async () => {
    const d = await depot('https://127.0.0.1:9');
    for (const role of ['operator', 'supervisor', 'finance'] as const) {
      const who = await addOperator(d.app, role);
      for (const [m, input] of [
        ['payments.saveCredentials', wechatInput()],
        ['payments.removeCredentials', { channel: 'wechat', expectedVersion: 1 }],
        ['payments.testConnection', { channel: 'wechat' }],
      ] as const) {
        const r = await call(d.app, who, m, input);
        expect(r.ok ? null : r.error.code, `${role} ${m}`).toBe('forbidden');
      }
      expect((await channels(d, who)).map((c) => c.channel)).toEqual(['wechat', 'alipay']);
    }
    const audit = d.app.sqlite.prepare("SELECT input_summary FROM audit_log WHERE result = 'forbidden'").pluck().all() as string[];
    expect(audit.length).toBeGreaterThanOrEqual(9);
    expectNoSecretIn(audit.join('\n'), 'the audit log');
    expect(await call(d.app, null, 'payments.channels')).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
  });

  it('a missing key file with sealed credentials is an error naming the file; a new key is never made over them', async () => {
    const dir = tempDir();
    const d = await depot('https://127.0.0.1:9', dir);
    await ok(d.app, d.admin, 'payments.saveCredentials', wechatInput({ settings: { notifyUrl: 'https://depot.example.com/n' } }));
    d.app.close();
    const keyFile = path.join(dir, 'secrets-key');
    fs.rmSync(keyFile);
    const again = await depot('https://127.0.0.1:9', dir);
    expect(() => providerFor(again.app, 'wechat')).toThrow(expect.objectContaining({ code: 'secrets_key_missing', message: expect.stringContaining(keyFile) }));
    const r = await call(again.app, again.admin, 'payments.saveCredentials', wechatInput({ expectedVersion: 1, settings: { notifyUrl: 'https://depot.example.com/n' } }));
    expect(r.ok ? null : r.error.code).toBe('secrets_key_missing');
    expect(fs.existsSync(keyFile)).toBe(false);
  });
});

describe('test connection, real orders and the offline tag against the local gateway', () => {
  it('tests ok with the right keys and fails, saying why, with a wrong merchant key', async () => {
    const stub = await startStub();
    const d = await depot(stub.url);
    const notifyUrl = 'https://depot.example.com/notify/wechat';
    await ok(d.app, d.admin, 'payments.saveCredentials', wechatInput({ settings: { notifyUrl } }));
    const good = await ok<Cred & { testedAt: number }>(d.app, d.admin, 'payments.testConnection', { channel: 'wechat' });
    expect(good).toMatchObject({ testOk: true, testedAt: d.clock.now() });
    expect(good.testMessage).toMatch(new RegExp(MCHID));
    expect(stub.requests.at(-1)).toMatchObject({ method: 'GET', signed: true });

    const wrongKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    await ok(d.app, d.admin, 'payments.saveCredentials', wechatInput({ expectedVersion: 1, settings: { notifyUrl }, secrets: { merchantPrivateKey: wrongKey } }));
    const bad = await ok<Cred>(d.app, d.admin, 'payments.testConnection', { channel: 'wechat' });
    expect(bad.testOk).toBe(false);
    expect(bad.testMessage).toMatch(/SIGN_ERROR|signature/);
    expect(bad.testMessage).not.toContain(pemBody(wrongKey));
    expect(stub.requests.at(-1)).toMatchObject({ signed: false });
    expect((await wechatChannel(d)).credentials).toMatchObject({ version: 2, testOk: false });
    expect(d.events.some((e) => e.type === 'payments.channel' && e.payload.reason === 'tested')).toBe(true);
    expectNoSecretIn(logLines.join('\n'), 'the log');
    expect(logLines.join('\n')).not.toContain(pemBody(wrongKey));
  });

  it('the next order uses the saved credentials (the store wins over config) and a save takes effect at once', async () => {
    const stub = await startStub();
    const d = await depot(stub.url);
    stub.now = () => d.app.clock.now();
    expect(providerFor(d.app, 'wechat').name).toBe('simulated-wechat');
    await ok(d.app, d.admin, 'payments.saveCredentials', wechatInput({ settings: { notifyUrl: 'https://depot.example.com/notify/wechat' } }));
    const wx = providerFor(d.app, 'wechat');
    expect(wx).toBeInstanceOf(WechatPayProvider);

    const driver = newDriver(d.app);
    const o = await createOrder(d.app, { driverId: driver.id, amountFen: 5000, channel: 'wechat' });
    expect(o).toMatchObject({ state: 'PENDING_PAYMENT', provider: 'wechatpay' });
    expect(stub.orders.get(o.number)).toMatchObject({ amount: 5000, notifyUrl: 'https://depot.example.com/notify/wechat' });
    stub.pay(o.number);
    expect(await confirmByQuery(d.app, o.id)).toMatchObject({ outcome: 'paid', tradeState: 'SUCCESS' });
    expect(getOrder(d.app, o.id).state).toBe('PAID');
    expect(wallet(d.app, driver.id)).toBe(5000);

    await ok(d.app, d.admin, 'payments.saveCredentials', wechatInput({ expectedVersion: 1, settings: { notifyUrl: 'https://depot.example.com/v2/notify' } }));
    expect(providerFor(d.app, 'wechat')).not.toBe(wx);
    const o2 = await createOrder(d.app, { driverId: driver.id, amountFen: 3000, channel: 'wechat' });
    expect(stub.orders.get(o2.number)?.notifyUrl).toBe('https://depot.example.com/v2/notify');
    await ok(d.app, d.admin, 'payments.removeCredentials', { channel: 'wechat', expectedVersion: 2 });
    expect(providerFor(d.app, 'wechat').name).toBe('simulated-wechat');
    expectNoSecretIn(logLines.join('\n'), 'the log');
  });

  it('the channel goes offline when the gateway cannot be reached and back online when it answers, announced once per change', async () => {
    const stub = await startStub();
    const proxy = await tcpProxy(new URL(stub.url).port);
    const d = await depot(`https://127.0.0.1:${proxy.port}`);
    await ok(d.app, d.admin, 'payments.saveCredentials', wechatInput({ settings: { notifyUrl: 'https://depot.example.com/n' } }));
    const wx = providerFor(d.app, 'wechat');
    await ok(d.app, d.admin, 'payments.testConnection', { channel: 'wechat' });
    expect((await wechatChannel(d)).health).toMatchObject({ online: true, lastOkAt: d.clock.now() });

    await proxy.stop();
    d.clock.advance(5_000);
    const e = await wx.query('DD-NOT-THERE').then(
      () => null,
      (err: unknown) => err,
    );
    expect(isProviderUnknown(e)).toBe(true);
    const offline = (await wechatChannel(d, await addOperator(d.app, 'operator'))).health!;
    expect(offline).toMatchObject({ online: false, lastErrorAt: d.clock.now() });
    expect(offline.lastError).toMatch(/outcome unknown/);
    // Still offline: not announced again.
    await wx.query('DD-NOT-THERE').catch(() => undefined);
    const changes = () => d.events.filter((ev) => ev.type === 'payments.channel' && ev.payload.reason !== 'tested' && ev.payload.reason !== 'credentials');
    expect(changes().map((ev) => (ev.payload as { reason: string }).reason)).toEqual(['online', 'offline']);

    await proxy.start();
    d.clock.advance(5_000);
    // A refusal is an answer: the gateway is there again.
    await expect(wx.query('DD-NOT-THERE')).rejects.toMatchObject({ code: 'refused' });
    expect((await wechatChannel(d)).health).toMatchObject({ online: true, lastOkAt: d.clock.now() });
    expect(changes().map((ev) => (ev.payload as { reason: string }).reason)).toEqual(['online', 'offline', 'online']);

    // The same state is rewritten at most once a minute.
    const backAt = d.clock.now();
    d.clock.advance(30_000);
    await wx.query('DD-NOT-THERE').catch(() => undefined);
    expect((await wechatChannel(d)).health?.lastOkAt).toBe(backAt);
    d.clock.advance(30_000);
    await wx.query('DD-NOT-THERE').catch(() => undefined);
    expect((await wechatChannel(d)).health?.lastOkAt).toBe(d.clock.now());
    expect(changes()).toHaveLength(3);
    expectNoSecretIn(logLines.join('\n'), 'the log');
  });
});

describe('Alipay credentials entered in Settings', () => {
  it("are checked with the provider's own loader, tested against the local gateway, and used for the next order", async () => {
    const stub = await AlipayStub.start(alipayKeys);
    stops.push(() => stub.stop());
    const d = await depot('https://127.0.0.1:9');
    stub.now = () => d.app.clock.now();
    const input = (over: { secrets?: object; expectedVersion?: number } = {}) => ({
      channel: 'alipay',
      expectedVersion: over.expectedVersion ?? 0,
      settings: { appId: APP_ID, gateway: `${stub.url}/gateway.do` },
      // The private key as Alipay's key tool writes it (bare base64), the public key as PEM.
      secrets: { appPrivateKey: alipayKeys.appPrivateBare, alipayPublicKey: alipayKeys.alipayPublicPem, ...over.secrets },
    });
    const own = await call(d.app, d.admin, 'payments.saveCredentials', input({ secrets: { alipayPublicKey: alipayKeys.appPublicPem } }));
    expect(own.ok ? null : own.error).toMatchObject({ code: 'invalid_input', details: { field: 'secrets.alipayPublicKey' } });
    expect(own.ok ? '' : own.error.message).toMatch(/^secrets\.alipayPublicKey: is the app’s own public key/);
    const badId = await call(d.app, d.admin, 'payments.saveCredentials', { ...input(), settings: { appId: '2021' } });
    expect(badId.ok ? null : badId.error.message).toMatch(/settings\.appId: must be the 16-digit APPID/);

    const saved = await ok<Cred>(d.app, d.admin, 'payments.saveCredentials', input());
    expect(saved.summary).toMatchObject({ appId: APP_ID, gateway: `${stub.url}/gateway.do` });
    expect(saved.summary.appKey).toMatch(/^[0-9a-f]{8}$/);
    expect(databaseBytes(d.app).includes(alipayKeys.appPrivateBare.slice(40, 120))).toBe(false);
    const tested = await ok<Cred>(d.app, d.admin, 'payments.testConnection', { channel: 'alipay' });
    expect(tested).toMatchObject({ testOk: true });

    expect(providerFor(d.app, 'alipay')).toBeInstanceOf(AlipayProvider);
    const o = await createOrder(d.app, { driverId: newDriver(d.app).id, amountFen: 1234, channel: 'alipay' });
    expect(o).toMatchObject({ state: 'PENDING_PAYMENT', provider: 'alipay' });
    expect(stub.trades.has(o.number)).toBe(true);
    expect((await channels(d)).find((c) => c.channel === 'alipay')).toMatchObject({ provider: 'alipay', source: 'settings', health: { online: true } });
    expect(logLines.join('\n')).not.toContain(alipayKeys.appPrivateBare.slice(40, 120));
  });
});

/** A TCP relay on a fixed port to the stub: stopping it is a gateway that cannot be reached; starting it again, one that is back. */
async function tcpProxy(targetPort: string): Promise<{ port: number; stop(): Promise<void>; start(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let server: net.Server | null = null;
  let port = 0;
  const start = () =>
    new Promise<void>((resolve) => {
      server = net.createServer((client) => {
        const upstream = net.connect(Number(targetPort), '127.0.0.1');
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => s.destroy());
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as net.AddressInfo).port;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      if (server) server.close(() => resolve());
      else resolve();
      server = null;
    });
  await start();
  stops.push(stop);
  return {
    get port() {
      return port;
    },
    stop,
    start,
  };
}
