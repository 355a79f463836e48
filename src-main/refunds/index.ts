import { defineModule, tablesOf } from '../kernel/module';
import * as refundsSchema from './schema';
import { refundMethods } from './methods';
import { refundsProcessCron, refundsProcessWorker } from './jobs';

/**
 * Refunds: manual adjustments (人工调账 / 售后退款) and refund tasks (退款任务).
 *
 * Each module opens with its guarantees and their tests:
 *  - adjustments.ts: limits, approval by another supervisor, resolved once, the ledger entries
 *    of an approval (test/refunds/adjustments.test.ts);
 *  - tasks.ts: the durable refund task, its retries, needs_check and queries, the payout booked
 *    once, manual resolution, 长款 requests (test/refunds/tasks.test.ts);
 *  - jobs.ts: the 5-minute cron and the immediate job.
 * docs/refunds.md describes the states and every ledger entry. Other domains import only from here.
 */
export * from './schema';
export {
  adjustmentLimit,
  createAdjustment,
  approveAdjustment,
  rejectAdjustment,
  getAdjustment,
  listAdjustments,
  memoFor,
  type AdjustmentRow,
  type AdjustmentLimit,
  type AdjustmentRef,
  type ApproveResult,
  type CreateAdjustmentInput,
} from './adjustments';
export {
  REFUND_JOB_KIND,
  getTask,
  listTasks,
  taskCounts,
  processTask,
  processDueTasks,
  pickUpRefundRequests,
  rescueStale,
  retryTask,
  resolveTask,
  describeTask,
  type RefundTaskRow,
  type ResolveInput,
  type RunResult,
} from './tasks';
export { refundForMatching, gatewayRefundsBetween, adjustmentsSince, type RefundForMatching, type AdjustmentFact } from './lookups';
export { refundsProcessWorker, refundsProcessCron } from './jobs';
export { refundMethods } from './methods';

// ── the module: what this domain plugs into the depot (src-main/modules.ts composes them) ──────

export const refundsModule = defineModule({
  name: 'refunds',
  methods: refundMethods,
  workers: [refundsProcessWorker],
  crons: [refundsProcessCron],
  tables: tablesOf(refundsSchema),
});
