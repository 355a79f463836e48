import { DepotError } from '../../kernel/errors';
import { creditBalance, driverAccountId } from '../accounts';
import { applyTransfers, runOperation, statements, type LedgerApp, type OperationContext, type Replayable } from '../engine';
import { memoOf, nonNegative, positive, requireDriver, walletOf, type By, type WalletBalances } from './common';
import { legsDue, payLegs, refuseSecondSettlement } from './legs';

/**
 * Holds (冻结): money frozen in a wallet for a session. Held money counts against the wallet from
 * the moment the hold is placed, and a hold resolves at most once: posted (all or part, the rest
 * released in the same transaction), voided, or expired; past its expiry it can only be expired.
 */

export interface PlaceHoldInput {
  key: string;
  driverId: string;
  amountFen: number;
  expiresAt: number;
  sessionId?: string | null;
  /** Hold what is available, up to amountFen, instead of refusing when the wallet is short. */
  partial?: boolean;
  memo?: string | null;
}

export interface HoldResult {
  key: string;
  holdId: string;
  driverId: string;
  amountFen: number;
  requestedFen: number;
  expiresAt: number;
  batch: number | null;
  wallet: WalletBalances;
}

/** Freezes money in the wallet (冻结): it stops being available at once, and stays the driver's until posted. */
export function placeHold(app: LedgerApp, input: PlaceHoldInput, by: By = {}): Replayable<HoldResult> {
  const requested = positive(input.amountFen, 'amount');
  const memo = memoOf(input.memo);
  const request = {
    driverId: input.driverId,
    amountFen: requested,
    expiresAt: input.expiresAt,
    sessionId: input.sessionId ?? null,
    partial: Boolean(input.partial),
    memo,
  };
  return runOperation(app, { key: input.key, kind: 'hold', request, operatorId: by.operatorId }, (cx) => {
    requireDriver(app, input.driverId);
    const wallet = driverAccountId(input.driverId, 'wallet');
    let amount = requested;
    if (input.partial) {
      amount = Math.min(requested, creditBalance(cx.batch.account(wallet)).available);
      if (amount <= 0) {
        throw new DepotError('insufficient_funds', 'the wallet has 0.00 yuan available; nothing can be held', { account: wallet, needed: requested, available: 0 });
      }
    }
    applyTransfers(cx.batch, [
      {
        id: cx.key,
        debitAccountId: wallet,
        creditAccountId: driverAccountId(input.driverId, 'held'),
        amount,
        code: 'hold',
        phase: 'pending',
        expiresAt: input.expiresAt,
        sessionId: input.sessionId ?? null,
        memo,
      },
    ]);
    return {
      key: cx.key,
      holdId: cx.key,
      driverId: input.driverId,
      amountFen: amount,
      requestedFen: requested,
      expiresAt: input.expiresAt,
      batch: cx.batch.number,
      wallet: walletOf(cx, input.driverId),
    };
  });
}

interface DriverHold {
  id: string;
  driverId: string;
  amount: number;
  expiresAt: number;
  status: string;
  sessionId: string | null;
  debitAccountId: string;
}

export function driverHold(cx: OperationContext, holdId: string): DriverHold {
  const hold = statements(cx.batch.sqlite).holdById.get(holdId);
  if (!hold) throw new DepotError('not_found', `holdId: no hold ${holdId}`, { field: 'holdId' });
  if (!hold.driverId || hold.debitAccountId !== driverAccountId(hold.driverId, 'wallet')) {
    throw new DepotError('refused', `holdId: ${holdId} is not a hold on a driver's wallet`, { field: 'holdId' });
  }
  if (hold.status !== 'pending') {
    throw new DepotError('conflict', `holdId: hold ${holdId} was already ${hold.status} (by ${hold.resolvedBy}); a hold resolves once`, {
      field: 'holdId',
      status: hold.status,
      resolvedBy: hold.resolvedBy,
    });
  }
  return { ...hold, driverId: hold.driverId };
}

/**
 * A hold of this driver that was already voided or expired, or null. A posted hold is not
 * "released": settling against it again would charge twice, and driverHold refuses it.
 */
export function releasedHold(cx: OperationContext, holdId: string, driverId: string): { id: string; status: string } | null {
  const hold = statements(cx.batch.sqlite).holdById.get(holdId);
  if (!hold || (hold.status !== 'voided' && hold.status !== 'expired')) return null;
  if (hold.debitAccountId !== driverAccountId(driverId, 'wallet')) {
    throw new DepotError('refused', `holdId: hold ${holdId} is not on driver ${driverId}'s wallet`, { field: 'holdId' });
  }
  return { id: hold.id, status: hold.status };
}

export interface PostHoldInput {
  key: string;
  holdId: string;
  electricityFen: number;
  serviceFen: number;
  memo?: string | null;
}

export interface PostHoldResult {
  key: string;
  holdId: string;
  driverId: string;
  postedFen: number;
  releasedFen: number;
  electricityFen: number;
  serviceFen: number;
  batch: number | null;
  transferIds: string[];
  wallet: WalletBalances;
}

/**
 * Posts part or all of a hold into electricity and service revenue; the rest is released to the
 * wallet in the same transaction. To also take a shortfall from the wallet and book a debt, use
 * postSessionCharge.
 */
export function postHold(app: LedgerApp, input: PostHoldInput, by: By = {}): Replayable<PostHoldResult> {
  const electricity = nonNegative(input.electricityFen, 'electricityFen');
  const service = nonNegative(input.serviceFen, 'serviceFen');
  const memo = memoOf(input.memo);
  if (electricity + service <= 0) throw new DepotError('invalid_input', 'amount: nothing to post; void the hold instead', { field: 'amount' });
  const request = { holdId: input.holdId, electricityFen: electricity, serviceFen: service, memo };
  return runOperation(app, { key: input.key, kind: 'hold_post', request, operatorId: by.operatorId }, (cx) => {
    const hold = driverHold(cx, input.holdId);
    if (hold.sessionId) refuseSecondSettlement(cx, hold.sessionId);
    const due = electricity + service;
    if (due > hold.amount) {
      throw new DepotError('invalid_input', `amount: ${due} fen is more than the ${hold.amount} fen held; postSessionCharge takes the rest from the wallet`, {
        field: 'amount',
        held: hold.amount,
      });
    }
    const transferIds: string[] = [];
    for (const r of applyTransfers(cx.batch, [{ id: cx.key, phase: 'post', pendingId: hold.id, amount: due, code: 'hold_post', sessionId: hold.sessionId, memo }])) {
      transferIds.push(r.id);
    }
    payLegs(
      cx,
      legsDue(electricity, service),
      { account: driverAccountId(hold.driverId, 'held'), label: 'hold', amount: due },
      { sessionId: hold.sessionId, orderId: null, memo },
      transferIds,
    );
    return {
      key: cx.key,
      holdId: hold.id,
      driverId: hold.driverId,
      postedFen: due,
      releasedFen: hold.amount - due,
      electricityFen: electricity,
      serviceFen: service,
      batch: cx.batch.number,
      transferIds,
      wallet: walletOf(cx, hold.driverId),
    };
  });
}

export interface ReleaseResult {
  key: string;
  holdId: string;
  driverId: string;
  releasedFen: number;
  status: 'voided' | 'expired';
  batch: number | null;
  wallet: WalletBalances;
}

/** Releases a whole hold back to the wallet (a session that never started, an operator's release). */
export function voidHold(app: LedgerApp, input: { key: string; holdId: string; memo?: string | null }, by: By = {}): Replayable<ReleaseResult> {
  const memo = memoOf(input.memo);
  return runOperation(app, { key: input.key, kind: 'hold_void', request: { holdId: input.holdId, memo }, operatorId: by.operatorId }, (cx) => {
    const hold = driverHold(cx, input.holdId);
    applyTransfers(cx.batch, [{ id: cx.key, phase: 'void', pendingId: hold.id, code: 'hold_void', sessionId: hold.sessionId, memo }]);
    return {
      key: cx.key,
      holdId: hold.id,
      driverId: hold.driverId,
      releasedFen: hold.amount,
      status: 'voided' as const,
      batch: cx.batch.number,
      wallet: walletOf(cx, hold.driverId),
    };
  });
}

/**
 * Expires one hold whose time has come (the hold-expiry job calls this). Its key is derived from
 * the hold, so running it twice, or from two processes, expires the hold once.
 */
export function expireHold(app: LedgerApp, input: { holdId: string }, by: By = {}): Replayable<ReleaseResult> {
  return runOperation(app, { key: `expire:${input.holdId}`, kind: 'hold_expire', request: { holdId: input.holdId }, operatorId: by.operatorId }, (cx) => {
    const hold = driverHold(cx, input.holdId);
    applyTransfers(cx.batch, [{ id: cx.key, phase: 'void', pendingId: hold.id, code: 'hold_expire', sessionId: hold.sessionId }]);
    return {
      key: cx.key,
      holdId: hold.id,
      driverId: hold.driverId,
      releasedFen: hold.amount,
      status: 'expired' as const,
      batch: cx.batch.number,
      wallet: walletOf(cx, hold.driverId),
    };
  });
}

export interface ExpireDueResult {
  expired: ReleaseResult[];
  /** Holds that another writer resolved between the listing and the expiry. */
  skipped: { holdId: string; reason: string }[];
}

/** Expires every hold past its expiry, each in its own short transaction, oldest expiry first. */
export function expireDueHolds(app: LedgerApp, opts: { limit?: number } = {}, by: By = {}): ExpireDueResult {
  const due = app.sqlite
    .prepare<unknown[], { id: string }>("SELECT id FROM ledger_holds WHERE status = 'pending' AND expires_at <= ? ORDER BY expires_at, id LIMIT ?")
    .all(app.clock.now(), opts.limit ?? 1000);
  const out: ExpireDueResult = { expired: [], skipped: [] };
  for (const { id } of due) {
    try {
      out.expired.push(expireHold(app, { holdId: id }, by));
    } catch (e) {
      if (e instanceof DepotError && (e.code === 'conflict' || e.code === 'refused')) out.skipped.push({ holdId: id, reason: e.message });
      else throw e;
    }
  }
  return out;
}
