import { DepotError } from '../../kernel/errors';
import { DEPOT } from '../accounts';
import { applyTransfers, type OperationContext, type TransferRequest } from '../engine';
import type { TransferCode } from '../schema';

/**
 * The revenue legs a session's money is paid into (electricity first, then service), shared by
 * posting a hold, settlement and re-settlement; and the rule that a session is settled once.
 */

export const LEGS = [
  { name: 'electricity', account: DEPOT.electricityRevenue, code: 'settle_electricity' },
  { name: 'service', account: DEPOT.serviceRevenue, code: 'settle_service' },
] as const;

export interface LegDue {
  name: (typeof LEGS)[number]['name'];
  account: string;
  code: TransferCode;
  due: number;
}

export function legsDue(electricityFen: number, serviceFen: number): LegDue[] {
  return [
    { ...LEGS[0], due: electricityFen },
    { ...LEGS[1], due: serviceFen },
  ];
}

/**
 * Pays up to `amount` from one source into the revenue legs, electricity first. Returns what it
 * paid. `code` overrides the legs' own codes (a coupon or a debt pays with its own reason).
 */
export function payLegs(
  cx: OperationContext,
  legs: LegDue[],
  source: { account: string; label: string; amount: number; code?: TransferCode; debtId?: string | null },
  refs: { sessionId: string | null; orderId: string | null; memo: string | null },
  transferIds: string[],
): number {
  let left = source.amount;
  const requests: TransferRequest[] = [];
  for (const leg of legs) {
    if (left <= 0) break;
    const take = Math.min(leg.due, left);
    if (take <= 0) continue;
    requests.push({
      id: `${cx.key}#${source.label}:${leg.name}`,
      debitAccountId: source.account,
      creditAccountId: leg.account,
      amount: take,
      code: source.code ?? leg.code,
      debtId: source.debtId ?? null,
      sessionId: refs.sessionId,
      orderId: refs.orderId,
      memo: refs.memo,
    });
    leg.due -= take;
    left -= take;
  }
  for (const r of applyTransfers(cx.batch, requests)) transferIds.push(r.id);
  return source.amount - left;
}

/** Codes that book a session's revenue; a session has them from one settlement only. */
export const SETTLEMENT_CODES = ['settle_electricity', 'settle_service', 'debt'] as const;

/**
 * A session is settled once. Its key (settle:<session>) already makes a retry harmless; this
 * catches the same session settled under a second key, which would charge the driver twice.
 */
export function refuseSecondSettlement(cx: OperationContext, sessionId: string): void {
  const earlier = cx.batch.sqlite
    .prepare<unknown[], { key: string | null }>(
      `SELECT b.operation_key AS key FROM ledger_transfers t JOIN ledger_batches b ON b.id = t.batch
              WHERE t.session_id = ? AND t.code IN (${SETTLEMENT_CODES.map(() => '?').join(', ')}) LIMIT 1`,
    )
    .get(sessionId, ...SETTLEMENT_CODES);
  if (earlier) {
    throw new DepotError('conflict', `sessionId: session ${sessionId} was already settled (by ${earlier.key ?? 'an earlier batch'})`, {
      field: 'sessionId',
      settledBy: earlier.key,
    });
  }
}
