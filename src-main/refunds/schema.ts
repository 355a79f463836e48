import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { drivers } from '../ledger/schema';
import { paymentOrders, unmatchedPayments } from '../payments/schema';
import { chargingSessions } from '../sessions/schema';

/**
 * Manual adjustments (人工调账 / 售后退款) and refund tasks (退款任务). Amounts are integer fen,
 * times UTC epoch ms. The money itself moves in the ledger; these rows say why and how far it got.
 * States change only through guarded UPDATEs whose row count is checked (refunds/adjustments.ts,
 * refunds/tasks.ts).
 */

export const ADJUSTMENT_TARGETS = ['session', 'order'] as const;
export type AdjustmentTarget = (typeof ADJUSTMENT_TARGETS)[number];

export const ADJUSTMENT_STATES = ['pending', 'approved', 'rejected'] as const;
export type AdjustmentState = (typeof ADJUSTMENT_STATES)[number];

/** `cancelled`: resolved by an operator by giving the money back to the wallet (nothing left the depot). */
export const REFUND_TASK_STATES = ['pending', 'processing', 'completed', 'failed', 'needs_check', 'cancelled'] as const;
export type RefundTaskState = (typeof REFUND_TASK_STATES)[number];

export const REFUND_TASK_SOURCES = ['adjustment', 'unmatched'] as const;
export type RefundTaskSource = (typeof REFUND_TASK_SOURCES)[number];

export const REFUND_RESOLUTIONS = ['paid_outside', 'back_to_wallet'] as const;
export type RefundResolution = (typeof REFUND_RESOLUTIONS)[number];

const inList = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(','));

export const refundAdjustments = sqliteTable(
  'refund_adjustments',
  {
    id: text('id').primaryKey(),
    target: text('target', { enum: ADJUSTMENT_TARGETS }).notNull(),
    sessionId: text('session_id').references(() => chargingSessions.id),
    orderId: text('order_id').references(() => paymentOrders.id),
    driverId: text('driver_id')
      .notNull()
      .references(() => drivers.id),
    amount: integer('amount').notNull(),
    /** Session adjustments: the revenue legs given back, fixed at approval (refunds/adjustments.ts, rounding rule). */
    electricityFen: integer('electricity_fen'),
    serviceFen: integer('service_fen'),
    reason: text('reason').notNull(),
    state: text('state', { enum: ADJUSTMENT_STATES }).notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: integer('created_at').notNull(),
    resolvedBy: text('resolved_by'),
    resolvedAt: integer('resolved_at'),
    resolutionNote: text('resolution_note'),
    /** The ledger operation key of the approval's money movement (adjust:<id>). */
    ledgerKey: text('ledger_key'),
    refundTaskId: text('refund_task_id'),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    index('refund_adjustments_state').on(t.state, t.createdAt),
    index('refund_adjustments_session')
      .on(t.sessionId)
      .where(sql`${t.sessionId} is not null`),
    index('refund_adjustments_order')
      .on(t.orderId)
      .where(sql`${t.orderId} is not null`),
    check('refund_adjustments_state_known', sql`${t.state} in (${inList(ADJUSTMENT_STATES)})`),
    check('refund_adjustments_target_known', sql`${t.target} in (${inList(ADJUSTMENT_TARGETS)})`),
    check(
      'refund_adjustments_target_ref',
      sql`(${t.target} = 'session' and ${t.sessionId} is not null and ${t.orderId} is null) or (${t.target} = 'order' and ${t.orderId} is not null and ${t.sessionId} is null)`,
    ),
    check('refund_adjustments_amount', sql`${t.amount} > 0`),
  ],
);

export const refundTasks = sqliteTable(
  'refund_tasks',
  {
    /** A ULID; also the idempotency key given to the provider (out_refund_no / out_request_no). */
    id: text('id').primaryKey(),
    source: text('source', { enum: REFUND_TASK_SOURCES }).notNull(),
    adjustmentId: text('adjustment_id').references(() => refundAdjustments.id),
    unmatchedId: text('unmatched_id').references(() => unmatchedPayments.id),
    /** Null only for a 长款 whose order number named no order (nobody's wallet to fall back to). */
    driverId: text('driver_id').references(() => drivers.id),
    orderId: text('order_id').references(() => paymentOrders.id),
    /** The 商户订单号 of the trade being refunded. */
    orderNumber: text('order_number').notNull(),
    amount: integer('amount').notNull(),
    /** The original trade's amount, which both gateways want with a refund. */
    totalFen: integer('total_fen').notNull(),
    state: text('state', { enum: REFUND_TASK_STATES }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull(),
    lastError: text('last_error'),
    provider: text('provider').notNull(),
    channel: text('channel', { enum: ['wechat', 'alipay'] }).notNull(),
    reason: text('reason').notNull(),
    /** The ledger key of the money waiting in refunds payable (refundFromWallet); null for a 长款, never booked. */
    refundKey: text('refund_key'),
    requestEndpoint: text('request_endpoint'),
    requestBody: text('request_body'),
    responseBody: text('response_body'),
    providerRefundNo: text('provider_refund_no'),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    completedAt: integer('completed_at'),
    resolution: text('resolution', { enum: REFUND_RESOLUTIONS }),
    resolutionNote: text('resolution_note'),
    resolvedBy: text('resolved_by'),
    resolvedAt: integer('resolved_at'),
    createdBy: text('created_by'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    index('refund_tasks_due').on(t.state, t.nextAttemptAt),
    index('refund_tasks_created').on(t.createdAt),
    uniqueIndex('refund_tasks_adjustment')
      .on(t.adjustmentId)
      .where(sql`${t.adjustmentId} is not null`),
    uniqueIndex('refund_tasks_unmatched')
      .on(t.unmatchedId)
      .where(sql`${t.unmatchedId} is not null`),
    check('refund_tasks_state_known', sql`${t.state} in (${inList(REFUND_TASK_STATES)})`),
    check('refund_tasks_source_known', sql`${t.source} in (${inList(REFUND_TASK_SOURCES)})`),
    check('refund_tasks_resolution_known', sql`${t.resolution} is null or ${t.resolution} in (${inList(REFUND_RESOLUTIONS)})`),
    check(
      'refund_tasks_source_ref',
      sql`(${t.source} = 'adjustment' and ${t.adjustmentId} is not null and ${t.refundKey} is not null) or (${t.source} = 'unmatched' and ${t.unmatchedId} is not null and ${t.refundKey} is null)`,
    ),
    check('refund_tasks_amounts', sql`${t.amount} > 0 and ${t.amount} <= ${t.totalFen}`),
    check('refund_tasks_attempts', sql`${t.attempts} >= 0 and ${t.maxAttempts} >= 1`),
  ],
);
