import crypto from 'node:crypto';
import { performance } from 'node:perf_hooks';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FakeClock, businessDate, DAY_MS } from '../kernel/clock';
import type { AppContext } from '../kernel/context';
import { silentLogger } from '../kernel/logger';
import { openCore } from '../boot/core';
import { startServices, type Services } from '../boot/services';
import { addCharger, addStation } from '../chargers';
import { addDriver, depotAccounts, topUp, walletView } from '../ledger';
import { createOperator } from '../operators';
import { assignTariff, GUANGDONG_PLAN, importTariff } from '../tariffs';
import { latestForceClose, listSessions } from '../sessions';
import { iterateOrders, simulatedProvider, type SimOutcome } from '../payments';
import { listCampaigns, summaryOf } from '../compensation';
import { taskCounts } from '../refunds';
import { Prng } from './prng';
import { checkInvariants, type InvariantOptions } from './invariants';
import { STEP_WEIGHTS, runStep, type StepKind } from './steps';
import type { ChargerFactory, ChargerModel } from './world';
import { CHARGER_PASSWORD, connectCharger } from './link';

/**
 * The seeded depot simulation (issue 19, "the VOPR idea, at our scale"): a whole depot in one
 * process — the real core on a real SQLite file, the real job scheduler driven on a fake clock,
 * the embedded MQTT broker with simulated chargers on it — doing, step after step, a choice drawn
 * from a seeded PRNG among the depot's real operations, with faults, and checking its invariants
 * after every step.
 *
 * Guarantees:
 * - A run is a function of its seed and length: every decision (which step, which driver, how
 *   much, which fault) comes from the seeded PRNG (prng.ts) — the gateway's refund answers and the
 *   scheduler's backoff jitter from streams of their own — and every time the depot sees is the
 *   fake clock's. Two runs of one seed end with the same fingerprint (a hash of every ledger
 *   balance, keyed by names the seed fixes, and the sessions', orders' and campaigns' states).
 *   Real time only paces the wait for a message's round trip through the broker; it never
 *   decides anything.
 * - After every step the invariants (invariants.ts) are checked on what the database says:
 *   `ledger verify` (the same check `depotdesk ledger verify` runs), every finished session settled
 *   exactly once, every pending hold belonging to a live session, every payment order terminal or
 *   pending within its timeout (and credited once if paid), every campaign item credited at most
 *   once (exactly once when the campaign completed; a reversal netting its credits to zero), every
 *   refund task's money moved at most once (nothing paid out unless completed). The first step
 *   that breaks one ends the run with the seed, the step number, the step's description and what
 *   was found; the runner exits 1.
 * - Steps go through the domains' own public functions, as the app's doors do; charger messages
 *   go through the real broker and the real inbox. A refusal by the domain (an offline charger, a
 *   wallet too small) is a normal outcome of a step, counted, never a failure of the run.
 * - A crash closes the database under the running services (in-memory work is lost: records
 *   committed but not yet consumed, a message in flight) and reopens the depot from the same file
 *   as a restart would; the chargers, which do not crash with the back office, reconnect and send
 *   again what was never answered.
 */

export interface SimulationOptions {
  seed: number;
  days: number;
  chargers: ChargerFactory;
  /** The data directory (a fresh temporary one by default, removed at the end unless keepDir). */
  dir?: string;
  keepDir?: boolean;
  /** Progress lines (one per simulated day). */
  log?: (line: string) => void;
  /** Hears each step's number, fake time and description (`--trace`). */
  onStep?: (step: number, at: number, description: string) => void;
  /** Runs after each step, before the checks; a test plants a violation with it. */
  afterStep?: (ctx: { app: AppContext; step: number }) => void;
}

export interface Violation {
  seed: number;
  step: number;
  description: string;
  problems: string[];
}

export interface SimulationResult {
  seed: number;
  days: number;
  steps: number;
  violation: Violation | null;
  fingerprint: string;
  /** How many steps of each kind ran, and their outcomes (refused, crashes…). */
  counts: Record<string, number>;
  /** How many sessions and orders ended in each state, and campaign items in each status. */
  finalStates: Record<string, number>;
  /** Real milliseconds spent per kind of step, checks included as `checks` (for the figures; never a decision). */
  timing: Record<string, number>;
  dir: string;
}

export const SIM_START = Date.parse('2026-03-02T00:00:00+08:00');
export const STATION_ID = 'ST-SIM';
const CHARGER_COUNT = 3;
const CONNECTORS = 2;
const DRIVER_COUNT = 8;
/** Every charger message is answered within this (real) time, or the run says the link is stuck. */
const ROUND_TRIP_LIMIT_MS = 15_000;

export const SIM_OVERRIDES = {
  broker: { port: 0 },
  chargers: { callTimeoutMs: ROUND_TRIP_LIMIT_MS, callRetries: 0, heartbeatIntervalS: 900 },
};

/**
 * How the gateway treats one refund task: healthy answers every call, down refuses every refund
 * (the task fails after refunds.maxAttempts and waits for an operator), flaky refuses or times out
 * some calls (the task retries, or is queried after an unknown outcome).
 */
export type RefundFate = 'healthy' | 'flaky' | 'down';

export interface SimDriver {
  /** d1, d2…: the name the seed gives it (its row id is random). */
  name: string;
  id: string;
  tag: string;
}

/** The depot being simulated: its core, services and the world around it. */
export class SimDepot {
  readonly prng: Prng;
  /** The gateway's refund outcomes: a stream of its own, so they never shift the steps the seed chooses. */
  readonly gateway: Prng;
  /** The job scheduler's retry backoff jitter: another stream of the seed. */
  readonly jitter: Prng;
  /** Whether a payment's notification reaches the depot: a stream of its own, so the steps the seed chooses stay where they were. */
  readonly notifications: Prng;
  /** The gateway's answer to the next order's createPayment (the orderCreate step draws it); every other order call is answered normally. */
  nextOrderOutcome: SimOutcome | null = null;
  /** Each refund task's fate at the gateway, drawn when the task is created (its id is random, its order of creation is not). */
  readonly refundFates = new Map<string, { fate: RefundFate; prng: Prng }>();
  /** Sessions a supervisor force-closed (for the run's figures). */
  readonly forceClosed: string[] = [];
  readonly clock = new FakeClock(SIM_START);
  app!: AppContext;
  services!: Services;
  operator = { id: '', role: 'operator' as const };
  supervisors: { operatorId: string; role: 'supervisor' }[] = [];
  drivers: SimDriver[] = [];
  chargers: ChargerModel[] = [];
  readonly counts: Record<string, number> = {};
  readonly timing: Record<string, number> = {};
  step = 0;
  /** The last local transaction number a simulated charger gave out. */
  localTx = 0;

  constructor(
    readonly seed: number,
    readonly dir: string,
    readonly factory: ChargerFactory,
  ) {
    this.prng = new Prng(seed);
    this.gateway = Prng.stream(seed, 1);
    this.jitter = Prng.stream(seed, 2);
    this.notifications = Prng.stream(seed, 3);
  }

  /** Draws how the gateway will treat a refund task (from the gateway's stream) and returns it. */
  assignRefundFate(taskId: string): RefundFate {
    const fate = this.gateway.weighted({ healthy: 40, flaky: 35, down: 25 });
    this.refundFates.set(taskId, { fate, prng: new Prng(this.gateway.int(0, 2 ** 31 - 1)) });
    this.count(`refundFate:${fate}`);
    return fate;
  }

  /**
   * The simulated gateway's chooser: the next createPayment gets the outcome its step drew, refund
   * calls of a task with a fate get it; every other call (the polls, the close at the timeout) is
   * left to the gateway's own outcome. A chooser, not a script: an outcome drawn for an order whose
   * creation was refused before it reached the gateway must not fall to the next poll or close.
   */
  private gatewayOutcome(call: { call: string; key: string }): SimOutcome | undefined {
    if (call.call === 'createPayment') {
      const outcome = this.nextOrderOutcome ?? undefined;
      this.nextOrderOutcome = null;
      return outcome;
    }
    if (call.call !== 'refund' && call.call !== 'queryRefund') return undefined;
    const f = this.refundFates.get(call.key);
    if (!f) return undefined;
    let outcome: SimOutcome;
    if (call.call === 'queryRefund') outcome = f.fate === 'flaky' && f.prng.chance(0.2) ? 'unknown' : 'success';
    else if (f.fate === 'flaky') outcome = f.prng.weighted({ success: 35, failure: 45, unknown: 20 });
    else outcome = f.fate === 'down' ? 'failure' : 'success';
    this.count(`gateway:${call.call}:${outcome}`);
    return outcome;
  }

  count(what: string): void {
    this.counts[what] = (this.counts[what] ?? 0) + 1;
  }

  get invariantOptions(): InvariantOptions {
    return { orderTimeoutMs: this.app.config.payments.orderTimeoutMs, orderGraceMs: 2 * 60_000 };
  }

  brokerUrl(): string {
    const url = this.services.chargers?.broker?.url;
    if (!url) throw new Error(`the charger link did not start: ${String(this.app.runtime.broker.error)}`);
    return url;
  }

  async open(): Promise<void> {
    this.app = openCore({ dataDir: this.dir, mode: 'test', clock: this.clock, log: silentLogger(), overrides: SIM_OVERRIDES });
    this.services = await startServices(this.app, { poll: false, chargers: { waitConnected: true }, random: () => this.jitter.next() });
    // The gateway is per core: a restarted depot has a new one, told the same fates.
    for (const channel of ['wechat', 'alipay'] as const) simulatedProvider(this.app, channel)?.choose((call) => this.gatewayOutcome(call));
  }

  async setUp(): Promise<void> {
    await this.open();
    const app = this.app;
    const op = await createOperator(app, { name: 'sim-operator', role: 'operator', password: 'sim-password-1' });
    this.operator = { id: op.id, role: 'operator' };
    for (const name of ['sim-supervisor-a', 'sim-supervisor-b']) {
      const s = await createOperator(app, { name, role: 'supervisor', password: 'sim-password-1' });
      this.supervisors.push({ operatorId: s.id, role: 'supervisor' });
    }
    addStation(app, { name: 'Sim Yard', id: STATION_ID });
    const plan = importTariff(app, { file: GUANGDONG_PLAN });
    assignTariff(app, { stationId: STATION_ID, planId: plan.planId });
    for (let i = 1; i <= DRIVER_COUNT; i += 1) {
      const tag = `SIMCARD${i}`;
      const d = addDriver(app, { name: `sim driver ${i}`, phone: String(13_600_000_000 + i), tags: [tag] });
      this.drivers.push({ name: `d${i}`, id: d.id, tag });
      // Some drivers start with an empty wallet.
      const fen = this.prng.int(0, 10) * 1_000;
      if (fen > 0) topUp(app, { key: `sim:setup:${i}`, driverId: d.id, amountFen: fen, channel: 'cash' }, { operatorId: this.operator.id });
    }
    for (let i = 1; i <= CHARGER_COUNT; i += 1) {
      const id = `SIM-CP${i}`;
      await addCharger(app, { id, station: STATION_ID, connectors: CONNECTORS, password: CHARGER_PASSWORD });
      const model: ChargerModel = {
        id,
        connectors: CONNECTORS,
        port: null,
        online: true,
        skewMs: this.prng.int(-90, 90) * 1_000,
        registerWh: Array.from({ length: CONNECTORS + 1 }, () => this.prng.int(0, 500) * 1_000),
        active: Array.from({ length: CONNECTORS + 1 }, () => null),
        outbox: [],
        remoteStarts: [],
        offlineUntil: 0,
        lastHeard: this.clock.now(),
        txIds: new Map(),
      };
      this.chargers.push(model);
      await connectCharger(this, model);
    }
    await this.settle();
  }

  /** Waits until every message received so far is written, answered and consumed by the sessions. */
  async settle(): Promise<void> {
    await this.services.chargers?.idle();
  }

  /** Runs the jobs due now, as the app's scheduler would on its next poll. */
  async runDueJobs(): Promise<void> {
    const t0 = performance.now();
    const r = await this.services.scheduler.drain({ crons: true });
    for (const run of r.runs) this.count(`job:${run.kind}:${run.outcome}`);
    await this.settle();
    this.timing.jobs = (this.timing.jobs ?? 0) + (performance.now() - t0);
  }

  /**
   * The back office dies: the network of its embedded broker goes with it, and the database is
   * closed under the running services (what they held in memory is lost). Then it starts again
   * from the same file, and the chargers that were online reconnect.
   */
  async crashAndRestart(): Promise<void> {
    const wasOnline = this.chargers.filter((c) => c.online);
    for (const c of this.chargers) {
      const port = c.port;
      c.port = null;
      if (!port) continue;
      port.drop();
      // Its calls still waiting for an answer fail now (the charger sends them again after the restart).
      await port.close().catch(() => undefined);
    }
    this.app.close();
    // Tears down the dead process's broker, client and timers; its writes fail, the database is closed.
    await this.services.stop().catch(() => undefined);
    await this.open();
    for (const c of wasOnline) await connectCharger(this, c);
    await this.settle();
  }

  async close(): Promise<void> {
    for (const c of this.chargers) {
      await c.port?.close().catch(() => undefined);
      c.port = null;
    }
    await this.services.stop();
    this.app.close();
  }

  /** Sessions, orders and campaign items by state at the end (what the run got to). */
  finalStates(): Record<string, number> {
    const out: Record<string, number> = {};
    const add = (k: string, n = 1) => (out[k] = (out[k] ?? 0) + n);
    for (const s of listSessions(this.app, { limit: 1_000_000, offset: 0 }).items) add(`session:${s.state}`);
    for (const o of iterateOrders(this.app)) add(`order:${o.state}`);
    for (const c of listCampaigns(this.app, { limit: 10_000 })) {
      const sum = summaryOf(this.app, c.id);
      add('campaignItem:credited', sum.credited);
      add('campaignItem:failed', sum.failed);
      add('campaignItem:pending', sum.pending);
      add('campaignFen:credited', sum.creditedTotal);
      add(`campaign:${c.kind}:${c.state}`);
    }
    for (const [state, n] of Object.entries(taskCounts(this.app))) if (n > 0) add(`refundTask:${state}`, n);
    for (const id of this.forceClosed) if (latestForceClose(this.app, id)?.resettledAt) add('forceClose:resettled');
    return out;
  }

  /** A hash of the depot's money and states, keyed by names the seed fixes (row ids are random ULIDs). */
  fingerprint(): string {
    const app = this.app;
    const wallets = this.drivers.map((d) => {
      const w = walletView(app, d.id);
      return [d.name, w.wallet.balanceFen, w.wallet.heldFen, w.debt.owedFen, w.points, w.coupons.map((c) => c.remainingFen)];
    });
    const depot = depotAccounts(app).map((a) => [a.id, a.debitsPosted, a.creditsPosted, a.debitsPending, a.creditsPending]);
    const tally = (xs: string[]) => Object.entries(xs.reduce<Record<string, number>>((m, x) => ((m[x] = (m[x] ?? 0) + 1), m), {})).sort();
    const sessions = tally(listSessions(app, { limit: 1_000_000, offset: 0 }).items.map((s) => s.state));
    const orders = tally([...iterateOrders(app)].map((o) => o.state));
    const campaigns = listCampaigns(app, { limit: 10_000 })
      .map((c) => {
        // Counts and totals only: the failures name drivers by their (random) ids.
        const { drivers, credited, already, failed, pending, creditedTotal, failedTotal, approvedTotal } = summaryOf(app, c.id);
        return [c.state, JSON.stringify([drivers, credited, already, failed, pending, creditedTotal, failedTotal, approvedTotal])];
      })
      .sort();
    const refundTasks = Object.entries(taskCounts(app));
    const text = JSON.stringify({ wallets, depot, sessions, orders, campaigns, refundTasks });
    return crypto.createHash('sha256').update(text).digest('hex');
  }
}

/**
 * Where a run's depot lives: a memory-backed folder where there is one (/dev/shm), since every job
 * and message commit waits on an fsync (synchronous=FULL) and the simulation checks the depot's
 * logic, not the disk. A crash here closes the connection, as a killed process does; it does not
 * cut the power, so the fsyncs are not what is being tested.
 */
function scratchDir(): string {
  try {
    fs.accessSync('/dev/shm', fs.constants.W_OK);
    return '/dev/shm';
  } catch {
    return os.tmpdir();
  }
}

/** Steps run until the fake clock has gone `days` days past the start. */
export async function simulateDepot(opts: SimulationOptions): Promise<SimulationResult> {
  if (!Number.isInteger(opts.seed)) throw new Error(`seed: a whole number (got ${opts.seed})`);
  if (!(opts.days > 0)) throw new Error(`days: more than 0 (got ${opts.days})`);
  const dir = opts.dir ?? fs.mkdtempSync(path.join(scratchDir(), `depotdesk-sim-${opts.seed}-`));
  const sim = new SimDepot(opts.seed, dir, opts.chargers);
  let violation: Violation | null = null;
  try {
    await sim.setUp();
    const end = SIM_START + opts.days * DAY_MS;
    let day = 0;
    while (sim.clock.now() < end && !violation) {
      sim.step += 1;
      const kind: StepKind = sim.prng.weighted(STEP_WEIGHTS);
      let description: string;
      const t0 = performance.now();
      try {
        description = await runStep(sim, kind);
      } catch (e) {
        // A step that throws something other than a domain refusal is a finding too.
        description = `${kind}: threw`;
        violation = { seed: opts.seed, step: sim.step, description, problems: [`the step threw: ${(e as Error).stack ?? String(e)}`] };
        break;
      }
      opts.onStep?.(sim.step, sim.clock.now(), description);
      const t1 = performance.now();
      sim.timing[kind] = (sim.timing[kind] ?? 0) + (t1 - t0);
      opts.afterStep?.({ app: sim.app, step: sim.step });
      const problems = checkInvariants(sim.app, sim.invariantOptions);
      sim.timing.checks = (sim.timing.checks ?? 0) + (performance.now() - t1);
      if (problems.length > 0) violation = { seed: opts.seed, step: sim.step, description, problems };
      const today = Math.floor((sim.clock.now() - SIM_START) / DAY_MS);
      if (today > day) {
        day = today;
        opts.log?.(`seed ${opts.seed}: day ${day} done (${businessDate(SIM_START + (day - 1) * DAY_MS, sim.clock.timeZone)}), step ${sim.step}`);
      }
    }
    const fingerprint = sim.fingerprint();
    const finalStates = sim.finalStates();
    return { seed: opts.seed, days: opts.days, steps: sim.step, violation, fingerprint, counts: sim.counts, finalStates, timing: sim.timing, dir };
  } finally {
    await sim.close().catch(() => undefined);
    if (!opts.keepDir && !opts.dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The lines a violation is reported with. */
export function describeViolation(v: Violation, days: number): string {
  return [
    `VIOLATION seed=${v.seed} step=${v.step}: ${v.description}`,
    ...v.problems.map((p) => `  - ${p}`),
    `replay: npm run simulate -- --seed ${v.seed} --days ${days}`,
  ].join('\n');
}
