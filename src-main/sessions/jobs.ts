import { z } from 'zod';
import { defineCron, defineWorker } from '../jobs';
import { consumeInbox } from './inbox';
import { settlePending } from './settle';

export { startTimeoutWorker } from './start';

/**
 * The safety net behind the real-time path: records left in the transaction inbox (the process
 * stopped between commit and hook, a record waiting for its start, one that failed) are applied,
 * and finished sessions not held for review are settled.
 */
export const consumeInboxWorker = defineWorker({
  kind: 'sessions.consumeInbox',
  queue: 'maintenance',
  args: z.object({}),
  maxAttempts: 3,
  perform(app) {
    const r = consumeInbox(app);
    const s = settlePending(app);
    if (r.applied + s.settled > 0 || r.failed + s.failed > 0) app.log.info({ inbox: r, settlement: s }, 'sessions sweep');
  },
});

export const consumeInboxCron = defineCron({ name: 'sessions.consumeInbox', expression: '* * * * *', kind: consumeInboxWorker.kind });
