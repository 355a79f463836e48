import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { drivers } from '../ledger/schema';

/**
 * Payment orders (支付订单) and what hangs off them. Amounts are integer fen, points integer
 * points, times UTC epoch ms. The money itself lives in the ledger; these rows say why it moved.
 */

export const ORDER_STATES = ['PENDING_PAYMENT', 'PAID', 'CANCELLED'] as const;
export type OrderState = (typeof ORDER_STATES)[number];

export const PAYMENT_CHANNELS = ['wechat', 'alipay'] as const;
export type PaymentChannel = (typeof PAYMENT_CHANNELS)[number];

export const ORDER_COUPON_STATES = ['applied', 'consumed', 'restored'] as const;
export type OrderCouponState = (typeof ORDER_COUPON_STATES)[number];

export const UNMATCHED_REASONS = ['order_cancelled', 'unknown_order', 'amount_mismatch', 'already_paid'] as const;
export type UnmatchedReason = (typeof UNMATCHED_REASONS)[number];

export const UNMATCHED_STATES = ['open', 'credited', 'refund_requested'] as const;
export type UnmatchedState = (typeof UNMATCHED_STATES)[number];

const inList = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(','));

/** Prepaid packages sold at the counter: pay `price`, get `credited` in the wallet (¥200 → ¥220). */
export const paymentPackages = sqliteTable(
  'payment_packages',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    price: integer('price').notNull(),
    credited: integer('credited').notNull(),
    active: integer('active').notNull().default(1),
    createdAt: integer('created_at').notNull(),
    createdBy: text('created_by'),
  },
  (t) => [uniqueIndex('payment_packages_name').on(t.name), check('payment_packages_amounts', sql`${t.price} > 0 and ${t.credited} >= ${t.price}`)],
);

export const paymentOrders = sqliteTable(
  'payment_orders',
  {
    id: text('id').primaryKey(),
    /** Our 商户订单号, DD<yyyyMMdd><seq>: what the gateway statement carries back. */
    number: text('number').notNull(),
    /** The caller's idempotency key: a double click creates one order. */
    requestKey: text('request_key'),
    driverId: text('driver_id')
      .notNull()
      .references(() => drivers.id),
    packageId: text('package_id').references(() => paymentPackages.id),
    /** The order's face amount: the package price or the plain top-up amount. */
    amount: integer('amount').notNull(),
    /** What lands in the wallet when paid (a package may credit more than its price). */
    credited: integer('credited').notNull(),
    couponFen: integer('coupon_fen').notNull().default(0),
    points: integer('points').notNull().default(0),
    pointsFen: integer('points_fen').notNull().default(0),
    pointsRedeemId: text('points_redeem_id'),
    /** amount − coupon − points value: what the driver pays through the gateway. */
    payable: integer('payable').notNull(),
    channel: text('channel', { enum: PAYMENT_CHANNELS }).notNull(),
    provider: text('provider').notNull(),
    codeUrl: text('code_url'),
    providerError: text('provider_error'),
    state: text('state', { enum: ORDER_STATES }).notNull(),
    providerTradeNo: text('provider_trade_no'),
    paidAt: integer('paid_at'),
    cancelledAt: integer('cancelled_at'),
    cancelReason: text('cancel_reason'),
    createdAt: integer('created_at').notNull(),
    createdBy: text('created_by'),
  },
  (t) => [
    uniqueIndex('payment_orders_number').on(t.number),
    uniqueIndex('payment_orders_request_key')
      .on(t.requestKey)
      .where(sql`${t.requestKey} is not null`),
    // A state's or a driver's page reads its index in the list's order (created_at, id), never sorting them (issue 18).
    index('payment_orders_state_created').on(t.state, t.createdAt, t.id),
    // The driver index carries the state and channel too: a search by name or phone with either
    // filter picks its page and counts from the index alone, reading only the page's rows (orders.ts, listOrders).
    index('payment_orders_driver').on(t.driverId, t.createdAt, t.id, t.state, t.channel),
    // A state's count reads the narrow index (the wide one is twice the pages to step through).
    index('payment_orders_state').on(t.state),
    // Newest-first lists and exports page by (created_at, id).
    index('payment_orders_created').on(t.createdAt, t.id),
    // Reconciliation: the orders paid in a day, in order of payment.
    index('payment_orders_paid')
      .on(t.paidAt)
      .where(sql`${t.paidAt} is not null`),
    check('payment_orders_state_known', sql`${t.state} in (${inList(ORDER_STATES)})`),
    check('payment_orders_channel_known', sql`${t.channel} in (${inList(PAYMENT_CHANNELS)})`),
    check(
      'payment_orders_amounts',
      sql`${t.amount} > 0 and ${t.credited} >= ${t.amount} and ${t.couponFen} >= 0 and ${t.points} >= 0 and ${t.pointsFen} >= 0 and ${t.payable} > 0 and ${t.payable} = ${t.amount} - ${t.couponFen} - ${t.pointsFen}`,
    ),
  ],
);

/** The coupon an order applied, and how much of it: the first place a cancel looks for what to give back. */
export const orderCoupons = sqliteTable(
  'order_coupons',
  {
    orderId: text('order_id')
      .primaryKey()
      .references(() => paymentOrders.id),
    couponId: text('coupon_id').notNull(),
    amount: integer('amount').notNull(),
    /** The ledger's coupon_redeem transfer that reduced the coupon. */
    redeemTransferId: text('redeem_transfer_id').notNull(),
    status: text('status', { enum: ORDER_COUPON_STATES }).notNull(),
    changedAt: integer('changed_at').notNull(),
  },
  (t) => [check('order_coupons_status_known', sql`${t.status} in (${inList(ORDER_COUPON_STATES)})`), check('order_coupons_amount', sql`${t.amount} > 0`)],
);

/** A payment the gateway took that no pending order could accept (长款): kept for an operator to resolve. */
export const unmatchedPayments = sqliteTable(
  'unmatched_payments',
  {
    id: text('id').primaryKey(),
    channel: text('channel', { enum: PAYMENT_CHANNELS }).notNull(),
    providerTradeNo: text('provider_trade_no').notNull(),
    orderNumber: text('order_number').notNull(),
    orderId: text('order_id').references(() => paymentOrders.id),
    driverId: text('driver_id').references(() => drivers.id),
    amount: integer('amount').notNull(),
    paidAt: integer('paid_at').notNull(),
    reason: text('reason', { enum: UNMATCHED_REASONS }).notNull(),
    status: text('status', { enum: UNMATCHED_STATES }).notNull(),
    /** The raw notification or query answer, as received. */
    raw: text('raw').notNull(),
    resolution: text('resolution'),
    /** credit: the ledger top-up key; refund: filled by the refund task that takes the request. */
    topupKey: text('topup_key'),
    refundTaskId: text('refund_task_id'),
    resolvedBy: text('resolved_by'),
    resolvedAt: integer('resolved_at'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('unmatched_payments_trade').on(t.channel, t.providerTradeNo),
    index('unmatched_payments_status').on(t.status, t.createdAt),
    check('unmatched_payments_status_known', sql`${t.status} in (${inList(UNMATCHED_STATES)})`),
    check('unmatched_payments_reason_known', sql`${t.reason} in (${inList(UNMATCHED_REASONS)})`),
    check('unmatched_payments_amount', sql`${t.amount} > 0`),
  ],
);

export const STUCK_REPAIR_ACTIONS = ['restore_from_ledger', 'mark_resolved', 'paid'] as const;
export type StuckRepairAction = (typeof STUCK_REPAIR_ACTIONS)[number];

/**
 * An expired order whose cancel the timeout job could not commit (a guard refused it), counted
 * per order; at payments.stuckCancelAttempts it is parked (the job skips it) until a supervisor
 * repairs it, or a payment that arrives meanwhile closes it ('paid'). payments/stuck.ts.
 */
export const paymentOrderStuck = sqliteTable(
  'payment_order_stuck',
  {
    orderId: text('order_id')
      .primaryKey()
      .references(() => paymentOrders.id),
    attempts: integer('attempts').notNull(),
    firstFailedAt: integer('first_failed_at').notNull(),
    lastFailedAt: integer('last_failed_at').notNull(),
    /** The refused cancel's error code and message, as the last attempt saw them. */
    lastErrorCode: text('last_error_code').notNull(),
    lastError: text('last_error').notNull(),
    parkedAt: integer('parked_at'),
    repairedAt: integer('repaired_at'),
    /** Operator display name, or 'system' when a payment closed it. */
    repairedBy: text('repaired_by'),
    repairAction: text('repair_action', { enum: STUCK_REPAIR_ACTIONS }),
    repairNote: text('repair_note'),
  },
  (t) => [
    index('payment_order_stuck_parked')
      .on(t.parkedAt)
      .where(sql`${t.parkedAt} is not null and ${t.repairedAt} is null`),
    check('payment_order_stuck_attempts', sql`${t.attempts} >= 1`),
    check('payment_order_stuck_action_known', sql`${t.repairAction} is null or ${t.repairAction} in (${inList(STUCK_REPAIR_ACTIONS)})`),
    check(
      'payment_order_stuck_repair_whole',
      sql`(${t.repairedAt} is null) = (${t.repairAction} is null) and (${t.repairedAt} is null) = (${t.repairedBy} is null) and (${t.repairedAt} is null or ${t.parkedAt} is not null)`,
    ),
  ],
);

/**
 * Confirm by query (issue 20): the depot PC cannot count on receiving a gateway's notification,
 * so every open order on a real gateway is asked about with backoff while it is pending
 * (payments/polling.ts). One row per order polled; the order's state stays in payment_orders.
 */
export const paymentOrderPolls = sqliteTable(
  'payment_order_polls',
  {
    orderId: text('order_id')
      .primaryKey()
      .references(() => paymentOrders.id),
    polls: integer('polls').notNull().default(0),
    nextPollAt: integer('next_poll_at').notNull(),
    lastPolledAt: integer('last_polled_at'),
    /** NOTPAY, SUCCESS, CLOSED, REFUND, or unknown (the gateway could not be reached). */
    lastResult: text('last_result'),
  },
  (t) => [index('payment_order_polls_due').on(t.nextPollAt), check('payment_order_polls_count', sql`${t.polls} >= 0`)],
);

export const CREDENTIAL_PROVIDERS = ['wechat', 'alipay'] as const;
export type CredentialProvider = (typeof CREDENTIAL_PROVIDERS)[number];

/**
 * A merchant's gateway credentials (商户号/APPID, keys, certificates), entered in Settings by an
 * admin: `sealed` is AES-256-GCM ciphertext under the depot's secrets key, which never lives in the
 * database (payments/credentials.ts). `summary` holds only what may be shown (merchant id, app id,
 * certificate serial), never a key. Versioned: a save against an older version is refused.
 */
export const paymentCredentials = sqliteTable(
  'payment_credentials',
  {
    channel: text('channel', { enum: PAYMENT_CHANNELS }).primaryKey(),
    provider: text('provider', { enum: CREDENTIAL_PROVIDERS }).notNull(),
    sealed: text('sealed').notNull(),
    summary: text('summary').notNull(),
    version: integer('version').notNull(),
    updatedAt: integer('updated_at').notNull(),
    updatedBy: text('updated_by').notNull(),
    testedAt: integer('tested_at'),
    testOk: integer('test_ok', { mode: 'boolean' }),
    testMessage: text('test_message'),
  },
  (t) => [
    check('payment_credentials_channel_known', sql`${t.channel} in (${inList(PAYMENT_CHANNELS)})`),
    check('payment_credentials_provider_known', sql`${t.provider} in (${inList(CREDENTIAL_PROVIDERS)})`),
    check('payment_credentials_version', sql`${t.version} >= 1`),
  ],
);

/**
 * Whether each channel's gateway answered lately (the operator's "offline" indicator): written
 * when a call's reachability changes, and its time on every call at most once a minute.
 */
export const paymentChannelHealth = sqliteTable('payment_channel_health', {
  channel: text('channel', { enum: PAYMENT_CHANNELS }).primaryKey(),
  online: integer('online', { mode: 'boolean' }).notNull(),
  lastOkAt: integer('last_ok_at'),
  lastErrorAt: integer('last_error_at'),
  lastError: text('last_error'),
  changedAt: integer('changed_at').notNull(),
});
