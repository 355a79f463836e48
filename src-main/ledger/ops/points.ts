import { DepotError } from '../../kernel/errors';
import { DEPOT, creditBalance, driverAccountId } from '../accounts';
import { applyTransfers, runOperation, statements, type LedgerApp, type OperationContext, type Replayable } from '../engine';
import { memoOf, requireDriver, type By } from './common';

/**
 * Points (积分): their own unit, never mixed with money in a transfer; a restore never gives back
 * more than the redeem took.
 */

export interface PointsResult {
  key: string;
  driverId: string;
  points: number;
  transferId: string;
  batch: number | null;
  balance: number;
}

function positivePoints(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0 || value > 1_000_000_000) {
    throw new DepotError('invalid_input', `points: a whole number of points from 1 to 1000000000 (got ${JSON.stringify(value)})`, { field: 'points' });
  }
  return value;
}

function pointsBalance(cx: OperationContext, driverId: string): number {
  return creditBalance(cx.batch.account(driverAccountId(driverId, 'points'))).available;
}

/** Points (积分) are their own unit: they never mix with money in a transfer. */
export function grantPoints(
  app: LedgerApp,
  input: { key: string; driverId: string; points: number; campaignId?: string | null; sessionId?: string | null; memo?: string | null },
  by: By = {},
): Replayable<PointsResult> {
  const points = positivePoints(input.points);
  const memo = memoOf(input.memo);
  const request = { driverId: input.driverId, points, campaignId: input.campaignId ?? null, sessionId: input.sessionId ?? null, memo };
  return runOperation(app, { key: input.key, kind: 'points_grant', request, operatorId: by.operatorId }, (cx) => {
    requireDriver(app, input.driverId);
    applyTransfers(cx.batch, [
      {
        id: cx.key,
        debitAccountId: DEPOT.pointsPool,
        creditAccountId: driverAccountId(input.driverId, 'points'),
        amount: points,
        code: 'points_grant',
        campaignId: request.campaignId,
        sessionId: request.sessionId,
        memo,
      },
    ]);
    return { key: cx.key, driverId: input.driverId, points, transferId: cx.key, batch: cx.batch.number, balance: pointsBalance(cx, input.driverId) };
  });
}

export function redeemPoints(
  app: LedgerApp,
  input: { key: string; driverId: string; points: number; orderId?: string | null; sessionId?: string | null; memo?: string | null },
  by: By = {},
): Replayable<PointsResult> {
  const points = positivePoints(input.points);
  const memo = memoOf(input.memo);
  const request = { driverId: input.driverId, points, orderId: input.orderId ?? null, sessionId: input.sessionId ?? null, memo };
  return runOperation(app, { key: input.key, kind: 'points_redeem', request, operatorId: by.operatorId }, (cx) => {
    requireDriver(app, input.driverId);
    applyTransfers(cx.batch, [
      {
        id: cx.key,
        debitAccountId: driverAccountId(input.driverId, 'points'),
        creditAccountId: DEPOT.pointsPool,
        amount: points,
        code: 'points_redeem',
        orderId: request.orderId,
        sessionId: request.sessionId,
        memo,
      },
    ]);
    return { key: cx.key, driverId: input.driverId, points, transferId: cx.key, batch: cx.batch.number, balance: pointsBalance(cx, input.driverId) };
  });
}

export function restorePoints(app: LedgerApp, input: { key: string; redeemId: string; points?: number; memo?: string | null }, by: By = {}): Replayable<PointsResult> {
  if (input.points !== undefined) positivePoints(input.points);
  const memo = memoOf(input.memo);
  const request = { redeemId: input.redeemId, points: input.points ?? null, memo };
  return runOperation(app, { key: input.key, kind: 'points_restore', request, operatorId: by.operatorId }, (cx) => {
    const s = statements(cx.batch.sqlite);
    const redeem = s.transferById.get(input.redeemId);
    if (!redeem || redeem.code !== 'points_redeem') throw new DepotError('not_found', `redeemId: no points redeem ${input.redeemId}`, { field: 'redeemId' });
    const left = redeem.amount - (s.reversedSum.get(redeem.id)?.total ?? 0);
    const points = input.points ?? left;
    if (points <= 0) throw new DepotError('conflict', `redeemId: ${redeem.id} was already restored in full`, { field: 'redeemId' });
    applyTransfers(cx.batch, [
      {
        id: cx.key,
        debitAccountId: redeem.creditAccountId,
        creditAccountId: redeem.debitAccountId,
        amount: points,
        code: 'points_restore',
        reversesId: redeem.id,
        orderId: redeem.orderId,
        sessionId: redeem.sessionId,
        memo,
      },
    ]);
    const driverId = cx.batch.account(redeem.debitAccountId).driverId!;
    return { key: cx.key, driverId, points, transferId: cx.key, batch: cx.batch.number, balance: pointsBalance(cx, driverId) };
  });
}
