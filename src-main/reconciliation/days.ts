import type { AppContext } from '../kernel/context';
import { writeTx } from '../kernel/db/connection';
import { allRows, countRows, getRow } from '../kernel/db/rows';
import { DepotError, expectChanges } from '../kernel/errors';
import type { By } from '../ledger';
import type { DayFigures } from './match';
import type { DayState } from './schema';
import { dayKey, ROWS_OF_DAY_FROM } from './day-key';

/**
 * A reconciled day and finance's sign-off (日结签字).
 *
 * Guarantees (test/reconciliation/breaks.test.ts, "sign-off"):
 * - A day can be signed off only when it has been run since its last statement rows were imported,
 *   has no pending item (its window has passed) and every break of it is resolved or written off;
 *   otherwise the refusal names what is left.
 * - Signing off is once: a second sign-off is refused, and a signed-off day is not run again.
 */

export interface DayRecord {
  day: string;
  state: DayState;
  figures: DayFigures;
  matched: number;
  pending: number;
  breaksOpen: number;
  breaksTotal: number;
  energyAnomalies: number;
  lastRunAt: number;
  signedOffBy: string | null;
  signedOffAt: number | null;
  signOffNote: string | null;
}

// Breaks are resolved between runs: their counts are read live, and the state follows them.
const COLUMNS = `day, state, figures, matched, pending,
  (SELECT count(*) FROM recon_breaks b WHERE b.day = recon_days.day AND b.state IN ('open', 'write_off_requested')) AS breaksOpen,
  (SELECT count(*) FROM recon_breaks b WHERE b.day = recon_days.day) AS breaksTotal, energy_anomalies AS energyAnomalies,
  last_run_at AS lastRunAt, signed_off_by AS signedOffBy, signed_off_at AS signedOffAt, sign_off_note AS signOffNote`;

type Stored = Omit<DayRecord, 'figures'> & { figures: string };
function toRecord(r: Stored): DayRecord {
  const state: DayState = r.state === 'signed_off' ? r.state : r.breaksOpen > 0 ? 'breaks' : r.pending > 0 ? 'pending' : 'matched';
  return { ...r, state, figures: JSON.parse(r.figures) as DayFigures };
}

export function findDay(app: Pick<AppContext, 'sqlite'>, day: string): DayRecord | undefined {
  const r = getRow<Stored>(app.sqlite.prepare(`SELECT ${COLUMNS} FROM recon_days WHERE day = ?`), day);
  return r ? toRecord(r) : undefined;
}

export function getDay(app: Pick<AppContext, 'sqlite'>, day: string): DayRecord {
  const d = findDay(app, day);
  if (!d) throw new DepotError('not_found', `date: ${day} has not been reconciled yet (run it: recon run --date ${day})`, { field: 'date' });
  return d;
}

/** The days in [from, to], newest first: the page's calendar. */
export function listDays(app: Pick<AppContext, 'sqlite'>, from: string, to: string): DayRecord[] {
  return allRows<Stored>(app.sqlite.prepare(`SELECT ${COLUMNS} FROM recon_days WHERE day >= ? AND day <= ? ORDER BY day DESC`), from, to).map(toRecord);
}

/** Statement rows of the day kept after its last run (a file imported without running its days). */
function rowsImportedSince(app: Pick<AppContext, 'sqlite'>, day: string, lastRunAt: number): number {
  return countRows(app.sqlite.prepare(`SELECT count(*) AS n FROM ${ROWS_OF_DAY_FROM} AND s.imported_at > @since`), { day: dayKey(day), since: lastRunAt });
}

export function signOff(app: AppContext, day: string, note: string | undefined, by: By = {}): DayRecord {
  return writeTx(app.sqlite, () => {
    const d = getDay(app, day);
    if (d.state === 'signed_off') throw new DepotError('conflict', `date: ${day} was already signed off`, { field: 'date', state: d.state });
    if (d.pending > 0) {
      throw new DepotError(
        'conflict',
        `date: ${day} still has ${d.pending} item(s) waiting for their counterpart inside the window; sign off once they match or become breaks`,
        {
          field: 'date',
          pending: d.pending,
        },
      );
    }
    const open = d.breaksOpen;
    if (open > 0) throw new DepotError('conflict', `date: ${day} has ${open} break(s) not yet resolved`, { field: 'date', breaksOpen: open });
    const unrun = rowsImportedSince(app, day, d.lastRunAt);
    if (unrun > 0) {
      throw new DepotError(
        'conflict',
        `date: ${day} has ${unrun} statement row(s) imported since its last run; run it again (recon run --date ${day}) before signing off`,
        {
          field: 'date',
          rowsSinceRun: unrun,
        },
      );
    }
    const now = app.clock.now();
    expectChanges(
      app.sqlite
        .prepare(
          "UPDATE recon_days SET state = 'signed_off', breaks_open = 0, pending = 0, signed_off_by = ?, signed_off_at = ?, sign_off_note = ? WHERE day = ? AND state <> 'signed_off'",
        )
        .run(by.operatorId ?? null, now, note?.trim() || null, day),
      1,
      `sign off ${day}`,
    );
    return getDay(app, day);
  });
}
