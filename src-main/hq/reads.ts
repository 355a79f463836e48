import type { Pool } from 'pg';
import { DepotError } from '../kernel/errors';
import { hqStatus, type HqStatus } from './status';

/**
 * HQ's read queries over PostgreSQL for the HQ screens (docs/headquarters.md "The HQ screens"):
 * depots with their lag, revenue and wallet liabilities across depots, one driver across depots by
 * phone, and one merchant account's statements beside each depot's own gateway clearing.
 *
 * - Read only: nothing here writes, and every figure comes from the read tables the ingestor fills
 *   from the depots' journals (hq_transfers, hq_opening_balances, hq_drivers, hq_statements).
 * - Money is integer fen. PostgreSQL's sums of bigint come back as text and are parsed with
 *   `fenOf`, which refuses a figure past Number.MAX_SAFE_INTEGER instead of rounding it.
 * - Only posted money counts: a transfer of phase `single` or `post` (a hold's `pending` reserves,
 *   its `void` releases; neither moves a balance). Opening balances count their posted counters.
 * - Days are calendar days in `timeZone` (the depots' zone, Asia/Shanghai by default), from the
 *   depot's own time of each transfer.
 */

export const HQ_DEFAULT_ZONE = 'Asia/Shanghai';
export const REVENUE_ACCOUNTS = ['depot:electricity_revenue', 'depot:service_revenue'] as const;
/** The gateway clearing account of each statement channel (ledger/accounts.ts DEPOT.clearing*). */
export const CLEARING_ACCOUNTS: Readonly<Record<string, string>> = { wechat: 'depot:clearing:wechat', alipay: 'depot:clearing:alipay' };

/** A PostgreSQL bigint or numeric (text, number or null) as an exact integer; null is 0. */
export function fenOf(v: string | number | bigint | null | undefined): number {
  if (v === null || v === undefined) return 0;
  const text = String(v);
  if (!/^-?\d+$/.test(text)) throw new DepotError('integrity_failed', `HQ read a figure that is not a whole number of fen: ${text}`, { value: text });
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new DepotError('integrity_failed', `HQ read a figure too large to show exactly: ${text}`, { value: text });
  return n;
}

/** Posted money only (see above). */
const POSTED = `(t.phase IS NULL OR t.phase IN ('single', 'post'))`;
/**
 * Transfers from the start of day $3 to the end of day $4 in zone $1, as epoch ms: a bound on `at`
 * so the query reads only those days' transfers (the day itself is still checked from DAY).
 */
const IN_DAYS = `t.at >= extract(epoch FROM ($3::date::timestamp AT TIME ZONE $1)) * 1000
  AND t.at < extract(epoch FROM (($4::date + 1)::timestamp AT TIME ZONE $1)) * 1000`;
/** The depot's calendar day of a transfer, in the zone given as $1. */
const DAY = `to_char(to_timestamp(t.at / 1000.0) AT TIME ZONE $1, 'YYYY-MM-DD')`;

export interface DepotRef {
  depotId: string;
  name: string | null;
}

async function depotNames(pool: Pool): Promise<Map<string, string | null>> {
  const r = await pool.query<{ depot_id: string; name: string | null }>('SELECT depot_id, name FROM hq_depots');
  return new Map(r.rows.map((d) => [d.depot_id, d.name]));
}

// ─── depots ──────────────────────────────────────────────────────────────────

export type HqDepots = HqStatus;

/** Each depot's lag (hqStatus): rows stored and behind, the last batch, the refusal in force. */
export function hqDepots(pool: Pool): Promise<HqDepots> {
  return hqStatus(pool);
}

// ─── revenue ─────────────────────────────────────────────────────────────────

export interface RevenueQuery {
  /** YYYY-MM-DD, inclusive, in timeZone. */
  from: string;
  to: string;
  timeZone?: string;
}

export interface RevenueFigures {
  electricityFen: number;
  serviceFen: number;
  totalFen: number;
}

export interface HqRevenue {
  from: string;
  to: string;
  timeZone: string;
  /** One line per day that has revenue at some depot, oldest first. */
  byDay: (RevenueFigures & { day: string })[];
  /** One line per depot that has revenue in the range, the largest total first. */
  byDepot: (RevenueFigures & DepotRef)[];
  /** One line per depot and day. */
  byDepotDay: (RevenueFigures & DepotRef & { day: string })[];
  totals: RevenueFigures;
}

const figures = (electricity: number, service: number): RevenueFigures => ({ electricityFen: electricity, serviceFen: service, totalFen: electricity + service });

/**
 * Revenue across depots: credits to the two revenue accounts, less their debits (a refund of a
 * settled session, a correction), per depot and day.
 */
export async function hqRevenue(pool: Pool, q: RevenueQuery): Promise<HqRevenue> {
  const zone = q.timeZone ?? HQ_DEFAULT_ZONE;
  const r = await pool.query<{ depot_id: string; day: string; account: string; net: string }>(
    `SELECT depot_id, day, account, sum(amount) AS net FROM (
       SELECT t.depot_id, ${DAY} AS day, t.credit AS account, t.amount FROM hq_transfers t
        WHERE t.credit = ANY($2) AND ${POSTED} AND ${IN_DAYS}
       UNION ALL
       SELECT t.depot_id, ${DAY} AS day, t.debit AS account, -t.amount FROM hq_transfers t
        WHERE t.debit = ANY($2) AND ${POSTED} AND ${IN_DAYS}
     ) m WHERE day BETWEEN $3::text AND $4::text
     GROUP BY depot_id, day, account`,
    [zone, REVENUE_ACCOUNTS, q.from, q.to],
  );
  const names = await depotNames(pool);
  const cells = new Map<string, { depotId: string; day: string; e: number; s: number }>();
  for (const row of r.rows) {
    const k = `${row.depot_id}\n${row.day}`;
    const c = cells.get(k) ?? { depotId: row.depot_id, day: row.day, e: 0, s: 0 };
    if (row.account === 'depot:electricity_revenue') c.e += fenOf(row.net);
    else c.s += fenOf(row.net);
    cells.set(k, c);
  }
  const byDepotDay = [...cells.values()]
    .map((c) => ({ depotId: c.depotId, name: names.get(c.depotId) ?? null, day: c.day, ...figures(c.e, c.s) }))
    .sort((a, b) => a.day.localeCompare(b.day) || a.depotId.localeCompare(b.depotId));
  const days = new Map<string, { e: number; s: number }>();
  const depots = new Map<string, { e: number; s: number }>();
  for (const c of byDepotDay) {
    for (const [map, key] of [
      [days, c.day],
      [depots, c.depotId],
    ] as const) {
      const sum = map.get(key) ?? { e: 0, s: 0 };
      sum.e += c.electricityFen;
      sum.s += c.serviceFen;
      map.set(key, sum);
    }
  }
  const byDay = [...days.entries()].map(([day, s]) => ({ day, ...figures(s.e, s.s) })).sort((a, b) => a.day.localeCompare(b.day));
  const byDepot = [...depots.entries()]
    .map(([depotId, s]) => ({ depotId, name: names.get(depotId) ?? null, ...figures(s.e, s.s) }))
    .sort((a, b) => b.totalFen - a.totalFen || a.depotId.localeCompare(b.depotId));
  const e = byDepot.reduce((s, d) => s + d.electricityFen, 0);
  const s = byDepot.reduce((t, d) => t + d.serviceFen, 0);
  return { from: q.from, to: q.to, timeZone: zone, byDay, byDepot, byDepotDay, totals: figures(e, s) };
}

// ─── liabilities ─────────────────────────────────────────────────────────────

export interface HqLiabilities {
  /** One line per depot HQ has heard from, the largest wallets first. */
  depots: (DepotRef & { walletsFen: number; openingFen: number; wallets: number })[];
  totals: { walletsFen: number; depots: number };
}

/**
 * What each depot owes its drivers: every driver wallet's balance (credits − debits, posted), from
 * the opening balances the depot journaled when its journal started plus every transfer since.
 */
export async function hqLiabilities(pool: Pool): Promise<HqLiabilities> {
  const r = await pool.query<{ depot_id: string; name: string | null; opening: string | null; moved: string | null; wallets: string }>(
    `WITH opening AS (
       SELECT depot_id, sum(credits_posted - debits_posted) AS fen, count(DISTINCT account_id) AS n
         FROM hq_opening_balances WHERE account_id LIKE 'driver:%:wallet' GROUP BY depot_id
     ), moved AS (
       SELECT depot_id, sum(fen) AS fen, count(DISTINCT account) AS n FROM (
         SELECT t.depot_id, t.credit AS account, t.amount AS fen FROM hq_transfers t WHERE t.credit LIKE 'driver:%:wallet' AND ${POSTED}
         UNION ALL
         SELECT t.depot_id, t.debit AS account, -t.amount AS fen FROM hq_transfers t WHERE t.debit LIKE 'driver:%:wallet' AND ${POSTED}
       ) m GROUP BY depot_id
     ), accounts AS (
       SELECT depot_id, count(DISTINCT account) AS n FROM (
         SELECT depot_id, account_id AS account FROM hq_opening_balances WHERE account_id LIKE 'driver:%:wallet'
         UNION SELECT depot_id, credit FROM hq_transfers WHERE credit LIKE 'driver:%:wallet'
         UNION SELECT depot_id, debit FROM hq_transfers WHERE debit LIKE 'driver:%:wallet'
       ) a GROUP BY depot_id
     )
     SELECT d.depot_id, d.name, o.fen AS opening, m.fen AS moved, coalesce(a.n, 0) AS wallets
       FROM hq_depots d
       LEFT JOIN opening o ON o.depot_id = d.depot_id
       LEFT JOIN moved m ON m.depot_id = d.depot_id
       LEFT JOIN accounts a ON a.depot_id = d.depot_id`,
  );
  const depots = r.rows
    .map((d) => {
      const openingFen = fenOf(d.opening);
      return { depotId: d.depot_id, name: d.name, openingFen, walletsFen: openingFen + fenOf(d.moved), wallets: fenOf(d.wallets) };
    })
    .sort((a, b) => b.walletsFen - a.walletsFen || a.depotId.localeCompare(b.depotId));
  return { depots, totals: { walletsFen: depots.reduce((s, d) => s + d.walletsFen, 0), depots: depots.length } };
}

// ─── a driver across depots ──────────────────────────────────────────────────

export interface HqDriverLine extends DepotRef {
  driverId: string;
  /** The phone as the depot registered it; screens mask it. */
  phone: string | null;
  driverName: string | null;
  /** Money into the wallet (top-ups, refunds to the wallet, compensation…): posted credits. */
  creditsFen: number;
  /** Money out of the wallet (charging settled, withdrawals…): posted debits. */
  debitsFen: number;
  /** Of the credits, top-ups (code `topup`). */
  topUpsFen: number;
  topUps: number;
  /** Of the debits, charging settled (codes starting `settle` or `hold_post`). */
  chargesFen: number;
  charges: number;
  /** The wallet's balance: opening + credits − debits. */
  balanceFen: number;
  /** The depot's time of the last transfer on the wallet (epoch ms), null if none. */
  lastAt: number | null;
}

export interface HqDriver {
  phone: string;
  lines: HqDriverLine[];
  totals: { balanceFen: number; topUpsFen: number; chargesFen: number; depots: number };
}

/** The charging debits: a session's settlement and a hold posted to it. */
const CHARGE_CODES = `(t.code LIKE 'settle%' OR t.code = 'hold_post' OR t.code LIKE 'charge%')`;

/** One driver across depots, linked by the phone each depot registered (hq_drivers). */
export async function hqDriver(pool: Pool, phone: string): Promise<HqDriver> {
  const wanted = phone.trim();
  const r = await pool.query<{
    depot_id: string;
    name: string | null;
    driver_id: string;
    phone: string | null;
    driver_name: string | null;
    opening: string | null;
    credits: string | null;
    debits: string | null;
    topups_fen: string | null;
    topups: string | null;
    charges_fen: string | null;
    charges: string | null;
    last_at: string | null;
  }>(
    `SELECT dr.depot_id, d.name, dr.driver_id, dr.phone, dr.name AS driver_name,
            (SELECT sum(o.credits_posted - o.debits_posted) FROM hq_opening_balances o
              WHERE o.depot_id = dr.depot_id AND o.account_id = 'driver:' || dr.driver_id || ':wallet') AS opening,
            (SELECT sum(t.amount) FROM hq_transfers t WHERE t.depot_id = dr.depot_id AND t.credit = 'driver:' || dr.driver_id || ':wallet' AND ${POSTED}) AS credits,
            (SELECT sum(t.amount) FROM hq_transfers t WHERE t.depot_id = dr.depot_id AND t.debit = 'driver:' || dr.driver_id || ':wallet' AND ${POSTED}) AS debits,
            (SELECT sum(t.amount) FROM hq_transfers t WHERE t.depot_id = dr.depot_id AND t.credit = 'driver:' || dr.driver_id || ':wallet' AND ${POSTED} AND t.code = 'topup') AS topups_fen,
            (SELECT count(*) FROM hq_transfers t WHERE t.depot_id = dr.depot_id AND t.credit = 'driver:' || dr.driver_id || ':wallet' AND ${POSTED} AND t.code = 'topup') AS topups,
            (SELECT sum(t.amount) FROM hq_transfers t WHERE t.depot_id = dr.depot_id AND t.debit = 'driver:' || dr.driver_id || ':wallet' AND ${POSTED} AND ${CHARGE_CODES}) AS charges_fen,
            (SELECT count(*) FROM hq_transfers t WHERE t.depot_id = dr.depot_id AND t.debit = 'driver:' || dr.driver_id || ':wallet' AND ${POSTED} AND ${CHARGE_CODES}) AS charges,
            (SELECT max(t.at) FROM hq_transfers t WHERE t.depot_id = dr.depot_id
              AND (t.credit = 'driver:' || dr.driver_id || ':wallet' OR t.debit = 'driver:' || dr.driver_id || ':wallet')) AS last_at
       FROM hq_drivers dr JOIN hq_depots d ON d.depot_id = dr.depot_id
      WHERE dr.phone = $1
      ORDER BY d.name NULLS LAST, dr.depot_id, dr.driver_id`,
    [wanted],
  );
  const lines = r.rows.map((x): HqDriverLine => {
    const creditsFen = fenOf(x.credits);
    const debitsFen = fenOf(x.debits);
    return {
      depotId: x.depot_id,
      name: x.name,
      driverId: x.driver_id,
      phone: x.phone,
      driverName: x.driver_name,
      creditsFen,
      debitsFen,
      topUpsFen: fenOf(x.topups_fen),
      topUps: fenOf(x.topups),
      chargesFen: fenOf(x.charges_fen),
      charges: fenOf(x.charges),
      balanceFen: fenOf(x.opening) + creditsFen - debitsFen,
      lastAt: x.last_at === null ? null : fenOf(x.last_at),
    };
  });
  return {
    phone: wanted,
    lines,
    totals: {
      balanceFen: lines.reduce((s, l) => s + l.balanceFen, 0),
      topUpsFen: lines.reduce((s, l) => s + l.topUpsFen, 0),
      chargesFen: lines.reduce((s, l) => s + l.chargesFen, 0),
      depots: new Set(lines.map((l) => l.depotId)).size,
    },
  };
}

// ─── consolidated reconciliation ─────────────────────────────────────────────

export interface ReconciliationQuery {
  from: string;
  to: string;
  /** Only this channel (wechat, alipay) / merchant id; all when absent. */
  channel?: string;
  merchantId?: string;
  timeZone?: string;
}

/** One depot's statement for one merchant account and bill day, beside the depot's own clearing that day. */
export interface HqReconDepotLine extends DepotRef {
  statementId: string;
  /** The statement covers other days too: its totals are over all of them (`billDates`). */
  billDates: string[];
  paymentCount: number;
  refundCount: number;
  paymentTotalFen: number;
  refundTotalFen: number;
  feeTotalFen: number;
  netFen: number;
  /** The depot's gateway clearing account over the statement's bill days: payments in (debits), refunds out (credits). */
  clearingInFen: number;
  clearingOutFen: number;
  /** (statement payments − refunds) − (clearing in − out): 0 when the depot booked what the gateway says. */
  differenceFen: number;
}

export interface HqReconRow {
  channel: string;
  merchantId: string | null;
  day: string;
  depots: HqReconDepotLine[];
  totals: { paymentTotalFen: number; refundTotalFen: number; feeTotalFen: number; netFen: number; clearingInFen: number; clearingOutFen: number; differenceFen: number };
}

export interface HqReconciliation {
  from: string;
  to: string;
  timeZone: string;
  /** Merchant account × bill day, newest day first. */
  rows: HqReconRow[];
}

/**
 * Consolidated reconciliation: each merchant account's statements (hq_statements) by bill day,
 * every depot that imported one for that day beside the movements its own ledger booked on that
 * channel's clearing account over the statement's bill days, and the difference.
 */
export async function hqReconciliation(pool: Pool, q: ReconciliationQuery): Promise<HqReconciliation> {
  const zone = q.timeZone ?? HQ_DEFAULT_ZONE;
  const st = await pool.query<{
    depot_id: string;
    statement_id: string;
    channel: string;
    merchant_id: string | null;
    bill_dates: string[];
    day: string;
    payment_count: number;
    refund_count: number;
    payment_total_fen: string;
    refund_total_fen: string;
    fee_total_fen: string;
    net_fen: string;
  }>(
    `SELECT s.depot_id, s.statement_id, s.channel, s.merchant_id, s.bill_dates, b.day,
            s.payment_count, s.refund_count, s.payment_total_fen, s.refund_total_fen, s.fee_total_fen, s.net_fen
       FROM hq_statements s CROSS JOIN LATERAL jsonb_array_elements_text(s.bill_dates) AS b(day)
      WHERE b.day BETWEEN $1 AND $2
        AND ($3::text IS NULL OR s.channel = $3) AND ($4::text IS NULL OR s.merchant_id = $4)
      ORDER BY b.day DESC, s.channel, s.merchant_id NULLS LAST, s.depot_id, s.statement_id`,
    [q.from, q.to, q.channel ?? null, q.merchantId ?? null],
  );
  const clearing = await clearingMovements(pool, zone, st.rows);
  const names = await depotNames(pool);
  const rows: HqReconRow[] = [];
  for (const s of st.rows) {
    const last = rows.at(-1);
    const row =
      last && last.day === s.day && last.channel === s.channel && last.merchantId === s.merchant_id
        ? last
        : (rows[rows.push({ channel: s.channel, merchantId: s.merchant_id, day: s.day, depots: [], totals: zeroTotals() }) - 1] as HqReconRow);
    const account = CLEARING_ACCOUNTS[s.channel];
    let clearingIn = 0;
    let clearingOut = 0;
    for (const day of s.bill_dates) {
      const c = account ? clearing.get(`${s.depot_id}\n${account}\n${day}`) : undefined;
      clearingIn += c?.in ?? 0;
      clearingOut += c?.out ?? 0;
    }
    const line: HqReconDepotLine = {
      depotId: s.depot_id,
      name: names.get(s.depot_id) ?? null,
      statementId: s.statement_id,
      billDates: s.bill_dates,
      paymentCount: s.payment_count,
      refundCount: s.refund_count,
      paymentTotalFen: fenOf(s.payment_total_fen),
      refundTotalFen: fenOf(s.refund_total_fen),
      feeTotalFen: fenOf(s.fee_total_fen),
      netFen: fenOf(s.net_fen),
      clearingInFen: clearingIn,
      clearingOutFen: clearingOut,
      differenceFen: fenOf(s.payment_total_fen) - fenOf(s.refund_total_fen) - (clearingIn - clearingOut),
    };
    row.depots.push(line);
    const t = row.totals;
    t.paymentTotalFen += line.paymentTotalFen;
    t.refundTotalFen += line.refundTotalFen;
    t.feeTotalFen += line.feeTotalFen;
    t.netFen += line.netFen;
    t.clearingInFen += line.clearingInFen;
    t.clearingOutFen += line.clearingOutFen;
    t.differenceFen += line.differenceFen;
  }
  return { from: q.from, to: q.to, timeZone: zone, rows };
}

const zeroTotals = (): HqReconRow['totals'] => ({
  paymentTotalFen: 0,
  refundTotalFen: 0,
  feeTotalFen: 0,
  netFen: 0,
  clearingInFen: 0,
  clearingOutFen: 0,
  differenceFen: 0,
});

/** The clearing movements of every (depot, channel account, day) the statements name, keyed `depot\naccount\nday`. */
async function clearingMovements(
  pool: Pool,
  zone: string,
  statements: readonly { depot_id: string; channel: string; bill_dates: string[] }[],
): Promise<Map<string, { in: number; out: number }>> {
  const wanted = [...new Set(statements.filter((s) => CLEARING_ACCOUNTS[s.channel]).map((s) => s.depot_id))];
  const clearing = new Map<string, { in: number; out: number }>();
  if (wanted.length > 0) {
    const accounts = Object.values(CLEARING_ACCOUNTS);
    const days = [...new Set(statements.flatMap((s) => s.bill_dates))];
    const r = await pool.query<{ depot_id: string; account: string; day: string; in_fen: string | null; out_fen: string | null }>(
      `SELECT depot_id, account, day, sum(in_fen) AS in_fen, sum(out_fen) AS out_fen FROM (
         SELECT t.depot_id, t.debit AS account, ${DAY} AS day, t.amount AS in_fen, 0 AS out_fen FROM hq_transfers t
          WHERE t.depot_id = ANY($2) AND t.debit = ANY($3) AND ${POSTED}
         UNION ALL
         SELECT t.depot_id, t.credit AS account, ${DAY} AS day, 0, t.amount FROM hq_transfers t
          WHERE t.depot_id = ANY($2) AND t.credit = ANY($3) AND ${POSTED}
       ) m WHERE day = ANY($4) GROUP BY depot_id, account, day`,
      [zone, wanted, accounts, days],
    );
    for (const c of r.rows) clearing.set(`${c.depot_id}\n${c.account}\n${c.day}`, { in: fenOf(c.in_fen), out: fenOf(c.out_fen) });
  }
  return clearing;
}
