import { createHash } from 'node:crypto';
import type { AppContext } from '../kernel/context';
import { DepotError } from '../kernel/errors';
import { runReadThread } from '../kernel/read-thread';
import { canonicalJson } from '../kernel/json';
import { instantOf, startOfDate } from '../tariffs';
import { amountFor, datesOf, minutes, type CampaignSpec, type CreditSpec, type ReversalSpec } from './spec';

/**
 * The dry run: which drivers a campaign would credit, how much, and why — computed by the same
 * code the approval freezes and the execution credits, with nothing written.
 *
 * Guarantees:
 * - The rows are a pure function of the spec and the database: the same data gives the same rows
 *   in the same order (by driver id) and the same fingerprint.
 * - The fingerprint covers the spec and every row (driver, failures, amount, and for a reversal the
 *   transfer it takes back). Any new matching failure, any driver more or less, any amount changed
 *   gives a different fingerprint; balances (which move all day) are shown but not covered.
 * - Criteria select sessions by when the start was attempted (created_at), in the depot's time
 *   zone: the date range inclusive, the time window start-inclusive, end-exclusive, every day.
 * - A session an earlier campaign (approved, executing or completed, and not reversed) already
 *   compensates is left out unless the criteria say includeCompensated.
 */

export interface ReportRow {
  driverId: string;
  name: string;
  phone: string;
  failures: number;
  /** Fen for wallet and coupon campaigns, points for points campaigns. */
  amount: number;
  /** The driver's spendable wallet (fen) or points now; for information, not fingerprinted. */
  balance: number;
  /** Reversals only: the credit transfer to take back. */
  reversesTransferId: string | null;
}

export const BUCKETS = [
  { label: '1', min: 1, max: 1 },
  { label: '2-3', min: 2, max: 3 },
  { label: '4-6', min: 4, max: 6 },
  { label: '7-10', min: 7, max: 10 },
  { label: '>10', min: 11, max: Number.MAX_SAFE_INTEGER },
] as const;

export interface Report {
  fingerprint: string;
  /** Matching session records of the drivers in the report (a reversal: the credits taken back). */
  records: number;
  drivers: number;
  total: number;
  distribution: { bucket: string; drivers: number; records: number; amount: number }[];
  rows: ReportRow[];
  computedAt: number;
}

type App = Pick<AppContext, 'sqlite' | 'config' | 'clock'>;

/**
 * `details: false` leaves out each driver's name, phone and balance (empty and 0): the fingerprint
 * does not cover them, and the approval, which recomputes under the write lock, has no use for them.
 */
export function computeReport(app: App, spec: CampaignSpec, opts: { details?: boolean } = {}): Report {
  const rows = spec.kind === 'credit' ? creditRows(app, spec, opts.details ?? true) : reversalRows(app, spec);
  return summarize(app, spec, rows);
}

/**
 * The fingerprint of a spec and its rows, fed row by row in driver order: the dry run hashes its
 * report with it, and an approval in chunks hashes the items it froze to prove they are that report.
 */
export function fingerprinter(spec: CampaignSpec): {
  add(r: Pick<ReportRow, 'driverId' | 'failures' | 'amount' | 'reversesTransferId'>): void;
  digest(): string;
} {
  const hash = createHash('sha256').update(canonicalJson(spec)).update('\n');
  return {
    add: (r) => hash.update(`${r.driverId}\t${r.failures}\t${r.amount}\t${r.reversesTransferId ?? ''}\n`),
    digest: () => hash.digest('hex'),
  };
}

function summarize(app: App, spec: CampaignSpec, rows: ReportRow[]): Report {
  const hash = fingerprinter(spec);
  let total = 0;
  let records = 0;
  const distribution = BUCKETS.map((b) => ({ bucket: b.label, drivers: 0, records: 0, amount: 0 }));
  for (const r of rows) {
    hash.add(r);
    total += r.amount;
    records += r.failures;
    const b = distribution[BUCKETS.findIndex((x) => r.failures >= x.min && r.failures <= x.max)];
    if (b) {
      b.drivers += 1;
      b.records += r.failures;
      b.amount += r.amount;
    }
  }
  return { fingerprint: hash.digest(), records, drivers: rows.length, total, distribution, rows, computedAt: app.clock.now() };
}

/** The [start, end) instants the criteria cover, one per day (one in all without a time window). */
export function windowsOf(spec: CreditSpec, zone: string): [number, number][] {
  const { from, to, timeWindow } = spec.criteria;
  const days = datesOf(from, to);
  const nextDay = datesOf(to, to).map((d) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10))[0];
  if (!timeWindow) return [[startOfDate(from, zone), startOfDate(nextDay, zone)]];
  const s = minutes(timeWindow.start) * 60_000;
  const e = minutes(timeWindow.end) * 60_000;
  return days.map((d, i) => [instantOf(d, s, zone), e === 24 * 3_600_000 ? startOfDate(days[i + 1] ?? nextDay, zone) : instantOf(d, e, zone)]);
}

/**
 * The SQL that selects the matching sessions (id, driver_id), with its parameters. Used by the
 * dry run (grouped by driver) and by the approval (which records the sessions it compensates).
 */
export function matchingSessionsSql(app: App, spec: CreditSpec, opts: { drivers?: readonly string[] } = {}): { sql: string; params: unknown[] } {
  const c = spec.criteria;
  const windows = windowsOf(spec, app.config.timeZone);
  const params: unknown[] = [];
  const values = windows.map(([s, e]) => {
    params.push(s, e);
    return '(?, ?)';
  });
  const where: string[] = ['cs.driver_id IS NOT NULL'];
  // Failed starts (the usual case) are read from their own covering index; the state is written as a
  // literal so that partial index applies. The index is named because the planner, not knowing the
  // windows' bounds in advance, would otherwise walk every session in the state.
  const onlyFailed = c.states.length === 1 && c.states[0] === 'FAILED';
  if (onlyFailed) where.push("cs.state = 'FAILED'");
  else where.push(`cs.state IN (${c.states.map((s) => `'${s}'`).join(', ')})`);
  const list = (column: string, items: readonly string[] | undefined) => {
    if (!items || items.length === 0) return;
    where.push(`${column} IN (${items.map(() => '?').join(', ')})`);
    params.push(...items);
  };
  list('cs.failure_code', c.failureCodes);
  list('cs.station_id', c.stationIds);
  list('cs.charger_id', c.chargerIds);
  // Some drivers only (an approval freezing a chunk): their sessions are read through the driver
  // index, a few lookups per driver, instead of every matching session of the window.
  const byDriver = opts.drivers !== undefined;
  if (byDriver) {
    where.push('cs.driver_id IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(opts.drivers));
  }
  if (!c.includeCompensated) {
    where.push(`NOT EXISTS (
      SELECT 1 FROM comp_campaign_sessions x JOIN comp_campaigns k ON k.id = x.campaign_id
      WHERE x.session_id = cs.id AND k.state IN ('approved', 'executing', 'completed')
        AND NOT EXISTS (SELECT 1 FROM comp_campaigns r WHERE r.reverses_id = k.id AND r.state = 'completed'))`);
  }
  const sql = `WITH w(s, e) AS (VALUES ${values.join(', ')})
    SELECT cs.id AS sessionId, cs.driver_id AS driverId
    FROM w CROSS JOIN charging_sessions cs INDEXED BY ${byDriver ? 'charging_sessions_driver' : onlyFailed ? 'charging_sessions_failed_cover' : 'charging_sessions_created'}
    WHERE cs.created_at >= w.s AND cs.created_at < w.e AND ${where.join(' AND ')}`;
  return { sql, params };
}

/** The rows of some drivers of a credit campaign, names and balances left out (an approval's chunk). */
export function creditRowsOf(app: App, spec: CreditSpec, drivers: readonly string[]): ReportRow[] {
  return creditRows(app, spec, false, drivers);
}

function creditRows(app: App, spec: CreditSpec, details: boolean, drivers?: readonly string[]): ReportRow[] {
  const { sql, params } = matchingSessionsSql(app, spec, { drivers });
  if (!details) {
    // GROUP BY already yields the drivers in id order.
    const lean = app.sqlite
      .prepare<unknown[], [string, number]>(`WITH m AS (${sql}) SELECT driverId, count(*) AS failures FROM m GROUP BY driverId HAVING count(*) >= ? ORDER BY driverId`)
      .raw()
      .all(...params, spec.criteria.minFailures);
    return lean.map(([driverId, failures]) => ({
      driverId,
      name: '',
      phone: '',
      failures,
      amount: amountFor(spec.rule, failures),
      balance: 0,
      reversesTransferId: null,
    }));
  }
  const balanceKind = spec.target === 'points' ? 'points' : 'wallet';
  const grouped = app.sqlite
    .prepare<unknown[], [string, number, string, string, number]>(
      `WITH m AS (${sql}), g AS (SELECT driverId, count(*) AS failures FROM m GROUP BY driverId HAVING count(*) >= ?)
       SELECT g.driverId, g.failures, d.name, d.phone,
              coalesce(a.credits_posted - a.debits_posted - a.debits_pending, 0) AS balance
       FROM g JOIN drivers d ON d.id = g.driverId
       LEFT JOIN ledger_accounts a ON a.id = 'driver:' || g.driverId || ':${balanceKind}'
       ORDER BY g.driverId`,
    )
    .raw()
    .all(...params, spec.criteria.minFailures);
  return grouped.map(([driverId, failures, name, phone, balance]) => ({
    driverId,
    name,
    phone,
    failures,
    amount: amountFor(spec.rule, failures),
    balance,
    reversesTransferId: null,
  }));
}

function reversalRows(app: App, spec: ReversalSpec): ReportRow[] {
  const original = app.sqlite
    .prepare<unknown[], { id: string; kind: string; state: string; target: string }>('SELECT id, kind, state, target FROM comp_campaigns WHERE id = ?')
    .get(spec.reverses);
  if (!original) throw new DepotError('not_found', `reverses: no campaign ${spec.reverses}`, { field: 'reverses' });
  if (original.kind !== 'credit') throw new DepotError('refused', `reverses: ${spec.reverses} is itself a reversal`, { field: 'reverses' });
  if (original.state !== 'completed') {
    throw new DepotError('refused', `reverses: campaign ${spec.reverses} is ${original.state}; only a completed campaign is reversed (cancel one that has not run)`, {
      field: 'reverses',
    });
  }
  const balanceKind = original.target === 'points' ? 'points' : 'wallet';
  // Credits another completed reversal already took back are not taken twice.
  const rows = app.sqlite
    .prepare<unknown[], [string, number, number, string, string, string, number]>(
      `SELECT i.driver_id, i.failures, i.amount, i.transfer_id, d.name, d.phone,
              coalesce(a.credits_posted - a.debits_posted - a.debits_pending, 0) AS balance
       FROM comp_campaign_items i JOIN drivers d ON d.id = i.driver_id
       LEFT JOIN ledger_accounts a ON a.id = 'driver:' || i.driver_id || ':${balanceKind}'
       WHERE i.campaign_id = ? AND i.status IN ('credited', 'already')
         AND NOT EXISTS (
           SELECT 1 FROM comp_campaign_items ri JOIN comp_campaigns r ON r.id = ri.campaign_id
           WHERE r.reverses_id = i.campaign_id AND ri.driver_id = i.driver_id AND ri.status IN ('credited', 'already'))
       ORDER BY i.driver_id`,
    )
    .raw()
    .all(spec.reverses);
  return rows.map(([driverId, failures, amount, transferId, name, phone, balance]) => ({
    driverId,
    name,
    phone,
    failures,
    amount,
    balance,
    reversesTransferId: transferId,
  }));
}

/**
 * The drivers with the most failures, most first (ties by driver id). One pass keeping the best n:
 * sorting 100,000 rows for the ten the page shows was a long task on the thread that answers.
 */
export function topRows(rows: readonly ReportRow[], n: number): ReportRow[] {
  const before = (a: ReportRow, b: ReportRow) => b.failures - a.failures || (a.driverId < b.driverId ? -1 : 1);
  const top: ReportRow[] = [];
  if (n <= 0) return top;
  for (const r of rows) {
    if (top.length === n && before(r, top[n - 1]) >= 0) continue;
    let i = top.length;
    while (i > 0 && before(r, top[i - 1]) < 0) i -= 1;
    top.splice(i, 0, r);
    if (top.length > n) top.pop();
  }
  return top;
}

// --- off the main thread ----------------------------------------------------------------------------

/**
 * A report as the worker posts it: its rows as columns, because 100,000 row objects cost the main
 * thread a long task to receive and 100,000-long arrays of strings and numbers do not.
 */
export interface PackedReport extends Omit<Report, 'rows'> {
  columns: { driverId: string[]; name: string[]; phone: string[]; failures: number[]; amount: number[]; balance: number[]; reversesTransferId: (string | null)[] };
}

export function packReport(r: Report): PackedReport {
  const { rows, ...rest } = r;
  return {
    ...rest,
    columns: {
      driverId: rows.map((x) => x.driverId),
      name: rows.map((x) => x.name),
      phone: rows.map((x) => x.phone),
      failures: rows.map((x) => x.failures),
      amount: rows.map((x) => x.amount),
      balance: rows.map((x) => x.balance),
      reversesTransferId: rows.map((x) => x.reversesTransferId),
    },
  };
}

function unpackReport(p: PackedReport): Report {
  const { columns: c, ...rest } = p;
  const rows = c.driverId.map((driverId, i) => ({
    driverId,
    name: c.name[i],
    phone: c.phone[i],
    failures: c.failures[i],
    amount: c.amount[i],
    balance: c.balance[i],
    reversesTransferId: c.reversesTransferId[i],
  }));
  return { ...rest, rows };
}

export interface ReportTask {
  spec: CampaignSpec;
  details: boolean;
}

/**
 * computeReport in a worker thread with a read-only connection (issue 18): at 100,000 drivers the
 * dry run is one read of about a second, which must not hold the thread that answers the operator.
 * The same rows and fingerprint as computeReport at this instant, from one snapshot.
 */
export async function computeReportOffThread(app: AppContext, spec: CampaignSpec, opts: { details?: boolean } = {}): Promise<Report> {
  const task: ReportTask = { spec, details: opts.details ?? true };
  const here = () => packReport(app.sqlite.transaction(() => computeReport(app, spec, opts)).deferred());
  return unpackReport(await runReadThread(app, { name: 'report-worker', source: new URL('./report-worker.ts', import.meta.url) }, task, here));
}
