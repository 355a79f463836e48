/**
 * A statement line's reference (关联单号): the business number people quote for what the line is
 * about, never the ledger's own key or an internal id (issue 16). In order:
 * - the session's number (CD…) for a session's hold, charge, debt or refund;
 * - the payment order's number (DD…): by the line's order, or from its key (or the key of the
 *   transfer it reverses) — an order's money moves are keyed `pay:<DD…>` and `order:<DD…>`
 *   (src-main/payments/orders.ts, orderLedgerKeys), the payment itself carrying no order id;
 * - for a debt collected or written off, the number of the session or order that left the debt
 *   (a debt has no number of its own; the Ledger page's debts list names it the same way);
 * - a compensation campaign's batch number, or the gateway's trade number (a payment matched in
 *   reconciliation, a 长款 credited);
 * - otherwise nothing (the screen shows a dash): a counter top-up, points or coupons granted by
 *   hand. The ledger key stays in the export's 流水号 column for whoever traces a line.
 * Plain (no React): the statement export words its 关联单号 with it too.
 */

export interface ReferenceLine {
  transferId: string;
  reversesId: string | null;
  sessionId: string | null;
  orderId: string | null;
  campaignId: string | null;
  statementRow: string | null;
  debtId: string | null;
}

/** Numbers known for ids: undefined for an id not known (yet), which is then not shown. */
export interface ReferenceNumbers {
  session(id: string): string | undefined;
  order(id: string): string | undefined;
  /** The debt's session or order, by id. */
  debt(id: string): { sessionId: string | null; orderId: string | null } | undefined;
}

const ORDER_KEY = /^(?:pay|order):(DD\d+)(?=$|[:#])/;

/** The payment order number a ledger key is made under (pay:DD…, order:DD…:coupon …), if any. */
export function orderNumberOfKey(key: string | null | undefined): string | undefined {
  return key ? ORDER_KEY.exec(key)?.[1] : undefined;
}

export function statementReference(l: ReferenceLine, n: ReferenceNumbers): string | null {
  const debt = l.debtId ? n.debt(l.debtId) : undefined;
  return (
    (l.sessionId ? n.session(l.sessionId) : undefined) ??
    (l.orderId ? n.order(l.orderId) : undefined) ??
    orderNumberOfKey(l.transferId) ??
    orderNumberOfKey(l.reversesId) ??
    (debt?.sessionId ? n.session(debt.sessionId) : undefined) ??
    (debt?.orderId ? n.order(debt.orderId) : undefined) ??
    l.statementRow ??
    null
  );
}
