import type { AppContext } from '../kernel/context';
import { DepotError, expectChanges } from '../kernel/errors';
import { raiseAlert } from '../alerts';
import { afterCommit } from '../kernel/db/after-commit';
import { writeTx } from '../kernel/db/connection';
import { CANCELLABLE_STATES, FINAL_JOB_STATES, LIVE_STATES_SQL, RETRYABLE_BY_HAND, type JobState } from './states';
import type { EnqueueInput, Enqueued, Job, JobErrorEntry } from '../kernel/plugins';
import { expectRow } from '../kernel/db/rows';

export type { EnqueueInput, Enqueued, Job, JobErrorEntry };

/**
 * The durable job queue: every rule that depends on time is a row here, never a bare setTimeout.
 *
 * Guarantees:
 * - A job enqueued inside the caller's transaction commits or rolls back with the business change
 *   that caused it: enqueue never opens a transaction of its own inside another one (it becomes a
 *   savepoint of the caller's).
 * - At most one live job (scheduled, available, executing or retryable) holds a unique key;
 *   enqueueing the key again returns that job, flagged `conflict`, and inserts nothing. Once the job
 *   is completed, discarded or cancelled the key is free again.
 * - A job is claimed by at most one runner: the claim is one UPDATE … RETURNING inside
 *   BEGIN IMMEDIATE, so two connections, even in two processes, never get the same job.
 * - Every state change is a guarded UPDATE that must change exactly the row it names, in the
 *   state and attempt it expects; a job completed by one runner cannot be completed, failed or
 *   snoozed again by another, and the attempt would fail loudly (`guard_failed`).
 * - A failed attempt is kept in the job's error history (attempt, time, message, stack head). The
 *   job is retried after an exponential backoff until max_attempts, then discarded and left
 *   visible as discarded; it is never dropped silently.
 * - Jobs found executing when the scheduler starts belong to a process that died (one process owns
 *   the scheduler): they are rescued, the lost attempt counted and recorded as "rescued after restart".
 * - Completed, cancelled and discarded jobs are deleted after jobs.pruneAfterDays, never earlier.
 */

export const DEFAULT_QUEUE = 'default';
export const DEFAULT_MAX_ATTEMPTS = 10;
interface JobRow {
  id: string;
  kind: string;
  queue: string;
  args: string;
  meta: string;
  state: JobState;
  priority: number;
  attempt: number;
  max_attempts: number;
  scheduled_at: number;
  attempted_at: number | null;
  completed_at: number | null;
  discarded_at: number | null;
  cancelled_at: number | null;
  errors: string;
  unique_key: string | null;
  inserted_at: number;
}

export function toJob(r: JobRow): Job {
  return {
    id: r.id,
    kind: r.kind,
    queue: r.queue,
    args: JSON.parse(r.args) as unknown,
    meta: JSON.parse(r.meta) as Record<string, unknown>,
    state: r.state,
    priority: r.priority,
    attempt: r.attempt,
    maxAttempts: r.max_attempts,
    scheduledAt: r.scheduled_at,
    attemptedAt: r.attempted_at,
    completedAt: r.completed_at,
    discardedAt: r.discarded_at,
    cancelledAt: r.cancelled_at,
    errors: JSON.parse(r.errors) as JobErrorEntry[],
    uniqueKey: r.unique_key,
    insertedAt: r.inserted_at,
  };
}

function announce(app: AppContext, job: Pick<Job, 'id' | 'kind' | 'queue' | 'state' | 'attempt'>): void {
  app.events.emit('job.changed', { id: job.id, kind: job.kind, queue: job.queue, state: job.state, attempt: job.attempt });
}

/** Announces a job's state once the surrounding transaction is over, and only if it committed. */
function announceCommitted(app: AppContext, id: string): void {
  afterCommit(app.sqlite, () => {
    const job = getJob(app, id);
    if (job) announce(app, job);
  });
}

function invalid(field: string, message: string): DepotError {
  return new DepotError('invalid_input', `${field}: ${message}`, { field });
}

/**
 * Adds a job. Call it inside the transaction that makes the business change, so both commit
 * together; outside one it takes its own BEGIN IMMEDIATE.
 */
export function enqueue(app: AppContext, input: EnqueueInput): Enqueued {
  if (typeof input.kind !== 'string' || input.kind.trim() === '') throw invalid('kind', 'a job needs a kind (its worker name)');
  const priority = input.priority ?? 0;
  if (!Number.isInteger(priority) || priority < 0 || priority > 9) throw invalid('priority', `must be an integer 0–9, got ${String(priority)}`);
  const maxAttempts = input.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw invalid('maxAttempts', `must be an integer ≥ 1, got ${String(maxAttempts)}`);
  const now = app.clock.now();
  const scheduledAt = input.scheduledAt ?? now;
  if (!Number.isFinite(scheduledAt)) throw invalid('scheduledAt', 'must be epoch milliseconds');
  if (input.uniqueKey !== undefined && input.uniqueKey.trim() === '') throw invalid('uniqueKey', 'must not be empty');
  const args = JSON.stringify(input.args ?? {});
  if (args === undefined) throw invalid('args', 'must be JSON-serialisable');

  const id = app.ids.next();
  const result = writeTx(app.sqlite, (): Enqueued => {
    // No conflict target: the only uniqueness a fresh ULID can hit is the live unique key.
    const inserted = app.sqlite
      .prepare<unknown[], JobRow>(
        `INSERT INTO jobs (id, kind, queue, args, meta, state, priority, attempt, max_attempts, scheduled_at, errors, unique_key, inserted_at)
         VALUES (@id, @kind, @queue, @args, @meta, @state, @priority, 0, @maxAttempts, @scheduledAt, '[]', @uniqueKey, @now)
         ON CONFLICT DO NOTHING
         RETURNING *`,
      )
      .get({
        id,
        kind: input.kind,
        queue: input.queue ?? DEFAULT_QUEUE,
        args,
        meta: JSON.stringify(input.meta ?? {}),
        state: scheduledAt > now ? 'scheduled' : 'available',
        priority,
        maxAttempts,
        scheduledAt,
        uniqueKey: input.uniqueKey ?? null,
        now,
      });
    if (inserted) return { ...toJob(inserted), conflict: false };
    const existing = app.sqlite.prepare<unknown[], JobRow>(`SELECT * FROM jobs WHERE unique_key = ? AND state IN (${LIVE_STATES_SQL})`).get(input.uniqueKey ?? null);
    if (!existing) throw new DepotError('internal', `job ${input.kind} was neither inserted nor found by its unique key`, { uniqueKey: input.uniqueKey });
    return { ...toJob(existing), conflict: true };
  });
  if (!result.conflict) announceCommitted(app, result.id);
  return result;
}

export function getJob(app: AppContext, id: string): Job | null {
  const row = app.sqlite.prepare<unknown[], JobRow>('SELECT * FROM jobs WHERE id = ?').get(id);
  return row ? toJob(row) : null;
}

export function requireJob(app: AppContext, id: string): Job {
  const job = getJob(app, id);
  if (!job) throw new DepotError('not_found', `no job with id ${id} (pruned jobs are gone)`, { field: 'id' });
  return job;
}

/** Scheduled and retryable jobs whose time has come become available. */
export function stageDueJobs(app: AppContext, now: number): number {
  // A bulk transition with no expected count: it only ever moves rows whose time has come, and
  // the claim that follows guards each row it takes.
  return app.sqlite.prepare("UPDATE jobs SET state = 'available' WHERE state IN ('scheduled', 'retryable') AND scheduled_at <= ?").run(now).changes;
}

export interface ClaimOptions {
  /** Omit to claim from every queue (drain). */
  queue?: string;
  limit: number;
  /** Only kinds this runner has a worker for; jobs of other kinds stay available, untouched. */
  kinds: readonly string[];
}

/** Atomically takes up to `limit` due jobs: available → executing, attempt + 1. */
export function claimJobs(app: AppContext, opts: ClaimOptions): Job[] {
  if (opts.limit <= 0 || opts.kinds.length === 0) return [];
  const now = app.clock.now();
  const rows = writeTx(app.sqlite, () => {
    stageDueJobs(app, now);
    const queueFilter = opts.queue === undefined ? '' : 'AND queue = @queue';
    return app.sqlite
      .prepare<unknown[], JobRow>(
        `UPDATE jobs SET state = 'executing', attempt = attempt + 1, attempted_at = @now
         WHERE state = 'available' AND id IN (
           SELECT id FROM jobs
           WHERE state = 'available' ${queueFilter} AND kind IN (SELECT value FROM json_each(@kinds))
           ORDER BY priority, scheduled_at, id
           LIMIT @limit)
         RETURNING *`,
      )
      .all({ now, kinds: JSON.stringify(opts.kinds), limit: opts.limit, ...(opts.queue === undefined ? {} : { queue: opts.queue }) });
  });
  const claimed = rows.map(toJob).sort((a, b) => a.priority - b.priority || a.scheduledAt - b.scheduledAt || (a.id < b.id ? -1 : 1));
  for (const job of claimed) announce(app, job);
  return claimed;
}

/** The error as it goes into the job's history: message (with the DepotError code) and the stack's head. */
export function errorEntry(attempt: number, at: number, error: unknown): JobErrorEntry {
  let message: string;
  let stack: string | null = null;
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    message = typeof code === 'string' ? `[${code}] ${error.message}` : error.message;
    stack = error.stack
      ? error.stack
          .split('\n')
          .slice(1, 6)
          .map((l) => l.trim())
          .join('\n') || null
      : null;
  } else {
    message = typeof error === 'string' ? error : (JSON.stringify(error) ?? String(error));
  }
  return { attempt, at, error: message.slice(0, 2000) || '(empty error message)', stack: stack?.slice(0, 1000) ?? null };
}

const APPEND_ERROR = "errors = json_insert(errors, '$[#]', json(@entry))";

function guardExecuting(app: AppContext, job: Job, set: string, params: Record<string, unknown>, what: string): void {
  expectChanges(
    app.sqlite.prepare(`UPDATE jobs SET ${set} WHERE id = @id AND state = 'executing' AND attempt = @attempt`).run({ ...params, id: job.id, attempt: job.attempt }),
    1,
    `${what} job ${job.id} (${job.kind}, attempt ${job.attempt})`,
  );
}

function resetStreak(app: AppContext, kind: string, now: number): void {
  app.sqlite
    .prepare(
      `INSERT INTO job_kind_health (kind, failure_streak, last_success_at) VALUES (?, 0, ?)
       ON CONFLICT (kind) DO UPDATE SET failure_streak = 0, last_success_at = excluded.last_success_at`,
    )
    .run(kind, now);
}

function countFailure(app: AppContext, job: Job, entry: JobErrorEntry): void {
  const { failure_streak: streak } = expectRow<{ failure_streak: number }>(
    app.sqlite.prepare(
      `INSERT INTO job_kind_health (kind, failure_streak, last_error, last_failure_at) VALUES (@kind, 1, @error, @at)
       ON CONFLICT (kind) DO UPDATE SET failure_streak = failure_streak + 1, last_error = excluded.last_error, last_failure_at = excluded.last_failure_at
       RETURNING failure_streak`,
    ),
    { kind: job.kind, error: entry.error, at: entry.at },
  );
  if (streak >= app.config.jobs.failingAlertStreak) {
    raiseAlert(app, {
      code: 'job_failing',
      level: 'urgent',
      subject: `job_failing:${job.kind}`,
      message: `${job.kind} jobs have failed ${streak} times in a row; last error: ${entry.error}`,
      details: { kind: job.kind, streak, jobId: job.id, error: entry.error },
    });
  }
}

export type FailureOutcome = 'retryable' | 'discarded';

/**
 * Records a failed attempt: retryable at now + backoffMs while attempts remain, else discarded.
 * `discard` skips the retries (arguments that can never be valid).
 */
export function failJob(app: AppContext, job: Job, error: unknown, opts: { backoffMs: number; discard?: boolean }): FailureOutcome {
  const now = app.clock.now();
  const entry = errorEntry(job.attempt, now, error);
  const outcome: FailureOutcome = opts.discard || job.attempt >= job.maxAttempts ? 'discarded' : 'retryable';
  writeTx(app.sqlite, () => {
    if (outcome === 'discarded') {
      guardExecuting(app, job, `state = 'discarded', discarded_at = @now, ${APPEND_ERROR}`, { now, entry: JSON.stringify(entry) }, 'discard');
    } else {
      guardExecuting(
        app,
        job,
        `state = 'retryable', scheduled_at = @at, ${APPEND_ERROR}`,
        { at: now + Math.max(0, Math.round(opts.backoffMs)), entry: JSON.stringify(entry) },
        'fail',
      );
    }
    countFailure(app, job, entry);
  });
  announce(app, { ...job, state: outcome });
  return outcome;
}

export function completeJob(app: AppContext, job: Job): void {
  const now = app.clock.now();
  writeTx(app.sqlite, () => {
    guardExecuting(app, job, "state = 'completed', completed_at = @now", { now }, 'complete');
    resetStreak(app, job.kind, now);
  });
  announce(app, { ...job, state: 'completed' });
}

/**
 * The worker asked to run later: scheduled again, and (as in Oban) max_attempts grows by one so
 * snoozing never uses up the retry budget.
 */
export function snoozeJob(app: AppContext, job: Job, ms: number): void {
  if (!Number.isFinite(ms) || ms < 0) throw invalid('snooze', `must be a number of milliseconds ≥ 0, got ${String(ms)}`);
  const now = app.clock.now();
  writeTx(app.sqlite, () => {
    guardExecuting(app, job, "state = 'scheduled', scheduled_at = @at, max_attempts = max_attempts + 1", { at: now + Math.round(ms) }, 'snooze');
  });
  announce(app, { ...job, state: 'scheduled' });
}

/** The worker decided the job has nothing left to do (e.g. the order was already paid). */
export function cancelExecutingJob(app: AppContext, job: Job, reason: string): void {
  const now = app.clock.now();
  const entry = errorEntry(job.attempt, now, `cancelled by the worker: ${reason}`);
  writeTx(app.sqlite, () => {
    guardExecuting(app, job, `state = 'cancelled', cancelled_at = @now, ${APPEND_ERROR}`, { now, entry: JSON.stringify(entry) }, 'cancel');
  });
  announce(app, { ...job, state: 'cancelled' });
}

/** An operator (or a domain) cancels a job that has not finished. A running attempt is told to stop. */
export function cancelJob(app: AppContext, id: string): Job {
  const job = writeTx(app.sqlite, () => {
    const current = requireJob(app, id);
    if (!(CANCELLABLE_STATES as readonly string[]).includes(current.state)) {
      throw new DepotError('refused', `job ${id} is ${current.state}; only ${CANCELLABLE_STATES.join(', ')} jobs can be cancelled`, {
        field: 'id',
        state: current.state,
      });
    }
    const now = app.clock.now();
    expectChanges(
      app.sqlite.prepare("UPDATE jobs SET state = 'cancelled', cancelled_at = ? WHERE id = ? AND state = ? AND attempt = ?").run(now, id, current.state, current.attempt),
      1,
      `cancel job ${id}`,
    );
    return { ...current, state: 'cancelled' as const, cancelledAt: now };
  });
  announceCommitted(app, job.id);
  return job;
}

/**
 * An operator sends a job back to run now. A job that used up its attempts gets one more. A
 * completed job is never re-run (its effects happened): enqueue a new one instead.
 */
export function retryJob(app: AppContext, id: string): Job {
  const job = writeTx(app.sqlite, () => {
    const current = requireJob(app, id);
    if (!(RETRYABLE_BY_HAND as readonly string[]).includes(current.state)) {
      const why =
        current.state === 'completed'
          ? 'a completed job is not run again; enqueue a new one if the work must be repeated'
          : `only ${RETRYABLE_BY_HAND.join(', ')} jobs can be retried`;
      throw new DepotError('refused', `job ${id} is ${current.state}: ${why}`, { field: 'id', state: current.state });
    }
    const now = app.clock.now();
    try {
      expectChanges(
        app.sqlite
          .prepare(
            `UPDATE jobs SET state = 'available', scheduled_at = @now, max_attempts = max(max_attempts, attempt + 1),
               completed_at = NULL, discarded_at = NULL, cancelled_at = NULL
             WHERE id = @id AND state = @state AND attempt = @attempt`,
          )
          .run({ now, id, state: current.state, attempt: current.attempt }),
        1,
        `retry job ${id}`,
      );
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE' && current.uniqueKey) {
        const holder = app.sqlite
          .prepare<unknown[], { id: string; state: string }>(`SELECT id, state FROM jobs WHERE unique_key = ? AND state IN (${LIVE_STATES_SQL})`)
          .get(current.uniqueKey);
        throw new DepotError(
          'conflict',
          `job ${id} cannot be retried: job ${holder?.id ?? '?'} with the same unique key ${current.uniqueKey} is ${holder?.state ?? 'live'}`,
          { field: 'id', uniqueKey: current.uniqueKey, holder: holder?.id },
        );
      }
      throw e;
    }
    return requireJob(app, id);
  });
  announceCommitted(app, job.id);
  return job;
}

export const RESCUE_MESSAGE = 'rescued after restart: the process running this attempt stopped before it finished';

/**
 * At scheduler start every executing job is an orphan of a process that died (one process owns
 * the scheduler). The lost attempt counts: back to available if attempts remain, else discarded.
 */
export function rescueOrphans(app: AppContext): Job[] {
  const now = app.clock.now();
  const rescued = writeTx(app.sqlite, () => {
    const orphans = app.sqlite.prepare<unknown[], JobRow>("SELECT * FROM jobs WHERE state = 'executing' ORDER BY id").all().map(toJob);
    return orphans.map((job) => {
      const entry = JSON.stringify({ attempt: job.attempt, at: now, error: RESCUE_MESSAGE, stack: null } satisfies JobErrorEntry);
      const state: JobState = job.attempt >= job.maxAttempts ? 'discarded' : 'available';
      if (state === 'discarded') {
        guardExecuting(app, job, `state = 'discarded', discarded_at = @now, ${APPEND_ERROR}`, { now, entry }, 'rescue');
      } else {
        guardExecuting(app, job, `state = 'available', scheduled_at = @now, ${APPEND_ERROR}`, { now, entry }, 'rescue');
      }
      return { ...job, state };
    });
  });
  for (const job of rescued) announce(app, job);
  if (rescued.length > 0) app.log.warn({ jobs: rescued.map((j) => `${j.kind}:${j.id}`) }, `rescued ${rescued.length} job(s) left executing by a previous run`);
  return rescued;
}

const FINISHED_AT: Record<(typeof FINAL_JOB_STATES)[number], string> = {
  completed: 'completed_at',
  cancelled: 'cancelled_at',
  discarded: 'discarded_at',
};

/** Deletes finished jobs older than `before`, in small transactions so the app stays responsive. */
export function pruneJobs(app: AppContext, opts: { before: number; batch?: number }): number {
  const batch = opts.batch ?? 1000;
  let deleted = 0;
  for (const state of FINAL_JOB_STATES) {
    const stmt = app.sqlite.prepare(`DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE state = ? AND ${FINISHED_AT[state]} < ? LIMIT ?)`);
    for (;;) {
      const n = writeTx(app.sqlite, () => stmt.run(state, opts.before, batch).changes);
      deleted += n;
      if (n < batch) break;
    }
  }
  return deleted;
}
