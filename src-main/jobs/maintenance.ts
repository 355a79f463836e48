import { z } from 'zod';
import { defineCron } from './cron';
import { pruneJobs } from './queue';
import { defineWorker, type Worker } from './worker';
import type { CronDef } from './cron';
import { DAY_MS } from '../kernel/clock';

/** Deletes completed, cancelled and discarded jobs older than jobs.pruneAfterDays. */
export const pruneWorker = defineWorker({
  kind: 'jobs.prune',
  queue: 'maintenance',
  args: z.object({}),
  maxAttempts: 3,
  timeoutMs: 5 * 60_000,
  perform(app) {
    const before = app.clock.now() - app.config.jobs.pruneAfterDays * DAY_MS;
    const deleted = pruneJobs(app, { before });
    if (deleted > 0) app.log.info({ deleted, before: new Date(before).toISOString() }, `pruned ${deleted} finished job(s)`);
  },
});

export const pruneCron = defineCron({ name: 'jobs.prune', expression: '17 * * * *', kind: pruneWorker.kind });

export const builtinWorkers: Worker[] = [pruneWorker];
export const builtinCrons: CronDef[] = [pruneCron];
