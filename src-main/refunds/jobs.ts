import { z } from 'zod';
import { defineCron, defineWorker } from '../jobs';
import { processDueTasks, processTask, REFUND_JOB_KIND } from './tasks';

/**
 * Refund tasks run on the job scheduler: every 5 minutes (the cron: 长款 requests picked up,
 * stale tasks queried, every due task sent or queried once), and at once for a task just created
 * or retried (the same worker with its taskId). A task's own failures are recorded on the task and
 * never fail the job; the job fails only when the database does, and is then retried.
 */
export const refundsProcessWorker = defineWorker({
  kind: REFUND_JOB_KIND,
  queue: 'default',
  args: z.object({ taskId: z.string().optional() }),
  maxAttempts: 3,
  timeoutMs: 5 * 60_000,
  async perform(app, job) {
    if (job.args.taskId) {
      await processTask(app, job.args.taskId);
      return;
    }
    const r = await processDueTasks(app);
    if (r.processed.length + r.pickedUp.length + r.rescued.length > 0) {
      app.log.info({ pickedUp: r.pickedUp.length, rescued: r.rescued.length, processed: r.processed }, `refund tasks: ${r.processed.length} processed`);
    }
  },
});

export const refundsProcessCron = defineCron({ name: 'refunds.process', expression: '*/5 * * * *', kind: REFUND_JOB_KIND });
