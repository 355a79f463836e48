import { z } from 'zod';
import { DepotError } from '../kernel/errors';
import { defineCron, defineWorker } from '../jobs';
import { expireOrders } from './orders';
import { GATEWAY_QUEUE, POLL_JOB_KIND, pollDueOrders, scheduleNextPollRun } from './polling';

/**
 * The payment timeout: every minute, orders pending longer than payments.orderTimeoutMs are
 * closed at the gateway, then cancelled with their coupon and points restored (or booked as paid,
 * when the close finds the payment). An order that cannot be cancelled cleanly fails the job
 * (after the others were handled), so it is retried; once its refusals reach
 * payments.stuckCancelAttempts it is parked with an urgent alert for a supervisor's repair
 * (stuck.ts) and no longer fails the job: a stuck restore is never swallowed, nor retried forever.
 * A gateway that does not answer fails nothing: its orders stay pending, logged, for the next run
 * (the channel's offline indicator is the providers' own, so the job does not raise job_failing
 * every minute for a depot whose internet is down).
 *
 * Both jobs call a gateway, so both run on the `payments` queue, one job at a time, with room for
 * a run's budget (polling.ts RUN_BUDGET_MS) plus the last call's own timeout.
 */
export const paymentsExpireWorker = defineWorker({
  kind: 'payments.expireOrders',
  queue: GATEWAY_QUEUE,
  args: z.strictObject({}),
  maxAttempts: 3,
  timeoutMs: 3 * 60_000,
  async perform(app) {
    const r = await expireOrders(app);
    if (r.cancelled.length > 0) app.log.info({ cancelled: r.cancelled.map((c) => c.number) }, `cancelled ${r.cancelled.length} unpaid payment order(s)`);
    if (r.paid.length > 0) app.log.info({ paid: r.paid }, `${r.paid.length} expired payment order(s) were paid at the gateway before the close: booked`);
    if (r.offline.length > 0) {
      app.log.warn({ offline: r.offline }, `${r.offline.length} expired payment order(s) stay pending: the gateway could not be reached to close them`);
    }
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

/**
 * Confirm by query (polling.ts): asks the gateway about the open orders that are due, then
 * schedules the next run when an order falls due within the minute.
 */
export const paymentsPollWorker = defineWorker({
  kind: POLL_JOB_KIND,
  queue: GATEWAY_QUEUE,
  args: z.strictObject({}),
  maxAttempts: 3,
  timeoutMs: 3 * 60_000,
  async perform(app) {
    const r = await pollDueOrders(app);
    scheduleNextPollRun(app);
    if (r.paid.length > 0) app.log.info({ paid: r.paid }, `polling found ${r.paid.length} payment order(s) paid: booked`);
    if (r.unmatched.length > 0) app.log.warn({ unmatched: r.unmatched }, `polling found ${r.unmatched.length} payment(s) no pending order could take (长款)`);
    if (r.offline.length > 0) app.log.warn({ offline: r.offline }, `polling: no answer from ${r.offline.map((o) => o.channel).join(', ')}; asked again next run`);
    if (r.failed.length > 0) {
      throw new DepotError('guard_failed', `${r.failed.length} payment order(s) could not be polled: ${r.failed.map((f) => `${f.number}: ${f.message}`).join('; ')}`, {
        failed: r.failed,
      });
    }
  },
});

export const paymentsPollCron = defineCron({ name: POLL_JOB_KIND, expression: '* * * * *', kind: POLL_JOB_KIND });
