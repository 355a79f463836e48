import { DepotError } from '../../kernel/errors';
import { applyTransfers, runOperation, statements, type LedgerApp, type Replayable } from '../engine';
import type { TransferCode } from '../schema';
import { memoOf, positive, type By } from './common';

/**
 * Corrections: a posted transfer is undone, all or in part, by a correcting transfer that
 * references it; the original is never touched and nothing is given back beyond what it moved.
 */

/** Transfers a compensation campaign makes. */
const CAMPAIGN_CODES: ReadonlySet<TransferCode> = new Set(['compensation', 'coupon_grant', 'points_grant']);

/** Codes with their own way back; a correction would leave their side records (debts, holds, coupons) wrong. */
const NOT_CORRECTABLE: Partial<Record<TransferCode, string>> = {
  hold: 'void the hold',
  hold_post: 'refund the session to the wallet (refundToWallet)',
  hold_void: 'place a new hold',
  hold_expire: 'place a new hold',
  debt: 'write the debt off',
  debt_collect: 'refund to the wallet',
  debt_write_off: 'book a new debt',
  coupon_redeem: 'restore the coupon',
  coupon_restore: 'redeem the coupon again',
  coupon_expire: 'grant a new coupon',
  points_redeem: 'restore the points',
  points_restore: 'redeem the points again',
  correction: 'make a new transfer',
};

export interface CorrectionResult {
  key: string;
  transferId: string;
  correctsId: string;
  amountFen: number;
  batch: number | null;
}

/**
 * Undoes all or part of a posted transfer with a correcting transfer between the same two
 * accounts in the other direction, referencing the original. The original is never touched, and
 * the balance flags still hold: a top-up the driver already spent cannot be taken back.
 */
export function correctTransfer(
  app: LedgerApp,
  input: { key: string; transferId: string; amountFen?: number; memo: string; reversalCampaignId?: string },
  by: By = {},
): Replayable<CorrectionResult> {
  const memo = memoOf(input.memo);
  if (!memo) throw new DepotError('invalid_input', 'memo: say what the correction is for', { field: 'memo' });
  if (input.amountFen !== undefined) positive(input.amountFen, 'amount');
  const request = { transferId: input.transferId, amountFen: input.amountFen ?? null, memo, reversalCampaignId: input.reversalCampaignId };
  return runOperation(app, { key: input.key, kind: 'correction', request, operatorId: by.operatorId }, (cx) => {
    const s = statements(cx.batch.sqlite);
    const original = s.transferById.get(input.transferId);
    if (!original) throw new DepotError('not_found', `transferId: no transfer ${input.transferId}`, { field: 'transferId' });
    const instead = NOT_CORRECTABLE[original.code];
    if (instead)
      throw new DepotError('refused', `transferId: a ${original.code} transfer is not corrected directly; ${instead} instead`, {
        field: 'transferId',
        code: original.code,
      });
    // A campaign's credits were approved by a second supervisor; taking one back needs the same.
    if (original.campaignId && CAMPAIGN_CODES.has(original.code) && !input.reversalCampaignId) {
      throw new DepotError(
        'refused',
        `transferId: ${original.id} is a credit of campaign ${original.campaignId}; it is taken back only by an approved reversal campaign`,
        {
          field: 'transferId',
          campaignId: original.campaignId,
        },
      );
    }
    for (const accountId of [original.debitAccountId, original.creditAccountId]) {
      const type = cx.batch.account(accountId).type;
      if (type === 'held' || type === 'debt') {
        throw new DepotError('refused', `transferId: ${original.id} moves ${type} money; its hold or debt records would disagree with a correction`, {
          field: 'transferId',
        });
      }
    }
    const left = original.amount - (s.reversedSum.get(original.id)?.total ?? 0);
    const amount = input.amountFen ?? left;
    if (amount <= 0) throw new DepotError('conflict', `transferId: ${original.id} was already corrected in full`, { field: 'transferId' });
    applyTransfers(cx.batch, [
      {
        id: cx.key,
        debitAccountId: original.creditAccountId,
        creditAccountId: original.debitAccountId,
        amount,
        code: 'correction',
        reversesId: original.id,
        sessionId: original.sessionId,
        orderId: original.orderId,
        campaignId: input.reversalCampaignId ?? original.campaignId,
        memo,
      },
    ]);
    return { key: cx.key, transferId: cx.key, correctsId: original.id, amountFen: amount, batch: cx.batch.number };
  });
}
