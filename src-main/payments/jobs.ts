import { z } from 'zod';
import { DepotError } from '../kernel/errors';
import { defineCron, defineWorker } from '../jobs';
import { expireOrders } from './orders';

/**
 * The payment timeout: every minute, orders pending longer than payments.orderTimeoutMs are
 * cancelled with their coupon and points restored. An order that cannot be cancelled cleanly
 * fails the job (after the others were handled), so it is retried, then discarded and alerted
 * on: a stuck restore is never swallowed.
 */
export const paymentsExpireWorker = defineWorker({
  kind: 'payments.expireOrders',
  queue: 'default',
  args: z.object({}),
  maxAttempts: 3,
  perform(app) {
    const r = expireOrders(app);
    if (r.cancelled.length > 0) app.log.info({ cancelled: r.cancelled.map((c) => c.number) }, `cancelled ${r.cancelled.length} unpaid payment order(s)`);
    if (r.failed.length > 0) {
      throw new DepotError('guard_failed', `${r.failed.length} payment order(s) could not be cancelled: ${r.failed.map((f) => `${f.number}: ${f.message}`).join('; ')}`, {
        failed: r.failed,
      });
    }
  },
});

export const paymentsExpireCron = defineCron({ name: 'payments.expireOrders', expression: '* * * * *', kind: paymentsExpireWorker.kind });
