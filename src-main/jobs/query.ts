import type { AppContext } from '../kernel/context';
import { JOB_STATES, type JobState } from './states';
import { toJob, type Job } from './queue';
import { whereOf } from '../kernel/db/where';
import { countRows } from '../kernel/db/rows';
import { ROUTINE_SQL } from './schema';

/** What the Jobs page and the CLI read. */

export interface JobSummary extends Omit<Job, 'args' | 'meta' | 'errors'> {
  lastError: string | null;
  errorCount: number;
}

export interface JobListQuery {
  state?: JobState;
  queue?: string;
  kind?: string;
  /**
   * Routine runs are the jobs a cron made that completed on their first attempt: a per-minute cron
   * makes 1,440 a day, all alike. 'fold' leaves them out of the items and counts them in
   * `routineFolded` (the cron schedules say when each last ran); 'show' (the default) lists them.
   */
  routine?: 'show' | 'fold';
  limit: number;
  offset: number;
}

// A routine run (see JobListQuery.routine); the folded list's partial indexes carry `NOT (ROUTINE)`.
const ROUTINE = ROUTINE_SQL;

function summarize(job: Job): JobSummary {
  const { args: _a, meta: _m, errors, ...rest } = job;
  return { ...rest, lastError: errors.at(-1)?.error ?? null, errorCount: errors.length };
}

/**
 * A page of jobs, newest first (ids are ULIDs: unique, ordered by insertion time), with its total.
 * Every filter reads an index in the list's order (jobs_list_*; folded, the partial jobs_listed_*
 * whose WHERE is the very `NOT (ROUTINE)` term written here), so a page and its count never sort or
 * read the routine runs they leave out.
 */
export function listJobs(app: AppContext, q: JobListQuery): { total: number; items: JobSummary[]; routineFolded: number } {
  const narrow: [string, string, unknown][] = [
    ['state = @state', 'state', q.state],
    ['queue = @queue', 'queue', q.queue],
    ['kind = @kind', 'kind', q.kind],
  ];
  const fold = q.routine === 'fold';
  const w = whereOf(narrow);
  const clause = fold ? `${w.clause ? `${w.clause} AND` : 'WHERE'} NOT (${ROUTINE})` : w.clause;
  const params = w.params;
  const total = countRows(app.sqlite.prepare(`SELECT count(*) AS n FROM jobs ${clause}`), params);
  const rows = app.sqlite
    .prepare<unknown[], Parameters<typeof toJob>[0]>(`SELECT * FROM jobs ${clause} ORDER BY id DESC LIMIT @limit OFFSET @offset`)
    .all({ ...params, limit: q.limit, offset: q.offset });
  let routineFolded = 0;
  // Only a completed job is routine; otherwise: every job the filter matches less the ones listed.
  if (fold && (q.state === undefined || q.state === 'completed')) {
    routineFolded = countRows(app.sqlite.prepare(`SELECT count(*) AS n FROM jobs ${w.clause}`), params) - total;
  }
  return { total, items: rows.map((r) => summarize(toJob(r))), routineFolded };
}

/** Routine runs (see JobListQuery.routine) of each cron completed since `since`, by cron name. */
export function routineRunsSince(app: AppContext, since: number): Map<string, number> {
  const rows = app.sqlite
    .prepare<unknown[], { name: string; n: number }>(
      `SELECT substr(unique_key, 6, instr(substr(unique_key, 6), ':') - 1) AS name, count(*) AS n
         FROM jobs WHERE ${ROUTINE} AND completed_at >= ? GROUP BY name`,
    )
    .all(since);
  return new Map(rows.map((r) => [r.name, r.n]));
}

export type StateCounts = Record<JobState, number>;

function zeroCounts(): StateCounts {
  return Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as StateCounts;
}

export interface JobStats {
  states: StateCounts;
  queues: { queue: string; concurrency: number; counts: StateCounts }[];
  kinds: { kind: string; counts: StateCounts; failureStreak: number; lastError: string | null; lastFailureAt: number | null }[];
  /** config jobs.failingAlertStreak: the streak at which a kind raises its alert (the Jobs page shows it red from there). */
  failingAlertStreak: number;
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
    failingAlertStreak: app.config.jobs.failingAlertStreak,
    queues: [...queues].sort(([a], [b]) => a.localeCompare(b)).map(([queue, counts]) => ({ queue, concurrency: app.config.jobs.queues[queue] ?? 1, counts })),
    kinds: [...kinds]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([kind, counts]) => {
        const h = healthByKind.get(kind);
        return { kind, counts, failureStreak: h?.failure_streak ?? 0, lastError: h?.last_error ?? null, lastFailureAt: h?.last_failure_at ?? null };
      }),
  };
}
