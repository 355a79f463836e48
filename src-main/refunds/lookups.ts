import type { AppContext } from '../kernel/context';
import { cachedStatement } from '../kernel/db/statements';
import type { RefundResolution, RefundTaskState } from './schema';

/**
 * What reconciliation reads of refund tasks: a statement's refund row names our task by its id
 * (商户退款单号 / out_request_no is the task id), and the refunds the gateway paid in a day should
 * each appear on a statement. Read-only.
 */

export interface RefundForMatching {
  id: string;
  state: RefundTaskState;
  channel: 'wechat' | 'alipay';
  orderNumber: string;
  amount: number;
  completedAt: number | null;
  resolution: RefundResolution | null;
  driverId: string | null;
}

const TASK = `SELECT id, state, channel, order_number AS orderNumber, amount, completed_at AS completedAt, resolution, driver_id AS driverId FROM refund_tasks`;

export function refundForMatching(app: Pick<AppContext, 'sqlite'>, taskId: string): RefundForMatching | undefined {
  return cachedStatement<RefundForMatching>(app.sqlite, `${TASK} WHERE id = ?`).get(taskId);
}

/**
 * Refunds the gateway paid in [from, to): completed through the gateway, not those an operator
 * marked paid outside it (those never reach a statement).
 */
export function gatewayRefundsBetween(app: Pick<AppContext, 'sqlite'>, from: number, to: number): RefundForMatching[] {
  return cachedStatement<RefundForMatching>(
    app.sqlite,
    `${TASK} WHERE state = 'completed' AND resolution IS NULL AND completed_at >= ? AND completed_at < ? ORDER BY completed_at, id`,
  ).all(from, to);
}

export interface AdjustmentFact {
  id: string;
  driverId: string;
  state: string;
  amount: number;
  createdAt: number;
}

/** Manual adjustments (售后退款: a driver disputing a charge) opened since `since`, oldest first: risk control counts them per driver. */
export function adjustmentsSince(app: Pick<AppContext, 'sqlite'>, since: number): AdjustmentFact[] {
  return cachedStatement<AdjustmentFact>(
    app.sqlite,
    'SELECT id, driver_id AS driverId, state, amount, created_at AS createdAt FROM refund_adjustments WHERE created_at >= ? ORDER BY created_at, id',
  ).all(since);
}
