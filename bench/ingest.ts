import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pino from 'pino';
import type { AppContext } from '../src-main/kernel/context';
import { openCore } from '../src-main/boot/core';
import { addCharger, addStation, startChargers, type ChargersRuntime } from '../src-main/chargers';
import { addDriver, DEPOT, driverAccountId, topUp, verifyLedger } from '../src-main/ledger';
import { sessionHooks } from '../src-main/sessions';
import { assignTariff, GUANGDONG_PLAN, importTariff } from '../src-main/tariffs';
import { launchMosquitto, mosquittoAvailable } from '../test/mosquitto-process';
import { idTagOf, messagesPerSession, readingOf, sessionsOf, type BacklogPlan, type SessionSpec } from './ingest/backlog';
import { percentile, type Benchmark, type BenchReport } from './harness';

/**
 * Charger records, end to end, with the app's real consumer (issue 12's three goals).
 *
 * The back office runs as the app runs it: startChargers with the session step's hooks
 * (sessionHooks: id tags checked against the sessions and the ledger, every committed batch of
 * transaction records handed to the session consumer, which applies and settles them), on a real
 * station priced by the Guangdong time-of-use plan, with one driver per charger whose id tag and
 * wallet (¥1,000, ledger top-up) make its StartTransactions Accepted. The chargers are simulated
 * in a child process (bench/ingest/publisher.ts): OCPP 1.6J over MQTT at QoS 1, one CALL in flight
 * per charger (each waits for the answer before sending the next message, as OCPP-J requires and
 * as a replaying charger must, since its MeterValues and StopTransaction carry the transactionId of
 * the StartTransaction's answer). A second child is the "live" charger, so its round trips are
 * not measured through the fleet's busy process.
 *
 * Phases (the embedded broker, inside this process as in the default deployment):
 *  1. Storage: `storageSessions` chargers each replay one session of Start + 60 MeterValues + Stop
 *     (connector 2); dbstat before/after, per table, once all are settled. Baseline: the same
 *     sessions written as bare rows (sessions, samples, settle-like ledger rows) into a copy of the
 *     same database.
 *  2. Steady state: every charger opens a transaction (connector 2), then sends a MeterValues every
 *     `chargers / 20` s (20 msg/s in all; 10 s each for 200 chargers) for `steadySeconds`: CPU of
 *     this process (back office + embedded broker; the chargers' process excluded) as a share of
 *     one core, and the round trips. Baseline: the same process idle for `idleSeconds`.
 *  3. Catch-up: every charger replays its offline backlog at once (connector 1, sessions spread
 *     over the past day on the chargers' clocks), `sessionsPerCharger` × (Start + 48 MeterValues +
 *     Stop); done when the chargers have every answer, no inbox record of theirs is unprocessed
 *     and every backlog session is PAID or UNPAID. Meanwhile the live charger sends a MeterValues
 *     every 100 ms (when its previous one was answered). Baselines: the live charger's round trips
 *     with nothing else going on, and the same backlog's records applied by a bare SQL loop
 *     (plain better-sqlite3, same tables, 500 records per transaction, no validation, no MQTT).
 * Then the catch-up again on Mosquitto (broker.mode = external) when it is installed.
 *
 * The wait for a catch-up is bounded (2 × the goal, at least 30 s; DEPOTDESK_BENCH_CATCHUP_LIMIT_S
 * overrides): a consumer that cannot keep up is reported as "did not finish: N of M applied".
 */

const here = path.dirname(fileURLToPath(import.meta.url));
const DAY = 86_400_000;
const PASSWORD = 'bench-charger-pw';
const BACK_OFFICE_PASSWORD = 'bench-back-office-pw';
const LIVE = 'LIVE-01';
const TIME_ZONE = 'Asia/Shanghai';
/** Issue 12: 100,000 messages in ≤ 60 s, i.e. 1,667 msg/s; a quick run is held to the same rate. */
const GOAL_MSGS = 100_000;
const GOAL_S = 60;
const GOAL_RATIO = 2;
const GOAL_LIVE_P99_MS = 1_000;
const GOAL_CPU_PCT = 5;
const GOAL_BYTES = 20 * 1024;
const BARE_BATCH = 500;

interface Scale {
  chargers: number;
  sessionsPerCharger: number;
  samplesPerSession: number;
  storageSessions: number;
  steadySeconds: number;
  idleSeconds: number;
  liveAloneSeconds: number;
}

const FULL: Scale = { chargers: 200, sessionsPerCharger: 10, samplesPerSession: 48, storageSessions: 40, steadySeconds: 60, idleSeconds: 10, liveAloneSeconds: 5 };
const QUICK: Scale = { chargers: 50, sessionsPerCharger: 4, samplesPerSession: 48, storageSessions: 10, steadySeconds: 15, idleSeconds: 3, liveAloneSeconds: 3 };

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

// --- the simulated chargers' processes -------------------------------------------------------

interface Child {
  request<T>(msg: Record<string, unknown>, ev: string): Promise<T>;
  send(msg: Record<string, unknown>): void;
  quit(): Promise<void>;
}

function startPublisher(): Promise<Child> {
  const proc: ChildProcess = fork(path.join(here, 'ingest', 'publisher.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const request = <T>(msg: Record<string, unknown>, ev: string) =>
    new Promise<T>((resolve, reject) => {
      const on = (m: { ev: string; message?: string }) => {
        if (m.ev === ev) {
          proc.off('message', on);
          resolve(m as T);
        } else if (m.ev === 'error') {
          proc.off('message', on);
          reject(new Error(`simulated chargers: ${m.message}`));
        }
      };
      proc.on('message', on);
      proc.send(msg);
    });
  const quit = () =>
    new Promise<void>((resolve) => {
      if (proc.exitCode !== null) return resolve();
      const t = setTimeout(() => {
        proc.kill();
        resolve();
      }, 5_000);
      proc.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      proc.send({ cmd: 'quit' });
    });
  return new Promise((resolve, reject) => {
    proc.once('error', reject);
    proc.once('message', (m: { ev: string }) =>
      m.ev === 'started' ? resolve({ request, send: (msg) => proc.send(msg), quit }) : reject(new Error(`unexpected ${m.ev}`)),
    );
  });
}

interface SessionsResult {
  sent: number;
  answered: number;
  errors: number;
  firstError: string | null;
  statuses: Record<string, number>;
  sessionsSkipped: number;
  aborted: boolean;
  ms: number;
}

interface LiveResult {
  sent: number;
  answered: number;
  errors: number;
  rtts: number[];
  unanswered: number;
}

// --- the depot: one template database, copied for each run -----------------------------------

/**
 * Station, tariff, chargers and drivers, made once through the app's own functions. The clock is
 * a week back so the station's tariff is in force for the backlog's past day (an assignment can
 * only start in the future of the clock that makes it).
 */
async function makeTemplate(dataDir: string, ids: string[]): Promise<string> {
  const clock = { now: () => Date.now() - 7 * DAY, timeZone: TIME_ZONE };
  const core = openCore({ dataDir, mode: 'cli', log: pino({ level: 'silent' }), clock });
  try {
    const station = addStation(core, { name: 'Bench yard' });
    const plan = importTariff(core, { file: GUANGDONG_PLAN });
    assignTariff(core, { stationId: station.id, planId: plan.planId, at: clock.now() + 1_000 });
    await Promise.all(ids.map((id) => addCharger(core, { id, station: station.id, connectors: 2, password: PASSWORD })));
    ids.forEach((id, i) => {
      const d = addDriver(core, { name: `Driver ${id}`, phone: String(13_900_000_000 + i), tags: [idTagOf(id)] });
      topUp(core, { key: `topup:${d.id}`, driverId: d.id, amountFen: 100_000, channel: 'cash' });
    });
    return core.paths.dbFile;
  } finally {
    core.close();
  }
}

function copyDb(from: string, dataDir: string): string {
  fs.mkdirSync(dataDir, { recursive: true });
  const to = path.join(dataDir, 'depotdesk.sqlite');
  for (const suffix of ['', '-wal', '-shm']) if (fs.existsSync(from + suffix)) fs.copyFileSync(from + suffix, to + suffix);
  return to;
}

/** Counts what the back office logs at warn and above (the bench must not hide a consumer's errors). */
function countingLogger(): { log: pino.Logger; counts: { warn: number; error: number; first: string[] } } {
  const counts = { warn: 0, error: 0, first: [] as string[] };
  const log = pino(
    { level: 'warn', base: undefined },
    {
      write(line: string) {
        const o = JSON.parse(line) as { level: number; msg?: string; err?: { message?: string } };
        if (o.level >= 50) counts.error += 1;
        else counts.warn += 1;
        if (counts.first.length < 3) counts.first.push(`${o.msg ?? ''}${o.err?.message ? ` (${o.err.message})` : ''}`.slice(0, 200));
      },
    },
  );
  return { log, counts };
}

interface BackOffice {
  core: AppContext;
  rt: ChargersRuntime;
  url: string;
  logged: ReturnType<typeof countingLogger>['counts'];
}

/** The back office as the app runs it: the charger link with the session step's hooks. */
async function startBackOffice(dataDir: string, broker: Record<string, unknown>): Promise<BackOffice> {
  const { log, counts } = countingLogger();
  const core = openCore({ dataDir, mode: 'serve', log, overrides: { broker } });
  try {
    const rt = await startChargers(core, { hooks: sessionHooks(), waitConnected: true });
    return { core, rt, url: rt.broker ? rt.broker.url : String(broker.url), logged: counts };
  } catch (e) {
    core.close();
    throw e;
  }
}

async function stopBackOffice(b: BackOffice): Promise<void> {
  try {
    await b.rt.stop();
  } finally {
    b.core.close();
  }
}

// --- probes ----------------------------------------------------------------------------------

/** Inbox records not yet applied (pending or parked), of every charger but the live one. */
function unprocessed(core: AppContext): number {
  // Two queries so each is answered from its partial index.
  const q = (parked: string) =>
    (
      core.sqlite.prepare(`SELECT count(*) AS n FROM charger_transactions WHERE processed_at IS NULL AND parked_at ${parked} AND charger_id <> ?`).get(LIVE) as {
        n: number;
      }
    ).n;
  return q('IS NULL') + q('IS NOT NULL');
}

function settledOn(core: AppContext, connectorId: number): number {
  return (
    core.sqlite
      .prepare("SELECT count(*) AS n FROM charging_sessions WHERE state IN ('PAID', 'UNPAID') AND connector_id = ? AND charger_id <> ?")
      .get(connectorId, LIVE) as { n: number }
  ).n;
}

function statesOn(core: AppContext, connectorId: number): Record<string, number> {
  const rows = core.sqlite
    .prepare('SELECT state, count(*) AS n FROM charging_sessions WHERE connector_id = ? AND charger_id <> ? GROUP BY state')
    .all(connectorId, LIVE) as { state: string; n: number }[];
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
}

/** Polls until done() or the bound; resolves with whether it finished and when (ms since t0). */
async function waitFor(done: () => boolean, t0: number, boundMs: number): Promise<{ finished: boolean; ms: number }> {
  for (;;) {
    if (done()) return { finished: true, ms: performance.now() - t0 };
    if (performance.now() - t0 > boundMs) return { finished: false, ms: performance.now() - t0 };
    await sleep(100);
  }
}

/** Bytes of database per table (its indexes included), from SQLite's dbstat. */
function dbstat(sqlite: Database.Database | AppContext['sqlite']): Map<string, number> {
  const owner = new Map(
    (sqlite.prepare("SELECT name, tbl_name AS tbl FROM sqlite_master WHERE type IN ('table', 'index')").all() as { name: string; tbl: string }[]).map((r) => [
      r.name,
      r.tbl,
    ]),
  );
  const out = new Map<string, number>();
  for (const r of sqlite.prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name').all() as { name: string; bytes: number }[]) {
    const t = owner.get(r.name) ?? r.name;
    out.set(t, (out.get(t) ?? 0) + r.bytes);
  }
  return out;
}

function growth(before: Map<string, number>, after: Map<string, number>, per: number): { perTable: [string, number][]; total: number } {
  const perTable: [string, number][] = [];
  let total = 0;
  for (const [t, bytes] of after) {
    const d = bytes - (before.get(t) ?? 0);
    if (d !== 0) perTable.push([t, d / per]);
    total += d;
  }
  perTable.sort((a, b) => b[1] - a[1]);
  return { perTable, total: total / per };
}

function cpuShare(cpu: NodeJS.CpuUsage, wallMs: number): number {
  return ((cpu.user + cpu.system) / 1000 / wallMs) * 100;
}

// --- the bare SQL loop -----------------------------------------------------------------------

interface BareRecord {
  s: SessionSpec;
  key: string;
  kind: 'start' | 'meter' | 'stop';
  j: number;
}

/** The plan's records in the order the chargers deliver them: each charger's in order, chargers interleaved. */
function bareRecords(plan: BacklogPlan): BareRecord[] {
  const perCharger = plan.chargers.map((_, i) =>
    sessionsOf(plan, i).flatMap((s, k) => {
      const key = `bare-${s.chargerId}-${plan.connectorId}-${k}`;
      const out: BareRecord[] = [{ s, key, kind: 'start', j: 0 }];
      for (let j = 1; j <= s.samples; j += 1) out.push({ s, key, kind: 'meter', j });
      out.push({ s, key, kind: 'stop', j: s.samples + 1 });
      return out;
    }),
  );
  const out: BareRecord[] = [];
  const longest = Math.max(...perCharger.map((r) => r.length));
  for (let t = 0; t < longest; t += 1) for (const list of perCharger) if (t < list.length) out.push(list[t]);
  return out;
}

/**
 * The floor for applying the same records: plain better-sqlite3 on the same tables (WAL,
 * synchronous=FULL, foreign keys on), 500 records per transaction. A start inserts its session and
 * first reading; a MeterValues its reading; a stop its reading, the session's final figures, and
 * settle-like ledger rows (operation, batch, two transfers, three account counters), the amount
 * from a flat price. No parsing, validation, message log, inbox, timeline, tariff or MQTT.
 */
function bareApply(dbFile: string, plan: BacklogPlan): { ms: number; records: number; sessions: number; db: Database.Database } {
  const db = new Database(dbFile);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  const stationId = (db.prepare('SELECT id FROM stations LIMIT 1').get() as { id: string }).id;
  const driverOf = new Map(
    (db.prepare('SELECT tag, driver_id AS driverId FROM driver_id_tags').all() as { tag: string; driverId: string }[]).map((r) => [r.tag, r.driverId]),
  );
  let txId = (db.prepare('SELECT coalesce(max(transaction_id), 0) AS n FROM charging_sessions').get() as { n: number }).n;
  const insSession = db.prepare(
    `INSERT INTO charging_sessions (id, state, origin, charger_id, connector_id, station_id, driver_id, id_tag, prepay_fen, transaction_id,
       meter_start_wh, started_at, start_received_at, created_at, updated_at) VALUES (?, 'CHARGING', 'charger', ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)`,
  );
  const insSample = db.prepare('INSERT INTO session_meter_samples (session_id, charger_at, received_at, wh, source, record_id) VALUES (?, ?, ?, ?, ?, NULL)');
  const finish = db.prepare(
    `UPDATE charging_sessions SET state = 'PAID', meter_stop_wh = ?, stopped_at = ?, stop_received_at = ?, stop_reason = 'Local', energy_wh = ?,
       amount_fen = ?, electricity_fen = ?, service_fen = ?, paid_wallet_fen = ?, settlement_key = ?, settled_at = ?, updated_at = ? WHERE id = ?`,
  );
  const insBatch = db.prepare('INSERT INTO ledger_batches (at, operation_key) VALUES (?, ?)');
  const insTransfer = db.prepare(
    `INSERT INTO ledger_transfers (id, debit_account_id, credit_account_id, amount, code, phase, batch, memo, session_id, created_at)
     VALUES (?, ?, ?, ?, ?, 'single', ?, ?, ?, ?)`,
  );
  const debit = db.prepare('UPDATE ledger_accounts SET debits_posted = debits_posted + ? WHERE id = ?');
  const credit = db.prepare('UPDATE ledger_accounts SET credits_posted = credits_posted + ? WHERE id = ?');
  const insOperation = db.prepare("INSERT INTO ledger_operations (key, kind, request, result, batch, created_at) VALUES (?, 'settle', ?, ?, ?, ?)");

  const records = bareRecords(plan);
  const apply = db.transaction((lo: number, hi: number) => {
    const now = Date.now();
    for (let i = lo; i < hi; i += 1) {
      const { s, key, kind, j } = records[i];
      if (kind === 'start') {
        txId += 1;
        insSession.run(key, s.chargerId, s.connectorId, stationId, driverOf.get(s.idTag) ?? null, s.idTag, txId, s.meterStartWh, s.startAt, now, now, now);
        insSample.run(key, s.startAt, now, s.meterStartWh, 'start');
        continue;
      }
      const r = readingOf(s, j);
      insSample.run(key, r.at, now, r.wh, kind === 'meter' ? 'meter' : 'stop');
      if (kind === 'meter') continue;
      const wh = r.wh - s.meterStartWh;
      const electricity = Math.round((wh * 6_254) / 100_000);
      const service = Math.round((wh * 8_000) / 100_000);
      const driverId = driverOf.get(s.idTag)!;
      const wallet = driverAccountId(driverId, 'wallet');
      const opKey = `settle:${key}`;
      const batch = Number(insBatch.run(now, opKey).lastInsertRowid);
      const memo = `session ${key} on ${s.chargerId}/${s.connectorId}: ${(wh / 1000).toFixed(3)} kWh`;
      insTransfer.run(`${opKey}#wallet:electricity`, wallet, DEPOT.electricityRevenue, electricity, 'settle_electricity', batch, memo, key, now);
      insTransfer.run(`${opKey}#wallet:service`, wallet, DEPOT.serviceRevenue, service, 'settle_service', batch, memo, key, now);
      debit.run(electricity + service, wallet);
      credit.run(electricity, DEPOT.electricityRevenue);
      credit.run(service, DEPOT.serviceRevenue);
      insOperation.run(
        opKey,
        JSON.stringify({ driverId, sessionId: key, electricityFen: electricity, serviceFen: service }),
        JSON.stringify({ paid: electricity + service }),
        batch,
        now,
      );
      finish.run(r.wh, r.at, now, wh, electricity + service, electricity, service, electricity + service, opKey, now, now, key);
    }
  });
  const t0 = performance.now();
  for (let i = 0; i < records.length; i += BARE_BATCH) apply(i, Math.min(records.length, i + BARE_BATCH));
  const ms = performance.now() - t0;
  return { ms, records: records.length, sessions: plan.chargers.length * plan.sessionsPerCharger, db };
}

// --- the catch-up ----------------------------------------------------------------------------

interface CatchUp {
  messages: number;
  sessions: number;
  finished: boolean;
  seconds: number;
  boundSeconds: number;
  received: number;
  applied: number;
  settled: number;
  unprocessed: number;
  states: Record<string, number>;
  cpuPct: number;
  publisher: SessionsResult | null;
  liveIdle: LiveResult;
  live: LiveResult;
  ledgerViolations: number;
  logged: BackOffice['logged'];
}

async function catchUp(b: BackOffice, fleet: Child, live: Child, plan: BacklogPlan, scale: Scale, boundMs: number): Promise<CatchUp> {
  const { core } = b;
  const messages = plan.chargers.length * plan.sessionsPerCharger * messagesPerSession(plan.samplesPerSession);
  const sessions = plan.chargers.length * plan.sessionsPerCharger;

  // Baseline: the live charger's round trips with nothing else going on.
  await live.request({ cmd: 'live-begin', intervalMs: 100 }, 'live-begun');
  await sleep(scale.liveAloneSeconds * 1000);
  const liveIdle = await live.request<LiveResult>({ cmd: 'live-end' }, 'live');
  await b.rt.idle();

  const settledBefore = settledOn(core, plan.connectorId);
  const lastRecord = (core.sqlite.prepare('SELECT coalesce(max(id), 0) AS n FROM charger_transactions').get() as { n: number }).n;
  await live.request({ cmd: 'live-begin', intervalMs: 100 }, 'live-begun');
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let publisher: SessionsResult | null = null;
  const replay = fleet.request<SessionsResult>({ cmd: 'sessions', plan }, 'sessions').then((r) => (publisher = r));
  const wait = await waitFor(() => publisher !== null && unprocessed(core) === 0 && settledOn(core, plan.connectorId) - settledBefore >= sessions, t0, boundMs);
  const cpu = process.cpuUsage(cpu0);
  const liveRun = await live.request<LiveResult>({ cmd: 'live-end' }, 'live');
  if (!wait.finished) {
    fleet.send({ cmd: 'abort' });
  }
  await replay;

  const count = (sql: string) => (core.sqlite.prepare(sql).get(lastRecord, LIVE) as { n: number }).n;
  const received = count('SELECT count(*) AS n FROM charger_transactions WHERE id > ? AND charger_id <> ?');
  const applied = count('SELECT count(*) AS n FROM charger_transactions WHERE id > ? AND charger_id <> ? AND processed_at IS NOT NULL');
  const result: CatchUp = {
    messages,
    sessions,
    finished: wait.finished,
    seconds: wait.ms / 1000,
    boundSeconds: boundMs / 1000,
    received,
    applied,
    settled: settledOn(core, plan.connectorId) - settledBefore,
    unprocessed: unprocessed(core),
    states: statesOn(core, plan.connectorId),
    cpuPct: cpuShare(cpu, wait.ms),
    publisher,
    liveIdle,
    live: liveRun,
    ledgerViolations: 0,
    logged: b.logged,
  };
  if (wait.finished) result.ledgerViolations = verifyLedger(core).violations.length;
  return result;
}

function catchUpFigures(prefix: string, c: CatchUp): Record<string, number> {
  return {
    [`${prefix}catchup_finished`]: c.finished ? 1 : 0,
    [`${prefix}catchup_s`]: c.seconds,
    [`${prefix}catchup_msgs_per_s`]: (c.finished ? c.messages : c.applied) / c.seconds,
    [`${prefix}catchup_records_received`]: c.received,
    [`${prefix}catchup_records_applied`]: c.applied,
    [`${prefix}catchup_sessions_settled`]: c.settled,
    [`${prefix}catchup_records_unprocessed`]: c.unprocessed,
    [`${prefix}catchup_charger_errors`]: c.publisher?.errors ?? 0,
    [`${prefix}catchup_cpu_share_pct`]: c.cpuPct,
    [`${prefix}live_idle_p50_ms`]: percentile(c.liveIdle.rtts, 50),
    [`${prefix}live_idle_p99_ms`]: percentile(c.liveIdle.rtts, 99),
    [`${prefix}live_catchup_round_trips`]: c.live.rtts.length,
    [`${prefix}live_catchup_p50_ms`]: percentile(c.live.rtts, 50),
    [`${prefix}live_catchup_p99_ms`]: percentile(c.live.rtts, 99),
    [`${prefix}live_catchup_max_ms`]: Math.max(0, ...c.live.rtts),
    [`${prefix}live_catchup_unanswered`]: c.live.unanswered,
    [`${prefix}backoffice_warnings_logged`]: c.logged.warn,
    [`${prefix}backoffice_errors_logged`]: c.logged.error,
    ...(c.finished ? { [`${prefix}ledger_verify_violations`]: c.ledgerViolations } : {}),
  };
}

function catchUpNote(name: string, c: CatchUp): string {
  const states = Object.entries(c.states)
    .map(([s, n]) => `${s} ${n}`)
    .join(', ');
  const p = c.publisher;
  const start = p
    ? Object.entries(p.statuses)
        .map(([s, n]) => `${s} ${n}`)
        .join(', ')
    : '?';
  const head = c.finished
    ? `${name}: ${c.messages.toLocaleString('en-US')} messages (${c.sessions.toLocaleString('en-US')} sessions) applied and settled in ${c.seconds.toFixed(1)} s`
    : `${name}: did not finish: ${c.applied.toLocaleString('en-US')} of ${c.messages.toLocaleString('en-US')} records applied ` +
      `(${c.received.toLocaleString('en-US')} received, ${c.settled.toLocaleString('en-US')} of ${c.sessions.toLocaleString('en-US')} sessions settled) after ${c.seconds.toFixed(0)} s (the bound)`;
  return `${head}; backlog sessions by state: ${states || 'none'}; StartTransaction id tags: ${start}; charger-side errors ${p?.errors ?? '?'}${p?.firstError ? ` (first: ${p.firstError})` : ''}; back office logged ${c.logged.error} errors and ${c.logged.warn} warnings${c.logged.first.length > 0 ? ` (first: ${c.logged.first.join(' | ')})` : ''}`;
}

// --- the benchmark ---------------------------------------------------------------------------

interface Goal {
  value: number;
  goal: string;
  met: boolean;
}

function goal(value: number, op: '<' | '<=', limit: number, unit: string, extra = ''): Goal {
  const met = Number.isFinite(value) && (op === '<' ? value < limit : value <= limit);
  return { value: Number(value.toFixed(3)), goal: `${op} ${limit.toLocaleString('en-US')}${unit}${extra}`, met };
}

const bench: Benchmark = async ({ quick, dir }) => {
  const scale = quick ? QUICK : FULL;
  const ids = Array.from({ length: scale.chargers }, (_, i) => `C-${String(i + 1).padStart(3, '0')}`);
  const now = Date.now();
  const backlog: BacklogPlan = {
    chargers: ids,
    sessionsPerCharger: scale.sessionsPerCharger,
    samplesPerSession: scale.samplesPerSession,
    intervalMs: 60_000,
    connectorId: 1,
    endAt: now - 10 * 60_000,
    spanMs: DAY - 20 * 60_000,
  };
  const storage: BacklogPlan = {
    chargers: ids.slice(0, scale.storageSessions),
    sessionsPerCharger: 1,
    samplesPerSession: 60,
    intervalMs: 60_000,
    connectorId: 2,
    endAt: now - 2 * 3_600_000,
    spanMs: 20 * 3_600_000,
  };
  const messages = ids.length * scale.sessionsPerCharger * messagesPerSession(scale.samplesPerSession);
  const goalSeconds = (GOAL_S * messages) / GOAL_MSGS;
  const envBound = Number(process.env.DEPOTDESK_BENCH_CATCHUP_LIMIT_S);
  const boundMs = (Number.isFinite(envBound) && envBound > 0 ? envBound : Math.max(30, 2 * goalSeconds)) * 1000;
  const steadyIntervalMs = Math.round((ids.length / 20) * 1000);
  const notes: string[] = [];

  const templateDb = await makeTemplate(path.join(dir, 'template'), [...ids, LIVE]);

  // --- embedded broker: storage, steady state, catch-up ---------------------------------------
  copyDb(templateDb, path.join(dir, 'embedded'));
  const b = await startBackOffice(path.join(dir, 'embedded'), { mode: 'embedded', port: 0 });
  let embedded: CatchUp;
  let store: { perTable: [string, number][]; total: number; settled: number; finished: boolean };
  let steady: { cpuPct: number; idleCpuPct: number; rtts: number[]; sent: number; answered: number; skipped: number; unanswered: number; msgsPerS: number };
  const fleet = await startPublisher();
  const live = await startPublisher();
  try {
    await fleet.request({ cmd: 'connect', url: b.url, chargers: ids.map((id) => ({ id, password: PASSWORD })) }, 'ready');
    await live.request({ cmd: 'connect', url: b.url, chargers: [{ id: LIVE, password: PASSWORD }] }, 'ready');
    await b.rt.idle();

    // 1. storage: bytes per 60-sample session, settled.
    const before = dbstat(b.core.sqlite);
    const s0 = performance.now();
    let storageDone: SessionsResult | null = null;
    void fleet.request<SessionsResult>({ cmd: 'sessions', plan: storage }, 'sessions').then((r) => (storageDone = r));
    const sw = await waitFor(
      () => storageDone !== null && unprocessed(b.core) === 0 && settledOn(b.core, 2) >= storage.chargers.length,
      s0,
      Math.max(60_000, boundMs / 2),
    );
    if (!sw.finished) {
      fleet.send({ cmd: 'abort' });
      await waitFor(() => storageDone !== null, performance.now(), 30_000);
    }
    await b.rt.idle();
    store = { ...growth(before, dbstat(b.core.sqlite), storage.chargers.length), settled: settledOn(b.core, 2), finished: sw.finished };

    // 2. steady state: idle baseline, then 20 msg/s of MeterValues.
    const i0 = process.cpuUsage();
    const it0 = performance.now();
    await sleep(scale.idleSeconds * 1000);
    const idleCpuPct = cpuShare(process.cpuUsage(i0), performance.now() - it0);
    await fleet.request({ cmd: 'open', chargers: ids, connectorId: 2 }, 'opened');
    await b.rt.idle();
    await sleep(1_000);
    const startAt = Date.now() + 1_000;
    let c0: NodeJS.CpuUsage = process.cpuUsage();
    let w0 = performance.now();
    let steadyCpu: NodeJS.CpuUsage | null = null;
    let steadyWall = 0;
    const cpuStart = setTimeout(() => {
      c0 = process.cpuUsage();
      w0 = performance.now();
    }, startAt - Date.now());
    const cpuEnd = setTimeout(
      () => {
        steadyCpu = process.cpuUsage(c0);
        steadyWall = performance.now() - w0;
      },
      startAt + scale.steadySeconds * 1000 - Date.now(),
    );
    const sr = await fleet.request<{ sent: number; answered: number; errors: number; skipped: number; rtts: number[]; unanswered: number }>(
      { cmd: 'steady', chargers: ids, startAt, seconds: scale.steadySeconds, intervalMs: steadyIntervalMs },
      'steady',
    );
    clearTimeout(cpuStart);
    clearTimeout(cpuEnd);
    const cpu = (steadyCpu ?? process.cpuUsage(c0)) as NodeJS.CpuUsage;
    steady = {
      cpuPct: cpuShare(cpu, steadyWall || performance.now() - w0),
      idleCpuPct,
      rtts: sr.rtts,
      sent: sr.sent,
      answered: sr.answered,
      skipped: sr.skipped,
      unanswered: sr.unanswered,
      msgsPerS: sr.sent / scale.steadySeconds,
    };
    await fleet.request({ cmd: 'close', chargers: ids }, 'closed');
    await waitFor(() => unprocessed(b.core) === 0 && settledOn(b.core, 2) >= storage.chargers.length + ids.length, performance.now(), 60_000);

    // 3. catch-up, with the live charger.
    await live.request({ cmd: 'open', chargers: [LIVE], connectorId: 1 }, 'opened');
    embedded = await catchUp(b, fleet, live, backlog, scale, boundMs);
  } finally {
    await fleet.quit();
    await live.quit();
    await stopBackOffice(b);
  }

  // --- bare SQL loops ---------------------------------------------------------------------------
  const bare = bareApply(copyDb(templateDb, path.join(dir, 'bare')), backlog);
  bare.db.close();
  const bareStoreDb = copyDb(templateDb, path.join(dir, 'bare-storage'));
  let bareStorage: { total: number };
  {
    const db = new Database(bareStoreDb);
    const before = dbstat(db);
    db.close();
    const r = bareApply(bareStoreDb, storage);
    bareStorage = growth(before, dbstat(r.db), storage.chargers.length);
    r.db.close();
  }

  // --- Mosquitto: the catch-up again ------------------------------------------------------------
  let mosq: CatchUp | null = null;
  if (mosquittoAvailable) {
    const mdir = path.join(dir, 'mosquitto-broker');
    fs.mkdirSync(mdir);
    const m = await launchMosquitto({
      dir: mdir,
      users: { depotdesk: BACK_OFFICE_PASSWORD, ...Object.fromEntries([...ids, LIVE].map((id) => [id, PASSWORD])) },
    });
    try {
      copyDb(templateDb, path.join(dir, 'mosquitto'));
      const mb = await startBackOffice(path.join(dir, 'mosquitto'), {
        mode: 'external',
        url: m.url,
        username: 'depotdesk',
        password: BACK_OFFICE_PASSWORD,
        clientId: 'depotdesk-bench',
      });
      const mfleet = await startPublisher();
      const mlive = await startPublisher();
      try {
        await mfleet.request({ cmd: 'connect', url: m.url, chargers: ids.map((id) => ({ id, password: PASSWORD })) }, 'ready');
        await mlive.request({ cmd: 'connect', url: m.url, chargers: [{ id: LIVE, password: PASSWORD }] }, 'ready');
        await mlive.request({ cmd: 'open', chargers: [LIVE], connectorId: 1 }, 'opened');
        await mb.rt.idle();
        mosq = await catchUp(mb, mfleet, mlive, backlog, scale, boundMs);
      } finally {
        await mfleet.quit();
        await mlive.quit();
        await stopBackOffice(mb);
      }
    } finally {
      await m.kill();
    }
  }

  // --- report -----------------------------------------------------------------------------------
  const catchGoal = (c: CatchUp) =>
    goal(
      c.seconds,
      '<=',
      Number(goalSeconds.toFixed(1)),
      ' s',
      c.finished ? '' : `; did not finish: ${c.applied.toLocaleString('en-US')} of ${c.messages.toLocaleString('en-US')} applied`,
    );
  const ratioGoal = (c: CatchUp) => goal(c.seconds / (bare.ms / 1000), '<=', GOAL_RATIO, '', c.finished ? '' : '; a lower bound, it did not finish');
  const liveGoal = (c: CatchUp) => goal(percentile(c.live.rtts, 99), '<', GOAL_LIVE_P99_MS, ' ms');
  const ratios: BenchReport['ratios'] = {
    catchup_s: catchGoal(embedded),
    catchup_vs_bare_loop: ratioGoal(embedded),
    live_p99_ms_during_catchup: liveGoal(embedded),
    steady_cpu_share_pct: goal(steady.cpuPct, '<', GOAL_CPU_PCT, ' %'),
    storage_bytes_per_60_sample_session: goal(store.total, '<=', GOAL_BYTES, ' bytes'),
    ...(mosq ? { mosquitto_catchup_s: catchGoal(mosq), mosquitto_catchup_vs_bare_loop: ratioGoal(mosq), mosquitto_live_p99_ms_during_catchup: liveGoal(mosq) } : {}),
  };
  const pass = (g: Goal) => (g.met ? 'pass' : 'MISS');
  const fmt = (v: number, digits = 1) => v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

  const figures: Record<string, number> = {
    chargers: ids.length,
    backlog_messages: messages,
    backlog_sessions: ids.length * scale.sessionsPerCharger,
    charger_calls_in_flight: 1,
    catchup_goal_s: goalSeconds,
    catchup_bound_s: boundMs / 1000,
    bare_loop_s: bare.ms / 1000,
    bare_loop_records_per_s: bare.records / (bare.ms / 1000),
    ...catchUpFigures('', embedded),
    steady_msgs_per_s: steady.msgsPerS,
    steady_cpu_share_pct: steady.cpuPct,
    idle_cpu_share_pct: steady.idleCpuPct,
    steady_p50_ms: percentile(steady.rtts, 50),
    steady_p99_ms: percentile(steady.rtts, 99),
    steady_unanswered: steady.unanswered,
    steady_skipped_sends: steady.skipped,
    storage_sessions: storage.chargers.length,
    ...Object.fromEntries(store.perTable.map(([t, v]) => [`storage_${t}_bytes_per_session`, v])),
    storage_total_bytes_per_session: store.total,
    storage_bare_rows_bytes_per_session: bareStorage.total,
    ...(mosq ? catchUpFigures('mosquitto_', mosq) : {}),
  };

  const goalLines = [
    `GOAL catch-up (embedded): ${embedded.finished ? `${fmt(embedded.seconds)} s` : `did not finish in ${fmt(embedded.seconds, 0)} s: ${embedded.applied.toLocaleString('en-US')} of ${messages.toLocaleString('en-US')} applied`} for ${messages.toLocaleString('en-US')} messages, goal <= ${fmt(goalSeconds)} s: ${pass(ratios.catchup_s)}; bare SQL loop ${fmt(bare.ms / 1000)} s, ratio ${fmt(ratios.catchup_vs_bare_loop.value, 2)}, goal <= ${GOAL_RATIO}: ${pass(ratios.catchup_vs_bare_loop)}; live round trip p99 ${fmt(percentile(embedded.live.rtts, 99), 0)} ms (idle: ${fmt(percentile(embedded.liveIdle.rtts, 99), 0)} ms), goal < ${GOAL_LIVE_P99_MS} ms: ${pass(ratios.live_p99_ms_during_catchup)}`,
    ...(mosq
      ? [
          `GOAL catch-up (Mosquitto): ${mosq.finished ? `${fmt(mosq.seconds)} s` : `did not finish in ${fmt(mosq.seconds, 0)} s: ${mosq.applied.toLocaleString('en-US')} of ${messages.toLocaleString('en-US')} applied`}, goal <= ${fmt(goalSeconds)} s: ${pass(ratios.mosquitto_catchup_s)}; ratio to the bare loop ${fmt(ratios.mosquitto_catchup_vs_bare_loop.value, 2)}, goal <= ${GOAL_RATIO}: ${pass(ratios.mosquitto_catchup_vs_bare_loop)}; live round trip p99 ${fmt(percentile(mosq.live.rtts, 99), 0)} ms (idle: ${fmt(percentile(mosq.liveIdle.rtts, 99), 0)} ms), goal < ${GOAL_LIVE_P99_MS} ms: ${pass(ratios.mosquitto_live_p99_ms_during_catchup)}`,
        ]
      : []),
    `GOAL steady state: ${ids.length} chargers x MeterValues every ${fmt(steadyIntervalMs / 1000)} s (${fmt(steady.msgsPerS)} msg/s) for ${scale.steadySeconds} s: CPU ${fmt(steady.cpuPct, 2)} % of one core (idle: ${fmt(steady.idleCpuPct, 2)} %), goal < ${GOAL_CPU_PCT} %: ${pass(ratios.steady_cpu_share_pct)}; round trip p50 ${fmt(percentile(steady.rtts, 50), 0)} ms, p99 ${fmt(percentile(steady.rtts, 99), 0)} ms`,
    `GOAL storage: ${fmt(store.total / 1024)} KB per settled 60-sample session (${store.perTable
      .slice(0, 8)
      .map(([t, v]) => `${t} ${fmt(v / 1024)}`)
      .join(', ')}); bare rows ${fmt(bareStorage.total / 1024)} KB; goal <= ${GOAL_BYTES / 1024} KB: ${pass(ratios.storage_bytes_per_60_sample_session)}`,
  ];
  notes.push(...goalLines);
  notes.push(catchUpNote('catch-up, embedded broker', embedded));
  if (mosq) notes.push(catchUpNote('catch-up, Mosquitto', mosq));
  else notes.push('Mosquitto not installed: the catch-up ran on the embedded broker only');
  if (!store.finished)
    notes.push(`storage: not every storage session settled within the wait (${store.settled} of ${storage.chargers.length}); the bytes include what was stored`);
  notes.push(
    `the catch-up's goal is 60 s for 100,000 messages, held to the same rate (${Math.round(GOAL_MSGS / GOAL_S).toLocaleString('en-US')} msg/s) for other sizes; the bare loop does no MQTT, parsing, validation, message log, inbox or timeline, so the ratio charges all of those to the back office`,
    'CPU shares are of one core, for this process (back office + embedded broker), from process.cpuUsage; the simulated chargers run in child processes',
  );
  return { name: 'ingest', figures, ratios, notes };
};

export default bench;
