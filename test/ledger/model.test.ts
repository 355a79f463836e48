import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { AppContext } from '../../src-main/kernel/context';
import type { FakeClock } from '../../src-main/kernel/clock';
import { DepotError } from '../../src-main/kernel/errors';
import {
  DEPOT,
  correctTransfer,
  expireDueHolds,
  grantCoupon,
  grantPoints,
  placeHold,
  postHold,
  postSessionCharge,
  redeemCoupon,
  redeemPoints,
  restoreCoupon,
  restorePoints,
  topUp,
  verifyLedger,
  voidHold,
} from '../../src-main/ledger';
import { makeApp } from '../helpers';
import { newDriver, snapshot } from './fixtures';

/**
 * Model-based test: random sequences of ledger operations run against the real ledger (a real
 * SQLite file) and against a tiny in-memory model of what the depot expects. After every step the
 * two must agree on every balance, hold, debt, coupon and points figure, on success or the exact
 * error, and `verifyLedger` must find nothing wrong. Replayed keys must move nothing.
 */

interface MDriver {
  id: string;
  wallet: number;
  held: number;
  points: number;
}
interface MHold {
  id: string;
  driver: number;
  amount: number;
  expiresAt: number;
  status: 'pending' | 'posted' | 'voided' | 'expired';
}
interface MDebt {
  driver: number;
  id: string;
  amount: number;
  collected: number;
}
interface MCoupon {
  id: string;
  driver: number;
  remaining: number;
  expiresAt: number | null;
}
interface MReversible {
  id: string;
  amount: number;
  reversed: number;
  target: number; // coupon index, driver index
}
interface Model {
  drivers: MDriver[];
  holds: MHold[];
  debts: MDebt[];
  coupons: MCoupon[];
  redeems: MReversible[];
  pointRedeems: MReversible[];
  topups: MReversible[];
  revenue: { electricity: number; service: number };
  seq: number;
  history: { run: () => unknown; result: unknown }[];
  topupRequests: { key: string; driver: number; amount: number }[];
}
interface Real {
  app: AppContext;
  clock: FakeClock;
}

type Outcome = { error: string } | { ok: true };

function attempt<T>(fn: () => T): { value?: T; error?: string } {
  try {
    return { value: fn() };
  } catch (e) {
    if (e instanceof DepotError) return { error: e.code };
    throw e;
  }
}

function available(d: MDriver): number {
  return d.wallet - d.held;
}

function collect(m: Model, driver: number): void {
  const d = m.drivers[driver];
  for (const debt of m.debts.filter((x) => x.driver === driver && x.collected < x.amount)) {
    const take = Math.min(debt.amount - debt.collected, available(d));
    if (take <= 0) break;
    d.wallet -= take;
    debt.collected += take;
  }
}

/** Runs the real operation, checks it failed or succeeded as the model predicted, and records successes for replay. */
function perform<T>(m: Model, r: Real, expected: Outcome, fn: () => T, onSuccess?: (value: T) => void): void {
  const before = snapshot(r.app);
  const got = attempt(fn);
  if ('error' in expected) {
    expect(got.error, `expected ${expected.error}`).toBe(expected.error);
    expect(snapshot(r.app)).toBe(before);
    return;
  }
  expect(got.error, 'expected success').toBeUndefined();
  m.history.push({ run: fn, result: got.value });
  onSuccess?.(got.value as T);
}

function compare(m: Model, r: Real): void {
  const { app } = r;
  const acct = (id: string) =>
    app.sqlite.prepare('SELECT debits_pending AS dp, debits_posted AS dP, credits_posted AS cP FROM ledger_accounts WHERE id = ?').get(id) as {
      dp: number;
      dP: number;
      cP: number;
    };
  m.drivers.forEach((d) => {
    const w = acct(`driver:${d.id}:wallet`);
    expect({ wallet: w.cP - w.dP, held: w.dp }).toEqual({ wallet: d.wallet, held: d.held });
    const p = acct(`driver:${d.id}:points`);
    expect(p.cP - p.dP).toBe(d.points);
  });
  for (const c of m.coupons) {
    const a = acct(`coupon:${c.id}`);
    expect(a.cP - a.dP - a.dp).toBe(c.remaining);
  }
  for (const debt of m.debts) {
    const row = app.sqlite.prepare('SELECT amount, collected FROM ledger_debts WHERE id = ?').get(debt.id);
    expect(row).toEqual({ amount: debt.amount, collected: debt.collected });
  }
  const rev = (id: string) => {
    const a = acct(id);
    return a.cP - a.dP;
  };
  expect({ electricity: rev(DEPOT.electricityRevenue), service: rev(DEPOT.serviceRevenue) }).toEqual(m.revenue);
  const holds = app.sqlite.prepare('SELECT id, status FROM ledger_holds ORDER BY id').all();
  expect(holds).toEqual(m.holds.map((h) => ({ id: h.id, status: h.status })).sort((a, b) => (a.id < b.id ? -1 : 1)));
  const report = verifyLedger(app);
  expect(report.violations).toEqual([]);
}

abstract class Step implements fc.Command<Model, Real> {
  check(_m: Readonly<Model>): boolean {
    return true;
  }
  abstract exec(m: Model, r: Real): void;
  run(m: Model, r: Real): void {
    this.exec(m, r);
    compare(m, r);
  }
  abstract toString(): string;
}

class TopUp extends Step {
  constructor(
    readonly driver: number,
    readonly amount: number,
  ) {
    super();
  }
  exec(m: Model, r: Real) {
    const key = `k${m.seq++}`;
    const d = m.drivers[this.driver];
    perform(
      m,
      r,
      { ok: true },
      () => topUp(r.app, { key, driverId: d.id, amountFen: this.amount, channel: 'cash' }),
      () => {
        d.wallet += this.amount;
        collect(m, this.driver);
        m.topups.push({ id: key, amount: this.amount, reversed: 0, target: this.driver });
        m.topupRequests.push({ key, driver: this.driver, amount: this.amount });
      },
    );
  }
  toString() {
    return `topUp(${this.driver}, ${this.amount})`;
  }
}

class PlaceHold extends Step {
  constructor(
    readonly driver: number,
    readonly amount: number,
    readonly ttl: number,
  ) {
    super();
  }
  exec(m: Model, r: Real) {
    const key = `k${m.seq++}`;
    const d = m.drivers[this.driver];
    const expiresAt = r.clock.now() + this.ttl;
    const ok = this.amount <= available(d);
    perform(
      m,
      r,
      ok ? { ok: true } : { error: 'insufficient_funds' },
      () => placeHold(r.app, { key, driverId: d.id, amountFen: this.amount, expiresAt }),
      () => {
        d.held += this.amount;
        m.holds.push({ id: key, driver: this.driver, amount: this.amount, expiresAt, status: 'pending' });
      },
    );
  }
  toString() {
    return `placeHold(${this.driver}, ${this.amount}, ttl ${this.ttl})`;
  }
}

function holdState(h: MHold, now: number): 'pending' | 'expired_now' | 'resolved' {
  if (h.status !== 'pending') return 'resolved';
  return now >= h.expiresAt ? 'expired_now' : 'pending';
}

class PostHold extends Step {
  constructor(
    readonly pick: number,
    readonly fe: number,
    readonly fs: number,
  ) {
    super();
  }
  override check(m: Readonly<Model>) {
    return m.holds.length > 0;
  }
  exec(m: Model, r: Real) {
    const key = `k${m.seq++}`;
    const h = m.holds[this.pick % m.holds.length];
    const e = Math.floor(h.amount * this.fe);
    const s = Math.floor((h.amount - e) * this.fs);
    const state = holdState(h, r.clock.now());
    // Input is checked before the hold is looked at.
    const expected: Outcome =
      e + s === 0 ? { error: 'invalid_input' } : state === 'resolved' ? { error: 'conflict' } : state === 'expired_now' ? { error: 'refused' } : { ok: true };
    perform(
      m,
      r,
      expected,
      () => postHold(r.app, { key, holdId: h.id, electricityFen: e, serviceFen: s }),
      () => {
        const d = m.drivers[h.driver];
        d.held -= h.amount;
        d.wallet -= e + s;
        h.status = 'posted';
        m.revenue.electricity += e;
        m.revenue.service += s;
      },
    );
  }
  toString() {
    return `postHold(#${this.pick}, ${this.fe.toFixed(2)}, ${this.fs.toFixed(2)})`;
  }
}

class VoidHold extends Step {
  constructor(readonly pick: number) {
    super();
  }
  override check(m: Readonly<Model>) {
    return m.holds.length > 0;
  }
  exec(m: Model, r: Real) {
    const key = `k${m.seq++}`;
    const h = m.holds[this.pick % m.holds.length];
    const state = holdState(h, r.clock.now());
    const expected: Outcome = state === 'resolved' ? { error: 'conflict' } : state === 'expired_now' ? { error: 'refused' } : { ok: true };
    perform(
      m,
      r,
      expected,
      () => voidHold(r.app, { key, holdId: h.id }),
      () => {
        m.drivers[h.driver].held -= h.amount;
        h.status = 'voided';
      },
    );
  }
  toString() {
    return `voidHold(#${this.pick})`;
  }
}

class AdvanceAndExpire extends Step {
  constructor(readonly ms: number) {
    super();
  }
  exec(m: Model, r: Real) {
    r.clock.advance(this.ms);
    const now = r.clock.now();
    const due = m.holds.filter((h) => h.status === 'pending' && h.expiresAt <= now);
    const result = expireDueHolds(r.app);
    expect(result.expired.map((x) => x.holdId).sort()).toEqual(due.map((h) => h.id).sort());
    for (const h of due) {
      h.status = 'expired';
      m.drivers[h.driver].held -= h.amount;
    }
  }
  toString() {
    return `advance(${this.ms}) + expireDueHolds`;
  }
}

class Settle extends Step {
  constructor(
    readonly driver: number,
    readonly electricity: number,
    readonly service: number,
    readonly holdPick: number | null,
    readonly couponPick: number | null,
  ) {
    super();
  }
  exec(m: Model, r: Real) {
    const key = `k${m.seq++}`;
    const d = m.drivers[this.driver];
    const now = r.clock.now();
    const hold = this.holdPick !== null && m.holds.length > 0 ? m.holds[this.holdPick % m.holds.length] : null;
    const coupon = this.couponPick !== null && m.coupons.length > 0 ? m.coupons[this.couponPick % m.coupons.length] : null;
    let expected: Outcome = { ok: true };
    // A hold already posted is a second charge; one already voided or expired simply pays nothing.
    if (hold && hold.status === 'posted') expected = { error: 'conflict' };
    else if (hold && hold.driver !== this.driver) expected = { error: 'refused' };
    perform(
      m,
      r,
      expected,
      () =>
        postSessionCharge(r.app, {
          key,
          driverId: d.id,
          sessionId: key,
          holdId: hold?.id ?? null,
          electricityFen: this.electricity,
          serviceFen: this.service,
          couponIds: coupon ? [coupon.id] : [],
        }),
      (result) => {
        let owing = this.electricity + this.service;
        if (coupon && coupon.driver === this.driver && (coupon.expiresAt === null || now < coupon.expiresAt)) {
          const take = Math.min(coupon.remaining, owing);
          coupon.remaining -= take;
          owing -= take;
        }
        if (hold && hold.status === 'pending') {
          d.held -= hold.amount;
          if (now >= hold.expiresAt) hold.status = 'expired';
          else {
            const take = Math.min(hold.amount, owing);
            hold.status = take > 0 ? 'posted' : 'voided';
            d.wallet -= take;
            owing -= take;
          }
        }
        const fromWallet = Math.min(available(d), owing);
        d.wallet -= fromWallet;
        owing -= fromWallet;
        if (owing > 0) {
          expect(result.debtId).not.toBeNull();
          m.debts.push({ driver: this.driver, id: result.debtId!, amount: owing, collected: 0 });
        } else expect(result.debtId).toBeNull();
        m.revenue.electricity += this.electricity;
        m.revenue.service += this.service;
      },
    );
  }
  toString() {
    return `settle(${this.driver}, ${this.electricity}+${this.service}, hold ${this.holdPick}, coupon ${this.couponPick})`;
  }
}

class GrantCoupon extends Step {
  constructor(
    readonly driver: number,
    readonly amount: number,
    readonly ttl: number | null,
  ) {
    super();
  }
  exec(m: Model, r: Real) {
    const key = `k${m.seq++}`;
    const expiresAt = this.ttl === null ? null : r.clock.now() + this.ttl;
    perform(
      m,
      r,
      { ok: true },
      () => grantCoupon(r.app, { key, driverId: m.drivers[this.driver].id, amountFen: this.amount, expiresAt }),
      (c) => {
        m.coupons.push({ id: c.couponId, driver: this.driver, remaining: this.amount, expiresAt });
      },
    );
  }
  toString() {
    return `grantCoupon(${this.driver}, ${this.amount}, ttl ${this.ttl})`;
  }
}

class RedeemCoupon extends Step {
  constructor(
    readonly pick: number,
    readonly amount: number,
  ) {
    super();
  }
  override check(m: Readonly<Model>) {
    return m.coupons.length > 0;
  }
  exec(m: Model, r: Real) {
    const key = `k${m.seq++}`;
    const c = m.coupons[this.pick % m.coupons.length];
    const index = this.pick % m.coupons.length;
    const expired = c.expiresAt !== null && r.clock.now() >= c.expiresAt;
    const expected: Outcome = expired ? { error: 'refused' } : this.amount > c.remaining ? { error: 'insufficient_funds' } : { ok: true };
    perform(
      m,
      r,
      expected,
      () => redeemCoupon(r.app, { key, couponId: c.id, amountFen: this.amount, creditAccountId: DEPOT.serviceRevenue, orderId: key }),
      () => {
        c.remaining -= this.amount;
        m.revenue.service += this.amount;
        m.redeems.push({ id: key, amount: this.amount, reversed: 0, target: index });
      },
    );
  }
  toString() {
    return `redeemCoupon(#${this.pick}, ${this.amount})`;
  }
}

class RestoreCoupon extends Step {
  constructor(
    readonly pick: number,
    readonly amount: number | null,
  ) {
    super();
  }
  override check(m: Readonly<Model>) {
    return m.redeems.length > 0;
  }
  exec(m: Model, r: Real) {
    const key = `k${m.seq++}`;
    const x = m.redeems[this.pick % m.redeems.length];
    const left = x.amount - x.reversed;
    const amount = this.amount ?? left;
    const expected: Outcome = amount <= 0 ? { error: 'conflict' } : amount > left ? { error: 'refused' } : { ok: true };
    perform(
      m,
      r,
      expected,
      () => restoreCoupon(r.app, { key, redeemId: x.id, amountFen: this.amount ?? undefined }),
      () => {
        x.reversed += amount;
        m.coupons[x.target].remaining += amount;
        m.revenue.service -= amount;
      },
    );
  }
  toString() {
    return `restoreCoupon(#${this.pick}, ${this.amount})`;
  }
}

class GrantPoints extends Step {
  constructor(
    readonly driver: number,
    readonly points: number,
  ) {
    super();
  }
  exec(m: Model, r: Real) {
    const key = `k${m.seq++}`;
    perform(
      m,
      r,
      { ok: true },
      () => grantPoints(r.app, { key, driverId: m.drivers[this.driver].id, points: this.points }),
      () => {
        m.drivers[this.driver].points += this.points;
      },
    );
  }
  toString() {
    return `grantPoints(${this.driver}, ${this.points})`;
  }
}

class RedeemPoints extends Step {
  constructor(
    readonly driver: number,
    readonly points: number,
  ) {
    super();
  }
  exec(m: Model, r: Real) {
    const key = `k${m.seq++}`;
    const d = m.drivers[this.driver];
    perform(
      m,
      r,
      this.points > d.points ? { error: 'insufficient_funds' } : { ok: true },
      () => redeemPoints(r.app, { key, driverId: d.id, points: this.points }),
      () => {
        d.points -= this.points;
        m.pointRedeems.push({ id: key, amount: this.points, reversed: 0, target: this.driver });
      },
    );
  }
  toString() {
    return `redeemPoints(${this.driver}, ${this.points})`;
  }
}

class RestorePoints extends Step {
  constructor(readonly pick: number) {
    super();
  }
  override check(m: Readonly<Model>) {
    return m.pointRedeems.length > 0;
  }
  exec(m: Model, r: Real) {
    const key = `k${m.seq++}`;
    const x = m.pointRedeems[this.pick % m.pointRedeems.length];
    const left = x.amount - x.reversed;
    perform(
      m,
      r,
      left <= 0 ? { error: 'conflict' } : { ok: true },
      () => restorePoints(r.app, { key, redeemId: x.id }),
      () => {
        x.reversed += left;
        m.drivers[x.target].points += left;
      },
    );
  }
  toString() {
    return `restorePoints(#${this.pick})`;
  }
}

class Correct extends Step {
  constructor(
    readonly pick: number,
    readonly amount: number | null,
  ) {
    super();
  }
  override check(m: Readonly<Model>) {
    return m.topups.length > 0;
  }
  exec(m: Model, r: Real) {
    const key = `k${m.seq++}`;
    const t = m.topups[this.pick % m.topups.length];
    const d = m.drivers[t.target];
    const left = t.amount - t.reversed;
    const amount = this.amount ?? left;
    const expected: Outcome =
      amount <= 0 ? { error: 'conflict' } : amount > left ? { error: 'refused' } : amount > available(d) ? { error: 'insufficient_funds' } : { ok: true };
    perform(
      m,
      r,
      expected,
      () => correctTransfer(r.app, { key, transferId: t.id, amountFen: this.amount ?? undefined, memo: 'model' }),
      () => {
        t.reversed += amount;
        d.wallet -= amount;
      },
    );
  }
  toString() {
    return `correct(#${this.pick}, ${this.amount})`;
  }
}

class Replay extends Step {
  constructor(readonly pick: number) {
    super();
  }
  override check(m: Readonly<Model>) {
    return m.history.length > 0;
  }
  exec(m: Model, r: Real) {
    const h = m.history[this.pick % m.history.length];
    const before = snapshot(r.app);
    const again = h.run() as { replayed: boolean };
    expect(again).toEqual({ ...(h.result as object), replayed: true });
    expect(snapshot(r.app)).toBe(before);
  }
  toString() {
    return `replay(#${this.pick})`;
  }
}

class ReuseKeyDifferently extends Step {
  constructor(readonly pick: number) {
    super();
  }
  override check(m: Readonly<Model>) {
    return m.topupRequests.length > 0;
  }
  exec(m: Model, r: Real) {
    const t = m.topupRequests[this.pick % m.topupRequests.length];
    const before = snapshot(r.app);
    const got = attempt(() => topUp(r.app, { key: t.key, driverId: m.drivers[t.driver].id, amountFen: t.amount + 1, channel: 'cash' }));
    expect(got.error).toBe('idempotency_conflict');
    expect(snapshot(r.app)).toBe(before);
  }
  toString() {
    return `reuseKey(#${this.pick})`;
  }
}

const driver = fc.integer({ min: 0, max: 2 });
const fen = fc.integer({ min: 1, max: 5_000 });
const unit = fc.integer({ min: 0, max: 100 }).map((p) => p / 100);
const pick = fc.nat(1_000);

const topUpStep = fc.tuple(driver, fen).map(([d, a]) => new TopUp(d, a));
const holdStep = fc.tuple(driver, fen, fc.integer({ min: 1_000, max: 600_000 })).map(([d, a, t]) => new PlaceHold(d, a, t));
const settleStep = fc
  .tuple(driver, fc.integer({ min: 0, max: 4_000 }), fc.integer({ min: 0, max: 1_500 }), fc.option(pick, { nil: null }), fc.option(pick, { nil: null }))
  .map(([d, e, s, h, c]) => new Settle(d, e, s, h, c));
// Top-ups, holds and settlements are what a depot does most; they come up twice as often.
const steps = [
  topUpStep,
  topUpStep,
  holdStep,
  holdStep,
  fc.tuple(pick, unit, unit).map(([p, e, s]) => new PostHold(p, e, s)),
  pick.map((p) => new VoidHold(p)),
  fc.integer({ min: 1_000, max: 400_000 }).map((ms) => new AdvanceAndExpire(ms)),
  settleStep,
  settleStep,
  fc.tuple(driver, fen, fc.option(fc.integer({ min: 1_000, max: 900_000 }), { nil: null })).map(([d, a, t]) => new GrantCoupon(d, a, t)),
  fc.tuple(pick, fen).map(([p, a]) => new RedeemCoupon(p, a)),
  fc.tuple(pick, fc.option(fen, { nil: null })).map(([p, a]) => new RestoreCoupon(p, a)),
  fc.tuple(driver, fc.integer({ min: 1, max: 500 })).map(([d, n]) => new GrantPoints(d, n)),
  fc.tuple(driver, fc.integer({ min: 1, max: 500 })).map(([d, n]) => new RedeemPoints(d, n)),
  pick.map((p) => new RestorePoints(p)),
  fc.tuple(pick, fc.option(fen, { nil: null })).map(([p, a]) => new Correct(p, a)),
  pick.map((p) => new Replay(p)),
  pick.map((p) => new ReuseKeyDifferently(p)),
];

describe('the ledger against a model of the depot', () => {
  it('agrees with the model on every balance after every step of random operation sequences', () => {
    fc.assert(
      fc.property(fc.commands(steps, { maxCommands: 60, size: 'large' }), (cmds) => {
        const { app, clock } = makeApp();
        try {
          // Two drivers start with money, one with none: holds and shortfalls both happen.
          const drivers = [0, 1, 2].map((i) => {
            const id = newDriver(app, `model-${i}`).id;
            const wallet = i === 2 ? 0 : 8_000;
            if (wallet > 0) topUp(app, { key: `start-${i}`, driverId: id, amountFen: wallet, channel: 'cash' });
            return { id, wallet, held: 0, points: 0 };
          });
          const model: Model = {
            drivers,
            holds: [],
            debts: [],
            coupons: [],
            redeems: [],
            pointRedeems: [],
            topups: [],
            revenue: { electricity: 0, service: 0 },
            seq: 0,
            history: [],
            topupRequests: [],
          };
          fc.modelRun(() => ({ model, real: { app, clock } }), cmds);
          // Finally, replay every successful operation once more: nothing may move.
          const before = snapshot(app);
          for (const h of model.history) expect(h.run()).toEqual({ ...(h.result as object), replayed: true });
          expect(snapshot(app)).toBe(before);
        } finally {
          app.close();
        }
      }),
      { numRuns: Number(process.env.LEDGER_MODEL_RUNS ?? 60) },
    );
  }, 240_000);
});
