import type { AppContext } from '../kernel/context';
import { DepotError, expectChanges } from '../kernel/errors';
import { afterCommit } from '../kernel/db/after-commit';
import { writeTx } from '../kernel/db/connection';
import { debtCollected, netRefundedFen, refundFromWallet, refundToWallet, walletView } from '../ledger';
import { Decimal, formatFen, roundFenHalfUp } from '../money';
import { operatorRef } from '../operators';
import { findOrder } from '../payments';
import { findSession } from '../sessions';
import type { AdjustmentState, AdjustmentTarget } from './schema';
import { createTaskInTx } from './tasks';
import { expectRow } from '../kernel/db/rows';

/**
 * Manual adjustments (人工调账 / 售后退款): an operator gives back money a driver paid for one
 * charging session or one payment order, and a supervisor who is not that operator approves it.
 *
 * Guarantees (each has a test in test/refunds/adjustments.test.ts):
 *  1. An adjustment never asks for more than is left: what was paid, minus what was already
 *     refunded, minus what the other pending adjustments of the same session or order claim. The
 *     check and the insert are one BEGIN IMMEDIATE transaction, so two pending requests can never
 *     together exceed what was paid.
 *  2. The operator who created an adjustment can neither approve nor reject it; the core refuses,
 *     whatever door the call came through. An approval or rejection names its operator.
 *  3. An adjustment resolves once: pending → approved or pending → rejected, by a guarded UPDATE
 *     whose row count is checked, in the same transaction as the money it moves.
 *  4. A rejected adjustment moves no money.
 *  5. An approved session adjustment credits the wallet once (ledger refundToWallet, code refund,
 *     key adjust:<id>, memo "售后退款：<reason>"), split into electricity and service revenue
 *     in proportion to the session's price; the split never gives back more of either leg than the
 *     session charged, however many adjustments there are (cumulative rounding, below).
 *  6. An approved order adjustment takes the amount out of the wallet into refunds payable
 *     (ledger refundFromWallet, key adjust:<id>) and creates its refund task in the same
 *     transaction; if the wallet no longer has the money, the approval is refused and nothing
 *     changes.
 *
 * Rounding of the session split: after this adjustment the session has had R fen back in all;
 * the electricity part of all of it is round_half_up(R × electricity ÷ (electricity + service)),
 * and this adjustment's electricity part is that minus what earlier adjustments gave back as
 * electricity. The service part is the rest. Because the rule is applied to the running total,
 * rounding never accumulates: all refunds of a session together stay within each leg.
 */

type App = AppContext;

export interface AdjustmentRow {
  id: string;
  target: AdjustmentTarget;
  sessionId: string | null;
  orderId: string | null;
  driverId: string;
  amount: number;
  electricityFen: number | null;
  serviceFen: number | null;
  reason: string;
  state: AdjustmentState;
  createdBy: string;
  createdAt: number;
  resolvedBy: string | null;
  resolvedAt: number | null;
  resolutionNote: string | null;
  ledgerKey: string | null;
  refundTaskId: string | null;
  updatedAt: number;
}

const COLUMNS = `id, target, session_id AS sessionId, order_id AS orderId, driver_id AS driverId, amount, electricity_fen AS electricityFen,
  service_fen AS serviceFen, reason, state, created_by AS createdBy, created_at AS createdAt, resolved_by AS resolvedBy, resolved_at AS resolvedAt,
  resolution_note AS resolutionNote, ledger_key AS ledgerKey, refund_task_id AS refundTaskId, updated_at AS updatedAt`;

export type AdjustmentRef = { sessionId: string; orderId?: undefined } | { orderId: string; sessionId?: undefined };

export interface AdjustmentLimit {
  target: AdjustmentTarget;
  sessionId: string | null;
  /** The session's number as people quote it (CD…), for a session. */
  sessionNumber: string | null;
  orderId: string | null;
  orderNumber: string | null;
  driverId: string;
  /** What the driver actually paid for it. */
  paidFen: number;
  /** Given back already (the ledger's refund transfers, less corrections of them). */
  refundedFen: number;
  /** Claimed by adjustments still waiting for approval. */
  claimedFen: number;
  availableFen: number;
  /** Session only: the price legs the split is proportional to. */
  electricityFen: number | null;
  serviceFen: number | null;
}

function announce(app: App, adjustmentId: string, taskId: string | null, reason: string, driverIds: string[] = []): void {
  afterCommit(app.sqlite, () => {
    app.events.emit('refunds.changed', { adjustmentId, taskId, reason });
    if (driverIds.length > 0) app.events.emit('ledger.changed', { driverIds, reason: `refunds.${reason}` });
    app.events.emit('dashboard.changed', { reason: `refunds.${reason}` });
  });
}

export function memoFor(reason: string): string {
  return `售后退款：${reason}`;
}

function cleanText(value: string | undefined | null, field: string, opts: { required: boolean; max: number; what: string }): string | null {
  const v = (value ?? '').trim();
  if (!v) {
    if (opts.required) throw new DepotError('invalid_input', `${field}: ${opts.what}`, { field });
    return null;
  }
  if (v.length > opts.max) throw new DepotError('invalid_input', `${field}: at most ${opts.max} characters`, { field });
  return v;
}

function claimedByPending(app: App, column: 'session_id' | 'order_id', id: string, except: string | null): number {
  const r = expectRow<{ v: number }>(
    app.sqlite.prepare(`SELECT coalesce(sum(amount), 0) AS v FROM refund_adjustments WHERE ${column} = ? AND state = 'pending' AND id IS NOT ?`),
    id,
    except,
  );
  return r.v;
}

/** What can still be given back for a session or a payment order (`except`: leave one pending adjustment out). */
export function adjustmentLimit(app: App, ref: AdjustmentRef, except: string | null = null): AdjustmentLimit {
  if (ref.sessionId !== undefined) {
    const s = findSession(app, ref.sessionId);
    if (!s) throw new DepotError('not_found', `sessionId: no session ${ref.sessionId}`, { field: 'sessionId', reason: 'no_session', ref: ref.sessionId });
    // The reasons and the number let the screens word these refusals as people know the session.
    if (s.state !== 'PAID' && s.state !== 'UNPAID') {
      throw new DepotError('refused', `sessionId: session ${s.number} is ${s.state}; only a settled session (PAID or UNPAID) was paid for`, {
        field: 'sessionId',
        reason: 'session_not_settled',
        number: s.number,
        state: s.state,
      });
    }
    if (!s.driverId) {
      throw new DepotError('refused', `sessionId: session ${s.number} has no driver to give money back to`, {
        field: 'sessionId',
        reason: 'session_no_driver',
        number: s.number,
      });
    }
    // Money actually paid: the hold and the wallet at settlement, and what the session's debt has collected since.
    const collected = s.debtId ? (debtCollected(app, s.debtId) ?? 0) : 0;
    const paidFen = (s.paidHoldFen ?? 0) + (s.paidWalletFen ?? 0) + collected;
    const refundedFen = netRefundedFen(app, { sessionId: s.id });
    const claimedFen = claimedByPending(app, 'session_id', s.id, except);
    return {
      target: 'session',
      sessionId: s.id,
      sessionNumber: s.number,
      orderId: null,
      orderNumber: null,
      driverId: s.driverId,
      paidFen,
      refundedFen,
      claimedFen,
      availableFen: Math.max(0, paidFen - refundedFen - claimedFen),
      electricityFen: s.electricityFen ?? 0,
      serviceFen: s.serviceFen ?? 0,
    };
  }
  const o = findOrder(app, ref.orderId);
  if (!o) throw new DepotError('not_found', `orderId: no payment order ${ref.orderId}`, { field: 'orderId', reason: 'no_order', ref: ref.orderId });
  if (o.state !== 'PAID') {
    throw new DepotError('refused', `orderId: order ${o.number} is ${o.state}; only a PAID order can be refunded`, {
      field: 'orderId',
      reason: 'order_not_paid',
      number: o.number,
      state: o.state,
    });
  }
  // What went through the gateway; the coupon, points and package bonus were never the driver's cash.
  const paidFen = o.payable;
  const refundedFen = netRefundedFen(app, { orderId: o.id });
  const claimedFen = claimedByPending(app, 'order_id', o.id, except);
  return {
    target: 'order',
    sessionId: null,
    sessionNumber: null,
    orderId: o.id,
    orderNumber: o.number,
    driverId: o.driverId,
    paidFen,
    refundedFen,
    claimedFen,
    availableFen: Math.max(0, paidFen - refundedFen - claimedFen),
    electricityFen: null,
    serviceFen: null,
  };
}

export function getAdjustment(app: Pick<App, 'sqlite'>, id: string): AdjustmentRow {
  const a = app.sqlite.prepare<unknown[], AdjustmentRow>(`SELECT ${COLUMNS} FROM refund_adjustments WHERE id = ?`).get(id);
  if (!a) throw new DepotError('not_found', `adjustmentId: no adjustment ${id}`, { field: 'adjustmentId' });
  return a;
}

export function listAdjustments(app: Pick<App, 'sqlite'>, opts: { state?: AdjustmentState; limit?: number; offset?: number } = {}): AdjustmentRow[] {
  return app.sqlite
    .prepare<unknown[], AdjustmentRow>(
      `SELECT ${COLUMNS} FROM refund_adjustments ${opts.state ? 'WHERE state = @state' : ''} ORDER BY created_at DESC, id DESC LIMIT @limit OFFSET @offset`,
    )
    .all({ state: opts.state, limit: opts.limit ?? 200, offset: opts.offset ?? 0 });
}

/** How many adjustments a list with the same state filter holds in all (for its pager). */
export function countAdjustments(app: Pick<App, 'sqlite'>, opts: { state?: AdjustmentState } = {}): number {
  return app.sqlite
    .prepare<unknown[], { n: number }>(`SELECT count(*) AS n FROM refund_adjustments ${opts.state ? 'WHERE state = @state' : ''}`)
    .get({ state: opts.state })!.n;
}

export interface CreateAdjustmentInput {
  sessionId?: string;
  orderId?: string;
  amountFen: number;
  reason: string;
  /**
   * The adjustment's id when the caller brings its own idempotency key (a headquarters command's
   * id): created once under it; a second create with it is a conflict. Otherwise a new ULID.
   */
  id?: string;
}

export function createAdjustment(app: App, input: CreateAdjustmentInput, by: { operatorId: string | null }): AdjustmentRow {
  if (!by.operatorId) throw new DepotError('unauthenticated', 'an adjustment is created by a signed-in operator', { field: 'operator' });
  if ((input.sessionId ? 1 : 0) + (input.orderId ? 1 : 0) !== 1) {
    throw new DepotError('invalid_input', 'sessionId / orderId: name exactly one session or one payment order', { field: input.sessionId ? 'orderId' : 'sessionId' });
  }
  if (!Number.isSafeInteger(input.amountFen) || input.amountFen <= 0) throw new DepotError('invalid_input', 'amount: at least 0.01', { field: 'amount' });
  const reason = cleanText(input.reason, 'reason', { required: true, max: 200, what: 'say why the money goes back (the driver sees it on the statement)' })!;
  const ref: AdjustmentRef = input.sessionId ? { sessionId: input.sessionId } : { orderId: input.orderId! };
  const id = input.id ?? app.ids.next();
  const row = writeTx(app.sqlite, () => {
    if (input.id !== undefined && app.sqlite.prepare('SELECT 1 FROM refund_adjustments WHERE id = ?').get(id) !== undefined) {
      throw new DepotError('conflict', `adjustment ${id} already exists: this request was made before`, { field: 'id', reason: 'already_created' });
    }
    const limit = adjustmentLimit(app, ref);
    if (input.amountFen > limit.availableFen) {
      throw new DepotError(
        'refused',
        `amount: ¥${formatFen(input.amountFen)} is more than the ¥${formatFen(limit.availableFen)} left ` +
          `(paid ¥${formatFen(limit.paidFen)}, refunded ¥${formatFen(limit.refundedFen)}, waiting for approval ¥${formatFen(limit.claimedFen)})`,
        { field: 'amount', reason: 'over_refundable', amountFen: input.amountFen, limit },
      );
    }
    const now = app.clock.now();
    app.sqlite
      .prepare(
        `INSERT INTO refund_adjustments (id, target, session_id, order_id, driver_id, amount, reason, state, created_by, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)`,
      )
      .run(id, limit.target, limit.sessionId, limit.orderId, limit.driverId, input.amountFen, reason, by.operatorId, now, now);
    return getAdjustment(app, id);
  });
  announce(app, id, null, 'adjustment_created');
  return row;
}

function refuseCreator(a: AdjustmentRow, operatorId: string | null, what: 'approve' | 'reject'): string {
  if (!operatorId) throw new DepotError('unauthenticated', `a signed-in supervisor ${what}s an adjustment`, { field: 'operator' });
  if (operatorId === a.createdBy) {
    throw new DepotError('forbidden', `adjustment ${a.id}: you created it, so another supervisor must ${what} it`, {
      field: 'adjustmentId',
      reason: 'requester_cannot_decide',
      createdBy: a.createdBy,
    });
  }
  return operatorId;
}

/** A decided adjustment is refused naming who decided it, by name (an operator id means nothing to the one who lost the race). */
function requirePending(app: App, a: AdjustmentRow): void {
  if (a.state !== 'pending') {
    const by = a.resolvedBy ? operatorRef(app, a.resolvedBy).name : null;
    throw new DepotError('conflict', `adjustment ${a.id} was already ${a.state}${by ? ` by ${by}` : ''}`, {
      field: 'adjustmentId',
      reason: by ? `already_${a.state}` : undefined,
      state: a.state,
      by,
    });
  }
}

/** The session split by the cumulative rule in the header comment. */
function sessionSplit(app: App, a: AdjustmentRow, limit: AdjustmentLimit): { electricityFen: number; serviceFen: number } {
  const e = limit.electricityFen ?? 0;
  const s = limit.serviceFen ?? 0;
  const before = expectRow<{ total: number; electricity: number }>(
    app.sqlite.prepare(
      "SELECT coalesce(sum(amount), 0) AS total, coalesce(sum(electricity_fen), 0) AS electricity FROM refund_adjustments WHERE session_id = ? AND state = 'approved' AND id != ?",
    ),
    a.sessionId,
    a.id,
  );
  if (e + s <= 0) return { electricityFen: 0, serviceFen: a.amount };
  const cumulative = roundFenHalfUp(new Decimal(before.total + a.amount).times(e).dividedBy(e + s));
  const electricityFen = Math.min(Math.max(cumulative - before.electricity, 0), a.amount);
  return { electricityFen, serviceFen: a.amount - electricityFen };
}

export interface ApproveResult {
  adjustment: AdjustmentRow;
  taskId: string | null;
}

export function approveAdjustment(app: App, id: string, input: { note?: string | null }, by: { operatorId: string | null }): ApproveResult {
  const note = cleanText(input.note, 'note', { required: false, max: 500, what: '' });
  const r = writeTx(app.sqlite, (): ApproveResult => {
    const a = getAdjustment(app, id);
    const approver = refuseCreator(a, by.operatorId, 'approve');
    requirePending(app, a);
    const now = app.clock.now();
    const ref: AdjustmentRef = a.sessionId ? { sessionId: a.sessionId } : { orderId: a.orderId! };
    const limit = adjustmentLimit(app, ref, a.id);
    if (a.amount > limit.availableFen) {
      throw new DepotError('refused', `adjustment ${a.id}: ¥${formatFen(a.amount)} is more than the ¥${formatFen(limit.availableFen)} left to refund`, {
        field: 'amount',
        reason: 'over_refundable',
        amountFen: a.amount,
        limit,
      });
    }
    const key = `adjust:${a.id}`;
    expectChanges(
      app.sqlite
        .prepare(
          `UPDATE refund_adjustments SET state = 'approved', resolved_by = ?, resolved_at = ?, resolution_note = ?, ledger_key = ?, updated_at = ?
           WHERE id = ? AND state = 'pending'`,
        )
        .run(approver, now, note, key, now, a.id),
      1,
      `approve adjustment ${a.id}`,
    );
    const memo = memoFor(a.reason);
    if (a.target === 'session') {
      const split = sessionSplit(app, a, limit);
      refundToWallet(
        app,
        { key, driverId: a.driverId, electricityFen: split.electricityFen, serviceFen: split.serviceFen, sessionId: a.sessionId, memo },
        { operatorId: approver },
      );
      expectChanges(
        app.sqlite
          .prepare("UPDATE refund_adjustments SET electricity_fen = ?, service_fen = ? WHERE id = ? AND state = 'approved'")
          .run(split.electricityFen, split.serviceFen, a.id),
        1,
        `record the split of adjustment ${a.id}`,
      );
      return { adjustment: getAdjustment(app, a.id), taskId: null };
    }
    const order = findOrder(app, a.orderId!)!;
    const available = walletView(app, a.driverId).wallet.availableFen;
    if (available < a.amount) {
      throw new DepotError(
        'insufficient_funds',
        `adjustment ${a.id}: the driver's wallet has ¥${formatFen(available)} available, less than the ¥${formatFen(a.amount)} to send back through ${order.channel}; ` +
          'the top-up was partly spent, so refund a session instead or ask the driver to top up',
        { field: 'amount', reason: 'wallet_spent', availableFen: available, amountFen: a.amount },
      );
    }
    refundFromWallet(app, { key, driverId: a.driverId, amountFen: a.amount, orderId: order.id, memo }, { operatorId: approver });
    const taskId = createTaskInTx(app, {
      source: 'adjustment',
      adjustmentId: a.id,
      unmatchedId: null,
      driverId: a.driverId,
      orderId: order.id,
      orderNumber: order.number,
      amountFen: a.amount,
      totalFen: order.payable,
      channel: order.channel,
      reason: memo,
      refundKey: key,
      createdBy: approver,
    });
    expectChanges(
      app.sqlite.prepare("UPDATE refund_adjustments SET refund_task_id = ? WHERE id = ? AND state = 'approved' AND refund_task_id IS NULL").run(taskId, a.id),
      1,
      `link refund task ${taskId} to adjustment ${a.id}`,
    );
    return { adjustment: getAdjustment(app, a.id), taskId };
  });
  announce(app, id, r.taskId, 'adjustment_approved', [r.adjustment.driverId]);
  return r;
}

export function rejectAdjustment(app: App, id: string, input: { note: string }, by: { operatorId: string | null }): AdjustmentRow {
  const note = cleanText(input.note, 'note', { required: true, max: 500, what: 'say why it is rejected (the creator reads it)' });
  const r = writeTx(app.sqlite, () => {
    const a = getAdjustment(app, id);
    const rejecter = refuseCreator(a, by.operatorId, 'reject');
    requirePending(app, a);
    const now = app.clock.now();
    expectChanges(
      app.sqlite
        .prepare(
          `UPDATE refund_adjustments SET state = 'rejected', resolved_by = ?, resolved_at = ?, resolution_note = ?, updated_at = ? WHERE id = ? AND state = 'pending'`,
        )
        .run(rejecter, now, note, now, a.id),
      1,
      `reject adjustment ${a.id}`,
    );
    return getAdjustment(app, a.id);
  });
  announce(app, id, null, 'adjustment_rejected');
  return r;
}
