import type { AppContext } from '../kernel/context';
import { DepotError } from '../kernel/errors';
import { writeTx } from '../kernel/db/connection';
import { createAdjustment, type AdjustmentRow } from '../refunds';
import { approveReview, reviewQueuePage, type SessionRow } from '../sessions';

/**
 * The review queue (大额订单审核): sessions held before settlement (above
 * sessions.reviewAboveFen, unknown id tags, no tariff, a bad meter) and flagged late starts.
 *
 * Guarantees (test/risk/reviews.test.ts):
 * - Approval is by someone other than whoever started the session (the core refuses it in
 *   sessions.approveReview, so every door is held to it); approving settles the session.
 * - Rejecting a charge does not change a balance by hand: the session is settled as metered and a
 *   manual adjustment (售后退款) of the contested amount is opened on it, which a second supervisor
 *   approves or rejects through the refunds path. The reviewer says how much is contested (all of
 *   it by default) and why.
 */

export function reviews(app: AppContext, page: { limit: number; offset: number }): { total: number; sessions: SessionRow[] } {
  return reviewQueuePage(app, page);
}

export function approve(app: AppContext, sessionId: string, input: { driverId?: string; note?: string }, by: { operatorId: string }): SessionRow {
  return approveReview(app, { sessionId, driverId: input.driverId, note: input.note }, by);
}

export function reject(
  app: AppContext,
  sessionId: string,
  input: { note: string; contestedFen?: number; driverId?: string },
  by: { operatorId: string },
): { session: SessionRow; adjustment: AdjustmentRow | null } {
  const note = input.note.trim();
  if (!note) throw new DepotError('invalid_input', 'note: say what is wrong with the charge', { field: 'note' });
  // One transaction: settled and the adjustment opened, or neither.
  return writeTx(app.sqlite, () => {
    const session = approveReview(app, { sessionId, driverId: input.driverId, note: `拒绝 rejected: ${note}` }, by);
    const paid = session.amountFen ?? 0;
    const contested = input.contestedFen ?? paid;
    if (contested > paid) throw new DepotError('invalid_input', `contestedFen: at most what the session cost (${paid} fen)`, { field: 'contestedFen' });
    if (contested <= 0 || paid <= 0) return { session, adjustment: null };
    const adjustment = createAdjustment(app, { sessionId, amountFen: contested, reason: `审核拒绝 ${note}` }, by);
    return { session, adjustment };
  });
}
