import { expect } from 'vitest';
import type { AppContext } from '../../src-main/kernel/context';
import type { OperatorIdentity } from '../../src-main/kernel/method';
import { startScheduler, type Scheduler } from '../../src-main/jobs';
import { depot } from '../../src-main/modules';
import { addDriver, postSessionCharge, topUp, verifyLedger, type Driver } from '../../src-main/ledger';
import { createOrder, simulateCustomerPaid, type OrderRow } from '../../src-main/payments';
import { addOperator, makeApp, type TestApp } from '../helpers';

/** Refund test fixtures: a real database, the real migrations and job registry, a fake clock. */

let phone = 13900000000;

export function newDriver(app: AppContext, name = 'driver'): Driver {
  phone += 1;
  return addDriver(app, { name, phone: String(phone) });
}

export interface RefundApp extends TestApp {
  scheduler: Scheduler;
  clerk: OperatorIdentity;
  sup1: OperatorIdentity;
  sup2: OperatorIdentity;
}

/** The app, its real job registry (driven by scheduler.drain()), a counter clerk and two supervisors. */
export async function refundApp(overrides?: Record<string, unknown>): Promise<RefundApp> {
  const t = makeApp({ overrides });
  const scheduler = startScheduler(t.app, { workers: depot.workers, crons: depot.crons, poll: false, random: () => 0.5 });
  const clerk = await addOperator(t.app, 'operator');
  const sup1 = await addOperator(t.app, 'supervisor');
  const sup2 = await addOperator(t.app, 'supervisor');
  return { ...t, scheduler, clerk, sup1, sup2 };
}

function balance(app: AppContext, id: string): number {
  const a = app.sqlite.prepare('SELECT debits_posted AS d, credits_posted AS c FROM ledger_accounts WHERE id = ?').get(id) as { d: number; c: number };
  return a.c - a.d;
}

export const walletOf = (app: AppContext, driverId: string) => balance(app, `driver:${driverId}:wallet`);
/** Debit-side accounts read as debits − credits. */
export const clearing = (app: AppContext, channel: 'wechat' | 'alipay') => -balance(app, `depot:clearing:${channel}`);
export const refundsPayable = (app: AppContext) => balance(app, 'depot:refunds_payable');
export const revenue = (app: AppContext) => ({ electricity: balance(app, 'depot:electricity_revenue'), service: balance(app, 'depot:service_revenue') });

let sessionSeq = 0;

/**
 * A session settled as sessions/settle.ts does it (ledger postSessionCharge from the wallet, the row
 * in PAID or UNPAID with what each source paid). The charging part is not what these tests are about.
 */
export function settledSession(app: AppContext, driver: Driver, legs: { electricityFen: number; serviceFen: number; walletFen?: number }): string {
  const id = `S-${++sessionSeq}-${driver.id.slice(-6)}`;
  const walletFen = legs.walletFen ?? legs.electricityFen + legs.serviceFen;
  if (walletFen > 0) topUp(app, { key: `test:topup:${id}`, driverId: driver.id, amountFen: walletFen, channel: 'cash' });
  const r = postSessionCharge(app, { key: `settle:${id}`, driverId: driver.id, sessionId: id, electricityFen: legs.electricityFen, serviceFen: legs.serviceFen });
  const now = app.clock.now();
  app.sqlite
    .prepare(
      `INSERT INTO charging_sessions (id, state, origin, charger_id, connector_id, driver_id, id_tag, amount_fen, electricity_fen, service_fen,
         paid_hold_fen, paid_wallet_fen, debt_fen, debt_id, settlement_key, settled_at, created_at, updated_at)
       VALUES (?, ?, 'operator', 'CP-1', 1, ?, 'TAG', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      id,
      r.paid.debtFen > 0 ? 'UNPAID' : 'PAID',
      driver.id,
      r.dueFen,
      r.electricityFen,
      r.serviceFen,
      r.paid.holdFen,
      r.paid.walletFen,
      r.paid.debtFen,
      r.debtId,
      r.key,
      now,
      now,
      now,
    );
  return id;
}

/** A paid top-up order through the simulated gateway (the driver's wallet gets the money). */
export async function paidOrder(app: AppContext, driver: Driver, amountFen: number, channel: 'wechat' | 'alipay' = 'wechat'): Promise<OrderRow> {
  const o = await createOrder(app, { driverId: driver.id, amountFen, channel });
  const r = simulateCustomerPaid(app, o.id);
  expect(r.outcome).toBe('paid');
  return r.order!;
}

export function expectLedgerValid(app: AppContext): void {
  const r = verifyLedger(app);
  expect(r.violations, r.violations.map((v) => v.message).join('\n')).toEqual([]);
}

export function transfersByKeyPrefix(
  app: AppContext,
  prefix: string,
): { id: string; code: string; amount: number; memo: string | null; debit: string; credit: string }[] {
  return app.sqlite
    .prepare('SELECT id, code, amount, memo, debit_account_id AS debit, credit_account_id AS credit FROM ledger_transfers WHERE id LIKE ? ORDER BY seq')
    .all(`${prefix}%`) as { id: string; code: string; amount: number; memo: string | null; debit: string; credit: string }[];
}

export const MINUTE = 60_000;
