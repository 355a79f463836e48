import { sql } from 'drizzle-orm';
import { check, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * The uplink's own state (headquarters/uplink.ts): one row, id 1. The journal itself is the
 * kernel's (kernel/journal.ts); this only remembers where HQ stands and what went wrong last.
 */
export const hqUplink = sqliteTable(
  'hq_uplink',
  {
    id: integer('id').primaryKey(),
    /** The highest journal sequence HQ acknowledged whose hash matched the depot's own (0: none). */
    ackedSeq: integer('acked_seq').notNull().default(0),
    /** The depot's hash at acked_seq (the genesis hash at 0). */
    ackedHash: text('acked_hash')
      .notNull()
      .default(sql`'0000000000000000000000000000000000000000000000000000000000000000'`),
    /** When that ack arrived (epoch ms), null before the first. */
    ackedAt: integer('acked_at'),
    /** When a batch was last published (epoch ms). */
    lastSentAt: integer('last_sent_at'),
    /** Why shipping is stalled, in words, or null. */
    lastError: text('last_error'),
    /** JSON { seq, reason, detail, at } of the last batch HQ refused, until HQ accepts that sequence. */
    refused: text('refused'),
  },
  (t) => [check('hq_uplink_one_row', sql`${t.id} = 1`), check('hq_uplink_acked_seq', sql`${t.ackedSeq} >= 0`)],
);
