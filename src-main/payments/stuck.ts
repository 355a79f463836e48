import type { AppContext } from '../kernel/context';
import { DepotError, expectChanges } from '../kernel/errors';
import { writeTx } from '../kernel/db/connection';
import { expectRow } from '../kernel/db/rows';
import { raiseAlert, resolveAlert } from '../alerts';
import { restoreCoupon, restorePoints, transfersUnderKeys } from '../ledger';
import { announce, getOrder, markCancelled, orderCoupon, orderLedgerKeys, type OrderRow } from './orders';
import type { StuckRepairAction } from './schema';

/**
 * Expired orders whose cancel keeps being refused (issue 21's "stuck work gets a tool").
 *
 * The timeout job cancels each expired order in its own transaction with its coupon and points
 * restore (orders.ts, guarantee 4). A guard can refuse that cancel for good — the order's coupon
 * record is `consumed` where a restore needs `applied`, a restore is already in the ledger, the
 * points redeem is missing — and then the job would fail on the same order every minute, forever.
 *
 * Guarantees (test/payments/stuck.test.ts):
 *  1. Every refused cancel of the timeout job is counted on its order (attempts, first and last
 *     failure, the last error), in a transaction of its own after the cancel rolled back whole:
 *     a refused cancel still leaves nothing half-written.
 *  2. At payments.stuckCancelAttempts refusals (3) the order is parked: the job skips it from
 *     then on and succeeds for the others, and one urgent alert `payments.cancel_stuck` names
 *     it. Before that, the job fails as it always did (retried; job_failing after its streak).
 *  3. A parked order stays PENDING_PAYMENT and moves no money until a supervisor repairs it,
 *     in one transaction, with a note, audited (a contract command), choosing:
 *       - restore_from_ledger: cancel it and give back the coupon amount the ledger's own
 *         coupon_redeem transfer (order:<no>:coupon) took, whatever its coupon record says (the
 *         record becomes `restored`), and its points from their redeem transfer. The restores keep
 *         their usual idempotency keys, so a coupon already given back under the order's key is
 *         not given back twice; a coupon given back in full some other way is refused, naming it.
 *       - mark_resolved: cancel it and restore nothing (the supervisor found the coupon and
 *         points already settled some other way; the note says how).
 *     Either way the stuck row records who, when, which action and the note, and the alert is
 *     resolved with the same words. A second repair, or a repair of an order not parked, is refused.
 *  4. A payment that arrives for a parked order is taken as usual (confirmPayment); the next run of
 *     the timeout job finds the order no longer pending, closes its stuck row as 'paid' by the
 *     system and resolves its alert.
 */

export interface StuckOrder {
  orderId: string;
  number: string;
  attempts: number;
  firstFailedAt: number;
  lastFailedAt: number;
  lastErrorCode: string;
  lastError: string;
  parkedAt: number | null;
  repairedAt: number | null;
  repairedBy: string | null;
  repairAction: StuckRepairAction | null;
  repairNote: string | null;
}

const STUCK_COLUMNS = `s.order_id AS orderId, o.number AS number, s.attempts, s.first_failed_at AS firstFailedAt, s.last_failed_at AS lastFailedAt,
  s.last_error_code AS lastErrorCode, s.last_error AS lastError, s.parked_at AS parkedAt, s.repaired_at AS repairedAt,
  s.repaired_by AS repairedBy, s.repair_action AS repairAction, s.repair_note AS repairNote`;

/** The alert's subject: one open alert per stuck order. */
export const stuckSubject = (number: string) => `payments.cancel_stuck:${number}`;

export function stuckOrderOf(app: Pick<AppContext, 'sqlite'>, orderId: string): StuckOrder | null {
  return (
    app.sqlite
      .prepare<unknown[], StuckOrder>(`SELECT ${STUCK_COLUMNS} FROM payment_order_stuck s JOIN payment_orders o ON o.id = s.order_id WHERE s.order_id = ?`)
      .get(orderId) ?? null
  );
}

/** Parked orders still waiting for a repair, oldest first. */
export function parkedOrders(app: Pick<AppContext, 'sqlite'>): StuckOrder[] {
  return app.sqlite
    .prepare<unknown[], StuckOrder>(
      `SELECT ${STUCK_COLUMNS} FROM payment_order_stuck s JOIN payment_orders o ON o.id = s.order_id
        WHERE s.parked_at IS NOT NULL AND s.repaired_at IS NULL ORDER BY s.parked_at, s.order_id`,
    )
    .all();
}

/** SQL the timeout job adds to its query: parked orders are not its to cancel. */
export const NOT_PARKED = 'id NOT IN (SELECT order_id FROM payment_order_stuck WHERE parked_at IS NOT NULL AND repaired_at IS NULL)';

/**
 * Counts a refused cancel of the timeout job on its order (guarantee 1) and parks the order when
 * the count reaches payments.stuckCancelAttempts (guarantee 2). Returns whether it is parked now.
 */
export function recordRefusedCancel(app: AppContext, order: OrderRow, error: DepotError): { parked: boolean; attempts: number } {
  const now = app.clock.now();
  const limit = app.config.payments.stuckCancelAttempts;
  return writeTx(app.sqlite, () => {
    const row = expectRow<{ attempts: number; parkedAt: number | null }>(
      app.sqlite.prepare(
        `INSERT INTO payment_order_stuck (order_id, attempts, first_failed_at, last_failed_at, last_error_code, last_error)
         VALUES (@orderId, 1, @now, @now, @code, @message)
         ON CONFLICT (order_id) DO UPDATE SET attempts = attempts + 1, last_failed_at = excluded.last_failed_at,
           last_error_code = excluded.last_error_code, last_error = excluded.last_error
         RETURNING attempts, parked_at AS parkedAt`,
      ),
      { orderId: order.id, now, code: String(error.code), message: error.message },
    );
    if (row.parkedAt !== null || row.attempts < limit) return { parked: row.parkedAt !== null, attempts: row.attempts };
    expectChanges(
      app.sqlite.prepare('UPDATE payment_order_stuck SET parked_at = ? WHERE order_id = ? AND parked_at IS NULL').run(now, order.id),
      1,
      `park payment order ${order.number}`,
    );
    raiseAlert(app, {
      code: 'payments.cancel_stuck',
      level: 'urgent',
      subject: stuckSubject(order.number),
      message: `支付订单 ${order.number} 超时后取消 ${row.attempts} 次被拒，已停止自动取消，等待主管修复 (钱包与账本 → 收款与订单 → 支付订单): ${error.message}`,
      details: { orderId: order.id, number: order.number, attempts: row.attempts, code: error.code, error: error.message },
    });
    return { parked: true, attempts: row.attempts };
  });
}

/**
 * Guarantee 4: parked orders that a payment took meanwhile are closed as 'paid' with their alert.
 * Returns the numbers closed.
 */
export function closePaidParked(app: AppContext): string[] {
  const paid = app.sqlite
    .prepare<unknown[], { orderId: string; number: string }>(
      `SELECT s.order_id AS orderId, o.number FROM payment_order_stuck s JOIN payment_orders o ON o.id = s.order_id
        WHERE s.parked_at IS NOT NULL AND s.repaired_at IS NULL AND o.state = 'PAID'`,
    )
    .all();
  for (const p of paid) {
    writeTx(app.sqlite, () => {
      closeStuck(app, p.orderId, { action: 'paid', by: 'system', note: 'the order was paid while it was parked' });
      resolveAlert(app, stuckSubject(p.number), {
        message: `order ${p.number} was paid while parked; nothing to repair`,
        code: 'order_paid_while_parked',
        params: { number: p.number },
      });
    });
  }
  return paid.map((p) => p.number);
}

function closeStuck(app: AppContext, orderId: string, r: { action: StuckRepairAction; by: string; note: string }): void {
  expectChanges(
    app.sqlite
      .prepare(
        `UPDATE payment_order_stuck SET repaired_at = ?, repaired_by = ?, repair_action = ?, repair_note = ?
          WHERE order_id = ? AND parked_at IS NOT NULL AND repaired_at IS NULL`,
      )
      .run(app.clock.now(), r.by, r.action, r.note, orderId),
    1,
    `close the stuck record of order ${orderId}`,
  );
}

export interface RepairInput {
  order: string;
  action: Exclude<StuckRepairAction, 'paid'>;
  note: string;
}

export interface RepairResult {
  order: OrderRow;
  stuck: StuckOrder;
  restoredCouponFen: number;
  restoredPoints: number;
  /** Restores the ledger already had under the order's keys (given back earlier, not again). */
  alreadyRestored: ('coupon' | 'points')[];
}

/** Guarantee 3: a supervisor finishes a parked order's cancel. */
export function repairStuckOrder(app: AppContext, input: RepairInput, by: { operatorId: string | null; name: string }): RepairResult {
  const r = writeTx(app.sqlite, () => {
    const order = getOrder(app, input.order);
    const stuck = stuckOrderOf(app, order.id);
    if (!stuck || stuck.parkedAt === null) throw new DepotError('refused', `order ${order.number} is not parked; only parked orders are repaired`, { field: 'order' });
    if (stuck.repairedAt !== null) {
      throw new DepotError('conflict', `order ${order.number} was already repaired (${stuck.repairAction} by ${stuck.repairedBy})`, { field: 'order' });
    }
    markCancelled(app, order, `timeout; repaired by ${by.name} (${input.action}): ${input.note}`);
    const restored = input.action === 'restore_from_ledger' ? restoreFromLedger(app, order, by) : { couponFen: 0, points: 0, already: [] };
    closeStuck(app, order.id, { action: input.action, by: by.name, note: input.note });
    // The supervisor's note is theirs, kept as typed; the words around it are the screens'.
    resolveAlert(
      app,
      stuckSubject(order.number),
      {
        message: `repaired by ${by.name}: ${input.action} — ${input.note}`,
        code: 'order_repaired',
        params: { number: order.number, action: input.action, note: input.note },
      },
      by.name,
    );
    return {
      order: getOrder(app, order.id),
      stuck: stuckOrderOf(app, order.id)!,
      restoredCouponFen: restored.couponFen,
      restoredPoints: restored.points,
      alreadyRestored: restored.already,
    };
  });
  announce(app, r.order.id, null, 'order_repaired', [r.order.driverId]);
  return r;
}

/**
 * The coupon and points back as the ledger recorded their redeems, whatever the order's record
 * says. A restore the ledger already holds under the order's key is not made again.
 */
function restoreFromLedger(app: AppContext, order: OrderRow, by: { operatorId: string | null }): { couponFen: number; points: number; already: ('coupon' | 'points')[] } {
  const out = { couponFen: 0, points: 0, already: [] as ('coupon' | 'points')[] };
  const transfers = transfersUnderKeys(app, orderLedgerKeys(order.number));
  const find = (code: string) => transfers.find((t) => t.code === code);
  if (order.couponFen > 0) {
    const redeem = find('coupon_redeem');
    if (!redeem)
      throw new DepotError('refused', `the ledger shows no coupon redeem for order ${order.number}: nothing to restore from; choose mark_resolved`, { field: 'action' });
    if (find('coupon_restore')) out.already.push('coupon');
    else {
      const memo = `支付订单 ${order.number} 取消 (主管修复)，退回用券`;
      out.couponFen = restoreCoupon(app, { key: `order:${order.number}:coupon_restore`, redeemId: redeem.id, amountFen: redeem.amount, memo }, by).amountFen;
    }
    const record = orderCoupon(app, order.id);
    if (record && record.status !== 'restored') {
      expectChanges(
        app.sqlite
          .prepare("UPDATE order_coupons SET status = 'restored', changed_at = ? WHERE order_id = ? AND status = ?")
          .run(app.clock.now(), order.id, record.status),
        1,
        `mark the coupon record of order ${order.number} restored (it was ${record.status})`,
      );
    }
  }
  if (order.points > 0) {
    const redeem = order.pointsRedeemId ?? find('points_redeem')?.id;
    if (!redeem)
      throw new DepotError('refused', `the ledger shows no points redeem for order ${order.number}: nothing to restore from; choose mark_resolved`, { field: 'action' });
    if (find('points_restore')) out.already.push('points');
    else {
      const memo = `支付订单 ${order.number} 取消 (主管修复)，退回积分`;
      out.points = restorePoints(app, { key: `order:${order.number}:points_restore`, redeemId: redeem, points: order.points, memo }, by).points;
    }
  }
  return out;
}
