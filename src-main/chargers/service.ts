import type { AppContext } from '../kernel/context';
import { DepotError } from '../kernel/errors';
import { announceAlert } from '../alerts';
import { ensureBackOfficeCredentials, startEmbeddedBroker, type EmbeddedBroker } from './broker';
import {
  defaultHooks,
  processBatch,
  type BatchOutcome,
  type ChargerHooks,
  type InboundContext,
  type InboundMessage,
  type OutgoingMessage,
  type TransactionRecordNotice,
} from './inbound';
import {
  CALLERROR,
  CALLRESULT,
  callError,
  encodeFrame,
  parseUpstreamTopic,
  PendingCalls,
  readFrameHead,
  topics,
  type CallOptions,
  type FrameForm,
  type OcppFault,
  type Payload,
} from './ocpp';
import { encodePayload } from './payload-codec';
import { startTransport, type ChargerTransport } from './transport';

/**
 * The chargers' side of the core, started with the app and stopped before the database closes.
 *
 * Guarantees:
 * - Start order: embedded broker (in embedded mode), then the back office's client; stop runs the
 *   reverse, after the messages already received have been written and answered, and fails every
 *   CALL still waiting for a charger.
 * - Received messages are written in group commits: one transaction for whatever arrived while the
 *   previous one was written (at most MAX_BATCH messages), answers published after each commit.
 * - The transaction-record hook (the session consumer) hears of every committed record once, after
 *   its commit, at most CONSUME_DELAY_MS later: the records of every batch committed meanwhile are
 *   handed over together. idle() and stop() do not wait for the delay; they run the hook at once.
 * - At most HIGH_WATER messages wait in memory; beyond that the MQTT client stops reading (see
 *   transport.ts) until the queue is below LOW_WATER.
 * - A message larger than `chargers.maxPayloadBytes` never reaches the batch and is never stored
 *   whole: the message log keeps its size and its first OVERSIZE_PREFIX_BYTES with an error naming
 *   the limit, nothing is applied, and it is answered FormationViolation only when its UniqueId can
 *   be read from those first bytes (answers are never answered).
 */

const MAX_BATCH = 500;
// The consumer's pass is a write transaction of its own (an fsync): run after every batch, it
// doubled the commits of a charger's message at a steady trickle, where every batch is one message.
// Records wait this long to be applied instead; answers never wait for it.
const CONSUME_DELAY_MS = 250;
const MAX_GATHER_TURNS = 8;
const HIGH_WATER = 5_000;
const LOW_WATER = 1_000;
const STOP_GRACE_MS = 5_000;
/** How much of an oversized message the message log keeps. */
export const OVERSIZE_PREFIX_BYTES = 1_024;

/** The first `max` bytes of a buffer as text, cut before a UTF-8 sequence it would split. */
function utf8Prefix(buf: Buffer, max: number): string {
  if (buf.length <= max) return buf.toString('utf8');
  let end = max;
  while (end > 0 && (buf[end] & 0xc0) === 0x80) end -= 1;
  return buf.subarray(0, end).toString('utf8');
}

/**
 * Logs a message too large to handle (its size, its first bytes, the limit) and returns the
 * FormationViolation to answer it with, when its UniqueId could be read from those bytes. Applies
 * nothing. The message log row is written at once, on its own: such messages are rare, and the
 * batch must never hold one.
 */
function refuseOversized(app: AppContext, msg: InboundMessage, limit: number): OutgoingMessage | null {
  const log = app.log.child({ domain: 'chargers' });
  const where = parseUpstreamTopic(msg.topic);
  const bytes = msg.payload.length;
  const prefix = utf8Prefix(msg.payload, OVERSIZE_PREFIX_BYTES);
  if (!where) {
    log.warn({ topic: msg.topic, bytes, limit }, 'oversized message on a topic that is not a charger topic ignored');
    return null;
  }
  const head = readFrameHead(prefix);
  const fault: OcppFault = {
    code: 'FormationViolation',
    description: `message of ${bytes} bytes is larger than the limit of ${limit} bytes (chargers.maxPayloadBytes); nothing of it was applied`,
    details: { field: '(message)', keyword: 'maxLength', limit },
  };
  const answerable = where.kind === 'request' && head.uniqueId !== null && head.messageType !== CALLRESULT && head.messageType !== CALLERROR;
  const answer = answerable ? encodeFrame(callError(head.uniqueId, fault), head.form) : null;
  const error = `${fault.code}: message of ${bytes} bytes is larger than chargers.maxPayloadBytes (${limit}); only its first ${Buffer.byteLength(prefix)} bytes are kept`;
  log.warn({ chargerId: where.chargerId, topic: msg.topic, bytes, limit, prefix, answered: answerable }, 'oversized charger message refused');
  try {
    app.sqlite
      .prepare(
        `INSERT INTO charger_messages (charger_id, direction, topic, received_at, message_type, unique_id, action, payload, error, answer)
         VALUES (?, 'in', ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        where.chargerId,
        msg.topic,
        msg.receivedAt,
        head.messageType,
        head.uniqueId,
        head.action,
        encodePayload(prefix),
        error,
        answer === null ? null : encodePayload(answer),
      );
  } catch (e) {
    // Not logged in the database: then not answered either (the log row comes before the answer).
    log.error({ err: e, chargerId: where.chargerId, bytes }, 'logging an oversized charger message failed');
    return null;
  }
  return answer === null ? null : { chargerId: where.chargerId, topic: topics.downstream(where.chargerId), text: answer };
}

export interface ChargersRuntime {
  readonly broker: EmbeddedBroker | null;
  readonly transport: ChargerTransport;
  /** Sends a CALL to a charger and resolves with its CALLRESULT payload (see PendingCalls). */
  callCharger(chargerId: string, action: string, payload: Payload, opts?: CallOptions): Promise<Payload>;
  /** Messages received and not yet committed. */
  queued(): number;
  /** Resolves once everything received so far is committed, answered and handed to the transaction-record hook. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export interface StartChargersOptions {
  hooks?: Partial<ChargerHooks>;
  /** Wait until the back office is connected to the broker before resolving (tests, bench). */
  waitConnected?: boolean;
  /** Observes each committed batch (bench latency); never changes anything. */
  onBatch?(outcome: BatchOutcome, batch: InboundMessage[]): void;
}

const running = new WeakMap<AppContext, ChargersRuntime>();

/** The running chargers runtime of this core, or null when startChargers has not run. */
export function chargersRuntime(app: AppContext): ChargersRuntime | null {
  return running.get(app) ?? null;
}

/** callCharger on the running runtime; 'unavailable' when the chargers side is not started. */
export function callCharger(app: AppContext, chargerId: string, action: string, payload: Payload, opts?: CallOptions): Promise<Payload> {
  const rt = running.get(app);
  if (!rt) return Promise.reject(new DepotError('unavailable', 'the charger link is not running in this process (start DepotDesk or depotdesk serve)'));
  return rt.callCharger(chargerId, action, payload, opts);
}

interface BrokerEndpoint {
  /** The embedded broker this core started, or null in external mode. */
  broker: EmbeddedBroker | null;
  url: string;
  username: string | undefined;
  password: string | undefined;
  clientId: string;
}

/** Where the back office's client connects: the embedded broker, started here, or the configured external one. */
async function brokerEndpoint(app: AppContext, maxPayloadBytes: number): Promise<BrokerEndpoint> {
  const cfg = app.config.broker;
  if (cfg.mode === 'embedded') {
    const creds = ensureBackOfficeCredentials(app.paths.dataDir);
    const broker = await startEmbeddedBroker(app, { host: cfg.host, port: cfg.port, allowLan: cfg.allowLan, backOffice: creds, maxPayloadBytes });
    return { broker, url: broker.url, username: creds.username, password: creds.password, clientId: creds.clientId };
  }
  if (!cfg.url) throw new DepotError('config_invalid', 'broker.mode is external but broker.url is empty (mqtt://host:1883 or mqtts://host:8883)', { key: 'broker.url' });
  return {
    broker: null,
    url: cfg.url,
    username: cfg.username || undefined,
    password: cfg.password || undefined,
    clientId: cfg.clientId || `depotdesk-${app.ids.next().slice(-10).toLowerCase()}`,
  };
}

/** The CALLs the back office sends to chargers: each attempt logged, then published in the form the charger speaks. */
function chargerCalls(app: AppContext, forms: Map<string, FrameForm>, transport: () => ChargerTransport | null): PendingCalls {
  return new PendingCalls({
    defaultTimeoutMs: app.config.chargers.callTimeoutMs,
    defaultRetries: app.config.chargers.callRetries,
    async send(chargerId, frame, attempt) {
      // Never inside the caller's transaction: a rolled-back caller must not un-log a sent CALL.
      await null;
      const link = transport();
      if (!link || link.state() !== 'connected') {
        throw new DepotError('unavailable', `cannot send ${frame.action} to ${chargerId}: not connected to the broker`);
      }
      const topic = topics.downstream(chargerId);
      const text = encodeFrame(frame, forms.get(chargerId) ?? 'object');
      app.sqlite
        .prepare(
          `INSERT INTO charger_messages (charger_id, direction, topic, received_at, message_type, unique_id, action, transaction_id, payload, error)
           VALUES (?, 'out', ?, ?, 2, ?, ?, ?, ?, ?)`,
        )
        .run(
          chargerId,
          topic,
          app.clock.now(),
          frame.uniqueId,
          frame.action,
          typeof frame.payload.transactionId === 'number' ? frame.payload.transactionId : null,
          encodePayload(text),
          attempt > 1 ? `retry ${attempt - 1}` : null,
        );
      await link.publish(topic, text);
    },
  });
}

/** Calls every waiter once and empties the list (a waiter added meanwhile waits for the next call). */
function wake(waiters: (() => void)[]): void {
  for (const fn of waiters.splice(0)) fn();
}

/**
 * Committed transaction records on their way to the hook: handed over together at most
 * CONSUME_DELAY_MS after the first of them committed, or at once by consume().
 */
function recordConsumer(app: AppContext, hooks: ChargerHooks) {
  const log = app.log.child({ domain: 'chargers' });
  let unconsumed: TransactionRecordNotice[] = [];
  let timer: NodeJS.Timeout | null = null;
  const consume = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    const records = unconsumed;
    unconsumed = [];
    if (records.length === 0 || !hooks.onTransactionRecords) return;
    try {
      hooks.onTransactionRecords(app, records);
    } catch (e) {
      log.error({ err: e }, 'the transaction-record hook failed (the records stay in the inbox)');
    }
  };
  return {
    add(records: TransactionRecordNotice[]) {
      if (records.length === 0 || !hooks.onTransactionRecords) return;
      unconsumed.push(...records);
      timer ??= setTimeout(consume, CONSUME_DELAY_MS);
    },
    /** True while records wait for the delay. */
    waiting: () => timer !== null,
    consume,
  };
}

type RecordConsumer = ReturnType<typeof recordConsumer>;

interface IngestOptions {
  maxPayloadBytes: number;
  /** Publishes an answer to a charger (the transport's publish). */
  publish(topic: string, text: string): Promise<void>;
  onBatch?: StartChargersOptions['onBatch'];
}

/** What a committed batch leads to: its answers published, its events emitted, its records handed on. */
function afterCommit(app: AppContext, outcome: BatchOutcome, publishReply: (r: OutgoingMessage) => void, consumer: RecordConsumer): void {
  for (const r of outcome.replies) publishReply(r);
  for (const ev of outcome.statusEvents) app.events.emit('charger.status', ev);
  for (const a of outcome.alerts) announceAlert(app, a);
  consumer.add(outcome.records);
}

/**
 * The ingest queue: received messages written in group commits (see the guarantees above), their
 * answers published, the transaction-record hook fed, and back-pressure on the MQTT client.
 */
function startIngest(ctx: InboundContext, opts: IngestOptions) {
  const { app } = ctx;
  const log = app.log.child({ domain: 'chargers' });
  const consumer = recordConsumer(app, ctx.hooks);
  const queue: InboundMessage[] = [];
  let scheduled = false;
  const roomWaiters: (() => void)[] = [];
  const idleWaiters: (() => void)[] = [];
  let inflightPublishes = 0;

  const settleIdle = () => {
    // Someone waits for idle (a test, the bench, stop): the records are applied now, not after the delay.
    if (queue.length === 0 && !scheduled && inflightPublishes === 0 && consumer.waiting() && idleWaiters.length > 0) consumer.consume();
    if (queue.length === 0 && !scheduled && inflightPublishes === 0 && !consumer.waiting()) wake(idleWaiters);
  };

  const publishReply = (r: OutgoingMessage) => {
    inflightPublishes += 1;
    opts
      .publish(r.topic, r.text)
      .catch((e: unknown) => log.warn({ chargerId: r.chargerId, err: (e as Error).message }, 'publishing an answer to a charger failed'))
      .finally(() => {
        inflightPublishes -= 1;
        settleIdle();
      });
  };

  const flush = () => {
    scheduled = false;
    while (queue.length > 0) {
      const batch = queue.splice(0, MAX_BATCH);
      let outcome: BatchOutcome;
      try {
        outcome = processBatch(ctx, batch);
      } catch (e) {
        // Nothing of this batch committed and nothing was answered: chargers resend what matters
        // (transaction messages are resent until answered), so log loudly and carry on.
        log.error({ err: e, messages: batch.length }, 'writing a batch of charger messages failed; none of it was answered');
        continue;
      }
      afterCommit(app, outcome, publishReply, consumer);
      opts.onBatch?.(outcome, batch);
      if (queue.length < LOW_WATER && roomWaiters.length > 0) wake(roomWaiters);
    }
    settleIdle();
  };

  // Group commit: each commit waits on an fsync (synchronous=FULL) and blocks this thread, so the
  // fewer commits the more messages per second. A burst reaches the queue over several turns of
  // the event loop (through the embedded broker, which runs on this thread, it takes at least two
  // socket hops), so the flush waits while the queue is still growing, up to MAX_GATHER_TURNS
  // turns. A lone message (a charger at its normal pace) is written on the next turn, as before.
  let gatherGeneration = 0;
  const gather = (generation: number, seen: number, turns: number) => {
    if (generation !== gatherGeneration || !scheduled) return;
    if (queue.length > seen && queue.length < MAX_BATCH && turns < MAX_GATHER_TURNS) {
      setImmediate(gather, generation, queue.length, turns + 1);
      return;
    }
    flush();
  };

  return {
    /** The transport's onMessage: false asks it to stop reading until whenRoom resolves. */
    receive(topic: string, payload: Buffer, receivedAt: number): boolean {
      if (payload.length > opts.maxPayloadBytes) {
        const answer = refuseOversized(app, { topic, payload, receivedAt }, opts.maxPayloadBytes);
        if (answer) publishReply(answer);
        return queue.length < HIGH_WATER;
      }
      queue.push({ topic, payload, receivedAt });
      if (!scheduled) {
        scheduled = true;
        gatherGeneration += 1;
        setImmediate(gather, gatherGeneration, queue.length, 0);
      }
      return queue.length < HIGH_WATER;
    },
    whenRoom: () => new Promise<void>((resolve) => roomWaiters.push(resolve)),
    queued: () => queue.length,
    idle: () =>
      new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        settleIdle();
      }),
    /** Writes what is queued without waiting for the gather (stop). */
    flushNow() {
      if (scheduled || queue.length > 0) flush();
    },
    /** Hands records still waiting for the delay to the hook (stop). */
    consumeNow() {
      if (consumer.waiting()) consumer.consume();
    },
    /** Lets a paused transport go on: its reads are dropped by the stopped client. */
    releaseRoom: () => wake(roomWaiters),
  };
}

export async function startChargers(app: AppContext, opts: StartChargersOptions = {}): Promise<ChargersRuntime> {
  if (running.has(app)) throw new DepotError('conflict', 'the charger link is already running for this core');
  const log = app.log.child({ domain: 'chargers' });
  const hooks: ChargerHooks = { ...defaultHooks, ...opts.hooks };
  const cfg = app.config.broker;
  const maxPayloadBytes = app.config.chargers.maxPayloadBytes;
  const { broker, url, username, password, clientId } = await brokerEndpoint(app, maxPayloadBytes);

  const forms = new Map<string, FrameForm>();
  let transport: ChargerTransport | null = null;
  const pending = chargerCalls(app, forms, () => transport);
  const ingest = startIngest({ app, hooks, pending, forms }, { maxPayloadBytes, publish: (topic, text) => transport!.publish(topic, text), onBatch: opts.onBatch });

  transport = startTransport(app, {
    url,
    username,
    password,
    clientId,
    tls: cfg.mode === 'external' ? cfg.tls : undefined,
    onMessage: ingest.receive,
    whenRoom: ingest.whenRoom,
  });

  let stopped: Promise<void> | null = null;
  const rt: ChargersRuntime = {
    broker,
    transport,
    callCharger: (chargerId, action, payload, callOpts) => pending.call(chargerId, action, payload, callOpts),
    queued: ingest.queued,
    idle: ingest.idle,
    stop() {
      stopped ??= (async () => {
        transport!.pause();
        ingest.flushNow();
        // Answers still on their way get a few seconds; a broker that is down would hold them forever.
        await Promise.race([rt.idle(), new Promise<void>((r) => setTimeout(r, STOP_GRACE_MS).unref())]);
        ingest.consumeNow();
        pending.close();
        await transport!.stop();
        if (broker) await broker.close();
        running.delete(app);
        ingest.releaseRoom();
        log.info('charger link stopped');
      })();
      return stopped;
    },
  };
  running.set(app, rt);
  if (opts.waitConnected) {
    try {
      await transport.connected();
    } catch (e) {
      await rt.stop();
      throw e;
    }
  }
  return rt;
}
