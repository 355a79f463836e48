import { z } from 'zod';
import { defineCron, defineWorker } from '../jobs';
import { markOfflineChargers, pruneMessageLog } from './registry';
import { DAY_MS } from '../kernel/clock';

/** Chargers silent for offlineAfterMissedHeartbeats intervals are marked offline. */
export const chargersOfflineWorker = defineWorker({
  kind: 'chargers.markOffline',
  queue: 'maintenance',
  args: z.object({}),
  maxAttempts: 1,
  perform(app) {
    markOfflineChargers(app);
  },
});

/**
 * Raw charger messages, and the inbox records already applied or resolved, are kept
 * chargers.messageLogRetentionDays, then deleted in chunks; records still waiting and their
 * messages stay. pruneMessageLog logs what it deleted.
 */
export const chargersPruneMessagesWorker = defineWorker({
  kind: 'chargers.pruneMessages',
  queue: 'maintenance',
  args: z.object({}),
  maxAttempts: 3,
  timeoutMs: 10 * 60_000,
  async perform(app) {
    await pruneMessageLog(app, app.config.chargers.messageLogRetentionDays * DAY_MS);
  },
});

export const chargersOfflineCron = defineCron({ name: 'chargers.markOffline', expression: '* * * * *', kind: chargersOfflineWorker.kind });
export const chargersPruneMessagesCron = defineCron({ name: 'chargers.pruneMessages', expression: '40 3 * * *', kind: chargersPruneMessagesWorker.kind });
