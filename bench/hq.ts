import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import pg from 'pg';
import { openCore } from '../src-main/boot/core';
import { startServices } from '../src-main/boot/services';
import { DAY_MS, FakeClock } from '../src-main/kernel/clock';
import { depotId, journalTip } from '../src-main/kernel/journal';
import { GENESIS_HASH, journalHash, type JournalRow } from '../src-main/kernel/journal-hash';
import { silentLogger } from '../src-main/kernel/logger';
import { readUplinkState } from '../src-main/headquarters';
import { launchMosquitto, mosquittoAvailable } from '../test/mosquitto-process';
import { launchPostgres, postgresMissing, type Postgres } from '../test/postgres-process';
import { addDrivers, runSession } from '../test/hq/traffic';
import { perSecond, ratio, type Benchmark, type BenchReport } from './harness';

/**
 * Headquarters (issue 22): how fast HQ's ingestor takes depot journals into PostgreSQL, and how
 * long a depot that was offline for a week takes to catch up.
 *
 *  (a) Throughput: `depots` simulated depots (MQTT clients in this process) each publish their
 *      journal (valid hash chains made with kernel/journal-hash.ts, payloads shaped like the
 *      ledger's `ledger.operation` rows: top-ups, holds, settlements with their transfers) in
 *      batches of `batchRows` through Mosquitto to one ingestor (`depotdesk hq serve`, its own
 *      process, default pool of 8 connections), each depot waiting for the ack of a batch before it
 *      sends the next, as the uplink does. Timed from the first publish to the last ack.
 *      Baseline, in the same run on the same cluster: the same batches written by plain multi-row
 *      INSERTs (one statement and one commit per batch) into a plain table of the same columns with
 *      (depot_id, seq) as its key, over as many connections as the ingestor's pool, no MQTT, no
 *      checks, no read tables. The two alternate round by round (fresh depots each round) so that a
 *      busy machine slows both alike.
 *  (b) Catch-up: a real depot file (the real ledger through test/hq/traffic.ts) holding a week of a
 *      busy depot's journal — 100 chargers × 30 sessions a day × 7 days, ~4 journaled operations a
 *      session: 84,000 rows (a quick run: one day's 12,000) — is opened and its uplink started
 *      (boot/services.ts, the default hq.* settings: 500 rows or 256 KiB a batch) against the
 *      running HQ; timed until HQ's hq_depots.acked_seq equals the depot's journal tip and the
 *      depot has heard that ack.
 *
 * PostgreSQL runs with fsync on (test/postgres-process.ts), as in production.
 */

const here = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(here, '..');
const HQ_LOGIN = { username: 'hq', password: 'bench-hq-secret' };
const DEPOT_LOGIN = { username: 'depot', password: 'bench-depot-secret' };
const POOL = 8;
/** The larger batches a second catch-up is timed with (under the 1 MiB the bench's brokers let through). */
const BIG_BATCH = { batchRows: 5_000, maxBatchBytes: 900 * 1024 };

/** Where the run is, on stderr (the report goes to stdout). */
const progress = (what: string) => process.stderr.write(`hq bench: ${what}\n`);

interface Scale {
  depots: number;
  rowsPerDepot: number;
  batchRows: number;
  rounds: number;
  /** Journal rows of the offline depot, and the days they span on its clock. */
  weekRows: number;
  offlineDays: number;
}

const FULL: Scale = { depots: 100, rowsPerDepot: 1_500, batchRows: 500, rounds: 2, weekRows: 84_000, offlineDays: 7 };
const QUICK: Scale = { depots: 100, rowsPerDepot: 300, batchRows: 100, rounds: 1, weekRows: 12_000, offlineDays: 1 };

// ── simulated depots' journals ────────────────────────────────────────────────────────────────────

interface SimDepot {
  id: string;
  /** The wire messages, in order. */
  messages: string[];
  /** The rows of each message, for the baseline. */
  batches: JournalRow[][];
  /** Each message's last seq. */
  lasts: number[];
}

const transfer = (id: string, debit: string, credit: string, amount: number, code: string, phase: string, at: number, extra: Record<string, unknown> = {}) => ({
  id,
  debit,
  credit,
  amount,
  code,
  phase,
  pendingId: null,
  sessionId: null,
  orderId: null,
  campaignId: null,
  debtId: null,
  statementRow: null,
  at,
  ...extra,
});

/** The payload of journal row `i` of a depot: a top-up, a hold or a settlement, in turn, as ledger.operation rows carry them. */
function operation(i: number, at: number): { key: string; payload: unknown } {
  const driver = `01J${String(i % 400).padStart(23, '0')}`;
  const wallet = `driver:${driver}:wallet`;
  const held = `driver:${driver}:held`;
  const session = `S${Math.floor(i / 3)}`;
  switch (i % 3) {
    case 0:
      return {
        key: `${session}:topup`,
        payload: {
          op: 'topup',
          operator: null,
          transfers: [transfer(`${session}:topup`, 'depot:clearing:wechat', wallet, 10_000 + (i % 7) * 500, 'topup', 'single', at)],
        },
      };
    case 1:
      return {
        key: `${session}:hold`,
        payload: { op: 'hold', operator: null, transfers: [transfer(`${session}:hold`, wallet, held, 6_000, 'hold', 'pending', at, { sessionId: session })] },
      };
    default: {
      const due = 1_500 + ((i * 37) % 4_000);
      const electricity = Math.round(due * 0.7);
      return {
        key: `settle:${session}`,
        payload: {
          op: 'settle',
          operator: null,
          transfers: [
            transfer(`settle:${session}`, wallet, held, due, 'hold_post', 'post', at, { pendingId: `${session}:hold`, sessionId: session }),
            transfer(`settle:${session}#1`, held, 'depot:electricity_revenue', electricity, 'settle_electricity', 'single', at, { sessionId: session }),
            transfer(`settle:${session}#2`, held, 'depot:service_revenue', due - electricity, 'settle_service', 'single', at, { sessionId: session }),
          ],
        },
      };
    }
  }
}

function simulatedDepot(n: number, rows: number, batchRows: number): SimDepot {
  const id = crypto.randomBytes(16).toString('hex');
  let prev = GENESIS_HASH;
  const all: JournalRow[] = [];
  const start = Date.parse('2026-03-01T00:00:00Z');
  for (let seq = 1; seq <= rows; seq += 1) {
    const at = start + seq * 60_000;
    const { key, payload } = operation(seq, at);
    const row = { seq, key, kind: 'ledger.operation', v: 1, at, prev, payload };
    const hash = journalHash(id, row);
    all.push({ ...row, hash });
    prev = hash;
  }
  const batches: JournalRow[][] = [];
  for (let i = 0; i < all.length; i += batchRows) batches.push(all.slice(i, i + batchRows));
  return {
    id,
    batches,
    messages: batches.map((b) => JSON.stringify({ type: 'journal', depot: id, name: `Bench depot ${n + 1}`, tip: rows, rows: b })),
    lasts: batches.map((b) => b[b.length - 1].seq),
  };
}

// ── the ingestor, as an operator runs it ─────────────────────────────────────────────────────────

async function startIngestor(pgUrl: string, brokerUrl: string): Promise<{ proc: ChildProcess; stop: () => Promise<void> }> {
  const proc = spawn(
    process.execPath,
    [path.join(REPO_ROOT, 'bin', 'depotdesk.js'), 'hq', 'serve', '--pg', pgUrl, '--broker', brokerUrl, '--username', HQ_LOGIN.username, '--pool', String(POOL)],
    { cwd: REPO_ROOT, env: { ...process.env, DEPOTDESK_HQ_BROKER_PASSWORD: HQ_LOGIN.password, DEPOTDESK_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const until = Date.now() + 120_000;
  while (!output.includes('Press Ctrl+C')) {
    if (proc.exitCode !== null) throw new Error(`depotdesk hq serve exited (${proc.exitCode}): ${output}`);
    if (Date.now() > until) throw new Error(`depotdesk hq serve did not start within 120 s: ${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    proc,
    stop: async () => {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); NaN elsewhere. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime and stime are the 14th and 15th fields of the whole line, in clock ticks (100 a second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

// ── (a) throughput ───────────────────────────────────────────────────────────────────────────────

/** Every simulated depot publishes its batches one ack at a time; resolves when the last ack is in. */
async function publishAll(brokerUrl: string, depots: SimDepot[]): Promise<{ ms: number; resends: number }> {
  const clients: MqttClient[] = await Promise.all(
    depots.map((d) => mqtt.connectAsync(brokerUrl, { ...DEPOT_LOGIN, clientId: `bench-${d.id}`, clean: true, reconnectPeriod: 1_000, connectTimeout: 60_000 })),
  );
  let resends = 0;
  try {
    const runs = depots.map((d, i) => {
      const client = clients[i];
      let next = 0;
      return {
        subscribe: () => client.subscribeAsync(`depot/${d.id}/ack`, { qos: 1 }),
        run: () =>
          new Promise<void>((resolve, reject) => {
            let timer: NodeJS.Timeout | null = null;
            const send = () => {
              if (timer) clearTimeout(timer);
              client.publish(`depot/${d.id}/journal`, d.messages[next], { qos: 1 });
              // As the uplink: no ack within its timeout, the batch goes again.
              timer = setTimeout(() => {
                resends += 1;
                send();
              }, 30_000);
            };
            client.on('message', (_topic, payload) => {
              const ack = JSON.parse(payload.toString('utf8')) as { seq: number; refused: { seq: number; reason: string } | null };
              if (ack.refused) {
                if (timer) clearTimeout(timer);
                reject(new Error(`HQ refused row ${ack.refused.seq} of simulated depot ${d.id}: ${ack.refused.reason}`));
                return;
              }
              while (next < d.lasts.length && ack.seq >= d.lasts[next]) next += 1;
              if (next === d.lasts.length) {
                if (timer) clearTimeout(timer);
                resolve();
              } else if (ack.seq === d.lasts[next - 1]) send();
            });
            send();
          }),
      };
    });
    await Promise.all(runs.map((r) => r.subscribe()));
    const t0 = performance.now();
    await Promise.all(runs.map((r) => r.run()));
    return { ms: performance.now() - t0, resends };
  } finally {
    await Promise.all(clients.map((c) => c.endAsync(true)));
  }
}

/** The baseline: the same batches as plain multi-row INSERTs, `connections` at a time, each depot's in order. */
async function rawInsertAll(pool: pg.Pool, table: string, depots: SimDepot[], connections: number): Promise<number> {
  const queue = depots.flatMap((d) => d.batches.map((rows) => ({ depot: d.id, rows })));
  // Batches in the order the depots would send them: the first of every depot, then the second…
  queue.sort((a, b) => a.rows[0].seq - b.rows[0].seq);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      const client = await pool.connect();
      try {
        for (let job = queue.shift(); job; job = queue.shift()) {
          const values: unknown[] = [];
          const tuples = job.rows.map((r, i) => {
            values.push(job.depot, r.seq, r.key, r.kind, r.v, r.at, r.prev, r.hash, JSON.stringify(r.payload));
            const b = i * 9;
            return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}, $${b + 7}, $${b + 8}, $${b + 9})`;
          });
          await client.query(`INSERT INTO ${table} (depot_id, seq, key, kind, v, at, prev, hash, payload) VALUES ${tuples.join(', ')}`, values);
        }
      } finally {
        client.release();
      }
    }),
  );
  return performance.now() - t0;
}

// ── (b) a week offline ───────────────────────────────────────────────────────────────────────────

/** A depot whose journal holds `rows` rows made by the real ledger over a week of its fake clock. */
function weekDepot(dir: string, rows: number, days: number, brokerUrl: string): { buildMs: number; sessions: number } {
  const t0 = performance.now();
  const clock = new FakeClock('2026-03-01T00:00:00Z');
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ hq: { enabled: true, brokerUrl, ...DEPOT_LOGIN, depotName: 'A week offline' } }, null, 2));
  const app = openCore({ dataDir: dir, mode: 'test', clock, log: silentLogger() });
  const traffic = addDrivers(app, 'WEEK', 2_000);
  // Sessions until the journal holds the rows, spread evenly over the week on the depot's clock.
  const estimate = Math.ceil(rows / 2.5);
  const step = Math.floor((days * DAY_MS) / estimate);
  let n = 0;
  // Many operations per SQLite transaction while building (each operation a savepoint in it): the
  // file is the same, only its making is quicker than one fsync per operation.
  const chunk = app.sqlite.transaction(() => {
    for (let i = 0; i < 500 && journalTip(app.sqlite).seq < rows; i += 1) {
      runSession(app, traffic, n, undefined);
      n += 1;
      clock.advance(step);
    }
  });
  while (journalTip(app.sqlite).seq < rows) chunk.immediate();
  app.close();
  return { buildMs: performance.now() - t0, sessions: n };
}

async function catchUp(dir: string, days: number, pool: pg.Pool, hq: Record<string, unknown> = {}): Promise<{ ms: number; heardMs: number; rows: number }> {
  // The depot comes back an hour after its offline days end.
  const clock = new FakeClock(Date.parse('2026-03-01T01:00:00Z') + days * DAY_MS);
  const app = openCore({ dataDir: dir, mode: 'test', clock, log: silentLogger(), overrides: { hq } });
  const tip = journalTip(app.sqlite).seq;
  const id = depotId(app.sqlite);
  const t0 = performance.now();
  const services = await startServices(app, { chargers: false, poll: false });
  let ms = 0;
  try {
    if (!services.uplink) throw new Error('bench: the depot’s uplink did not start (see its log)');
    const until = Date.now() + 30 * 60_000;
    for (;;) {
      const r = await pool.query<{ acked_seq: string }>('SELECT acked_seq FROM hq_depots WHERE depot_id = $1', [id]);
      if (Number(r.rows[0]?.acked_seq ?? 0) === tip) break;
      if (Date.now() > until) throw new Error(`the week-offline depot did not catch up within 30 min (HQ at ${r.rows[0]?.acked_seq ?? 0} of ${tip})`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    ms = performance.now() - t0;
    while (readUplinkState(app).ackedSeq !== tip) await new Promise((resolve) => setTimeout(resolve, 5));
    return { ms, heardMs: performance.now() - t0, rows: tip };
  } finally {
    await services.stop();
    app.close();
  }
}

// ── the benchmark ────────────────────────────────────────────────────────────────────────────────

const bench: Benchmark = async ({ quick, dir }): Promise<BenchReport> => {
  const scale = quick ? QUICK : FULL;
  const missing = [...(postgresMissing ? [postgresMissing] : []), ...(mosquittoAvailable ? [] : ['no mosquitto binary'])];
  if (missing.length > 0) return { name: 'hq', figures: {}, ratios: {}, notes: [`not run: ${missing.join('; ')}`] } satisfies BenchReport;

  const postgres: Postgres = await launchPostgres();
  const broker = await launchMosquitto({
    dir: fs.mkdtempSync(path.join(dir, 'mosquitto-')),
    users: { [HQ_LOGIN.username]: HQ_LOGIN.password, [DEPOT_LOGIN.username]: DEPOT_LOGIN.password },
    // hq.maxBatchBytes (256 KiB by default) must pass the broker's packet limit.
    maxPayloadBytes: 1024 * 1024,
  });
  const hqUrl = await postgres.createDatabase('depotdesk_hq');
  const pool = new pg.Pool({ connectionString: hqUrl, max: POOL + 1 });
  // PostgreSQL shutting down at the end ends the idle connections too: not an error of the run.
  pool.on('error', () => undefined);
  let ingestor: Awaited<ReturnType<typeof startIngestor>> | null = null;
  try {
    progress('starting depotdesk hq serve');
    ingestor = await startIngestor(hqUrl, broker.url);
    await pool.query(
      `CREATE TABLE bench_raw_journal (depot_id text NOT NULL, seq bigint NOT NULL, key text NOT NULL, kind text NOT NULL, v integer NOT NULL,
         at bigint NOT NULL, prev text NOT NULL, hash text NOT NULL, payload jsonb NOT NULL, PRIMARY KEY (depot_id, seq))`,
    );

    let rawMs = 0;
    let hqMs = 0;
    let rows = 0;
    let resends = 0;
    let ingestorCpuS = 0;
    for (let round = 0; round < scale.rounds; round += 1) {
      const depots = Array.from({ length: scale.depots }, (_, i) => simulatedDepot(i, scale.rowsPerDepot, scale.batchRows));
      progress(`round ${round + 1}: raw INSERTs`);
      rawMs += await rawInsertAll(pool, 'bench_raw_journal', depots, POOL);
      progress(`round ${round + 1}: ${scale.depots} depots publishing`);
      const cpuBefore = cpuSeconds(ingestor.proc.pid);
      const published = await publishAll(broker.url, depots);
      ingestorCpuS += cpuSeconds(ingestor.proc.pid) - cpuBefore;
      hqMs += published.ms;
      resends += published.resends;
      rows += scale.depots * scale.rowsPerDepot;
    }
    const stored = await pool.query<{ n: string; t: string }>('SELECT (SELECT count(*) FROM hq_journal) AS n, (SELECT count(*) FROM hq_transfers) AS t');
    if (Number(stored.rows[0].n) !== rows) throw new Error(`bench: HQ holds ${stored.rows[0].n} journal rows, ${rows} were sent`);
    const rawPerS = perSecond(rows, rawMs);
    const hqPerS = perSecond(rows, hqMs);

    // (b) the week offline.
    const depotDir = fs.mkdtempSync(path.join(dir, 'week-'));
    progress(`building a depot with ${scale.weekRows} journal rows`);
    const built = weekDepot(depotDir, scale.weekRows, scale.offlineDays, broker.url);
    // The same file again for the larger-batch run below: copied before its first catch-up.
    const copyDir = fs.mkdtempSync(path.join(dir, 'week-copy-'));
    fs.cpSync(depotDir, copyDir, { recursive: true });
    progress('the week-offline depot catching up');
    const week = await catchUp(depotDir, scale.offlineDays, pool);
    const weekPerS = perSecond(week.rows, week.ms);

    // The same catch-up with larger batches (the uplink has one batch in flight, so a catch-up is
    // a round trip per batch): the copy, against an HQ of its own (a new database, broker and
    // ingestor, since the first HQ already holds this depot's id and its broker retains the ack).
    await ingestor.stop();
    ingestor = null;
    await broker.kill();
    const broker2 = await launchMosquitto({
      dir: fs.mkdtempSync(path.join(dir, 'mosquitto2-')),
      users: { [HQ_LOGIN.username]: HQ_LOGIN.password, [DEPOT_LOGIN.username]: DEPOT_LOGIN.password },
      maxPayloadBytes: 1024 * 1024,
    });
    const hqUrl2 = await postgres.createDatabase('depotdesk_hq_2');
    const pool2 = new pg.Pool({ connectionString: hqUrl2, max: 2 });
    pool2.on('error', () => undefined);
    let big: Awaited<ReturnType<typeof catchUp>>;
    try {
      ingestor = await startIngestor(hqUrl2, broker2.url);
      progress(`the copy catching up in batches of up to ${BIG_BATCH.batchRows} rows or ${BIG_BATCH.maxBatchBytes / 1024} KiB`);
      big = await catchUp(copyDir, scale.offlineDays, pool2, { brokerUrl: broker2.url, ...BIG_BATCH });
    } finally {
      await ingestor?.stop();
      ingestor = null;
      await pool2.end();
      await broker2.kill();
    }

    return {
      name: 'hq',
      figures: {
        depots: scale.depots,
        journal_rows: rows,
        hq_transfers_rows: Number(stored.rows[0].t),
        raw_insert_rows_per_s: rawPerS,
        hq_ingest_rows_per_s: hqPerS,
        // How busy the ingestor's own process was while the depots published: the rest is PostgreSQL, the broker and the publishers.
        ingestor_cpu_share_of_one_core: ingestorCpuS / (hqMs / 1000),
        resent_batches: resends,
        week_rows: week.rows,
        week_sessions: built.sessions,
        week_build_ms: built.buildMs,
        week_catch_up_ms: week.ms,
        week_catch_up_heard_ms: week.heardMs,
        week_catch_up_rows_per_s: weekPerS,
        week_catch_up_big_batches_ms: big.ms,
        week_catch_up_big_batches_rows_per_s: perSecond(big.rows, big.ms),
      },
      ratios: {
        // The ingestor checks each row's chain and hash, reads each payload into hq_transfers (about
        // two transfers a row) in the same transaction, and round-trips an ack through the broker
        // per batch: a fifth of a bare INSERT's rate is what it may cost at most.
        ingest_vs_raw_insert: ratio(hqPerS / rawPerS, { atLeast: 0.2 }),
        week_catch_up_vs_raw_insert: ratio(weekPerS / rawPerS, { atLeast: 0.1 }),
      },
      notes: [
        `(a) ${scale.depots} simulated depots × ${scale.rowsPerDepot} rows in batches of ${scale.batchRows}, ${scale.rounds} round(s), one ack awaited per depot before its next batch; ingestor: depotdesk hq serve --pool ${POOL} in its own process; Mosquitto; PostgreSQL fsync on`,
        `(a) baseline: the same batches as multi-row INSERTs into a plain table (same columns, primary key (depot_id, seq)), one commit per batch over ${POOL} connections, alternating with the ingestor round by round`,
        `(b) a real depot file: 2,000 drivers registered and ${built.sessions} sessions (top-up, hold, settle or void through the ledger) over ${scale.offlineDays} day(s) of its clock, ${week.rows} journal rows in all; uplink with the default hq.* settings (batchRows 500, maxBatchBytes 256 KiB, one batch in flight); timed from starting its services until HQ's acked seq equals the tip (heard: until the depot has the ack)`,
        `(b) big batches: a copy of the same file made before the first catch-up, against a fresh HQ (database, broker, ingestor), hq.batchRows ${BIG_BATCH.batchRows} and hq.maxBatchBytes ${BIG_BATCH.maxBatchBytes / 1024} KiB (the broker's limit raised to 1 MiB)`,
      ],
    };
  } finally {
    await ingestor?.stop();
    await pool.end();
    await broker.kill();
    await postgres.stop();
  }
};

export default bench;
