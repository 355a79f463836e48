import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getJob } from '../../src-main/jobs';
import { DepotError } from '../../src-main/kernel/errors';
import { confirmByQuery, createOrder, getOrder, providerFor, WechatPayProvider, type OrderRow } from '../../src-main/payments';
import { downloadStatements, findDay, listStatements, reconDownloadWorker, statementOfDay, type DownloadResult } from '../../src-main/reconciliation';
import { cliInProcess } from '../cli-runs';
import { newDriver } from '../payments/fixtures';
import { makeStubKeys, MCHID, WechatStub, type StubKeys } from '../payments/wechat-stub';
import { completedRefund, endReconApp, reconApp, type ReconApp } from './scenario';

/**
 * The daily statement download (reconciliation/download.ts) against the local WeChat Pay gateway
 * (test/payments/wechat-stub.ts): real TLS and signatures both ways, the day's ALL trade bill built
 * by the gateway from the orders paid there, gzipped, its SHA1 in the signed answer. The depot's
 * clock is fake: orders are paid on 1 March at 09:00 China time, and the bill exists from 10:00 on
 * the 2nd, as WeChat Pay makes it.
 */

const DAY = '2026-03-01';
/** 10:30 China time on 2 March: the job's hour, the bill of the 1st is made. */
const NEXT_MORNING = '2026-03-02T02:30:00Z';

let keys: StubKeys;
let keyDir: string;
beforeAll(() => {
  keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'depotdesk-download-keys-'));
  keys = makeStubKeys(keyDir);
});
afterAll(() => fs.rmSync(keyDir, { recursive: true, force: true }));

let t: ReconApp | undefined;
let stub: WechatStub | null = null;
afterEach(async () => {
  await endReconApp(t);
  t = undefined;
  if (stub) await stub.stop();
  stub = null;
});

async function setup(wechat: Record<string, unknown> = {}, recon: Record<string, unknown> = {}): Promise<{ t: ReconApp; stub: WechatStub }> {
  stub = await WechatStub.start(keys);
  t = await reconApp({ payments: stub.config(wechat), reconciliation: recon });
  const app = t.app;
  stub.now = () => app.clock.now();
  expect(providerFor(app, 'wechat')).toBeInstanceOf(WechatPayProvider);
  return { t, stub };
}

/** A driver's top-up paid at the gateway and confirmed by query: PAID in our books, SUCCESS at the gateway. */
async function paidAtGateway(t: ReconApp, stub: WechatStub, amountFen: number): Promise<OrderRow> {
  const o = await createOrder(t.app, { driverId: newDriver(t.app).id, amountFen, channel: 'wechat' });
  stub.pay(o.number);
  expect((await confirmByQuery(t.app, o.id)).outcome).toBe('paid');
  return getOrder(t.app, o.id);
}

const outcomes = (r: DownloadResult) => r.days.map((d) => [d.channel, d.day, d.outcome]);
const billRequests = (stub: WechatStub, from = 0) => stub.requests.slice(from).filter((q) => q.path.startsWith('/v3/bill'));

/** Runs the download job once, as the scheduler does, and returns its outcome(s). */
async function runJob(t: ReconApp): Promise<{ outcomes: string[]; jobId: string }> {
  const job = reconDownloadWorker.enqueue(t.app, {});
  const drained = await t.scheduler.drain({ crons: false });
  return { outcomes: drained.runs.filter((r) => r.kind === 'recon.download').map((r) => r.outcome), jobId: job.id };
}

describe('statements downloaded every day (WeChat Pay trade bill)', () => {
  it('orders paid on the 1st: at 10:30 on the 2nd the gzip bill is downloaded, its SHA1 checked, imported and matched; a second run downloads nothing', async () => {
    const { t, stub } = await setup();
    const a = await paidAtGateway(t, stub, 12000);
    const b = await paidAtGateway(t, stub, 3000);
    const refund = await completedRefund(t, a, 2000);
    expect(refund.state).toBe('completed');
    t.clock.set(NEXT_MORNING);

    const r = await downloadStatements(t.app);
    expect(r.channels).toEqual([
      { channel: 'wechat', provider: 'wechatpay', downloads: true, error: null },
      { channel: 'alipay', provider: 'simulated-alipay', downloads: false, error: null },
    ]);
    // The last three finished days: the two before the 1st had no trades at the gateway.
    expect(outcomes(r)).toEqual([
      ['wechat', '2026-02-27', 'no_statement'],
      ['wechat', '2026-02-28', 'no_statement'],
      ['wechat', DAY, 'imported'],
    ]);
    expect(r.days[2]).toMatchObject({ fileName: `wechat-tradebill-${MCHID}-${DAY}.csv.gz`, daysRun: [DAY], code: null, message: null });

    // Asked for with the documented query, then fetched from the download_url, both signed by us.
    const asked = billRequests(stub);
    expect(asked.map((q) => q.path.replace(/token=\w+/, 'token=…'))).toEqual([
      '/v3/bill/tradebill?bill_date=2026-02-27&bill_type=ALL&tar_type=GZIP',
      '/v3/bill/tradebill?bill_date=2026-02-28&bill_type=ALL&tar_type=GZIP',
      `/v3/bill/tradebill?bill_date=${DAY}&bill_type=ALL&tar_type=GZIP`,
      '/v3/billdownload/file?token=…',
    ]);
    expect(asked.every((q) => q.signed)).toBe(true);

    const [s] = listStatements(t.app);
    expect(listStatements(t.app)).toHaveLength(1);
    expect(s).toMatchObject({ id: r.days[2].statementId, channel: 'wechat', layout: 'wechat-all', merchantId: MCHID, billDates: [DAY] });
    expect(s).toMatchObject({ paymentCount: 2, paymentTotalFen: 15000, refundCount: 1, refundTotalFen: 2000 });
    // The day was reconciled at once: both payments and the refund matched, nothing pending, no break.
    const day = findDay(t.app, DAY)!;
    expect(day).toMatchObject({ state: 'matched', pending: 0, breaksOpen: 0 });
    expect(day.figures).toMatchObject({ matchedPayments: 2, matchedRefunds: 1 });
    expect([a.number, b.number].sort()).toEqual(
      (t.app.sqlite.prepare("SELECT order_no AS n FROM recon_statement_rows WHERE kind = 'payment' ORDER BY order_no").all() as { n: string }[]).map((x) => x.n),
    );

    // Again (the job the next hour, or the day after): the 1st is in; only the empty days are asked again.
    const before = stub.requests.length;
    const again = await downloadStatements(t.app);
    expect(outcomes(again)).toEqual([
      ['wechat', '2026-02-27', 'no_statement'],
      ['wechat', '2026-02-28', 'no_statement'],
      ['wechat', DAY, 'present'],
    ]);
    expect(again.days[2].statementId).toBe(s.id);
    expect(billRequests(stub, before).map((q) => q.path)).not.toContainEqual(expect.stringMatching(/bill_date=2026-03-01|billdownload/));
    expect(listStatements(t.app)).toHaveLength(1);
  });

  it('a day without trades (NO_STATEMENT_EXIST): nothing imported, the job completes', async () => {
    const { t } = await setup();
    t.clock.set(NEXT_MORNING);
    const job = await runJob(t);
    expect(job.outcomes).toEqual(['completed']);
    expect(listStatements(t.app)).toEqual([]);
  });

  it('before 10:00 the bill is not made (STATEMENT_CREATING): nothing imported, the job snoozes 30 minutes, then gets it', async () => {
    const { t, stub } = await setup();
    await paidAtGateway(t, stub, 8800);
    t.clock.set('2026-03-02T01:10:00Z'); // 09:10 China time
    const early = await downloadStatements(t.app);
    const d = early.days.find((x) => x.day === DAY)!;
    expect(d).toMatchObject({ outcome: 'not_ready', code: 'unavailable', statementId: null });
    expect(d.message).toMatch(/^wechatpay: the statement of 2026-03-01 is not ready yet \(STATEMENT_CREATING\): .*10:00 China time.*; try again later$/);
    expect(listStatements(t.app)).toEqual([]);

    expect((await runJob(t)).outcomes).toEqual(['snoozed']);
    expect(listStatements(t.app)).toEqual([]);
    t.clock.set('2026-03-02T01:40:00Z'); // 09:40: the snoozed job runs again, still not made
    expect((await t.scheduler.drain({ crons: false })).runs.map((r) => r.outcome)).toEqual(['snoozed']);
    t.clock.set('2026-03-02T02:10:00Z'); // 10:10
    expect((await t.scheduler.drain({ crons: false })).runs.map((r) => r.outcome)).toEqual(['completed']);
    expect(statementOfDay(t.app, 'wechat', DAY)).toBeDefined();
  });

  it('a corrupted download (its SHA1 is not the signed hash_value) is refused, nothing imported; the job fails naming it, and its retry imports', async () => {
    const { t, stub } = await setup();
    await paidAtGateway(t, stub, 5000);
    t.clock.set(NEXT_MORNING);
    stub.corruptDownloads = 1;
    const r = await downloadStatements(t.app);
    const bad = r.days.find((x) => x.day === DAY)!;
    expect(bad).toMatchObject({ outcome: 'failed', code: 'integrity_failed', statementId: null });
    expect(bad.message).toMatch(
      /^wechatpay: statement 2026-03-01: hash mismatch: the downloaded bill's SHA1 is [0-9a-f]{40}, the hash_value the gateway signed is [0-9a-f]{40}; nothing imported/,
    );
    expect(listStatements(t.app)).toEqual([]);
    expect(t.app.sqlite.prepare('SELECT count(*) AS n FROM recon_statement_rows').get()).toEqual({ n: 0 });

    stub.corruptDownloads = 1;
    const job = await runJob(t);
    expect(job.outcomes).toEqual(['retryable']);
    expect(getJob(t.app, job.jobId)?.errors.at(-1)?.error).toMatch(
      /^\[integrity_failed\] statement download: wechat 2026-03-01: wechatpay: statement 2026-03-01: hash mismatch/,
    );
    expect(listStatements(t.app)).toEqual([]);
    t.clock.advance(3_600_000);
    expect((await t.scheduler.drain({ crons: false })).runs.map((x) => x.outcome)).toEqual(['completed']);
    expect(listStatements(t.app)).toHaveLength(1);
  });

  it('the gateway drops the connection: the job completes without importing, and the next run gets the day', async () => {
    const { t, stub } = await setup();
    await paidAtGateway(t, stub, 4200);
    t.clock.set(NEXT_MORNING);
    stub.next('reset', 'reset', 'reset');
    const job = await runJob(t);
    expect(job.outcomes).toEqual(['completed']);
    expect(listStatements(t.app)).toEqual([]);
    expect(billRequests(stub)).toHaveLength(3);

    const next = await downloadStatements(t.app);
    expect(next.days.find((x) => x.day === DAY)?.outcome).toBe('imported');
  });

  it('a gateway that cannot be reached at all: every day offline, nothing fails', async () => {
    const { t } = await setup({ apiBaseUrl: 'https://127.0.0.1:9' });
    t.clock.set(NEXT_MORNING);
    const r = await downloadStatements(t.app);
    expect(r.days.map((d) => d.outcome)).toEqual(['offline', 'offline', 'offline']);
    expect(r.days[0].message).toMatch(/^wechatpay: outcome unknown: statement 2026-02-27: .*; query before retrying$/);
    expect((await runJob(t)).outcomes).toEqual(['completed']);
  });

  it('one day asked for by hand is downloaded even if it is in; a day not over, or a channel without statements, is refused', async () => {
    const { t, stub } = await setup({}, { downloadDays: 1 });
    await paidAtGateway(t, stub, 1000);
    t.clock.set(NEXT_MORNING);
    expect(outcomes(await downloadStatements(t.app))).toEqual([['wechat', DAY, 'imported']]);
    // The same bill again: downloaded, and the importer knows the file (same bytes).
    expect(outcomes(await downloadStatements(t.app, { day: DAY, channel: 'wechat' }))).toEqual([['wechat', DAY, 'already_imported']]);
    expect(listStatements(t.app)).toHaveLength(1);

    const refusal = async (p: Promise<unknown>) => {
      const e = await p.then(
        () => null,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(DepotError);
      return e as DepotError;
    };
    expect((await refusal(downloadStatements(t.app, { day: '2026-03-02' }))).message).toMatch(/day: 2026-03-02 is not over yet/);
    expect((await refusal(downloadStatements(t.app, { channel: 'alipay' }))).message).toMatch(/the alipay provider \(simulated-alipay\) does not serve statements/);
  });

  it('test connection: a signed query for an order that cannot exist proves it; a wrong certificate serial is refused (SIGN_ERROR)', async () => {
    const { t } = await setup();
    const wx = providerFor(t.app, 'wechat') as WechatPayProvider;
    const ok = await wx.testConnection();
    expect(ok.detail).toMatch(new RegExp(`^merchant ${MCHID}: the gateway took a signed query \\(probe DDPROBE\\d+: ORDER_NOT_EXIST\\) and its answer verified`));
    await endReconApp(t);
    await stub!.stop();

    const wrong = await setup({ merchantSerial: '0000WRONGSERIAL' });
    const e = await (providerFor(wrong.t.app, 'wechat') as WechatPayProvider).testConnection().then(
      () => null,
      (x: unknown) => x as DepotError,
    );
    expect(e).toMatchObject({ code: 'refused', details: { providerCode: 'SIGN_ERROR' } });
    expect(e!.message).toMatch(/refused our signature: check merchantSerial and the merchant API key/);
  });
});

describe('depotdesk recon download (the CLI, in this process, on a data directory pointed at the gateway)', () => {
  it('downloads one day by hand, then the recent days; bad options are usage errors', async () => {
    stub = await WechatStub.start(keys);
    const r = await reconApp();
    const dir = r.dir;
    await endReconApp(r);
    r.app.close();
    // A trade at the gateway on 1 March that the depot never booked: it comes in, and its day shows it as a 长款.
    stub.orders.set('DD202603019999', {
      outTradeNo: 'DD202603019999',
      amount: 2500,
      description: '充电钱包充值',
      timeExpire: '2026-03-01T10:30:00+08:00',
      notifyUrl: 'https://depot.example.com/notify/wechat',
      state: 'SUCCESS',
      transactionId: '4200001234567890123456789012',
      successTime: '2026-03-01T10:00:00+08:00',
    });
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ payments: stub.config() }));
    const as = (name: string, ...rest: string[]) => [...rest, '--data-dir', dir, '--as', name];
    const cli = (argv: string[]) => cliInProcess(argv, 'correct-horse');

    const one = await cli(as('fin-a', 'recon', 'download', '--day', DAY, '--channel', 'wechat'));
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toMatch(
      /^wechat: wechatpay\n2026-03-01 {2}wechat {2}imported {2}wechat-tradebill-1900000109-2026-03-01\.csv\.gz {2}statement \w+ {2}days run 2026-03-01\n$/,
    );

    // The recent days (long after March, on the wall clock): the gateway had no trades on them.
    const recent = await cli(as('fin-a', 'recon', 'download', '--json'));
    expect(recent.code, recent.stderr).toBe(0);
    const json = JSON.parse(recent.stdout) as { channels: { channel: string; downloads: boolean }[]; days: { day: string; outcome: string }[] };
    expect(json.channels).toMatchObject([
      { channel: 'wechat', downloads: true },
      { channel: 'alipay', downloads: false },
    ]);
    // WeChat Pay makes a day's bill after 10:00 China time the next day: run between midnight and 10:00
    // there, yesterday is still not ready (the stub keeps the rule on the same wall clock as the CLI).
    const billMade = (day: string) => Date.now() >= Date.parse(`${day}T10:00:00+08:00`) + 86_400_000;
    expect(json.days).toHaveLength(3);
    expect(json.days.map((d) => d.outcome)).toEqual(json.days.map((d) => (billMade(d.day) ? 'no_statement' : 'not_ready')));
    expect(json.days.slice(0, 2).map((d) => d.outcome)).toEqual(['no_statement', 'no_statement']);

    const breaks = await cli(as('fin-a', 'recon', 'breaks', '--json'));
    expect(JSON.parse(breaks.stdout)).toMatchObject({ breaks: [{ kind: 'long', orderNumber: 'DD202603019999', gateway: { fen: 2500 } }] });

    const badDay = await cli(as('fin-a', 'recon', 'download', '--day', '2026-02-30'));
    expect(badDay.code).toBe(2);
    expect(badDay.stderr).toMatch(/--day must be a date yyyy-MM-dd, got "2026-02-30"/);
    const channel = await cli(as('fin-a', 'recon', 'download', '--channel', 'paypal'));
    expect(channel.code).toBe(2);
    expect(channel.stderr).toMatch(/--channel must be one of wechat, alipay, got "paypal"/);
    const future = await cli(as('fin-a', 'recon', 'download', '--day', '2099-01-01'));
    expect(future.code).toBe(1);
    expect(future.stderr).toMatch(/is not over yet/);
  });
});
