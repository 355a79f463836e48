import { z } from 'zod';
import { defineWorker } from '../jobs';
import { runCampaign } from './campaigns';
import { APP_CHUNK_BUDGET_MS } from '../kernel/pace';

/**
 * A campaign started from the app executes as a job: it survives a restart (the scheduler rescues
 * the job and the run resumes from the first pending driver) and reports its progress to the
 * Jobs page while the Compensation page shows it from the campaign's own items.
 */
export const executeCampaignWorker = defineWorker({
  kind: 'compensation.execute',
  args: z.object({ campaignId: z.string().min(1), operatorId: z.string().min(1) }),
  maxAttempts: 5,
  timeoutMs: 60 * 60_000,
  async perform(app, job, run) {
    await runCampaign(
      app,
      job.args.campaignId,
      { operatorId: job.args.operatorId },
      {
        signal: run.signal,
        // Chunks sized to the time budget: the thread that runs the job also answers the operator.
        budgetMs: APP_CHUNK_BUDGET_MS,
        onProgress: ({ done, drivers }) => run.progress(drivers === 0 ? 1 : done / drivers, `${done} / ${drivers}`),
      },
    );
  },
});
