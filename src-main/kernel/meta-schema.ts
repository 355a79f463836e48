import { sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Small facts about this installation (instance id, creation time), one row each. */
export const appMeta = sqliteTable('app_meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});
