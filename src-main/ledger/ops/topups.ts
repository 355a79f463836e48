import { DepotError } from '../../kernel/errors';
import { CHANNEL_ACCOUNT, driverAccountId, type Channel } from '../accounts';
import { applyTransfers, runOperation, type LedgerApp, type Replayable } from '../engine';
import { memoOf, positive, requireDriver, walletOf, type By, type DebtCollection, type WalletBalances } from './common';
import { collectOpenDebts } from './debts';

/** Top-ups: money in at the counter or through a gateway, open debts collected from it first. */

export interface TopUpInput {
  key: string;
  driverId: string;
  amountFen: number;
  channel: Channel;
  memo?: string | null;
  /** The gateway's transaction or statement line, for reconciliation. */
  statementRow?: string | null;
}

export interface TopUpResult {
  key: string;
  driverId: string;
  amountFen: number;
  channel: Channel;
  transferId: string;
  batch: number | null;
  collected: DebtCollection[];
  collectedFen: number;
  wallet: WalletBalances;
  at: number;
}

/**
 * Money in at the counter or through a gateway. The whole amount lands in the wallet, and in the
 * same transaction open debts are collected from it, oldest first: a driver who owes money pays
 * that before anything else, and the statement shows both movements.
 */
export function topUp(app: LedgerApp, input: TopUpInput, by: By = {}): Replayable<TopUpResult> {
  const amount = positive(input.amountFen, 'amount');
  if (!(input.channel in CHANNEL_ACCOUNT)) {
    throw new DepotError('invalid_input', `channel: one of ${Object.keys(CHANNEL_ACCOUNT).join(', ')} (got ${JSON.stringify(input.channel)})`, { field: 'channel' });
  }
  const memo = memoOf(input.memo);
  const request = { driverId: input.driverId, amountFen: amount, channel: input.channel, memo, statementRow: input.statementRow ?? null };
  return runOperation(app, { key: input.key, kind: 'topup', request, operatorId: by.operatorId }, (cx) => {
    requireDriver(app, input.driverId);
    applyTransfers(cx.batch, [
      {
        id: cx.key,
        debitAccountId: CHANNEL_ACCOUNT[input.channel],
        creditAccountId: driverAccountId(input.driverId, 'wallet'),
        amount,
        code: 'topup',
        memo,
        statementRow: input.statementRow ?? null,
      },
    ]);
    const collected = collectOpenDebts(cx, input.driverId);
    return {
      key: cx.key,
      driverId: input.driverId,
      amountFen: amount,
      channel: input.channel,
      transferId: cx.key,
      batch: cx.batch.number,
      collected,
      collectedFen: collected.reduce((s, c) => s + c.amountFen, 0),
      wallet: walletOf(cx, input.driverId),
      at: cx.now,
    };
  });
}
