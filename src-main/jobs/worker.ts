import type { z } from 'zod';
import type { AppContext } from '../kernel/context';
import { DepotError } from '../kernel/errors';
import { DEFAULT_MAX_ATTEMPTS, DEFAULT_QUEUE, enqueue, type EnqueueInput, type Enqueued, type Job } from './queue';

/**
 * A worker: the code behind one job kind. Domains define theirs with defineWorker and enqueue
 * through it, so the arguments are checked when the job is created (the caller hears about a bad
 * argument at once) and again when it runs (a row edited by hand, or written by an older build,
 * is discarded with a clear error instead of being retried forever).
 *
 * perform must be idempotent: an attempt that was cut short (crash, timeout) runs again.
 */

/** What a running attempt can do besides its work. */
export interface JobRun {
  /** Aborted when the attempt times out, the job is cancelled, or the scheduler stops. */
  signal: AbortSignal;
  /** Reports progress (0–1) to the Jobs page; not stored. */
  progress(fraction: number, message?: string): void;
}

/**
 * Returning nothing completes the job. `{ snooze: ms }` runs it again later without using up an
 * attempt; `{ cancel: reason }` ends it as cancelled (there was nothing left to do). Throwing fails
 * the attempt.
 */
export type PerformResult = void | undefined | { snooze: number } | { cancel: string };

export interface WorkerDef<S extends z.ZodType> {
  kind: string;
  queue?: string;
  args: S;
  maxAttempts?: number;
  /** Real elapsed time an attempt may take before it is failed (and its signal aborted). */
  timeoutMs?: number;
  priority?: number;
  /** Milliseconds before the next attempt after attempt `attempt` failed; defaults to exponentialBackoff. */
  backoff?: (attempt: number) => number;
  // Method syntax on purpose: a Worker<S> must be storable in a Worker<ZodType> list.
  perform(app: AppContext, job: Job<z.output<S>>, run: JobRun): Promise<PerformResult> | PerformResult;
}

export type EnqueueOptions = Omit<EnqueueInput, 'kind' | 'args'>;

export interface Worker<S extends z.ZodType = z.ZodType> extends WorkerDef<S> {
  queue: string;
  maxAttempts: number;
  timeoutMs: number;
  priority: number;
  /** Validates the arguments and enqueues (inside the caller's transaction, if one is open). */
  enqueue(app: AppContext, args: z.input<S>, opts?: EnqueueOptions): Enqueued<z.input<S>>;
}

export const DEFAULT_TIMEOUT_MS = 60_000;

export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(args)'}: ${i.message}`).join('; ');
}

export function defineWorker<S extends z.ZodType>(def: WorkerDef<S>): Worker<S> {
  if (!/^[a-z][\w.-]*$/i.test(def.kind)) {
    throw new DepotError('invalid_input', `worker kind "${def.kind}" must be a word like sessions.startTimeout`, { field: 'kind' });
  }
  const worker: Worker<S> = {
    ...def,
    queue: def.queue ?? DEFAULT_QUEUE,
    maxAttempts: def.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    timeoutMs: def.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    priority: def.priority ?? 0,
    enqueue(app, args, opts = {}) {
      const parsed = def.args.safeParse(args);
      if (!parsed.success) {
        throw new DepotError('invalid_input', `arguments for job ${def.kind}: ${describeIssues(parsed.error)}`, {
          kind: def.kind,
          issues: parsed.error.issues.map((i) => ({ field: i.path.join('.') || '(args)', message: i.message })),
        });
      }
      return enqueue(app, {
        queue: worker.queue,
        maxAttempts: worker.maxAttempts,
        priority: worker.priority,
        ...opts,
        kind: def.kind,
        args,
      }) as Enqueued<z.input<S>>;
    },
  };
  return worker;
}
