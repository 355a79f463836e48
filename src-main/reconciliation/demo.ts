import { businessDate } from '../kernel/clock';
import type { AppContext } from '../kernel/context';
import type { DemoStep } from '../kernel/plugins';
import { dayStart, findDriverByIdTag, type By } from '../ledger';
import { operatorIdByName } from '../operators';
import { cancelOrder, confirmPayment, createOrder, type OrderRow, type PaymentChannel } from '../payments';
import { approveAdjustment, createAdjustment, getTask, processTask } from '../refunds';
import { signOff } from './days';
import { DEMO_ALIPAY_ACCOUNT, alipayDetailCsv, wechatAllBill, type DemoPayment, type DemoRefund } from './demo-statements';
import { importStatement, listStatements } from './import';
import { addDays, runRange } from './match';

/**
 * The demo depot's last six days of 对账, made the way real ones are: orders created and paid
 * through payments (each at its own time on its day), a refund through refunds, then each day's
 * WeChat Pay ALL bill and Alipay 业务明细 written from what the gateway "took", imported, and the
 * days run through runRange. What the demo shows, counted back from today:
 *
 * - 6 days ago: everything matched (payments and a refund), signed off by finance (王芳);
 * - 5 days ago: breaks of four kinds: 长款 (an order cancelled at 30 minutes, then paid at the
 *   gateway, whose notification never came), 短款 (a paid order the bill lacks), 金额不符 (the
 *   gateway settled ¥2.00 less than the order), 重复支付 (the driver paid one order twice);
 * - 4 to 2 days ago: matched;
 * - yesterday: pending, inside the 3-day window: a paid order the bill does not have yet.
 *
 * The demo has no finished charging sessions, so the energy check has nothing to compare.
 * Deterministic for a given today (trade numbers from the day and a counter); a second run
 * changes nothing (it stops at the first statement already imported).
 */

const DEMO_CARDS = ['04A1B2C3D4', '04A1B2C3D5', '04A1B2C3D6', '04A1B2C3D7', '04A1B2C3D8', '04A1B2C3D9'] as const;
const MINUTE = 60_000;

interface DemoDay {
  day: string;
  wechat: DemoPayment[];
  alipay: DemoPayment[];
  refunds: DemoRefund[];
}

class DemoBuilder {
  private seq = 0;
  private orders = 0;

  constructor(
    readonly app: AppContext,
    readonly drivers: string[],
    readonly counter: By,
    readonly finance: By,
    readonly supervisor: By,
  ) {}

  /** The app with its clock at `at`: the same code, dated on the demo's day. */
  at(at: number): AppContext {
    return { ...this.app, clock: { ...this.app.clock, now: () => at } };
  }

  /** An instant on `day` in the depot's zone, `minutes` after midnight. */
  time(day: string, minutes: number): number {
    return dayStart(day, this.app.clock.timeZone) + minutes * MINUTE;
  }

  tradeNo(channel: PaymentChannel, day: string): string {
    const ymd = day.replace(/-/g, '');
    this.seq += 1;
    return channel === 'wechat' ? `4200001888${ymd}${String(this.seq).padStart(10, '0')}` : `${ymd}22001${String(this.seq).padStart(15, '0')}`;
  }

  driver(): string {
    return this.drivers[this.orders % this.drivers.length];
  }

  async order(day: string, minutes: number, amountFen: number, channel: PaymentChannel, driverId = this.driver()): Promise<OrderRow> {
    this.orders += 1;
    const key = `demo:recon:${day}:${this.orders}`;
    return createOrder(this.at(this.time(day, minutes)), { driverId, amountFen, channel, key }, this.counter);
  }

  /** An order paid 45 seconds after it was made: the gateway's notification arrived. */
  async paid(d: DemoDay, minutes: number, amountFen: number, channel: PaymentChannel = 'wechat', driverId?: string): Promise<DemoPayment & { order: OrderRow }> {
    const order = await this.order(d.day, minutes, amountFen, channel, driverId);
    const at = order.createdAt + 45_000;
    const tradeNo = this.tradeNo(channel, d.day);
    const raw = JSON.stringify({ demo: true, out_trade_no: order.number, transaction_id: tradeNo });
    confirmPayment(this.at(at), { channel, orderNumber: order.number, providerTradeNo: tradeNo, amountFen: order.payable, paidAt: at, raw }, this.counter);
    return { at, tradeNo, orderNumber: order.number, amountFen: order.payable, order };
  }

  /** Paid and on the day's bill. */
  async matched(d: DemoDay, minutes: number, amountFen: number, channel: PaymentChannel = 'wechat'): Promise<DemoPayment & { order: OrderRow }> {
    const p = await this.paid(d, minutes, amountFen, channel);
    (channel === 'wechat' ? d.wechat : d.alipay).push(p);
    return p;
  }

  /** A refund finance opened and a supervisor approved, paid back through the gateway. */
  async refund(d: DemoDay, p: DemoPayment & { order: OrderRow }, minutes: number, amountFen: number): Promise<void> {
    const t = this.time(d.day, minutes);
    const a = createAdjustment(this.at(t), { orderId: p.order.id, amountFen, reason: '充值未用完，原路退回' }, { operatorId: this.finance.operatorId ?? null });
    const approved = approveAdjustment(this.at(t + 5 * MINUTE), a.id, { note: '核实无误' }, { operatorId: this.supervisor.operatorId ?? null });
    const task = await processTask(this.at(t + 6 * MINUTE), approved.taskId!);
    const done = getTask(this.app, task.id);
    d.refunds.push({
      at: done.completedAt ?? t + 6 * MINUTE,
      tradeNo: p.tradeNo,
      orderNumber: p.orderNumber,
      refundNo: done.id,
      gatewayRefundNo: `50300${this.tradeNo('wechat', d.day).slice(-24)}`,
      amountFen,
    });
  }
}

async function signedOffDay(b: DemoBuilder, d: DemoDay): Promise<void> {
  await b.matched(d, 8 * 60 + 12, 5000);
  const big = await b.matched(d, 9 * 60 + 40, 20000);
  await b.matched(d, 11 * 60 + 5, 8800);
  await b.matched(d, 14 * 60 + 30, 10000, 'alipay');
  await b.matched(d, 19 * 60 + 2, 6600, 'alipay');
  await b.refund(d, big, 18 * 60, 2000);
}

async function breaksDay(b: DemoBuilder, d: DemoDay): Promise<void> {
  await b.matched(d, 7 * 60 + 50, 6800);
  await b.matched(d, 10 * 60 + 15, 12000);
  await b.matched(d, 16 * 60 + 45, 9900, 'alipay');
  // 长款: cancelled by the 30-minute timeout, then paid from the QR code still on the driver's phone.
  const late = await b.order(d.day, 9 * 60, 5000, 'wechat');
  cancelOrder(b.at(late.createdAt + 30 * MINUTE), late.id, '超时未付', b.counter);
  d.wechat.push({ at: late.createdAt + 31 * MINUTE, tradeNo: b.tradeNo('wechat', d.day), orderNumber: late.number, amountFen: late.payable });
  // 短款: paid here, not on the gateway's bill.
  await b.paid(d, 13 * 60 + 20, 15000);
  // 金额不符: the gateway settled ¥2.00 less than the order.
  const less = await b.paid(d, 15 * 60 + 5, 8000);
  d.wechat.push({ ...less, amountFen: less.amountFen - 200 });
  // 重复支付: one order paid twice, two minutes apart.
  const twice = await b.matched(d, 20 * 60 + 30, 10000);
  d.wechat.push({ at: twice.at + 2 * MINUTE, tradeNo: b.tradeNo('wechat', d.day), orderNumber: twice.orderNumber, amountFen: twice.amountFen });
}

async function quietDay(b: DemoBuilder, d: DemoDay, n: number): Promise<void> {
  await b.matched(d, 8 * 60 + 30 + n * 7, 5000 + n * 1100);
  await b.matched(d, 12 * 60 + 10 + n * 3, 3000 + n * 2500);
  await b.matched(d, 18 * 60 + 45 - n * 5, 7000 + n * 600, 'alipay');
}

async function pendingDay(b: DemoBuilder, d: DemoDay): Promise<void> {
  await b.matched(d, 9 * 60 + 5, 7500);
  await b.matched(d, 15 * 60 + 50, 5200);
  await b.matched(d, 17 * 60 + 20, 8800, 'alipay');
  // Paid here; the gateway's bill does not show it yet (inside the window: pending, not a break).
  await b.paid(d, 21 * 60 + 40, 6600);
}

async function importDay(app: AppContext, d: DemoDay, by: By): Promise<number> {
  const ymd = d.day.replace(/-/g, '');
  let files = 0;
  if (d.wechat.length + d.refunds.length > 0) {
    await importStatement(app, wechatAllBill(d.wechat, d.refunds), `${ymd}-wechat-ALL.csv`, {}, by);
    files += 1;
  }
  if (d.alipay.length > 0) {
    const chinaMidnight = Date.parse(`${d.day}T00:00:00+08:00`);
    const exportedAt = chinaMidnight + 33 * 3_600_000;
    await importStatement(app, alipayDetailCsv(chinaMidnight, d.alipay, exportedAt), `${DEMO_ALIPAY_ACCOUNT}_${ymd}_业务明细.csv`, {}, by);
    files += 1;
  }
  return files;
}

function builderFor(app: AppContext): DemoBuilder | string {
  const drivers = DEMO_CARDS.map((tag) => findDriverByIdTag(app, tag)?.id).filter((id): id is string => id !== undefined);
  const [counter, finance, supervisor] = ['zhang.wei', 'wang.fang', 'li.na'].map((n) => operatorIdByName(app, n));
  if (drivers.length === 0) return 'no demo drivers, so no orders to reconcile';
  if (!counter || !finance || !supervisor) return 'the demo operators (zhang.wei, wang.fang, li.na) are missing; nothing to reconcile';
  return new DemoBuilder(app, drivers, { operatorId: counter }, { operatorId: finance }, { operatorId: supervisor });
}

export const reconciliationDemoStep: DemoStep = {
  name: 'reconciliation',
  async run(app) {
    if (listStatements(app, { limit: 1 }).length > 0) return 'statements already imported; left as they are';
    const b = builderFor(app);
    if (typeof b === 'string') return b;
    const today = businessDate(app.clock.now(), app.clock.timeZone);
    const days: DemoDay[] = [6, 5, 4, 3, 2, 1].map((n) => ({ day: addDays(today, -n), wechat: [], alipay: [], refunds: [] }));
    await signedOffDay(b, days[0]);
    await breaksDay(b, days[1]);
    for (const [i, d] of days.slice(2, 5).entries()) await quietDay(b, d, i);
    await pendingDay(b, days[5]);
    let files = 0;
    for (const d of days) files += await importDay(app, d, b.finance);
    const run = runRange(app, days[0].day, days[5].day);
    signOff(app, days[0].day, '当日流水与微信、支付宝对账单一致，已核对', b.finance);
    const states = run.days.map((r) => `${r.day} ${r.day === days[0].day ? 'signed_off' : r.state}`).join(', ');
    return `${files} statement files imported; days ${states}; ${run.days.reduce((s, r) => s + r.breaksOpen, 0)} breaks to work`;
  },
};
