import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { applyPragmas } from '../../src-main/kernel/db/connection';
import { checkpointInWorker, withCheckpointOffThread } from '../../src-main/kernel/db/checkpoint-thread';
import { tempDir } from '../helpers';

/**
 * src-main/kernel/db/checkpoint-thread.ts: a large write commits without copying the log back on
 * its own thread; a worker with its own connection does the copy (issues 13 and 18).
 */
function database(): { db: Database.Database; file: string } {
  const file = path.join(tempDir(), 'depot.sqlite');
  const db = new Database(file);
  applyPragmas(db);
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
  return { db, file };
}

const fill = (db: Database.Database, n: number) =>
  db.transaction(() => {
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    for (let i = 0; i < n; i++) insert.run(`row ${i} ${'x'.repeat(200)}`);
  })();

const walBytes = (file: string) => (fs.existsSync(`${file}-wal`) ? fs.statSync(`${file}-wal`).size : 0);

describe('the checkpoint off the committing thread', () => {
  it('the commit leaves its log to the worker, which copies all of it; the connection’s setting is restored', async () => {
    const { db, file } = database();
    const sizeBefore = fs.statSync(file).size;
    const { value, checkpointed } = withCheckpointOffThread(db, null, () => {
      // Inside the work, this connection checkpoints nothing by itself.
      expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
      fill(db, 20_000);
      return 'done';
    });
    expect(value).toBe('done');
    // Returned with the rows in the log only: the database file has not grown yet (the worker is
    // still starting; a busy machine only makes it later).
    expect(fs.statSync(file).size).toBe(sizeBefore);
    expect(walBytes(file)).toBeGreaterThan(4_000_000);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    const r = await checkpointed;
    expect(r).not.toBeNull();
    // 20,000 rows of ~220 bytes: well over SQLite's 1,000-page automatic threshold.
    expect(r!.logPages).toBeGreaterThan(1000);
    expect(r!.checkpointedPages).toBe(r!.logPages);
    // The pages are in the database file now, and every row reads back from a fresh connection.
    expect(fs.statSync(file).size).toBeGreaterThan(sizeBefore + 4_000_000);
    const other = new Database(file, { readonly: true });
    expect(other.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 20_000 });
    other.close();
    db.close();
  });

  it('without it the same commit copies the log into the database on its own thread (what the worker takes away)', () => {
    const { db, file } = database();
    const sizeBefore = fs.statSync(file).size;
    fill(db, 20_000);
    // The automatic checkpoint ran inside the commit: the pages are in the database file already.
    expect(fs.statSync(file).size).toBeGreaterThan(sizeBefore + 4_000_000);
    db.close();
  });

  it('a failing work restores the setting, starts no checkpoint and rolls back', () => {
    const { db } = database();
    expect(() =>
      withCheckpointOffThread(db, null, () =>
        db.transaction(() => {
          fill(db, 10);
          throw new Error('bad line 7');
        })(),
      ),
    ).toThrow('bad line 7');
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 0 });
    db.close();
  });

  it('an in-memory database runs the work and has nothing to checkpoint', async () => {
    const db = new Database(':memory:');
    const { value, checkpointed } = withCheckpointOffThread(db, null, () => 42);
    expect(value).toBe(42);
    expect(await checkpointed).toBeNull();
    db.close();
  });

  it('a worker that cannot open the file rejects naming why, and withCheckpointOffThread reports it to onError', async () => {
    await expect(checkpointInWorker(path.join(tempDir(), 'missing', 'depot.sqlite'), null)).rejects.toThrow(/unable to open|directory does not exist|cannot open/i);
    const { db, file } = database();
    const errors: string[] = [];
    const { checkpointed } = withCheckpointOffThread(
      db,
      '/nonexistent/better_sqlite3.node',
      () => fill(db, 10),
      (e) => errors.push(e.message),
    );
    expect(await checkpointed).toBeNull();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/better_sqlite3\.node|Cannot find|cannot open/i);
    // Nothing lost: the commit is in the log, and reads see it.
    expect(new Database(file, { readonly: true }).prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 10 });
    db.close();
  });
});
