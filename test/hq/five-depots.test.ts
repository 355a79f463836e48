import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import pg from 'pg';
import Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import { startServices, type Services } from '../../src-main/boot/services';
import type { AppContext } from '../../src-main/kernel/context';
import { FakeClock, DAY_MS } from '../../src-main/kernel/clock';
import { depotId, journalTip, readJournal, verifyJournal } from '../../src-main/kernel/journal';
import { readUplinkState } from '../../src-main/headquarters';
import { afterTest } from '../after-test';
import { makeApp, REPO_ROOT, tempDir } from '../helpers';
import { launchMosquitto, mosquittoAvailable, MOSQUITTO_DIRS, type Mosquitto } from '../mosquitto-process';
import { launchPostgres, postgresMissing } from '../postgres-process';
import { addDrivers, driversOf, runSessions, type Traffic } from './traffic';

/**
 * Issue 22's proof, on one machine, with every piece real: five depots (real SQLite files opened
 * through the real open path, their uplinks started by boot/services.ts from each depot's
 * config.json), a real Mosquitto between them and HQ, and HQ's ingestor (`depotdesk hq serve`, a
 * process of its own so that it can be killed) writing to a private PostgreSQL. The depots write
 * charging sessions (top-ups, holds, settlements, voids; test/hq/traffic.ts) on fake clocks, and
 * everything that can go wrong between them goes wrong once:
 *
 *   A. HQ is down while the depots write (their uplinks' hellos go unanswered).
 *   B. The broker is down while the depots write (they cannot publish).
 *   C. Acknowledgements are dropped: the broker's ACL is changed (reloaded with SIGHUP, no restart)
 *      so that HQ's login may no longer publish on depot/+/ack. Mosquitto then drops HQ's acks
 *      silently (MQTT 3.1.1 has no way to refuse a publish), exactly what a lost ack looks like:
 *      HQ commits, the depot never hears, resends after hq.ackTimeoutMs, HQ must skip what it has.
 *   D. Publishes are duplicated: a test-side MQTT client (its own login, allowed on depot/#)
 *      republishes every batch it sees the moment it sees it (two copies racing into the ingestor),
 *      then every batch it captured since the start, newest first.
 *   E. The ingestor loses PostgreSQL mid-transaction (pg_terminate_backend while its INSERT waits on
 *      a lock this test holds); PostgreSQL itself is killed (SIGKILL, crash recovery on restart)
 *      with the ingestor's transactions open the same way; then the ingestor process and a depot
 *      process are SIGKILLed while batches are inside the ingestor's open transactions and the
 *      depot has more in flight; the depot is reopened from the same file, the ingestor started again.
 *   F. A depot's journal is tampered with by hand (one row's payload changed in its SQLite file,
 *      after dropping the trigger that refuses updates): HQ must refuse that row, raise an alert,
 *      and store nothing from it on.
 *
 * At the end HQ holds exactly each depot's journal: the same count and last seq, seq 1..n with no
 * gap and no duplicate, the same hash at every seq the depot still keeps (two depots prune with
 * hq.keepDays = 0), one hq_transfers row per ledger transfer, and per account the same posted and
 * pending sums as the depot's own ledger counters.
 *
 * Waits are bounded polls that name what they waited for when they run out; nothing asserts on time.
 */
const FILE = 'test/hq/five-depots.test.ts';
const missing = [...(mosquittoAvailable ? [] : [`no mosquitto binary (looked in ${MOSQUITTO_DIRS.join(', ')})`]), ...(postgresMissing ? [postgresMissing] : [])];
if (missing.length > 0) console.log(`skipped: ${FILE}: ${missing.join('; ')}`);

const HQ_LOGIN = { username: 'hq', password: 'hq-secret' };
const OBSERVER = { username: 'observer', password: 'observer-secret' };
/** How long a bounded wait may take before it fails naming what it waited for: far above what each takes. */
const WAIT_MS = 45_000;
const DEPOTS = 5;
/** Depots 1 and 2 prune what HQ acknowledged at once; the others keep a week (the default). */
const PRUNING = new Set([0, 1]);
/** The depot killed mid-batch (run in a child process for that) and the one whose journal is tampered with. */
const KILLED = 4;
const TAMPERED = 3;

interface Depot {
  n: number;
  tag: string;
  dir: string;
  clock: FakeClock;
  id: string;
  login: { username: string; password: string };
  app: AppContext | null;
  services: Services | null;
  traffic: Traffic;
  /** The next session number this depot runs. */
  next: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns true; fails naming `what` and the last state `check` described. */
async function waitFor(what: string, check: () => boolean | Promise<boolean>, describe: () => string | Promise<string> = () => '', limitMs = WAIT_MS): Promise<void> {
  const until = Date.now() + limitMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) throw new Error(`waited ${limitMs / 1000} s for ${what}; it did not happen. State: ${await describe()}`);
    await sleep(100);
  }
}

function acl(depots: readonly Depot[], hqMayAck: boolean): string[] {
  return [
    `user ${HQ_LOGIN.username}`,
    'topic read depot/+/journal',
    // Phase C takes this line away: HQ's acks are then dropped by the broker.
    ...(hqMayAck ? ['topic write depot/+/ack'] : []),
    '',
    `user ${OBSERVER.username}`,
    'topic readwrite depot/#',
    '',
    // Each depot its own login, limited to its own topics (docs/headquarters.md, the broker's ACL).
    ...depots.flatMap((d) => [`user ${d.login.username}`, `topic write depot/${d.id}/journal`, `topic read depot/${d.id}/ack`, '']),
  ];
}

/** The pid of the Mosquitto this process started (a direct child), to send it SIGHUP. */
function mosquittoPid(): number {
  const r = spawnSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  const pids = r.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([, comm]) => comm === 'mosquitto')
    .map(([pid]) => Number(pid));
  if (pids.length !== 1) throw new Error(`expected one mosquitto child of ${process.pid}, found ${pids.length}: ${r.stdout}`);
  return pids[0];
}

/** Rewrites the broker's ACL file and has Mosquitto reload it (SIGHUP): the connections stay up. */
function reloadAcl(dir: string, lines: string[]): void {
  fs.writeFileSync(path.join(dir, 'acl'), [...lines, ''].join('\n'));
  process.kill(mosquittoPid(), 'SIGHUP');
}

interface Captured {
  depot: string;
  first: number | null;
  last: number | null;
  rows: number;
  payload: Buffer;
}

/** The test's own MQTT client on depot/+/journal: records every batch, and in echo mode republishes it at once. */
async function observe(url: string): Promise<{ client: MqttClient; seen: Captured[]; echo: { on: boolean }; republished: { n: number } }> {
  const client = await mqtt.connectAsync(url, { ...OBSERVER, clientId: 'hq-test-observer', clean: true, reconnectPeriod: 200, connectTimeout: 5_000 });
  const seen: Captured[] = [];
  const echo = { on: false };
  const republished = { n: 0 };
  const echoed = new Set<string>();
  client.on('message', (topic, payload) => {
    const msg = JSON.parse(payload.toString('utf8')) as { depot: string; rows: { seq: number }[] };
    seen.push({ depot: msg.depot, first: msg.rows[0]?.seq ?? null, last: msg.rows.at(-1)?.seq ?? null, rows: msg.rows.length, payload: Buffer.from(payload) });
    // Each distinct batch once: the copy comes back to this client too, and must not be echoed again.
    const text = payload.toString('utf8');
    if (echo.on && msg.rows.length > 0 && !echoed.has(text)) {
      echoed.add(text);
      republished.n += 1;
      client.publish(topic, payload, { qos: 1 });
    }
  });
  await client.subscribeAsync('depot/+/journal', { qos: 1 });
  afterTest(() => client.endAsync(true));
  return { client, seen, echo, republished };
}

/** HQ's ingestor as an operator runs it: `depotdesk hq serve`, a process of its own. */
function startIngestor(pgUrl: string, brokerUrl: string): { proc: ChildProcess; output: () => string; exited: Promise<{ code: number | null; signal: string | null }> } {
  const proc = spawn(
    process.execPath,
    [path.join(REPO_ROOT, 'bin', 'depotdesk.js'), 'hq', 'serve', '--pg', pgUrl, '--broker', brokerUrl, '--username', HQ_LOGIN.username],
    { cwd: REPO_ROOT, env: { ...process.env, DEPOTDESK_HQ_BROKER_PASSWORD: HQ_LOGIN.password }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  afterTest(async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      await exited;
    }
  });
  return { proc, output: () => output, exited };
}

describe.skipIf(missing.length > 0)('five depots ship their journals to HQ through every failure', { timeout: 170_000 }, () => {
  test('HQ ends with exactly each depot’s journal and money; a tampered chain is refused and alerted', async () => {
    // ── PostgreSQL, five depots, the broker ───────────────────────────────────────────────────────
    const pgServer = await launchPostgres();
    afterTest(() => pgServer.stop());
    const hqUrl = await pgServer.createDatabase('depotdesk_hq');
    const pool = new pg.Pool({ connectionString: hqUrl, max: 3 });
    // The connection phase E terminates on purpose may also be an idle one of this pool.
    pool.on('error', () => undefined);
    afterTest(() => pool.end());
    /** A query on HQ's database; once more on a connection that died with the server (phase E kills it). */
    const q = async <R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> => {
      try {
        return (await pool.query<R>(sql, params)).rows;
      } catch (e) {
        if (!/Connection terminated|terminating connection|ECONNRESET|ECONNREFUSED/.test((e as Error).message)) throw e;
        return (await pool.query<R>(sql, params)).rows;
      }
    };

    const depots: Depot[] = [];
    for (let n = 0; n < DEPOTS; n += 1) {
      const dir = tempDir(`depotdesk-hq-depot${n + 1}-`);
      const clock = new FakeClock('2026-03-02T06:00:00Z');
      // The first open makes the depot's id; its drivers are registered before HQ exists.
      const { app } = makeApp({ dir, clock });
      const traffic = addDrivers(app, `D${n + 1}`, 6, 13_900_000_000 + n * 100);
      const id = depotId(app.sqlite);
      app.close();
      depots.push({
        n,
        tag: `D${n + 1}`,
        dir,
        clock,
        id,
        login: { username: `depot-${n + 1}`, password: `depot-${n + 1}-secret` },
        app: null,
        services: null,
        traffic,
        next: 0,
      });
    }

    const brokerDir = tempDir('depotdesk-hq-mosquitto-');
    const users = Object.fromEntries([HQ_LOGIN, OBSERVER, ...depots.map((d) => d.login)].map((l) => [l.username, l.password]));
    // Batches of up to 40 rows are far below a MiB; Mosquitto's packet limit must let hq.maxBatchBytes through.
    const broker: Mosquitto = await launchMosquitto({ dir: brokerDir, users, acl: acl(depots, true), maxPayloadBytes: 1024 * 1024 });
    afterTest(() => broker.kill());

    // Each depot's uplink settings, where an operator puts them: its config.json.
    for (const d of depots) {
      const hq = {
        enabled: true,
        brokerUrl: broker.url,
        ...d.login,
        depotName: `Depot ${d.n + 1}`,
        batchRows: 40,
        ackTimeoutMs: 1_000,
        pollMs: 100,
        keepDays: PRUNING.has(d.n) ? 0 : 7,
      };
      fs.writeFileSync(path.join(d.dir, 'config.json'), JSON.stringify({ hq }, null, 2));
    }

    const open = async (d: Depot) => {
      d.app = makeApp({ dir: d.dir, clock: d.clock }).app;
      d.traffic = driversOf(d.app, d.tag);
      d.services = await startServices(d.app, { chargers: false, poll: false });
      if (!d.services.uplink) {
        const why = d.app.sqlite.prepare<[], { message: string }>("SELECT message FROM alerts WHERE code = 'hq.uplink_start_failed' ORDER BY rowid DESC").get();
        throw new Error(`${d.tag}: the uplink did not start (hq.enabled ${d.app.config.hq.enabled}): ${why?.message ?? 'no alert'}`);
      }
    };
    const close = async (d: Depot) => {
      await d.services?.stop();
      d.app?.close();
      d.services = null;
      d.app = null;
    };
    afterTest(async () => {
      for (const d of depots) await close(d);
    });
    const write = (d: Depot, sessions: number) => {
      runSessions(d.app!, d.traffic, d.next, d.next + sessions, d.clock);
      d.next += sessions;
    };
    const tip = (d: Depot) => journalTip(d.app!.sqlite).seq;

    /** HQ's cursor per depot; empty before the ingestor first started (it creates the tables). */
    const hqCursor = async (): Promise<Map<string, { acked: number; refused: unknown }>> => {
      const rows = await q<{ depot_id: string; acked_seq: string; refused: unknown }>('SELECT depot_id, acked_seq, refused FROM hq_depots').catch((e: unknown) => {
        if ((e as { code?: string }).code === '42P01') return [];
        throw e;
      });
      return new Map(rows.map((r) => [r.depot_id, { acked: Number(r.acked_seq), refused: r.refused }]));
    };
    const lag = async (among: readonly Depot[] = depots) => {
      const hq = await hqCursor();
      return among
        .map(
          (d) => `${d.tag}: tip ${d.app ? tip(d) : '(closed)'}, HQ ${hq.get(d.id)?.acked ?? 'none'}, depot heard ${d.app ? readUplinkState(d.app).ackedSeq : '(closed)'}`,
        )
        .join('; ');
    };
    /** HQ holds every row of these depots and each depot has heard it. */
    const caughtUp = async (among: readonly Depot[]) => {
      const hq = await hqCursor();
      return among.every((d) => hq.get(d.id)?.acked === tip(d) && readUplinkState(d.app!).ackedSeq === tip(d));
    };

    for (const d of depots) await open(d);
    const observer = await observe(broker.url);

    // ── A. HQ down: the depots write; their uplinks say hello and nobody answers ──────────────────
    for (const d of depots) write(d, 25);
    await waitFor(
      'every uplink to have sent (with no HQ to answer)',
      () => depots.every((d) => readUplinkState(d.app!).lastSentAt !== null),
      () => lag(),
    );
    expect(depots.every((d) => readUplinkState(d.app!).ackedSeq === 0)).toBe(true);

    let ingestor = startIngestor(hqUrl, broker.url);
    await waitFor(
      'HQ to catch up after it started',
      () => caughtUp(depots),
      async () => `${await lag()}\ningestor: ${ingestor.output()}`,
    );

    // ── B. The broker down: the depots write on, then it comes back ───────────────────────────────
    await broker.kill();
    for (const d of depots) write(d, 20);
    await waitFor(
      'every uplink to see the broker gone',
      () => depots.every((d) => d.services!.uplink!.connection() !== 'connected'),
      () => depots.map((d) => d.services!.uplink!.connection()).join(', '),
    );
    await broker.restart();
    await waitFor(
      'HQ to catch up after the broker came back',
      () => caughtUp(depots),
      async () => `${await lag()}\ningestor: ${ingestor.output()}`,
    );

    // ── C. Acks dropped: HQ commits, the depots never hear ───────────────────────────────────────
    const heardBefore = new Map(depots.map((d) => [d.id, readUplinkState(d.app!).ackedSeq]));
    reloadAcl(brokerDir, acl(depots, false));
    for (const d of depots) write(d, 15);
    await waitFor(
      'HQ to commit batches whose acks are dropped, and each depot to send its first unacknowledged batch again',
      async () => {
        const hq = await hqCursor();
        return depots.every((d) => {
          const heard = readUplinkState(d.app!).ackedSeq;
          const resent = observer.seen.filter((m) => m.depot === d.id && m.first === heard + 1).length;
          return heard === heardBefore.get(d.id) && hq.get(d.id)!.acked > heard && resent >= 2;
        });
      },
      () => lag(),
    );
    reloadAcl(brokerDir, acl(depots, true));
    await waitFor(
      'HQ to catch up once its acks go through again',
      () => caughtUp(depots),
      () => lag(),
    );

    // ── D. Duplicated publishes: every batch twice at once, then every captured batch again ──────
    observer.echo.on = true;
    for (const d of depots) write(d, 25);
    await waitFor(
      'HQ to catch up while every batch arrives twice',
      () => caughtUp(depots),
      () => lag(),
    );
    observer.echo.on = false;
    expect(observer.republished.n, 'the observer republished batches').toBeGreaterThan(0);
    const captured = observer.seen.filter((m) => m.rows > 0).reverse();
    for (const m of captured) await observer.client.publishAsync(`depot/${m.depot}/journal`, m.payload, { qos: 1 });
    for (const d of depots) write(d, 3);
    await waitFor(
      'HQ to catch up after the captured batches came again',
      () => caughtUp(depots),
      () => lag(),
    );

    // ── E. PostgreSQL drops the ingestor mid-transaction; then the ingestor and a depot are killed mid-batch ──
    const lockJournal = async () => {
      const locker = await pool.connect();
      await locker.query('BEGIN');
      // SHARE conflicts with the ROW EXCLUSIVE an INSERT takes: the ingestor's next batch waits inside its transaction.
      await locker.query('LOCK TABLE hq_journal IN SHARE MODE');
      return locker;
    };
    /** The ingestor's backends waiting on our lock inside an open transaction. */
    const blockedIngestor = async () =>
      q<{ pid: number; query: string }>(
        `SELECT pid, query FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
           AND wait_event_type = 'Lock' AND xact_start IS NOT NULL AND query ILIKE '%hq_journal%'`,
      );

    let locker = await lockJournal();
    for (const d of depots) write(d, 2);
    await waitFor(
      'the ingestor to block inside a transaction, inserting into hq_journal',
      async () => (await blockedIngestor()).length > 0,
      () => lag(),
    );
    const [victim] = await blockedIngestor();
    const killedBackend = await q<{ ok: boolean }>('SELECT pg_terminate_backend($1) AS ok', [victim.pid]);
    expect(killedBackend[0].ok).toBe(true);
    await locker.query('ROLLBACK');
    locker.release();
    await waitFor(
      'HQ to catch up after PostgreSQL dropped the ingestor mid-transaction',
      () => caughtUp(depots),
      async () => `${await lag()}\ningestor: ${ingestor.output()}`,
    );
    expect(ingestor.proc.exitCode, 'the ingestor survived losing its connection').toBeNull();

    // PostgreSQL itself killed (SIGKILL to the server and every backend) while the ingestor's
    // transactions wait on the lock, then started again (crash recovery): none of them survives.
    locker = await lockJournal();
    for (const d of depots) write(d, 2);
    await waitFor(
      'the ingestor to block inside a transaction again',
      async () => (await blockedIngestor()).length > 0,
      () => lag(),
    );
    const beforeCrash = await hqCursor();
    // The lock is held until the server dies: released first, it let the waiting transactions
    // commit before the kill (seen once in a fresh-clone run: two depots' cursors moved by 5).
    locker.on('error', () => {});
    await pgServer.kill();
    locker.release(new Error('PostgreSQL was killed under this connection'));
    await pgServer.restart();
    expect(await hqCursor(), 'no transaction open at the crash was committed').toEqual(beforeCrash);
    await waitFor(
      'HQ to catch up after PostgreSQL was killed mid-transaction',
      () => caughtUp(depots),
      async () => `${await lag()}\ningestor: ${ingestor.output().slice(-800)}`,
    );
    expect(ingestor.proc.exitCode, 'the ingestor survived PostgreSQL being killed').toBeNull();

    // Depot 5 now runs in a process of its own, writing without pause, so that it can be killed.
    const killed = depots[KILLED];
    await close(killed);
    const hqBefore = (await hqCursor()).get(killed.id)!.acked;
    locker = await lockJournal();
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(REPO_ROOT, 'test/hq/depot-child.ts'),
        killed.dir,
        killed.tag,
        String(killed.next),
        String(killed.next + 400),
        String(killed.clock.now()),
      ],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let childOut = '';
    child.stdout.on('data', (d: Buffer) => (childOut += d.toString()));
    child.stderr.on('data', (d: Buffer) => (childOut += d.toString()));
    const childExited = new Promise<{ signal: string | null }>((resolve) => child.on('exit', (_code, signal) => resolve({ signal })));
    afterTest(async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await childExited;
      }
    });
    /** The journal tip the child last reported (`session <n> <tip>`). */
    const childTip = () => Number([...childOut.matchAll(/^session \d+ (\d+)$/gm)].at(-1)?.[1] ?? 0);
    for (const d of depots.filter((x) => x !== killed)) write(d, 2);
    await waitFor(
      'the killed depot to have a batch in flight beyond what HQ holds, and the ingestor to block inside its transaction',
      async () => observer.seen.some((m) => m.depot === killed.id && m.last !== null && m.last > hqBefore) && (await blockedIngestor()).length > 0,
      () => `child: ${childOut.slice(-300)}`,
    );
    // What HQ had committed before the kills; the batches blocked in the ingestor must add nothing to it.
    const committedBeforeKill = await hqCursor();
    child.kill('SIGKILL');
    ingestor.proc.kill('SIGKILL');
    expect((await childExited).signal).toBe('SIGKILL');
    expect((await ingestor.exited).signal).toBe('SIGKILL');
    const wroteBeforeKill = childTip();
    expect(childOut, 'the depot was killed while it was writing, not after').not.toContain('done');
    await locker.query('ROLLBACK');
    locker.release();
    // Nothing of the batch the ingestor had open was committed.
    await waitFor('PostgreSQL to end the killed ingestor’s transactions', async () => (await blockedIngestor()).length === 0);
    expect((await hqCursor()).get(killed.id)!.acked).toBe(hqBefore);
    expect(await hqCursor(), 'no batch the killed ingestor had open was committed').toEqual(committedBeforeKill);
    // The session the child was in when it was killed is run again: what it committed is replayed, the rest done now.
    killed.next = Number([...childOut.matchAll(/^session (\d+) \d+$/gm)].at(-1)?.[1] ?? killed.next - 1) + 1;

    // The depot reopens from the file the killed process left; it carries on with the same sessions.
    killed.clock = new FakeClock(killed.clock.now() + DAY_MS);
    await open(killed);
    expect(tip(killed)).toBeGreaterThanOrEqual(wroteBeforeKill);
    expect(verifyJournal(killed.app!.sqlite)).toMatchObject({ ok: true });
    // Whether the kill landed inside a session (its first operations committed, the rest not): said, not asserted.
    const inSession = killed
      .app!.sqlite.prepare<[string, string], { n: number }>('SELECT count(*) AS n FROM ledger_operations WHERE key IN (?, ?)')
      .get(`${killed.tag}-S${killed.next}:topup`, `${killed.tag}-S${killed.next}:hold`)!.n;
    write(killed, 20);
    ingestor = startIngestor(hqUrl, broker.url);
    await waitFor(
      'HQ to catch up after the ingestor and a depot were killed mid-batch',
      () => caughtUp(depots),
      async () => `${await lag()}\ningestor: ${ingestor.output()}`,
    );

    // ── F. A tampered journal ─────────────────────────────────────────────────────────────────────
    const tampered = depots[TAMPERED];
    await close(tampered);
    // Rows HQ has not seen yet: written with the uplink stopped.
    tampered.app = makeApp({ dir: tampered.dir, clock: tampered.clock }).app;
    const shipped = tip(tampered);
    write(tampered, 4);
    // The second unshipped ledger operation: HQ must take the rows before it and refuse from it on.
    const victimRow = readJournal(tampered.app.sqlite, shipped, 100).filter((r) => r.kind === 'ledger.operation')[1];
    expect(victimRow, 'a ledger operation to tamper with').toBeDefined();
    expect(victimRow.seq).toBeGreaterThan(shipped + 1);
    tampered.app.close();
    tampered.app = null;
    {
      const raw = new Database(path.join(tampered.dir, 'depotdesk.sqlite'));
      const triggers = raw.prepare<[], { name: string; sql: string }>("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'journal'").all();
      const refusesUpdate = triggers.filter((t) => /BEFORE\s+UPDATE/i.test(t.sql));
      expect(refusesUpdate.length, 'the journal has a trigger refusing updates').toBeGreaterThan(0);
      for (const t of refusesUpdate) raw.exec(`DROP TRIGGER "${t.name}"`);
      const payload = JSON.parse(raw.prepare<[number], { payload: string }>('SELECT payload FROM journal WHERE seq = ?').get(victimRow.seq)!.payload) as {
        transfers: { amount: number }[];
      };
      payload.transfers[0].amount += 100_00;
      expect(raw.prepare('UPDATE journal SET payload = ? WHERE seq = ?').run(JSON.stringify(payload), victimRow.seq).changes).toBe(1);
      raw.close();
    }
    await open(tampered);
    write(tampered, 3);
    for (const d of depots.filter((x) => x !== tampered)) write(d, 3);
    const healthy = depots.filter((d) => d !== tampered);
    await waitFor(
      'HQ to refuse the tampered row and raise an alert',
      async () => {
        const alerts = await q('SELECT 1 FROM hq_alerts WHERE depot_id = $1', [tampered.id]);
        return alerts.length > 0 && readUplinkState(tampered.app!).refused?.seq === victimRow.seq;
      },
      async () => `${await lag([tampered])}; ingestor: ${ingestor.output().slice(-500)}`,
    );
    await waitFor(
      'HQ to catch up with the four other depots',
      () => caughtUp(healthy),
      () => lag(),
    );
    // The tampered depot keeps resending (after its rest): HQ keeps refusing, and stores nothing past the row before it.
    const sendsAfterRefusal = observer.seen.filter((m) => m.depot === tampered.id).length;
    await waitFor(
      'the tampered depot to send again after its refusal',
      () => observer.seen.filter((m) => m.depot === tampered.id).length > sendsAfterRefusal,
      () => lag([tampered]),
    );

    // ── The end: the last writes, the clocks a day on (pruning), everything shipped ──────────────
    for (const d of healthy) {
      d.clock.advance(DAY_MS);
      write(d, 2);
    }
    await waitFor(
      'HQ to catch up at the end',
      () => caughtUp(healthy),
      () => lag(),
    );
    // Pruning runs on the ack; one more pass lets the last ack's pruning happen before we read.
    for (const d of PRUNING)
      await waitFor(
        `${depots[d].tag} to prune what HQ holds`,
        () => readJournal(depots[d].app!.sqlite, 0, 1)[0]?.seq > 1,
        () => lag(),
      );

    // ── What HQ holds ─────────────────────────────────────────────────────────────────────────────
    for (const d of healthy) {
      const sqlite = d.app!.sqlite;
      const n = tip(d);
      expect(verifyJournal(sqlite), `${d.tag}: the depot's own journal verifies`).toMatchObject({ ok: true });
      const [hqRows] = await q<{ count: string; min: string; max: string; seqs: string; keys: string }>(
        'SELECT count(*) AS count, min(seq) AS min, max(seq) AS max, count(DISTINCT seq) AS seqs, count(DISTINCT key) AS keys FROM hq_journal WHERE depot_id = $1',
        [d.id],
      );
      // seq 1..n, each once: the same count and last seq as the depot, no gap, no duplicate.
      expect({ count: Number(hqRows.count), min: Number(hqRows.min), max: Number(hqRows.max), seqs: Number(hqRows.seqs), keys: Number(hqRows.keys) }, d.tag).toEqual({
        count: n,
        min: 1,
        max: n,
        seqs: n,
        keys: n,
      });
      // The same rows: every row the depot still keeps has HQ's hash at its seq.
      const kept = readJournal(sqlite, 0, 1_000_000);
      const hqHash = new Map(
        (await q<{ seq: string; hash: string }>('SELECT seq, hash FROM hq_journal WHERE depot_id = $1', [d.id])).map((r) => [Number(r.seq), r.hash]),
      );
      expect(
        kept.filter((r) => hqHash.get(r.seq) !== r.hash).map((r) => r.seq),
        `${d.tag}: rows whose hash HQ does not have`,
      ).toEqual([]);
      if (PRUNING.has(d.n)) expect(kept[0].seq, `${d.tag} pruned`).toBeGreaterThan(1);
      else expect(kept[0].seq, `${d.tag} keeps a week`).toBe(1);

      // The money: one hq_transfers row per ledger transfer, and per account the ledger's counters.
      const [transfers] = await q<{ n: string }>('SELECT count(*) AS n FROM hq_transfers WHERE depot_id = $1', [d.id]);
      expect(Number(transfers.n), `${d.tag}: transfers at HQ`).toBe(sqlite.prepare<[], { n: number }>('SELECT count(*) AS n FROM ledger_transfers').get()!.n);
      const hqSums = await q<{ account: string; dpost: string; cpost: string; dpend: string; cpend: string }>(
        `WITH t AS (
           SELECT x.*, (x.phase IN ('single', 'post')) AS posted,
                  (x.phase = 'pending' AND NOT EXISTS (SELECT 1 FROM hq_transfers r WHERE r.depot_id = x.depot_id AND r.pending_id = x.transfer_id)) AS open
             FROM hq_transfers x WHERE x.depot_id = $1),
         legs AS (
           SELECT debit AS account, CASE WHEN posted THEN amount ELSE 0 END AS dpost, 0 AS cpost, CASE WHEN open THEN amount ELSE 0 END AS dpend, 0 AS cpend FROM t
           UNION ALL
           SELECT credit, 0, CASE WHEN posted THEN amount ELSE 0 END, 0, CASE WHEN open THEN amount ELSE 0 END FROM t)
         SELECT account, sum(dpost) AS dpost, sum(cpost) AS cpost, sum(dpend) AS dpend, sum(cpend) AS cpend FROM legs GROUP BY account ORDER BY account`,
        [d.id],
      );
      const atHq = Object.fromEntries(
        hqSums.map((r) => [r.account, [Number(r.dpost), Number(r.cpost), Number(r.dpend), Number(r.cpend)]] as const).filter(([, v]) => v.some((x) => x !== 0)),
      );
      const atDepot = Object.fromEntries(
        sqlite
          .prepare<[], { id: string; dpost: number; cpost: number; dpend: number; cpend: number }>(
            `SELECT id, debits_posted AS dpost, credits_posted AS cpost, debits_pending AS dpend, credits_pending AS cpend FROM ledger_accounts
              WHERE debits_posted <> 0 OR credits_posted <> 0 OR debits_pending <> 0 OR credits_pending <> 0 ORDER BY id`,
          )
          .all()
          .map((r) => [r.id, [r.dpost, r.cpost, r.dpend, r.cpend]]),
      );
      expect(Object.keys(atDepot).length, `${d.tag}: accounts that moved`).toBeGreaterThan(10);
      expect(atHq, `${d.tag}: per account [debits posted, credits posted, debits pending, credits pending]`).toEqual(atDepot);
    }
    const [alertsOfHealthy] = await q<{ n: string }>('SELECT count(*) AS n FROM hq_alerts WHERE depot_id = ANY($1)', [healthy.map((d) => d.id)]);
    expect(Number(alertsOfHealthy.n), 'no alert about a healthy depot (duplicates, lost acks and kills are not faults)').toBe(0);

    // The tampered depot: HQ holds exactly the rows before the tampered one, refused it, alerted once.
    const [kept] = await q<{ count: string; max: string }>('SELECT count(*) AS count, max(seq) AS max FROM hq_journal WHERE depot_id = $1', [tampered.id]);
    expect({ count: Number(kept.count), max: Number(kept.max) }).toEqual({ count: victimRow.seq - 1, max: victimRow.seq - 1 });
    const [cursor] = await q<{ acked_seq: string; refused: { seq: number; reason: string } | null }>('SELECT acked_seq, refused FROM hq_depots WHERE depot_id = $1', [
      tampered.id,
    ]);
    expect(Number(cursor.acked_seq)).toBe(victimRow.seq - 1);
    expect(cursor.refused).toMatchObject({ seq: victimRow.seq, reason: 'hash_mismatch' });
    const alerts = await q<{ code: string; details: { seq?: number; reason?: string } | null }>('SELECT code, details FROM hq_alerts WHERE depot_id = $1', [tampered.id]);
    expect(alerts, 'one alert for the refused row, however often the depot resends it').toHaveLength(1);
    expect(alerts[0].details).toMatchObject({ seq: victimRow.seq, reason: 'hash_mismatch' });
    expect(verifyJournal(tampered.app!.sqlite)).toMatchObject({ ok: false, seq: victimRow.seq, reason: 'hash_mismatch' });
    expect(tip(tampered)).toBeGreaterThan(victimRow.seq);
    console.log(
      `five depots: ${depots.map((d) => `${d.tag} ${tip(d)} rows${d === tampered ? ` (HQ stops at ${victimRow.seq - 1})` : ''}`).join(', ')}; ` +
        `${observer.seen.length} journal messages on the wire, ${observer.republished.n} echoed at once and ${captured.length} replayed; ` +
        `${killed.tag} was killed ${inSession > 0 ? `inside a session (${inSession} of its operations committed)` : 'between sessions'}`,
    );
  });
});
