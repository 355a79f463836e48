import type { Sqlite } from './connection';

/**
 * Runs `fn` once the caller's transaction has ended. better-sqlite3 transactions are synchronous,
 * so by the next turn of the event loop the enclosing transaction has committed or rolled back;
 * `fn` must re-read what it announces, so an event never reports a row that was rolled back.
 * Outside a transaction `fn` runs at once. If a transaction is still open after `tries` turns
 * (someone holds one across an await), `fn` is not run: an event is a hint to refetch, never the
 * record itself, and announcing a row that might still roll back would be worse than silence.
 */
export function afterCommit(sqlite: Sqlite, fn: () => void, tries = 50): void {
  if (!sqlite.inTransaction) {
    fn();
    return;
  }
  setImmediate(() => {
    if (!sqlite.open) return;
    if (sqlite.inTransaction && tries > 0) afterCommit(sqlite, fn, tries - 1);
    else if (!sqlite.inTransaction) fn();
  });
}
