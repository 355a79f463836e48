import { DepotError } from '../../kernel/errors';
import { CHANNEL_ACCOUNT, DEPOT, driverAccountId, type Channel } from '../accounts';
import { applyTransfers, runOperation, statements, type LedgerApp, type Replayable, type TransferRequest } from '../engine';
import { memoOf, nonNegative, positive, requireDriver, walletOf, type By, type DebtCollection, type WalletBalances } from './common';
import { collectOpenDebts } from './debts';

/**
 * Compensation and refunds: credits to a wallet at the depot's expense, revenue given back to a
 * wallet, money taken out of a wallet to be paid back, and the record that a refund was paid.
 */

export interface CreditResult {
  key: string;
  driverId: string;
  amountFen: number;
  transferId: string;
  batch: number | null;
  collected: DebtCollection[];
  wallet: WalletBalances;
}

/**
 * Credits a driver's wallet at the depot's expense (a failed session, a goodwill gesture). Use
 * the key `comp:<campaign>:<driver>` so a campaign credits each driver once.
 */
export function creditCompensation(
  app: LedgerApp,
  input: { key: string; driverId: string; amountFen: number; campaignId?: string | null; memo?: string | null; collectDebts?: boolean },
  by: By = {},
): Replayable<CreditResult> {
  const amount = positive(input.amountFen, 'amount');
  const memo = memoOf(input.memo);
  const request = { driverId: input.driverId, amountFen: amount, campaignId: input.campaignId ?? null, memo, collectDebts: Boolean(input.collectDebts) };
  return runOperation(app, { key: input.key, kind: 'compensation', request, operatorId: by.operatorId }, (cx) => {
    requireDriver(app, input.driverId);
    applyTransfers(cx.batch, [
      {
        id: cx.key,
        debitAccountId: DEPOT.compensationExpense,
        creditAccountId: driverAccountId(input.driverId, 'wallet'),
        amount,
        code: 'compensation',
        campaignId: request.campaignId,
        memo,
      },
    ]);
    const collected = request.collectDebts ? collectOpenDebts(cx, input.driverId) : [];
    return { key: cx.key, driverId: input.driverId, amountFen: amount, transferId: cx.key, batch: cx.batch.number, collected, wallet: walletOf(cx, input.driverId) };
  });
}

/** Gives back revenue of a session to the wallet (an overcharge found later). */
export function refundToWallet(
  app: LedgerApp,
  input: { key: string; driverId: string; electricityFen: number; serviceFen: number; sessionId?: string | null; orderId?: string | null; memo?: string | null },
  by: By = {},
): Replayable<CreditResult> {
  const electricity = nonNegative(input.electricityFen, 'electricityFen');
  const service = nonNegative(input.serviceFen, 'serviceFen');
  if (electricity + service <= 0) throw new DepotError('invalid_input', 'amount: nothing to refund', { field: 'amount' });
  const memo = memoOf(input.memo);
  const request = {
    driverId: input.driverId,
    electricityFen: electricity,
    serviceFen: service,
    sessionId: input.sessionId ?? null,
    orderId: input.orderId ?? null,
    memo,
  };
  return runOperation(app, { key: input.key, kind: 'refund_to_wallet', request, operatorId: by.operatorId }, (cx) => {
    requireDriver(app, input.driverId);
    const wallet = driverAccountId(input.driverId, 'wallet');
    const parts: TransferRequest[] = [];
    const refs = { sessionId: request.sessionId, orderId: request.orderId, memo };
    if (electricity > 0)
      parts.push({ id: `${cx.key}#electricity`, debitAccountId: DEPOT.electricityRevenue, creditAccountId: wallet, amount: electricity, code: 'refund', ...refs });
    if (service > 0) parts.push({ id: `${cx.key}#service`, debitAccountId: DEPOT.serviceRevenue, creditAccountId: wallet, amount: service, code: 'refund', ...refs });
    applyTransfers(cx.batch, parts);
    return {
      key: cx.key,
      driverId: input.driverId,
      amountFen: electricity + service,
      transferId: parts[0].id,
      batch: cx.batch.number,
      collected: [],
      wallet: walletOf(cx, input.driverId),
    };
  });
}

export interface RefundOutResult {
  key: string;
  driverId: string;
  amountFen: number;
  transferId: string;
  batch: number | null;
  wallet: WalletBalances;
}

/** Takes money out of a wallet to be paid back to the driver: it waits in refunds payable until paid. */
export function refundFromWallet(
  app: LedgerApp,
  input: { key: string; driverId: string; amountFen: number; orderId?: string | null; memo?: string | null },
  by: By = {},
): Replayable<RefundOutResult> {
  const amount = positive(input.amountFen, 'amount');
  const memo = memoOf(input.memo);
  const request = { driverId: input.driverId, amountFen: amount, orderId: input.orderId ?? null, memo };
  return runOperation(app, { key: input.key, kind: 'refund_from_wallet', request, operatorId: by.operatorId }, (cx) => {
    requireDriver(app, input.driverId);
    applyTransfers(cx.batch, [
      {
        id: cx.key,
        debitAccountId: driverAccountId(input.driverId, 'wallet'),
        creditAccountId: DEPOT.refundsPayable,
        amount,
        code: 'refund',
        orderId: request.orderId,
        memo,
      },
    ]);
    return { key: cx.key, driverId: input.driverId, amountFen: amount, transferId: cx.key, batch: cx.batch.number, wallet: walletOf(cx, input.driverId) };
  });
}

/** Records that a refund left the depot (cash handed over, or the gateway paid it). Once per refund. */
export function payRefund(
  app: LedgerApp,
  input: { refundKey: string; channel: Channel; statementRow?: string | null },
  by: By = {},
): Replayable<{ key: string; refundKey: string; amountFen: number; channel: Channel; batch: number | null }> {
  const key = `refund_paid:${input.refundKey}`;
  const request = { refundKey: input.refundKey, channel: input.channel, statementRow: input.statementRow ?? null };
  return runOperation(app, { key, kind: 'refund_paid', request, operatorId: by.operatorId }, (cx) => {
    const refund = statements(cx.batch.sqlite).transferById.get(input.refundKey);
    if (!refund || refund.code !== 'refund' || refund.creditAccountId !== DEPOT.refundsPayable) {
      throw new DepotError('not_found', `refundKey: no refund ${input.refundKey} waiting to be paid`, { field: 'refundKey' });
    }
    if (!(input.channel in CHANNEL_ACCOUNT)) throw new DepotError('invalid_input', `channel: unknown channel ${JSON.stringify(input.channel)}`, { field: 'channel' });
    applyTransfers(cx.batch, [
      {
        id: cx.key,
        debitAccountId: DEPOT.refundsPayable,
        creditAccountId: CHANNEL_ACCOUNT[input.channel],
        amount: refund.amount,
        code: 'refund_paid',
        orderId: refund.orderId,
        statementRow: request.statementRow,
      },
    ]);
    return { key: cx.key, refundKey: input.refundKey, amountFen: refund.amount, channel: input.channel, batch: cx.batch.number };
  });
}
