import { DepotError } from '../../kernel/errors';
import { CHANNEL_ACCOUNT, DEPOT } from '../accounts';
import { applyTransfers, runOperation, type LedgerApp, type Replayable } from '../engine';
import { memoOf, positive, type By } from './common';

/**
 * Gateway clearing write-off (对账核销): reconciliation found that a gateway owes the depot less
 * than the books say (a 短款: we booked a payment the gateway never took, or the gateway refunded
 * more than we booked) and finance, with a second person's approval, accepts the loss. The
 * clearing account is reduced and write-offs grow: write_offs (debit) → gateway clearing (credit),
 * in one transfer under the caller's key (operation kind `clearing_write_off`, transfer code
 * `transfer`). No wallet moves: what a driver was credited stays theirs.
 */

export interface ClearingWriteOffInput {
  key: string;
  channel: 'wechat' | 'alipay';
  amountFen: number;
  memo: string;
  /** The gateway trade or refund the loss is about. */
  statementRow?: string | null;
}

export interface ClearingWriteOffResult {
  key: string;
  channel: 'wechat' | 'alipay';
  amountFen: number;
  transferId: string;
  at: number;
}

export function writeOffClearing(app: LedgerApp, input: ClearingWriteOffInput, by: By = {}): Replayable<ClearingWriteOffResult> {
  const amount = positive(input.amountFen, 'amount');
  if (input.channel !== 'wechat' && input.channel !== 'alipay') {
    throw new DepotError('invalid_input', `channel: a gateway write-off is for wechat or alipay (got ${JSON.stringify(input.channel)})`, { field: 'channel' });
  }
  const memo = memoOf(input.memo);
  if (!memo) throw new DepotError('invalid_input', 'memo: say why the gateway amount is written off', { field: 'memo' });
  const request = { channel: input.channel, amountFen: amount, memo, statementRow: input.statementRow ?? null };
  return runOperation(app, { key: input.key, kind: 'clearing_write_off', request, operatorId: by.operatorId }, (cx) => {
    applyTransfers(cx.batch, [
      {
        id: cx.key,
        debitAccountId: DEPOT.writeOffs,
        creditAccountId: CHANNEL_ACCOUNT[input.channel],
        amount,
        code: 'transfer',
        memo,
        statementRow: input.statementRow ?? null,
      },
    ]);
    return { key: cx.key, channel: input.channel, amountFen: amount, transferId: cx.key, at: cx.now };
  });
}
