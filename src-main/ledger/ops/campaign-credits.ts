import { DEPOT, driverAccountId } from '../accounts';
import { createTransfers, type LedgerApp, type TransferRequest } from '../engine';
import type { By } from './common';

/**
 * A compensation campaign's credits, a chunk at a time: money (compensation expense → wallet,
 * code `compensation`) or points (points pool → points, code `points_grant`), one transfer per
 * driver under the campaign item's key, the whole chunk in one transaction (all or nothing).
 *
 * This is the campaign's fast path: a chunk of 1,000 credits is one batch of plain transfers,
 * without an operation row per driver (docs/performance.md, the campaign benchmark). Each item's key
 * is its idempotency key: a chunk run again (a resumed or concurrent execution) answers `already`
 * for each credit that exists and moves nothing for it. A chunk that fails (one driver's account
 * refuses) throws, and the caller retries its items one by one to learn which.
 */

export interface CampaignCredit {
  /** The campaign item's transfer id: its idempotency key. */
  key: string;
  driverId: string;
  amount: number;
  memo: string | null;
  /** The campaign's batch number, kept on the transfer as its statement reference. */
  batchNo: string;
}

export function creditCampaign(
  app: LedgerApp,
  input: { campaignId: string; unit: 'money' | 'points'; credits: readonly CampaignCredit[] },
  by: By = {},
): ('credited' | 'already')[] {
  const request = (c: CampaignCredit): TransferRequest =>
    input.unit === 'points'
      ? {
          id: c.key,
          debitAccountId: DEPOT.pointsPool,
          creditAccountId: driverAccountId(c.driverId, 'points'),
          amount: c.amount,
          code: 'points_grant',
          campaignId: input.campaignId,
          statementRow: c.batchNo,
          memo: c.memo,
        }
      : {
          id: c.key,
          debitAccountId: DEPOT.compensationExpense,
          creditAccountId: driverAccountId(c.driverId, 'wallet'),
          amount: c.amount,
          code: 'compensation',
          campaignId: input.campaignId,
          statementRow: c.batchNo,
          memo: c.memo,
        };
  return createTransfers(app, input.credits.map(request), { operatorId: by.operatorId }).map((r) => (r.status === 'exists' ? 'already' : 'credited'));
}
