import { afterEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src-main/kernel/context';
import { cancelOrder, confirmPayment, createOrder, resolveUnmatched, simulatedProvider, type OrderRow } from '../../src-main/payments';
import { approveAdjustment, createAdjustment, getTask, processDueTasks, processTask, resolveTask, retryTask, type RefundTaskRow } from '../../src-main/refunds';
import { call, ok } from '../helpers';
import { clearing, expectLedgerValid, MINUTE, newDriver, paidOrder, refundApp, refundsPayable, transfersByKeyPrefix, walletOf, type RefundApp } from './fixtures';

/** Guarantees of src-main/refunds/tasks.ts: refund tasks through the simulated gateway, on a fake clock. */

let t: RefundApp;
afterEach(async () => {
  if (t) {
    expectLedgerValid(t.app);
    await t.scheduler.stop();
  }
});

/** A paid ¥100.00 order and an approved ¥amount refund of it: returns the pending task. */
async function orderRefund(amountFen = 3000, channel: 'wechat' | 'alipay' = 'wechat'): Promise<{ task: RefundTaskRow; order: OrderRow; driverId: string }> {
  const d = newDriver(t.app);
  const order = await paidOrder(t.app, d, 10000, channel);
  const a = createAdjustment(t.app, { orderId: order.id, amountFen, reason: '退款' }, { operatorId: t.clerk.id });
  const r = approveAdjustment(t.app, a.id, {}, { operatorId: t.sup1.id });
  return { task: getTask(t.app, r.taskId!), order, driverId: d.id };
}

function paidOut(app: AppContext, task: RefundTaskRow) {
  return transfersByKeyPrefix(app, `refund_paid:${task.refundKey}`);
}

describe('1. the task id is the idempotency key given to the gateway', () => {
  it('the request carries the task id, and the gateway knows the refund by it', async () => {
    t = await refundApp();
    const { task, order } = await orderRefund();
    const done = await processTask(t.app, task.id);
    expect(done).toMatchObject({ state: 'completed', attempts: 1, requestEndpoint: 'simulated-wechat: POST /v3/refund/domestic/refunds' });
    expect(JSON.parse(done.requestBody!)).toMatchObject({ idempotencyKey: task.id, orderNumber: order.number, amountFen: 3000, totalFen: 10000 });
    const q = await simulatedProvider(t.app, 'wechat')!.queryRefund(task.id, order.number);
    expect(q).toMatchObject({ status: 'SUCCESS', providerRefundNo: done.providerRefundNo });
  });
});

describe('2. one runner per call', () => {
  it('two runners that process the same task at once send it once', async () => {
    t = await refundApp({ payments: { simulated: { slowMs: 50 } } });
    const { task } = await orderRefund();
    simulatedProvider(t.app, 'wechat')!.script('slow');
    const [a, b] = await Promise.all([processTask(t.app, task.id), processTask(t.app, task.id)]);
    expect([a.state, b.state].sort()).toEqual(['completed', 'processing']);
    expect(getTask(t.app, task.id)).toMatchObject({ state: 'completed', attempts: 1 });
    expect(paidOut(t.app, task)).toHaveLength(1);
  });
});

describe('3. refused calls: backoff, then failed; an operator retries', () => {
  it('refused three times → failed and still visible; retry → completed with one payout', async () => {
    t = await refundApp();
    const { task } = await orderRefund();
    simulatedProvider(t.app, 'wechat')!.script('failure', 'failure', 'failure');
    let s = await processTask(t.app, task.id);
    expect(s).toMatchObject({ state: 'pending', attempts: 1, nextAttemptAt: t.clock.now() + 5 * MINUTE });
    expect(s.lastError).toMatch(/attempt 1\/3 refused: .*SYSTEMERROR/);
    // Not due yet: a run now does nothing.
    expect((await processDueTasks(t.app)).processed).toEqual([]);
    t.clock.advance(5 * MINUTE);
    s = await processTask(t.app, task.id);
    expect(s).toMatchObject({ state: 'pending', attempts: 2, nextAttemptAt: t.clock.now() + 10 * MINUTE });
    t.clock.advance(10 * MINUTE);
    s = await processTask(t.app, task.id);
    expect(s).toMatchObject({ state: 'failed', attempts: 3 });
    expect(s.lastError).toMatch(/attempt 3\/3 refused/);
    t.clock.advance(60 * MINUTE);
    expect((await processDueTasks(t.app)).processed).toEqual([]);
    expect(refundsPayable(t.app)).toBe(3000);

    const tasks = await ok<{ tasks: { id: string }[]; counts: { failed: number } }>(t.app, t.clerk, 'refunds.list', { state: 'failed' });
    expect(tasks.tasks.map((x) => x.id)).toEqual([task.id]);
    expect(tasks.counts.failed).toBe(1);
    const retried = await ok<{ state: string; maxAttempts: number }>(t.app, t.clerk, 'refunds.retry', { taskId: task.id });
    expect(retried).toMatchObject({ state: 'pending', maxAttempts: 6 });
    await t.scheduler.drain();
    expect(getTask(t.app, task.id)).toMatchObject({ state: 'completed', attempts: 4 });
    expect(paidOut(t.app, task)).toHaveLength(1);
    expect(refundsPayable(t.app)).toBe(0);
    const again = await call(t.app, t.clerk, 'refunds.retry', { taskId: task.id });
    expect(again.ok || again.error.code).toBe('conflict');
  });
});

describe('4. an unknown outcome is queried, never re-sent blindly', () => {
  it('a timeout → needs_check; the next run asks the gateway, finds it refunded → completed, paid out once; a second run does nothing', async () => {
    t = await refundApp();
    const { task, order } = await orderRefund();
    const sim = simulatedProvider(t.app, 'wechat')!;
    sim.script('unknown');
    const s = await processTask(t.app, task.id);
    expect(s).toMatchObject({ state: 'needs_check', attempts: 1 });
    expect(s.lastError).toMatch(/outcome unknown/);
    expect(paidOut(t.app, task)).toHaveLength(0);
    const r = await processDueTasks(t.app);
    expect(r.processed).toEqual([{ id: task.id, state: 'completed' }]);
    const done = getTask(t.app, task.id);
    // Queried, not sent again: still one attempt, and the last call was the refund query.
    expect(done).toMatchObject({ state: 'completed', attempts: 1, requestEndpoint: 'simulated-wechat: GET /v3/refund/domestic/refunds/{out_refund_no}' });
    expect(JSON.parse(done.requestBody!)).toEqual({ out_refund_no: task.id, out_trade_no: order.number });
    expect(paidOut(t.app, task)).toHaveLength(1);
    const second = await processDueTasks(t.app);
    expect(second).toEqual({ pickedUp: [], rescued: [], processed: [] });
    expect(paidOut(t.app, task)).toHaveLength(1);
  });

  it('a query that times out too leaves the task in needs_check until a later run gets an answer', async () => {
    t = await refundApp();
    const { task } = await orderRefund();
    simulatedProvider(t.app, 'wechat')!.script('unknown', 'unknown');
    await processTask(t.app, task.id);
    await processDueTasks(t.app);
    const s = getTask(t.app, task.id);
    expect(s).toMatchObject({ state: 'needs_check', attempts: 1, nextAttemptAt: t.clock.now() + 5 * MINUTE });
    expect(s.lastError).toMatch(/query failed, outcome still unknown/);
    t.clock.advance(5 * MINUTE);
    await processDueTasks(t.app);
    expect(getTask(t.app, task.id).state).toBe('completed');
    expect(paidOut(t.app, task)).toHaveLength(1);
  });

  it('a task cut off mid-call (the app stopped) is queried after the stale limit; unknown to the gateway, it is sent again with the same key', async () => {
    t = await refundApp();
    const { task } = await orderRefund();
    // What a crash between the claim and the gateway's answer leaves behind.
    t.app.sqlite.prepare("UPDATE refund_tasks SET state = 'processing', attempts = 1, updated_at = ? WHERE id = ?").run(t.clock.now(), task.id);
    expect((await processDueTasks(t.app)).rescued).toEqual([]);
    t.clock.advance(11 * MINUTE);
    const r = await processDueTasks(t.app);
    expect(r.rescued).toEqual([task.id]);
    expect(getTask(t.app, task.id)).toMatchObject({ state: 'completed', attempts: 2 });
    expect(paidOut(t.app, task)).toHaveLength(1);
  });
});

describe('5. a completed refund is paid out in the ledger exactly once', () => {
  it('refunds payable → the channel clearing account, key refund_paid:adjust:<id>, once', async () => {
    t = await refundApp();
    const { task } = await orderRefund(2500, 'alipay');
    const before = clearing(t.app, 'alipay');
    await processTask(t.app, task.id);
    await processTask(t.app, task.id);
    await processDueTasks(t.app);
    expect(paidOut(t.app, task).map((x) => [x.id, x.code, x.debit, x.credit, x.amount])).toEqual([
      [`refund_paid:${task.refundKey}`, 'refund_paid', 'depot:refunds_payable', 'depot:clearing:alipay', 2500],
    ]);
    expect(clearing(t.app, 'alipay')).toBe(before - 2500);
    expect(refundsPayable(t.app)).toBe(0);
  });
});

describe('6. failed tasks wait for an operator', () => {
  async function failedTask() {
    const r = await orderRefund();
    simulatedProvider(t.app, 'wechat')!.script('failure', 'failure', 'failure');
    for (let i = 0; i < 3; i++) {
      await processTask(t.app, r.task.id);
      t.clock.advance(60 * MINUTE);
    }
    expect(getTask(t.app, r.task.id).state).toBe('failed');
    return r;
  }

  it('back_to_wallet: the money returns from refunds payable to the wallet by a correcting transfer; the task is cancelled', async () => {
    t = await refundApp();
    const { task, driverId } = await failedTask();
    expect(walletOf(t.app, driverId)).toBe(7000);
    const r = await ok<{ state: string; resolution: string; resolvedBy: { id: string } }>(t.app, t.sup1, 'refunds.resolve', {
      taskId: task.id,
      outcome: 'back_to_wallet',
      note: '司机要求退回余额',
    });
    expect(r).toMatchObject({ state: 'cancelled', resolution: 'back_to_wallet', resolvedBy: { id: t.sup1.id } });
    expect(walletOf(t.app, driverId)).toBe(10000);
    expect(refundsPayable(t.app)).toBe(0);
    expect(transfersByKeyPrefix(t.app, `refund_task:${task.id}:back`).map((x) => x.code)).toEqual(['correction']);
    // The order can be refunded again: the corrected refund no longer counts.
    const limit = await ok<{ available: { fen: number } }>(t.app, t.clerk, 'adjustments.limit', { orderId: task.orderId });
    expect(limit.available.fen).toBe(10000);
  });

  it('paid_outside (cash from the drawer): completed, the payout booked from refunds payable to the cash drawer', async () => {
    t = await refundApp();
    const { task } = await failedTask();
    const clerk = await call(t.app, t.clerk, 'refunds.resolve', { taskId: task.id, outcome: 'paid_outside', note: 'x' });
    expect(clerk.ok || clerk.error.code).toBe('forbidden');
    await ok(t.app, t.sup1, 'refunds.resolve', { taskId: task.id, outcome: 'paid_outside', note: '柜台现金退还，收据 #88', via: 'cash' });
    expect(getTask(t.app, task.id)).toMatchObject({ state: 'completed', resolution: 'paid_outside', resolutionNote: '柜台现金退还，收据 #88' });
    expect(paidOut(t.app, task).map((x) => x.credit)).toEqual(['depot:cash_drawer']);
    const twice = await call(t.app, t.sup1, 'refunds.resolve', { taskId: task.id, outcome: 'paid_outside', note: 'again' });
    expect(twice.ok || twice.error.code).toBe('conflict');
  });

  it('a needs_check task cannot go back to the wallet (the gateway may have paid it)', async () => {
    t = await refundApp();
    const { task } = await orderRefund();
    simulatedProvider(t.app, 'wechat')!.script('unknown');
    await processTask(t.app, task.id);
    const r = await call(t.app, t.sup1, 'refunds.resolve', { taskId: task.id, outcome: 'back_to_wallet', note: 'x' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/may have paid it/);
    expect(() => resolveTask(t.app, task.id, { outcome: 'back_to_wallet', note: 'x' }, { operatorId: t.sup1.id })).toThrow(/needs_check/);
    expect(() => retryTask(t.app, task.id)).toThrow(/only a failed task/);
  });
});

describe('7. 长款 refund requests become tasks', () => {
  async function longPayment(): Promise<{ unmatchedId: string; driverId: string; number: string }> {
    const d = newDriver(t.app);
    const o = await createOrder(t.app, { driverId: d.id, amountFen: 8800, channel: 'wechat' });
    cancelOrder(t.app, o.id, 'driver walked away');
    // The QR code was still on the driver's phone: the gateway takes the money anyway.
    const sim = simulatedProvider(t.app, 'wechat')!;
    const fact = sim.parseNotification(sim.pay(o.number, o.payable));
    const c = confirmPayment(t.app, fact);
    expect(c.outcome).toBe('unmatched');
    return { unmatchedId: c.unmatchedId!, driverId: d.id, number: o.number };
  }

  it('a refund request is picked up once, refunded through the gateway, and books nothing in the ledger (it was never booked)', async () => {
    t = await refundApp();
    const u = await longPayment();
    resolveUnmatched(t.app, u.unmatchedId, { action: 'refund', note: '司机要求原路退回' });
    const transfers = (t.app.sqlite.prepare('SELECT count(*) AS n FROM ledger_transfers').get() as { n: number }).n;
    const r = await processDueTasks(t.app);
    expect(r.pickedUp).toHaveLength(1);
    const task = getTask(t.app, r.pickedUp[0]);
    expect(task).toMatchObject({
      source: 'unmatched',
      unmatchedId: u.unmatchedId,
      amount: 8800,
      totalFen: 8800,
      orderNumber: u.number,
      state: 'completed',
      refundKey: null,
    });
    expect((t.app.sqlite.prepare('SELECT refund_task_id AS id FROM unmatched_payments WHERE id = ?').get(u.unmatchedId) as { id: string }).id).toBe(task.id);
    expect((t.app.sqlite.prepare('SELECT count(*) AS n FROM ledger_transfers').get() as { n: number }).n).toBe(transfers);
    expect((await processDueTasks(t.app)).pickedUp).toEqual([]);
  });

  it('a failed 长款 refund given back to the wallet is booked as the top-up it would have been', async () => {
    t = await refundApp();
    const u = await longPayment();
    resolveUnmatched(t.app, u.unmatchedId, { action: 'refund', note: '原路退回' });
    simulatedProvider(t.app, 'wechat')!.script('failure', 'failure', 'failure');
    const [taskId] = (await processDueTasks(t.app)).pickedUp;
    for (let i = 0; i < 2; i++) {
      t.clock.advance(60 * MINUTE);
      await processDueTasks(t.app);
    }
    expect(getTask(t.app, taskId).state).toBe('failed');
    const badVia = await call(t.app, t.sup1, 'refunds.resolve', { taskId, outcome: 'paid_outside', note: 'x', via: 'cash' });
    expect(badVia.ok || badVia.error.code).toBe('refused');
    await ok(t.app, t.sup1, 'refunds.resolve', { taskId, outcome: 'back_to_wallet', note: '司机同意转入余额' });
    expect(walletOf(t.app, u.driverId)).toBe(8800);
    expect(transfersByKeyPrefix(t.app, `refund_task:${taskId}:wallet`).map((x) => [x.code, x.debit])).toEqual([['topup', 'depot:clearing:wechat']]);
  });
});

describe('the job scheduler runs refund tasks', () => {
  it('an approval wakes the worker at once; a timed-out task is settled by the 5-minute cron', async () => {
    t = await refundApp();
    await t.scheduler.drain(); // cron baselines
    const { task } = await orderRefund();
    simulatedProvider(t.app, 'wechat')!.script('unknown');
    await t.scheduler.drain();
    expect(getTask(t.app, task.id).state).toBe('needs_check');
    t.clock.advance(5 * MINUTE);
    await t.scheduler.drain();
    expect(getTask(t.app, task.id).state).toBe('completed');
    expect(paidOut(t.app, task)).toHaveLength(1);
    const jobs = t.app.sqlite.prepare("SELECT state, unique_key AS uniqueKey FROM jobs WHERE kind = 'refunds.process' ORDER BY inserted_at").all() as {
      state: string;
      uniqueKey: string;
    }[];
    expect(jobs.map((j) => j.state)).toEqual(['completed', 'completed']);
    expect(jobs[0].uniqueKey).toBe(`refunds.process:${task.id}`);
  });
});

describe('the refund-task list pages on the server', () => {
  it('three tasks, pages of two: newest first, total of the filtered list, counts per state unchanged by paging', async () => {
    t = await refundApp();
    const tasks: RefundTaskRow[] = [];
    for (let i = 0; i < 3; i++) {
      tasks.push((await orderRefund(1000 + i)).task);
      t.clock.advance(1000);
    }
    type Page = { total: number; tasks: { id: string }[]; counts: { pending: number } };
    const first = await ok<Page>(t.app, t.clerk, 'refunds.list', { limit: 2 });
    expect(first.total).toBe(3);
    expect(first.tasks.map((x) => x.id)).toEqual([tasks[2].id, tasks[1].id]);
    expect(first.counts.pending).toBe(3);
    const second = await ok<Page>(t.app, t.clerk, 'refunds.list', { limit: 2, offset: 2 });
    expect(second.total).toBe(3);
    expect(second.tasks.map((x) => x.id)).toEqual([tasks[0].id]);
    const failed = await ok<Page>(t.app, t.clerk, 'refunds.list', { state: 'failed', limit: 2 });
    expect(failed).toMatchObject({ total: 0, tasks: [] });
    for (const params of [{ page: 1 }, { offset: -1 }]) {
      const r = await call(t.app, t.clerk, 'refunds.list', params);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('invalid_input');
    }
  });
});
