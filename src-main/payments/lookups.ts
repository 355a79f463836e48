import type { Statement } from 'better-sqlite3';
import type { AppContext } from '../kernel/context';
import { cachedStatement } from '../kernel/db/statements';
import type { OrderState, PaymentChannel, UnmatchedState } from './schema';

/**
 * What reconciliation reads of payments, by key or by day, through prepared statements it can run a
 * million times: a statement row's order by number (one, or a statement page's at once), the orders
 * paid in a period (their totals, and all but those a statement already showed), and the 长款 a gateway trade was already recorded as.
 * Read-only; nothing here changes an order.
 */

export interface OrderForMatching {
  id: string;
  number: string;
  driverId: string;
  state: OrderState;
  channel: PaymentChannel;
  payable: number;
  providerTradeNo: string | null;
  paidAt: number | null;
}

const ORDER = `SELECT id, number, driver_id AS driverId, state, channel, payable, provider_trade_no AS providerTradeNo, paid_at AS paidAt FROM payment_orders`;

export function orderForMatching(app: Pick<AppContext, 'sqlite'>, number: string): OrderForMatching | undefined {
  return cachedStatement<OrderForMatching>(app.sqlite, `${ORDER} WHERE number = ?`).get(number);
}

// `+state`: the period is read through payment_orders_paid's paid_at range. Without the `+` SQLite
// plans over payment_orders_state_created (state = 'PAID') and sorts every PAID order ever made.
const PAID_BETWEEN = `WHERE paid_at IS NOT NULL AND paid_at >= @from AND paid_at < @to AND +state = 'PAID'`;

/**
 * An order as a statement page's match reads it, as an array: the position of its number in the
 * numbers asked for; the order's key (its row number: an integer unique to the order, for sets of
 * orders inside one transaction — a VACUUM may renumber it); its id, state, channel, payable and
 * gateway trade number.
 */
export type OrderMatchRow = [at: number, key: number, id: string, state: OrderState, channel: PaymentChannel, payable: number, providerTradeNo: string | null];

const ORDERS_BY_NUMBER = `SELECT j.key, o.rowid, o.id, o.state, o.channel, o.payable, o.provider_trade_no
  FROM json_each(?) j JOIN payment_orders o ON o.number = j.value`;

/** Raw-mode statements of a handle (raw mode is never shared through cachedStatement). */
const rawStatements = new WeakMap<AppContext['sqlite'], Map<string, Statement<unknown[], unknown[]>>>();

function rawStatement<Row extends unknown[]>(sqlite: AppContext['sqlite'], sql: string): Statement<unknown[], Row> {
  let byHandle = rawStatements.get(sqlite);
  if (!byHandle) rawStatements.set(sqlite, (byHandle = new Map()));
  let st = byHandle.get(sql);
  if (!st) byHandle.set(sql, (st = sqlite.prepare<unknown[], unknown[]>(sql).raw()));
  // Each SQL text here is prepared for one row type: the caller's, named beside its SQL.
  return st as Statement<unknown[], Row>;
}

/**
 * The orders of many numbers at once (a page of a statement, a few thousand at most): one query
 * through the unique number index instead of one per number. A number with no order gives no row;
 * the rows come in no promised order (each names its number's position).
 */
export function ordersForMatchingByNumbers(app: Pick<AppContext, 'sqlite'>, numbers: readonly string[]): OrderMatchRow[] {
  if (numbers.length === 0) return [];
  return rawStatement<OrderMatchRow>(app.sqlite, ORDERS_BY_NUMBER).all(JSON.stringify(numbers));
}

/** A paid order as paidOrdersBetweenExcept gives it: its id, number, channel, payable and gateway trade number. */
export type PaidOrderRow = [id: string, number: string, channel: PaymentChannel, payable: number, providerTradeNo: string | null];

/** What the orders paid in [from, to) add up to, per channel. */
export function paidTotalsBetween(app: Pick<AppContext, 'sqlite'>, from: number, to: number): { channel: PaymentChannel; count: number; fen: number }[] {
  return cachedStatement<{ channel: PaymentChannel; count: number; fen: number }>(
    app.sqlite,
    `SELECT channel, count(*) AS count, sum(payable) AS fen FROM payment_orders ${PAID_BETWEEN} GROUP BY channel ORDER BY channel`,
  ).all({ from, to });
}

// SQLite reads the keys into a temporary index once, when the statement starts.
const PAID_EXCEPT = `SELECT id, number, channel, payable, provider_trade_no FROM payment_orders ${PAID_BETWEEN}
  AND rowid NOT IN (SELECT value FROM json_each(@keys)) ORDER BY paid_at, id`;

/**
 * The orders paid in [from, to), oldest payment first (then by id), except those whose keys (as
 * OrderMatchRow gives them, in the same transaction) are given: for a day of a million payments of
 * which the statement pages already showed nearly all. One statement, read one order at a time.
 */
export function paidOrdersBetweenExcept(app: Pick<AppContext, 'sqlite'>, from: number, to: number, keys: readonly number[]): IterableIterator<PaidOrderRow> {
  return rawStatement<PaidOrderRow>(app.sqlite, PAID_EXCEPT).iterate({ from, to, keys: JSON.stringify(keys) });
}

export interface UnmatchedForMatching {
  id: string;
  status: UnmatchedState;
  amount: number;
  driverId: string | null;
}

/** The 长款 record of a gateway trade, if a notification or a 补单 already recorded it. */
export function unmatchedByTrade(app: Pick<AppContext, 'sqlite'>, channel: PaymentChannel, tradeNo: string): UnmatchedForMatching | undefined {
  return cachedStatement<UnmatchedForMatching>(
    app.sqlite,
    'SELECT id, status, amount, driver_id AS driverId FROM unmatched_payments WHERE channel = ? AND provider_trade_no = ?',
  ).get(channel, tradeNo);
}

/** A trade's 长款 record under any channel (a generic statement does not say which gateway). */
export function unmatchedByTradeAnyChannel(app: Pick<AppContext, 'sqlite'>, tradeNo: string): (UnmatchedForMatching & { channel: PaymentChannel }) | undefined {
  return cachedStatement<UnmatchedForMatching & { channel: PaymentChannel }>(
    app.sqlite,
    'SELECT id, channel, status, amount, driver_id AS driverId FROM unmatched_payments WHERE provider_trade_no = ? ORDER BY channel LIMIT 1',
  ).get(tradeNo);
}
