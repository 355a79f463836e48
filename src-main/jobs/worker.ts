import type { z } from 'zod';
import { DepotError } from '../kernel/errors';
import { DEFAULT_MAX_ATTEMPTS, DEFAULT_QUEUE, enqueue, type Enqueued } from './queue';
import type { EnqueueOptions, JobRun, PerformResult, Worker, WorkerDef } from '../kernel/plugins';

export type { EnqueueOptions, JobRun, PerformResult, Worker, WorkerDef };

/**
 * A worker: the code behind one job kind. Domains define theirs with defineWorker and enqueue
 * through it, so the arguments are checked when the job is created (the caller hears about a bad
 * argument at once) and again when it runs (a row edited by hand, or written by an older build,
 * is discarded with a clear error instead of being retried forever).
 *
 * perform must be idempotent: an attempt that was cut short (crash, timeout) runs again.
 */

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
