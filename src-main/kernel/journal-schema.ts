import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * The depot's journal (issue 22, docs/headquarters.md "The journal"): one row per fact headquarters
 * needs, appended in the same transaction as the fact, hash-chained (kernel/journal-hash.ts).
 * Owned by the kernel so that every domain appends through kernel/journal.ts without importing
 * another domain. A trigger refuses UPDATE; rows are deleted only by pruneJournal, never the tip.
 */
export const journal = sqliteTable('journal', {
  /** Gap-free from 1, taken under the write lock: the previous tip + 1. */
  seq: integer('seq').primaryKey(),
  /** The idempotency key: unique over the whole journal. */
  key: text('key').notNull().unique(),
  kind: text('kind').notNull(),
  /** The payload's schema version for its kind. */
  v: integer('v').notNull(),
  /** Epoch ms, the depot's clock. */
  at: integer('at').notNull(),
  prev: text('prev').notNull(),
  hash: text('hash').notNull(),
  /** Canonical JSON (sorted keys). */
  payload: text('payload').notNull(),
});
