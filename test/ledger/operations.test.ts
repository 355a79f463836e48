import { describe, expect, it } from 'vitest';
import {
  DEPOT,
  addDriver,
  collectDebts,
  correctTransfer,
  creditCompensation,
  depotAccounts,
  driverAccountId,
  driverStatement,
  expireCoupon,
  expireDueHolds,
  findDriverByIdTag,
  grantCoupon,
  grantPoints,
  listDrivers,
  payRefund,
  placeHold,
  postHold,
  postSessionCharge,
  redeemPoints,
  refundFromWallet,
  refundToWallet,
  restorePoints,
  topUp,
  walletView,
  writeOffDebt,
} from '../../src-main/ledger';
import { accountBalance, debtOf, depotError, expectLedgerValid, ledgerApp, newDriver, snapshot, walletOf } from './fixtures';

const HOUR = 3_600_000;

function revenue(app: Parameters<typeof accountBalance>[0]) {
  return {
    electricity: accountBalance(app, DEPOT.electricityRevenue).credits - accountBalance(app, DEPOT.electricityRevenue).debits,
    service: accountBalance(app, DEPOT.serviceRevenue).credits - accountBalance(app, DEPOT.serviceRevenue).debits,
  };
}

describe('settling a charging session', () => {
  it('posts the hold for the amount due into electricity and service revenue and releases the rest', () => {
    const { app } = ledgerApp();
    const d = newDriver(app);
    topUp(app, { key: 't', driverId: d.id, amountFen: 10_000, channel: 'cash' });
    const hold = placeHold(app, { key: 'hold:s1', driverId: d.id, amountFen: 8_000, expiresAt: app.clock.now() + HOUR, sessionId: 's1' });
    const r = postSessionCharge(app, { key: 'settle:s1', driverId: d.id, sessionId: 's1', holdId: hold.holdId, electricityFen: 3_560, serviceFen: 1_200 });
    expect(r.paid).toEqual({ couponsFen: 0, holdFen: 4_760, walletFen: 0, debtFen: 0 });
    expect(r.hold).toEqual({ holdId: 'hold:s1', postedFen: 4_760, releasedFen: 3_240, expired: false });
    expect(r.transferIds).toEqual(['settle:s1#post', 'settle:s1#hold:electricity', 'settle:s1#hold:service']);
    expect(walletOf(app, d.id)).toEqual({ balance: 5_240, held: 0, available: 5_240 });
    expect(revenue(app)).toEqual({ electricity: 3_560, service: 1_200 });
    expect(accountBalance(app, driverAccountId(d.id, 'held'))).toEqual({ debits: 4_760, credits: 4_760 });
    expectLedgerValid(app);
  });

  it('takes from the wallet when the hold is short, electricity first', () => {
    const { app } = ledgerApp();
    const d = newDriver(app);
    topUp(app, { key: 't', driverId: d.id, amountFen: 5_000, channel: 'cash' });
    const hold = placeHold(app, { key: 'hold:s2', driverId: d.id, amountFen: 2_000, expiresAt: app.clock.now() + HOUR, sessionId: 's2' });
    const r = postSessionCharge(app, { key: 'settle:s2', driverId: d.id, sessionId: 's2', holdId: hold.holdId, electricityFen: 2_500, serviceFen: 500 });
    expect(r.paid).toEqual({ couponsFen: 0, holdFen: 2_000, walletFen: 1_000, debtFen: 0 });
    expect(r.transferIds).toEqual(['settle:s2#post', 'settle:s2#hold:electricity', 'settle:s2#wallet:electricity', 'settle:s2#wallet:service']);
    expect(walletOf(app, d.id).balance).toBe(2_000);
    expect(revenue(app)).toEqual({ electricity: 2_500, service: 500 });
    expectLedgerValid(app);
  });

  it('uses the chosen coupons first, skips an expired or foreign one, and says why', () => {
    const { app, clock } = ledgerApp();
    const d = newDriver(app);
    const other = newDriver(app, 'other');
    topUp(app, { key: 't', driverId: d.id, amountFen: 5_000, channel: 'cash' });
    const good = grantCoupon(app, { key: 'c-good', driverId: d.id, amountFen: 1_500 });
    const soon = grantCoupon(app, { key: 'c-soon', driverId: d.id, amountFen: 900, expiresAt: clock.now() + 1_000 });
    const foreign = grantCoupon(app, { key: 'c-foreign', driverId: other.id, amountFen: 900 });
    clock.advance(2_000);
    const r = postSessionCharge(app, {
      key: 'settle:s3',
      driverId: d.id,
      sessionId: 's3',
      electricityFen: 1_000,
      serviceFen: 1_000,
      couponIds: [soon.couponId, foreign.couponId, good.couponId],
    });
    expect(r.coupons).toEqual([{ couponId: good.couponId, amountFen: 1_500 }]);
    expect(r.couponsSkipped.map((s) => s.couponId)).toEqual([soon.couponId, foreign.couponId]);
    expect(r.couponsSkipped[0].reason).toMatch(/expired/);
    expect(r.paid).toEqual({ couponsFen: 1_500, holdFen: 0, walletFen: 500, debtFen: 0 });
    const view = walletView(app, d.id);
    expect(view.coupons.find((c) => c.couponId === good.couponId)).toMatchObject({ remainingFen: 0, status: 'used' });
    expect(view.coupons.find((c) => c.couponId === soon.couponId)).toMatchObject({ remainingFen: 900, status: 'expired' });
    expectLedgerValid(app);
  });

  it('expires a hold that is already past its expiry and lets the wallet pay instead', () => {
    const { app, clock } = ledgerApp();
    const d = newDriver(app);
    topUp(app, { key: 't', driverId: d.id, amountFen: 3_000, channel: 'cash' });
    const hold = placeHold(app, { key: 'hold:s4', driverId: d.id, amountFen: 3_000, expiresAt: clock.now() + 60_000, sessionId: 's4' });
    clock.advance(120_000);
    const r = postSessionCharge(app, { key: 'settle:s4', driverId: d.id, sessionId: 's4', holdId: hold.holdId, electricityFen: 1_000, serviceFen: 200 });
    expect(r.hold).toEqual({ holdId: 'hold:s4', postedFen: 0, releasedFen: 3_000, expired: true });
    expect(r.paid.walletFen).toBe(1_200);
    expect(app.sqlite.prepare("SELECT status FROM ledger_holds WHERE id = 'hold:s4'").get()).toEqual({ status: 'expired' });
    expectLedgerValid(app);
  });

  it('still settles after the expiry job released the hold: the wallet pays, then a debt', () => {
    const { app, clock } = ledgerApp();
    const d = newDriver(app);
    topUp(app, { key: 't', driverId: d.id, amountFen: 1_000, channel: 'cash' });
    const hold = placeHold(app, { key: 'hold:s8', driverId: d.id, amountFen: 1_000, expiresAt: clock.now() + 60_000, sessionId: 's8' });
    clock.advance(60_000);
    expect(expireDueHolds(app).expired.map((e) => e.holdId)).toEqual(['hold:s8']);
    const r = postSessionCharge(app, { key: 'settle:s8', driverId: d.id, sessionId: 's8', holdId: hold.holdId, electricityFen: 1_200, serviceFen: 0 });
    expect(r.hold).toEqual({ holdId: 'hold:s8', postedFen: 0, releasedFen: 0, expired: true });
    expect(r.paid).toEqual({ couponsFen: 0, holdFen: 0, walletFen: 1_000, debtFen: 200 });
    // A hold that was posted, though, is a second charge.
    topUp(app, { key: 't2', driverId: d.id, amountFen: 5_000, channel: 'cash' });
    const h2 = placeHold(app, { key: 'hold:s9', driverId: d.id, amountFen: 1_000, expiresAt: clock.now() + HOUR, sessionId: 's9' });
    postHold(app, { key: 'post:s9', holdId: h2.holdId, electricityFen: 500, serviceFen: 0 });
    expect(depotError(() => postSessionCharge(app, { key: 'settle:s9b', driverId: d.id, holdId: h2.holdId, electricityFen: 500, serviceFen: 0 })).code).toBe('conflict');
    expectLedgerValid(app);
  });

  it('voids the hold when a session costs nothing', () => {
    const { app } = ledgerApp();
    const d = newDriver(app);
    topUp(app, { key: 't', driverId: d.id, amountFen: 3_000, channel: 'cash' });
    const hold = placeHold(app, { key: 'hold:s5', driverId: d.id, amountFen: 3_000, expiresAt: app.clock.now() + HOUR, sessionId: 's5' });
    const r = postSessionCharge(app, { key: 'settle:s5', driverId: d.id, sessionId: 's5', holdId: hold.holdId, electricityFen: 0, serviceFen: 0 });
    expect(r.hold?.releasedFen).toBe(3_000);
    expect(r.dueFen).toBe(0);
    expect(walletOf(app, d.id)).toEqual({ balance: 3_000, held: 0, available: 3_000 });
  });

  it('refuses to settle the same session under a second key, which would charge twice', () => {
    const { app } = ledgerApp();
    const d = newDriver(app);
    topUp(app, { key: 't', driverId: d.id, amountFen: 9_000, channel: 'cash' });
    postSessionCharge(app, { key: 'settle:s6', driverId: d.id, sessionId: 's6', electricityFen: 1_000, serviceFen: 100 });
    const before = snapshot(app);
    const e = depotError(() => postSessionCharge(app, { key: 'settle:s6-again', driverId: d.id, sessionId: 's6', electricityFen: 1_000, serviceFen: 100 }));
    expect(e.code).toBe('conflict');
    expect(e.message).toMatch(/already settled \(by settle:s6\)/);
    expect(snapshot(app)).toBe(before);
    expect(postSessionCharge(app, { key: 'settle:s6', driverId: d.id, sessionId: 's6', electricityFen: 1_000, serviceFen: 100 }).replayed).toBe(true);
  });

  it('posting a hold more than it holds is refused; postHold alone splits into the two legs', () => {
    const { app } = ledgerApp();
    const d = newDriver(app);
    topUp(app, { key: 't', driverId: d.id, amountFen: 9_000, channel: 'cash' });
    const hold = placeHold(app, { key: 'hold:s7', driverId: d.id, amountFen: 2_000, expiresAt: app.clock.now() + HOUR, sessionId: 's7' });
    expect(depotError(() => postHold(app, { key: 'post:s7', holdId: hold.holdId, electricityFen: 1_900, serviceFen: 101 })).details).toMatchObject({ field: 'amount' });
    const r = postHold(app, { key: 'post:s7', holdId: hold.holdId, electricityFen: 1_900, serviceFen: 100 });
    expect(r).toMatchObject({ postedFen: 2_000, releasedFen: 0 });
    expect(revenue(app)).toEqual({ electricity: 1_900, service: 100 });
    expectLedgerValid(app);
  });
});

describe('debts', () => {
  it('an explicit collection takes what the wallet has, and a write-off clears the rest', () => {
    const { app } = ledgerApp();
    const d = newDriver(app);
    const s = postSessionCharge(app, { key: 'settle:d1', driverId: d.id, sessionId: 'd1', electricityFen: 3_000, serviceFen: 0 });
    expect(debtOf(app, d.id)).toBe(3_000);
    creditCompensation(app, { key: `comp:fault:${d.id}`, driverId: d.id, amountFen: 1_000, campaignId: 'fault' });
    expect(walletOf(app, d.id).balance).toBe(1_000);
    const c = collectDebts(app, { key: 'collect-1', driverId: d.id });
    expect(c.collected).toEqual([{ debtId: s.debtId, amountFen: 1_000 }]);
    expect(debtOf(app, d.id)).toBe(2_000);
    expect(depotError(() => writeOffDebt(app, { key: 'wo', debtId: s.debtId!, memo: '' })).details).toMatchObject({ field: 'memo' });
    const w = writeOffDebt(app, { key: 'wo', debtId: s.debtId!, memo: 'driver left the fleet' });
    expect(w.amountFen).toBe(2_000);
    expect(debtOf(app, d.id)).toBe(0);
    expect(accountBalance(app, DEPOT.writeOffs).debits).toBe(2_000);
    expect(depotError(() => writeOffDebt(app, { key: 'wo2', debtId: s.debtId!, memo: 'again' })).code).toBe('conflict');
    expectLedgerValid(app);
  });

  it('a compensation can collect debts in the same transaction when asked', () => {
    const { app } = ledgerApp();
    const d = newDriver(app);
    postSessionCharge(app, { key: 'settle:d2', driverId: d.id, sessionId: 'd2', electricityFen: 400, serviceFen: 0 });
    const r = creditCompensation(app, { key: `comp:c2:${d.id}`, driverId: d.id, amountFen: 1_000, campaignId: 'c2', collectDebts: true });
    expect(r.collected[0].amountFen).toBe(400);
    expect(r.wallet.availableFen).toBe(600);
    expect(creditCompensation(app, { key: `comp:c2:${d.id}`, driverId: d.id, amountFen: 1_000, campaignId: 'c2', collectDebts: true }).replayed).toBe(true);
  });
});

describe('refunds, coupons, points and corrections', () => {
  it('a refund waits in refunds payable until it is paid out, once', () => {
    const { app } = ledgerApp();
    const d = newDriver(app);
    topUp(app, { key: 't', driverId: d.id, amountFen: 5_000, channel: 'wechat' });
    refundFromWallet(app, { key: 'refund:r1', driverId: d.id, amountFen: 3_000, memo: 'leaving' });
    expect(walletOf(app, d.id).balance).toBe(2_000);
    expect(accountBalance(app, DEPOT.refundsPayable).credits).toBe(3_000);
    payRefund(app, { refundKey: 'refund:r1', channel: 'wechat', statementRow: 'wx-123' });
    expect(payRefund(app, { refundKey: 'refund:r1', channel: 'wechat', statementRow: 'wx-123' }).replayed).toBe(true);
    expect(depotError(() => payRefund(app, { refundKey: 'refund:r1', channel: 'cash' })).code).toBe('idempotency_conflict');
    const payable = accountBalance(app, DEPOT.refundsPayable);
    expect(payable.credits - payable.debits).toBe(0);
    refundToWallet(app, { key: 'refund:s9', driverId: d.id, electricityFen: 300, serviceFen: 50, sessionId: 's9', memo: 'overcharge' });
    expect(walletOf(app, d.id).balance).toBe(2_350);
    expectLedgerValid(app);
  });

  it('an unused coupon returns its rest to coupon expense when it expires', () => {
    const { app, clock } = ledgerApp();
    const d = newDriver(app);
    const c = grantCoupon(app, { key: 'c1', driverId: d.id, amountFen: 2_000, expiresAt: clock.now() + HOUR });
    expect(depotError(() => expireCoupon(app, { couponId: c.couponId })).code).toBe('refused');
    clock.advance(HOUR);
    expect(expireCoupon(app, { couponId: c.couponId }).amountFen).toBe(2_000);
    const expense = accountBalance(app, DEPOT.couponExpense);
    expect(expense.debits - expense.credits).toBe(0);
    expectLedgerValid(app);
  });

  it('points are redeemed and restored in points', () => {
    const { app } = ledgerApp();
    const d = newDriver(app);
    grantPoints(app, { key: 'p1', driverId: d.id, points: 300 });
    expect(redeemPoints(app, { key: 'p2', driverId: d.id, points: 120, orderId: 'o1' }).balance).toBe(180);
    expect(restorePoints(app, { key: 'p3', redeemId: 'p2' })).toMatchObject({ points: 120, balance: 300 });
    expect(depotError(() => restorePoints(app, { key: 'p4', redeemId: 'p2' })).code).toBe('conflict');
    expect(depotError(() => grantPoints(app, { key: 'p5', driverId: d.id, points: 1.5 })).details).toMatchObject({ field: 'points' });
  });

  it('refuses to correct movements that have their own way back', () => {
    const { app } = ledgerApp();
    const d = newDriver(app);
    topUp(app, { key: 't', driverId: d.id, amountFen: 5_000, channel: 'cash' });
    const hold = placeHold(app, { key: 'h', driverId: d.id, amountFen: 1_000, expiresAt: app.clock.now() + HOUR, sessionId: 'x1' });
    postSessionCharge(app, { key: 'settle:x1', driverId: d.id, sessionId: 'x1', holdId: hold.holdId, electricityFen: 900, serviceFen: 0 });
    expect(depotError(() => correctTransfer(app, { key: 'c1', transferId: 'h', memo: 'x' })).message).toMatch(/void the hold/);
    expect(depotError(() => correctTransfer(app, { key: 'c2', transferId: 'settle:x1#post', memo: 'x' })).message).toMatch(/refundToWallet/);
    expect(depotError(() => correctTransfer(app, { key: 'c3', transferId: 'settle:x1#hold:electricity', memo: 'x' })).message).toMatch(/held money/);
    expect(depotError(() => correctTransfer(app, { key: 'c4', transferId: 't', memo: '  ' })).details).toMatchObject({ field: 'memo' });
    // A top-up the driver already spent cannot be taken back.
    expect(depotError(() => correctTransfer(app, { key: 'c5', transferId: 't', memo: 'wrong driver' })).code).toBe('insufficient_funds');
  });
});

describe('holds expire on time', () => {
  it('expireDueHolds releases every hold past its expiry and leaves the others', () => {
    const { app, clock } = ledgerApp();
    const d = newDriver(app);
    topUp(app, { key: 't', driverId: d.id, amountFen: 9_000, channel: 'cash' });
    placeHold(app, { key: 'h1', driverId: d.id, amountFen: 1_000, expiresAt: clock.now() + 60_000 });
    placeHold(app, { key: 'h2', driverId: d.id, amountFen: 2_000, expiresAt: clock.now() + 120_000 });
    placeHold(app, { key: 'h3', driverId: d.id, amountFen: 3_000, expiresAt: clock.now() + HOUR });
    clock.advance(120_000);
    const r = expireDueHolds(app);
    expect(r.expired.map((e) => e.holdId)).toEqual(['h1', 'h2']);
    expect(walletOf(app, d.id)).toEqual({ balance: 9_000, held: 3_000, available: 6_000 });
    expect(expireDueHolds(app).expired).toEqual([]);
    expectLedgerValid(app);
  });
});

describe('drivers', () => {
  it('are found by name, phone, card number (any case) or VIN; a phone, card or VIN belongs to one driver', () => {
    const { app } = ledgerApp();
    const a = addDriver(app, { name: '陈师傅', phone: '138-0000-0001', tags: ['04a1b2c3'], vins: ['lgxc16df4m0000001'] });
    addDriver(app, { name: 'Li Ming', phone: '13800000002' });
    expect(a.phone).toBe('13800000001');
    expect(a.tags).toEqual([{ tag: '04A1B2C3', kind: 'rfid' }]);
    expect(findDriverByIdTag(app, '04a1b2c3')?.id).toBe(a.id);
    for (const search of ['陈', '0001', 'a1b2', 'M0000001'])
      expect(
        listDrivers(app, { search }).drivers.map((x) => x.id),
        search,
      ).toEqual([a.id]);
    expect(listDrivers(app, {}).total).toBe(2);
    expect(listDrivers(app, { search: '%' }).total).toBe(0);
    expect(depotError(() => addDriver(app, { name: 'X', phone: '13800000001' })).details).toMatchObject({ field: 'phone' });
    expect(depotError(() => addDriver(app, { name: 'X', phone: '13800000009', tags: ['04A1B2C3'] })).details).toMatchObject({ field: 'tag' });
    expect(depotError(() => addDriver(app, { name: 'X', phone: 'not a phone' })).details).toMatchObject({ field: 'phone' });
    expect(depotError(() => addDriver(app, { name: 'X', phone: '13800000010', vins: ['TOO-SHORT'] })).details).toMatchObject({ field: 'vin' });
    // The failed adds left nothing behind.
    expect(listDrivers(app, {}).total).toBe(2);
  });
});

describe('the statement (流水)', () => {
  it('lists every movement with running balances that do not change with the window or filters', () => {
    const { app, clock } = ledgerApp();
    clock.set('2026-03-01T02:00:00Z'); // 10:00 in Shanghai
    const d = newDriver(app);
    topUp(app, { key: 'st-1', driverId: d.id, amountFen: 10_000, channel: 'cash', memo: 'counter' });
    clock.set('2026-03-02T02:00:00Z');
    const hold = placeHold(app, { key: 'st-hold', driverId: d.id, amountFen: 5_000, expiresAt: clock.now() + HOUR, sessionId: 'st-s1' });
    clock.advance(30 * 60_000);
    postSessionCharge(app, { key: 'settle:st-s1', driverId: d.id, sessionId: 'st-s1', holdId: hold.holdId, electricityFen: 2_000, serviceFen: 600 });
    clock.set('2026-03-03T17:00:00Z'); // 01:00 on 03-04 in Shanghai
    postSessionCharge(app, { key: 'settle:st-s2', driverId: d.id, sessionId: 'st-s2', electricityFen: 8_000, serviceFen: 0 });
    topUp(app, { key: 'st-2', driverId: d.id, amountFen: 1_000, channel: 'wechat' });

    const all = driverStatement(app, { driverId: d.id });
    expect(all.lines.map((l) => [l.account, l.code, l.amount, l.heldChange, l.balanceAfter, l.heldAfter])).toEqual([
      ['wallet', 'topup', 10_000, 0, 10_000, 0],
      ['wallet', 'hold', 0, 5_000, 10_000, 5_000],
      ['wallet', 'hold_post', -2_600, -5_000, 7_400, 0],
      ['wallet', 'settle_electricity', -7_400, 0, 0, 0],
      ['debt', 'debt', 600, 0, 600, 0],
      ['wallet', 'topup', 1_000, 0, 1_000, 0],
      ['wallet', 'debt_collect', -600, 0, 400, 0],
      ['debt', 'debt_collect', -600, 0, 0, 0],
    ]);
    expect(all.closing).toEqual({ wallet: { balance: 400, held: 0 }, debt: 0, points: 0, coupons: 0 });

    // 03-04 in the depot's zone holds only the second session and the top-up.
    const day = driverStatement(app, { driverId: d.id, from: '2026-03-04', to: '2026-03-04', accounts: ['wallet'] });
    expect(day.opening.wallet).toEqual({ balance: 7_400, held: 0 });
    expect(day.lines.map((l) => [l.code, l.balanceAfter])).toEqual([
      ['settle_electricity', 0],
      ['topup', 1_000],
      ['debt_collect', 400],
    ]);
    const topups = driverStatement(app, { driverId: d.id, codes: ['topup'] });
    expect(topups.lines.map((l) => l.balanceAfter)).toEqual([10_000, 1_000]);
    expect(topups.lines[0]).toMatchObject({ memo: 'counter', batch: 1, counterpartyAccountId: DEPOT.cashDrawer });
    expect(depotError(() => driverStatement(app, { driverId: d.id, from: '2026-03-05', to: '2026-03-04' })).details).toMatchObject({ field: 'to' });
  });

  it('shows the depot accounts with their balances on their normal side', () => {
    const { app } = ledgerApp();
    const d = newDriver(app);
    topUp(app, { key: 't', driverId: d.id, amountFen: 1_000, channel: 'alipay' });
    const accounts = depotAccounts(app);
    expect(accounts.find((a) => a.id === DEPOT.clearingAlipay)?.balance).toBe(1_000);
    expect(accounts.map((a) => a.id).sort()).toEqual(Object.values(DEPOT).sort());
  });
});
