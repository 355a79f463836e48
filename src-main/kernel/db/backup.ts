import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DepotError } from '../errors';
import type { Sqlite } from './connection';

export interface BackupResult {
  file: string;
  bytes: number;
  pages: number;
}

/**
 * Online backup through SQLite's backup API: the app keeps running and writing, and the copy is a
 * consistent snapshot. The copy is written next to its target and renamed into place, so a crash
 * never leaves a half-written file under the requested name; then it is opened and checked.
 */
export async function backupDatabase(sqlite: Sqlite, out: string): Promise<BackupResult> {
  const target = path.resolve(out);
  if (fs.existsSync(target)) {
    throw new DepotError('conflict', `${target} already exists; choose another file name`, { field: 'out' });
  }
  fs.mkdirSync(path.dirname(target), { recursive: true });
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
    const rows = check.pragma('quick_check') as Record<string, string>[];
    const bad = rows.map((r) => Object.values(r)[0]).filter((v) => v !== 'ok');
    if (bad.length > 0) throw new DepotError('integrity_failed', `backup copy failed its check: ${bad.join('; ')}`);
  } finally {
    check.close();
  }
  fs.renameSync(partial, target);
  return { file: target, bytes: fs.statSync(target).size, pages };
}
