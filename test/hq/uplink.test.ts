import { describe, expect, it } from 'vitest';
import type { AppContext } from '../../src-main/kernel/context';
import type { FakeClock } from '../../src-main/kernel/clock';
import { writeTx } from '../../src-main/kernel/db/connection';
import { appendJournal, depotId, journalTip, readJournal } from '../../src-main/kernel/journal';
import { listAlerts } from '../../src-main/alerts';
import { depotJournal, pruneAcknowledged, readUplinkState, runningUplink, startUplink, type Uplink, type UplinkStatus } from '../../src-main/headquarters';
import { addOperator, makeApp, ok, tempDir } from '../helpers';
import { afterTest } from '../after-test';
import { launchMosquitto, type Mosquitto } from '../mosquitto-process';
import { skipWithoutMosquitto } from '../mosquitto';
import { FakeHq } from './fake-hq';
import { wordingFor } from '../../src-renderer/i18n';
import { alertResolutionText, alertText } from '../../src-renderer/lib/alertText';

const zh = wordingFor('zh-CN');
const en = wordingFor('en-US');

/**
 * The depot's uplink to headquarters (src-main/headquarters/uplink.ts) against a real Mosquitto
 * and a fake HQ that follows the wire protocol (fake-hq.ts). Nothing asserts on time: each step
 * waits, bounded, for an outcome and says what it waited for when it does not come. The ack
 * timeout is short only in the stories that need it to fire; where a test counts what was sent,
 * it is long, so a slow machine cannot turn a late ack into a resend.
 */

const DAY = 86_400_000;
const HQ_LOGIN = { username: 'hq', password: 'hq-secret' };
const DEPOT_LOGIN = { username: 'depot', password: 'depot-secret' };

async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`waited ${ms} ms for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function broker(): Promise<Mosquitto> {
  const m = await launchMosquitto({
    dir: tempDir('depotdesk-hq-mosquitto-'),
    users: { [HQ_LOGIN.username]: HQ_LOGIN.password, [DEPOT_LOGIN.username]: DEPOT_LOGIN.password },
    maxPayloadBytes: 1024 * 1024,
  });
  afterTest(() => m.kill());
  return m;
}

async function fakeHq(m: Mosquitto): Promise<FakeHq> {
  const hq = await FakeHq.connect(m.url, HQ_LOGIN);
  afterTest(() => hq.close());
  return hq;
}

function depot(m: Mosquitto, hq: Record<string, unknown> = {}): { app: AppContext; clock: FakeClock; id: string } {
  const { app, clock } = makeApp({
    overrides: {
      hq: { enabled: true, brokerUrl: m.url, ...DEPOT_LOGIN, depotName: 'Depot North', batchRows: 100, ackTimeoutMs: 10_000, pollMs: 20, keepDays: 7, ...hq },
    },
  });
  return { app, clock, id: depotId(app.sqlite) };
}

function uplink(app: AppContext): Uplink {
  const u = startUplink(app);
  afterTest(() => u.stop());
  return u;
}

let facts = 0;
/** Appends `n` facts, one write transaction each, as the ledger does. */
function write(app: AppContext, n: number): void {
  for (let i = 0; i < n; i += 1) {
    facts += 1;
    writeTx(app.sqlite, () => appendJournal(app.sqlite, app.clock.now(), { key: `test:${facts}`, kind: 'test.fact', payload: { n: facts, note: '充电' } }));
  }
}

const acked = (app: AppContext) => readUplinkState(app).ackedSeq;
const tip = (app: AppContext) => journalTip(app.sqlite).seq;
const seqs = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe.skipIf(skipWithoutMosquitto('test/hq/uplink.test.ts'))('the uplink to headquarters', () => {
  it('sends the journal in order in batches of at most hq.batchRows; HQ receives each row once and the lag drops to zero', async () => {
    const m = await broker();
    const hq = await fakeHq(m);
    const { app, id } = depot(m);
    write(app, 250);
    expect(tip(app)).toBe(250);
    uplink(app);
    await until('HQ to acknowledge row 250', () => acked(app) === 250);
    write(app, 30);
    await until('HQ to acknowledge row 280', () => acked(app) === 280);

    expect(hq.seqsReceived(id)).toEqual(seqs(1, 280));
    const batches = hq.received.filter((b) => b.rows.length > 0);
    expect(Math.max(...batches.map((b) => b.rows.length))).toBe(100);
    for (const b of batches) expect(b.rows.map((r) => r.seq)).toEqual(seqs(b.rows[0].seq, b.rows[0].seq + b.rows.length - 1));
    expect(batches[0]).toMatchObject({ depot: id, name: 'Depot North' });
    expect(hq.stored(id)).toEqual(readJournal(app.sqlite, 0, 1000));

    const admin = await addOperator(app, 'supervisor');
    const status = await ok<UplinkStatus>(app, admin, 'headquarters.status');
    expect(status).toMatchObject({ enabled: true, depotId: id, depotName: 'Depot North', connection: 'connected', tipSeq: 280, ackedSeq: 280, lagRows: 0 });
    expect(status).toMatchObject({ oldestUnackedAt: null, lastError: null, refused: null });
  });

  it('an ack that never comes: the batch is sent again from the acknowledged row after hq.ackTimeoutMs, and HQ keeps one of each', async () => {
    const m = await broker();
    const hq = await fakeHq(m);
    const { app, id } = depot(m, { ackTimeoutMs: 300 });
    write(app, 150);
    hq.dropAcks = 1;
    uplink(app);
    await until('HQ to acknowledge row 150', () => acked(app) === 150);

    const received = hq.seqsReceived(id);
    // The first batch (1…100) went again: HQ stored it, its ack was lost, the depot sent it again.
    expect(received.filter((s) => s === 1).length).toBeGreaterThanOrEqual(2);
    expect(new Set(received)).toEqual(new Set(seqs(1, 150)));
    expect(hq.stored(id).map((r) => r.seq)).toEqual(seqs(1, 150));
  });

  it('with the broker down the depot keeps writing; once it is back, the backlog reaches HQ', async () => {
    const m = await broker();
    const hq = await fakeHq(m);
    // A hello sent before HQ's client has subscribed again is lost: sent again after the timeout.
    const { app, id } = depot(m, { ackTimeoutMs: 1_000 });
    write(app, 10);
    const u = uplink(app);
    await until('HQ to acknowledge row 10', () => acked(app) === 10);

    await m.kill();
    await until('the uplink to see the broker gone', () => u.connection() !== 'connected');
    write(app, 300); // charging and settling do not wait for HQ
    expect(tip(app)).toBe(310);
    const admin = await addOperator(app, 'admin');
    const down = await ok<UplinkStatus>(app, admin, 'headquarters.status');
    expect(down).toMatchObject({ ackedSeq: 10, tipSeq: 310, lagRows: 300 });
    expect(down.connection).not.toBe('connected');
    expect(down.oldestUnackedAt).toBe(readJournal(app.sqlite, 10, 1)[0].at);

    await m.restart();
    await until('HQ to acknowledge row 310 after the broker came back', () => acked(app) === 310, 60_000);
    expect(hq.stored(id).map((r) => r.seq)).toEqual(seqs(1, 310));
  });

  it('a restarted uplink resumes from the retained ack: nothing HQ has is sent again', async () => {
    const m = await broker();
    const hq = await fakeHq(m);
    const { app, id } = depot(m);
    write(app, 50);
    const first = uplink(app);
    await until('HQ to acknowledge row 50', () => acked(app) === 50);
    await first.stop();
    expect(runningUplink(app)).toBeNull();

    write(app, 20);
    const before = hq.received.length;
    // HQ ignores hellos now: only its retained ack can tell the depot where to resume.
    hq.answerHellos = false;
    uplink(app);
    await until('HQ to acknowledge row 70', () => acked(app) === 70);
    const after = hq.received.slice(before).flatMap((b) => b.rows.map((r) => r.seq));
    expect(after).toEqual(seqs(51, 70));
    expect(hq.stored(id).map((r) => r.seq)).toEqual(seqs(1, 70));
  });

  it('an ack whose hash is not the depot’s stops sending and pruning, raises hq.history_mismatch, and a matching ack resumes', async () => {
    const m = await broker();
    const hq = await fakeHq(m);
    const { app, clock, id } = depot(m, { keepDays: 7, ackTimeoutMs: 300 });
    write(app, 10);
    uplink(app);
    await until('HQ to acknowledge row 10', () => acked(app) === 10);

    hq.wrongHash = true;
    write(app, 10);
    const mismatch = () => listAlerts(app, { open: true, limit: 10, offset: 0 }).items.find((a) => a.code === 'hq.history_mismatch');
    await until('the hq.history_mismatch alert', () => mismatch() !== undefined);
    expect(mismatch()).toMatchObject({ level: 'urgent', details: expect.objectContaining({ seq: 20, ackedSeq: 10 }) });
    expect(acked(app)).toBe(10);
    expect(readUplinkState(app).lastError).toMatch(/different histories/);
    expect(alertText(zh, mismatch()!)).toBe('总部保存的本场站日志在第 20 条与场站自身不一致：解决之前不再向总部发送，也不清理日志');

    // Sending stopped: more rows, and time for many timeouts and polls, send no row.
    const sent = hq.seqsReceived(id).length;
    write(app, 5);
    clock.advance(8 * DAY); // rows 1…10 are old and acknowledged, but nothing is pruned while stopped
    await new Promise((r) => setTimeout(r, 1_500));
    expect(hq.seqsReceived(id).length).toBe(sent);
    expect(readJournal(app.sqlite, 0, 1)[0].seq).toBe(1);

    // HQ set right: its ack now matches the depot's hash; sending and pruning resume.
    hq.wrongHash = false;
    const at = hq.depots.get(id)!.cursor;
    hq.ack(id, at.seq, at.hash);
    await until('HQ to acknowledge row 25', () => acked(app) === 25);
    await until('the old acknowledged rows to be pruned', () => readJournal(app.sqlite, 0, 1)[0].seq > 1);
    expect(hq.stored(id).map((r) => r.seq)).toEqual(seqs(1, 25));
  });

  it('an HQ that acknowledges rows the depot no longer keeps, or more rows than it has, stops the uplink with an alert naming why', async () => {
    const m = await broker();
    const hq = await fakeHq(m);
    const { app, clock, id } = depot(m, { keepDays: 0 });
    write(app, 10);
    clock.advance(1);
    uplink(app);
    await until('HQ to acknowledge row 10', () => acked(app) === 10);
    await until('rows 1…9 to be pruned (hq.keepDays 0)', () => readJournal(app.sqlite, 0, 1)[0].seq === 10);
    const open = (code: string) => listAlerts(app, { open: true, limit: 10, offset: 0 }).items.find((a) => a.code === code);

    // HQ restored from a backup that ends at row 3: the depot no longer keeps row 3.
    hq.ack(id, 3, hq.stored(id)[2].hash);
    await until('the hq.cannot_refill alert', () => open('hq.cannot_refill') !== undefined);
    expect(open('hq.cannot_refill')!.message).toMatch(/HQ acknowledges journal row 3 but this depot keeps rows only from 10 on/);
    expect(alertText(en, open('hq.cannot_refill')!)).toBe(
      'Headquarters needs the journal after record 3, but this depot keeps it only from record 10 on: restore headquarters from a newer backup',
    );
    expect(acked(app)).toBe(10);

    // An HQ ahead of the depot (the depot restored from an older backup).
    hq.ack(id, 50, 'a'.repeat(64));
    await until('the hq.history_mismatch alert', () => open('hq.history_mismatch') !== undefined);
    expect(open('hq.history_mismatch')!.message).toMatch(/HQ acknowledges journal row 50 but this depot's journal ends at 10/);
    expect(acked(app)).toBe(10);
    expect(readJournal(app.sqlite, 0, 10).map((r) => r.seq)).toEqual([10]);
  });

  it('a refused batch raises one hq.refused alert for its row, backs off and sends again; the alert resolves once HQ takes the row', async () => {
    const m = await broker();
    const hq = await fakeHq(m);
    const { app, id } = depot(m, { ackTimeoutMs: 150 });
    write(app, 5);
    hq.refuse = { count: 3, reason: 'hash_mismatch' };
    uplink(app);
    await until('HQ to acknowledge row 5 after refusing three times', () => acked(app) === 5);

    const refusedBatches = hq.received.filter((b) => b.rows.length > 0);
    expect(refusedBatches.length).toBeGreaterThanOrEqual(4);
    const alerts = listAlerts(app, { limit: 10, offset: 0 }).items.filter((a) => a.code === 'hq.refused');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ subject: 'hq.refused:1', count: 1, details: expect.objectContaining({ seq: 1, reason: 'hash_mismatch' }) });
    expect(alerts[0].resolvedAt).not.toBeNull();
    // The screens word it in the operator's language.
    expect(alertText(zh, alerts[0])).toBe('总部拒收了日志第 1 条（校验值与内容不符），总部已有至第 0 条；场站会以逐渐拉长的间隔重发');
    expect(alertResolutionText(en, alerts[0])).toBe('Headquarters has accepted journal record 1');
    expect(readUplinkState(app)).toMatchObject({ refused: null, lastError: null });
    expect(hq.stored(id).map((r) => r.seq)).toEqual(seqs(1, 5));
  });
});

describe('pruning what HQ acknowledged', () => {
  it('keeps the rows HQ has not acknowledged, the young ones and the tip', () => {
    const { app, clock } = makeApp();
    const journal = depotJournal(app.sqlite);
    write(app, 10); // old: written 8 days before the prune
    const firstSeq = readJournal(app.sqlite, 0, 1)[0].seq;
    clock.advance(8 * DAY);
    write(app, 5); // young
    const cutoff = () => clock.now() - 7 * DAY;
    const left = () => readJournal(app.sqlite, 0, 100).map((r) => r.seq);

    expect(pruneAcknowledged(journal, { ackedSeq: firstSeq + 4, cutoff: cutoff(), limit: 500 })).toBe(5);
    expect(left()).toEqual(seqs(firstSeq + 5, firstSeq + 14));

    // Acknowledged up to row 12, but rows 11 and 12 are young: only the old ones go.
    expect(pruneAcknowledged(journal, { ackedSeq: firstSeq + 11, cutoff: cutoff(), limit: 500 })).toBe(5);
    expect(left()).toEqual(seqs(firstSeq + 10, firstSeq + 14));

    // Everything acknowledged and old: all but the tip.
    clock.advance(8 * DAY);
    expect(pruneAcknowledged(journal, { ackedSeq: firstSeq + 14, cutoff: cutoff(), limit: 2 })).toBe(2);
    expect(pruneAcknowledged(journal, { ackedSeq: firstSeq + 14, cutoff: cutoff(), limit: 500 })).toBe(2);
    expect(left()).toEqual([firstSeq + 14]);
    expect(pruneAcknowledged(journal, { ackedSeq: firstSeq + 14, cutoff: cutoff(), limit: 500 })).toBe(0);
  });
});

describe('the uplink among the depot’s services', () => {
  it('starts with hq.enabled and stops with the services; settings it cannot use raise hq.uplink_start_failed and the depot runs on', async () => {
    const { startServices } = await import('../../src-main/boot/services');
    const m = await broker();
    const { app } = depot(m);
    const services = await startServices(app, { chargers: false, poll: false });
    expect(services.uplink).not.toBeNull();
    expect(runningUplink(app)).toBe(services.uplink);
    await until('the uplink to connect', () => services.uplink!.connection() === 'connected');
    await services.stop();
    expect(runningUplink(app)).toBeNull();

    const bad = makeApp({ overrides: { hq: { enabled: true, brokerUrl: 'mqtts://127.0.0.1:8883', caFile: '/nonexistent/ca.pem' } } }).app;
    const running = await startServices(bad, { chargers: false, poll: false });
    afterTest(() => running.stop());
    expect(running.uplink).toBeNull();
    const alert = listAlerts(bad, { open: true, limit: 10, offset: 0 }).items.find((a) => a.code === 'hq.uplink_start_failed');
    expect(alert?.message).toMatch(/hq\.caFile \/nonexistent\/ca\.pem/);
    const admin = await addOperator(bad, 'admin');
    expect(await ok<UplinkStatus>(bad, admin, 'headquarters.status')).toMatchObject({ enabled: true, connection: 'off' });
  });
});
