import { afterEach, describe, expect, it } from 'vitest';
import type { OperatorIdentity } from '../../src-main/kernel/method';
import { walletView } from '../../src-main/ledger';
import { confirmPayment, createOrder, getOrder, getUnmatched } from '../../src-main/payments';
import { getTask, processDueTasks } from '../../src-main/refunds';
import { breakHistory, getBreak, getDay, listBreaks, runDay, signOff, type BreakRow } from '../../src-main/reconciliation';
import { addOperator, call, ok } from '../helpers';
import { account, newDriver, wallet } from '../payments/fixtures';
import { gzip, wechatBytes, wechatPayment, type WechatRow } from './fixtures';
import { cancelledButPaid, DAY, dayAfter, importWechat, paidOrder, reconApp, wechatRowOf, type ReconApp, endReconApp } from './scenario';

/**
 * The guarantees of src-main/reconciliation/breaks.ts and days.ts: breaks are resolved through the
 * paths that move money (payments, refunds, the ledger), once, by the right people, with their
 * history; a day is signed off once, when nothing is left, and is then left alone.
 */

let t: ReconApp | undefined;
afterEach(async () => {
  await endReconApp(t);
  t = undefined;
});

interface BreakOut {
  id: string;
  kind: string;
  state: string;
  resolution: string | null;
  reference: string | null;
  note: string | null;
  owner: { id: string } | null;
  requestedBy: { id: string } | null;
  resolvedBy: { id: string } | null;
  loss: { fen: number };
}

type History = { break: BreakOut; history: { action: string; by: { id: string; name: string } | null; note: string }[] };

interface Transfer {
  id: string;
  debit: string;
  credit: string;
  amount: number;
  code: string;
}

const transfer = (t: ReconApp, id: string) =>
  t.app.sqlite.prepare('SELECT id, debit_account_id AS debit, credit_account_id AS credit, amount, code FROM ledger_transfers WHERE id = ?').get(id) as
    Transfer | undefined;

const transferCount = (t: ReconApp) => (t.app.sqlite.prepare('SELECT count(*) AS n FROM ledger_transfers').get() as { n: number }).n;

/** A payment the gateway took for an order we had cancelled: a 长款 once the window has passed. */
async function longBreak(t: ReconApp, amountFen = 8800) {
  const long = await cancelledButPaid(t.app, amountFen);
  const row: WechatRow = wechatPayment({
    交易时间: '2026-03-01 10:00:00',
    微信订单号: long.tradeNo,
    商户订单号: long.order.number,
    应结订单金额: (amountFen / 100).toFixed(2),
    订单金额: (amountFen / 100).toFixed(2),
    手续费: '0.00000',
  });
  const file = wechatBytes({ kind: 'all', rows: [row] });
  await importWechat(t, [row]);
  dayAfter(t, 3);
  expect(runDay(t.app, DAY)).toMatchObject({ state: 'breaks' });
  const b = listBreaks(t.app, { kind: 'long' }).breaks.find((x) => x.tradeNo === long.tradeNo);
  expect(b).toMatchObject({ state: 'open', orderNumber: long.order.number, tradeNo: long.tradeNo, gatewayFen: amountFen, oursFen: 0 });
  return { ...long, break: b!, file };
}

/** An order we show paid that no statement has: a 短款 once the window has passed. */
async function shortBreak(t: ReconApp, amountFen = 2000): Promise<BreakRow> {
  const o = await paidOrder(t.app, amountFen);
  dayAfter(t, 3);
  runDay(t.app, DAY);
  const [b] = listBreaks(t.app, { kind: 'short', state: 'open' }).breaks;
  expect(b).toMatchObject({ orderNumber: o.number, gatewayFen: 0, oursFen: amountFen, diffFen: -amountFen });
  return b;
}

const resolve = (t: ReconApp, who: OperatorIdentity, breakId: string, action: string, note: string) =>
  ok<BreakOut>(t.app, who, 'recon.resolve', { breakId, action, note });

describe('credit (补单)', () => {
  it("a 长款 is confirmed through payments as an unmatched payment and credited to the order's driver; a re-run keeps it resolved", async () => {
    t = await reconApp();
    const long = await longBreak(t);
    const driverId = long.order.driverId;
    expect(wallet(t.app, driverId)).toBe(0);
    const clearingBefore = account(t.app, 'depot:clearing:wechat');
    const r = await resolve(t, t.finance, long.break.id, 'credit', 'driver paid after the order timed out; 补单');
    expect(r).toMatchObject({ state: 'resolved', resolution: 'credit', resolvedBy: { id: t.finance.id } });
    expect(r.reference).toMatch(/^unmatched:/);
    const unmatched = getUnmatched(t.app, r.reference!.slice('unmatched:'.length));
    expect(unmatched).toMatchObject({ status: 'credited', providerTradeNo: long.tradeNo, amount: 8800, driverId, reason: 'order_cancelled' });
    expect(walletView(t.app, driverId).wallet).toMatchObject({ balanceFen: 8800, availableFen: 8800 });
    expect(transfer(t, unmatched.topupKey!)).toMatchObject({ debit: 'depot:clearing:wechat', credit: `driver:${driverId}:wallet`, amount: 8800, code: 'topup' });
    expect(account(t.app, 'depot:clearing:wechat').debits - clearingBefore.debits).toBe(8800);
    // The books now hold the payment: the day matches, the break stays resolved, nothing is credited twice.
    const again = runDay(t.app, DAY);
    expect(again).toMatchObject({ state: 'matched', breaksOpened: 0, breaksOpen: 0, breaksTotal: 1, matchedLate: 0 });
    expect(again.figures.matchedPayments).toBe(1);
    expect(getBreak(t.app, long.break.id)).toMatchObject({ state: 'resolved', resolution: 'credit' });
    expect(wallet(t.app, driverId)).toBe(8800);
    const twice = await call(t.app, t.finance2, 'recon.resolve', { breakId: long.break.id, action: 'credit', note: 'again' });
    expect(twice.ok || twice.error.code).toBe('conflict');
    expect(wallet(t.app, driverId)).toBe(8800);
  });

  it('a 长款 payments already recorded (a late notification) is credited from that record; one whose order is still pending pays the order', async () => {
    t = await reconApp();
    const pending = await createOrder(t.app, { driverId: newDriver(t.app).id, amountFen: 3300, channel: 'wechat' });
    const pendingRow = wechatPayment({
      交易时间: '2026-03-01 09:10:00',
      微信订单号: '4200000000000000000331',
      商户订单号: pending.number,
      应结订单金额: '33.00',
      订单金额: '33.00',
      手续费: '0.00000',
    });
    await importWechat(t, [pendingRow]);
    const long = await longBreak(t, 1200);
    // The gateway's notification arrived after the cancel: payments kept it as an open unmatched payment.
    const notified = confirmPayment(t.app, {
      channel: 'wechat',
      orderNumber: long.order.number,
      providerTradeNo: long.tradeNo,
      amountFen: 1200,
      paidAt: long.paidAt,
      raw: '{}',
    });
    expect(notified).toMatchObject({ outcome: 'unmatched', reason: 'order_cancelled' });
    const r = await resolve(t, t.finance, long.break.id, 'credit', '补单');
    expect(r.reference).toBe(`unmatched:${notified.unmatchedId}`);
    expect(t.app.sqlite.prepare('SELECT id, status FROM unmatched_payments').all()).toEqual([{ id: notified.unmatchedId, status: 'credited' }]);
    expect(wallet(t.app, long.order.driverId)).toBe(1200);
    // The order the gateway took 33.00 for is still waiting for its payment: crediting pays it.
    const [b] = listBreaks(t.app, { state: 'open' }).breaks;
    expect(b).toMatchObject({ kind: 'long', orderNumber: pending.number });
    const paid = await resolve(t, t.finance, b.id, 'credit', 'notification lost');
    expect(paid).toMatchObject({ state: 'resolved', resolution: 'credit', reference: pending.number });
    expect(getOrder(t.app, pending.id)).toMatchObject({ state: 'PAID', providerTradeNo: '4200000000000000000331' });
    expect(wallet(t.app, pending.driverId)).toBe(3300);
    expect(runDay(t.app, DAY)).toMatchObject({ state: 'matched', breaksOpen: 0, breaksOpened: 0 });
  });

  it('an amount the gateway took above the order is topped up to the driver under recon:<break>', async () => {
    t = await reconApp();
    const o = await paidOrder(t.app, 5000);
    const under = await paidOrder(t.app, 3000);
    await importWechat(t, [wechatRowOf(o, { 应结订单金额: '50.10', 订单金额: '50.10' }), wechatRowOf(under, { 应结订单金额: '29.90', 订单金额: '29.90' })]);
    dayAfter(t, 1);
    runDay(t.app, DAY);
    const [b, lower] = listBreaks(t.app).breaks.sort((x, y) => y.diffFen - x.diffFen);
    expect(b).toMatchObject({ kind: 'amount_mismatch', gatewayFen: 5010, oursFen: 5000, diffFen: 10 });
    expect(wallet(t.app, o.driverId)).toBe(5000);
    const r = await resolve(t, t.finance, b.id, 'credit', 'gateway charged 10 fen more; credited to the driver');
    expect(r).toMatchObject({ state: 'resolved', resolution: 'credit', reference: `recon:${b.id}` });
    expect(transfer(t, `recon:${b.id}`)).toEqual({
      id: `recon:${b.id}`,
      debit: 'depot:clearing:wechat',
      credit: `driver:${o.driverId}:wallet`,
      amount: 10,
      code: 'topup',
    });
    expect(wallet(t.app, o.driverId)).toBe(5010);
    // A difference the other way is no credit: it is a loss to write off.
    expect(lower).toMatchObject({ kind: 'amount_mismatch', orderNumber: under.number, diffFen: -10 });
    const refused = await call(t.app, t.finance, 'recon.resolve', { breakId: lower.id, action: 'credit', note: 'no' });
    expect(refused.ok || refused.error.message).toMatch(/gateway below our books cannot be credited/);
  });
});

describe('refund', () => {
  it('a 长款 refunded is handed to payments as a refund request, which the refund run turns into a task', async () => {
    t = await reconApp();
    const shortOrder = await paidOrder(t.app, 2000);
    const long = await longBreak(t, 4200);
    const r = await resolve(t, t.finance, long.break.id, 'refund', 'driver asked for the money back');
    expect(r).toMatchObject({ state: 'resolved', resolution: 'refund' });
    const unmatched = getUnmatched(t.app, r.reference!.slice('unmatched:'.length));
    expect(unmatched).toMatchObject({ status: 'refund_requested', providerTradeNo: long.tradeNo, amount: 4200, refundTaskId: null });
    expect(wallet(t.app, long.order.driverId)).toBe(0);
    const run = await processDueTasks(t.app);
    expect(run.pickedUp).toHaveLength(1);
    const task = getTask(t.app, run.pickedUp[0]);
    expect(task).toMatchObject({ source: 'unmatched', unmatchedId: unmatched.id, amount: 4200, channel: 'wechat', orderNumber: long.order.number });
    expect(getUnmatched(t.app, unmatched.id).refundTaskId).toBe(task.id);
    expect((await processDueTasks(t.app)).pickedUp).toEqual([]);
    // Only a payment the gateway holds is refunded: a 短款 is not.
    const [short] = listBreaks(t.app, { kind: 'short' }).breaks;
    expect(short).toMatchObject({ orderNumber: shortOrder.number, state: 'open' });
    const refused = await call(t.app, t.finance, 'recon.resolve', { breakId: short.id, action: 'refund', note: 'x' });
    expect(refused.ok || refused.error.message).toMatch(/only a 长款 or a duplicate payment is refunded/);
  });
});

describe('explain', () => {
  it('an explained break is closed with its note and moves no money; re-runs and re-imports never reopen it', async () => {
    t = await reconApp();
    const long = await longBreak(t);
    const before = transferCount(t);
    const r = await resolve(t, t.supervisor, long.break.id, 'explain', '测试支付 a test payment by the installer');
    expect(r).toMatchObject({ state: 'resolved', resolution: 'explained', note: '测试支付 a test payment by the installer', reference: null });
    expect(transferCount(t)).toBe(before);
    expect(runDay(t.app, DAY)).toMatchObject({ breaksOpened: 0, breaksOpen: 0, breaksTotal: 1, state: 'matched' });
    // The same file again, and its gzip: nothing new, the break stays as it was closed.
    expect((await ok<{ imported: boolean }>(t.app, t.finance, 'recon.import', { fileName: 'again.csv', base64: long.file.toString('base64') })).imported).toBe(false);
    await ok(t.app, t.finance, 'recon.import', { fileName: 'again.csv.gz', base64: gzip(long.file).toString('base64') });
    runDay(t.app, DAY);
    expect(listBreaks(t.app)).toMatchObject({ total: 1, breaks: [{ id: long.break.id, state: 'resolved', resolution: 'explained' }] });
    const blank = await call(t.app, t.finance, 'recon.resolve', { breakId: long.break.id, action: 'explain', note: '   ' });
    expect(blank.ok || blank.error.code).toBe('invalid_input');
  });
});

describe('write-off', () => {
  it('finance A asks, A cannot approve, finance B approves: the ledger books the loss from gateway clearing', async () => {
    t = await reconApp();
    const b = await shortBreak(t, 2000);
    const req = await ok<BreakOut>(t.app, t.finance, 'recon.requestWriteOff', { breakId: b.id, note: 'gateway never took it; driver unreachable' });
    expect(req).toMatchObject({ state: 'write_off_requested', requestedBy: { id: t.finance.id }, loss: { fen: 2000 } });
    const self = await call(t.app, t.finance, 'recon.approveWriteOff', { breakId: b.id });
    expect(self.ok).toBe(false);
    if (!self.ok) {
      expect(self.error.code).toBe('forbidden');
      expect(self.error.message).toMatch(/someone other than who asked/);
    }
    expect(transfer(t, `recon:writeoff:${b.id}`)).toBeUndefined();
    const writeOffsBefore = account(t.app, 'depot:write_offs');
    const clearingBefore = account(t.app, 'depot:clearing:wechat');
    const done = await ok<BreakOut>(t.app, t.finance2, 'recon.approveWriteOff', { breakId: b.id, note: 'approved' });
    expect(done).toMatchObject({ state: 'written_off', resolution: 'written_off', reference: `recon:writeoff:${b.id}`, resolvedBy: { id: t.finance2.id } });
    expect(transfer(t, `recon:writeoff:${b.id}`)).toMatchObject({ debit: 'depot:write_offs', credit: 'depot:clearing:wechat', amount: 2000 });
    expect(account(t.app, 'depot:write_offs').debits - writeOffsBefore.debits).toBe(2000);
    expect(account(t.app, 'depot:clearing:wechat').credits - clearingBefore.credits).toBe(2000);
    // Written off once: a re-run leaves it, a second approval is refused, nothing is booked twice.
    expect(runDay(t.app, DAY)).toMatchObject({ breaksOpened: 0, breaksOpen: 0 });
    expect(getBreak(t.app, b.id).state).toBe('written_off');
    const again = await call(t.app, t.supervisor, 'recon.approveWriteOff', { breakId: b.id });
    expect(again.ok || again.error.code).toBe('conflict');
    expect(account(t.app, 'depot:write_offs').debits - writeOffsBefore.debits).toBe(2000);
  });

  it('a rejected write-off puts the break back to open, with the request and the refusal in its history', async () => {
    t = await reconApp();
    const b = await shortBreak(t, 1500);
    await ok(t.app, t.finance, 'recon.requestWriteOff', { breakId: b.id, note: 'lost' });
    const rejected = await ok<BreakOut>(t.app, t.finance2, 'recon.rejectWriteOff', { breakId: b.id, note: 'ask WeChat support first' });
    expect(rejected).toMatchObject({ state: 'open', requestedBy: null, resolution: null });
    expect(transfer(t, `recon:writeoff:${b.id}`)).toBeUndefined();
    const noWhy = await call(t.app, t.finance2, 'recon.rejectWriteOff', { breakId: b.id, note: 'x' });
    expect(noWhy.ok || noWhy.error.code).toBe('conflict');
    // Asked again, by the other one this time, and approved by the first.
    await ok(t.app, t.finance2, 'recon.requestWriteOff', { breakId: b.id, note: 'support confirmed: never received' });
    await ok(t.app, t.finance, 'recon.approveWriteOff', { breakId: b.id });
    expect(breakHistory(t.app, b.id).map((e) => [e.action, e.by])).toEqual([
      ['opened', null],
      ['write_off_requested', t.finance.id],
      ['write_off_rejected', t.finance2.id],
      ['write_off_requested', t.finance2.id],
      ['written_off', t.finance.id],
    ]);
    // A 长款 is no loss: it cannot be written off.
    const long = await longBreak(t);
    const notLoss = await call(t.app, t.finance, 'recon.requestWriteOff', { breakId: long.break.id, note: 'x' });
    expect(notLoss.ok || notLoss.error.message).toMatch(/is no loss to the depot/);
  });
});

describe('a counterpart that arrives late', () => {
  it('a 短款 awaiting write-off approval whose payment a late statement shows is closed as matched_late; approving it then books nothing', async () => {
    t = await reconApp();
    const b = await shortBreak(t, 2000);
    const o = getOrder(t.app, b.orderNumber!);
    await ok(t.app, t.finance, 'recon.requestWriteOff', { breakId: b.id, note: 'WeChat does not show it' });
    // The statement that was missing arrives: the gateway did take the payment.
    const late = await ok<{ runs: { day: string; matchedLate: number; breaksOpen: number; state: string }[] }>(t.app, t.finance, 'recon.import', {
      fileName: 'late.csv',
      base64: wechatBytes({ kind: 'all', rows: [wechatRowOf(o)] }).toString('base64'),
    });
    expect(late.runs).toMatchObject([{ day: DAY, matchedLate: 1, breaksOpen: 0, state: 'matched' }]);
    expect(getBreak(t.app, b.id)).toMatchObject({ state: 'resolved', resolution: 'matched_late' });
    expect(breakHistory(t.app, b.id).map((e) => e.action)).toEqual(['opened', 'write_off_requested', 'matched_late']);
    const approve = await call(t.app, t.finance2, 'recon.approveWriteOff', { breakId: b.id });
    expect(approve.ok || approve.error.code).toBe('conflict');
    expect(transfer(t, `recon:writeoff:${b.id}`)).toBeUndefined();
  });
});

describe('one break, one decision, a full history', () => {
  it('two people resolving one break at once: one wins, the other is told it is no longer open', async () => {
    t = await reconApp();
    const long = await longBreak(t);
    const [a, b] = await Promise.all([
      call(t.app, t.finance, 'recon.resolve', { breakId: long.break.id, action: 'credit', note: 'A credits' }),
      call(t.app, t.finance2, 'recon.resolve', { breakId: long.break.id, action: 'refund', note: 'B refunds' }),
    ]);
    const outcomes = [a, b].map((r) => (r.ok ? 'ok' : r.error.code)).sort();
    expect(outcomes).toEqual(['conflict', 'ok']);
    const loser = [a, b].find((r) => !r.ok);
    if (loser && !loser.ok) expect(loser.error.message).toMatch(/is resolved; resolving it needs it open/);
    // Only the winner's path moved anything: one unmatched payment, either credited or to be refunded.
    const unmatched = t.app.sqlite.prepare('SELECT status FROM unmatched_payments').all();
    expect(unmatched).toHaveLength(1);
    expect(wallet(t.app, long.order.driverId)).toBe(getBreak(t.app, long.break.id).resolution === 'credit' ? 8800 : 0);
  });

  it('the history lists every step with who did it, over the contract; break events are append-only', async () => {
    t = await reconApp();
    const b = await shortBreak(t);
    await ok(t.app, t.finance, 'recon.assign', { breakId: b.id });
    await ok(t.app, t.finance, 'recon.assign', { breakId: b.id, owner: t.finance2.id });
    await ok(t.app, t.finance2, 'recon.requestWriteOff', { breakId: b.id, note: 'unrecoverable' });
    await ok(t.app, t.supervisor, 'recon.rejectWriteOff', { breakId: b.id, note: 'explain it instead' });
    await resolve(t, t.finance2, b.id, 'explain', 'the order was a counter test, reversed in cash');
    const h = await ok<History>(t.app, t.supervisor, 'recon.break', { breakId: b.id });
    expect(h.break).toMatchObject({ state: 'resolved', resolution: 'explained', owner: { id: t.finance2.id }, resolvedBy: { id: t.finance2.id } });
    expect(h.history.map((e) => [e.action, e.by?.name ?? null])).toEqual([
      ['opened', null],
      ['assigned', 'fin-a'],
      ['assigned', 'fin-a'],
      ['write_off_requested', 'fin-b'],
      ['write_off_rejected', 'sup-a'],
      ['explained', 'fin-b'],
    ]);
    expect(h.history[2].note).toBe(t.finance2.id);
    expect(h.history[4].note).toBe('explain it instead');
    expect(() => t!.app.sqlite.prepare("UPDATE recon_break_events SET note = 'edited'").run()).toThrow(/append-only/);
    expect(() => t!.app.sqlite.prepare('DELETE FROM recon_break_events').run()).toThrow(/append-only/);
    const closed = await call(t.app, t.finance, 'recon.assign', { breakId: b.id });
    expect(closed.ok || closed.error.code).toBe('conflict');
  });

  it('recon.* commands are finance work: an operator can look but not run, resolve or sign off', async () => {
    t = await reconApp();
    const clerk = await addOperator(t.app, 'operator', 'clerk-1');
    dayAfter(t, 1);
    const run = await call(t.app, clerk, 'recon.run', { date: DAY });
    expect(run.ok || run.error.code).toBe('forbidden');
    expect(await ok(t.app, t.supervisor, 'recon.run', { date: DAY })).toMatchObject([{ day: DAY, state: 'matched' }]);
    expect(await ok(t.app, clerk, 'recon.days', {})).toMatchObject([{ day: DAY }]);
    const sign = await call(t.app, clerk, 'recon.signOff', { date: DAY });
    expect(sign.ok || sign.error.code).toBe('forbidden');
    const anonymous = await call(t.app, null, 'recon.day', { date: DAY });
    expect(anonymous.ok || anonymous.error.code).toBe('unauthenticated');
  });
});

describe('sign-off', () => {
  it('is refused while items are pending or breaks open (naming what is left), allowed after, once; a signed-off day is not run again', async () => {
    t = await reconApp();
    await paidOrder(t.app, 2000);
    dayAfter(t, 1);
    await ok(t.app, t.finance, 'recon.run', { date: DAY });
    const pending = await call(t.app, t.finance, 'recon.signOff', { date: DAY });
    expect(pending.ok).toBe(false);
    if (!pending.ok) {
      expect(pending.error.code).toBe('conflict');
      expect(pending.error.message).toMatch(/still has 1 item\(s\) waiting for their counterpart/);
      expect(pending.error.details).toMatchObject({ pending: 1 });
    }
    dayAfter(t, 3);
    runDay(t.app, DAY);
    const [b] = listBreaks(t.app, { state: 'open' }).breaks;
    await ok(t.app, t.finance, 'recon.requestWriteOff', { breakId: b.id, note: 'never received' });
    const open = await call(t.app, t.finance, 'recon.signOff', { date: DAY });
    expect(open.ok).toBe(false);
    if (!open.ok) {
      expect(open.error.message).toBe(`date: ${DAY} has 1 break(s) not yet resolved`);
      expect(open.error.details).toMatchObject({ breaksOpen: 1 });
    }
    await ok(t.app, t.finance2, 'recon.approveWriteOff', { breakId: b.id });
    expect(getDay(t.app, DAY)).toMatchObject({ state: 'matched', breaksOpen: 0, breaksTotal: 1 });
    const signed = await ok<{ state: string; signedOffBy: { id: string }; signOffNote: string }>(t.app, t.supervisor, 'recon.signOff', {
      date: DAY,
      note: '3月1日 对账完毕',
    });
    expect(signed).toMatchObject({ state: 'signed_off', signedOffBy: { id: t.supervisor.id }, signOffNote: '3月1日 对账完毕' });
    const twice = await call(t.app, t.finance, 'recon.signOff', { date: DAY });
    expect(twice.ok || twice.error.message).toMatch(/already signed off/);
    // A late statement does not reopen a signed-off day: the run leaves it as signed.
    const rerun = runDay(t.app, DAY);
    expect(rerun).toMatchObject({ state: 'signed_off', skipped: 'signed_off', breaksOpened: 0 });
    expect(getDay(t.app, DAY)).toMatchObject({ state: 'signed_off', signedOffBy: t.supervisor.id });
    expect(() => signOff(t!.app, '2026-02-27', undefined, { operatorId: t!.finance.id })).toThrow(/has not been reconciled yet/);
  });

  it('is refused for a day with statement rows imported since its last run, until it is run again', async () => {
    t = await reconApp();
    const o = await paidOrder(t.app, 6600);
    const stray = await cancelledButPaid(t.app, 700);
    await importWechat(t, [wechatRowOf(o)]);
    dayAfter(t, 3);
    expect(await ok(t.app, t.finance, 'recon.run', { date: DAY })).toMatchObject([{ state: 'matched' }]);
    // A second file arrives and is kept without running its days: it holds a payment nobody has matched.
    const row = wechatPayment({ 交易时间: '2026-03-01 12:00:00', 微信订单号: stray.tradeNo, 商户订单号: stray.order.number, 应结订单金额: '7.00', 订单金额: '7.00' });
    t.clock.advance(60_000);
    const kept = await ok<{ runs: unknown[] }>(t.app, t.finance, 'recon.import', {
      fileName: 'late.csv',
      base64: wechatBytes({ kind: 'all', rows: [row] }).toString('base64'),
      run: false,
    });
    expect(kept.runs).toEqual([]);
    const refused = await call(t.app, t.finance, 'recon.signOff', { date: DAY });
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.error.code).toBe('conflict');
      expect(refused.error.message).toMatch(/has 1 statement row\(s\) imported since its last run; run it again/);
    }
    expect(getDay(t.app, DAY).state).not.toBe('signed_off');
    // Run, the 长款 is a break; explained, the day signs off.
    expect(await ok(t.app, t.finance, 'recon.run', { date: DAY })).toMatchObject([{ state: 'breaks', breaksOpened: 1 }]);
    const [b] = listBreaks(t.app, { state: 'open' }).breaks;
    await resolve(t, t.finance, b.id, 'explain', 'a test payment, refunded by WeChat support');
    expect(await ok(t.app, t.finance2, 'recon.signOff', { date: DAY })).toMatchObject({ state: 'signed_off' });
  });
});

describe('the queue of breaks', () => {
  it('is filtered by channel as well as state, kind and day, with the total of the filtered breaks, a page at a time', async () => {
    t = await reconApp();
    const wechat = [await paidOrder(t.app, 1000), await paidOrder(t.app, 2000)];
    const alipay = await paidOrder(t.app, 3000, 'alipay');
    dayAfter(t, 3);
    runDay(t.app, DAY);
    const list = (input: Record<string, unknown>) =>
      ok<{ total: number; breaks: (BreakOut & { orderNumber: string | null })[] }>(t!.app, t!.finance, 'recon.breaks', input);
    const ali = await list({ channel: 'alipay' });
    expect(ali.total).toBe(1);
    expect(ali.breaks.map((b) => [b.kind, b.orderNumber])).toEqual([['short', alipay.number]]);
    const we = await list({ channel: 'wechat', kind: 'short', state: 'open', date: DAY });
    expect(we.total).toBe(2);
    expect(we.breaks.map((b) => b.orderNumber).sort()).toEqual(wechat.map((o) => o.number).sort());
    const firstPage = await list({ channel: 'wechat', limit: 1 });
    const secondPage = await list({ channel: 'wechat', limit: 1, offset: 1 });
    expect([firstPage.total, secondPage.total]).toEqual([2, 2]);
    expect(new Set([...firstPage.breaks, ...secondPage.breaks].map((b) => b.id)).size).toBe(2);
    expect((await list({ channel: 'alipay', kind: 'long' })).total).toBe(0);
    expect((await list({ channel: 'generic' })).breaks).toEqual([]);
    expect((await list({})).total).toBe(3);
  });
});
