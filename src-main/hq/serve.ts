import os from 'node:os';
import type { IClientOptions, MqttClient } from 'mqtt';
import pg from 'pg';
import type { Pool } from 'pg';
import { DepotError } from '../kernel/errors';
import { lazyRequire } from '../kernel/lazy-require';
import type { Logger } from '../kernel/logger';
import { CommandPublisher } from './commands';
import { ingest } from './ingest';
import { migrateHq } from './pg-schema';
import type { Ack } from './wire';
import { redactUrl } from '../kernel/redact';

const mqttLib = lazyRequire<typeof import('mqtt')>('mqtt');

/**
 * `depotdesk hq serve`: the ingestor between the broker and PostgreSQL (docs/headquarters.md).
 *
 * Guarantees (test/hq/serve.test.ts):
 * - It subscribes `depot/+/journal` at QoS 1 on every (re)connect, and publishes each ack to
 *   `depot/{id}/ack` at QoS 1, retained, only after the batch's transaction committed: an ack never
 *   names a row PostgreSQL does not hold.
 * - One depot's batches are ingested one at a time, in the order they arrived; different depots in
 *   parallel, up to `poolSize` at once (and as many PostgreSQL connections).
 * - PostgreSQL down: the batch is not acknowledged (the depot sends it again after its timeout), and
 *   later batches use new connections once it is back. Nothing is retried from memory.
 * - A depot's waiting batches are bounded (`maxQueuedPerDepot`): past it the oldest waiting one is
 *   dropped unanswered, which the depot's resend covers.
 * - stop() takes no new batch, finishes the batches being ingested and publishes their acks, then
 *   closes the broker connection and the pool.
 */

export interface HqOptions {
  /** postgres://user:password@host:5432/database (a password may also come from PGPASSWORD or ~/.pgpass). */
  pgUrl: string;
  /** mqtt://host:1883 or mqtts://host:8883 */
  brokerUrl: string;
  username?: string;
  password?: string;
  /** The MQTT client id; default depotdesk-hq-<host>-<pid>. */
  clientId?: string;
  logger: Logger;
  /** Depots ingested at once, and the PostgreSQL connections for them; default 8. */
  poolSize?: number;
  /** Batches waiting per depot before the oldest is dropped; default 16. */
  maxQueuedPerDepot?: number;
  /** How often every pending command is published again; default a minute. */
  commandsEveryMs?: number;
  /** Told of every batch once it is done with (tests, benchmarks). */
  onBatch?(outcome: BatchOutcome): void;
}

export type BatchOutcome = { depot: string; ack: Ack | null; stored: number; error: null } | { depot: string; ack: null; stored: 0; error: string };

export interface Hq {
  pool: Pool;
  /** The broker and database, passwords hidden. */
  brokerUrl: string;
  pgUrl: string;
  stop(): Promise<void>;
}

export const JOURNAL_TOPICS = 'depot/+/journal';
export const ackTopic = (depot: string) => `depot/${depot}/ack`;
const JOURNAL_TOPIC = /^depot\/([^/]+)\/journal$/;

function checkUrl(url: string, protocols: readonly string[], field: string, example: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DepotError('config_invalid', `${field} "${url}" is not a URL (e.g. ${example})`, { field });
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new DepotError('config_invalid', `${field} must start with ${protocols.map((p) => `${p}//`).join(' or ')}, got ${parsed.protocol}//`, { field });
  }
}

export function checkPgUrl(url: string, field = 'pgUrl'): void {
  checkUrl(url, ['postgres:', 'postgresql:'], field, 'postgres://hq@db.example:5432/depotdesk_hq');
}

export function checkBrokerUrl(url: string, field = 'brokerUrl'): void {
  checkUrl(url, ['mqtt:', 'mqtts:', 'tcp:', 'tls:', 'ssl:'], field, 'mqtt://broker.example:1883');
}

/** A pool for HQ's database; an idle connection PostgreSQL drops is logged, never thrown. */
export function openHqPool(pgUrl: string, opts: { max?: number; log?: Logger } = {}): Pool {
  checkPgUrl(pgUrl);
  const pool = new pg.Pool({ connectionString: pgUrl, max: opts.max ?? 8 });
  pool.on('error', (e) => opts.log?.warn({ err: e.message }, 'an idle PostgreSQL connection failed; the pool opens a new one when needed'));
  return pool;
}

export async function startHq(opts: HqOptions): Promise<Hq> {
  checkBrokerUrl(opts.brokerUrl);
  const log = opts.logger.child({ domain: 'hq' });
  const poolSize = opts.poolSize ?? 8;
  const pool = openHqPool(opts.pgUrl, { max: poolSize, log });
  const shown = { pg: redactUrl(opts.pgUrl), broker: redactUrl(opts.brokerUrl) };
  try {
    const applied = await migrateHq(pool);
    if (applied.length > 0) log.info({ applied }, 'HQ database migrated');
  } catch (e) {
    await pool.end();
    if (e instanceof DepotError) throw e;
    throw new DepotError('unavailable', `cannot prepare the HQ database at ${shown.pg}: ${(e as Error).message}`, { field: 'pgUrl' });
  }
  const client = mqttLib().connect(opts.brokerUrl, clientOptions(opts));
  // Commands waiting for a depot (commands.ts) go out when it speaks and every minute.
  const commands = new CommandPublisher({ pool, client, log, everyMs: opts.commandsEveryMs });
  const onBatch = (o: BatchOutcome) => {
    if (o.error === null && o.ack) commands.depotSpoke(o.depot, o.stored);
    opts.onBatch?.(o);
  };
  const queue = new DepotQueues({ pool, client, log, poolSize, maxQueued: opts.maxQueuedPerDepot ?? 16, onBatch });
  client.on('message', (topic, payload) => {
    const depot = JOURNAL_TOPIC.exec(topic)?.[1];
    if (depot) queue.push(depot, payload);
  });
  await followBroker(client, log, shown.broker);
  log.info({ broker: shown.broker, pg: shown.pg, poolSize }, 'HQ ingesting depot journals');
  return {
    pool,
    brokerUrl: shown.broker,
    pgUrl: shown.pg,
    async stop() {
      await queue.drain();
      await commands.stop();
      await client.endAsync(!client.connected);
      await pool.end();
    },
  };
}

function clientOptions(opts: HqOptions): IClientOptions {
  return {
    clientId: opts.clientId ?? `depotdesk-hq-${os.hostname()}-${process.pid}`,
    username: opts.username || undefined,
    password: opts.password || undefined,
    protocolVersion: 4,
    // No session kept across restarts: a batch sent while HQ was away is sent again by its depot.
    clean: true,
    keepalive: 30,
    connectTimeout: 10_000,
    reconnectPeriod: 1_000,
    reconnectOnConnackError: true,
    resubscribe: false,
  };
}

/**
 * Subscribes on every connect; resolves at the first granted subscription. Waits without a limit:
 * a broker that is not up yet is retried every second and each failure logged.
 */
function followBroker(client: MqttClient, log: Logger, shown: string): Promise<void> {
  let lastError: string | null = null;
  client.on('error', (err) => {
    if (err.message !== lastError) log.warn({ broker: shown, err: err.message }, 'broker connection error; retrying');
    lastError = err.message;
  });
  client.on('close', () => log.debug({ broker: shown }, 'broker connection closed'));
  return new Promise<void>((resolve) => {
    client.on('connect', () => {
      lastError = null;
      client.subscribe(JOURNAL_TOPICS, { qos: 1 }, (err, granted) => {
        const refused = (granted ?? []).some((g) => g.qos === 128) || (err as { packet?: { granted?: number[] } } | null)?.packet?.granted?.includes(128);
        if (err || refused) {
          log.error({ broker: shown, err: err?.message }, `the broker refused the subscription to ${JOURNAL_TOPICS}; check its ACL for HQ's login`);
          return;
        }
        log.info({ broker: shown }, `subscribed to ${JOURNAL_TOPICS}`);
        resolve();
      });
    });
  });
}

interface QueueOptions {
  pool: Pool;
  client: MqttClient;
  log: Logger;
  poolSize: number;
  maxQueued: number;
  onBatch?(outcome: BatchOutcome): void;
}

/** One line of waiting batches per depot; a depot's turn ends after one batch, so none starves the rest. */
class DepotQueues {
  private readonly waiting = new Map<string, Buffer[]>();
  private readonly running = new Set<string>();
  private readonly ready: string[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private stopping = false;
  /** The last failure logged, so a PostgreSQL outage is one line, not one per batch. */
  private failing: string | null = null;

  constructor(private readonly o: QueueOptions) {}

  push(depot: string, payload: Buffer): void {
    if (this.stopping) return;
    const line = this.waiting.get(depot) ?? [];
    line.push(payload);
    if (line.length > this.o.maxQueued) {
      line.shift();
      this.o.log.debug({ depot, waiting: line.length }, 'dropped the oldest waiting batch; the depot sends it again');
    }
    if (!this.waiting.has(depot)) {
      this.waiting.set(depot, line);
      if (!this.running.has(depot)) this.ready.push(depot);
    }
    this.pump();
  }

  private pump(): void {
    while (!this.stopping && this.running.size < this.o.poolSize && this.ready.length > 0) {
      const depot = this.ready.shift()!;
      const line = this.waiting.get(depot);
      const payload = line?.shift();
      if (line?.length === 0) this.waiting.delete(depot);
      if (!payload) continue;
      this.running.add(depot);
      const task = this.ingestOne(depot, payload).finally(() => {
        this.inFlight.delete(task);
        this.running.delete(depot);
        if (this.waiting.has(depot)) this.ready.push(depot);
        this.pump();
      });
      this.inFlight.add(task);
    }
  }

  private async ingestOne(depot: string, payload: Buffer): Promise<void> {
    const { log } = this.o;
    let outcome: BatchOutcome;
    try {
      const r = await ingest(this.o.pool, payload, { depotId: depot, log });
      if (this.failing !== null) log.info('PostgreSQL answers again; batches are acknowledged');
      this.failing = null;
      if (r.ack) this.publishAck(r.ack);
      outcome = { depot, ack: r.ack, stored: r.stored, error: null };
    } catch (e) {
      const message = (e as Error).message;
      if (message !== this.failing) log.error({ depot, err: message }, 'batch not stored, so not acknowledged; the depot sends it again');
      this.failing = message;
      outcome = { depot, ack: null, stored: 0, error: message };
    }
    this.o.onBatch?.(outcome);
  }

  private publishAck(ack: Ack): void {
    this.o.client.publish(ackTopic(ack.depot), JSON.stringify(ack), { qos: 1, retain: true }, (err) => {
      if (err) this.o.log.warn({ depot: ack.depot, seq: ack.seq, err: err.message }, 'ack not published; the depot resends its batch and is answered again');
    });
  }

  /** Takes no new batch, drops the waiting ones (their depots resend), and waits for those being ingested. */
  async drain(): Promise<void> {
    this.stopping = true;
    this.waiting.clear();
    this.ready.length = 0;
    await Promise.all([...this.inFlight]);
  }
}
