import { DepotError } from '../../kernel/errors';
import { DEPOT, creditBalance, driverAccountId } from '../accounts';
import { applyTransfers, runOperation, type LedgerApp, type OperationContext, type Replayable, type TransferRequest } from '../engine';
import { memoOf, nonNegative, requireDriver, walletOf, type By, type DebtCollection, type WalletBalances } from './common';
import { collectOpenDebts } from './debts';
import { LEGS, SETTLEMENT_CODES, payLegs, type LegDue } from './legs';

/**
 * Re-settlement: a settled session priced again at its true figures moves only the difference,
 * leg by leg, once (`resettle:<session>`); the settlement's own transfers are never touched.
 */

export interface ResettleInput {
  /** Deterministic: resettle:<sessionId>. A session is re-settled at most once. */
  key: string;
  driverId: string;
  sessionId: string;
  /** What the session costs now, by leg (the true figures). */
  electricityFen: number;
  serviceFen: number;
  memo?: string | null;
}

export interface ResettleResult {
  key: string;
  driverId: string;
  sessionId: string;
  /** What the settlement booked, by leg, and what the session costs now. */
  before: { electricityFen: number; serviceFen: number; totalFen: number };
  after: { electricityFen: number; serviceFen: number; totalFen: number };
  /** after − before: positive when more is due, negative when money went back. */
  differenceFen: number;
  /** More due: what the wallet paid and what became a debt. */
  charged: { walletFen: number; debtFen: number };
  /** Less due: what went back to the wallet (revenue → wallet, code refund). */
  returnedFen: number;
  /** Open debts the returned money paid, oldest first (as a top-up does). */
  collected: DebtCollection[];
  debtId: string | null;
  batch: number | null;
  transferIds: string[];
  wallet: WalletBalances;
}

/** Transfers a settlement books revenue with: its legs, its debt, the coupons it redeemed. */
const BOOKING_CODES = [...SETTLEMENT_CODES, 'coupon_redeem'] as const;

/** Revenue the settlement of a session booked, by leg (its legs and coupons; not this re-settlement's own batch). */
function settledRevenue(cx: OperationContext, sessionId: string, driverId: string): { electricity: number; service: number; batches: number } {
  const rows = cx.batch.sqlite
    .prepare<unknown[], { credit: string; debit: string; amount: number; batch: number }>(
      `SELECT t.credit_account_id AS credit, t.debit_account_id AS debit, t.amount, t.batch FROM ledger_transfers t JOIN ledger_batches b ON b.id = t.batch
       WHERE t.session_id = ? AND t.code IN (${BOOKING_CODES.map(() => '?').join(', ')}) AND (b.operation_key IS NULL OR b.operation_key <> ?)`,
    )
    .all(sessionId, ...BOOKING_CODES, cx.key);
  const out = { electricity: 0, service: 0, batches: new Set(rows.map((r) => r.batch)).size };
  for (const r of rows) {
    if (!r.debit.startsWith(`driver:${driverId}:`) && !r.debit.startsWith('coupon:')) {
      throw new DepotError('refused', `driverId: session ${sessionId} was settled against ${r.debit}, not driver ${driverId}'s accounts`, { field: 'driverId' });
    }
    if (r.credit === DEPOT.electricityRevenue) out.electricity += r.amount;
    else if (r.credit === DEPOT.serviceRevenue) out.service += r.amount;
  }
  return out;
}

/**
 * Re-settles a settled session at its true figures (its charger's real StopTransaction arrived
 * after the session was closed without it), moving only the difference, leg by leg, in one
 * operation keyed `resettle:<session>`:
 * - a leg that now costs more is paid from the wallet's available balance, and what is still
 *   missing becomes a debt (a debt record plus `debt` transfers), as settlement does;
 * - a leg that now costs less gives the difference back, from that revenue account to the wallet
 *   (code `refund`), and money coming back pays the driver's open debts first, as a top-up does.
 * The settlement's own transfers are never touched. The baseline is read from the ledger (what the
 * settlement booked), not trusted from the caller; a second re-settlement of the session under the
 * same key is a replay (same figures) or an idempotency conflict (different figures).
 */
export function resettleSession(app: LedgerApp, input: ResettleInput, by: By = {}): Replayable<ResettleResult> {
  const electricity = nonNegative(input.electricityFen, 'electricityFen');
  const service = nonNegative(input.serviceFen, 'serviceFen');
  if (input.key !== `resettle:${input.sessionId}`) {
    throw new DepotError('invalid_input', `key: a re-settlement is keyed resettle:<session> (got ${JSON.stringify(input.key)})`, { field: 'key' });
  }
  const memo = memoOf(input.memo);
  const request = { driverId: input.driverId, sessionId: input.sessionId, electricityFen: electricity, serviceFen: service };
  return runOperation(app, { key: input.key, kind: 'resettle', request, operatorId: by.operatorId }, (cx) => {
    requireDriver(app, input.driverId);
    const { driverId, sessionId } = request;
    const booked = settledRevenue(cx, sessionId, driverId);
    if (booked.batches === 0) {
      throw new DepotError('refused', `sessionId: session ${sessionId} was never settled; settle it (settle:<session>) instead`, { field: 'sessionId' });
    }
    const refs = { sessionId, orderId: null, memo };
    const wallet = driverAccountId(driverId, 'wallet');
    const transferIds: string[] = [];
    const deltas = [
      { ...LEGS[0], delta: electricity - booked.electricity },
      { ...LEGS[1], delta: service - booked.service },
    ];

    // Back first, then more: a leg that fell and a leg that rose (rounding) net out in the wallet.
    const returns: TransferRequest[] = deltas
      .filter((d) => d.delta < 0)
      .map((d) => ({ id: `${cx.key}#return:${d.name}`, debitAccountId: d.account, creditAccountId: wallet, amount: -d.delta, code: 'refund', ...refs }));
    for (const r of applyTransfers(cx.batch, returns)) transferIds.push(r.id);
    const returnedFen = returns.reduce((s, r) => s + (r.amount ?? 0), 0);

    const legs: LegDue[] = deltas.filter((d) => d.delta > 0).map((d) => ({ name: d.name, account: d.account, code: d.code, due: d.delta }));
    const owing = () => legs.reduce((s, l) => s + l.due, 0);
    const charged = { walletFen: 0, debtFen: 0 };
    if (owing() > 0) {
      const take = Math.min(creditBalance(cx.batch.account(wallet)).available, owing());
      if (take > 0) charged.walletFen = payLegs(cx, legs, { account: wallet, label: 'wallet', amount: take }, refs, transferIds);
    }
    let debtId: string | null = null;
    const shortfall = owing();
    if (shortfall > 0) {
      debtId = app.ids.next();
      cx.batch.sqlite
        .prepare(
          `INSERT INTO ledger_debts (id, driver_id, amount, collected, written_off, status, session_id, order_id, operation_key, created_at)
           VALUES (?, ?, ?, 0, 0, 'open', ?, NULL, ?, ?)`,
        )
        .run(debtId, driverId, shortfall, sessionId, cx.key, cx.now);
      charged.debtFen = payLegs(cx, legs, { account: driverAccountId(driverId, 'debt'), label: 'debt', amount: shortfall, code: 'debt', debtId }, refs, transferIds);
    }
    const collected = returnedFen > 0 ? collectOpenDebts(cx, driverId) : [];
    for (const c of collected) transferIds.push(`${cx.key}#collect:${c.debtId}`);

    const beforeTotal = booked.electricity + booked.service;
    return {
      key: cx.key,
      driverId,
      sessionId,
      before: { electricityFen: booked.electricity, serviceFen: booked.service, totalFen: beforeTotal },
      after: { electricityFen: electricity, serviceFen: service, totalFen: electricity + service },
      differenceFen: electricity + service - beforeTotal,
      charged,
      returnedFen,
      collected,
      debtId,
      batch: cx.batch.number,
      transferIds,
      wallet: walletOf(cx, driverId),
    };
  });
}
