import { describe, expect, it } from 'vitest';
import { driverStatement, grantCoupon, grantPoints, placeHold, postSessionCharge, topUp, voidHold } from '../../src-main/ledger';
import { expectLedgerValid, ledgerApp, newDriver } from './fixtures';

/**
 * The statement is read newest first from the accounts' counters (issue 18): its newest `limit`
 * lines, a window's opening and closing, and the truncation must be what the whole history says.
 * A history of 40 days (top-ups, holds posted and voided, a debt, points, coupons, one hold still
 * open at the end) is read whole, then through every window and limit, and each answer is checked
 * against the whole one. Real SQLite, real ledger operations.
 */
const HOUR = 3_600_000;

function history() {
  const { app, clock } = ledgerApp();
  const d = newDriver(app);
  clock.set('2026-03-01T02:00:00Z');
  for (let day = 0; day < 40; day += 1) {
    topUp(app, { key: `top-${day}`, driverId: d.id, amountFen: 3_000, channel: day % 2 ? 'cash' : 'wechat' });
    const hold = placeHold(app, { key: `hold-${day}`, driverId: d.id, amountFen: 2_000, expiresAt: clock.now() + HOUR, sessionId: `s-${day}` });
    clock.advance(HOUR / 2);
    if (day % 5 === 4) voidHold(app, { key: `void-${day}`, holdId: hold.holdId });
    else postSessionCharge(app, { key: `settle-${day}`, driverId: d.id, sessionId: `s-${day}`, holdId: hold.holdId, electricityFen: 1_500 + day * 10, serviceFen: 400 });
    if (day % 7 === 3) grantPoints(app, { key: `pts-${day}`, driverId: d.id, points: 50 });
    if (day % 9 === 2) grantCoupon(app, { key: `cpn-${day}`, driverId: d.id, amountFen: 500 });
    if (day === 20) {
      // More than the wallet has: a debt, collected from the next top-up.
      postSessionCharge(app, { key: 'settle-big', driverId: d.id, sessionId: 's-big', electricityFen: 40_000, serviceFen: 0 });
      topUp(app, { key: 'top-extra', driverId: d.id, amountFen: 30_000, channel: 'cash' });
    }
    clock.advance(24 * HOUR - HOUR / 2);
  }
  placeHold(app, { key: 'hold-open', driverId: d.id, amountFen: 1_000, expiresAt: clock.now() + HOUR, sessionId: 's-open' });
  expectLedgerValid(app);
  return { app, driverId: d.id };
}

const key = (l: { seq: number; accountId: string }) => `${l.seq}:${l.accountId}`;

describe('the statement read newest first', () => {
  it('the newest lines, the truncation and the balances agree with the whole history', () => {
    const { app, driverId } = history();
    const whole = driverStatement(app, { driverId, limit: 10_000 });
    expect(whole.truncated).toBe(false);
    expect(whole.opening).toEqual({ wallet: { balance: 0, held: 0 }, debt: 0, points: 0, coupons: 0 });
    expect(whole.closing.wallet.held).toBe(1_000);
    expect(whole.lines.length).toBeGreaterThan(150);
    // Each line's balance follows from the one before it on the same account.
    const last = new Map<string, { balance: number; held: number }>();
    for (const l of whole.lines) {
      const before = last.get(l.accountId) ?? { balance: 0, held: 0 };
      expect([l.balanceAfter, l.heldAfter]).toEqual([before.balance + l.amount, before.held + l.heldChange]);
      last.set(l.accountId, { balance: l.balanceAfter, held: l.heldAfter });
    }
    for (const limit of [1, 7, 50, whole.lines.length - 1, whole.lines.length]) {
      const s = driverStatement(app, { driverId, limit });
      expect(s.lines.map(key)).toEqual(whole.lines.slice(-limit).map(key));
      expect(s.lines).toEqual(whole.lines.slice(-limit));
      expect(s.truncated).toBe(limit < whole.lines.length);
      expect([s.opening, s.closing]).toEqual([whole.opening, whole.closing]);
    }
  });

  it('a window: its opening is the balance before its first movement, its closing the balance after its last, whatever the limit', () => {
    const { app, driverId } = history();
    const whole = driverStatement(app, { driverId, limit: 10_000 });
    const zone = app.clock.timeZone;
    const date = (at: number) => new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(at));
    for (const [from, to] of [
      ['2026-03-10', '2026-03-20'],
      ['2026-03-21', '2026-03-21'],
      ['2026-03-01', '2026-04-30'],
      ['2026-02-01', '2026-02-28'],
    ] as const) {
      const inWindow = whole.lines.filter((l) => date(l.at) >= from && date(l.at) <= to);
      const balancesAt = (lines: typeof whole.lines) => {
        const byAccount = new Map(lines.map((l) => [l.account === 'coupon' ? l.accountId : l.account, l]));
        const coupons = [...byAccount.values()].filter((l) => l.account === 'coupon').reduce((n, l) => n + l.balanceAfter, 0);
        const w = byAccount.get('wallet');
        return {
          wallet: { balance: w?.balanceAfter ?? 0, held: w?.heldAfter ?? 0 },
          debt: byAccount.get('debt')?.balanceAfter ?? 0,
          points: byAccount.get('points')?.balanceAfter ?? 0,
          coupons,
        };
      };
      for (const limit of [3, 10_000]) {
        const s = driverStatement(app, { driverId, from, to, limit });
        expect(s.lines).toEqual(inWindow.slice(-limit));
        expect(s.truncated).toBe(inWindow.length > limit);
        expect(s.opening).toEqual(balancesAt(whole.lines.filter((l) => date(l.at) < from)));
        expect(s.closing).toEqual(balancesAt(whole.lines.filter((l) => date(l.at) <= to)));
      }
      const wallet = driverStatement(app, { driverId, from, to, accounts: ['wallet'], codes: ['topup', 'hold_post'] });
      expect(wallet.lines).toEqual(inWindow.filter((l) => l.account === 'wallet' && ['topup', 'hold_post'].includes(l.code)));
    }
  });
});
