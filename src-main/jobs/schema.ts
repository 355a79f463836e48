import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { JOB_STATES, JOB_STATES_SQL, LIVE_STATES_SQL } from './states';

/**
 * A routine run: a job a cron made that completed on its first attempt (jobs/query.ts folds them).
 * The folded list's partial indexes carry `NOT (this)` as their WHERE, and the list's query names the
 * same text, so SQLite can use them (a partial index is used only for a query whose WHERE has its term).
 * coalesce: a job without a unique key is never routine (NULL would drop it from a folded list).
 */
export const ROUTINE_SQL = `"state" = 'completed' AND coalesce("unique_key", '') LIKE 'cron:%' AND "attempt" <= 1`;

/**
 * Durable jobs (see jobs/queue.ts for the guarantees and docs/jobs.md for the design).
 * Times are UTC epoch ms; args, meta and errors are JSON text.
 */
export const jobs = sqliteTable(
  'jobs',
  {
    id: text('id').primaryKey(),
    /** The worker's name, e.g. `jobs.prune`, `sessions.startTimeout`. */
    kind: text('kind').notNull(),
    queue: text('queue').notNull(),
    args: text('args').notNull(),
    /** Facts about how the job came to be (a cron slot), never needed by the worker's logic. */
    meta: text('meta').notNull().default('{}'),
    state: text('state', { enum: JOB_STATES }).notNull(),
    /** 0 runs first; ties run in scheduled order. */
    priority: integer('priority').notNull().default(0),
    attempt: integer('attempt').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull(),
    scheduledAt: integer('scheduled_at').notNull(),
    attemptedAt: integer('attempted_at'),
    completedAt: integer('completed_at'),
    discardedAt: integer('discarded_at'),
    cancelledAt: integer('cancelled_at'),
    /** [{attempt, at, error, stack}], oldest first. */
    errors: text('errors').notNull().default('[]'),
    uniqueKey: text('unique_key'),
    insertedAt: integer('inserted_at').notNull(),
  },
  (t) => [
    check('jobs_state_known', sql.raw(`"state" in (${JOB_STATES_SQL})`)),
    check('jobs_attempts_sane', sql`${t.maxAttempts} >= 1 and ${t.attempt} >= 0`),
    // The claim: state = 'available' AND queue = ? ORDER BY priority, scheduled_at, id.
    index('jobs_claim').on(t.state, t.queue, t.priority, t.scheduledAt, t.id),
    // Staging (scheduled/retryable whose time has come), rescue and pruning by state.
    index('jobs_state_scheduled').on(t.state, t.scheduledAt),
    index('jobs_kind').on(t.kind, t.state),
    // The Jobs page's list, newest first (ids are ULIDs): each filter reads its index in the list's order (issue 18).
    index('jobs_list_state').on(t.state, t.id),
    index('jobs_list_kind').on(t.kind, t.id),
    index('jobs_list_queue').on(t.queue, t.id),
    // The same with the crons' routine runs folded (the page's default): only the other jobs, about a tenth.
    index('jobs_listed')
      .on(t.id)
      .where(sql.raw(`NOT (${ROUTINE_SQL})`)),
    index('jobs_listed_state')
      .on(t.state, t.id)
      .where(sql.raw(`NOT (${ROUTINE_SQL})`)),
    index('jobs_listed_kind')
      .on(t.kind, t.id)
      .where(sql.raw(`NOT (${ROUTINE_SQL})`)),
    index('jobs_listed_queue')
      .on(t.queue, t.id)
      .where(sql.raw(`NOT (${ROUTINE_SQL})`)),
    // A unique key is held while the job is live; once it is completed, discarded or cancelled
    // the same key may be enqueued again (cron slots are protected by job_crons as well).
    uniqueIndex('jobs_unique_live')
      .on(t.uniqueKey)
      .where(sql.raw(`"unique_key" is not null and "state" in (${LIVE_STATES_SQL})`)),
  ],
);

/** One row per cron entry: the slot it last enqueued, so a restart neither repeats nor floods. */
export const jobCrons = sqliteTable('job_crons', {
  name: text('name').primaryKey(),
  expression: text('expression').notNull(),
  kind: text('kind').notNull(),
  /** The schedule slot (epoch ms) last enqueued, or the baseline taken when the entry was first seen. */
  lastSlotAt: integer('last_slot_at').notNull(),
  lastJobId: text('last_job_id'),
  updatedAt: integer('updated_at').notNull(),
});

/** Consecutive failed attempts per job kind, reset by a success: feeds the "failing 3 times in a row" alert. */
export const jobKindHealth = sqliteTable('job_kind_health', {
  kind: text('kind').primaryKey(),
  failureStreak: integer('failure_streak').notNull().default(0),
  lastError: text('last_error'),
  lastFailureAt: integer('last_failure_at'),
  lastSuccessAt: integer('last_success_at'),
});
