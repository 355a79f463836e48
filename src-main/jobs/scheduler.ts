import type { AppContext } from '../kernel/context';
import { DepotError, isDepotError } from '../kernel/errors';
import { exponentialBackoff } from './backoff';
import { defineCron, enqueueDueCrons, type CronDef } from './cron';
import {
  cancelExecutingJob,
  claimJobs,
  completeJob,
  failJob,
  getJob,
  rescueOrphans,
  snoozeJob,
  type Job,
} from './queue';
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

function createRunner(app: AppContext, opts: SchedulerOptions, rescued: readonly Job[]): Scheduler {
  const crons = opts.crons ?? [];
  const byKind = indexWorkers(opts.workers, crons);
  const kinds = [...byKind.keys()];
  const queues = opts.queues ?? app.config.jobs.queues;
  const pollIntervalMs = opts.pollIntervalMs ?? app.config.jobs.pollIntervalMs;
  const random = opts.random ?? Math.random;
  const stopTimeoutMs = opts.stopTimeoutMs ?? 10_000;
  const polling = opts.poll ?? true;
  const log = app.log.child({ domain: 'jobs' });

  const nextDue = new Map<string, number>();
  const inFlight = new Map<string, number>();
  const pending = new Set<Promise<Outcome>>();
  const controllers = new Map<string, AbortController>();
  let stopping = false;
  let abandoned = false;
  let timer: NodeJS.Timeout | null = null;
  let stopped: Promise<void> | null = null;

  const concurrency = (queue: string) => queues[queue] ?? 1;

  function record(job: Job, fn: () => Outcome): Outcome {
    try {
      return fn();
    } catch (e) {
      if (isDepotError(e) && e.code === 'guard_failed') {
        const now = getJob(app, job.id);
        if (now?.state === 'cancelled') {
          log.info({ job: job.id, kind: job.kind }, 'job was cancelled while it ran; its result is not recorded');
          return 'cancelled';
        }
        log.error({ job: job.id, kind: job.kind, err: e, state: now?.state }, 'job changed under its runner; result not recorded');
        return 'guard_failed';
      }
      throw e;
    }
  }

  async function execute(job: Job): Promise<Outcome> {
    const worker = byKind.get(job.kind);
    if (!worker) throw new DepotError('internal', `claimed job ${job.id} of kind ${job.kind} without a worker`);
    const parsed = worker.args.safeParse(job.args);
    if (!parsed.success) {
      const error = new DepotError(
        'invalid_input',
        `invalid arguments for ${job.kind}: ${describeIssues(parsed.error)}; discarded without retrying (they can never become valid)`,
      );
      return record(job, () => failJob(app, job, error, { backoffMs: 0, discard: true }));
    }
    const controller = new AbortController();
    controllers.set(job.id, controller);
    const run: JobRun = {
      signal: controller.signal,
      progress(fraction, message) {
        const progress = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
        app.events.emit('job.progress', { id: job.id, kind: job.kind, progress, message: message ?? null });
      },
    };
    let timeoutTimer: NodeJS.Timeout | undefined;
    let result: PerformResult = undefined;
    let failure: { error: unknown } | null = null;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timeoutTimer = setTimeout(() => reject(new JobTimeoutError(worker.timeoutMs)), worker.timeoutMs);
      });
      result = await Promise.race([Promise.resolve().then(() => worker.perform(app, { ...job, args: parsed.data }, run)), timeout]);
    } catch (e) {
      failure = { error: e };
      if (e instanceof JobTimeoutError) controller.abort(e);
    } finally {
      clearTimeout(timeoutTimer);
      controllers.delete(job.id);
    }
    // After stop() gave up waiting the database may be closing: leave the job executing for rescue.
    if (abandoned) return 'abandoned';
    if (failure) {
      const backoffMs = worker.backoff ? worker.backoff(job.attempt) : exponentialBackoff(job.attempt, random);
      const error = failure.error;
      return record(job, () => failJob(app, job, error, { backoffMs }));
    }
    if (result && typeof result === 'object' && 'snooze' in result) {
      const ms = result.snooze;
      return record(job, () => {
        snoozeJob(app, job, ms);
        return 'snoozed';
      });
    }
    if (result && typeof result === 'object' && 'cancel' in result) {
      const reason = result.cancel;
      return record(job, () => {
        cancelExecutingJob(app, job, reason);
        return 'cancelled';
      });
    }
    return record(job, () => {
      completeJob(app, job);
      return 'completed';
    });
  }

  function launch(job: Job): Promise<Outcome> {
    inFlight.set(job.queue, (inFlight.get(job.queue) ?? 0) + 1);
    const p: Promise<Outcome> = execute(job)
      .catch((e: unknown) => {
        // Recording itself failed (the database is gone?): the job stays executing and is rescued.
        log.error({ err: e, job: job.id, kind: job.kind }, 'could not record the outcome of a job');
        return 'guard_failed' as const;
      })
      .finally(() => {
        inFlight.set(job.queue, (inFlight.get(job.queue) ?? 1) - 1);
        pending.delete(p);
        wakeSoon();
      });
    pending.add(p);
    return p;
  }

  function dueQueues(now: number): string[] {
    return (
      app.sqlite
        .prepare(
          `SELECT DISTINCT queue FROM jobs
           WHERE kind IN (SELECT value FROM json_each(?))
             AND (state = 'available' OR (state IN ('scheduled', 'retryable') AND scheduled_at <= ?))`,
        )
        .all(JSON.stringify(kinds), now) as { queue: string }[]
    ).map((r) => r.queue);
  }

  function tick(): void {
    if (stopping) return;
    if (crons.length > 0) enqueueDueCrons(app, crons, byKind, nextDue);
    for (const queue of dueQueues(app.clock.now())) {
      const free = concurrency(queue) - (inFlight.get(queue) ?? 0);
      if (free <= 0) continue;
      for (const job of claimJobs(app, { queue, limit: free, kinds })) void launch(job);
    }
  }

  function schedule(ms: number): void {
    if (!polling || stopping) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      try {
        tick();
      } catch (e) {
        log.error({ err: e }, 'scheduler tick failed; trying again at the next poll');
      }
      schedule(pollIntervalMs);
    }, ms);
  }

  function wakeSoon(): void {
    schedule(0);
  }

  const unsubscribe = app.events.subscribe((event) => {
    if (event.type !== 'job.changed') return;
    if (event.payload.state === 'available') wakeSoon();
    if (event.payload.state === 'cancelled') controllers.get(event.payload.id)?.abort(new Error('the job was cancelled'));
  });

  async function drain(dopts: DrainOptions = {}): Promise<DrainResult> {
    if (stopping) throw new DepotError('unavailable', 'the scheduler is stopped');
    const result = emptyResult();
    if (dopts.crons ?? true) enqueueDueCrons(app, crons, byKind, nextDue);
    const maxRuns = dopts.maxRuns ?? 10_000;
    for (;;) {
      const [job] = claimJobs(app, { queue: dopts.queue, limit: 1, kinds });
      if (!job) break;
      if (result.runs.length >= maxRuns) {
        throw new DepotError('internal', `drain ran ${maxRuns} attempts and jobs keep coming due (a job that snoozes 0 ms?)`);
      }
      const outcome = await launch(job);
      result[outcome] += 1;
      result.runs.push({ id: job.id, kind: job.kind, attempt: job.attempt, outcome });
    }
    return result;
  }

  async function idle(): Promise<void> {
    while (pending.size > 0) await Promise.allSettled([...pending]);
  }

  function stop(): Promise<void> {
    stopped ??= (async () => {
      stopping = true;
      if (timer) clearTimeout(timer);
      timer = null;
      unsubscribe();
      if (pending.size === 0) return;
      let boundTimer: NodeJS.Timeout | undefined;
      const bound = new Promise<'timeout'>((resolve) => {
        boundTimer = setTimeout(() => resolve('timeout'), stopTimeoutMs);
      });
      const settled = await Promise.race([idle().then(() => 'idle' as const), bound]);
      clearTimeout(boundTimer);
      if (settled === 'timeout') {
        abandoned = true;
        for (const c of controllers.values()) c.abort(new DepotError('unavailable', 'the scheduler is stopping'));
        log.warn({ running: pending.size }, `stopped with ${pending.size} job(s) still running; they will be rescued at the next start`);
      }
    })();
    return stopped;
  }

  if (polling) wakeSoon();
  return { rescued, tick, drain, idle, running: () => pending.size, stop };
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
export async function runDueJobs(
  app: AppContext,
  opts: Pick<SchedulerOptions, 'workers' | 'crons' | 'random' | 'queues'> & DrainOptions,
): Promise<DrainResult> {
  const runner = createRunner(app, { ...opts, poll: false }, []);
  try {
    return await runner.drain(opts);
  } finally {
    await runner.stop();
  }
}
