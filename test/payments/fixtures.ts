import { expect } from 'vitest';
import type { AppContext } from '../../src-main/kernel/context';
import { startScheduler, type Scheduler } from '../../src-main/jobs';
import { depot } from '../../src-main/modules';
import { createOrder, type OrderRow } from '../../src-main/payments';
import { addDriver, grantCoupon, grantPoints, verifyLedger, type Driver } from '../../src-main/ledger';
import { makeApp, type TestApp } from '../helpers';

/** Payment test fixtures: a real database, the real migrations and job registry, a fake clock. */

let phone = 13700000000;

export function newDriver(app: AppContext, name = 'driver'): Driver {
  phone += 1;
  return addDriver(app, { name, phone: String(phone) });
}

export interface PayApp extends TestApp {
  scheduler: Scheduler;
}

/** The app plus its real job registry, driven by scheduler.drain() against the fake clock. */
export function payApp(overrides?: Record<string, unknown>): PayApp {
  const t = makeApp({ overrides });
  const scheduler = startScheduler(t.app, { workers: depot.workers, crons: depot.crons, poll: false, random: () => 0.5 });
  return { ...t, scheduler };
}

export function account(app: AppContext, id: string): { balance: number; debits: number; credits: number } {
  const a = app.sqlite.prepare('SELECT debits_posted AS debits, credits_posted AS credits, debits_pending AS dp FROM ledger_accounts WHERE id = ?').get(id) as {
    debits: number;
    credits: number;
  };
  return { ...a, balance: a.credits - a.debits };
}

export const wallet = (app: AppContext, driverId: string) => account(app, `driver:${driverId}:wallet`).balance;
export const points = (app: AppContext, driverId: string) => account(app, `driver:${driverId}:points`).balance;
export const couponLeft = (app: AppContext, couponId: string) => account(app, `coupon:${couponId}`).balance;

/** A driver with a ¥30.00 coupon and 500 points. */
export function driverWithCouponAndPoints(app: AppContext): { driver: Driver; couponId: string } {
  const driver = newDriver(app);
  const c = grantCoupon(app, { key: `test:coupon:${driver.id}`, driverId: driver.id, amountFen: 3000 });
  grantPoints(app, { key: `test:points:${driver.id}`, driverId: driver.id, points: 500 });
  return { driver, couponId: c.couponId };
}

/**
 * The seed-004 order: ¥200 with a ¥30 coupon (and `points` points), its coupon record wrongly
 * `consumed`, so the timeout's cancel fails its guard until someone repairs the record.
 */
export async function orderWithConsumedCoupon(app: AppContext, points?: number): Promise<{ driver: Driver; couponId: string; order: OrderRow }> {
  const { driver, couponId } = driverWithCouponAndPoints(app);
  const order = await createOrder(app, { driverId: driver.id, amountFen: 20000, couponId, ...(points === undefined ? {} : { points }), channel: 'wechat' });
  app.sqlite.prepare("UPDATE order_coupons SET status = 'consumed' WHERE order_id = ?").run(order.id);
  return { driver, couponId, order };
}

/** The crons scheduled, then the clock past the 30-minute timeout and its job run once. */
export async function pastTheTimeout(t: PayApp): Promise<void> {
  await t.scheduler.drain();
  t.clock.advance(31 * MINUTE);
  await t.scheduler.drain();
}

export function expectLedgerValid(app: AppContext): void {
  const r = verifyLedger(app);
  expect(r.violations, r.violations.map((v) => v.message).join('\n')).toEqual([]);
}

export function transfersOfOrder(app: AppContext, orderId: string): { id: string; code: string; amount: number }[] {
  return app.sqlite.prepare('SELECT id, code, amount FROM ledger_transfers WHERE order_id = ? ORDER BY seq').all(orderId) as {
    id: string;
    code: string;
    amount: number;
  }[];
}

export const MINUTE = 60_000;
