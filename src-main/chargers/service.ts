import type { AppContext } from '../app/context';
import { DepotError } from '../app/errors';
import { ensureBackOfficeCredentials, startEmbeddedBroker, type EmbeddedBroker } from './broker';
import { defaultHooks, processBatch, type BatchOutcome, type ChargerHooks, type InboundContext, type InboundMessage } from './inbound';
import { encodeFrame, PendingCalls, topics, type CallOptions, type FrameForm, type Payload } from './ocpp';
import { encodePayload } from './payload-codec';
import { startTransport, type Transport } from './transport';

/**
 * The chargers' side of the core, started with the app and stopped before the database closes.
 *
 * Guarantees:
 * - Start order: embedded broker (in embedded mode), then the back office's client; stop runs the
 *   reverse, after the messages already received have been written and answered, and fails every
 *   CALL still waiting for a charger.
 * - Received messages are written in group commits: one transaction for whatever arrived while the
 *   previous one was written (at most MAX_BATCH messages), answers published after each commit.
 * - At most HIGH_WATER messages wait in memory; beyond that the MQTT client stops reading (see
 *   transport.ts) until the queue is below LOW_WATER.
 */

const MAX_BATCH = 500;
const MAX_GATHER_TURNS = 8;
const HIGH_WATER = 5_000;
const LOW_WATER = 1_000;
const STOP_GRACE_MS = 5_000;

export interface ChargersRuntime {
  readonly broker: EmbeddedBroker | null;
  readonly transport: Transport;
  /** Sends a CALL to a charger and resolves with its CALLRESULT payload (see PendingCalls). */
  callCharger(chargerId: string, action: string, payload: Payload, opts?: CallOptions): Promise<Payload>;
  /** Messages received and not yet committed. */
  queued(): number;
  /** Resolves once everything received so far is committed and answered. */
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

export async function startChargers(app: AppContext, opts: StartChargersOptions = {}): Promise<ChargersRuntime> {
  if (running.has(app)) throw new DepotError('conflict', 'the charger link is already running for this core');
  const log = app.log.child({ domain: 'chargers' });
  const hooks: ChargerHooks = { ...defaultHooks, ...opts.hooks };
  const cfg = app.config.broker;

  let broker: EmbeddedBroker | null = null;
  let url: string;
  let username: string | undefined;
  let password: string | undefined;
  let clientId: string;
  if (cfg.mode === 'embedded') {
    const creds = ensureBackOfficeCredentials(app.paths.dataDir);
    broker = await startEmbeddedBroker(app, { host: cfg.host, port: cfg.port, allowLan: cfg.allowLan, backOffice: creds });
    url = broker.url;
    username = creds.username;
    password = creds.password;
    clientId = creds.clientId;
  } else {
    if (!cfg.url) throw new DepotError('config_invalid', 'broker.mode is external but broker.url is empty (mqtt://host:1883 or mqtts://host:8883)', { key: 'broker.url' });
    url = cfg.url;
    username = cfg.username || undefined;
    password = cfg.password || undefined;
    clientId = cfg.clientId || `depotdesk-${app.ids.next().slice(-10).toLowerCase()}`;
  }

  const forms = new Map<string, FrameForm>();
  let transport: Transport | null = null;
  const pending = new PendingCalls({
    defaultTimeoutMs: app.config.chargers.callTimeoutMs,
    defaultRetries: app.config.chargers.callRetries,
    async send(chargerId, frame, attempt) {
      // Never inside the caller's transaction: a rolled-back caller must not un-log a sent CALL.
      await null;
      if (!transport || transport.state() !== 'connected') {
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
      await transport.publish(topic, text);
    },
  });
  const ctx: InboundContext = { app, hooks, pending, forms };

  // --- the ingest queue ---------------------------------------------------------------------
  const queue: InboundMessage[] = [];
  let scheduled = false;
  let roomWaiters: (() => void)[] = [];
  let idleWaiters: (() => void)[] = [];
  let inflightPublishes = 0;

  const settleIdle = () => {
    if (queue.length === 0 && !scheduled && inflightPublishes === 0) {
      const w = idleWaiters;
      idleWaiters = [];
      for (const fn of w) fn();
    }
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
      for (const r of outcome.replies) {
        inflightPublishes += 1;
        transport!
          .publish(r.topic, r.text)
          .catch((e: unknown) => log.warn({ chargerId: r.chargerId, err: (e as Error).message }, 'publishing an answer to a charger failed'))
          .finally(() => {
            inflightPublishes -= 1;
            settleIdle();
          });
      }
      for (const ev of outcome.statusEvents) app.events.emit('charger.status', ev);
      for (const a of outcome.alerts) app.events.emit('alert', a);
      if (outcome.records.length > 0 && hooks.onTransactionRecords) {
        try {
          hooks.onTransactionRecords(app, outcome.records);
        } catch (e) {
          log.error({ err: e }, 'the transaction-record hook failed (the records stay in the inbox)');
        }
      }
      opts.onBatch?.(outcome, batch);
      if (queue.length < LOW_WATER && roomWaiters.length > 0) {
        const w = roomWaiters;
        roomWaiters = [];
        for (const fn of w) fn();
      }
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
  const schedule = () => {
    if (!scheduled) {
      scheduled = true;
      gatherGeneration += 1;
      setImmediate(gather, gatherGeneration, queue.length, 0);
    }
  };

  transport = startTransport(app, {
    url,
    username,
    password,
    clientId,
    tls: cfg.mode === 'external' ? cfg.tls : undefined,
    onMessage(topic, payload, receivedAt) {
      queue.push({ topic, payload, receivedAt });
      schedule();
      return queue.length < HIGH_WATER;
    },
    whenRoom: () => new Promise<void>((resolve) => roomWaiters.push(resolve)),
  });

  let stopped: Promise<void> | null = null;
  const rt: ChargersRuntime = {
    broker,
    transport,
    callCharger: (chargerId, action, payload, callOpts) => pending.call(chargerId, action, payload, callOpts),
    queued: () => queue.length,
    idle: () =>
      new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        settleIdle();
      }),
    stop() {
      stopped ??= (async () => {
        transport!.pause();
        if (scheduled || queue.length > 0) flush();
        // Answers still on their way get a few seconds; a broker that is down would hold them forever.
        await Promise.race([rt.idle(), new Promise<void>((r) => setTimeout(r, STOP_GRACE_MS).unref())]);
        pending.close();
        await transport!.stop();
        if (broker) await broker.close();
        running.delete(app);
        for (const fn of roomWaiters) fn();
        roomWaiters = [];
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
