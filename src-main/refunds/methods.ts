import { z } from 'zod';
import type { AppContext } from '../kernel/context';
import { ALL_ROLES, FINANCE, method, SUPERVISORS, type CallContext } from '../kernel/method';
import { CHANNELS, driverContacts } from '../ledger';
import { findOperator } from '../operators';
import { amount, amountSchema, positiveYuanField } from '../money';
import { findOrder, PAYMENT_CHANNELS } from '../payments';
import {
  adjustmentLimit,
  approveAdjustment,
  countAdjustments,
  createAdjustment,
  getAdjustment,
  listAdjustments,
  rejectAdjustment,
  type AdjustmentLimit,
  type AdjustmentRow,
} from './adjustments';
import { ADJUSTMENT_STATES, ADJUSTMENT_TARGETS, REFUND_RESOLUTIONS, REFUND_TASK_SOURCES, REFUND_TASK_STATES } from './schema';
import { getTask, listTasks, processDueTasks, resolveTask, retryTask, taskCounts, type RefundTaskRow } from './tasks';

/**
 * Adjustments (adjustments.*) and refund tasks (refunds.*) over the contract. Amounts in as
 * yuan text, out as {fen, yuan}. Anyone at the counter opens an adjustment; supervisors approve or
 * reject (never their own: the core refuses); finance and supervisors resolve a refund task by
 * hand. Every command is audited by the dispatcher.
 */

const id = z.string().trim().min(1).max(200);

const who = z.object({ id: z.string(), name: z.string() }).nullable();

const adjustmentSchema = z.object({
  id: z.string(),
  target: z.enum(ADJUSTMENT_TARGETS),
  sessionId: z.string().nullable(),
  orderId: z.string().nullable(),
  orderNumber: z.string().nullable(),
  driverId: z.string(),
  driverName: z.string(),
  amount: amountSchema,
  electricity: amountSchema.nullable(),
  service: amountSchema.nullable(),
  reason: z.string(),
  state: z.enum(ADJUSTMENT_STATES),
  createdBy: who,
  createdAt: z.number(),
  resolvedBy: who,
  resolvedAt: z.number().nullable(),
  resolutionNote: z.string().nullable(),
  ledgerKey: z.string().nullable(),
  refundTaskId: z.string().nullable(),
});

const limitSchema = z.object({
  target: z.enum(ADJUSTMENT_TARGETS),
  sessionId: z.string().nullable(),
  sessionNumber: z.string().nullable(),
  orderId: z.string().nullable(),
  orderNumber: z.string().nullable(),
  driverId: z.string(),
  driverName: z.string(),
  paid: amountSchema,
  refunded: amountSchema,
  claimed: amountSchema,
  available: amountSchema,
});

const taskSchema = z.object({
  id: z.string(),
  source: z.enum(REFUND_TASK_SOURCES),
  adjustmentId: z.string().nullable(),
  unmatchedId: z.string().nullable(),
  driverId: z.string().nullable(),
  driverName: z.string().nullable(),
  orderId: z.string().nullable(),
  orderNumber: z.string(),
  amount: amountSchema,
  total: amountSchema,
  state: z.enum(REFUND_TASK_STATES),
  attempts: z.number(),
  maxAttempts: z.number(),
  lastError: z.string().nullable(),
  provider: z.string(),
  channel: z.enum(PAYMENT_CHANNELS),
  reason: z.string(),
  refundKey: z.string().nullable(),
  requestEndpoint: z.string().nullable(),
  requestBody: z.string().nullable(),
  responseBody: z.string().nullable(),
  providerRefundNo: z.string().nullable(),
  nextAttemptAt: z.number(),
  completedAt: z.number().nullable(),
  resolution: z.enum(REFUND_RESOLUTIONS).nullable(),
  resolutionNote: z.string().nullable(),
  resolvedBy: who,
  resolvedAt: z.number().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
});

const countsSchema = z.object(Object.fromEntries(REFUND_TASK_STATES.map((s) => [s, z.number()])) as Record<(typeof REFUND_TASK_STATES)[number], z.ZodNumber>);

function operatorName(app: AppContext, operatorId: string | null): z.infer<typeof who> {
  if (!operatorId) return null;
  const o = findOperator(app, operatorId);
  return { id: operatorId, name: o ? o.displayName || o.name : operatorId };
}

function driverName(app: AppContext, driverId: string | null): string | null {
  if (!driverId) return null;
  return driverContacts(app, [driverId]).get(driverId)?.name ?? driverId;
}

function orderNumber(app: AppContext, orderId: string | null): string | null {
  if (!orderId) return null;
  return findOrder(app, orderId)?.number ?? null;
}

export function adjustmentOut(app: AppContext, a: AdjustmentRow): z.input<typeof adjustmentSchema> {
  return {
    id: a.id,
    target: a.target,
    sessionId: a.sessionId,
    orderId: a.orderId,
    orderNumber: orderNumber(app, a.orderId),
    driverId: a.driverId,
    driverName: driverName(app, a.driverId)!,
    amount: amount(a.amount),
    electricity: a.electricityFen === null ? null : amount(a.electricityFen),
    service: a.serviceFen === null ? null : amount(a.serviceFen),
    reason: a.reason,
    state: a.state,
    createdBy: operatorName(app, a.createdBy),
    createdAt: a.createdAt,
    resolvedBy: operatorName(app, a.resolvedBy),
    resolvedAt: a.resolvedAt,
    resolutionNote: a.resolutionNote,
    ledgerKey: a.ledgerKey,
    refundTaskId: a.refundTaskId,
  };
}

function limitOut(app: AppContext, l: AdjustmentLimit): z.input<typeof limitSchema> {
  return {
    target: l.target,
    sessionId: l.sessionId,
    sessionNumber: l.sessionNumber,
    orderId: l.orderId,
    orderNumber: l.orderNumber,
    driverId: l.driverId,
    driverName: driverName(app, l.driverId)!,
    paid: amount(l.paidFen),
    refunded: amount(l.refundedFen),
    claimed: amount(l.claimedFen),
    available: amount(l.availableFen),
  };
}

export function taskOut(app: AppContext, t: RefundTaskRow): z.input<typeof taskSchema> {
  const { amount: fen, totalFen, resolvedBy, createdBy: _createdBy, ...rest } = t;
  return { ...rest, amount: amount(fen), total: amount(totalFen), driverName: driverName(app, t.driverId), resolvedBy: operatorName(app, resolvedBy) };
}

function by(ctx: CallContext) {
  return { operatorId: ctx.caller.operator?.id ?? null };
}

const target = z
  .strictObject({ sessionId: id.optional(), orderId: id.optional() })
  .refine((v) => (v.sessionId ? 1 : 0) + (v.orderId ? 1 : 0) === 1, { message: 'name exactly one: a session id or a payment order id', path: ['sessionId'] });

export const refundMethods = {
  'adjustments.limit': method({
    summary: 'What can still be refunded for a session or a payment order (paid − refunded − waiting for approval).',
    kind: 'query',
    roles: ALL_ROLES,
    input: target,
    output: limitSchema,
    handler: ({ app }, input) => limitOut(app, adjustmentLimit(app, input.sessionId ? { sessionId: input.sessionId } : { orderId: input.orderId! })),
  }),
  'adjustments.create': method({
    summary: 'Open a manual adjustment (售后退款) on a settled session or a paid order; it waits for another supervisor.',
    kind: 'command',
    roles: ALL_ROLES,
    input: z
      .strictObject({
        sessionId: id.optional(),
        orderId: id.optional(),
        amount: positiveYuanField(),
        reason: z.string().trim().min(1, 'say why the money goes back').max(200),
      })
      .refine((v) => (v.sessionId ? 1 : 0) + (v.orderId ? 1 : 0) === 1, { message: 'name exactly one: a session id or a payment order id', path: ['sessionId'] }),
    output: adjustmentSchema,
    handler: (ctx, input) =>
      adjustmentOut(ctx.app, createAdjustment(ctx.app, { sessionId: input.sessionId, orderId: input.orderId, amountFen: input.amount, reason: input.reason }, by(ctx))),
  }),
  'adjustments.approve': method({
    summary: 'Approve an adjustment (not your own): a session refund credits the wallet; an order refund goes back through the channel as a refund task.',
    kind: 'command',
    roles: SUPERVISORS,
    input: z.strictObject({ adjustmentId: id, note: z.string().trim().max(500).optional() }),
    output: z.object({ adjustment: adjustmentSchema, task: taskSchema.nullable() }),
    handler: (ctx, input) => {
      const r = approveAdjustment(ctx.app, input.adjustmentId, { note: input.note }, by(ctx));
      return { adjustment: adjustmentOut(ctx.app, r.adjustment), task: r.taskId ? taskOut(ctx.app, getTask(ctx.app, r.taskId)) : null };
    },
  }),
  'adjustments.reject': method({
    summary: 'Reject an adjustment (not your own), with a note; nothing moves.',
    kind: 'command',
    roles: SUPERVISORS,
    input: z.strictObject({ adjustmentId: id, note: z.string().trim().min(1, 'say why it is rejected').max(500) }),
    output: adjustmentSchema,
    handler: (ctx, input) => adjustmentOut(ctx.app, rejectAdjustment(ctx.app, input.adjustmentId, { note: input.note }, by(ctx))),
  }),
  'adjustments.list': method({
    summary: 'Manual adjustments, newest first, optionally by state: one page (limit, offset) and the total of the filtered list.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({
      state: z.enum(ADJUSTMENT_STATES).optional(),
      limit: z.number().int().min(1).max(500).default(200),
      offset: z.number().int().min(0).default(0),
    }),
    output: z.object({ total: z.number(), adjustments: z.array(adjustmentSchema) }),
    handler: ({ app }, input) => ({
      total: countAdjustments(app, input),
      adjustments: listAdjustments(app, input).map((a) => adjustmentOut(app, a)),
    }),
  }),
  'adjustments.get': method({
    summary: 'One manual adjustment.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({ adjustmentId: id }),
    output: adjustmentSchema,
    handler: ({ app }, input) => adjustmentOut(app, getAdjustment(app, input.adjustmentId)),
  }),
  'refunds.list': method({
    summary: 'Refund tasks (退款任务), newest first, optionally by state: one page (limit, offset), the total of the filtered list and the count per state.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({
      state: z.enum(REFUND_TASK_STATES).optional(),
      limit: z.number().int().min(1).max(500).default(200),
      offset: z.number().int().min(0).default(0),
    }),
    output: z.object({ total: z.number(), tasks: z.array(taskSchema), counts: countsSchema }),
    handler: ({ app }, input) => {
      const counts = taskCounts(app);
      const total = input.state ? counts[input.state] : Object.values(counts).reduce((a, b) => a + b, 0);
      return { total, tasks: listTasks(app, input).map((t) => taskOut(app, t)), counts };
    },
  }),
  'refunds.get': method({
    summary: 'One refund task with its last request and response.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({ taskId: id }),
    output: taskSchema,
    handler: ({ app }, input) => taskOut(app, getTask(app, input.taskId)),
  }),
  'refunds.retry': method({
    summary: 'Send a failed refund task again, with a fresh attempt budget.',
    kind: 'command',
    roles: ALL_ROLES,
    input: z.strictObject({ taskId: id }),
    output: taskSchema,
    handler: ({ app }, input) => taskOut(app, retryTask(app, input.taskId)),
  }),
  'refunds.resolve': method({
    summary: 'Resolve a failed refund task by hand: paid outside the system, or cancelled with the money back in the wallet.',
    kind: 'command',
    roles: FINANCE,
    input: z.strictObject({
      taskId: id,
      outcome: z.enum(REFUND_RESOLUTIONS),
      note: z.string().trim().min(1, 'say how it was settled').max(500),
      via: z.enum(CHANNELS).optional(),
    }),
    output: taskSchema,
    handler: (ctx, input) => taskOut(ctx.app, resolveTask(ctx.app, input.taskId, { outcome: input.outcome, note: input.note, via: input.via }, by(ctx))),
  }),
  'refunds.run': method({
    summary: 'Process due refund tasks now (what the 5-minute job does): 长款 requests picked up, due tasks sent or queried.',
    kind: 'command',
    roles: ALL_ROLES,
    input: z.strictObject({}),
    output: z.object({
      pickedUp: z.array(z.string()),
      rescued: z.array(z.string()),
      processed: z.array(z.object({ id: z.string(), state: z.enum(REFUND_TASK_STATES) })),
    }),
    handler: ({ app }) => processDueTasks(app),
  }),
};
