import { z } from 'zod';
import { defineCron, defineWorker } from '../jobs';
import { detectStuckSessions } from './force-close';
import { consumeInbox } from './inbox';

export { startTimeoutWorker } from './start';

/**
 * The safety net behind the real-time path: records left in the transaction inbox (the process
 * stopped between commit and hook, a record parked waiting for its start, one that failed) are
 * applied, the sessions they finish are settled, and records parked too long raise an alert. Finished sessions whose settlement was lost some
 * other way are the settlement sweeper's (sweeper.ts): it runs on its own schedule and records
 * every sweep, so this job does not settle them behind its back.
 */
export const consumeInboxWorker = defineWorker({
  kind: 'sessions.consumeInbox',
  queue: 'maintenance',
  args: z.object({}),
  maxAttempts: 3,
  perform(app) {
    const r = consumeInbox(app, { retryParked: true });
    if (r.applied + r.parked + r.needAttention > 0) app.log.info({ inbox: r }, 'charger transaction inbox consumed');
  },
});

export const consumeInboxCron = defineCron({ name: 'sessions.consumeInbox', expression: '* * * * *', kind: consumeInboxWorker.kind });

/**
 * Stuck sessions (force-close.ts): every five minutes, an alert for each CHARGING/STOPPING session
 * whose charger is offline and silent for sessions.stuckAfterMs. Five minutes is plenty against a
 * six-hour threshold; the list a supervisor sees (sessions.stuck) is computed when asked.
 */
export const detectStuckWorker = defineWorker({
  kind: 'sessions.detectStuck',
  queue: 'maintenance',
  args: z.object({}),
  maxAttempts: 3,
  perform(app) {
    const r = detectStuckSessions(app);
    if (r.stuck > 0) app.log.warn({ stuck: r }, `${r.stuck} stuck session(s)`);
  },
});

export const detectStuckCron = defineCron({ name: 'sessions.detectStuck', expression: '*/5 * * * *', kind: detectStuckWorker.kind });
