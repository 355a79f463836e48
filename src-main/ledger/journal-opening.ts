import type { Sqlite } from '../kernel/db/connection';
import { writeTx } from '../kernel/db/connection';
import { cachedStatement } from '../kernel/db/statements';
import { appendJournal, journalReady, journalTip } from '../kernel/journal';

/**
 * What the depot already held when its journal started (issue 22): a depot upgrading to the build
 * with a journal has balances and drivers that no journal row explains, and HQ's sums must start
 * from them, not from zero.
 *
 * Guarantees (test/hq/journal.test.ts):
 * - At the first open of a depot whose journal is empty and whose ledger has a transfer or a driver,
 *   the journal starts with `ledger.opening_balances` rows (every ledger account's four counters,
 *   1,000 accounts a row, keys `opening:1`…`opening:<parts>`), then one `driver.registered` row per
 *   existing driver (key `driver:<id>`, as addDriver appends for a new one), all in one transaction.
 *   The counters are the same as the ledger's accounts at that moment.
 * - It runs once: any journal row means it was done (or the depot was new), and the open costs one
 *   read of the journal's tip. Two processes opening at once write it once (re-checked under the
 *   write lock).
 * - A new depot (no transfer, no driver) writes nothing: its journal starts with its first fact.
 */

const PART = 1_000;

interface OpeningAccount {
  id: string;
  debitsPosted: number;
  creditsPosted: number;
  debitsPending: number;
  creditsPending: number;
}

function needsOpening(sqlite: Sqlite): boolean {
  if (!journalReady(sqlite) || journalTip(sqlite).seq > 0) return false;
  const transfer = cachedStatement(sqlite, 'SELECT 1 FROM ledger_transfers LIMIT 1').get();
  return transfer !== undefined || cachedStatement(sqlite, 'SELECT 1 FROM drivers LIMIT 1').get() !== undefined;
}

/** Writes the opening rows if this depot needs them; returns how many journal rows it wrote. */
export function openLedgerJournal(app: { sqlite: Sqlite; clock: { now(): number } }): number {
  const { sqlite } = app;
  if (!needsOpening(sqlite)) return 0;
  return writeTx(sqlite, () => {
    if (!needsOpening(sqlite)) return 0;
    const at = app.clock.now();
    const accounts = sqlite
      .prepare<[], OpeningAccount>(
        `SELECT id, debits_posted AS debitsPosted, credits_posted AS creditsPosted, debits_pending AS debitsPending, credits_pending AS creditsPending
         FROM ledger_accounts ORDER BY id`,
      )
      .all();
    const parts = Math.max(1, Math.ceil(accounts.length / PART));
    for (let part = 1; part <= parts; part += 1) {
      appendJournal(sqlite, at, {
        key: `opening:${part}`,
        kind: 'ledger.opening_balances',
        v: 1,
        payload: { part, parts, accounts: accounts.slice((part - 1) * PART, part * PART) },
      });
    }
    // .all(), not .iterate(): the connection cannot write while an iterator is open on it.
    const drivers = sqlite.prepare<[], { id: string; phone: string; name: string }>('SELECT id, phone, name FROM drivers ORDER BY created_at, id').all();
    for (const d of drivers) journalDriver(sqlite, at, d);
    return parts + drivers.length;
  });
}

/** A driver's journal row (HQ links one driver across depots by phone); in the caller's transaction. */
export function journalDriver(sqlite: Sqlite, at: number, d: { id: string; phone: string; name: string }): void {
  appendJournal(sqlite, at, { key: `driver:${d.id}`, kind: 'driver.registered', v: 1, payload: { driverId: d.id, phone: d.phone, name: d.name } });
}
