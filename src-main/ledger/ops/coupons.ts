import { DepotError } from '../../kernel/errors';
import { DEPOT, DEPOT_ACCOUNT_IDS, creditBalance, openCouponAccount } from '../accounts';
import { applyTransfers, runOperation, statements, type LedgerApp, type OperationContext, type Replayable } from '../engine';
import { memoOf, positive, requireDriver, type By } from './common';

/**
 * Amount coupons (金额券): granted at the depot's expense, spent down towards payments, restored
 * when a payment is undone (never beyond what the redeem took), and expired back to coupon expense.
 */

export interface CouponGrantResult {
  key: string;
  couponId: string;
  driverId: string;
  faceFen: number;
  expiresAt: number | null;
  batch: number | null;
}

/** An amount coupon (金额券) worth `amountFen`, spent down across sessions until nothing is left. */
export function grantCoupon(
  app: LedgerApp,
  input: { key: string; driverId: string; amountFen: number; expiresAt?: number | null; campaignId?: string | null; memo?: string | null },
  by: By = {},
): Replayable<CouponGrantResult> {
  const amount = positive(input.amountFen, 'amount');
  const memo = memoOf(input.memo);
  const expiresAt = input.expiresAt ?? null;
  if (expiresAt !== null && !Number.isSafeInteger(expiresAt)) throw new DepotError('invalid_input', 'expiresAt: a time in epoch ms', { field: 'expiresAt' });
  const request = { driverId: input.driverId, amountFen: amount, expiresAt, campaignId: input.campaignId ?? null, memo };
  return runOperation(app, { key: input.key, kind: 'coupon_grant', request, operatorId: by.operatorId }, (cx) => {
    // Checked inside the operation: a replay after the expiry still returns the original grant.
    if (expiresAt !== null && expiresAt <= cx.now) throw new DepotError('invalid_input', 'expiresAt: a coupon expires in the future', { field: 'expiresAt' });
    requireDriver(app, input.driverId);
    const couponId = app.ids.next();
    const accountId = openCouponAccount(cx.batch.sqlite, couponId, input.driverId, cx.now);
    cx.batch.sqlite
      .prepare('INSERT INTO ledger_coupons (id, driver_id, account_id, face, expires_at, campaign_id, grant_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(couponId, input.driverId, accountId, amount, expiresAt, request.campaignId, cx.key, cx.now);
    applyTransfers(cx.batch, [
      { id: cx.key, debitAccountId: DEPOT.couponExpense, creditAccountId: accountId, amount, code: 'coupon_grant', campaignId: request.campaignId, memo },
    ]);
    return { key: cx.key, couponId, driverId: input.driverId, faceFen: amount, expiresAt, batch: cx.batch.number };
  });
}

function couponRow(cx: OperationContext, couponId: string) {
  const c = cx.batch.sqlite
    .prepare<unknown[], { id: string; driverId: string; accountId: string; face: number; expiresAt: number | null }>(
      'SELECT id, driver_id AS driverId, account_id AS accountId, face, expires_at AS expiresAt FROM ledger_coupons WHERE id = ?',
    )
    .get(couponId);
  if (!c) throw new DepotError('not_found', `couponId: no coupon ${couponId}`, { field: 'couponId' });
  return c;
}

const REDEEM_TARGETS = new Set<string>(DEPOT_ACCOUNT_IDS.filter((a) => a !== DEPOT.pointsPool));

export interface RedeemResult {
  key: string;
  transferId: string;
  amountFen: number;
  batch: number | null;
  remainingFen: number;
}

/** Spends part of a coupon towards a payment order; the value goes to `creditAccountId` (a depot account). */
export function redeemCoupon(
  app: LedgerApp,
  input: { key: string; couponId: string; amountFen: number; creditAccountId: string; orderId?: string | null; sessionId?: string | null; memo?: string | null },
  by: By = {},
): Replayable<RedeemResult> {
  const amount = positive(input.amountFen, 'amount');
  if (!REDEEM_TARGETS.has(input.creditAccountId)) {
    throw new DepotError('invalid_input', `creditAccountId: a coupon pays into a depot account (got ${input.creditAccountId})`, { field: 'creditAccountId' });
  }
  const memo = memoOf(input.memo);
  const request = {
    couponId: input.couponId,
    amountFen: amount,
    creditAccountId: input.creditAccountId,
    orderId: input.orderId ?? null,
    sessionId: input.sessionId ?? null,
    memo,
  };
  return runOperation(app, { key: input.key, kind: 'coupon_redeem', request, operatorId: by.operatorId }, (cx) => {
    const c = couponRow(cx, input.couponId);
    if (c.expiresAt !== null && cx.now >= c.expiresAt) {
      throw new DepotError('refused', `couponId: coupon ${c.id} expired at ${new Date(c.expiresAt).toISOString()}`, { field: 'couponId' });
    }
    applyTransfers(cx.batch, [
      {
        id: cx.key,
        debitAccountId: c.accountId,
        creditAccountId: input.creditAccountId,
        amount,
        code: 'coupon_redeem',
        orderId: request.orderId,
        sessionId: request.sessionId,
        memo,
      },
    ]);
    return { key: cx.key, transferId: cx.key, amountFen: amount, batch: cx.batch.number, remainingFen: creditBalance(cx.batch.account(c.accountId)).available };
  });
}

/** Gives back to a coupon what a redeem took (a payment order that was cancelled or timed out). */
export function restoreCoupon(app: LedgerApp, input: { key: string; redeemId: string; amountFen?: number; memo?: string | null }, by: By = {}): Replayable<RedeemResult> {
  if (input.amountFen !== undefined) positive(input.amountFen, 'amount');
  const memo = memoOf(input.memo);
  const request = { redeemId: input.redeemId, amountFen: input.amountFen ?? null, memo };
  return runOperation(app, { key: input.key, kind: 'coupon_restore', request, operatorId: by.operatorId }, (cx) => {
    const s = statements(cx.batch.sqlite);
    const redeem = s.transferById.get(input.redeemId);
    if (!redeem || redeem.code !== 'coupon_redeem') throw new DepotError('not_found', `redeemId: no coupon redeem ${input.redeemId}`, { field: 'redeemId' });
    const left = redeem.amount - (s.reversedSum.get(redeem.id)?.total ?? 0);
    const amount = input.amountFen ?? left;
    if (amount <= 0) throw new DepotError('conflict', `redeemId: ${redeem.id} was already restored in full`, { field: 'redeemId' });
    applyTransfers(cx.batch, [
      {
        id: cx.key,
        debitAccountId: redeem.creditAccountId,
        creditAccountId: redeem.debitAccountId,
        amount,
        code: 'coupon_restore',
        reversesId: redeem.id,
        orderId: redeem.orderId,
        sessionId: redeem.sessionId,
        memo,
      },
    ]);
    return { key: cx.key, transferId: cx.key, amountFen: amount, batch: cx.batch.number, remainingFen: creditBalance(cx.batch.account(redeem.debitAccountId)).available };
  });
}

/** Returns what is left on an expired coupon to coupon expense (its grant is partly undone). */
export function expireCoupon(app: LedgerApp, input: { couponId: string }, by: By = {}): Replayable<RedeemResult> {
  return runOperation(app, { key: `coupon_expire:${input.couponId}`, kind: 'coupon_expire', request: { couponId: input.couponId }, operatorId: by.operatorId }, (cx) => {
    const c = couponRow(cx, input.couponId);
    if (c.expiresAt === null || cx.now < c.expiresAt) {
      throw new DepotError('refused', `couponId: coupon ${c.id} has not expired`, { field: 'couponId', expiresAt: c.expiresAt });
    }
    const left = creditBalance(cx.batch.account(c.accountId)).available;
    if (left > 0) {
      applyTransfers(cx.batch, [{ id: cx.key, debitAccountId: c.accountId, creditAccountId: DEPOT.couponExpense, amount: left, code: 'coupon_expire' }]);
    }
    return { key: cx.key, transferId: cx.key, amountFen: left, batch: cx.batch.number, remainingFen: 0 };
  });
}
