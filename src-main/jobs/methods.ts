import { z } from 'zod';
import { ALL_ROLES, SUPERVISORS, method } from '../kernel/method';
import { DepotError } from '../kernel/errors';
import { cronStatus } from './cron';
import { cancelJob, getJob, retryJob } from './queue';
import { jobStats, listJobs, routineRunsSince } from './query';
import { JOB_STATES } from './states';

const state = z.enum(JOB_STATES);
const counts = z.object(Object.fromEntries(JOB_STATES.map((s) => [s, z.number()])) as Record<(typeof JOB_STATES)[number], z.ZodNumber>);

const jobBase = {
  id: z.string(),
  kind: z.string(),
  queue: z.string(),
  state,
  priority: z.number(),
  attempt: z.number(),
  maxAttempts: z.number(),
  scheduledAt: z.number(),
  attemptedAt: z.number().nullable(),
  completedAt: z.number().nullable(),
  discardedAt: z.number().nullable(),
  cancelledAt: z.number().nullable(),
  uniqueKey: z.string().nullable(),
  insertedAt: z.number(),
};

export const jobSummaryShape = z.object({ ...jobBase, lastError: z.string().nullable(), errorCount: z.number() });
export const jobErrorShape = z.object({ attempt: z.number(), at: z.number(), error: z.string(), stack: z.string().nullable() });
export const jobDetailShape = z.object({
  ...jobBase,
  args: z.unknown(),
  meta: z.record(z.string(), z.unknown()),
  errors: z.array(jobErrorShape),
});

const jobId = z.strictObject({ id: z.string().trim().min(1) });

export const jobMethods = {
  'jobs.list': method({
    summary: "Jobs, newest first, filtered by state, queue and kind; `routine: 'fold'` leaves out the crons' routine runs and counts them.",
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({
      state: state.optional(),
      queue: z.string().trim().min(1).optional(),
      kind: z.string().trim().min(1).optional(),
      /** 'fold': leave out the crons' routine runs (completed at the first attempt), counted in routineFolded. */
      routine: z.enum(['show', 'fold']).optional(),
      limit: z.number().int().min(1).max(500).default(50),
      offset: z.number().int().min(0).default(0),
    }),
    output: z.object({ total: z.number(), items: z.array(jobSummaryShape), routineFolded: z.number() }),
    handler: ({ app }, input) => listJobs(app, input),
  }),
  'jobs.get': method({
    summary: 'One job with its arguments and error history.',
    kind: 'query',
    roles: ALL_ROLES,
    input: jobId,
    output: jobDetailShape,
    handler: ({ app }, input) => {
      const job = getJob(app, input.id);
      if (!job) throw new DepotError('not_found', `no job with id ${input.id} (finished jobs are pruned after ${app.config.jobs.pruneAfterDays} days)`, { field: 'id' });
      return job;
    },
  }),
  'jobs.retry': method({
    summary: 'Run a discarded, cancelled, retryable or scheduled job again now.',
    kind: 'command',
    roles: SUPERVISORS,
    input: jobId,
    output: jobDetailShape,
    handler: ({ app }, input) => retryJob(app, input.id),
  }),
  'jobs.cancel': method({
    summary: 'Cancel a job that has not finished (a running attempt is told to stop).',
    kind: 'command',
    roles: SUPERVISORS,
    input: jobId,
    output: jobDetailShape,
    handler: ({ app }, input) => cancelJob(app, input.id),
  }),
  'jobs.stats': method({
    summary: 'Job counts by state, queue and kind, failure streaks and cron schedules, for the dashboard and the Jobs page.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({}),
    output: z.object({
      states: counts,
      queues: z.array(z.object({ queue: z.string(), concurrency: z.number(), counts })),
      kinds: z.array(z.object({ kind: z.string(), counts, failureStreak: z.number(), lastError: z.string().nullable(), lastFailureAt: z.number().nullable() })),
      failingAlertStreak: z.number(),
      crons: z.array(
        z.object({
          name: z.string(),
          expression: z.string(),
          kind: z.string(),
          lastSlotAt: z.number(),
          lastJobId: z.string().nullable(),
          nextSlotAt: z.number(),
          /** Its routine runs (completed at the first attempt) in the last 24 hours. */
          runs24h: z.number(),
        }),
      ),
    }),
    handler: ({ app }) => {
      const runs = routineRunsSince(app, app.clock.now() - 86_400_000);
      return { ...jobStats(app), crons: cronStatus(app).map((c) => ({ ...c, runs24h: runs.get(c.name) ?? 0 })) };
    },
  }),
};
