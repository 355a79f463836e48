import { DepotError } from '../../kernel/errors';
import { assertFen } from '../../money';
import { creditBalance, driverAccountId } from '../accounts';
import { driverExists } from '../drivers';
import type { LedgerApp, OperationContext } from '../engine';

/**
 * What every business operation on the ledger shares: who acts, a wallet's balances, and the
 * checks on a request's driver, amounts and memo.
 *
 * The operations (the other files in ops/) are each one idempotent operation (engine.runOperation)
 * whose transfers, side records (holds, debts, coupons) and idempotency record commit together.
 * Transfer ids inside an operation are derived from its key: the key itself for the main
 * transfer, `<key>#<part>` for the others, so every movement can be traced back to its cause.
 */

export interface By {
  operatorId?: string | null;
}

export interface WalletBalances {
  balanceFen: number;
  heldFen: number;
  availableFen: number;
}

export interface DebtCollection {
  debtId: string;
  amountFen: number;
}

export function requireDriver(app: Pick<LedgerApp, 'sqlite'>, driverId: string): void {
  if (typeof driverId !== 'string' || !driverExists(app, driverId)) {
    throw new DepotError('not_found', `driverId: no driver with id ${driverId}`, { field: 'driverId', driverId });
  }
}

export function walletOf(cx: OperationContext, driverId: string): WalletBalances {
  const b = creditBalance(cx.batch.account(driverAccountId(driverId, 'wallet')));
  return { balanceFen: b.balance, heldFen: b.held, availableFen: b.available };
}

export function positive(value: unknown, field: string): number {
  assertFen(value, field, { allowZero: false });
  return value;
}

export function nonNegative(value: unknown, field: string): number {
  assertFen(value, field);
  return value;
}

export function memoOf(memo: string | null | undefined): string | null {
  const m = memo?.trim();
  if (m && m.length > 500) throw new DepotError('invalid_input', 'memo: at most 500 characters', { field: 'memo' });
  return m || null;
}
