import { afterEach, describe, expect, it } from 'vitest';
import { createOrder } from '../../src-main/payments';
import { approveAdjustment, createAdjustment, getAdjustment, getTask, rejectAdjustment } from '../../src-main/refunds';
import { call, ok } from '../helpers';
import { expectLedgerValid, newDriver, paidOrder, refundApp, refundsPayable, revenue, settledSession, transfersByKeyPrefix, walletOf, type RefundApp } from './fixtures';

/** Guarantees of src-main/refunds/adjustments.ts, one block each, told as the counter's story. */

type Adjustment = {
  id: string;
  state: string;
  amount: { fen: number };
  electricity: { fen: number } | null;
  service: { fen: number } | null;
  resolvedBy: { id: string } | null;
  resolutionNote: string | null;
  resolvedAt: number | null;
};

let t: RefundApp;
afterEach(async () => {
  if (t) {
    expectLedgerValid(t.app);
    await t.scheduler.stop();
  }
});

function ledgerCount(): number {
  return (t.app.sqlite.prepare('SELECT count(*) AS n FROM ledger_transfers').get() as { n: number }).n;
}

describe('1. an adjustment never asks for more than is left', () => {
  it('a ¥50.00 session: ¥30 pending leaves ¥20, so a second request for ¥25 is refused and one for ¥20 is accepted', async () => {
    t = await refundApp();
    const d = newDriver(t.app);
    const s = settledSession(t.app, d, { electricityFen: 3000, serviceFen: 2000 });
    await ok(t.app, t.clerk, 'adjustments.create', { sessionId: s, amount: '30.00', reason: '充电桩故障' });
    const over = await call(t.app, t.clerk, 'adjustments.create', { sessionId: s, amount: '25.00', reason: '又一次' });
    expect(over.ok).toBe(false);
    if (!over.ok) {
      expect(over.error.code).toBe('refused');
      expect(over.error.message).toContain('¥20.00 left');
      expect(over.error.message).toContain('waiting for approval ¥30.00');
    }
    await ok(t.app, t.clerk, 'adjustments.create', { sessionId: s, amount: '20.00', reason: '又一次' });
    const limit = await ok<{ available: { fen: number }; claimed: { fen: number } }>(t.app, t.clerk, 'adjustments.limit', { sessionId: s });
    expect(limit).toMatchObject({ available: { fen: 0 }, claimed: { fen: 5000 } });
  });

  it('what was already refunded counts: after an approved ¥40 refund of a ¥50 session, only ¥10 is left', async () => {
    t = await refundApp();
    const d = newDriver(t.app);
    const s = settledSession(t.app, d, { electricityFen: 3000, serviceFen: 2000 });
    const a = await ok<Adjustment>(t.app, t.clerk, 'adjustments.create', { sessionId: s, amount: '40.00', reason: '计费错误' });
    await ok(t.app, t.sup1, 'adjustments.approve', { adjustmentId: a.id });
    const limit = await ok<{ paid: { fen: number }; refunded: { fen: number }; available: { fen: number } }>(t.app, t.clerk, 'adjustments.limit', { sessionId: s });
    expect(limit).toMatchObject({ paid: { fen: 5000 }, refunded: { fen: 4000 }, available: { fen: 1000 } });
    expect((await call(t.app, t.clerk, 'adjustments.create', { sessionId: s, amount: '10.01', reason: 'x' })).ok).toBe(false);
  });

  it('an UNPAID session only counts what was actually paid (the wallet part, not the debt)', async () => {
    t = await refundApp();
    const d = newDriver(t.app);
    const s = settledSession(t.app, d, { electricityFen: 3000, serviceFen: 2000, walletFen: 1500 });
    const limit = await ok<{ paid: { fen: number }; available: { fen: number } }>(t.app, t.clerk, 'adjustments.limit', { sessionId: s });
    expect(limit).toMatchObject({ paid: { fen: 1500 }, available: { fen: 1500 } });
    expect((await call(t.app, t.clerk, 'adjustments.create', { sessionId: s, amount: '15.01', reason: 'x' })).ok).toBe(false);
  });

  it('an order is limited to what went through the gateway, and an unpaid order cannot be refunded', async () => {
    t = await refundApp();
    const d = newDriver(t.app);
    const o = await paidOrder(t.app, d, 10000);
    const over = await call(t.app, t.clerk, 'adjustments.create', { orderId: o.id, amount: '100.01', reason: '重复支付' });
    expect(over.ok || over.error.code).toBe('refused');
    await ok(t.app, t.clerk, 'adjustments.create', { orderId: o.id, amount: '100.00', reason: '重复支付' });
    const both = await call(t.app, t.clerk, 'adjustments.create', { sessionId: 'x', orderId: o.id, amount: '1.00', reason: 'x' });
    expect(both.ok || both.error.code).toBe('invalid_input');
  });
});

describe('the screens can word every refusal about what was named (issue 16)', () => {
  it('the limit names the session by its number; no such session, an unsettled one and an unpaid order are refused with a reason and the number, never only an id', async () => {
    t = await refundApp();
    const d = newDriver(t.app);
    const s = settledSession(t.app, d, { electricityFen: 1000, serviceFen: 1000 });
    const number = (t.app.sqlite.prepare('SELECT number FROM charging_sessions WHERE id = ?').get(s) as { number: string }).number;
    expect(number).toMatch(/^CD\d{8}$/);
    expect(await ok(t.app, t.clerk, 'adjustments.limit', { sessionId: s })).toMatchObject({ target: 'session', sessionId: s, sessionNumber: number });

    const none = await call(t.app, t.clerk, 'adjustments.limit', { sessionId: 'CD99999999' });
    expect(none.ok || none.error).toMatchObject({ code: 'not_found', details: { field: 'sessionId', reason: 'no_session', ref: 'CD99999999' } });

    const now = t.clock.now();
    t.app.sqlite
      .prepare(
        "INSERT INTO charging_sessions (id, state, origin, charger_id, connector_id, driver_id, id_tag, created_at, updated_at) VALUES ('S-CHARGING', 'CHARGING', 'operator', 'CP-1', 1, ?, 'TAG', ?, ?)",
      )
      .run(d.id, now, now);
    const charging = (t.app.sqlite.prepare("SELECT number FROM charging_sessions WHERE id = 'S-CHARGING'").get() as { number: string }).number;
    const unsettled = await call(t.app, t.clerk, 'adjustments.create', { sessionId: 'S-CHARGING', amount: '1.00', reason: 'x' });
    expect(unsettled.ok || unsettled.error).toMatchObject({ code: 'refused', details: { reason: 'session_not_settled', number: charging } });
    if (!unsettled.ok) expect(unsettled.error.message).toContain(charging);

    const o = await createOrder(t.app, { driverId: d.id, amountFen: 5000, channel: 'wechat' });
    const unpaid = await call(t.app, t.clerk, 'adjustments.limit', { orderId: o.id });
    expect(unpaid.ok || unpaid.error).toMatchObject({ code: 'refused', details: { reason: 'order_not_paid', number: o.number } });
  });

  it('the loser of an approval race and the creator are refused with a reason the screens word (by name, not operator id)', async () => {
    t = await refundApp();
    const d = newDriver(t.app);
    const s = settledSession(t.app, d, { electricityFen: 1000, serviceFen: 0 });
    const a = await ok<Adjustment>(t.app, t.sup1, 'adjustments.create', { sessionId: s, amount: '1.00', reason: '补偿' });
    const own = await call(t.app, t.sup1, 'adjustments.approve', { adjustmentId: a.id });
    expect(own.ok || own.error).toMatchObject({ code: 'forbidden', details: { reason: 'requester_cannot_decide' } });
    await ok(t.app, t.sup2, 'adjustments.approve', { adjustmentId: a.id });
    const again = await call(t.app, t.sup2, 'adjustments.approve', { adjustmentId: a.id });
    expect(again.ok || again.error).toMatchObject({ code: 'conflict', details: { reason: 'already_approved', by: t.sup2.displayName } });
  });
});

describe('2. the creator can neither approve nor reject', () => {
  it('a supervisor who opened an adjustment is refused by the core; another supervisor approves it; an operator may not approve at all', async () => {
    t = await refundApp();
    const d = newDriver(t.app);
    const s = settledSession(t.app, d, { electricityFen: 1000, serviceFen: 1000 });
    const a = await ok<Adjustment>(t.app, t.sup1, 'adjustments.create', { sessionId: s, amount: '5.00', reason: '服务补偿' });
    for (const m of ['adjustments.approve', 'adjustments.reject']) {
      const r = await call(t.app, t.sup1, m, { adjustmentId: a.id, note: 'mine' });
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('forbidden');
        expect(r.error.message).toContain('another supervisor');
      }
    }
    // The core itself refuses, whatever door the call came through.
    expect(() => approveAdjustment(t.app, a.id, {}, { operatorId: t.sup1.id })).toThrow(/another supervisor/);
    const clerk = await call(t.app, t.clerk, 'adjustments.approve', { adjustmentId: a.id });
    expect(clerk.ok || clerk.error.code).toBe('forbidden');
    expect(getAdjustment(t.app, a.id).state).toBe('pending');
    const r = await ok<{ adjustment: Adjustment }>(t.app, t.sup2, 'adjustments.approve', { adjustmentId: a.id, note: '核实无误' });
    expect(r.adjustment).toMatchObject({ state: 'approved', resolvedBy: { id: t.sup2.id }, resolutionNote: '核实无误', resolvedAt: t.clock.now() });
    const audited = t.app.sqlite.prepare("SELECT method, result FROM audit_log WHERE method LIKE 'adjustments.%' ORDER BY id").all() as {
      method: string;
      result: string;
    }[];
    expect(audited).toEqual([
      { method: 'adjustments.create', result: 'ok' },
      { method: 'adjustments.approve', result: 'forbidden' },
      { method: 'adjustments.reject', result: 'forbidden' },
      { method: 'adjustments.approve', result: 'forbidden' },
      { method: 'adjustments.approve', result: 'ok' },
    ]);
  });
});

describe('3. an adjustment resolves once', () => {
  it('a second approval, or a rejection after the approval, is a conflict and credits nothing more', async () => {
    t = await refundApp();
    const d = newDriver(t.app);
    const s = settledSession(t.app, d, { electricityFen: 2000, serviceFen: 0 });
    const a = createAdjustment(t.app, { sessionId: s, amountFen: 500, reason: '补偿' }, { operatorId: t.clerk.id });
    approveAdjustment(t.app, a.id, {}, { operatorId: t.sup1.id });
    const wallet = walletOf(t.app, d.id);
    // The one who lost the race reads who won it by name, not by operator id (issue 16).
    expect(() => approveAdjustment(t.app, a.id, {}, { operatorId: t.sup2.id })).toThrow(`already approved by ${t.sup1.displayName}`);
    expect(() => rejectAdjustment(t.app, a.id, { note: 'no' }, { operatorId: t.sup2.id })).toThrow(/already approved/);
    expect(walletOf(t.app, d.id)).toBe(wallet);
    expect(transfersByKeyPrefix(t.app, `adjust:${a.id}`)).toHaveLength(1);
  });
});

describe('4. a rejected adjustment moves no money', () => {
  it('rejecting with a note changes no account and records who, when and why', async () => {
    t = await refundApp();
    const d = newDriver(t.app);
    const o = await paidOrder(t.app, d, 5000);
    const a = await ok<Adjustment>(t.app, t.clerk, 'adjustments.create', { orderId: o.id, amount: '50.00', reason: '不想要了' });
    const before = { transfers: ledgerCount(), wallet: walletOf(t.app, d.id) };
    const noNote = await call(t.app, t.sup1, 'adjustments.reject', { adjustmentId: a.id });
    expect(noNote.ok || noNote.error.code).toBe('invalid_input');
    const r = await ok<Adjustment>(t.app, t.sup1, 'adjustments.reject', { adjustmentId: a.id, note: '已充电使用' });
    expect(r).toMatchObject({ state: 'rejected', resolvedBy: { id: t.sup1.id }, resolutionNote: '已充电使用' });
    expect({ transfers: ledgerCount(), wallet: walletOf(t.app, d.id) }).toEqual(before);
    expect((t.app.sqlite.prepare('SELECT count(*) AS n FROM refund_tasks').get() as { n: number }).n).toBe(0);
    // A rejected claim frees the limit again.
    await ok(t.app, t.clerk, 'adjustments.create', { orderId: o.id, amount: '50.00', reason: '再次申请' });
  });
});

describe('5. an approved session adjustment credits the wallet once, split in proportion', () => {
  it('¥10.00 back on a ¥50.00 session (¥30 electricity, ¥20 service) is ¥6.00 + ¥4.00 from revenue to the wallet, memo 售后退款', async () => {
    t = await refundApp();
    const d = newDriver(t.app);
    const s = settledSession(t.app, d, { electricityFen: 3000, serviceFen: 2000 });
    const rev = revenue(t.app);
    const wallet = walletOf(t.app, d.id);
    const a = await ok<Adjustment>(t.app, t.clerk, 'adjustments.create', { sessionId: s, amount: '10.00', reason: '桩体故障提前断电' });
    const r = await ok<{ adjustment: Adjustment; task: unknown }>(t.app, t.sup1, 'adjustments.approve', { adjustmentId: a.id });
    expect(r.task).toBeNull();
    expect(r.adjustment).toMatchObject({ electricity: { fen: 600 }, service: { fen: 400 } });
    expect(walletOf(t.app, d.id)).toBe(wallet + 1000);
    expect(revenue(t.app)).toEqual({ electricity: rev.electricity - 600, service: rev.service - 400 });
    const legs = transfersByKeyPrefix(t.app, `adjust:${a.id}`);
    expect(legs.map((l) => [l.id, l.code, l.amount, l.memo])).toEqual([
      [`adjust:${a.id}#electricity`, 'refund', 600, '售后退款：桩体故障提前断电'],
      [`adjust:${a.id}#service`, 'refund', 400, '售后退款：桩体故障提前断电'],
    ]);
  });

  it('rounding is cumulative: three ¥0.01 refunds of a session priced ¥0.01 + ¥0.02 give back exactly ¥0.01 and ¥0.02', async () => {
    t = await refundApp();
    const d = newDriver(t.app);
    const s = settledSession(t.app, d, { electricityFen: 1, serviceFen: 2 });
    const splits: [number | null, number | null][] = [];
    for (let i = 0; i < 3; i++) {
      const a = createAdjustment(t.app, { sessionId: s, amountFen: 1, reason: `第${i + 1}次` }, { operatorId: t.clerk.id });
      const r = approveAdjustment(t.app, a.id, {}, { operatorId: t.sup1.id });
      splits.push([r.adjustment.electricityFen, r.adjustment.serviceFen]);
    }
    // round(1×1/3)=0, round(2×1/3)=1, round(3×1/3)=1: electricity 0,1,0; service 1,0,1.
    expect(splits).toEqual([
      [0, 1],
      [1, 0],
      [0, 1],
    ]);
  });
});

describe('6. an approved order adjustment moves the money to refunds payable and creates its task in the same transaction', () => {
  it('¥30.00 of a ¥100.00 order leaves the wallet for refunds payable, and a pending refund task appears', async () => {
    t = await refundApp();
    const d = newDriver(t.app);
    const o = await paidOrder(t.app, d, 10000, 'alipay');
    const a = await ok<Adjustment>(t.app, t.clerk, 'adjustments.create', { orderId: o.id, amount: '30.00', reason: '多充退回' });
    const r = await ok<{ adjustment: Adjustment & { refundTaskId: string }; task: { id: string; state: string; channel: string; amount: { fen: number } } }>(
      t.app,
      t.sup1,
      'adjustments.approve',
      {
        adjustmentId: a.id,
      },
    );
    expect(walletOf(t.app, d.id)).toBe(7000);
    expect(refundsPayable(t.app)).toBe(3000);
    expect(r.task).toMatchObject({ state: 'pending', channel: 'alipay', amount: { fen: 3000 } });
    expect(r.adjustment.refundTaskId).toBe(r.task.id);
    expect(getTask(t.app, r.task.id)).toMatchObject({ refundKey: `adjust:${a.id}`, orderNumber: o.number, totalFen: 10000 });
    expect(transfersByKeyPrefix(t.app, `adjust:${a.id}`).map((x) => [x.debit, x.credit, x.amount, x.memo])).toEqual([
      [`driver:${d.id}:wallet`, 'depot:refunds_payable', 3000, '售后退款：多充退回'],
    ]);
  });

  it('when the driver already spent the top-up, the approval is refused with the wallet balance and nothing changes', async () => {
    t = await refundApp();
    const d = newDriver(t.app);
    const o = await paidOrder(t.app, d, 10000);
    const a = createAdjustment(t.app, { orderId: o.id, amountFen: 8000, reason: '退款' }, { operatorId: t.clerk.id });
    settledSession(t.app, d, { electricityFen: 5000, serviceFen: 0, walletFen: 0 });
    const before = ledgerCount();
    const r = await call(t.app, t.sup1, 'adjustments.approve', { adjustmentId: a.id });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('insufficient_funds');
      expect(r.error.message).toContain('¥50.00 available');
    }
    expect(ledgerCount()).toBe(before);
    expect(getAdjustment(t.app, a.id).state).toBe('pending');
    expect((t.app.sqlite.prepare('SELECT count(*) AS n FROM refund_tasks').get() as { n: number }).n).toBe(0);
    expect((t.app.sqlite.prepare("SELECT count(*) AS n FROM jobs WHERE kind = 'refunds.process'").get() as { n: number }).n).toBe(0);
  });
});

describe('the adjustments list pages on the server', () => {
  it('three adjustments, pages of two: the first page holds the newest two, the second the last one; total counts the filtered list', async () => {
    t = await refundApp();
    const d = newDriver(t.app);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const s = settledSession(t.app, d, { electricityFen: 1000, serviceFen: 1000 });
      ids.push(createAdjustment(t.app, { sessionId: s, amountFen: 100 + i, reason: `第${i}笔` }, { operatorId: t.clerk.id }).id);
      t.clock.advance(1000);
    }
    rejectAdjustment(t.app, ids[0], { note: '不退' }, { operatorId: t.sup1.id });
    type Page = { total: number; adjustments: { id: string }[] };
    const first = await ok<Page>(t.app, t.clerk, 'adjustments.list', { limit: 2, offset: 0 });
    expect(first.total).toBe(3);
    expect(first.adjustments.map((a) => a.id)).toEqual([ids[2], ids[1]]);
    const second = await ok<Page>(t.app, t.clerk, 'adjustments.list', { limit: 2, offset: 2 });
    expect(second).toEqual({ total: 3, adjustments: [expect.objectContaining({ id: ids[0] })] });
    const pending = await ok<Page>(t.app, t.clerk, 'adjustments.list', { state: 'pending', limit: 1 });
    expect(pending.total).toBe(2);
    expect(pending.adjustments.map((a) => a.id)).toEqual([ids[2]]);
    const beyond = await ok<Page>(t.app, t.clerk, 'adjustments.list', { limit: 2, offset: 10 });
    expect(beyond).toEqual({ total: 3, adjustments: [] });
  });

  it('the list input is strict: an unknown key or a negative offset is refused', async () => {
    t = await refundApp();
    for (const params of [{ page: 2 }, { offset: -1 }, { limit: 0 }]) {
      const r = await call(t.app, t.clerk, 'adjustments.list', params);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('invalid_input');
    }
  });
});
