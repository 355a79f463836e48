import type { MethodOutput } from '../../contract/types';
import { maskPhone } from '../../kernel/phone';
import { parsePositiveYuan } from '../../money';
import { optionalOption, requireId, requireOption, UsageError, type Command, type CommandContext } from '../framework';
import { driverIdOf } from '../session-ref';
import { label } from '../words';

/**
 * Payment-order commands. They go through cx.call, so the --as operator's role is checked and
 * each order lands in the audit log as it does from the counter screen. Options are checked here
 * first: a bad value is a usage error (exit 2) naming the option.
 */

type Order = MethodOutput<'payments.getOrder'>;
type Coupon = MethodOutput<'coupons.list'>[number];

/**
 * The order's coupon as the operator knows it: by its face value and its campaign label (as the
 * driver's coupon list shows it), never by its internal id, with what the order did to it. Read
 * only for the human text; --json keeps the coupon id.
 */
async function couponFor(cx: CommandContext, o: Order): Promise<Coupon | undefined> {
  if (cx.global.json || !o.coupon.couponId) return undefined;
  const coupons = await cx.call<Coupon[]>('coupons.list', { driverId: o.driverId });
  return coupons.find((c) => c.couponId === o.coupon.couponId);
}

function couponText(o: Order, c: Coupon | undefined): string {
  if (!o.coupon.couponId) return o.coupon.amount.yuan;
  const status = o.coupon.status ? label('payments.detail.couponStatus.', o.coupon.status).toLowerCase() : 'its record is missing';
  const which = c ? `of a ${c.face.yuan} coupon${c.campaignId ? ` (${c.campaignId})` : ''}` : 'of a coupon';
  return `${o.coupon.amount.yuan} ${which}, ${status}`;
}

function describe(o: Order, coupon?: Coupon): string {
  return [
    // The order by its number (商户订单号), as receipts and screens show it; --json keeps the id.
    `order ${o.number}  ${label('payments.state.', o.state)}`,
    // Masked as the screens show it (issue 16); --json keeps the whole number, as the other commands do.
    `driver   ${o.driverName} (${maskPhone(o.driverPhone)})`,
    `amount   ${o.amount.yuan}  credited ${o.credited.yuan}`,
    `coupon   ${couponText(o, coupon)}`,
    `points   ${o.points} (= ${o.pointsValue.yuan})`,
    `payable  ${o.payable.yuan} via ${label('payments.channel.', o.channel)}${o.codeUrl ? `  QR ${o.codeUrl}` : ''}`,
    ...(o.providerError ? [`gateway  ${o.providerError}`] : []),
    ...(o.state === 'CANCELLED' ? [`cancelled: ${o.cancelReason ?? ''}`] : []),
    ...(o.state === 'PAID' ? [`paid     trade ${o.providerTradeNo ?? ''}`] : []),
  ].join('\n');
}

export const paymentCommands: Command[] = [
  {
    name: 'order create',
    summary: 'Create a payment order (top-up or package) with its QR code; coupon and points are taken now.',
    usage: 'depotdesk order create --driver PHONE|ID --amount 200.00 [--package P] [--coupon ID] [--points N] --channel wechat|alipay --as OPERATOR [--json]',
    options: {
      driver: { type: 'string' },
      amount: { type: 'string' },
      package: { type: 'string' },
      coupon: { type: 'string' },
      points: { type: 'string' },
      channel: { type: 'string' },
      key: { type: 'string' },
    },
    async run(cx) {
      const driverGiven = requireOption(cx, 'driver', "the driver's phone number or id");
      const amount = requireOption(cx, 'amount', 'yuan, like 200.00');
      // Same parser as the contract, so the message names the option the operator typed.
      parsePositiveYuan(amount, '--amount');
      const channel = requireOption(cx, 'channel', 'wechat or alipay');
      if (channel !== 'wechat' && channel !== 'alipay') throw new UsageError(`--channel must be wechat or alipay, got "${channel}"`, { field: '--channel' });
      const pointsText = optionalOption(cx, 'points');
      if (pointsText !== undefined && !/^[1-9]\d{0,8}$/.test(pointsText)) {
        throw new UsageError(`--points must be a whole number of points from 1, got "${pointsText}"`, { field: '--points' });
      }
      const driverId = await driverIdOf((method, params) => cx.call(method, params), driverGiven);
      const o = await cx.call<Order>('payments.createOrder', {
        driverId,
        amount,
        packageId: optionalOption(cx, 'package'),
        couponId: optionalOption(cx, 'coupon'),
        points: pointsText === undefined ? undefined : Number(pointsText),
        channel,
        key: optionalOption(cx, 'key'),
      });
      const coupon = await couponFor(cx, o);
      cx.print(o, () => describe(o, coupon));
      return o.state === 'CANCELLED' ? 1 : 0;
    },
  },
  {
    name: 'order show',
    summary: 'Show a payment order by id or number (商户订单号).',
    usage: 'depotdesk order show ID --as OPERATOR [--json]',
    allowPositionals: true,
    async run(cx) {
      const id = cx.positionals[0];
      if (!id) throw new UsageError('order show needs the order id or number', { field: 'ID' });
      const o = await cx.call<Order>('payments.getOrder', { orderId: id });
      const coupon = await couponFor(cx, o);
      cx.print(o, () => describe(o, coupon));
    },
  },
  {
    name: 'order list',
    summary: 'List payment orders (newest first).',
    usage: 'depotdesk order list [--state PENDING_PAYMENT|PAID|CANCELLED] [--driver PHONE|ID] [--limit N] --as OPERATOR [--json]',
    options: { state: { type: 'string' }, driver: { type: 'string' }, limit: { type: 'string' } },
    async run(cx) {
      const state = optionalOption(cx, 'state');
      if (state !== undefined && !['PENDING_PAYMENT', 'PAID', 'CANCELLED'].includes(state)) {
        throw new UsageError(`--state must be PENDING_PAYMENT, PAID or CANCELLED, got "${state}"`, { field: '--state' });
      }
      const limit = optionalOption(cx, 'limit');
      if (limit !== undefined && !/^\d+$/.test(limit)) throw new UsageError(`--limit must be a whole number, got "${limit}"`, { field: '--limit' });
      const driver = optionalOption(cx, 'driver');
      const r = await cx.call<MethodOutput<'payments.listOrders'>>('payments.listOrders', {
        state,
        driverId: driver === undefined ? undefined : await driverIdOf((method, params) => cx.call(method, params), driver),
        limit: limit ? Number(limit) : undefined,
      });
      cx.print(r, () =>
        [
          `${r.total} order(s)`,
          ...r.orders.map(
            (o) =>
              `${o.number}  ${label('payments.state.', o.state).padEnd(16)} ${o.driverName.padEnd(10)} payable ${o.payable.yuan.padStart(9)} via ${label('payments.channel.', o.channel)}`,
          ),
        ].join('\n'),
      );
    },
  },
  {
    name: 'order parked',
    summary: 'Expired orders the timeout job parked because their cancel kept being refused (issue 21): each waits for `order repair`.',
    usage: 'depotdesk order parked --as OPERATOR [--json]',
    async run(cx) {
      const parked = await cx.call<MethodOutput<'payments.parkedOrders'>>('payments.parkedOrders', {});
      cx.print(parked, () =>
        parked.length === 0
          ? 'no parked orders'
          : [
              `${parked.length} parked order(s)`,
              ...parked.map((p) => `${p.number}  ${p.attempts} refused cancel(s), last: ${p.lastErrorCode}: ${p.lastError}`),
              'repair each with: depotdesk order repair NUMBER --action restore_from_ledger|mark_resolved --note "…" --as SUPERVISOR',
            ].join('\n'),
      );
    },
  },
  {
    name: 'order repair',
    summary: "Finish a parked order's cancel: restore_from_ledger gives back its coupon and points as the ledger recorded them; mark_resolved restores nothing.",
    usage: 'depotdesk order repair ORDER --action restore_from_ledger|mark_resolved --note TEXT --as SUPERVISOR [--json]',
    allowPositionals: true,
    options: { action: { type: 'string' }, note: { type: 'string' } },
    async run(cx) {
      const orderId = requireId(cx, 'order repair', 'order id or number');
      const action = requireOption(cx, 'action', 'restore_from_ledger or mark_resolved');
      if (action !== 'restore_from_ledger' && action !== 'mark_resolved') {
        throw new UsageError(`--action must be restore_from_ledger or mark_resolved, got "${action}"`, { field: '--action' });
      }
      const note = requireOption(cx, 'note', 'what you found and why this action');
      const r = await cx.call<MethodOutput<'payments.repairStuckOrder'>>('payments.repairStuckOrder', { orderId, action, note });
      cx.print(r, () =>
        [
          `order ${r.number} ${r.state} (${action}, by ${r.stuck.repairedBy ?? ''})`,
          `coupon restored ${r.restoredCoupon.yuan}, points restored ${r.restoredPoints}`,
          ...(r.alreadyRestored.length > 0 ? [`already given back before: ${r.alreadyRestored.join(', ')}`] : []),
        ].join('\n'),
      );
    },
  },
];
