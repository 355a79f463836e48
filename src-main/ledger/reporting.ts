import type { AppContext } from '../kernel/context';
import { allRows } from '../kernel/db/rows';
import type { AccountType } from './schema';

/**
 * What the accountants' reports read of the ledger, for a period [from, to): posted movements only
 * (single transfers and posted holds; a pending hold is not yet money moved, a void moves nothing).
 *
 * Guarantees (test/reports/ledger-ties.test.ts):
 * - The trial balance balances: over all accounts of a unit, period debits equal period credits,
 *   and opening and closing balances sum to zero (double entry).
 * - A period ending now closes every account at its posted balance, the figure `ledger verify`
 *   recomputes from the transfers.
 */

export interface TrialLine {
  /** A depot account's id (depot:cash_drawer), or a driver account type summed over every driver (wallet, debt …). */
  account: string;
  type: AccountType;
  unit: 'CNY' | 'points';
  /** Balances as credits − debits (what the depot owes or earned is positive; assets and expenses negative). */
  opening: number;
  debits: number;
  credits: number;
  closing: number;
  /** Driver accounts of this type that moved in the period (0 for a depot account). */
  accounts: number;
}

interface SideRow {
  account: string;
  type: AccountType;
  unit: 'CNY' | 'points';
  driver: number;
  before: number;
  during: number;
}

const POSTED = "t.phase IN ('single', 'post')";

function side(app: Pick<AppContext, 'sqlite'>, column: 'debit_account_id' | 'credit_account_id', from: number, to: number): SideRow[] {
  return allRows<SideRow>(
    app.sqlite.prepare(
      `SELECT a.id AS account, a.type, a.unit, a.driver_id IS NOT NULL AS driver,
              coalesce(sum(t.amount) FILTER (WHERE t.created_at < @from), 0) AS before,
              coalesce(sum(t.amount) FILTER (WHERE t.created_at >= @from), 0) AS during
       FROM ledger_transfers t JOIN ledger_accounts a ON a.id = t.${column}
       WHERE ${POSTED} AND t.created_at < @to
       GROUP BY a.id`,
    ),
    { from, to },
  );
}

/** Driver and coupon accounts are summed by type; the depot's own accounts are shown one by one. */
function lineKey(r: SideRow): string {
  return r.driver || r.type === 'coupon' ? `drivers:${r.type}` : r.account;
}

export function trialBalance(app: Pick<AppContext, 'sqlite'>, from: number, to: number): TrialLine[] {
  const lines = new Map<string, TrialLine & { moved: Set<string> }>();
  const line = (r: SideRow) => {
    const key = lineKey(r);
    let l = lines.get(key);
    if (!l) lines.set(key, (l = { account: key, type: r.type, unit: r.unit, opening: 0, debits: 0, credits: 0, closing: 0, accounts: 0, moved: new Set() }));
    if (key.startsWith('drivers:') && r.during > 0) l.moved.add(r.account);
    return l;
  };
  for (const r of side(app, 'debit_account_id', from, to)) {
    const l = line(r);
    l.opening -= r.before;
    l.debits += r.during;
  }
  for (const r of side(app, 'credit_account_id', from, to)) {
    const l = line(r);
    l.opening += r.before;
    l.credits += r.during;
  }
  return [...lines.values()]
    .map(({ moved, ...l }) => ({ ...l, closing: l.opening + l.credits - l.debits, accounts: moved.size }))
    .sort((a, b) => a.unit.localeCompare(b.unit) || a.account.localeCompare(b.account));
}

export interface MovementByCode {
  /** The account type on the other side of the movement's account (wallet, debt …). */
  type: AccountType;
  code: string;
  /** Into accounts of `type` (credits) and out of them (debits), in the period. */
  credits: number;
  debits: number;
}

/** Posted movements in and out of each driver account type, by transfer code: a wallet's top-ups, spending, refunds, compensation. */
export function driverMovements(app: Pick<AppContext, 'sqlite'>, from: number, to: number): MovementByCode[] {
  return allRows<MovementByCode>(
    app.sqlite.prepare(
      `SELECT type, code, sum(credits) AS credits, sum(debits) AS debits FROM (
         SELECT a.type, t.code, t.amount AS credits, 0 AS debits FROM ledger_transfers t JOIN ledger_accounts a ON a.id = t.credit_account_id
         WHERE ${POSTED} AND a.driver_id IS NOT NULL AND t.created_at >= @from AND t.created_at < @to
         UNION ALL
         SELECT a.type, t.code, 0, t.amount FROM ledger_transfers t JOIN ledger_accounts a ON a.id = t.debit_account_id
         WHERE ${POSTED} AND a.driver_id IS NOT NULL AND t.created_at >= @from AND t.created_at < @to
       ) GROUP BY type, code ORDER BY type, code`,
    ),
    { from, to },
  );
}

export interface CouponOutstanding {
  coupons: number;
  faceFen: number;
  remainingFen: number;
}

/** Amount coupons with something left on them: their face (granted) and what remains. */
export function couponsOutstanding(app: Pick<AppContext, 'sqlite'>): CouponOutstanding {
  return allRows<CouponOutstanding>(
    app.sqlite.prepare(
      `SELECT count(*) AS coupons, coalesce(sum(credits_posted), 0) AS faceFen, coalesce(sum(credits_posted - debits_posted), 0) AS remainingFen
       FROM ledger_accounts WHERE type = 'coupon' AND credits_posted - debits_posted > 0`,
    ),
  )[0];
}
