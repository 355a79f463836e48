import type { FakeClock } from '../../src-main/kernel/clock';
import type { LedgerApp } from '../../src-main/ledger/engine';
import { addDriver, driverAccountId, placeHold, postSessionCharge, topUp, voidHold } from '../../src-main/ledger';

/**
 * A depot's money traffic for the headquarters test and benchmark (no vitest here, so the
 * benchmark and the child depot can use it): charging sessions as a depot runs them, each a few
 * ledger operations through the ledger's named operations — a top-up now and then, a hold when
 * the session starts, then a settlement from the hold (the rest released; a shortfall taken from
 * the wallet or booked as a debt) or, for a session that never started, the hold voided.
 * Every operation is one write transaction and one `ledger.operation` journal row.
 *
 * Deterministic: the same `tag` and session numbers make the same keys and amounts, so a depot
 * that is reopened carries on where it stopped (a key it already committed is replayed, nothing
 * moves, no journal row is added).
 */
export interface Traffic {
  tag: string;
  drivers: string[];
}

/** Drivers of a depot (not journaled: opening accounts is not a ledger operation). */
export function addDrivers(app: LedgerApp, tag: string, count: number, firstPhone = 13_800_000_000): Traffic {
  const drivers = Array.from({ length: count }, (_, i) => addDriver(app, { name: `${tag} driver ${i}`, phone: String(firstPhone + i) }).id);
  return { tag, drivers };
}

/** The same depot's drivers after a reopen, found by the names addDrivers gave them. */
export function driversOf(app: LedgerApp, tag: string): Traffic {
  const rows = app.sqlite.prepare<[string], { id: string }>("SELECT id FROM drivers WHERE name LIKE ? || ' driver %' ORDER BY phone").all(tag);
  return { tag, drivers: rows.map((r) => r.id) };
}

const CHANNELS = ['cash', 'wechat', 'alipay'] as const;

/** What a wallet can spend: credited minus debited minus held. */
function available(app: LedgerApp, driverId: string): number {
  const row = app.sqlite
    .prepare<[string], { n: number }>('SELECT credits_posted - debits_posted - debits_pending AS n FROM ledger_accounts WHERE id = ?')
    .get(driverAccountId(driverId, 'wallet'));
  return row?.n ?? 0;
}

/** Ledger operations one session makes (at most): top-up, hold, settle or void. */
export const OPS_PER_SESSION_MAX = 3;

/**
 * Runs session number `n` of this depot: returns how many journaled operations it committed
 * (replayed ones do not count). The clock moves a few minutes per operation when it is a FakeClock.
 */
export function runSession(app: LedgerApp, traffic: Traffic, n: number, clock?: FakeClock): number {
  const steps = sessionSteps(app, traffic, n, clock);
  let step = steps.next();
  while (!step.done) step = steps.next();
  return step.value;
}

/**
 * Session number `n` one operation at a time: it yields after each operation it committed or
 * replayed and returns how many it committed. runSession drives it at once; the child depot of
 * five-depots.test.ts lets its event loop run between the operations, so that a kill may land
 * between the hold and the settlement as well as between sessions.
 */
export function* sessionSteps(app: LedgerApp, traffic: Traffic, n: number, clock?: FakeClock): Generator<void, number, void> {
  const { tag, drivers } = traffic;
  const driverId = drivers[n % drivers.length];
  const session = `${tag}-S${n}`;
  let committed = 0;
  const count = (r: { replayed: boolean }) => {
    if (!r.replayed) committed += 1;
    clock?.advance(60_000 + (n % 7) * 1_000);
  };
  // A session starts with a top-up when the wallet is short of a full hold, and every third one anyway.
  if (n % 3 === 0 || available(app, driverId) < 6_000) {
    count(topUp(app, { key: `${session}:topup`, driverId, amountFen: 10_000 + (n % 5) * 2_500, channel: CHANNELS[Math.floor(n / 3) % 3] }));
    yield;
  }
  // A session run again (its depot killed in the middle) asks again exactly as it asked the first
  // time, as a client retrying its request does: the hold's expiry is the one it was placed with.
  const placed = app.sqlite.prepare<[string], { expiresAt: number }>('SELECT expires_at AS expiresAt FROM ledger_holds WHERE id = ?').get(`${session}:hold`);
  const hold = placeHold(app, {
    key: `${session}:hold`,
    driverId,
    amountFen: 6_000,
    expiresAt: placed?.expiresAt ?? app.clock.now() + 6 * 3_600_000,
    sessionId: session,
    partial: true,
  });
  count(hold);
  yield;
  if (n % 11 === 5) {
    // The charger never started: the whole hold goes back.
    count(voidHold(app, { key: `${session}:void`, holdId: hold.holdId }));
  } else {
    // Mostly within the hold; now and then more than was held (from the wallet, else a debt).
    const due = n % 13 === 7 ? hold.amountFen + 2_300 : 1_500 + ((n * 37) % 4_000);
    const electricity = Math.round(due * 0.7);
    count(
      postSessionCharge(app, { key: `settle:${session}`, driverId, sessionId: session, holdId: hold.holdId, electricityFen: electricity, serviceFen: due - electricity }),
    );
  }
  return committed;
}

/** Runs sessions from..to-1 and returns the operations committed. */
export function runSessions(app: LedgerApp, traffic: Traffic, from: number, to: number, clock?: FakeClock): number {
  let committed = 0;
  for (let n = from; n < to; n += 1) committed += runSession(app, traffic, n, clock);
  return committed;
}
