import { cachedStatement } from '../../kernel/db/statements';
import { DepotError, expectChanges } from '../../kernel/errors';
import { DEPOT, creditBalance, driverAccountId } from '../accounts';
import { applyTransfers, runOperation, type LedgerApp, type OperationContext, type Replayable } from '../engine';
import { memoOf, requireDriver, walletOf, type By, type DebtCollection, type WalletBalances } from './common';

/**
 * Debts: a shortfall at settlement is owed until it is collected from the wallet (oldest first,
 * by a top-up, a compensation credit or money a re-settlement gives back) or written off.
 * A debt is never collected beyond what is owed.
 */

interface OpenDebt {
  id: string;
  amount: number;
  collected: number;
  writtenOff: number;
  createdAt: number;
}

function openDebtsOf(cx: OperationContext, driverId: string): OpenDebt[] {
  return cx.batch.sqlite
    .prepare<unknown[], OpenDebt>(
      `SELECT id, amount, collected, written_off AS writtenOff, created_at AS createdAt FROM ledger_debts
       WHERE driver_id = ? AND status = 'open' ORDER BY created_at, id`,
    )
    .all(driverId);
}

/** Takes what the wallet has available towards the driver's open debts, oldest first. */
export function collectOpenDebts(cx: OperationContext, driverId: string): DebtCollection[] {
  const wallet = driverAccountId(driverId, 'wallet');
  const debtAccount = driverAccountId(driverId, 'debt');
  let available = creditBalance(cx.batch.account(wallet)).available;
  const out: DebtCollection[] = [];
  for (const d of openDebtsOf(cx, driverId)) {
    if (available <= 0) break;
    const take = Math.min(d.amount - d.collected - d.writtenOff, available);
    applyTransfers(cx.batch, [
      { id: `${cx.key}#collect:${d.id}`, debitAccountId: wallet, creditAccountId: debtAccount, amount: take, code: 'debt_collect', debtId: d.id },
    ]);
    expectChanges(
      cx.batch.sqlite
        .prepare(
          `UPDATE ledger_debts SET collected = collected + ?,
             status = CASE WHEN collected + ? + written_off >= amount THEN 'settled' ELSE 'open' END,
             closed_at = CASE WHEN collected + ? + written_off >= amount THEN ? ELSE NULL END
           WHERE id = ? AND status = 'open' AND collected = ? AND written_off = ?`,
        )
        .run(take, take, take, cx.now, d.id, d.collected, d.writtenOff),
      1,
      `collect debt ${d.id}`,
    );
    available -= take;
    out.push({ debtId: d.id, amountFen: take });
  }
  return out;
}

/** Used by later issues to refuse a start: a driver who owes money has an open debt. */
export function hasOpenDebt(app: Pick<LedgerApp, 'sqlite'>, driverId: string): boolean {
  return cachedStatement(app.sqlite, "SELECT 1 FROM ledger_debts WHERE driver_id = ? AND status = 'open' LIMIT 1").get(driverId) !== undefined;
}

export interface CollectDebtsResult {
  key: string;
  driverId: string;
  collected: DebtCollection[];
  collectedFen: number;
  batch: number | null;
  wallet: WalletBalances;
}

/** Collects open debts from what the wallet has available now (e.g. after a compensation credit). */
export function collectDebts(app: LedgerApp, input: { key: string; driverId: string }, by: By = {}): Replayable<CollectDebtsResult> {
  return runOperation(app, { key: input.key, kind: 'debt_collect', request: { driverId: input.driverId }, operatorId: by.operatorId }, (cx) => {
    requireDriver(app, input.driverId);
    const collected = collectOpenDebts(cx, input.driverId);
    return {
      key: input.key,
      driverId: input.driverId,
      collected,
      collectedFen: collected.reduce((s, c) => s + c.amountFen, 0),
      batch: cx.batch.number,
      wallet: walletOf(cx, input.driverId),
    };
  });
}

export interface WriteOffResult {
  key: string;
  debtId: string;
  driverId: string;
  amountFen: number;
  batch: number | null;
}

/** Gives up on what is left of a debt: the depot books it as a write-off and the driver is clear. */
export function writeOffDebt(app: LedgerApp, input: { key: string; debtId: string; memo: string }, by: By = {}): Replayable<WriteOffResult> {
  const memo = memoOf(input.memo);
  if (!memo) throw new DepotError('invalid_input', 'memo: say why the debt is written off', { field: 'memo' });
  return runOperation(app, { key: input.key, kind: 'debt_write_off', request: { debtId: input.debtId, memo }, operatorId: by.operatorId }, (cx) => {
    const d = cx.batch.sqlite
      .prepare<unknown[], OpenDebt & { driverId: string; status: string }>(
        'SELECT id, driver_id AS driverId, amount, collected, written_off AS writtenOff, status FROM ledger_debts WHERE id = ?',
      )
      .get(input.debtId);
    if (!d) throw new DepotError('not_found', `debtId: no debt ${input.debtId}`, { field: 'debtId' });
    if (d.status !== 'open') throw new DepotError('conflict', `debtId: debt ${d.id} is already ${d.status}`, { field: 'debtId', status: d.status });
    const amount = d.amount - d.collected - d.writtenOff;
    applyTransfers(cx.batch, [
      { id: cx.key, debitAccountId: DEPOT.writeOffs, creditAccountId: driverAccountId(d.driverId, 'debt'), amount, code: 'debt_write_off', debtId: d.id, memo },
    ]);
    expectChanges(
      cx.batch.sqlite
        .prepare(
          `UPDATE ledger_debts SET written_off = written_off + ?, status = 'written_off', closed_at = ?
           WHERE id = ? AND status = 'open' AND collected = ? AND written_off = ?`,
        )
        .run(amount, cx.now, d.id, d.collected, d.writtenOff),
      1,
      `write off debt ${d.id}`,
    );
    return { key: cx.key, debtId: d.id, driverId: d.driverId, amountFen: amount, batch: cx.batch.number };
  });
}
