import crypto from 'node:crypto';
import mqtt from 'mqtt';
import type { Pool } from 'pg';
import { describe, expect, test } from 'vitest';
import { getCommand, insertCommand, issueCommand, startHq, type HqCommand } from '../../src-main/hq';
import { commandMessageOf } from '../../src-main/hq';
import { startUplink } from '../../src-main/headquarters';
import { listAlerts } from '../../src-main/alerts';
import { depotId, readJournal } from '../../src-main/kernel/journal';
import { commandJournalKey, commandTopic } from '../../src-main/kernel/hq-command';
import { silentLogger } from '../../src-main/kernel/logger';
import { activeListing, addListing, listBlacklist } from '../../src-main/risk';
import { getAdjustment } from '../../src-main/refunds';
import { GUANGDONG_PLAN, listTariffs } from '../../src-main/tariffs';
import { afterTest } from '../after-test';
import { ok, tempDir } from '../helpers';
import { wordingFor } from '../../src-renderer/i18n';
import { alertText } from '../../src-renderer/lib/alertText';
import { launchMosquitto, type Mosquitto } from '../mosquitto-process';
import { skipWithoutMosquitto } from '../mosquitto';
import { postgresForFile, skipWithoutPostgres } from '../postgres';
import { newDriver, refundApp, settledSession, walletOf, type RefundApp } from '../refunds/fixtures';

/**
 * Commands from headquarters to a depot, every piece real: HQ's `hq serve` core (startHq) on a
 * private PostgreSQL, Mosquitto with the ACL docs/headquarters.md gives an operator (the depot's
 * login is its id: it reads only depot/<id>/commands), and a depot (its SQLite, its domains, its
 * uplink started as boot/services.ts starts it). A command is issued at HQ (issueCommand, what
 * `depotdesk hq command` calls), published by hq serve, carried out at the depot, and marked at HQ
 * from the depot's journal row. Waits are bounded polls that say what they waited for.
 */
const FILE = 'test/hq/commands.test.ts';
const missing = skipWithoutPostgres(FILE) || skipWithoutMosquitto(FILE);
const postgres = postgresForFile();

const HQ_LOGIN = { username: 'hq', password: 'hq-secret' };
const ACL = [
  `user ${HQ_LOGIN.username}`,
  'topic read depot/+/journal',
  'topic write depot/+/ack',
  'topic write depot/+/commands',
  '',
  'pattern write depot/%u/journal',
  'pattern read depot/%u/ack',
  'pattern read depot/%u/commands',
];

async function waitFor<T>(what: string, ready: () => Promise<T | undefined | null | false> | T | undefined | null | false, limitMs = 30_000): Promise<T> {
  const until = Date.now() + limitMs;
  for (;;) {
    const v = await ready();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out after ${limitMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface World {
  pool: Pool;
  broker: Mosquitto;
  depot: RefundApp;
  id: string;
  /** Starts the depot's uplink (the depot comes online). */
  online(): void;
  /** Publishes a message on the depot's commands topic as HQ's login (a duplicate delivery). */
  publishAsHq(message: unknown): Promise<void>;
}

async function world(opts: { online?: boolean; commandsEveryMs?: number } = {}): Promise<World> {
  const { url, pool } = await postgres.freshDatabase();
  const depot = await refundApp();
  afterTest(() => depot.scheduler.stop());
  const id = depotId(depot.app.sqlite);
  const password = `depot-${crypto.randomBytes(4).toString('hex')}`;
  const broker = await launchMosquitto({
    dir: tempDir('depotdesk-hq-commands-'),
    users: { [HQ_LOGIN.username]: HQ_LOGIN.password, [id]: password },
    acl: ACL,
    maxPayloadBytes: 1024 * 1024,
  });
  afterTest(() => broker.kill());
  depot.app.config.hq = {
    ...depot.app.config.hq,
    enabled: true,
    brokerUrl: broker.url,
    username: id,
    password,
    depotName: 'Depot East',
    ackTimeoutMs: 1_000,
    pollMs: 50,
  };
  const hq = await startHq({
    pgUrl: url,
    brokerUrl: broker.url,
    ...HQ_LOGIN,
    clientId: `hq-test-${crypto.randomBytes(4).toString('hex')}`,
    logger: silentLogger(),
    commandsEveryMs: opts.commandsEveryMs ?? 300,
  });
  afterTest(() => hq.stop());
  const test = await mqtt.connectAsync(broker.url, { ...HQ_LOGIN, clientId: `hq-extra-${crypto.randomBytes(3).toString('hex')}`, reconnectPeriod: 0 });
  afterTest(() => test.endAsync(true));
  const w: World = {
    pool,
    broker,
    depot,
    id,
    online: () => {
      const u = startUplink(depot.app);
      afterTest(() => u.stop());
    },
    publishAsHq: async (message) => {
      await test.publishAsync(commandTopic(id), JSON.stringify(message), { qos: 1 });
    },
  };
  if (opts.online !== false) w.online();
  return w;
}

/** The command once HQ has the depot's outcome for it. */
function settled(pool: Pool, id: string): Promise<HqCommand> {
  return waitFor(`HQ to have the outcome of command ${id}`, async () => {
    const c = await getCommand(pool, id);
    return c.state !== 'sent' && c;
  });
}

const commandRows = (w: World) => readJournal(w.depot.app.sqlite, 0, 10_000).filter((r) => r.kind === 'hq.command');
const auditRows = (w: World, method: string) =>
  w.depot.app.sqlite.prepare('SELECT operator_id AS operatorId, operator_name AS operatorName, result FROM audit_log WHERE method = ? ORDER BY id').all(method) as {
    operatorId: string;
    operatorName: string;
    result: string;
  }[];

describe.skipIf(missing)('commands from headquarters, carried out by the depot', { timeout: 120_000 }, () => {
  test('the authorization list: issued at HQ, carried out once at the depot (published again, twice: nothing more), its journal row marks it done at HQ', async () => {
    const w = await world();
    const app = w.depot.app;
    const blocked = newDriver(app, 'to block');
    const local = newDriver(app, 'blocked here');
    const localListing = addListing(app, { driverId: local.id, reason: '本站：损坏充电枪' }, { operatorId: w.depot.sup1.id });
    const list = {
      entries: [
        { phone: blocked.phone, action: 'block', reason: '多站欠费不还', days: 30 },
        { phone: local.phone, action: 'allow', reason: '总部核实' },
        { phone: '13812345678', action: 'block', reason: '他站司机' },
      ],
    };
    const c = await issueCommand(w.pool, { depotId: w.id, kind: 'risk.authorization_list', payload: list, issuedBy: 'Li Wei' });
    expect(c.state).toBe('sent');

    const done = await settled(w.pool, c.id);
    expect(done.state).toBe('done');
    expect(done.outcome).toMatchObject({
      commandId: c.id,
      kind: 'risk.authorization_list',
      outcome: 'done',
      result: { blocked: 1, allowed: 0, unchanged: 0, notHere: 1, notHereNamed: ['13812345678'], keptDepotBlocks: [local.phone] },
    });
    // The depot's own state: the blacklist entry, made by headquarters; its own block kept.
    const listing = activeListing(app, blocked.id);
    expect(listing).toMatchObject({ listedBy: 'headquarters', reason: '总部 Headquarters: 多站欠费不还', state: 'active' });
    expect(listing!.expiresAt).toBe(app.clock.now() + 30 * 86_400_000);
    expect(activeListing(app, local.id)?.id).toBe(localListing.id);
    const rows = commandRows(w);
    expect(rows.map((r) => r.key)).toEqual([commandJournalKey(c.id)]);
    expect(done.doneSeq).toBe(rows[0].seq);
    expect(auditRows(w, 'hq.command.risk.authorization_list')).toEqual([{ operatorId: 'headquarters', operatorName: 'headquarters', result: 'ok' }]);

    // Delivered again, twice (a republish, a broker's duplicate): found by its key, nothing more.
    const message = commandMessageOf(c);
    await w.publishAsHq(message);
    await w.publishAsHq(message);
    // A later command on the same topic is delivered after them (QoS 1, one publisher, in order).
    const allow = await issueCommand(w.pool, {
      depotId: w.id,
      kind: 'risk.authorization_list',
      payload: { entries: [{ phone: blocked.phone, action: 'allow', reason: '已结清' }] },
      issuedBy: 'Li Wei',
    });
    expect((await settled(w.pool, allow.id)).outcome).toMatchObject({ outcome: 'done', result: { allowed: 1 } });
    expect(commandRows(w).map((r) => r.key)).toEqual([commandJournalKey(c.id), commandJournalKey(allow.id)]);
    expect(listBlacklist(app, { driverId: blocked.id }).listings.map((l) => [l.state, l.listedBy, l.endedBy])).toEqual([['lifted', 'headquarters', 'headquarters']]);
    expect(activeListing(app, blocked.id)).toBeUndefined();
    expect(auditRows(w, 'hq.command.risk.authorization_list')).toHaveLength(2);
  });

  test('a tariff version: imported at the depot as its own plan version, the versions HQ reports are the depot’s', async () => {
    const w = await world();
    const plan = { ...GUANGDONG_PLAN, name: '总部统一电价 2026', effectiveFrom: '2026-02-01' };
    const c = await issueCommand(w.pool, { depotId: w.id, kind: 'tariffs.version', payload: { plan }, issuedBy: 'Pricing team' });
    const done = await settled(w.pool, c.id);
    expect(done.state).toBe('done');
    const imported = listTariffs(w.depot.app).find((p) => p.name === '总部统一电价 2026');
    expect(imported).toBeDefined();
    expect(imported!.versions.map((v) => v.effectiveFrom)).toEqual(['2026-02-01']);
    expect(done.outcome).toMatchObject({
      outcome: 'done',
      result: { planId: imported!.id, versionId: imported!.versions[0].id, newPlan: true, unchanged: false, effectiveFrom: '2026-02-01' },
    });
  });

  test('a refund request becomes the depot’s manual adjustment awaiting its own approval; money moves only when a depot supervisor approves', async () => {
    const w = await world();
    const app = w.depot.app;
    const driver = newDriver(app, 'refund me');
    const session = settledSession(app, driver, { electricityFen: 3000, serviceFen: 2000 });
    const before = walletOf(app, driver.id);
    const c = await issueCommand(w.pool, {
      depotId: w.id,
      kind: 'refunds.request',
      payload: { phone: driver.phone, amountFen: 1500, reason: '总部客服：充电中断', sessionId: session },
      issuedBy: 'Service desk',
    });
    const done = await settled(w.pool, c.id);
    expect(done.outcome).toMatchObject({ outcome: 'done', result: { adjustmentId: c.id, state: 'pending', amountFen: 1500, driverId: driver.id, sessionId: session } });
    expect(getAdjustment(app, c.id)).toMatchObject({ state: 'pending', createdBy: 'headquarters', amount: 1500, reason: '总部客服：充电中断', driverId: driver.id });
    expect(walletOf(app, driver.id)).toBe(before);

    await ok(app, w.depot.sup1, 'adjustments.approve', { adjustmentId: c.id });
    expect(getAdjustment(app, c.id)).toMatchObject({ state: 'approved', resolvedBy: w.depot.sup1.id, ledgerKey: `adjust:${c.id}` });
    expect(walletOf(app, driver.id)).toBe(before + 1500);
  });

  test('a depot offline when the command was issued gets it when it comes back (its hello brings it)', async () => {
    // Every pending command is published only once a minute here: what delivers it is the depot's hello.
    const w = await world({ online: false, commandsEveryMs: 60_000 });
    const driver = newDriver(w.depot.app, 'offline');
    const c = await issueCommand(w.pool, {
      depotId: w.id,
      kind: 'risk.authorization_list',
      payload: { entries: [{ phone: driver.phone, action: 'block', reason: '总部名单' }] },
      issuedBy: 'Li Wei',
    });
    await new Promise((r) => setTimeout(r, 500));
    expect((await getCommand(w.pool, c.id)).state).toBe('sent');
    expect(activeListing(w.depot.app, driver.id)).toBeUndefined();

    w.online();
    expect((await settled(w.pool, c.id)).state).toBe('done');
    expect(activeListing(w.depot.app, driver.id)).toMatchObject({ listedBy: 'headquarters' });
  });

  test('a bad payload or an unknown kind is refused at the depot whole: journaled as refused with the reason, alerted there, shown refused at HQ', async () => {
    const w = await world();
    const app = w.depot.app;
    const plansBefore = listTariffs(app).length;
    // A tariff file HQ cannot judge (it is the depot's tariffs domain that reads it): no prices.
    const { prices: _dropped, ...noPrices } = GUANGDONG_PLAN;
    const bad = await issueCommand(w.pool, { depotId: w.id, kind: 'tariffs.version', payload: { plan: { ...noPrices, name: '坏文件' } }, issuedBy: 'Pricing team' });
    const refused = await settled(w.pool, bad.id);
    expect(refused.state).toBe('refused');
    expect(refused.outcome).toMatchObject({ commandId: bad.id, kind: 'tariffs.version', outcome: 'refused', reason: expect.stringMatching(/prices/) });
    expect(listTariffs(app)).toHaveLength(plansBefore);
    const alert = listAlerts(app, { open: true, limit: 50, offset: 0 }).items.find((a) => a.subject === `hq.command_refused:${bad.id}`);
    expect(alert).toMatchObject({ code: 'hq.command_refused', level: 'warning' });
    expect(alert!.message).toMatch(/nothing of it was done/);
    const reason = (refused.outcome as { reason: string }).reason;
    expect(alertText(wordingFor('en-US'), alert!)).toBe(
      `A request from headquarters (a tariff version, sent by Pricing team) was refused and nothing of it was done: ${reason}`,
    );
    expect(alertText(wordingFor('zh-CN'), alert!)).toBe(`总部下发的指令（电价版本，由 Pricing team 发出）被拒绝，未执行任何部分：${reason}`);
    expect(auditRows(w, 'hq.command.tariffs.version')).toEqual([{ operatorId: 'headquarters', operatorName: 'headquarters', result: 'refused' }]);

    // A kind this depot does not know (a newer HQ): issueCommand refuses it, so it is stored as a newer HQ would.
    await expect(issueCommand(w.pool, { depotId: w.id, kind: 'sessions.stop', payload: {}, issuedBy: 'x' })).rejects.toMatchObject({ code: 'invalid_input' });
    const unknown = await insertCommand(w.pool, { depotId: w.id, kind: 'sessions.stop', payload: { sessionId: 'S-1' }, issuedBy: 'Ops' });
    const r = await settled(w.pool, unknown.id);
    expect(r).toMatchObject({ state: 'refused', outcome: { outcome: 'refused', reason: expect.stringMatching(/does not carry out "sessions.stop"/) } });

    // A refund the depot's refunds domain refuses (more than was paid): refused, no adjustment.
    const driver = newDriver(app, 'over');
    const session = settledSession(app, driver, { electricityFen: 600, serviceFen: 400 });
    const over = await issueCommand(w.pool, {
      depotId: w.id,
      kind: 'refunds.request',
      payload: { phone: driver.phone, amountFen: 1001, reason: '多退', sessionId: session },
      issuedBy: 'Service desk',
    });
    expect(await settled(w.pool, over.id)).toMatchObject({
      state: 'refused',
      outcome: { reason: expect.stringMatching(/^refused: amount: ¥10\.01 is more than the ¥10\.00 left/) },
    });
    expect(() => getAdjustment(app, over.id)).toThrow(/no adjustment/);
    expect(commandRows(w).map((row) => (row.payload as { outcome: string }).outcome)).toEqual(['refused', 'refused', 'refused']);
  });
});
