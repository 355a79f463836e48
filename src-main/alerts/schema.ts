import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/**
 * What a level means (docs/alerts.md):
 * - info: worth knowing, nothing to do now; stays in the app (no desktop notification).
 * - warning: someone should look today; money or chargers are not at risk yet.
 * - urgent: someone must act now: money is piling up unsettled, or the depot's own machinery
 *   (a job, the sweep, a charger) has stopped working.
 */
export const ALERT_LEVELS = ['info', 'warning', 'urgent'] as const;
export type AlertLevel = (typeof ALERT_LEVELS)[number];

/**
 * Alerts an operator must see: raised by rules (a job kind failing again and again, too many
 * unsettled sessions …), open until someone acknowledges them or, for a rule that watches a
 * condition, until the rule finds the condition cleared (resolved by 'system').
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
    /** Set when the alert's condition cleared by itself (a later sweep found it under its threshold). */
    resolvedAt: integer('resolved_at'),
    /** Who resolved it: 'system' for a rule that found its condition cleared. */
    resolvedBy: text('resolved_by'),
    /** Why it was resolved: the English record (log, CLI), or an operator's text as typed. */
    resolution: text('resolution'),
    /**
     * What the core's own resolution means, for the screens to word (issue 16): a code such as
     * `unsettled_count_below` and its parameters (JSON). Null for a resolution written before
     * migration 0035, which the screens show as recorded.
     */
    resolutionCode: text('resolution_code'),
    resolutionParams: text('resolution_params'),
    /**
     * The alert as the screens word it, in each operator language (zh-CN, then en-US), kept for
     * the list's search: an operator searches for what they read (维护, a charger's name in a
     * sentence), not the core's English record. '' on an alert raised before migration 0038, whose
     * code, message and subject are still searched.
     */
    words: text('words').notNull().default(''),
  },
  (t) => [
    check('alerts_level_known', sql`${t.level} in ('info','warning','urgent')`),
    check('alerts_resolved_whole', sql`(${t.resolvedAt} is null) = (${t.resolvedBy} is null)`),
    // Open = neither acknowledged nor resolved; raiseAlert's ON CONFLICT names this very predicate.
    uniqueIndex('alerts_open_subject').on(t.subject).where(sql.raw('"acknowledged_at" is null and "resolved_at" is null')),
    index('alerts_raised').on(t.acknowledgedAt, t.raisedAt),
    // The alerts list, newest first by last_raised_at (then id): all, a level, the open ones (the
    // default view; a partial index of the few open alerts, its WHERE the very terms the list names),
    // and a day's range of raised_at (issue 18).
    index('alerts_list').on(t.lastRaisedAt, t.id),
    index('alerts_list_level').on(t.level, t.lastRaisedAt, t.id),
    index('alerts_list_open').on(t.lastRaisedAt, t.id).where(sql.raw('"acknowledged_at" is null and "resolved_at" is null')),
    index('alerts_raised_at').on(t.raisedAt),
  ],
);

/**
 * Who is notified of what, and when not (docs/alerts.md, alerts/delivery.ts): one row, id 1, absent
 * until a supervisor first saves the settings (absent = the defaults: no quiet hours, every role
 * notified of warning and urgent). `version` grows by one on every save; a save made against an
 * older version is refused.
 */
export const alertDelivery = sqliteTable(
  'alert_delivery',
  {
    id: integer('id').primaryKey(),
    version: integer('version').notNull(),
    quietEnabled: integer('quiet_enabled', { mode: 'boolean' }).notNull(),
    /** HH:MM in the depot's time zone; from > to crosses midnight. */
    quietFrom: text('quiet_from').notNull(),
    quietTo: text('quiet_to').notNull(),
    /** JSON: { role: lowest level notified ('info' | 'warning' | 'urgent' | 'none') }. */
    roleLevels: text('role_levels').notNull(),
    updatedAt: integer('updated_at').notNull(),
    updatedBy: text('updated_by').notNull(),
  },
  (t) => [
    check('alert_delivery_one_row', sql`${t.id} = 1`),
    check('alert_delivery_version', sql`${t.version} >= 1`),
    check('alert_delivery_quiet_from', sql`${t.quietFrom} glob '[0-2][0-9]:[0-5][0-9]'`),
    check('alert_delivery_quiet_to', sql`${t.quietTo} glob '[0-2][0-9]:[0-5][0-9]'`),
    check('alert_delivery_role_levels', sql`json_valid(${t.roleLevels})`),
  ],
);
