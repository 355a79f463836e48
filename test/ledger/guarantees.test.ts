import { describe, expect, it } from 'vitest';
import {
  DEPOT,
  correctTransfer,
  driverAccountId,
  expireHold,
  grantCoupon,
  grantPoints,
  hasOpenDebt,
  placeHold,
  postHold,
  postSessionCharge,
  redeemCoupon,
  restoreCoupon,
  topUp,
  verifyLedger,
  voidHold,
} from '../../src-main/ledger';
import { createTransfers, type TransferRequest } from '../../src-main/ledger/engine';
import { debtOf, depotError, expectLedgerValid, ledgerApp, newDriver, snapshot, walletOf } from './fixtures';

/** One test per guarantee written at the top of src-main/ledger/index.ts, in the same order. */

const HOUR = 3_600_000;

describe('ledger guarantees', () => {
  it('1. every transfer debits one account and credits another by the same amount, so debits equal credits', () => {
    const { app } = ledgerApp();
    const d = newDriver(app);
    topUp(app, { key: 'g1-top', driverId: d.id, amountFen: 10_000, channel: 'cash' });
    const hold = placeHold(app, { key: 'g1-hold', driverId: d.id, amountFen: 6_000, expiresAt: app.clock.now() + HOUR });
    postSessionCharge(app, { key: 'g1-settle', driverId: d.id, holdId: hold.holdId, electricityFen: 4_000, serviceFen: 1_234 });
    placeHold(app, { key: 'g1-hold2', driverId: d.id, amountFen: 1_000, expiresAt: app.clock.now() + HOUR });
    const totals = verifyLedger(app).totals.CNY;
    expect(totals.debitsPosted).toBe(totals.creditsPosted);
    expect(totals.debitsPending).toBe(totals.creditsPending);
    expect(totals.debitsPending).toBe(1_000);

    const wallet = driverAccountId(d.id, 'wallet');
    for (const [bad, field] of [
      [{ id: 'g1-same', debitAccountId: wallet, creditAccountId: wallet, amount: 1, code: 'transfer' }, 'creditAccountId'],
      [{ id: 'g1-zero', debitAccountId: DEPOT.cashDrawer, creditAccountId: wallet, amount: 0, code: 'transfer' }, 'amount'],
      [{ id: 'g1-neg', debitAccountId: DEPOT.cashDrawer, creditAccountId: wallet, amount: -5, code: 'transfer' }, 'amount'],
      [{ id: 'g1-frac', debitAccountId: DEPOT.cashDrawer, creditAccountId: wallet, amount: 1.5, code: 'transfer' }, 'amount'],
      [{ id: 'g1-nowhere', debitAccountId: 'depot:nowhere', creditAccountId: wallet, amount: 1, code: 'transfer' }, 'debitAccountId'],
    ] as [TransferRequest, string][]) {
      const e = depotError(() => createTransfers(app, [bad]));
      expect(e.details, bad.id).toMatchObject({ field });
    }
    // Even bypassing the engine, the table refuses a one-sided or empty transfer.
    expect(() =>
      app.sqlite
        .prepare(
          "INSERT INTO ledger_transfers (id, debit_account_id, credit_account_id, amount, code, phase, batch, created_at) VALUES ('raw', ?, ?, 0, 'transfer', 'single', 1, 0)",
        )
        .run(DEPOT.cashDrawer, wallet),
    ).toThrow(/CHECK constraint failed/);
    expectLedgerValid(app);
  });

  it('2. transfers are immutable: UPDATE and DELETE are refused, a correction references the original', () => {
    const { app } = ledgerApp();
    const d = newDriver(app);
    topUp(app, { key: 'g2-top', driverId: d.id, amountFen: 5_000, channel: 'cash' });
    expect(() => app.sqlite.prepare("UPDATE ledger_transfers SET amount = 1 WHERE id = 'g2-top'").run()).toThrow(/append-only/);
    expect(() => app.sqlite.prepare("DELETE FROM ledger_transfers WHERE id = 'g2-top'").run()).toThrow(/append-only/);
    expect(() => app.sqlite.prepare('DELETE FROM ledger_batches').run()).toThrow(/append-only/);
    expect(() => app.sqlite.prepare('UPDATE ledger_operations SET result = ?').run('{}')).toThrow(/append-only/);
    expect(() => app.sqlite.prepare("UPDATE ledger_accounts SET flags = 0 WHERE type = 'wallet'").run()).toThrow(/never change/);

    const before = app.sqlite.prepare("SELECT * FROM ledger_transfers WHERE id = 'g2-top'").get();
    const fix = correctTransfer(app, { key: 'g2-fix', transferId: 'g2-top', amountFen: 2_000, memo: 'typed 50 instead of 30' });
    expect(fix.correctsId).toBe('g2-top');
    expect(app.sqlite.prepare("SELECT * FROM ledger_transfers WHERE id = 'g2-top'").get()).toEqual(before);
    const correcting = app.sqlite.prepare("SELECT debit_account_id AS d, credit_account_id AS c, reverses_id AS r, code FROM ledger_transfers WHERE id = 'g2-fix'").get();
    expect(correcting).toEqual({ d: driverAccountId(d.id, 'wallet'), c: DEPOT.cashDrawer, r: 'g2-top', code: 'correction' });
    expect(walletOf(app, d.id).balance).toBe(3_000);
    expectLedgerValid(app);
  });

  it('3. there is at most one transfer with a given id', () => {
    const { app } = ledgerApp();
    const d = newDriver(app);
    const wallet = driverAccountId(d.id, 'wallet');
    createTransfers(app, [{ id: 'g3', debitAccountId: DEPOT.cashDrawer, creditAccountId: wallet, amount: 100, code: 'topup' }]);
    const e = depotError(() => createTransfers(app, [{ id: 'g3', debitAccountId: DEPOT.cashDrawer, creditAccountId: wallet, amount: 200, code: 'topup' }]));
    expect(e.code).toBe('idempotency_conflict');
    expect(e.details).toMatchObject({ key: 'g3', fields: ['amount'] });
    expect(() =>
      app.sqlite
        .prepare(
          "INSERT INTO ledger_transfers (id, debit_account_id, credit_account_id, amount, code, phase, batch, created_at) VALUES ('g3', ?, ?, 5, 'transfer', 'single', 1, 0)",
        )
        .run(DEPOT.cashDrawer, wallet),
    ).toThrow(/UNIQUE constraint failed: ledger_transfers.id/);
    expect((app.sqlite.prepare("SELECT count(*) AS n FROM ledger_transfers WHERE id = 'g3'").get() as { n: number }).n).toBe(1);
  });

  it('4. the same key and request return the first result and move nothing; a different request is refused', () => {
    const { app, clock } = ledgerApp();
    const d = newDriver(app);
    const first = topUp(app, { key: 'receipt-0001', driverId: d.id, amountFen: 10_000, channel: 'cash', memo: 'counter' });
    expect(first.replayed).toBe(false);
    const moved = snapshot(app);
    clock.advance(60_000);
    const again = topUp(app, { key: 'receipt-0001', driverId: d.id, amountFen: 10_000, channel: 'cash', memo: 'counter' });
    expect(again).toEqual({ ...first, replayed: true });
    expect(snapshot(app)).toBe(moved);

    for (const different of [
      { amountFen: 9_000, channel: 'cash' as const, memo: 'counter' },
      { amountFen: 10_000, channel: 'wechat' as const, memo: 'counter' },
      { amountFen: 10_000, channel: 'cash' as const, memo: 'other' },
    ]) {
      const e = depotError(() => topUp(app, { key: 'receipt-0001', driverId: d.id, ...different }));
      expect(e.code).toBe('idempotency_conflict');
    }
    // The key of a top-up cannot be reused for another kind of operation either.
    expect(depotError(() => grantPoints(app, { key: 'receipt-0001', driverId: d.id, points: 5 })).code).toBe('idempotency_conflict');
    expect(snapshot(app)).toBe(moved);
  });

  it('5. a batch commits whole or not at all: one invalid leg and nothing is committed', () => {
    const { app } = ledgerApp();
    const d = newDriver(app);
    const wallet = driverAccountId(d.id, 'wallet');
    topUp(app, { key: 'g5-top', driverId: d.id, amountFen: 1_000, channel: 'cash' });
    const before = snapshot(app);
    const e = depotError(() =>
      createTransfers(app, [
        { id: 'g5-a', debitAccountId: DEPOT.cashDrawer, creditAccountId: wallet, amount: 500, code: 'topup' },
        { id: 'g5-b', debitAccountId: wallet, creditAccountId: DEPOT.electricityRevenue, amount: 1_200, code: 'settle_electricity' },
        // overdraws: 1,000 + 500 - 1,200 = 300 left, 400 asked
        { id: 'g5-c', debitAccountId: wallet, creditAccountId: DEPOT.serviceRevenue, amount: 400, code: 'settle_service' },
      ]),
    );
    expect(e.code).toBe('insufficient_funds');
    expect(e.message).toMatch(/3\.00 yuan available; 4\.00 yuan needed/);
    expect(snapshot(app)).toBe(before);
    expect(app.sqlite.prepare("SELECT id FROM ledger_transfers WHERE id LIKE 'g5-_'").all()).toEqual([]);
    // An unknown account in the last leg rolls back the first legs too.
    depotError(() =>
      createTransfers(app, [
        { id: 'g5-d', debitAccountId: DEPOT.cashDrawer, creditAccountId: wallet, amount: 500, code: 'topup' },
        { id: 'g5-e', debitAccountId: wallet, creditAccountId: 'depot:typo', amount: 1, code: 'transfer' },
      ]),
    );
    expect(snapshot(app)).toBe(before);
  });

  it('6. a wallet, coupon, points account or held money never goes below zero; a debt is never over-collected', () => {
    const { app } = ledgerApp();
    const d = newDriver(app);
    const wallet = driverAccountId(d.id, 'wallet');
    topUp(app, { key: 'g6-top', driverId: d.id, amountFen: 1_000, channel: 'cash' });
    const e = depotError(() => createTransfers(app, [{ id: 'g6-over', debitAccountId: wallet, creditAccountId: DEPOT.serviceRevenue, amount: 1_001, code: 'transfer' }]));
    expect(e.code).toBe('insufficient_funds');
    expect(e.details).toMatchObject({ account: wallet, needed: 1_001, available: 1_000 });

    const coupon = grantCoupon(app, { key: 'g6-coupon', driverId: d.id, amountFen: 500 });
    expect(depotError(() => redeemCoupon(app, { key: 'g6-redeem', couponId: coupon.couponId, amountFen: 501, creditAccountId: DEPOT.serviceRevenue })).code).toBe(
      'insufficient_funds',
    );
    grantPoints(app, { key: 'g6-points', driverId: d.id, points: 10 });
    expect(
      depotError(() =>
        createTransfers(app, [{ id: 'g6-pts', debitAccountId: driverAccountId(d.id, 'points'), creditAccountId: DEPOT.pointsPool, amount: 11, code: 'points_redeem' }]),
      ).code,
    ).toBe('insufficient_funds');
    expect(
      depotError(() =>
        createTransfers(app, [{ id: 'g6-held', debitAccountId: driverAccountId(d.id, 'held'), creditAccountId: DEPOT.serviceRevenue, amount: 1, code: 'transfer' }]),
      ).code,
    ).toBe('insufficient_funds');
    // A debt account is never credited beyond what it was debited (a debt paid back twice).
    expect(
      depotError(() => createTransfers(app, [{ id: 'g6-debt', debitAccountId: wallet, creditAccountId: driverAccountId(d.id, 'debt'), amount: 1, code: 'debt_collect' }]))
        .code,
    ).toBe('refused');
    // The last line of defence: the table itself refuses an overdrawn flagged account.
    expect(() => app.sqlite.prepare('UPDATE ledger_accounts SET debits_posted = credits_posted + 1 WHERE id = ?').run(wallet)).toThrow(
      /CHECK constraint failed: ledger_accounts_debits_within_credits/,
    );
    expect(walletOf(app, d.id)).toEqual({ balance: 1_000, held: 0, available: 1_000 });
    expectLedgerValid(app);
  });

  it('7. held money counts against the wallet from the moment the hold is placed', () => {
    const { app } = ledgerApp();
    const d = newDriver(app);
    topUp(app, { key: 'g7-top', driverId: d.id, amountFen: 10_000, channel: 'cash' });
    placeHold(app, { key: 'g7-hold', driverId: d.id, amountFen: 8_000, expiresAt: app.clock.now() + HOUR });
    expect(walletOf(app, d.id)).toEqual({ balance: 10_000, held: 8_000, available: 2_000 });
    expect(depotError(() => placeHold(app, { key: 'g7-hold2', driverId: d.id, amountFen: 2_001, expiresAt: app.clock.now() + HOUR })).code).toBe('insufficient_funds');
    const e = depotError(() =>
      createTransfers(app, [{ id: 'g7-spend', debitAccountId: driverAccountId(d.id, 'wallet'), creditAccountId: DEPOT.serviceRevenue, amount: 2_001, code: 'transfer' }]),
    );
    expect(e.message).toMatch(/20\.00 yuan available/);
    const partial = placeHold(app, { key: 'g7-partial', driverId: d.id, amountFen: 5_000, expiresAt: app.clock.now() + HOUR, partial: true });
    expect(partial.amountFen).toBe(2_000);
    expect(walletOf(app, d.id).available).toBe(0);
  });

  it('8. a hold resolves at most once', () => {
    const { app } = ledgerApp();
    const d = newDriver(app);
    topUp(app, { key: 'g8-top', driverId: d.id, amountFen: 10_000, channel: 'cash' });
    const expiresAt = app.clock.now() + HOUR;
    const a = placeHold(app, { key: 'g8-a', driverId: d.id, amountFen: 3_000, expiresAt });
    const posted = postHold(app, { key: 'g8-post', holdId: a.holdId, electricityFen: 2_000, serviceFen: 500 });
    expect(posted.releasedFen).toBe(500);
    expect(walletOf(app, d.id)).toEqual({ balance: 7_500, held: 0, available: 7_500 });
    const after = snapshot(app);
    for (const attempt of [
      () => postHold(app, { key: 'g8-post2', holdId: a.holdId, electricityFen: 100, serviceFen: 0 }),
      () => voidHold(app, { key: 'g8-void', holdId: a.holdId }),
      () => createTransfers(app, [{ id: 'g8-raw', phase: 'post', pendingId: a.holdId, code: 'hold_post', amount: 1 }]),
    ]) {
      const e = depotError(attempt);
      expect(e.code).toBe('conflict');
      expect(e.message).toMatch(/already posted \(by g8-post\)/);
    }
    expect(snapshot(app)).toBe(after);
    // The table refuses a second resolution and a hold going back to pending, whatever the code.
    expect(() => app.sqlite.prepare("UPDATE ledger_holds SET status = 'voided', resolved_by = 'x' WHERE id = 'g8-a'").run()).toThrow(/at most once/);

    const b = placeHold(app, { key: 'g8-b', driverId: d.id, amountFen: 1_000, expiresAt });
    voidHold(app, { key: 'g8-void-b', holdId: b.holdId });
    expect(depotError(() => postHold(app, { key: 'g8-post-b', holdId: b.holdId, electricityFen: 1, serviceFen: 0 })).message).toMatch(/already voided/);
    expectLedgerValid(app);
  });

  it('9. a hold past its expiry can no longer be posted or voided, only expired', () => {
    const { app, clock } = ledgerApp();
    const d = newDriver(app);
    topUp(app, { key: 'g9-top', driverId: d.id, amountFen: 5_000, channel: 'cash' });
    const h = placeHold(app, { key: 'g9-hold', driverId: d.id, amountFen: 4_000, expiresAt: clock.now() + 60_000 });
    expect(depotError(() => expireHold(app, { holdId: h.holdId })).message).toMatch(/does not expire until/);
    clock.advance(60_000);
    expect(depotError(() => postHold(app, { key: 'g9-post', holdId: h.holdId, electricityFen: 100, serviceFen: 0 })).message).toMatch(/expired at .*only be expired/);
    expect(depotError(() => voidHold(app, { key: 'g9-void', holdId: h.holdId })).code).toBe('refused');
    const r = expireHold(app, { holdId: h.holdId });
    expect(r).toMatchObject({ status: 'expired', releasedFen: 4_000, replayed: false });
    expect(expireHold(app, { holdId: h.holdId }).replayed).toBe(true);
    expect(walletOf(app, d.id)).toEqual({ balance: 5_000, held: 0, available: 5_000 });
    expectLedgerValid(app);
  });

  it("10. an account's cached counters equal the sum of its transfers, and verify catches any drift", () => {
    const { app } = ledgerApp();
    const d = newDriver(app);
    topUp(app, { key: 'g10-top', driverId: d.id, amountFen: 2_000, channel: 'wechat' });
    placeHold(app, { key: 'g10-hold', driverId: d.id, amountFen: 500, expiresAt: app.clock.now() + HOUR });
    expectLedgerValid(app);
    // Counters are the one column set the engine updates; an out-of-band edit is caught.
    app.sqlite.prepare('UPDATE ledger_accounts SET credits_posted = credits_posted + 1 WHERE id = ?').run(driverAccountId(d.id, 'wallet'));
    const r = verifyLedger(app);
    expect(r.ok).toBe(false);
    expect(r.violations.map((v) => v.kind).sort()).toEqual(['counter_mismatch', 'totals_unbalanced']);
    expect(r.violations.find((v) => v.kind === 'counter_mismatch')?.message).toMatch(/cpost=2001 but its transfers sum to cpost=2000/);
  });

  it('11. a shortfall becomes a debt; a top-up collects open debts oldest first; the driver is flagged meanwhile', () => {
    const { app, clock } = ledgerApp();
    const d = newDriver(app);
    topUp(app, { key: 'g11-top', driverId: d.id, amountFen: 1_000, channel: 'cash' });
    const first = postSessionCharge(app, { key: 'settle:s1', driverId: d.id, sessionId: 's1', electricityFen: 2_500, serviceFen: 500 });
    expect(first.paid).toEqual({ couponsFen: 0, holdFen: 0, walletFen: 1_000, debtFen: 2_000 });
    expect(first.debtId).not.toBeNull();
    clock.advance(1_000);
    const second = postSessionCharge(app, { key: 'settle:s2', driverId: d.id, sessionId: 's2', electricityFen: 700, serviceFen: 0 });
    expect(second.paid.debtFen).toBe(700);
    expect(debtOf(app, d.id)).toBe(2_700);
    expect(hasOpenDebt(app, d.id)).toBe(true);

    const partial = topUp(app, { key: 'g11-top2', driverId: d.id, amountFen: 2_300, channel: 'cash' });
    expect(partial.collected).toEqual([
      { debtId: first.debtId, amountFen: 2_000 },
      { debtId: second.debtId, amountFen: 300 },
    ]);
    expect(walletOf(app, d.id).balance).toBe(0);
    expect(hasOpenDebt(app, d.id)).toBe(true);
    const rest = topUp(app, { key: 'g11-top3', driverId: d.id, amountFen: 1_000, channel: 'alipay' });
    expect(rest.collected).toEqual([{ debtId: second.debtId, amountFen: 400 }]);
    expect(rest.wallet.availableFen).toBe(600);
    expect(hasOpenDebt(app, d.id)).toBe(false);
    expect(debtOf(app, d.id)).toBe(0);
    const statuses = app.sqlite.prepare('SELECT status FROM ledger_debts ORDER BY created_at').all();
    expect(statuses).toEqual([{ status: 'settled' }, { status: 'settled' }]);
    expectLedgerValid(app);
  });

  it('12. corrections and restores never give back more than the original moved', () => {
    const { app } = ledgerApp();
    const d = newDriver(app);
    topUp(app, { key: 'g12-top', driverId: d.id, amountFen: 10_000, channel: 'cash' });
    correctTransfer(app, { key: 'g12-fix1', transferId: 'g12-top', amountFen: 6_000, memo: 'part' });
    expect(depotError(() => correctTransfer(app, { key: 'g12-fix2', transferId: 'g12-top', amountFen: 5_000, memo: 'too much' })).message).toMatch(
      /6000 of it was already reversed/,
    );
    const rest = correctTransfer(app, { key: 'g12-fix3', transferId: 'g12-top', memo: 'the rest' });
    expect(rest.amountFen).toBe(4_000);
    expect(depotError(() => correctTransfer(app, { key: 'g12-fix4', transferId: 'g12-top', memo: 'again' })).code).toBe('conflict');

    const c = grantCoupon(app, { key: 'g12-coupon', driverId: d.id, amountFen: 2_000 });
    redeemCoupon(app, { key: 'g12-redeem', couponId: c.couponId, amountFen: 1_500, creditAccountId: DEPOT.serviceRevenue, orderId: 'o1' });
    restoreCoupon(app, { key: 'g12-restore1', redeemId: 'g12-redeem', amountFen: 1_000 });
    expect(depotError(() => restoreCoupon(app, { key: 'g12-restore2', redeemId: 'g12-redeem', amountFen: 501 })).code).toBe('refused');
    expect(restoreCoupon(app, { key: 'g12-restore3', redeemId: 'g12-redeem' }).amountFen).toBe(500);
    expectLedgerValid(app);
  });

  it('13. points are their own unit: no transfer mixes points and money', () => {
    const { app } = ledgerApp();
    const d = newDriver(app);
    grantPoints(app, { key: 'g13-points', driverId: d.id, points: 500 });
    const e = depotError(() =>
      createTransfers(app, [
        { id: 'g13-mix', debitAccountId: driverAccountId(d.id, 'points'), creditAccountId: driverAccountId(d.id, 'wallet'), amount: 100, code: 'transfer' },
      ]),
    );
    expect(e.code).toBe('invalid_input');
    expect(e.message).toMatch(/counts points .* counts CNY/);
    expect(walletOf(app, d.id).balance).toBe(0);
    expect(verifyLedger(app).totals).toMatchObject({ points: { debitsPosted: 500, creditsPosted: 500 } });
  });
});
