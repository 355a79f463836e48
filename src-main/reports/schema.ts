import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Report exports: one row per workbook asked for, written by a background job into the data directory's exports/ folder. */

export const EXPORT_STATES = ['queued', 'running', 'done', 'failed'] as const;
export type ExportState = (typeof EXPORT_STATES)[number];

export const reportExports = sqliteTable(
  'report_exports',
  {
    id: text('id').primaryKey(),
    kind: text('kind').notNull(),
    /** JSON of what was asked: period, station, locale, filters. */
    params: text('params').notNull(),
    state: text('state', { enum: EXPORT_STATES }).notNull(),
    rows: integer('rows'),
    fileName: text('file_name').notNull(),
    /** Path relative to the data directory, set when done. */
    path: text('path'),
    bytes: integer('bytes'),
    error: text('error'),
    jobId: text('job_id'),
    createdBy: text('created_by').notNull(),
    createdAt: integer('created_at').notNull(),
    finishedAt: integer('finished_at'),
  },
  (t) => [
    index('report_exports_created').on(t.createdBy, t.createdAt),
    check('report_exports_state_known', sql`${t.state} in (${sql.raw(EXPORT_STATES.map((s) => `'${s}'`).join(','))})`),
  ],
);
