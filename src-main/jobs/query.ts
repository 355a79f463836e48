import type { AppContext } from '../kernel/context';
import { JOB_STATES, type JobState } from './states';
import { toJob, type Job } from './queue';
import { whereOf } from '../kernel/db/where';
import { countRows } from '../kernel/db/rows';

/** What the Jobs page and the CLI read. */

export interface JobSummary extends Omit<Job, 'args' | 'meta' | 'errors'> {
  lastError: string | null;
  errorCount: number;
}

export interface JobListQuery {
  state?: JobState;
  queue?: string;
  kind?: string;
  limit: number;
  offset: number;
}

function summarize(job: Job): JobSummary {
  const { args: _a, meta: _m, errors, ...rest } = job;
  return { ...rest, lastError: errors.at(-1)?.error ?? null, errorCount: errors.length };
}

export function listJobs(app: AppContext, q: JobListQuery): { total: number; items: JobSummary[] } {
  const { clause, params } = whereOf([
    ['state = @state', 'state', q.state],
    ['queue = @queue', 'queue', q.queue],
    ['kind = @kind', 'kind', q.kind],
  ]);
  const total = countRows(app.sqlite.prepare(`SELECT count(*) AS n FROM jobs ${clause}`), params);
  // Newest first: ids are ULIDs, ordered by insertion time.
  const rows = app.sqlite
    .prepare<unknown[], Parameters<typeof toJob>[0]>(`SELECT * FROM jobs ${clause} ORDER BY id DESC LIMIT @limit OFFSET @offset`)
    .all({ ...params, limit: q.limit, offset: q.offset });
  return { total, items: rows.map((r) => summarize(toJob(r))) };
}

export type StateCounts = Record<JobState, number>;

function zeroCounts(): StateCounts {
  return Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as StateCounts;
}

export interface JobStats {
  states: StateCounts;
  queues: { queue: string; concurrency: number; counts: StateCounts }[];
  kinds: { kind: string; counts: StateCounts; failureStreak: number; lastError: string | null; lastFailureAt: number | null }[];
}

export function jobStats(app: AppContext): JobStats {
  const rows = app.sqlite
    .prepare<unknown[], { queue: string; kind: string; state: JobState; n: number }>('SELECT queue, kind, state, count(*) AS n FROM jobs GROUP BY queue, kind, state')
    .all();
  const states = zeroCounts();
  const queues = new Map<string, StateCounts>();
  const kinds = new Map<string, StateCounts>();
  for (const name of Object.keys(app.config.jobs.queues)) queues.set(name, zeroCounts());
  for (const r of rows) {
    states[r.state] += r.n;
    if (!queues.has(r.queue)) queues.set(r.queue, zeroCounts());
    queues.get(r.queue)![r.state] += r.n;
    if (!kinds.has(r.kind)) kinds.set(r.kind, zeroCounts());
    kinds.get(r.kind)![r.state] += r.n;
  }
  const health = app.sqlite
    .prepare<unknown[], { kind: string; failure_streak: number; last_error: string | null; last_failure_at: number | null }>(
      'SELECT kind, failure_streak, last_error, last_failure_at FROM job_kind_health',
    )
    .all();
  for (const h of health) if (!kinds.has(h.kind)) kinds.set(h.kind, zeroCounts());
  const healthByKind = new Map(health.map((h) => [h.kind, h]));
  return {
    states,
    queues: [...queues].sort(([a], [b]) => a.localeCompare(b)).map(([queue, counts]) => ({ queue, concurrency: app.config.jobs.queues[queue] ?? 1, counts })),
    kinds: [...kinds]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([kind, counts]) => {
        const h = healthByKind.get(kind);
        return { kind, counts, failureStreak: h?.failure_streak ?? 0, lastError: h?.last_error ?? null, lastFailureAt: h?.last_failure_at ?? null };
      }),
  };
}
