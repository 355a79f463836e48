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
  FAILING_STREAK_ALERT,
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
