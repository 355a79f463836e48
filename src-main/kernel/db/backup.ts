import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DepotError } from '../errors';
import { privateDir, tighten } from '../private-files';
import { quickCheck, type Sqlite } from './connection';

export interface BackupResult {
  file: string;
  bytes: number;
  pages: number;
}

/**
 * Online backup through SQLite's backup API: the app keeps running and writing, and the copy is a
 * consistent snapshot. The copy is written next to its target and renamed into place, so a crash
 * never leaves a half-written file under the requested name. The copy then gets the full
 * integrity_check and foreign_key_check on a connection of its own: the copy is a consistent
 * snapshot of the depot's file, so this checks the depot's data without holding its connection,
 * and a damaged file is never kept as if it were a good backup.
 */
export async function backupDatabase(sqlite: Sqlite, out: string): Promise<BackupResult> {
  const target = path.resolve(out);
  if (fs.existsSync(target)) {
    throw new DepotError('conflict', `${target} already exists; choose another file name`, { field: 'out' });
  }
  privateDir(path.dirname(target));
  const partial = `${target}.partial`;
  fs.rmSync(partial, { force: true });
  let pages = 0;
  await sqlite.backup(partial, {
    progress: ({ totalPages }) => {
      pages = totalPages;
      return 256;
    },
  });
  const check = new Database(partial, { readonly: true });
  try {
    const { ok, problems } = quickCheck(check, true);
    if (!ok) {
      throw new DepotError(
        'integrity_failed',
        `backup copy failed its integrity check, so the depot's database has the same damage (the copy is page for page): ${problems.slice(0, 5).join('; ')}; the copy is left at ${partial}; run depotdesk doctor and restore the last good backup (see README)`,
        { problems, partial },
      );
    }
  } finally {
    check.close();
  }
  tighten(partial);
  for (const side of ['-wal', '-shm']) fs.rmSync(`${partial}${side}`, { force: true });
  fs.renameSync(partial, target);
  return { file: target, bytes: fs.statSync(target).size, pages };
}
