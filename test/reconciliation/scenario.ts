import { FakeClock, businessDate } from '../../src-main/kernel/clock';
import type { AppContext } from '../../src-main/kernel/context';
import type { Role } from '../../src-main/kernel/roles';
import type { OperatorIdentity } from '../../src-main/kernel/method';
import { cancelOrder, createOrder, getOrder, simulateCustomerPaid, simulatedProvider, type OrderRow } from '../../src-main/payments';
import { approveAdjustment, createAdjustment, getTask, processTask, type RefundTaskRow } from '../../src-main/refunds';
import { importStatement, type ImportResult } from '../../src-main/reconciliation';
import { addOperator } from '../helpers';
import { expectLedgerValid, newDriver, payApp, type PayApp } from '../payments/fixtures';
import { alipayBytes, alipayPayment, alipayRefund, alipayZip, wechatBytes, wechatPayment, wechatRefund, type AlipayRow, type WechatRow } from './fixtures';

/**
 * A depot with real orders, real refund tasks and real statement files built from them, for the
 * reconciliation tests. The clock starts on 2026-03-01 09:00 in Shanghai; `day` is that date.
 */

export const DAY = '2026-03-01';
export const HOUR = 3_600_000;

export interface ReconApp extends PayApp {
  clock: FakeClock;
  finance: OperatorIdentity;
  finance2: OperatorIdentity;
  supervisor: OperatorIdentity;
}

/** After each test: the ledger the test left is valid, and the depot's scheduler is stopped. */
export async function endReconApp(t: ReconApp | undefined): Promise<void> {
  if (!t) return;
  expectLedgerValid(t.app);
  await t.scheduler.stop();
}

export async function reconApp(overrides?: Record<string, unknown>): Promise<ReconApp> {
  const t = payApp(overrides);
  t.clock.set('2026-03-01T01:00:00Z');
  const op = (role: Role, name: string) => addOperator(t.app, role, name);
  return { ...t, finance: await op('finance', 'fin-a'), finance2: await op('finance', 'fin-b'), supervisor: await op('supervisor', 'sup-a') };
}

/** China wall-clock text of an instant, as the gateways print it. */
export function chinaTime(at: number): string {
  return new Date(at + 8 * HOUR).toISOString().replace('T', ' ').slice(0, 19);
}

export const yuan = (fen: number) => (fen / 100).toFixed(2);

export async function paidOrder(app: AppContext, amountFen: number, channel: 'wechat' | 'alipay' = 'wechat'): Promise<OrderRow> {
  const d = newDriver(app);
  const o = await createOrder(app, { driverId: d.id, amountFen, channel });
  simulateCustomerPaid(app, o.id);
  return getOrder(app, o.id);
}

/** An order the driver paid at the gateway after the depot had cancelled it (a 长款 in the making). */
export async function cancelledButPaid(app: AppContext, amountFen: number): Promise<{ order: OrderRow; tradeNo: string; paidAt: number }> {
  const d = newDriver(app);
  const o = await createOrder(app, { driverId: d.id, amountFen, channel: 'wechat' });
  cancelOrder(app, o.id, 'timeout');
  const tradeNo = `4200009${String(Math.floor(Math.random() * 1e12)).padStart(12, '0')}`;
  return { order: getOrder(app, o.id), tradeNo, paidAt: app.clock.now() };
}

/** A refund of `amountFen` of a paid order, approved and paid through the simulated gateway. */
export async function completedRefund(t: ReconApp, order: OrderRow, amountFen: number): Promise<RefundTaskRow> {
  const a = createAdjustment(t.app, { orderId: order.id, amountFen, reason: '售后退款' }, { operatorId: t.finance.id });
  const r = approveAdjustment(t.app, a.id, { note: 'ok' }, { operatorId: t.supervisor.id });
  await processTask(t.app, r.taskId!);
  return getTask(t.app, r.taskId!);
}

export function wechatRowOf(o: OrderRow, over: WechatRow = {}): WechatRow {
  return wechatPayment({
    交易时间: chinaTime(o.paidAt!),
    微信订单号: o.providerTradeNo!,
    商户订单号: o.number,
    应结订单金额: yuan(o.payable),
    订单金额: yuan(o.payable),
    总金额: yuan(o.payable),
    手续费: (Math.round(o.payable * 0.006) / 100).toFixed(5),
    ...over,
  });
}

export function wechatRefundRowOf(o: OrderRow, task: RefundTaskRow, over: WechatRow = {}): WechatRow {
  return wechatRefund({
    交易时间: chinaTime(task.completedAt!),
    微信订单号: o.providerTradeNo!,
    商户订单号: o.number,
    商户退款单号: task.id,
    微信退款单号: `5030${task.id.slice(-10)}`,
    退款金额: yuan(task.amount),
    申请退款金额: yuan(task.amount),
    手续费: '0.00000',
    ...over,
  });
}

export function alipayRowOf(o: OrderRow, over: Partial<AlipayRow> = {}): AlipayRow {
  return alipayPayment({
    tradeNo: o.providerTradeNo!,
    orderNo: o.number,
    created: chinaTime(o.paidAt! - 3000),
    finished: chinaTime(o.paidAt!),
    orderAmount: yuan(o.payable),
    received: yuan(o.payable),
    fee: `-${(Math.round(o.payable * 0.006) / 100).toFixed(2)}`,
    ...over,
  });
}

export { alipayRefund };

let fileSeq = 0;

export function importWechat(t: ReconApp, rows: WechatRow[]): Promise<ImportResult> {
  return importStatement(t.app, wechatBytes({ kind: 'all', rows }), `wechat-${++fileSeq}.csv`, {}, { operatorId: t.finance.id });
}

export function importAlipay(t: ReconApp, rows: AlipayRow[]): Promise<ImportResult> {
  const zip = alipayZip(alipayBytes({ rows }));
  return importStatement(t.app, zip, `alipay-${++fileSeq}.zip`, {}, { operatorId: t.finance.id });
}

/** Moves the clock to 02:00 Shanghai, `days` days after DAY. */
export function dayAfter(t: ReconApp, days: number): void {
  t.clock.set(Date.parse(`${DAY}T02:00:00+08:00`) + days * 24 * HOUR);
}

export function dayOf(app: AppContext, at: number): string {
  return businessDate(at, app.clock.timeZone);
}

export { simulatedProvider };
