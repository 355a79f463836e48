import { z } from 'zod';
import { ALL_ROLES, SUPERVISORS, method } from '../kernel/method';
import { amount, amountSchema } from '../money';
import { STUCK_REPAIR_ACTIONS } from './schema';
import { parkedOrders, repairStuckOrder } from './stuck';

/**
 * Parked payment orders over the contract (stuck.ts): the list a supervisor works from and the
 * repair. The repair is a command, so the audit log keeps who chose what, with the note.
 */

export const stuckSchema = z.object({
  orderId: z.string(),
  number: z.string(),
  attempts: z.number(),
  firstFailedAt: z.number(),
  lastFailedAt: z.number(),
  lastErrorCode: z.string(),
  lastError: z.string(),
  parkedAt: z.number().nullable(),
  repairedAt: z.number().nullable(),
  repairedBy: z.string().nullable(),
  repairAction: z.enum(STUCK_REPAIR_ACTIONS).nullable(),
  repairNote: z.string().nullable(),
});

export const stuckMethods = {
  'payments.parkedOrders': method({
    summary: 'Expired payment orders the timeout job parked because their cancel kept being refused, waiting for a repair (oldest first).',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({}),
    output: z.array(stuckSchema),
    handler: ({ app }) => parkedOrders(app),
  }),
  'payments.repairStuckOrder': method({
    summary:
      'Finish a parked order: restore_from_ledger cancels it and gives back the coupon and points as the ledger recorded their redeems; mark_resolved cancels it and restores nothing. A note says why.',
    kind: 'command',
    roles: SUPERVISORS,
    input: z.strictObject({
      orderId: z.string().trim().min(1).max(200),
      action: z.enum(['restore_from_ledger', 'mark_resolved']),
      note: z.string().trim().min(4, 'say what you found and why this action').max(500),
    }),
    output: z.object({
      number: z.string(),
      state: z.string(),
      stuck: stuckSchema,
      restoredCoupon: amountSchema,
      restoredPoints: z.number(),
      alreadyRestored: z.array(z.enum(['coupon', 'points'])),
    }),
    handler: ({ app, caller }, input) => {
      const op = caller.operator!;
      const r = repairStuckOrder(app, { order: input.orderId, action: input.action, note: input.note }, { operatorId: op.id, name: op.name });
      return {
        number: r.order.number,
        state: r.order.state,
        stuck: r.stuck,
        restoredCoupon: amount(r.restoredCouponFen),
        restoredPoints: r.restoredPoints,
        alreadyRestored: r.alreadyRestored,
      };
    },
  }),
};
