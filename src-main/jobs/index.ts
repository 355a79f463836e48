import { defineModule, tablesOf } from '../kernel/module';
import * as jobsSchema from './schema';
import { jobMethods } from './methods';
import { jobFigures } from './figures';
import { pruneCron, pruneWorker } from './maintenance';

export { jobs, jobCrons, jobKindHealth } from './schema';
export { JOB_STATES, LIVE_STATES, FINAL_JOB_STATES, type JobState } from './states';
export {
  enqueue,
  getJob,
  cancelJob,
  retryJob,
  pruneJobs,
  DEFAULT_QUEUE,
  DEFAULT_MAX_ATTEMPTS,
  type Job,
  type Enqueued,
  type EnqueueInput,
  type JobErrorEntry,
} from './queue';
export { defineWorker, type Worker, type WorkerDef, type JobRun, type PerformResult, type EnqueueOptions } from './worker';
export { defineCron, type CronDef } from './cron';
export { exponentialBackoff, BACKOFF } from './backoff';
export { startScheduler, runDueJobs, type Scheduler, type SchedulerOptions, type DrainResult, type Outcome } from './scheduler';
export { pruneWorker, pruneCron, builtinWorkers, builtinCrons } from './maintenance';
export { listJobs, jobStats, type JobSummary, type JobStats } from './query';
export { jobMethods } from './methods';
export { jobFigures } from './figures';

// ── the module: what this domain plugs into the depot (src-main/modules.ts composes them) ──────

export const jobsModule = defineModule({
  name: 'jobs',
  methods: jobMethods,
  workers: [pruneWorker],
  crons: [pruneCron],
  figures: [jobFigures],
  tables: tablesOf(jobsSchema),
});
