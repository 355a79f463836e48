import type { AppContext } from '../kernel/context';
import { DepotError, isDepotError } from '../kernel/errors';
import { exponentialBackoff } from './backoff';
import { defineCron, enqueueDueCrons, type CronDef } from './cron';
import { cancelExecutingJob, claimJobs, completeJob, failJob, getJob, rescueOrphans, snoozeJob, type Job } from './queue';
import { describeIssues, type JobRun, type PerformResult, type Worker } from './worker';

/**
 * The runner. One process owns it (the Electron main process, or `depotdesk serve`).
 *
 * Guarantees:
 * - Due-ness is decided by app.clock, never by the wall clock: the loop's setTimeout only wakes
 *   it up, so tests with a FakeClock run jobs deterministically with drain().
 * - At start, jobs left executing by a previous run are rescued before anything is claimed.
 * - No queue runs more jobs at once than its concurrency (config jobs.queues, 1 if not named).
 * - stop() claims nothing more and waits for running attempts up to a bound; attempts still
 *   running after it are left executing and rescued at the next start (never recorded half-way).
 * - A job whose kind has no worker in this build is never claimed: it stays visible, untouched.
 */

export interface SchedulerOptions {
  workers: readonly Worker[];
  crons?: readonly CronDef[];
  /** Run the polling loop (default true). Tests pass false and call drain(). */
  poll?: boolean;
  pollIntervalMs?: number;
  /** Concurrency per queue; defaults to config jobs.queues. */
  queues?: Readonly<Record<string, number>>;
  /** For the backoff jitter; tests pass a constant. */
  random?: () => number;
  /** How long stop() waits for running attempts (real ms). */
  stopTimeoutMs?: number;
}

export type Outcome = 'completed' | 'retryable' | 'discarded' | 'cancelled' | 'snoozed' | 'abandoned' | 'guard_failed';

export interface DrainResult {
  completed: number;
  retryable: number;
  discarded: number;
  cancelled: number;
  snoozed: number;
  abandoned: number;
  guard_failed: number;
  /** Every attempt run, in order. */
  runs: { id: string; kind: string; attempt: number; outcome: Outcome }[];
}

export interface DrainOptions {
  queue?: string;
  /** Enqueue due cron slots first (default true). */
  crons?: boolean;
  /** A guard against a job that snoozes for 0 ms forever. */
  maxRuns?: number;
}

export interface Scheduler {
  /** Jobs rescued when this scheduler started. */
  readonly rescued: readonly Job[];
  /** One pass: enqueue due cron slots, claim what free slots allow and start it (not awaited). */
  tick(): void;
  /** Runs every job due at app.clock.now(), one at a time, until none is left (Oban's drain_queue). */
  drain(opts?: DrainOptions): Promise<DrainResult>;
  /** Resolves when no attempt is running. */
  idle(): Promise<void>;
  running(): number;
  stop(): Promise<void>;
}

class JobTimeoutError extends Error {
  constructor(ms: number) {
    super(`timed out after ${ms} ms`);
    this.name = 'JobTimeoutError';
  }
}

function emptyResult(): DrainResult {
  return { completed: 0, retryable: 0, discarded: 0, cancelled: 0, snoozed: 0, abandoned: 0, guard_failed: 0, runs: [] };
}

function indexWorkers(workers: readonly Worker[], crons: readonly CronDef[]): Map<string, Worker> {
  const byKind = new Map<string, Worker>();
  for (const w of workers) {
    if (byKind.has(w.kind)) throw new DepotError('invalid_input', `two workers are registered for job kind ${w.kind}`, { kind: w.kind });
    byKind.set(w.kind, w);
  }
  const names = new Set<string>();
  for (const c of crons) {
    defineCron(c);
    if (names.has(c.name)) throw new DepotError('invalid_input', `two cron entries are named ${c.name}`, { cron: c.name });
    names.add(c.name);
    if (!byKind.has(c.kind)) throw new DepotError('invalid_input', `cron ${c.name} enqueues ${c.kind}, which has no worker`, { cron: c.name });
  }
  return byKind;
}

/** The runner's state: its configuration, what runs now, and whether it is stopping. */
interface Runner {
  app: AppContext;
  crons: readonly CronDef[];
  byKind: Map<string, Worker>;
  kinds: string[];
  queues: Readonly<Record<string, number>>;
  pollIntervalMs: number;
  random: () => number;
  stopTimeoutMs: number;
  polling: boolean;
  log: AppContext['log'];
  nextDue: Map<string, number>;
  inFlight: Map<string, number>;
  pending: Set<Promise<Outcome>>;
  controllers: Map<string, AbortController>;
  stopping: boolean;
  /** stop() gave up waiting: attempts still running are left executing for rescue. */
  abandoned: boolean;
  timer: NodeJS.Timeout | null;
  stopped: Promise<void> | null;
  unsubscribe: () => void;
}

function createRunner(app: AppContext, opts: SchedulerOptions, rescued: readonly Job[]): Scheduler {
  const crons = opts.crons ?? [];
  const byKind = indexWorkers(opts.workers, crons);
  const r: Runner = {
    app,
    crons,
    byKind,
    kinds: [...byKind.keys()],
    queues: opts.queues ?? app.config.jobs.queues,
    pollIntervalMs: opts.pollIntervalMs ?? app.config.jobs.pollIntervalMs,
    random: opts.random ?? Math.random,
    stopTimeoutMs: opts.stopTimeoutMs ?? 10_000,
    polling: opts.poll ?? true,
    log: app.log.child({ domain: 'jobs' }),
    nextDue: new Map(),
    inFlight: new Map(),
    pending: new Set(),
    controllers: new Map(),
    stopping: false,
    abandoned: false,
    timer: null,
    stopped: null,
    unsubscribe: () => undefined,
  };
  r.unsubscribe = app.events.subscribe((event) => {
    if (event.type !== 'job.changed') return;
    if (event.payload.state === 'available') wakeSoon(r);
    if (event.payload.state === 'cancelled') r.controllers.get(event.payload.id)?.abort(new Error('the job was cancelled'));
  });
  if (r.polling) wakeSoon(r);
  return {
    rescued,
    tick: () => tick(r),
    drain: (dopts) => drain(r, dopts),
    idle: () => idle(r),
    running: () => r.pending.size,
    stop: () => stopRunner(r),
  };
}

function concurrency(r: Runner, queue: string): number {
  return r.queues[queue] ?? 1;
}

function record(r: Runner, job: Job, fn: () => Outcome): Outcome {
  try {
    return fn();
  } catch (e) {
    if (isDepotError(e) && e.code === 'guard_failed') {
      const now = getJob(r.app, job.id);
      if (now?.state === 'cancelled') {
        r.log.info({ job: job.id, kind: job.kind }, 'job was cancelled while it ran; its result is not recorded');
        return 'cancelled';
      }
      r.log.error({ job: job.id, kind: job.kind, err: e, state: now?.state }, 'job changed under its runner; result not recorded');
      return 'guard_failed';
    }
    throw e;
  }
}

async function execute(r: Runner, job: Job): Promise<Outcome> {
  const { app } = r;
  const worker = r.byKind.get(job.kind);
  if (!worker) throw new DepotError('internal', `claimed job ${job.id} of kind ${job.kind} without a worker`);
  const parsed = worker.args.safeParse(job.args);
  if (!parsed.success) {
    const error = new DepotError(
      'invalid_input',
      `invalid arguments for ${job.kind}: ${describeIssues(parsed.error)}; discarded without retrying (they can never become valid)`,
    );
    return record(r, job, () => failJob(app, job, error, { backoffMs: 0, discard: true }));
  }
  const attempt = await perform(r, worker, { ...job, args: parsed.data });
  // After stop() gave up waiting the database may be closing: leave the job executing for rescue.
  if (r.abandoned) return 'abandoned';
  if ('failure' in attempt) {
    const backoffMs = worker.backoff ? worker.backoff(job.attempt) : exponentialBackoff(job.attempt, r.random);
    return record(r, job, () => failJob(app, job, attempt.failure, { backoffMs }));
  }
  return recordResult(r, job, attempt.result);
}

/** Runs one attempt of the worker, bounded by its timeout (which aborts the attempt's signal). */
async function perform(r: Runner, worker: Worker, job: Job): Promise<{ result: PerformResult } | { failure: unknown }> {
  const { app } = r;
  const controller = new AbortController();
  r.controllers.set(job.id, controller);
  const run: JobRun = {
    signal: controller.signal,
    progress(fraction, message) {
      const progress = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
      app.events.emit('job.progress', { id: job.id, kind: job.kind, progress, message: message ?? null });
    },
  };
  let timeoutTimer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timeoutTimer = setTimeout(() => reject(new JobTimeoutError(worker.timeoutMs)), worker.timeoutMs);
    });
    return { result: await Promise.race([Promise.resolve().then(() => worker.perform(app, job, run)), timeout]) };
  } catch (e) {
    if (e instanceof JobTimeoutError) controller.abort(e);
    return { failure: e };
  } finally {
    clearTimeout(timeoutTimer);
    r.controllers.delete(job.id);
  }
}

/** Records what a finished attempt asked for: snooze, cancel, or (anything else) completion. */
function recordResult(r: Runner, job: Job, result: PerformResult): Outcome {
  const { app } = r;
  if (result && typeof result === 'object' && 'snooze' in result) {
    const ms = result.snooze;
    return record(r, job, () => {
      snoozeJob(app, job, ms);
      return 'snoozed';
    });
  }
  if (result && typeof result === 'object' && 'cancel' in result) {
    const reason = result.cancel;
    return record(r, job, () => {
      cancelExecutingJob(app, job, reason);
      return 'cancelled';
    });
  }
  return record(r, job, () => {
    completeJob(app, job);
    return 'completed';
  });
}

function launch(r: Runner, job: Job): Promise<Outcome> {
  r.inFlight.set(job.queue, (r.inFlight.get(job.queue) ?? 0) + 1);
  const p: Promise<Outcome> = execute(r, job)
    .catch((e: unknown) => {
      // Recording itself failed (the database is gone?): the job stays executing and is rescued.
      r.log.error({ err: e, job: job.id, kind: job.kind }, 'could not record the outcome of a job');
      return 'guard_failed' as const;
    })
    .finally(() => {
      r.inFlight.set(job.queue, (r.inFlight.get(job.queue) ?? 1) - 1);
      r.pending.delete(p);
      wakeSoon(r);
    });
  r.pending.add(p);
  return p;
}

function dueQueues(r: Runner, now: number): string[] {
  return r.app.sqlite
    .prepare<unknown[], { queue: string }>(
      `SELECT DISTINCT queue FROM jobs
         WHERE kind IN (SELECT value FROM json_each(?))
           AND (state = 'available' OR (state IN ('scheduled', 'retryable') AND scheduled_at <= ?))`,
    )
    .all(JSON.stringify(r.kinds), now)
    .map((row) => row.queue);
}

function tick(r: Runner): void {
  if (r.stopping) return;
  if (r.crons.length > 0) enqueueDueCrons(r.app, r.crons, r.byKind, r.nextDue);
  for (const queue of dueQueues(r, r.app.clock.now())) {
    const free = concurrency(r, queue) - (r.inFlight.get(queue) ?? 0);
    if (free <= 0) continue;
    for (const job of claimJobs(r.app, { queue, limit: free, kinds: r.kinds })) void launch(r, job);
  }
}

function schedule(r: Runner, ms: number): void {
  if (!r.polling || r.stopping) return;
  if (r.timer) clearTimeout(r.timer);
  r.timer = setTimeout(() => {
    r.timer = null;
    try {
      tick(r);
    } catch (e) {
      r.log.error({ err: e }, 'scheduler tick failed; trying again at the next poll');
    }
    schedule(r, r.pollIntervalMs);
  }, ms);
}

function wakeSoon(r: Runner): void {
  schedule(r, 0);
}

async function drain(r: Runner, dopts: DrainOptions = {}): Promise<DrainResult> {
  if (r.stopping) throw new DepotError('unavailable', 'the scheduler is stopped');
  const result = emptyResult();
  if (dopts.crons ?? true) enqueueDueCrons(r.app, r.crons, r.byKind, r.nextDue);
  const maxRuns = dopts.maxRuns ?? 10_000;
  for (;;) {
    const [job] = claimJobs(r.app, { queue: dopts.queue, limit: 1, kinds: r.kinds });
    if (!job) break;
    if (result.runs.length >= maxRuns) {
      throw new DepotError('internal', `drain ran ${maxRuns} attempts and jobs keep coming due (a job that snoozes 0 ms?)`);
    }
    const outcome = await launch(r, job);
    result[outcome] += 1;
    result.runs.push({ id: job.id, kind: job.kind, attempt: job.attempt, outcome });
  }
  return result;
}

async function idle(r: Runner): Promise<void> {
  while (r.pending.size > 0) await Promise.allSettled([...r.pending]);
}

function stopRunner(r: Runner): Promise<void> {
  r.stopped ??= (async () => {
    r.stopping = true;
    if (r.timer) clearTimeout(r.timer);
    r.timer = null;
    r.unsubscribe();
    if (r.pending.size === 0) return;
    let boundTimer: NodeJS.Timeout | undefined;
    const bound = new Promise<'timeout'>((resolve) => {
      boundTimer = setTimeout(() => resolve('timeout'), r.stopTimeoutMs);
    });
    const settled = await Promise.race([idle(r).then(() => 'idle' as const), bound]);
    clearTimeout(boundTimer);
    if (settled === 'timeout') {
      r.abandoned = true;
      for (const c of r.controllers.values()) c.abort(new DepotError('unavailable', 'the scheduler is stopping'));
      r.log.warn({ running: r.pending.size }, `stopped with ${r.pending.size} job(s) still running; they will be rescued at the next start`);
    }
  })();
  return r.stopped;
}

/**
 * Starts the scheduler: rescues orphans, then (unless poll is false) polls every
 * jobs.pollIntervalMs, waking at once when a job becomes available in this process.
 */
export function startScheduler(app: AppContext, opts: SchedulerOptions): Scheduler {
  indexWorkers(opts.workers, opts.crons ?? []);
  const rescued = rescueOrphans(app);
  return createRunner(app, opts, rescued);
}

/**
 * Runs every due job once with the given workers, without rescuing or polling: for a domain's
 * tests, and for one-shot runs (`depotdesk` commands) that must not touch another process's
 * executing jobs.
 */
export async function runDueJobs(app: AppContext, opts: Pick<SchedulerOptions, 'workers' | 'crons' | 'random' | 'queues'> & DrainOptions): Promise<DrainResult> {
  const runner = createRunner(app, { ...opts, poll: false }, []);
  try {
    return await runner.drain(opts);
  } finally {
    await runner.stop();
  }
}
