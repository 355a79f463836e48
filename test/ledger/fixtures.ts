import { expect } from 'vitest';
import type { AppContext } from '../../src-main/kernel/context';
import { DepotError } from '../../src-main/kernel/errors';
import { addDriver, verifyLedger, type Driver } from '../../src-main/ledger';
import { makeApp, type TestApp } from '../helpers';

/** Ledger test fixtures: a real database with the real migrations, a fake clock, and drivers. */

let phone = 13900000000;

export function newDriver(app: AppContext, name = 'driver'): Driver {
  phone += 1;
  return addDriver(app, { name, phone: String(phone) });
}

export function ledgerApp(): TestApp {
  return makeApp();
}

/** Every account's counters and every row count: equal snapshots mean nothing moved. */
export function snapshot(app: AppContext): string {
  const accounts = app.sqlite.prepare('SELECT id, debits_pending, debits_posted, credits_pending, credits_posted FROM ledger_accounts ORDER BY id').all();
  const counts = app.sqlite
    .prepare(
      `SELECT (SELECT count(*) FROM ledger_transfers) AS transfers, (SELECT count(*) FROM ledger_batches) AS batches,
              (SELECT count(*) FROM ledger_operations) AS operations, (SELECT count(*) FROM ledger_debts) AS debts,
              (SELECT group_concat(id || ':' || status || ':' || collected || ':' || written_off) FROM ledger_debts) AS debtState,
              (SELECT group_concat(id || ':' || status) FROM ledger_holds) AS holdState,
              (SELECT count(*) FROM ledger_coupons) AS coupons`,
    )
    .get();
  return JSON.stringify({ accounts, counts });
}

export function expectLedgerValid(app: AppContext): void {
  const r = verifyLedger(app);
  expect(r.violations, r.violations.map((v) => v.message).join('\n')).toEqual([]);
}

/** Runs fn and returns the DepotError it throws (failing the test if it does not throw one). */
export function depotError(fn: () => unknown): DepotError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DepotError) return e;
    throw e;
  }
  throw new Error('expected a DepotError, nothing was thrown');
}

export function walletOf(app: AppContext, driverId: string): { balance: number; held: number; available: number } {
  const a = app.sqlite
    .prepare('SELECT credits_posted - debits_posted AS balance, debits_pending AS held FROM ledger_accounts WHERE id = ?')
    .get(`driver:${driverId}:wallet`) as { balance: number; held: number };
  return { ...a, available: a.balance - a.held };
}

export function debtOf(app: AppContext, driverId: string): number {
  return (app.sqlite.prepare('SELECT debits_posted - credits_posted AS v FROM ledger_accounts WHERE id = ?').get(`driver:${driverId}:debt`) as { v: number }).v;
}

export function accountBalance(app: AppContext, id: string): { debits: number; credits: number } {
  return app.sqlite.prepare('SELECT debits_posted AS debits, credits_posted AS credits FROM ledger_accounts WHERE id = ?').get(id) as {
    debits: number;
    credits: number;
  };
}
