import { z } from 'zod';
import { ALL_ROLES, FINANCE, method, SUPERVISORS, type CallContext } from '../kernel/method';
import { amount, amountSchema, positiveYuanField } from '../money';
import { dayStart, getDriver, transfersUnderKeys } from '../ledger';
import { confirmByQuery, simulateCustomerPaid } from './confirm';
import {
  cancelAtCounter,
  createOrder,
  expireOrders,
  createPackage,
  getOrder,
  getUnmatched,
  listOrders,
  listPackages,
  listUnmatched,
  orderCoupon,
  orderLedgerKeys,
  resolveUnmatched,
  setPackageActive,
  type ConfirmResult,
  type OrderRow,
  type PackageRow,
  type UnmatchedRow,
} from './orders';
import { ORDER_STATES, PAYMENT_CHANNELS, UNMATCHED_REASONS, UNMATCHED_STATES } from './schema';
import { stuckMethods, stuckSchema } from './stuck-methods';
import { stuckOrderOf } from './stuck';
import { orderNumbersOf } from './lookups';

/**
 * Payment orders over the contract (payments.*). Amounts in as yuan text, out as {fen, yuan}.
 * Roles: anyone at the counter sells, looks, cancels and presses the demo's "customer paid";
 * packages and the resolution of unmatched payments (长款) are finance's and supervisors'.
 */

const id = z.string().trim().min(1).max(200);
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date is yyyy-MM-dd');

const packageSchema = z.object({
  id: z.string(),
  name: z.string(),
  price: amountSchema,
  credited: amountSchema,
  bonus: amountSchema,
  active: z.boolean(),
  createdAt: z.number(),
});
const orderSchema = z.object({
  id: z.string(),
  number: z.string(),
  driverId: z.string(),
  driverName: z.string(),
  driverPhone: z.string(),
  packageId: z.string().nullable(),
  amount: amountSchema,
  credited: amountSchema,
  coupon: z.object({ couponId: z.string().nullable(), amount: amountSchema, status: z.string().nullable() }),
  points: z.number(),
  pointsValue: amountSchema,
  payable: amountSchema,
  channel: z.enum(PAYMENT_CHANNELS),
  provider: z.string(),
  codeUrl: z.string().nullable(),
  providerError: z.string().nullable(),
  state: z.enum(ORDER_STATES),
  providerTradeNo: z.string().nullable(),
  paidAt: z.number().nullable(),
  cancelledAt: z.number().nullable(),
  cancelReason: z.string().nullable(),
  expiresAt: z.number(),
  createdAt: z.number(),
});
const orderTransferSchema = z.object({
  id: z.string(),
  code: z.string(),
  phase: z.string(),
  debitAccountId: z.string(),
  creditAccountId: z.string(),
  /** Fen, or points when unit is 'points'. */
  amount: z.number(),
  unit: z.string(),
  memo: z.string().nullable(),
  createdAt: z.number(),
});
const unmatchedSchema = z.object({
  id: z.string(),
  channel: z.enum(PAYMENT_CHANNELS),
  providerTradeNo: z.string(),
  orderNumber: z.string(),
  orderId: z.string().nullable(),
  driverId: z.string().nullable(),
  amount: amountSchema,
  paidAt: z.number(),
  reason: z.enum(UNMATCHED_REASONS),
  status: z.enum(UNMATCHED_STATES),
  resolution: z.string().nullable(),
  topupKey: z.string().nullable(),
  refundTaskId: z.string().nullable(),
  resolvedBy: z.string().nullable(),
  resolvedAt: z.number().nullable(),
  createdAt: z.number(),
});

function packageOut(p: PackageRow) {
  return {
    id: p.id,
    name: p.name,
    price: amount(p.price),
    credited: amount(p.credited),
    bonus: amount(p.credited - p.price),
    active: p.active === 1,
    createdAt: p.createdAt,
  };
}

function orderOut(ctx: CallContext, o: OrderRow & { driverName?: string; driverPhone?: string }) {
  const d = o.driverName === undefined ? getDriver(ctx.app, o.driverId) : null;
  const c = o.couponFen > 0 ? orderCoupon(ctx.app, o.id) : undefined;
  return {
    id: o.id,
    number: o.number,
    driverId: o.driverId,
    driverName: o.driverName ?? d!.name,
    driverPhone: o.driverPhone ?? d!.phone,
    packageId: o.packageId,
    amount: amount(o.amount),
    credited: amount(o.credited),
    coupon: { couponId: c?.couponId ?? null, amount: amount(o.couponFen), status: c?.status ?? null },
    points: o.points,
    pointsValue: amount(o.pointsFen),
    payable: amount(o.payable),
    channel: o.channel,
    provider: o.provider,
    codeUrl: o.codeUrl,
    providerError: o.providerError,
    state: o.state,
    providerTradeNo: o.providerTradeNo,
    paidAt: o.paidAt,
    cancelledAt: o.cancelledAt,
    cancelReason: o.cancelReason,
    expiresAt: o.createdAt + ctx.app.config.payments.orderTimeoutMs,
    createdAt: o.createdAt,
  };
}

function unmatchedOut(u: UnmatchedRow) {
  const { raw: _raw, amount: fen, ...rest } = u;
  return { ...rest, amount: amount(fen) };
}

function by(ctx: CallContext) {
  return { operatorId: ctx.caller.operator?.id ?? null };
}

const confirmSchema = z.object({
  outcome: z.enum(['paid', 'duplicate', 'unmatched', 'duplicate_unmatched']),
  order: orderSchema.nullable(),
  unmatchedId: z.string().nullable(),
  reason: z.enum(UNMATCHED_REASONS).nullable(),
  tradeState: z.string().optional(),
});

function confirmOut(ctx: CallContext, r: ConfirmResult & { tradeState?: string }) {
  return { outcome: r.outcome, order: r.order ? orderOut(ctx, r.order) : null, unmatchedId: r.unmatchedId, reason: r.reason, tradeState: r.tradeState };
}

export const paymentMethods = {
  ...stuckMethods,
  'payments.packages': method({
    summary: 'Prepaid packages sold at the counter (pay the price, get the credited amount).',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({ includeInactive: z.boolean().default(false) }),
    output: z.array(packageSchema),
    handler: ({ app }, input) => listPackages(app, input).map(packageOut),
  }),
  'payments.createPackage': method({
    summary: 'Create a prepaid package, e.g. pay ¥200.00 for ¥220.00 of charging.',
    kind: 'command',
    roles: FINANCE,
    input: z.strictObject({ name: z.string().trim().min(1, 'a name is required').max(60), price: positiveYuanField(), credited: positiveYuanField() }),
    output: packageSchema,
    handler: (ctx, input) => packageOut(createPackage(ctx.app, { name: input.name, priceFen: input.price, creditedFen: input.credited }, by(ctx))),
  }),
  'payments.setPackageActive': method({
    summary: 'Stop or resume selling a package.',
    kind: 'command',
    roles: FINANCE,
    input: z.strictObject({ packageId: id, active: z.boolean() }),
    output: packageSchema,
    handler: (ctx, input) => packageOut(setPackageActive(ctx.app, input.packageId, input.active)),
  }),
  'payments.createOrder': method({
    summary: 'Sell a top-up or a package: a payment order with its QR code; coupon and points are taken now.',
    kind: 'command',
    roles: ALL_ROLES,
    input: z
      .strictObject({
        driverId: id,
        amount: positiveYuanField().optional(),
        packageId: id.optional(),
        couponId: id.optional(),
        couponAmount: positiveYuanField().optional(),
        points: z.number().int().min(1).max(1_000_000_000).optional(),
        channel: z.enum(PAYMENT_CHANNELS),
        key: z.string().trim().min(1).max(200).optional(),
      })
      .refine((v) => v.amount !== undefined || v.packageId !== undefined, { message: 'give an amount or a package', path: ['amount'] }),
    output: orderSchema,
    handler: async (ctx, input) => {
      const o = await createOrder(
        ctx.app,
        {
          driverId: input.driverId,
          amountFen: input.amount,
          packageId: input.packageId,
          couponId: input.couponId,
          couponFen: input.couponAmount,
          points: input.points,
          channel: input.channel,
          key: input.key,
        },
        by(ctx),
      );
      return orderOut(ctx, o);
    },
  }),
  'payments.orderNumbers': method({
    summary:
      'The numbers (商户订单号, DD…) of up to 500 payment orders by id, for screens that hold only ids (a ledger line, a debt); an id that is no order is left out.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({ ids: z.array(z.string().min(1)).max(500) }),
    output: z.record(z.string(), z.string()),
    handler: ({ app }, input) => orderNumbersOf(app, input.ids),
  }),
  'payments.getOrder': method({
    summary: 'One payment order by id or number (商户订单号).',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({ orderId: id }),
    output: orderSchema,
    handler: (ctx, input) => orderOut(ctx, getOrder(ctx.app, input.orderId)),
  }),
  'payments.orderDetail': method({
    summary:
      "One payment order with the ledger transfers it made: the payment and its bonus, the debt it paid off, the coupon and points it took and gave back (refunds are the adjustments'), and its refused cancels if the timeout job counted any.",
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({ orderId: id }),
    output: z.object({ order: orderSchema, transfers: z.array(orderTransferSchema), stuck: stuckSchema.nullable() }),
    handler: (ctx, input) => {
      const o = getOrder(ctx.app, input.orderId);
      return { order: orderOut(ctx, o), transfers: transfersUnderKeys(ctx.app, orderLedgerKeys(o.number)), stuck: stuckOrderOf(ctx.app, o.id) };
    },
  }),
  'payments.listOrders': method({
    summary:
      'Payment orders, newest first; filter by state, driver, channel, dates or a search (an order number from its start, part of a name or phone); a page by offset or after a cursor (the nextCursor of the page before).',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({
      state: z.enum(ORDER_STATES).optional(),
      driverId: id.optional(),
      channel: z.enum(PAYMENT_CHANNELS).optional(),
      from: date.optional(),
      to: date.optional(),
      /** An order number from its start (DD…, or the date and sequence after DD), or part of the driver's name or phone. */
      search: z.string().trim().max(100).optional(),
      limit: z.number().int().min(1).max(500).default(100),
      /** Rows to skip: from the top, or after `after`. */
      offset: z.number().int().min(0).default(0),
      /** Keyset paging: start after this order (the previous page's nextCursor). */
      after: z.strictObject({ createdAt: z.number().int(), id }).optional(),
    }),
    output: z.object({ total: z.number(), orders: z.array(orderSchema), nextCursor: z.object({ createdAt: z.number(), id: z.string() }).nullable() }),
    handler: (ctx, input) => {
      const zone = ctx.app.clock.timeZone;
      const r = listOrders(ctx.app, {
        ...input,
        from: input.from ? dayStart(input.from, zone, 'from') : undefined,
        to: input.to ? dayStart(input.to, zone, 'to') + 86_400_000 : undefined,
      });
      return { total: r.total, orders: r.orders.map((o) => orderOut(ctx, o)), nextCursor: r.nextCursor };
    },
  }),
  'payments.confirm': method({
    summary: 'Confirm a payment: "notification" simulates the customer paying (demo); "query" asks the gateway.',
    kind: 'command',
    roles: ALL_ROLES,
    input: z.strictObject({ orderId: id, via: z.enum(['notification', 'query']).default('notification') }),
    output: confirmSchema,
    handler: async (ctx, input) =>
      confirmOut(ctx, input.via === 'query' ? await confirmByQuery(ctx.app, input.orderId, by(ctx)) : simulateCustomerPaid(ctx.app, input.orderId, by(ctx))),
  }),
  'payments.cancelOrder': method({
    summary: 'Cancel a pending payment order: closed at the gateway first, then its coupon amount and points go back to the driver.',
    kind: 'command',
    roles: ALL_ROLES,
    input: z.strictObject({ orderId: id, reason: z.string().trim().min(1, 'say why').max(200).default('cancelled at the counter') }),
    output: z.object({ order: orderSchema, restoredCoupon: amountSchema, restoredPoints: z.number() }),
    handler: async (ctx, input) => {
      const r = await cancelAtCounter(ctx.app, input.orderId, input.reason, by(ctx));
      return { order: orderOut(ctx, r.order), restoredCoupon: amount(r.restoredCouponFen), restoredPoints: r.restoredPoints };
    },
  }),
  'payments.expireNow': method({
    summary:
      'Run the payment timeout now, as the minute job does: orders pending past payments.orderTimeoutMs are closed at the gateway, then cancelled with coupon and points restored.',
    kind: 'command',
    roles: SUPERVISORS,
    input: z.strictObject({}),
    output: z.object({
      cancelled: z.array(
        z.object({ number: z.string(), gateway: z.enum(['closed', 'refused', 'paid_unmatched']), restoredCouponFen: z.number(), restoredPoints: z.number() }),
      ),
      paid: z.array(z.string()),
      offline: z.array(z.object({ number: z.string(), channel: z.enum(PAYMENT_CHANNELS), message: z.string() })),
      failed: z.array(z.object({ number: z.string(), code: z.string(), message: z.string(), parked: z.boolean() })),
    }),
    handler: async ({ app }) => {
      const r = await expireOrders(app);
      return {
        cancelled: r.cancelled.map((c) => ({ number: c.number, gateway: c.gateway, restoredCouponFen: c.restoredCouponFen, restoredPoints: c.restoredPoints })),
        paid: r.paid,
        offline: r.offline,
        failed: r.failed.map((f) => ({ number: f.number, code: f.code, message: f.message, parked: f.parked })),
      };
    },
  }),
  'payments.unmatched': method({
    summary: 'Unmatched payments (长款): money the gateway took that no pending order could accept.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({ status: z.enum(UNMATCHED_STATES).optional(), limit: z.number().int().min(1).max(500).default(200) }),
    output: z.array(unmatchedSchema),
    handler: ({ app }, input) => listUnmatched(app, input).map(unmatchedOut),
  }),
  'payments.resolveUnmatched': method({
    summary: "Resolve an unmatched payment: credit the driver's wallet, or request a refund through the gateway.",
    kind: 'command',
    roles: FINANCE,
    input: z.strictObject({
      unmatchedId: id,
      action: z.enum(['credit_wallet', 'refund']),
      driverId: id.optional(),
      note: z.string().trim().min(1, 'say why').max(500),
    }),
    output: unmatchedSchema,
    handler: (ctx, input) => {
      const r =
        input.action === 'credit_wallet'
          ? resolveUnmatched(ctx.app, input.unmatchedId, { action: 'credit_wallet', driverId: input.driverId, note: input.note }, by(ctx))
          : resolveUnmatched(ctx.app, input.unmatchedId, { action: 'refund', note: input.note }, by(ctx));
      return unmatchedOut(getUnmatched(ctx.app, r.id));
    },
  }),
};
