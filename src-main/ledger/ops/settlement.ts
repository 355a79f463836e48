import { DepotError } from '../../kernel/errors';
import { creditBalance, driverAccountId } from '../accounts';
import { applyTransfers, runOperation, type LedgerApp, type OperationContext, type Replayable } from '../engine';
import { memoOf, nonNegative, requireDriver, walletOf, type By, type WalletBalances } from './common';
import { driverHold, releasedHold } from './holds';
import { legsDue, payLegs, refuseSecondSettlement, type LegDue } from './legs';

/**
 * Settlement: what a session (or order) costs is paid in one operation (`settle:<session>`), from
 * coupons, the session's hold, the wallet and, for the rest, a debt. A session is settled once.
 */

export interface SettleInput {
  /** Deterministic, e.g. settle:<sessionId>: a session is settled once. */
  key: string;
  driverId: string;
  sessionId?: string | null;
  orderId?: string | null;
  /** The session's hold, if one was placed. */
  holdId?: string | null;
  electricityFen: number;
  serviceFen: number;
  /** Amount coupons the driver chose to use, applied in this order before any wallet money. */
  couponIds?: string[];
  memo?: string | null;
}

export interface SettleResult {
  key: string;
  driverId: string;
  sessionId: string | null;
  orderId: string | null;
  dueFen: number;
  electricityFen: number;
  serviceFen: number;
  paid: { couponsFen: number; holdFen: number; walletFen: number; debtFen: number };
  coupons: { couponId: string; amountFen: number }[];
  couponsSkipped: { couponId: string; reason: string }[];
  hold: { holdId: string; postedFen: number; releasedFen: number; expired: boolean } | null;
  debtId: string | null;
  batch: number | null;
  transferIds: string[];
  wallet: WalletBalances;
}

/**
 * Settles what a session (or order) costs, split into electricity and service revenue, in one
 * transaction. Money is taken in this order: the chosen coupons, the session's hold (the unused
 * part of it is released), the wallet's available balance, and whatever is still missing becomes
 * a debt of the driver (a debt record plus its ledger entry). Each source pays electricity first.
 * A hold that was already expired or released pays nothing and the rest follows; a hold that was
 * already posted is a conflict (the session would be charged twice).
 * The sessions domain's settleSession prices a finished session and calls this with the figures.
 */
export function postSessionCharge(app: LedgerApp, input: SettleInput, by: By = {}): Replayable<SettleResult> {
  const electricity = nonNegative(input.electricityFen, 'electricityFen');
  const service = nonNegative(input.serviceFen, 'serviceFen');
  const memo = memoOf(input.memo);
  const request = {
    driverId: input.driverId,
    sessionId: input.sessionId ?? null,
    orderId: input.orderId ?? null,
    holdId: input.holdId ?? null,
    electricityFen: electricity,
    serviceFen: service,
    couponIds: input.couponIds ?? [],
    memo,
  };
  return runOperation(app, { key: input.key, kind: 'settle', request, operatorId: by.operatorId }, (cx) => {
    requireDriver(app, input.driverId);
    if (request.sessionId) refuseSecondSettlement(cx, request.sessionId);
    const driverId = input.driverId;
    const p: Payment = {
      cx,
      driverId,
      legs: legsDue(electricity, service),
      refs: { sessionId: request.sessionId, orderId: request.orderId, memo },
      transferIds: [],
    };
    const fromCoupons = payFromCoupons(p, request.couponIds);
    const fromHold = request.holdId ? payFromHold(p, request.holdId) : { hold: null, paidFen: 0 };
    const walletFen = payFromWallet(p);
    const shortfall = bookShortfall(app, p);
    return {
      key: cx.key,
      driverId,
      sessionId: request.sessionId,
      orderId: request.orderId,
      dueFen: electricity + service,
      electricityFen: electricity,
      serviceFen: service,
      paid: { couponsFen: fromCoupons.paidFen, holdFen: fromHold.paidFen, walletFen, debtFen: shortfall.debtFen },
      coupons: fromCoupons.coupons,
      couponsSkipped: fromCoupons.skipped,
      hold: fromHold.hold,
      debtId: shortfall.debtId,
      batch: cx.batch.number,
      transferIds: p.transferIds,
      wallet: walletOf(cx, driverId),
    };
  });
}

/** One settlement's payment in progress: what each leg still owes, and the transfers made so far. */
interface Payment {
  cx: OperationContext;
  driverId: string;
  legs: LegDue[];
  refs: { sessionId: string | null; orderId: string | null; memo: string | null };
  transferIds: string[];
}

function owing(p: Payment): number {
  return p.legs.reduce((s, l) => s + l.due, 0);
}

/** The chosen coupons first, in the driver's order; one that cannot pay is skipped, with the reason. */
function payFromCoupons(p: Payment, couponIds: string[]): { paidFen: number; coupons: SettleResult['coupons']; skipped: SettleResult['couponsSkipped'] } {
  const { cx } = p;
  const out = { paidFen: 0, coupons: [] as SettleResult['coupons'], skipped: [] as SettleResult['couponsSkipped'] };
  for (const couponId of new Set(couponIds)) {
    if (owing(p) <= 0) break;
    const coupon = cx.batch.sqlite
      .prepare<unknown[], { driverId: string; accountId: string; expiresAt: number | null }>(
        'SELECT driver_id AS driverId, account_id AS accountId, expires_at AS expiresAt FROM ledger_coupons WHERE id = ?',
      )
      .get(couponId);
    if (!coupon || coupon.driverId !== p.driverId) {
      out.skipped.push({ couponId, reason: 'not a coupon of this driver' });
      continue;
    }
    if (coupon.expiresAt !== null && cx.now >= coupon.expiresAt) {
      out.skipped.push({ couponId, reason: `expired at ${new Date(coupon.expiresAt).toISOString()}` });
      continue;
    }
    const available = creditBalance(cx.batch.account(coupon.accountId)).available;
    const take = Math.min(available, owing(p));
    if (take <= 0) {
      out.skipped.push({ couponId, reason: 'nothing left on the coupon' });
      continue;
    }
    payLegs(cx, p.legs, { account: coupon.accountId, label: `coupon:${couponId}`, amount: take, code: 'coupon_redeem' }, p.refs, p.transferIds);
    out.coupons.push({ couponId, amountFen: take });
    out.paidFen += take;
  }
  return out;
}

/**
 * Then the session's hold: posted up to what is owed, the rest released. A hold already released
 * or past its expiry pays nothing; one already posted is refused by driverHold (a second charge).
 */
function payFromHold(p: Payment, holdId: string): { hold: SettleResult['hold']; paidFen: number } {
  const { cx, driverId, refs } = p;
  const released = releasedHold(cx, holdId, driverId);
  if (released) {
    // The expiry job or an operator released the hold before the session ended: the session
    // is still owed, so the wallet (and, failing that, a debt) pays instead.
    return { hold: { holdId: released.id, postedFen: 0, releasedFen: 0, expired: released.status === 'expired' }, paidFen: 0 };
  }
  const h = driverHold(cx, holdId);
  if (h.driverId !== driverId) throw new DepotError('refused', `holdId: hold ${h.id} is not on driver ${driverId}'s wallet`, { field: 'holdId' });
  if (cx.now >= h.expiresAt) {
    // The expiry job has not got to it yet; expiring it here lets the wallet pay instead.
    applyTransfers(cx.batch, [{ id: `${cx.key}#expire`, phase: 'void', pendingId: h.id, code: 'hold_expire', sessionId: h.sessionId }]);
    p.transferIds.push(`${cx.key}#expire`);
    return { hold: { holdId: h.id, postedFen: 0, releasedFen: h.amount, expired: true }, paidFen: 0 };
  }
  const take = Math.min(h.amount, owing(p));
  if (take > 0) {
    applyTransfers(cx.batch, [{ id: `${cx.key}#post`, phase: 'post', pendingId: h.id, amount: take, code: 'hold_post', sessionId: h.sessionId, memo: refs.memo }]);
    p.transferIds.push(`${cx.key}#post`);
    payLegs(cx, p.legs, { account: driverAccountId(driverId, 'held'), label: 'hold', amount: take }, refs, p.transferIds);
  } else {
    applyTransfers(cx.batch, [{ id: `${cx.key}#void`, phase: 'void', pendingId: h.id, code: 'hold_void', sessionId: h.sessionId, memo: refs.memo }]);
    p.transferIds.push(`${cx.key}#void`);
  }
  return { hold: { holdId: h.id, postedFen: take, releasedFen: h.amount - take, expired: false }, paidFen: take };
}

/** Then the wallet's available balance. */
function payFromWallet(p: Payment): number {
  if (owing(p) <= 0) return 0;
  const wallet = driverAccountId(p.driverId, 'wallet');
  const take = Math.min(creditBalance(p.cx.batch.account(wallet)).available, owing(p));
  if (take <= 0) return 0;
  return payLegs(p.cx, p.legs, { account: wallet, label: 'wallet', amount: take }, p.refs, p.transferIds);
}

/** Whatever is still missing becomes a debt of the driver: a debt record plus its ledger entry. */
function bookShortfall(app: LedgerApp, p: Payment): { debtId: string | null; debtFen: number } {
  const { cx, driverId, refs } = p;
  const shortfall = owing(p);
  if (shortfall <= 0) return { debtId: null, debtFen: 0 };
  const debtId = app.ids.next();
  cx.batch.sqlite
    .prepare(
      `INSERT INTO ledger_debts (id, driver_id, amount, collected, written_off, status, session_id, order_id, operation_key, created_at)
       VALUES (?, ?, ?, 0, 0, 'open', ?, ?, ?, ?)`,
    )
    .run(debtId, driverId, shortfall, refs.sessionId, refs.orderId, cx.key, cx.now);
  const debtFen = payLegs(cx, p.legs, { account: driverAccountId(driverId, 'debt'), label: 'debt', amount: shortfall, code: 'debt', debtId }, refs, p.transferIds);
  return { debtId, debtFen };
}
