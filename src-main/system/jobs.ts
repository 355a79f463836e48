import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { backupWithCheckpoint } from './checkpoints';
import { defineCron, defineWorker } from '../jobs';
import { backupFileName } from './methods';

/** The nightly online backup with its chain checkpoint, keeping backup.keep files. */
export const nightlyBackupWorker = defineWorker({
  kind: 'system.nightlyBackup',
  queue: 'maintenance',
  args: z.object({}),
  maxAttempts: 3,
  timeoutMs: 30 * 60_000,
  async perform(app) {
    const dir = app.config.backup.dir || app.paths.backupDir;
    await backupWithCheckpoint(app, path.join(dir, backupFileName(app.clock.now())));
    rotateBackups(dir, app.config.backup.keep);
  },
});

/** Deletes the oldest depotdesk-*.sqlite files beyond `keep` (names sort by time), each with its checkpoint. */
export function rotateBackups(dir: string, keep: number): string[] {
  const files = fs
    .readdirSync(dir)
    .filter((f) => /^depotdesk-\d{8}T\d{6}Z\.sqlite$/.test(f))
    .sort();
  const doomed = files.slice(0, Math.max(0, files.length - keep));
  for (const f of doomed) {
    fs.rmSync(path.join(dir, f));
    fs.rmSync(path.join(dir, `${f}.checkpoint.json`), { force: true });
  }
  return doomed;
}

export const nightlyBackupCron = defineCron({ name: 'system.nightlyBackup', expression: '30 2 * * *', kind: nightlyBackupWorker.kind });
