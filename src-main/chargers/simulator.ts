import type net from 'node:net';
import type { MqttClient } from 'mqtt';
import {
  CALL,
  CALLRESULT,
  callError,
  encodeFrame,
  newUniqueId,
  parseFrame,
  PendingCalls,
  topics,
  validatePayload,
  type CallErrorFrame,
  type CallFrame,
  type CallOptions,
  type FrameForm,
  type OcppFault,
  type Payload,
} from './ocpp';
import { lazyRequire } from '../kernel/lazy-require';

const mqttLib = lazyRequire<typeof import('mqtt')>('mqtt');

/**
 * Simulated chargers: real MQTT clients speaking OCPP 1.6J in the EMQX gateway layout, built on the
 * same framing, validation and call-correlation code as the back office. The tests drive single
 * chargers step by step (SimCharger); `depotdesk simulate` and the benchmark run whole fleets
 * through a scenario (runSimulation).
 */

export const SCENARIOS = ['normal', 'no-start', 'offline-replay', 'duplicates', 'meter-drift', 'faults'] as const;
export type Scenario = (typeof SCENARIOS)[number];

type CallHandler = (payload: Payload, frame: CallFrame) => Payload | Promise<Payload>;

/** Thrown by a CALL handler to answer with a CALLERROR. */
export class SimFault extends Error {
  constructor(readonly fault: OcppFault) {
    super(fault.description);
  }
}

export interface SimChargerOptions {
  id: string;
  password: string;
  brokerUrl: string;
  /** The MQTT client id; the broker accepts the charger id or "{id}:{suffix}". */
  clientId?: string;
  connectors?: number;
  /** The payload form this charger speaks (the gateway's object form by default). */
  form?: FrameForm;
  /** The charger's clock (its timestamps); real time by default. */
  now?: () => number;
  vendor?: string;
  model?: string;
  firmware?: string;
  callTimeoutMs?: number;
  callRetries?: number;
}

export class SimCharger {
  readonly id: string;
  readonly connectors: number;
  form: FrameForm;
  /** Every frame the back office sent us, in order (tests look at these). */
  readonly received: { topic: string; text: string }[] = [];
  private client: MqttClient | null = null;
  private readonly handlers = new Map<string, CallHandler>();
  private readonly pending: PendingCalls;
  /** The charger's clock. */
  readonly now: () => number;

  constructor(readonly opts: SimChargerOptions) {
    this.id = opts.id;
    this.connectors = opts.connectors ?? 2;
    this.form = opts.form ?? 'object';
    this.now = opts.now ?? Date.now;
    this.pending = new PendingCalls({
      defaultTimeoutMs: opts.callTimeoutMs ?? 10_000,
      defaultRetries: opts.callRetries ?? 3,
      send: async (_id, frame) => this.publishRaw(topics.requests(this.id), encodeFrame(frame, this.form)),
    });
    // What a well-behaved charger says to the back office's CALLs unless a test says otherwise.
    this.onCall('RemoteStartTransaction', () => ({ status: 'Accepted' }));
    this.onCall('RemoteStopTransaction', () => ({ status: 'Accepted' }));
    this.onCall('ChangeAvailability', () => ({ status: 'Accepted' }));
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  time(): string {
    return new Date(this.now()).toISOString();
  }

  /** Connects; rejects with the broker's reason when the login or the connection is refused. */
  connect(): Promise<void> {
    if (this.client?.connected) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const client = mqttLib().connect(this.opts.brokerUrl, {
        clientId: this.opts.clientId ?? this.id,
        username: this.id,
        password: this.opts.password,
        protocolVersion: 4,
        clean: true,
        reconnectPeriod: 0,
        connectTimeout: 10_000,
      });
      this.client = client;
      const fail = (e: Error) => {
        client.end(true);
        reject(e);
      };
      client.once('error', fail);
      client.once('close', () => {
        if (!client.connected) fail(new Error(`connection to ${this.opts.brokerUrl} closed before CONNACK`));
      });
      client.once('connect', () => {
        // Like a well-behaved charger: no Nagle delay on its small publishes (see transport.ts).
        (client.stream as Partial<net.Socket>).setNoDelay?.(true);
        client.off('error', fail);
        client.on('error', () => undefined);
        client.on('message', (topic, payload) => this.onMessage(topic, payload.toString('utf8')));
        client.subscribe(topics.downstream(this.id), { qos: 1 }, (err, granted) => {
          if (err) return reject(err);
          if (granted?.[0]?.qos === 128) return reject(new Error(`subscription to ${topics.downstream(this.id)} refused`));
          resolve();
        });
      });
    });
  }

  /** Subscribes to another topic (tests of the ACL); resolves with the granted QoS (128 = refused). */
  subscribeRaw(topic: string): Promise<number> {
    return new Promise((resolve, reject) => {
      if (!this.client) return reject(new Error('not connected'));
      this.client.subscribe(topic, { qos: 1 }, (err, granted) => {
        // mqtt.js 5 reports a refused subscription (SUBACK 0x80) as an error carrying the packet.
        const refused = (err as { packet?: { granted?: number[] } } | null)?.packet?.granted?.[0];
        if (err && refused === undefined) return reject(err);
        resolve(err ? refused! : (granted?.[0]?.qos ?? 128));
      });
    });
  }

  async disconnect(): Promise<void> {
    const c = this.client;
    this.client = null;
    if (c) await new Promise<void>((r) => c.end(false, {}, () => r()));
  }

  /** Tears down the connection without a DISCONNECT packet, like a charger losing its network. */
  drop(): void {
    this.client?.end(true);
    this.client = null;
  }

  /** Stops waiting for answers (calls in flight fail). */
  async close(): Promise<void> {
    this.pending.close('the simulated charger is shut down');
    await this.disconnect();
  }

  onCall(action: string, handler: CallHandler): void {
    this.handlers.set(action, handler);
  }

  publishRaw(topic: string, text: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const c = this.client;
      if (!c || !c.connected) return reject(new Error(`charger ${this.id} is not connected`));
      c.publish(topic, text, { qos: 1 }, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** Sends a CALL and resolves with the back office's CALLRESULT payload. */
  call(action: string, payload: Payload, opts?: CallOptions): Promise<Payload> {
    return this.pending.call(this.id, action, payload, opts);
  }

  /** Sends one CALL frame with a chosen UniqueId, without waiting (duplicates, replays). */
  send(action: string, payload: Payload, uniqueId = newUniqueId()): Promise<void> {
    const frame: CallFrame = { type: CALL, uniqueId, action, payload };
    return this.publishRaw(topics.requests(this.id), encodeFrame(frame, this.form));
  }

  private onMessage(topic: string, text: string): void {
    this.received.push({ topic, text });
    const parsed = parseFrame(text);
    if (!parsed.ok) return;
    const frame = parsed.frame;
    if (frame.type !== CALL) {
      this.pending.answer(this.id, frame);
      return;
    }
    void this.answerCall(frame);
  }

  private async answerCall(frame: CallFrame): Promise<void> {
    const reply = (f: Parameters<typeof encodeFrame>[0]) => this.publishRaw(topics.replies(this.id), encodeFrame(f, this.form)).catch(() => undefined);
    const handler = this.handlers.get(frame.action);
    if (!handler) return reply(callError(frame.uniqueId, { code: 'NotImplemented', description: `${frame.action} is not implemented by this simulator` }));
    const invalid = validatePayload(frame.action, 'req', frame.payload);
    if (invalid) return reply(callError(frame.uniqueId, invalid));
    try {
      await reply({ type: CALLRESULT, uniqueId: frame.uniqueId, payload: await handler(frame.payload, frame) });
    } catch (e) {
      if (e instanceof SimFault) await reply(callError(frame.uniqueId, e.fault));
      else
        await reply({ type: 4, uniqueId: frame.uniqueId, errorCode: 'InternalError', errorDescription: (e as Error).message, errorDetails: {} } satisfies CallErrorFrame);
    }
  }

  // --- the messages a charger sends ---------------------------------------------------------

  boot(): Promise<Payload> {
    return this.call('BootNotification', {
      chargePointVendor: this.opts.vendor ?? 'DepotSim',
      chargePointModel: this.opts.model ?? 'AC-22',
      chargePointSerialNumber: `SN-${this.id}`,
      firmwareVersion: this.opts.firmware ?? '1.0.0',
    });
  }

  heartbeat(): Promise<Payload> {
    return this.call('Heartbeat', {});
  }

  status(connectorId: number, status: string, errorCode = 'NoError', extra: Payload = {}): Promise<Payload> {
    return this.call('StatusNotification', { connectorId, status, errorCode, timestamp: this.time(), ...extra });
  }

  authorize(idTag: string): Promise<Payload> {
    return this.call('Authorize', { idTag });
  }

  startPayload(connectorId: number, idTag: string, meterStart: number, at = this.now()): Payload {
    return { connectorId, idTag, meterStart, timestamp: new Date(at).toISOString() };
  }

  async startTransaction(connectorId: number, idTag: string, meterStart: number, at = this.now(), opts?: CallOptions): Promise<number> {
    const r = await this.call('StartTransaction', this.startPayload(connectorId, idTag, meterStart, at), opts);
    return r.transactionId as number;
  }

  meterPayload(connectorId: number, transactionId: number | null, wh: number, at = this.now(), unit: 'Wh' | 'kWh' = 'Wh'): Payload {
    const value = unit === 'kWh' ? (wh / 1000).toFixed(3) : String(Math.round(wh));
    return {
      connectorId,
      ...(transactionId === null ? {} : { transactionId }),
      meterValue: [
        {
          timestamp: new Date(at).toISOString(),
          sampledValue: [{ value, context: 'Sample.Periodic', measurand: 'Energy.Active.Import.Register', unit, location: 'Outlet' }],
        },
      ],
    };
  }

  meterValues(connectorId: number, transactionId: number | null, wh: number, at = this.now(), opts?: CallOptions): Promise<Payload> {
    return this.call('MeterValues', this.meterPayload(connectorId, transactionId, wh, at), opts);
  }

  stopPayload(transactionId: number, meterStop: number, at = this.now(), reason = 'Local', idTag?: string, transactionData?: Payload[]): Payload {
    return {
      transactionId,
      meterStop,
      timestamp: new Date(at).toISOString(),
      reason,
      ...(idTag ? { idTag } : {}),
      ...(transactionData ? { transactionData } : {}),
    };
  }

  stopTransaction(transactionId: number, meterStop: number, at = this.now(), reason = 'Local', opts?: CallOptions): Promise<Payload> {
    return this.call('StopTransaction', this.stopPayload(transactionId, meterStop, at, reason), opts);
  }
}

// ---------------------------------------------------------------------------------------------
// Fleets and scenarios

export interface SimulationOptions {
  brokerUrl: string;
  chargers: number;
  scenario: Scenario;
  /** MeterValues per second per charging connector. */
  rate: number;
  prefix?: string;
  password?: string;
  connectors?: number;
  /** Start a local session on connector 1 of every charger right after boot (no back office needed). */
  autoStart?: boolean;
  /** The id tag auto-started sessions use (idTags wins when both are given). */
  idTag?: string;
  /** Id tags auto-started sessions use in turn: charger n starts with the n-th, then the next. */
  idTags?: readonly string[];
  /**
   * Like a charger with online authorization (the default): an auto-start Authorizes its card first
   * and does not start unless it is Accepted, and a transaction whose StartTransaction answer is not
   * Accepted is stopped at once with reason DeAuthorized (StopTransactionOnInvalidId). false starts
   * any card, as a charger that trusts its local list does (unknown cards then reach the review queue).
   */
  authorize?: boolean;
  /** Length of an auto-started session, then a new one begins after a pause. */
  sessionSeconds?: number;
  /** Charging power in W, for the energy register. */
  powerW?: number;
  /** offline-replay: how long each charger stays offline during a session. */
  offlineSeconds?: number;
  /** Overrides the heartbeat interval the back office gives at boot (seconds). */
  heartbeatSeconds?: number;
  log?: (line: string) => void;
}

export interface SimulationStats {
  booted: number;
  rejected: number;
  transactionsStarted: number;
  transactionsStopped: number;
  meterValuesSent: number;
  duplicatesSent: number;
  replayed: number;
  faults: number;
  /** Auto-starts not made because Authorize did not accept the card. */
  refusedCards: number;
  /** Transactions stopped at once because their StartTransaction answer was not Accepted. */
  deauthorized: number;
  errors: number;
}

export interface RunningSimulation {
  chargers: SimCharger[];
  stats: SimulationStats;
  /** Resolves when every charger has booted (or was rejected). */
  ready: Promise<void>;
  stop(): Promise<void>;
}

export function simChargerId(prefix: string, n: number): string {
  return `${prefix}${String(n).padStart(3, '0')}`;
}

interface StopSignal {
  stopped: boolean;
  wakers: Set<() => void>;
}

/** Sleeps ms, or less if the simulation is stopped meanwhile. */
function sleep(ms: number, signal: StopSignal): Promise<void> {
  if (signal.stopped) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal.wakers.delete(done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.wakers.add(done);
  });
}

function shuffle<T>(list: T[]): T[] {
  const a = [...list];
  for (let i = a.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** Starts a fleet of simulated chargers running one scenario; stop() ends every session cleanly. */
export function runSimulation(o: SimulationOptions): RunningSimulation {
  const prefix = o.prefix ?? 'SIM-';
  const log = o.log ?? (() => undefined);
  const signal: StopSignal = { stopped: false, wakers: new Set() };
  const stats: SimulationStats = {
    booted: 0,
    rejected: 0,
    transactionsStarted: 0,
    transactionsStopped: 0,
    meterValuesSent: 0,
    duplicatesSent: 0,
    replayed: 0,
    faults: 0,
    refusedCards: 0,
    deauthorized: 0,
    errors: 0,
  };
  const chargers: SimCharger[] = [];
  const loops: Promise<void>[] = [];
  const bootWaiters: Promise<void>[] = [];

  for (let n = 1; n <= o.chargers; n += 1) {
    // meter-drift: the charger's clock runs ahead, 90 s at start and 1 s more every 10 s.
    const started = Date.now();
    const now = o.scenario === 'meter-drift' ? () => Date.now() + 90_000 + Math.floor((Date.now() - started) / 10) : Date.now;
    const sim = new SimCharger({
      id: simChargerId(prefix, n),
      password: o.password ?? 'sim-password',
      brokerUrl: o.brokerUrl,
      connectors: o.connectors ?? 2,
      now,
      callTimeoutMs: o.scenario === 'duplicates' ? 2_000 : 10_000,
      callRetries: o.scenario === 'duplicates' ? 10 : 3,
    });
    chargers.push(sim);
    let booted!: () => void;
    bootWaiters.push(new Promise<void>((r) => (booted = r)));
    loops.push(runCharger(sim, o, stats, signal, log, booted, n - 1));
  }

  return {
    chargers,
    stats,
    ready: Promise.all(bootWaiters).then(() => undefined),
    async stop() {
      signal.stopped = true;
      for (const wake of [...signal.wakers]) wake();
      await Promise.allSettled(loops);
      await Promise.allSettled(chargers.map((c) => c.close()));
    },
  };
}

/** After a card is refused, an auto-starting charger waits this long before trying the next one. */
const AUTO_START_RETRY_MS = 5_000;

interface Session {
  connectorId: number;
  idTag: string;
  transactionId: number | null;
  wh: number;
  startedAt: number;
  stopRequested: boolean;
  deauthorized: boolean;
}

function idTagStatus(answer: Payload | null): string | undefined {
  return (answer?.idTagInfo as { status?: string } | undefined)?.status;
}

/** One fleet charger's running state: its energy register, its sessions and its network. */
interface ChargerRun {
  sim: SimCharger;
  o: SimulationOptions;
  stats: SimulationStats;
  signal: StopSignal;
  log: (line: string) => void;
  index: number;
  tags: readonly string[];
  autoStarts: number;
  /** The next local start on connector 1, after Authorize accepted its card (see `autoStart`). */
  autoStartAfter: number;
  powerW: number;
  meterEveryMs: number;
  sessions: Map<number, Session>;
  running: Set<Promise<void>>;
  registerWh: number;
  offline: boolean;
  buffer: { action: string; payload: Payload }[];
}

async function runCharger(
  sim: SimCharger,
  o: SimulationOptions,
  stats: SimulationStats,
  signal: StopSignal,
  log: (line: string) => void,
  booted: () => void,
  index: number,
): Promise<void> {
  const run: ChargerRun = {
    sim,
    o,
    stats,
    signal,
    log,
    index,
    tags: o.idTags && o.idTags.length > 0 ? o.idTags : [o.idTag ?? 'SIMTAG'],
    autoStarts: 0,
    autoStartAfter: 0,
    powerW: o.powerW ?? 7_000,
    meterEveryMs: Math.max(1, Math.round(1000 / Math.max(o.rate, 0.001))),
    sessions: new Map(),
    running: new Set(),
    registerWh: 100_000,
    offline: false,
    buffer: [],
  };
  answerRemoteCalls(run);
  try {
    await sim.connect();
    const interval = await bootUntilAccepted(run, booted);
    if (interval === null) return;
    booted();
    for (let c = 1; c <= sim.connectors; c += 1) await sim.status(c, 'Available');
    await autoStart(run);
    await tickUntilStopped(run, interval);
    for (const s of run.sessions.values()) s.stopRequested = true;
    await Promise.allSettled([...run.running]);
  } catch (e) {
    stats.errors += 1;
    log(`${sim.id}: ${(e as Error).message}`);
    booted();
  }
}

function nextTag(run: ChargerRun): string {
  return run.tags[(run.index + run.autoStarts++) % run.tags.length];
}

/** A transaction message: sent now (repeated until answered), or buffered while offline. */
async function sendTx(run: ChargerRun, action: string, payload: Payload): Promise<Payload | null> {
  if (run.offline) {
    run.buffer.push({ action, payload });
    return null;
  }
  if (run.o.scenario === 'duplicates' && Math.random() < 0.5) {
    run.stats.duplicatesSent += 1;
    void run.sim.send(action, payload).catch(() => undefined);
  }
  return run.sim.call(action, payload);
}

async function runSession(run: ChargerRun, s: Session): Promise<void> {
  const { sim, stats } = run;
  try {
    await sim.status(s.connectorId, 'Preparing');
    await startSessionTransaction(run, s);
    if (!run.offline) await sim.status(s.connectorId, 'Charging');
    const beginSample = sim.meterPayload(s.connectorId, null, run.registerWh).meterValue as Payload[];
    await meterUntilStopped(run, s);
    const endSample = sim.meterPayload(s.connectorId, null, run.registerWh).meterValue as Payload[];
    const reason = s.deauthorized ? 'DeAuthorized' : run.signal.stopped ? 'Local' : 'Remote';
    const stop = sim.stopPayload(s.transactionId ?? -1, Math.round(run.registerWh), sim.now(), reason, s.idTag, [...beginSample, ...endSample]);
    await sendTx(run, 'StopTransaction', stop);
    stats.transactionsStopped += 1;
    if (!run.offline) {
      await sim.status(s.connectorId, 'Finishing');
      await sim.status(s.connectorId, 'Available');
    }
  } catch (e) {
    stats.errors += 1;
    run.log(`${sim.id}: session on connector ${s.connectorId} failed: ${(e as Error).message}`);
  } finally {
    run.sessions.delete(s.connectorId);
  }
}

/** StartTransaction; a card the answer does not accept is stopped at once (DeAuthorized). */
async function startSessionTransaction(run: ChargerRun, s: Session): Promise<void> {
  const { sim, stats } = run;
  const startPayload = sim.startPayload(s.connectorId, s.idTag, Math.round(run.registerWh));
  const started = await sendTx(run, 'StartTransaction', startPayload);
  if (started) s.transactionId = started.transactionId as number;
  stats.transactionsStarted += 1;
  if (started && run.o.authorize !== false && idTagStatus(started) !== 'Accepted') {
    s.stopRequested = true;
    s.deauthorized = true;
    stats.deauthorized += 1;
    run.log(`${sim.id}: transaction ${String(s.transactionId)} of card ${s.idTag} is ${String(idTagStatus(started))}; stopping it (DeAuthorized)`);
  }
}

/** MeterValues every meterEveryMs until the session is asked to stop or the simulation ends. */
async function meterUntilStopped(run: ChargerRun, s: Session): Promise<void> {
  const { sim, o, signal } = run;
  let samples = 0;
  while (!signal.stopped && !s.stopRequested) {
    await sleep(run.meterEveryMs, signal);
    if (signal.stopped) break;
    run.registerWh += (run.powerW * run.meterEveryMs) / 3_600_000;
    s.wh = run.registerWh;
    const payload = sim.meterPayload(s.connectorId, s.transactionId, run.registerWh, sim.now(), o.scenario === 'meter-drift' ? 'kWh' : 'Wh');
    await sendTx(run, 'MeterValues', payload);
    run.stats.meterValuesSent += 1;
    samples += 1;
    if (o.scenario === 'offline-replay' && samples === 2 && !run.offline) goOffline(run);
    if (o.autoStart && Date.now() - s.startedAt >= (o.sessionSeconds ?? 60) * 1000) s.stopRequested = true;
  }
}

/** offline-replay: the network drops; transaction messages are buffered until it comes back. */
function goOffline(run: ChargerRun): void {
  const { sim, signal } = run;
  run.offline = true;
  run.log(`${sim.id}: network lost (buffering transaction messages)`);
  sim.drop();
  const back = sleep((run.o.offlineSeconds ?? 20) * 1000, signal).then(() => {
    if (signal.stopped) run.log(`${sim.id}: stopped while offline; ${run.buffer.length} buffered message(s) never sent`);
    else return reconnect(run);
  });
  run.running.add(back);
  void back.finally(() => run.running.delete(back));
}

async function reconnect(run: ChargerRun): Promise<void> {
  const { sim, stats } = run;
  try {
    await sim.connect();
    run.offline = false;
    run.log(`${sim.id}: back online, replaying ${run.buffer.length} message(s)`);
    const queued = run.buffer.splice(0);
    // The start goes first (its answer carries the transaction id the rest needs), then the
    // rest in a shuffled order, as chargers do after a long outage.
    const start = queued.find((m) => m.action === 'StartTransaction');
    let txId: number | null = null;
    if (start) {
      txId = (await sim.call('StartTransaction', start.payload)).transactionId as number;
      stats.replayed += 1;
    }
    const rest = shuffle(queued.filter((m) => m !== start));
    await Promise.all(
      rest.map(async (m) => {
        const payload = { ...m.payload };
        if (txId !== null && (payload.transactionId === undefined || payload.transactionId === -1)) payload.transactionId = txId;
        if (payload.transactionId === -1) return;
        await sim.call(m.action, payload);
        stats.replayed += 1;
      }),
    );
  } catch (e) {
    stats.errors += 1;
    run.log(`${sim.id}: reconnect/replay failed: ${(e as Error).message}`);
  }
}

async function autoStart(run: ChargerRun): Promise<void> {
  const { o, sim, stats } = run;
  if (!o.autoStart || run.sessions.size > 0 || run.signal.stopped || Date.now() < run.autoStartAfter) return;
  const tag = nextTag(run);
  if (o.authorize !== false) {
    let status: string | undefined;
    try {
      status = idTagStatus(await sim.authorize(tag));
    } catch (e) {
      stats.errors += 1;
      status = `not answered (${(e as Error).message})`;
    }
    if (status !== 'Accepted') {
      stats.refusedCards += 1;
      run.autoStartAfter = Date.now() + AUTO_START_RETRY_MS;
      run.log(`${sim.id}: card ${tag} is ${String(status)}; not starting (the next card in ${AUTO_START_RETRY_MS / 1000} s)`);
      return;
    }
  }
  begin(run, 1, tag);
}

function begin(run: ChargerRun, connectorId: number, idTag: string): boolean {
  if (run.sessions.has(connectorId)) return false;
  const s: Session = { connectorId, idTag, transactionId: null, wh: run.registerWh, startedAt: Date.now(), stopRequested: false, deauthorized: false };
  run.sessions.set(connectorId, s);
  const p = runSession(run, s).finally(() => run.running.delete(p));
  run.running.add(p);
  return true;
}

function answerRemoteCalls(run: ChargerRun): void {
  const { sim } = run;
  sim.onCall('RemoteStartTransaction', (p) => {
    const connectorId = typeof p.connectorId === 'number' ? p.connectorId : 1;
    if (run.o.scenario === 'no-start') {
      run.log(`${sim.id}: RemoteStart accepted and then ignored (no-start scenario)`);
      return { status: 'Accepted' };
    }
    return { status: begin(run, connectorId, p.idTag as string) ? 'Accepted' : 'Rejected' };
  });
  sim.onCall('RemoteStopTransaction', (p) => {
    const s = [...run.sessions.values()].find((x) => x.transactionId === p.transactionId);
    if (!s) return { status: 'Rejected' };
    s.stopRequested = true;
    return { status: 'Accepted' };
  });
}

/** Boots until Accepted; the heartbeat interval in seconds, or null if stopped meanwhile. */
async function bootUntilAccepted(run: ChargerRun, booted: () => void): Promise<number | null> {
  const { sim, o, stats } = run;
  for (;;) {
    const r = await sim.boot();
    if (r.status === 'Accepted') {
      stats.booted += 1;
      return o.heartbeatSeconds ?? (r.interval as number);
    }
    stats.rejected += 1;
    run.log(`${sim.id}: boot ${String(r.status)} (is the charger registered?); retrying in ${String(r.interval)} s`);
    booted();
    await sleep(Math.max(1, r.interval as number) * 1000, run.signal);
    if (run.signal.stopped) return null;
  }
}

/** Every 250 ms while online: heartbeat when due, the faults scenario's fault and recovery, auto-starts. */
async function tickUntilStopped(run: ChargerRun, interval: number): Promise<void> {
  const { sim, stats, signal } = run;
  let faultAt = run.o.scenario === 'faults' ? Date.now() + 3_000 : Infinity;
  let recoverAt = Infinity;
  let lastBeat = Date.now();
  while (!signal.stopped) {
    await sleep(250, signal);
    if (run.offline || signal.stopped) continue;
    const t = Date.now();
    try {
      if (t - lastBeat >= interval * 1000) {
        lastBeat = t;
        await sim.heartbeat();
      }
      if (t >= faultAt) {
        faultAt = Infinity;
        recoverAt = t + 30_000;
        stats.faults += 1;
        await sim.status(sim.connectors, 'Faulted', 'GroundFailure', { vendorErrorCode: 'E-GF-01', info: 'simulated ground fault' });
        run.log(`${sim.id}: connector ${sim.connectors} Faulted (GroundFailure)`);
      }
      if (t >= recoverAt) {
        recoverAt = Infinity;
        await sim.status(sim.connectors, 'Available');
      }
      await autoStart(run);
    } catch (e) {
      stats.errors += 1;
      run.log(`${sim.id}: ${(e as Error).message}`);
    }
  }
}
