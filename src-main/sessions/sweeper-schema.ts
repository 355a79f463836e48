import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * One row per settlement sweep (sessions/sweeper.ts): what it found in its window, what it
 * settled, what it could not and why, and the money it moved. A dry run is recorded too, marked
 * dry_run = 1, with the amounts it would have settled.
 */
export const settlementSweeps = sqliteTable(
  'settlement_sweeps',
  {
    id: text('id').primaryKey(),
    /** 'cron' (the scheduled job) or 'operator' (sessions.sweep / depotdesk sweep). */
    trigger: text('trigger', { enum: ['cron', 'operator'] }).notNull(),
    dryRun: integer('dry_run').notNull().default(0),
    startedAt: integer('started_at').notNull(),
    finishedAt: integer('finished_at'),
    /** Sessions whose stop was received at or after this instant were scanned (epoch ms). */
    windowFrom: integer('window_from').notNull(),
    found: integer('found').notNull().default(0),
    settled: integer('settled').notNull().default(0),
    /** Of the settled: ended UNPAID (a debt). */
    unpaid: integer('unpaid').notNull().default(0),
    /** Still FINISHED afterwards because they wait for a supervisor (review queue). */
    held: integer('held').notNull().default(0),
    failed: integer('failed').notNull().default(0),
    /** JSON list of { sessionId, code, message } for each session that failed. */
    failures: text('failures').notNull().default('[]'),
    totalAmountFen: integer('total_amount_fen').notNull().default(0),
    debtFen: integer('debt_fen').notNull().default(0),
    operatorId: text('operator_id'),
    /** Set when the sweep itself failed (threw) rather than a session in it: `[code] message`. */
    error: text('error'),
  },
  (t) => [index('settlement_sweeps_started').on(t.startedAt), check('settlement_sweeps_dry_run', sql`${t.dryRun} in (0, 1)`)],
);
