import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { AppContext } from '../kernel/context';
import { markOfflineChargers, pruneMessageLog } from '../chargers';
import { backupDatabase } from '../kernel/db/backup';
import { expireDueHolds } from '../ledger';
import { executeCampaignWorker } from '../compensation';
import { paymentsExpireCron, paymentsExpireWorker } from '../payments';
import { refundsProcessCron, refundsProcessWorker } from '../refunds';
import { consumeInboxCron, consumeInboxWorker, detectStuckCron, detectStuckWorker, startTimeoutWorker, sweepCron, sweepWorker } from '../sessions';
import { backupFileName } from '../system';
import { defineCron, type CronDef } from './cron';
import { builtinCrons, builtinWorkers } from './maintenance';
import { defineWorker, type Worker } from './worker';

/**
 * The job registry: every time-based rule of the depot, in one list. A rule's logic lives in its
 * domain (and is tested there); this file only says when it runs. Nothing time-based is a bare
 * setTimeout: a job in SQLite survives a restart, and a cron slot missed while the PC was off
 * runs once at start.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

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

/** Holds past their expiry are expired: the held money goes back to the wallet. */
export const ledgerExpireHoldsWorker = defineWorker({
  kind: 'ledger.expireHolds',
  queue: 'maintenance',
  args: z.object({}),
  maxAttempts: 3,
  perform(app) {
    const result = expireDueHolds(app);
    if (result.skipped.length > 0) app.log.warn({ skipped: result.skipped }, 'some due holds could not be expired');
  },
});

/** The nightly online backup, keeping backup.keep files. */
export const nightlyBackupWorker = defineWorker({
  kind: 'system.nightlyBackup',
  queue: 'maintenance',
  args: z.object({}),
  maxAttempts: 3,
  timeoutMs: 30 * 60_000,
  async perform(app) {
    const dir = app.config.backup.dir || app.paths.backupDir;
    await backupDatabase(app.sqlite, path.join(dir, backupFileName(app.clock.now())));
    rotateBackups(dir, app.config.backup.keep);
  },
});

/** Deletes the oldest depotdesk-*.sqlite files beyond `keep` (names sort by time). */
export function rotateBackups(dir: string, keep: number): string[] {
  const files = fs
    .readdirSync(dir)
    .filter((f) => /^depotdesk-\d{8}T\d{6}Z\.sqlite$/.test(f))
    .sort();
  const doomed = files.slice(0, Math.max(0, files.length - keep));
  for (const f of doomed) fs.rmSync(path.join(dir, f));
  return doomed;
}

export const workers: Worker[] = [
  ...builtinWorkers,
  chargersOfflineWorker,
  chargersPruneMessagesWorker,
  ledgerExpireHoldsWorker,
  nightlyBackupWorker,
  paymentsExpireWorker,
  refundsProcessWorker,
  startTimeoutWorker,
  consumeInboxWorker,
  sweepWorker,
  detectStuckWorker,
  executeCampaignWorker,
];

export const crons: CronDef[] = [
  ...builtinCrons,
  defineCron({ name: 'chargers.markOffline', expression: '* * * * *', kind: chargersOfflineWorker.kind }),
  defineCron({ name: 'chargers.pruneMessages', expression: '40 3 * * *', kind: chargersPruneMessagesWorker.kind }),
  defineCron({ name: 'ledger.expireHolds', expression: '* * * * *', kind: ledgerExpireHoldsWorker.kind }),
  defineCron({ name: 'system.nightlyBackup', expression: '30 2 * * *', kind: nightlyBackupWorker.kind }),
  paymentsExpireCron,
  refundsProcessCron,
  consumeInboxCron,
  sweepCron,
  detectStuckCron,
];

export type { AppContext };
