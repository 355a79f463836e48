import type net from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import { idTagOf, meterPayload, readingOf, sessionsOf, startPayload, stopPayload, type BacklogPlan } from './backlog';

/**
 * Simulated chargers for `npm run bench -- ingest`, in a process of their own (real chargers are
 * other machines), driven over IPC by bench/ingest.ts. Every charger speaks OCPP 1.6J over MQTT
 * (QoS 1, the gateway's object form) and behaves as OCPP-J asks of a charger: **one CALL in flight
 * at a time** — it waits for the answer to a message before it sends the next one. That is also
 * how a charger replays its offline backlog: its MeterValues and StopTransaction need the
 * transactionId the back office gives in the StartTransaction answer. A charger never resends
 * (a real one would after its own timeout; here the benchmark waits, bounded by the caller).
 *
 *   { cmd: 'connect', url, chargers: [{ id, password }] }        → { ev: 'ready', ms }
 *       connects, subscribes ocpp/cs/{id}, BootNotification
 *   { cmd: 'sessions', plan }                                    → { ev: 'sessions', ... }
 *       every charger of the plan replays its sessions (Start → MeterValues × N → Stop), at once
 *   { cmd: 'abort' }                                             stops a running 'sessions'
 *   { cmd: 'open', chargers, connectorId }                       → { ev: 'opened', ... }
 *       StartTransaction now (charger clock = this machine's), kept open
 *   { cmd: 'steady', chargers, startAt, seconds, intervalMs }    → { ev: 'steady', ... }
 *       each charger sends a MeterValues of its open transaction every intervalMs, phases spread
 *   { cmd: 'close', chargers }                                   → { ev: 'closed', ... }
 *       StopTransaction of the open transactions
 *   { cmd: 'live-begin', intervalMs } / { cmd: 'live-end' }      → { ev: 'live-begun' } / { ev: 'live', ... }
 *       every charger of this process sends a MeterValues every intervalMs (when its previous one
 *       was answered) and records each round trip; one still unanswered at the end counts with its age
 *   { cmd: 'quit' }
 */

interface Answer {
  ok: boolean;
  payload: Record<string, unknown>;
  error?: string;
}

interface Waiting {
  resolve(a: Answer): void;
}

interface Open {
  connectorId: number;
  transactionId: number;
  meterWh: number;
  lastAt: number;
}

class Charger {
  readonly pending = new Map<string, Waiting>();
  seq = 0;
  open: Open | null = null;
  callsFromBackOffice = 0;
  constructor(
    readonly id: string,
    readonly client: MqttClient,
  ) {}

  /** Publishes a CALL and resolves with its answer (or null once aborted). */
  call(action: string, payload: Record<string, unknown>, abort?: Promise<null>): Promise<Answer | null> {
    this.seq += 1;
    const uniqueId = `${this.id}-${this.seq}`;
    const text = JSON.stringify({ MessageTypeId: 2, UniqueId: uniqueId, Action: action, Payload: payload });
    const answered = new Promise<Answer>((resolve) => this.pending.set(uniqueId, { resolve }));
    this.client.publish(`ocpp/cp/${this.id}`, text, { qos: 1 }, (e) => {
      if (e) this.answer(uniqueId, { ok: false, payload: {}, error: `publish failed: ${e.message}` });
    });
    return abort ? Promise.race([answered, abort]) : answered;
  }

  answer(uniqueId: string, a: Answer): void {
    const w = this.pending.get(uniqueId);
    if (!w) return;
    this.pending.delete(uniqueId);
    w.resolve(a);
  }

  onMessage(text: string): void {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      return;
    }
    let type: unknown;
    let uniqueId: unknown;
    let payload: unknown;
    let error: string | undefined;
    if (Array.isArray(v)) {
      [type, uniqueId] = v;
      payload = type === 3 ? v[2] : {};
      if (type === 4) error = `${String(v[2])}: ${String(v[3])}`;
    } else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      type = o.MessageTypeId;
      uniqueId = o.UniqueId;
      payload = o.Payload ?? {};
      if (type === 4) error = `${String(o.ErrorCode)}: ${String(o.ErrorDescription)}`;
    }
    if (type === 2) {
      // The benchmark's back office sends chargers nothing; count it if it ever does.
      this.callsFromBackOffice += 1;
      return;
    }
    if (typeof uniqueId !== 'string') return;
    this.answer(uniqueId, { ok: type === 3, payload: (payload ?? {}) as Record<string, unknown>, error });
  }
}

type Command =
  | { cmd: 'connect'; url: string; chargers: { id: string; password: string }[] }
  | { cmd: 'sessions'; plan: BacklogPlan }
  | { cmd: 'abort' }
  | { cmd: 'open'; chargers: string[]; connectorId: number }
  | { cmd: 'steady'; chargers: string[]; startAt: number; seconds: number; intervalMs: number }
  | { cmd: 'close'; chargers: string[] }
  | { cmd: 'live-begin'; intervalMs: number }
  | { cmd: 'live-end' }
  | { cmd: 'quit' };

const chargers = new Map<string, Charger>();
let abortRun: (() => void) | null = null;

function send(msg: unknown): void {
  process.send!(msg);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

function charger(id: string): Charger {
  const c = chargers.get(id);
  if (!c) throw new Error(`no simulated charger ${id} in this process`);
  return c;
}

/** A strictly increasing charger clock per charger (two readings never share a timestamp). */
function tick(o: Open): number {
  o.lastAt = Math.max(Date.now(), o.lastAt + 1);
  return o.lastAt;
}

async function connect(url: string, list: { id: string; password: string }[]): Promise<{ ms: number }> {
  const t0 = performance.now();
  // The embedded broker checks each login with scrypt: a few at a time, as chargers come back.
  const queue = [...list];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const { id, password } = next;
      const client = await mqtt.connectAsync(url, { clientId: id, username: id, password, reconnectPeriod: 0, clean: true, connectTimeout: 60_000 });
      (client.stream as unknown as net.Socket).setNoDelay(true);
      const c = new Charger(id, client);
      client.on('message', (_t, payload) => c.onMessage(payload.toString('utf8')));
      await client.subscribeAsync(`ocpp/cs/${id}`, { qos: 1 });
      chargers.set(id, c);
      const boot = await c.call('BootNotification', { chargePointVendor: 'Bench', chargePointModel: 'Sim-7kW', firmwareVersion: '1.0' });
      if (!boot?.ok || boot.payload.status !== 'Accepted') throw new Error(`${id}: BootNotification not accepted (${boot?.error ?? JSON.stringify(boot?.payload)})`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(16, list.length) }, worker));
  return { ms: performance.now() - t0 };
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

/** Every charger of the plan replays its sessions at once, each one message at a time. */
async function replay(plan: BacklogPlan): Promise<SessionsResult> {
  let stop!: () => void;
  const abort = new Promise<null>((resolve) => {
    stop = () => resolve(null);
  });
  let aborted = false;
  abortRun = () => {
    aborted = true;
    stop();
  };
  const r: SessionsResult = { sent: 0, answered: 0, errors: 0, firstError: null, statuses: {}, sessionsSkipped: 0, aborted: false, ms: 0 };
  const t0 = performance.now();
  const call = async (c: Charger, action: string, payload: Record<string, unknown>): Promise<Answer | null> => {
    if (aborted) return null;
    r.sent += 1;
    const a = await c.call(action, payload, abort);
    if (!a) return null;
    r.answered += 1;
    if (!a.ok) {
      r.errors += 1;
      r.firstError ??= `${action}: ${a.error}`;
    }
    return a;
  };
  await Promise.all(
    plan.chargers.map(async (id, i) => {
      const c = charger(id);
      for (const s of sessionsOf(plan, i)) {
        const start = await call(c, 'StartTransaction', startPayload(s));
        if (!start) return;
        const status = String((start.payload.idTagInfo as { status?: unknown } | undefined)?.status ?? 'none');
        r.statuses[status] = (r.statuses[status] ?? 0) + 1;
        const tx = start.payload.transactionId;
        if (!start.ok || typeof tx !== 'number') {
          r.sessionsSkipped += 1;
          continue;
        }
        for (let j = 1; j <= s.samples; j += 1) {
          const { at, wh } = readingOf(s, j);
          if (!(await call(c, 'MeterValues', meterPayload(s.connectorId, tx, at, wh)))) return;
        }
        if (!(await call(c, 'StopTransaction', stopPayload(s, tx)))) return;
      }
    }),
  );
  abortRun = null;
  r.aborted = aborted;
  r.ms = performance.now() - t0;
  return r;
}

async function openAll(ids: string[], connectorId: number): Promise<{ statuses: Record<string, number>; errors: number }> {
  const statuses: Record<string, number> = {};
  let errors = 0;
  await Promise.all(
    ids.map(async (id, i) => {
      const c = charger(id);
      const o: Open = { connectorId, transactionId: 0, meterWh: 5_000_000 + i * 10_000, lastAt: 0 };
      const idTag = idTagOf(id);
      const a = (await c.call('StartTransaction', { connectorId, idTag, meterStart: o.meterWh, timestamp: new Date(tick(o)).toISOString() }))!;
      const status = String((a.payload.idTagInfo as { status?: unknown } | undefined)?.status ?? 'none');
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (!a.ok || typeof a.payload.transactionId !== 'number') {
        errors += 1;
        return;
      }
      o.transactionId = a.payload.transactionId;
      c.open = o;
    }),
  );
  return { statuses, errors };
}

async function closeAll(ids: string[]): Promise<{ errors: number }> {
  let errors = 0;
  await Promise.all(
    ids.map(async (id) => {
      const c = charger(id);
      const o = c.open;
      if (!o) return;
      const a = (await c.call('StopTransaction', { transactionId: o.transactionId, meterStop: o.meterWh, timestamp: new Date(tick(o)).toISOString(), reason: 'Local' }))!;
      if (!a.ok) errors += 1;
      c.open = null;
    }),
  );
  return { errors };
}

/** One timed MeterValues of a charger's open transaction; resolves with the round trip in ms. */
async function timedMeter(c: Charger, whStep: number): Promise<{ ms: number; ok: boolean }> {
  const o = c.open!;
  o.meterWh += whStep;
  const t0 = performance.now();
  const a = (await c.call('MeterValues', meterPayload(o.connectorId, o.transactionId, tick(o), o.meterWh)))!;
  return { ms: performance.now() - t0, ok: a.ok };
}

/** Each charger sends a MeterValues every intervalMs from startAt, the chargers' phases spread evenly. */
async function steady(ids: string[], startAt: number, seconds: number, intervalMs: number) {
  const rtts: number[] = [];
  let sent = 0;
  let errors = 0;
  let skipped = 0;
  let unanswered: number[] = [];
  const end = startAt + seconds * 1000;
  // 19 Wh per 10 s is 7 kW.
  const whStep = Math.max(1, Math.round((7_000 * intervalMs) / 3_600_000));
  await Promise.all(
    ids.map(async (id, i) => {
      const c = charger(id);
      if (!c.open) return;
      let inflight: { t0: number; p: Promise<void> } | null = null;
      for (let due = startAt + Math.floor((i * intervalMs) / ids.length); due < end; due += intervalMs) {
        await sleep(due - Date.now());
        if (inflight) {
          // Still waiting for the previous answer: a charger does not send the next one yet.
          skipped += 1;
          continue;
        }
        sent += 1;
        const t0 = performance.now();
        const p = timedMeter(c, whStep).then((r) => {
          rtts.push(r.ms);
          if (!r.ok) errors += 1;
          inflight = null;
        });
        inflight = { t0, p };
      }
      const last = inflight as { t0: number; p: Promise<void> } | null;
      if (last) {
        // Answers still on their way get five seconds; then they count with their age.
        const done = await Promise.race([last.p.then(() => true), sleep(5_000).then(() => false)]);
        if (!done) unanswered = [...unanswered, performance.now() - last.t0];
      }
    }),
  );
  return { sent, answered: rtts.length, errors, skipped, rtts: [...rtts, ...unanswered], unanswered: unanswered.length };
}

let live: { stop(): Promise<{ sent: number; answered: number; errors: number; rtts: number[]; unanswered: number }> } | null = null;

function liveBegin(intervalMs: number): void {
  const rtts: number[] = [];
  let sent = 0;
  let errors = 0;
  let running = true;
  const loops = [...chargers.values()].map(async (c) => {
    let inflight: { t0: number; p: Promise<void> } | null = null;
    let due = Date.now();
    while (running) {
      due += intervalMs;
      if (!inflight) {
        sent += 1;
        const t0 = performance.now();
        const p = timedMeter(c, 1).then((r) => {
          rtts.push(r.ms);
          if (!r.ok) errors += 1;
          inflight = null;
        });
        inflight = { t0, p };
      }
      await sleep(due - Date.now());
    }
    return inflight as { t0: number; p: Promise<void> } | null;
  });
  live = {
    async stop() {
      running = false;
      const left = await Promise.all(loops);
      const now = performance.now();
      // A round trip still unanswered counts with its age so far: a stalled back office must show.
      const unanswered = left.filter((x): x is { t0: number; p: Promise<void> } => x !== null).map((x) => now - x.t0);
      return { sent, answered: rtts.length, errors, rtts: [...rtts, ...unanswered], unanswered: unanswered.length };
    },
  };
}

process.on('message', (m: Command) => {
  void (async () => {
    try {
      switch (m.cmd) {
        case 'connect':
          send({ ev: 'ready', ...(await connect(m.url, m.chargers)) });
          break;
        case 'sessions':
          send({ ev: 'sessions', ...(await replay(m.plan)) });
          break;
        case 'abort':
          abortRun?.();
          break;
        case 'open':
          send({ ev: 'opened', ...(await openAll(m.chargers, m.connectorId)) });
          break;
        case 'steady':
          send({ ev: 'steady', ...(await steady(m.chargers, m.startAt, m.seconds, m.intervalMs)) });
          break;
        case 'close':
          send({ ev: 'closed', ...(await closeAll(m.chargers)) });
          break;
        case 'live-begin':
          liveBegin(m.intervalMs);
          send({ ev: 'live-begun' });
          break;
        case 'live-end': {
          const r = live ? await live.stop() : { sent: 0, answered: 0, errors: 0, rtts: [], unanswered: 0 };
          live = null;
          send({ ev: 'live', ...r });
          break;
        }
        case 'quit':
          abortRun?.();
          await Promise.all([...chargers.values()].map((c) => c.client.endAsync(true).catch(() => undefined)));
          process.exit(0);
      }
    } catch (e) {
      send({ ev: 'error', message: (e as Error).message });
    }
  })();
});
send({ ev: 'started' });
