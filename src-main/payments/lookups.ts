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

/**
 * An order as the match reads it, as an array: the position of its number in the numbers asked
 * for; the order's key (its row number); its id, state, channel, payable and gateway trade number.
 * (Reconciliation's set-based match reads these columns itself, through its allowance in
 * test/structure/sql-ownership.test.ts; the row shapes stay payments'.)
 */
export type OrderMatchRow = [at: number, key: number, id: string, state: OrderState, channel: PaymentChannel, payable: number, providerTradeNo: string | null];

/** A paid order as the match reads it: its id, number, channel, payable and gateway trade number. */
export type PaidOrderRow = [id: string, number: string, channel: PaymentChannel, payable: number, providerTradeNo: string | null];

/** The numbers of the orders among `ids` (ids that are no order are left out): one indexed read. */
export function orderNumbersOf(app: Pick<AppContext, 'sqlite'>, ids: readonly string[]): Record<string, string> {
  if (ids.length === 0) return {};
  const rows = cachedStatement<{ id: string; number: string }>(app.sqlite, 'SELECT o.id, o.number FROM json_each(?) j JOIN payment_orders o ON o.id = j.value').all(
    JSON.stringify(ids),
  );
  return Object.fromEntries(rows.map((r) => [r.id, r.number]));
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
