import { fork, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import type { AppContext } from '../src-main/app/context';
import { openCore } from '../src-main/app/core';
import { silentLogger } from '../src-main/app/logger';
import { addCharger, addStation, startChargers } from '../src-main/chargers';
import { ensureBackOfficeCredentials, startEmbeddedBroker } from '../src-main/chargers/broker';
import { defaultHooks, processBatch, type InboundContext, type InboundMessage } from '../src-main/chargers/inbound';
import { launchMosquitto, mosquittoAvailable } from '../test/mosquitto-process';
import { percentile, perSecond, ratio, type Benchmark, type BenchReport } from './harness';

/**
 * Charger-message ingest: simulated chargers (a child process, as real chargers are other
 * machines) publish OCPP MeterValues at QoS 1; the back office validates each one against the
 * OCPP 1.6 schema, writes it to the message log and the transaction inbox, commits (WAL,
 * synchronous=FULL) and answers it. The baseline, on the same broker in the same run, is a bare
 * mqtt.js subscriber that only counts (throughput) or echoes an answer at once (latency).
 *
 *   persisted/s vs raw subscriber/s   goal ≥ 0.7
 *   round trip at 1,000 msg/s         goal p99 < 50 ms (publish → committed → answer at the charger)
 *
 * First the writes alone (no MQTT): processBatch against the same three writes done with bare
 * better-sqlite3, which bounds what any single-threaded persisting subscriber can reach here.
 *
 * Run twice when Mosquitto is installed: on the embedded broker (aedes, inside the process, the
 * default deployment) and on Mosquitto (broker.mode = external).
 */

const here = path.dirname(fileURLToPath(import.meta.url));
const PASSWORD = 'bench-password';

interface Child {
  proc: ChildProcess;
  request<T>(msg: Record<string, unknown>, ev: string): Promise<T>;
  quit(): Promise<void>;
}

function startPublisher(): Promise<Child> {
  const proc = fork(path.join(here, 'ingest', 'publisher.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const request = <T>(msg: Record<string, unknown>, ev: string) =>
    new Promise<T>((resolve, reject) => {
      const on = (m: { ev: string; message?: string }) => {
        if (m.ev === ev) {
          proc.off('message', on);
          resolve(m as T);
        } else if (m.ev === 'error') {
          proc.off('message', on);
          reject(new Error(`publisher: ${m.message}`));
        }
      };
      proc.on('message', on);
      proc.send(msg);
    });
  const quit = () =>
    new Promise<void>((resolve) => {
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
    proc.once('message', (m: { ev: string }) => (m.ev === 'started' ? resolve({ proc, request, quit }) : reject(new Error(`unexpected ${m.ev}`))));
  });
}

interface PhaseFigures {
  rawPerS: number;
  oursPerS: number;
  publisherRawPerS: number;
  publisherOursPerS: number;
  avgBatch: number;
  rawCpuUsPerMsg: number;
  oursCpuUsPerMsg: number;
  rawEcho: number[];
  roundTrip: number[];
  commit: number[];
  sentPaced: number;
  answeredPaced: number;
  stored: number;
  logged: number;
}

interface Run {
  total: number;
  pacedSeconds: number;
  rate: number;
  window: number;
  ids: string[];
}

/** The four phases on one broker: raw count, raw echo, ours blast, ours at 1,000/s. */
async function measure(dir: string, url: string, login: { username: string; password: string }, run: Run): Promise<PhaseFigures> {
  const publisher = await startPublisher();
  try {
    await publisher.request({ cmd: 'connect', url, chargers: run.ids.map((id) => ({ id, password: PASSWORD })) }, 'ready');

    // --- baseline: a bare mqtt.js subscriber on the same broker ------------------------------
    const raw = await mqtt.connectAsync(url, { ...login, clientId: `$depotdesk:bench-raw-${process.pid}`, reconnectPeriod: 0, clean: true });
    (raw.stream as unknown as net.Socket).setNoDelay(true);
    let rawCount = 0;
    let rawFirst = 0;
    let rawLast = 0;
    let echo = false;
    raw.on('message', (topic, payload) => {
      const t = performance.now();
      if (rawCount === 0) rawFirst = t;
      rawCount += 1;
      rawLast = t;
      if (echo) {
        const m = /"UniqueId":"([^"]+)"/.exec(payload.toString('utf8'));
        if (m) raw.publish(`ocpp/cs/${topic.split('/')[2]}`, `{"MessageTypeId":3,"UniqueId":"${m[1]}","Payload":{}}`, { qos: 1 });
      }
    });
    await raw.subscribeAsync({ 'ocpp/cp/+': { qos: 1 }, 'ocpp/cp/+/Reply': { qos: 1 } });
    const rawCpu0 = process.cpuUsage();
    const rawBlast = await publisher.request<{ sent: number; ms: number }>({ cmd: 'blast', total: run.total, window: run.window, tag: 'raw' }, 'blasted');
    while (rawCount < run.total) await new Promise((r) => setTimeout(r, 10));
    const rawCpu = process.cpuUsage(rawCpu0);
    const rawPerS = perSecond(rawCount, rawLast - rawFirst);
    echo = true;
    const rawPaced = await publisher.request<{ rtts: number[] }>({ cmd: 'paced', rate: run.rate, seconds: run.pacedSeconds, tag: 'rawp' }, 'paced');
    await raw.endAsync();

    // --- ours: the back office on the same broker --------------------------------------------
    const core: AppContext = openCore({
      dataDir: dir,
      mode: 'test',
      log: silentLogger(),
      overrides: { broker: { mode: 'external', url, ...login, clientId: `$depotdesk:bench-${process.pid}` } },
    });
    let persisted = 0;
    let firstReceipt = 0;
    let lastCommit = 0;
    let batches = 0;
    const commit: number[] = [];
    const rt = await startChargers(core, {
      waitConnected: true,
      onBatch: (_outcome, batch) => {
        const now = performance.now();
        if (persisted === 0) firstReceipt = now - (Date.now() - batch[0].receivedAt);
        persisted += batch.length;
        batches += 1;
        lastCommit = now;
        for (const m of batch) commit.push(Date.now() - m.receivedAt);
      },
    });
    const count = (sql: string) => (core.sqlite.prepare(sql).get() as { n: number }).n;
    const storedBefore = count("SELECT count(*) AS n FROM charger_transactions WHERE kind = 'meter'");
    const loggedBefore = count("SELECT count(*) AS n FROM charger_messages WHERE direction = 'in'");
    const before = persisted;
    const oursCpu0 = process.cpuUsage();
    const oursBlast = await publisher.request<{ sent: number; ms: number }>({ cmd: 'blast', total: run.total, window: run.window, tag: 'ours' }, 'blasted');
    while (persisted - before < run.total) await new Promise((r) => setTimeout(r, 10));
    await rt.idle();
    const oursCpu = process.cpuUsage(oursCpu0);
    const oursPerS = perSecond(persisted - before, lastCommit - firstReceipt);
    const avgBatch = run.total / Math.max(1, batches);
    commit.length = 0;
    const oursPaced = await publisher.request<{ sent: number; answered: number; rtts: number[] }>(
      { cmd: 'paced', rate: run.rate, seconds: run.pacedSeconds, tag: 'oursp' },
      'paced',
    );
    await rt.idle();
    const stored = count("SELECT count(*) AS n FROM charger_transactions WHERE kind = 'meter'") - storedBefore;
    const logged = count("SELECT count(*) AS n FROM charger_messages WHERE direction = 'in'") - loggedBefore;
    await rt.stop();
    core.close();
    return {
      rawPerS,
      oursPerS,
      publisherRawPerS: perSecond(rawBlast.sent, rawBlast.ms),
      publisherOursPerS: perSecond(oursBlast.sent, oursBlast.ms),
      avgBatch,
      rawCpuUsPerMsg: (rawCpu.user + rawCpu.system) / run.total,
      oursCpuUsPerMsg: (oursCpu.user + oursCpu.system) / run.total,
      rawEcho: rawPaced.rtts,
      roundTrip: oursPaced.rtts,
      commit: [...commit],
      sentPaced: oursPaced.sent,
      answeredPaced: oursPaced.answered,
      stored,
      logged,
    };
  } finally {
    await publisher.quit();
  }
}

interface StorageFigures {
  floorUsPerMsg: number;
  oursUsPerMsg: number;
}

/**
 * The writes alone, no MQTT: the back office's processBatch on MeterValues like the publisher's,
 * against a raw baseline doing the same three writes with bare better-sqlite3 (the message in, the
 * inbox row keyed by a SHA-256 of the payload, the answer out; no validation, no canonical form),
 * on the same tables and indexes, in transactions of 500 (WAL, synchronous=FULL). Both are CPU +
 * fsync on one thread, so they bound what any single-threaded persisting subscriber can do here.
 */
async function storage(dir: string, ids: string[], total: number): Promise<StorageFigures> {
  const BATCH = 500;
  const base = Date.now();
  const texts = Array.from({ length: total }, (_, i) =>
    JSON.stringify({
      MessageTypeId: 2,
      UniqueId: `st-${i}`,
      Action: 'MeterValues',
      Payload: {
        connectorId: 1,
        transactionId: 1,
        meterValue: [{ timestamp: new Date(base + i * 1000).toISOString(), sampledValue: [{ value: String(i * 7), context: 'Sample.Periodic', measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }],
      },
    }),
  );
  const usPerMsg = (fn: () => void) => {
    const t0 = performance.now();
    fn();
    return ((performance.now() - t0) * 1000) / total;
  };

  const coreDir = path.join(dir, 'storage-ours');
  fs.mkdirSync(coreDir);
  const core = openCore({ dataDir: coreDir, mode: 'test', log: silentLogger() });
  const ddl = (
    core.sqlite.prepare("SELECT sql FROM sqlite_master WHERE tbl_name IN ('charger_messages', 'charger_transactions') AND sql IS NOT NULL").all() as { sql: string }[]
  ).map((r) => r.sql);
  const station = addStation(core, { name: 'Storage' });
  for (const id of ids) await addCharger(core, { id, station: station.id, connectors: 2, password: PASSWORD });
  const ctx: InboundContext = { app: core, hooks: defaultHooks, pending: null as never, forms: new Map() };
  const messages: InboundMessage[] = texts.map((t, i) => ({ topic: `ocpp/cp/${ids[i % ids.length]}`, payload: Buffer.from(t), receivedAt: base }));
  const oursUsPerMsg = usPerMsg(() => {
    for (let i = 0; i < total; i += BATCH) processBatch(ctx, messages.slice(i, i + BATCH));
  });
  const stored = (core.sqlite.prepare("SELECT count(*) AS n FROM charger_transactions WHERE kind = 'meter'").get() as { n: number }).n;
  core.close();
  if (stored !== total) throw new Error(`storage phase: ${stored} meter records for ${total} messages`);

  const db = new Database(path.join(dir, 'storage-floor.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  for (const sql of ddl) db.exec(sql);
  const log = db.prepare(
    'INSERT INTO charger_messages (charger_id, direction, topic, received_at, charger_at, message_type, unique_id, action, transaction_id, payload, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const inbox = db.prepare(
    `INSERT INTO charger_transactions (charger_id, kind, transaction_id, connector_id, id_tag, charger_at, meter_wh, dedup_key, content_hash, payload, unique_id, received_at, last_received_at)
     VALUES (?, 'meter', 1, 1, NULL, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(charger_id, dedup_key) DO UPDATE SET copies = copies + 1 RETURNING id`,
  );
  const write = db.transaction((lo: number, hi: number) => {
    for (let i = lo; i < hi; i += 1) {
      const charger = ids[i % ids.length];
      const frame = JSON.parse(texts[i]) as { UniqueId: string; Payload: unknown };
      const payload = JSON.stringify(frame.Payload);
      const hash = crypto.createHash('sha256').update(payload).digest('hex');
      log.run(charger, 'in', `ocpp/cp/${charger}`, base, base, 2, frame.UniqueId, 'MeterValues', 1, texts[i], null);
      inbox.get(charger, base, i * 7, `meter|1|1|${hash}`, hash, payload, frame.UniqueId, base, base);
      log.run(charger, 'out', `ocpp/cs/${charger}`, base, null, 3, frame.UniqueId, 'MeterValues', 1, `{"MessageTypeId":3,"UniqueId":"${frame.UniqueId}","Payload":{}}`, null);
    }
  });
  const floorUsPerMsg = usPerMsg(() => {
    for (let i = 0; i < total; i += BATCH) write(i, Math.min(total, i + BATCH));
  });
  db.close();
  return { floorUsPerMsg, oursUsPerMsg };
}

function figuresOf(prefix: string, f: PhaseFigures): Record<string, number> {
  return {
    [`${prefix}publisher_msgs_per_s_raw_phase`]: f.publisherRawPerS,
    [`${prefix}publisher_msgs_per_s_ours_phase`]: f.publisherOursPerS,
    [`${prefix}raw_subscriber_msgs_per_s`]: f.rawPerS,
    [`${prefix}persisted_msgs_per_s`]: f.oursPerS,
    [`${prefix}avg_batch_size`]: f.avgBatch,
    // CPU of this process per message (broker if embedded, plus subscriber or back office).
    [`${prefix}raw_process_cpu_us_per_msg`]: f.rawCpuUsPerMsg,
    [`${prefix}ours_process_cpu_us_per_msg`]: f.oursCpuUsPerMsg,
    [`${prefix}raw_echo_p50_ms_at_1000_per_s`]: percentile(f.rawEcho, 50),
    [`${prefix}raw_echo_p99_ms_at_1000_per_s`]: percentile(f.rawEcho, 99),
    [`${prefix}round_trip_p50_ms_at_1000_per_s`]: percentile(f.roundTrip, 50),
    [`${prefix}round_trip_p99_ms_at_1000_per_s`]: percentile(f.roundTrip, 99),
    [`${prefix}receipt_to_commit_p99_ms_at_1000_per_s`]: percentile(f.commit, 99),
    [`${prefix}answered_of_sent_at_1000_per_s`]: f.answeredPaced / Math.max(1, f.sentPaced),
  };
}

const bench: Benchmark = async ({ quick, dir }) => {
  const nChargers = quick ? 10 : 20;
  const run: Run = {
    total: quick ? 5_000 : 30_000,
    pacedSeconds: quick ? 3 : 10,
    rate: 1_000,
    // Unacknowledged publishes per simulated charger: enough that the chargers never wait on the broker.
    window: 200,
    ids: Array.from({ length: nChargers }, (_, i) => `B-${String(i + 1).padStart(3, '0')}`),
  };

  const stored = await storage(dir, run.ids, run.total);

  // The embedded broker checks charger logins against the registry: a core of its own on the
  // same data directory, running for the whole embedded run.
  const brokerCore = openCore({ dataDir: dir, mode: 'test', log: silentLogger() });
  const station = addStation(brokerCore, { name: 'Bench' });
  for (const id of run.ids) await addCharger(brokerCore, { id, station: station.id, connectors: 2, password: PASSWORD });
  const creds = ensureBackOfficeCredentials(dir);
  const broker = await startEmbeddedBroker(brokerCore, { host: '127.0.0.1', port: 0, allowLan: false, backOffice: creds });
  let embedded: PhaseFigures;
  try {
    embedded = await measure(dir, broker.url, { username: creds.username, password: creds.password }, run);
  } finally {
    await broker.close();
  }

  let mosq: PhaseFigures | null = null;
  if (mosquittoAvailable) {
    const mdir = path.join(dir, 'mosquitto');
    fs.mkdirSync(mdir);
    const m = await launchMosquitto({
      dir: mdir,
      users: { depotdesk: creds.password, ...Object.fromEntries(run.ids.map((id) => [id, PASSWORD])) },
      // Every publish in flight and queued: the benchmark measures the subscribers, not the broker's limits.
      conf: ['max_inflight_messages 0', 'max_queued_messages 100000'],
    });
    try {
      mosq = await measure(dir, m.url, { username: 'depotdesk', password: creds.password }, run);
    } finally {
      await m.kill();
    }
  }
  brokerCore.close();

  const report: BenchReport = {
    name: 'ingest',
    figures: {
      chargers: nChargers,
      messages_per_phase: run.total,
      storage_floor_us_per_msg: stored.floorUsPerMsg,
      storage_ours_us_per_msg: stored.oursUsPerMsg,
      // What one thread doing nothing but our writes could persist, against each raw subscriber.
      storage_alone_vs_raw_subscriber: 1e6 / stored.oursUsPerMsg / embedded.rawPerS,
      ...(mosq ? { mosquitto_storage_alone_vs_raw_subscriber: 1e6 / stored.oursUsPerMsg / mosq.rawPerS } : {}),
      ...figuresOf('', embedded),
      ...(mosq ? figuresOf('mosquitto_', mosq) : {}),
    },
    ratios: {
      persisted_vs_raw_subscriber: ratio(embedded.oursPerS / embedded.rawPerS, { atLeast: 0.7 }),
      p99_round_trip_ms_at_1000_per_s: ratio(percentile(embedded.roundTrip, 99), { atMost: 50 }),
      ...(mosq
        ? {
            mosquitto_persisted_vs_raw_subscriber: ratio(mosq.oursPerS / mosq.rawPerS, { atLeast: 0.7 }),
            mosquitto_p99_round_trip_ms_at_1000_per_s: ratio(percentile(mosq.roundTrip, 99), { atMost: 50 }),
          }
        : {}),
    },
    notes: [
      ...[embedded, ...(mosq ? [mosq] : [])].map(
        (f, i) =>
          `${i === 0 ? 'embedded' : 'mosquitto'}: ${f.stored} distinct meter records and ${f.logged} logged messages for ${run.total + f.sentPaced} sent to the back office`,
      ),
      'storage_*: the writes alone, no MQTT, one thread: storage_ours is processBatch (validate, log in, inbox, log out, commit), storage_floor the same three writes with bare better-sqlite3; storage_alone_vs_raw_subscriber is the ratio a subscriber would reach if receiving and answering cost nothing',
      'figures without a prefix: the embedded broker (aedes) in this process, the default deployment; mosquitto_: Mosquitto in its own process (broker.mode = external)',
      'the p99 goal is absolute (ms), not a ratio; raw_echo_* is the same round trip with a subscriber that answers at once without validating or writing',
      mosquittoAvailable ? 'Mosquitto found' : 'Mosquitto not installed: only the embedded broker was measured',
    ],
  };
  return report;
};

export default bench;
