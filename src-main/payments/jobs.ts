import { z } from 'zod';
import { DepotError } from '../kernel/errors';
import { defineCron, defineWorker } from '../jobs';
import { expireOrders } from './orders';

/**
 * The payment timeout: every minute, orders pending longer than payments.orderTimeoutMs are
 * cancelled with their coupon and points restored. An order that cannot be cancelled cleanly
 * fails the job (after the others were handled), so it is retried; once its refusals reach
 * payments.stuckCancelAttempts it is parked with an urgent alert for a supervisor's repair
 * (stuck.ts) and no longer fails the job: a stuck restore is never swallowed, nor retried forever.
 */
export const paymentsExpireWorker = defineWorker({
  kind: 'payments.expireOrders',
  queue: 'default',
  args: z.object({}),
  maxAttempts: 3,
  perform(app) {
    const r = expireOrders(app);
    if (r.cancelled.length > 0) app.log.info({ cancelled: r.cancelled.map((c) => c.number) }, `cancelled ${r.cancelled.length} unpaid payment order(s)`);
    const parked = r.failed.filter((f) => f.parked);
    if (parked.length > 0) app.log.error({ parked: parked.map((f) => f.number) }, `parked ${parked.length} payment order(s) whose cancel keeps being refused`);
    const failing = r.failed.filter((f) => !f.parked);
    if (failing.length > 0) {
      throw new DepotError('guard_failed', `${failing.length} payment order(s) could not be cancelled: ${failing.map((f) => `${f.number}: ${f.message}`).join('; ')}`, {
        failed: failing,
      });
    }
  },
});

export const paymentsExpireCron = defineCron({ name: 'payments.expireOrders', expression: '* * * * *', kind: paymentsExpireWorker.kind });
