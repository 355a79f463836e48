import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

export const ALERT_LEVELS = ['info', 'warning', 'error'] as const;
export type AlertLevel = (typeof ALERT_LEVELS)[number];

/**
 * Alerts an operator must see: raised by rules (a job kind failing again and again, too many
 * unsettled sessions …), open until someone acknowledges them.
 */
export const alerts = sqliteTable(
  'alerts',
  {
    id: text('id').primaryKey(),
    /** What kind of problem, for programs and i18n: `job_failing`, `unsettled_sessions` … */
    code: text('code').notNull(),
    level: text('level', { enum: ALERT_LEVELS }).notNull(),
    message: text('message').notNull(),
    /** Identifies the problem, e.g. `job_failing:payments.timeout`; one open alert per subject. */
    subject: text('subject').notNull(),
    details: text('details').notNull().default('{}'),
    raisedAt: integer('raised_at').notNull(),
    /** Raising an alert that is already open bumps these instead of adding a row. */
    lastRaisedAt: integer('last_raised_at').notNull(),
    count: integer('count').notNull().default(1),
    acknowledgedAt: integer('acknowledged_at'),
    acknowledgedBy: text('acknowledged_by'),
  },
  (t) => [
    check('alerts_level_known', sql`${t.level} in ('info','warning','error')`),
    uniqueIndex('alerts_open_subject').on(t.subject).where(sql.raw('"acknowledged_at" is null')),
    index('alerts_raised').on(t.acknowledgedAt, t.raisedAt),
  ],
);
