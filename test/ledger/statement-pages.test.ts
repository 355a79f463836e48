import { describe, expect, it } from 'vitest';
import { driverStatement, grantCoupon, grantPoints, placeHold, postSessionCharge, topUp, voidHold } from '../../src-main/ledger';
import { expectLedgerValid, ledgerApp, newDriver } from './fixtures';

/**
 * The statement is read newest first from the accounts' counters (issue 18): its newest `limit`
 * lines, a window's opening and closing, and the truncation must be what the whole history says.
 * A history of 40 days (top-ups, holds posted and voided, a debt, points, coupons, one hold still
 * open at the end) is read whole, then through every window and limit, and each answer is checked
 * against the whole one. Real SQLite, real ledger operations.
 *
 * The statement reads in time order (docs/ledger.md, "The statement"): each line's time, then the
 * ledger's order. The same checks run a second time over the history with transfers stamped out of
 * the ledger's order — payments recorded after later ones with their earlier times, as a clock set
 * back does (the demo's history too) — which must take their places by time, balances and all.
 */
const HOUR = 3_600_000;

function history(backdated = false) {
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
  if (backdated) {
    // Recorded now, stamped earlier: one on day 5, one at the very time of day 10's top-up (same
    // time: the ledger's order decides, so it comes after it), points on day 30.
    const stamped = (at: string) => ({ sqlite: app.sqlite, ids: app.ids, clock: { now: () => Date.parse(at), timeZone: app.clock.timeZone } });
    topUp(stamped('2026-03-06T05:00:00Z'), { key: 'late-1', driverId: d.id, amountFen: 700, channel: 'wechat' });
    topUp(stamped('2026-03-11T02:00:00Z'), { key: 'late-2', driverId: d.id, amountFen: 900, channel: 'alipay' });
    grantPoints(stamped('2026-03-31T09:00:00Z'), { key: 'late-3', driverId: d.id, points: 30 });
  }
  placeHold(app, { key: 'hold-open', driverId: d.id, amountFen: 1_000, expiresAt: clock.now() + HOUR, sessionId: 's-open' });
  expectLedgerValid(app);
  return { app, driverId: d.id };
}

const key = (l: { seq: number; accountId: string }) => `${l.seq}:${l.accountId}`;

/** Every page of a statement, newest page first, each asked before the first line of the one before (as the Ledger page asks). */
function pages(app: ReturnType<typeof history>['app'], q: Parameters<typeof driverStatement>[1], limit: number) {
  const out: ReturnType<typeof driverStatement>[] = [];
  let before: ReturnType<typeof driverStatement>['nextCursor'] = null;
  for (let guard = 0; guard < 1_000; guard += 1) {
    const page = driverStatement(app, { ...q, limit, ...(before ? { before } : {}) });
    out.push(page);
    if (!page.nextCursor) return out;
    before = page.nextCursor;
  }
  throw new Error('the page walk did not end');
}

describe.each([{ backdated: false }, { backdated: true }])('the statement read newest first (%o)', ({ backdated }) => {
  it('reads in time order, then the ledger order, each running balance following from the line before it', () => {
    const { app, driverId } = history(backdated);
    const whole = driverStatement(app, { driverId, limit: 10_000 });
    const order = whole.lines.map((l) => [l.at, l.seq] as const);
    const sorted = [...order].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    expect(order).toEqual(sorted);
    const seqs = new Set(whole.lines.map((l) => l.seq));
    // Out of the ledger's order exactly when stamped so.
    expect(whole.lines.some((l, i) => i > 0 && l.seq < whole.lines[i - 1].seq)).toBe(backdated);
    if (backdated) {
      const late = whole.lines.filter((l) => l.transferId.startsWith('late-'));
      expect(late.map((l) => l.transferId)).toEqual(['late-1', 'late-2', 'late-3']);
      // late-2 shares the time of day 10's top-up and hold, and comes after them: the same time, the ledger's order.
      const at = whole.lines.find((l) => l.transferId === 'late-2')!.at;
      expect(whole.lines.filter((l) => l.at === at).map((l) => l.transferId)).toEqual(['top-10', 'hold-10', 'late-2']);
      expect(seqs.size).toBeGreaterThan(100);
    }
    const last = new Map<string, { balance: number; held: number }>();
    for (const l of whole.lines) {
      const before = last.get(l.accountId) ?? { balance: 0, held: 0 };
      expect([l.balanceAfter, l.heldAfter]).toEqual([before.balance + l.amount, before.held + l.heldChange]);
      last.set(l.accountId, { balance: l.balanceAfter, held: l.heldAfter });
    }
    expect(last.get(whole.lines.find((l) => l.account === 'wallet')!.accountId)).toEqual(whole.closing.wallet);
  });

  it('the newest lines, the truncation and the balances agree with the whole history', () => {
    const { app, driverId } = history(backdated);
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
    const { app, driverId } = history(backdated);
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

  it('page by page before a cursor: every line once, in order, with the balances the whole history gives, whatever the filter', () => {
    const { app, driverId } = history(backdated);
    const whole = driverStatement(app, { driverId, limit: 10_000 });
    // debt_collect moves money wallet → debt: two lines of one transfer, which a page boundary may split.
    expect(new Set(whole.lines.map((l) => l.seq)).size).toBeLessThan(whole.lines.length);
    const filters: { q: Omit<Parameters<typeof driverStatement>[1], 'driverId'>; keep: (l: (typeof whole.lines)[number]) => boolean }[] = [
      { q: {}, keep: () => true },
      { q: { codes: ['topup'] }, keep: (l) => l.code === 'topup' },
      { q: { accounts: ['wallet'] }, keep: (l) => l.account === 'wallet' },
      { q: { accounts: ['debt', 'points'] }, keep: (l) => l.account === 'debt' || l.account === 'points' },
    ];
    for (const { q, keep } of filters) {
      const wanted = whole.lines.filter(keep);
      for (const limit of [1, 2, 7, 50]) {
        const walked = pages(app, { driverId, ...q }, limit);
        // Newest page first, each page in the statement's order (oldest line first): read back to front they are the statement.
        expect(
          walked
            .slice()
            .reverse()
            .flatMap((p) => p.lines),
        ).toEqual(wanted);
        expect(walked.map((p) => p.lines.length)).toEqual(walked.map((_, i) => (i < walked.length - 1 ? limit : wanted.length - limit * i)));
        for (const [i, p] of walked.entries()) {
          expect(p.truncated).toBe(i < walked.length - 1);
          expect(p.nextCursor).toEqual(p.truncated ? { seq: p.lines[0].seq, accountId: p.lines[0].accountId } : null);
          expect([p.opening, p.closing]).toEqual([whole.opening, whole.closing]);
        }
      }
    }
  });

  it("a window paged before a cursor: the window's lines once, its opening and closing on every page", () => {
    const { app, driverId } = history(backdated);
    for (const window of [{ from: '2026-03-10', to: '2026-03-25' }, { to: '2026-03-25' }, { from: '2026-03-10' }]) {
      const inWindow = driverStatement(app, { driverId, ...window, limit: 10_000 });
      expect(inWindow.lines.length).toBeGreaterThan(40);
      for (const limit of [3, 16]) {
        const walked = pages(app, { driverId, ...window }, limit);
        expect(
          walked
            .slice()
            .reverse()
            .flatMap((p) => p.lines),
        ).toEqual(inWindow.lines);
        for (const p of walked) expect([p.opening, p.closing]).toEqual([inWindow.opening, inWindow.closing]);
      }
    }
  });

  it("a cursor on a transfer's second line (debt_collect: wallet, then debt): the page before it ends with the transfer's first line", () => {
    const { app, driverId } = history(backdated);
    const whole = driverStatement(app, { driverId, limit: 10_000 });
    const i = whole.lines.findIndex((l, n) => n > 0 && whole.lines[n - 1].seq === l.seq);
    expect(i).toBeGreaterThan(6);
    const credit = whole.lines[i];
    const page = driverStatement(app, { driverId, limit: 5, before: { seq: credit.seq, accountId: credit.accountId } });
    expect(page.lines).toEqual(whole.lines.slice(i - 5, i));
    const debit = whole.lines[i - 1];
    expect(driverStatement(app, { driverId, limit: 5, before: { seq: debit.seq, accountId: debit.accountId } }).lines).toEqual(whole.lines.slice(i - 6, i - 1));
  });
});
