import type { Statement } from 'better-sqlite3';
import type { Sqlite } from './connection';

/**
 * Prepared statements kept per database handle, keyed by their SQL text.
 *
 * Preparing a statement costs about as much as running a small one: in the charger inbox's
 * profiles it was a tenth of the catch-up's CPU, spent preparing the same few statements for every
 * record. Code that runs per charger message or per inbox record prepares through here instead.
 *
 * Only for statements used in better-sqlite3's default mode: one switched to pluck(), raw() or
 * expand() stays switched for every caller that shares it (those keep their own statements). A
 * handle holds at most MAX_PER_HANDLE of them; past that, statements are prepared as before.
 */
const MAX_PER_HANDLE = 1_000;
const byHandle = new WeakMap<Sqlite, Map<string, Statement>>();

/** `Row` is what a row of `sql` looks like (its SELECT list), as in better-sqlite3's `prepare<unknown[], Row>(sql)`. */
export function cachedStatement<Row = unknown>(sqlite: Sqlite, sql: string): Statement<unknown[], Row> {
  let cache = byHandle.get(sqlite);
  if (!cache) {
    cache = new Map();
    byHandle.set(sqlite, cache);
  }
  let st = cache.get(sql);
  if (!st) {
    st = sqlite.prepare(sql);
    if (cache.size < MAX_PER_HANDLE) cache.set(sql, st);
  }
  // The cache holds statements of every row type; the caller names the one its SQL gives.
  return st as Statement<unknown[], Row>;
}
