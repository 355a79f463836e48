import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Sqlite } from './connection';

/**
 * A large write without the checkpoint on the thread that answers the operator (issues 13 and 18).
 *
 * SQLite in WAL mode copies the log back into the database file after a commit once the log holds
 * more than `wal_autocheckpoint` pages, on the connection that committed. After a statement import
 * (a million rows: about 340 MB of log) that copy takes 0.6–1.2 s of the committing thread: the
 * operator's. `withCheckpointOffThread` runs a write with automatic checkpoints switched off on
 * this connection and then has a worker thread with a connection of its own copy the log back.
 *
 * Guarantees (test/kernel/checkpoint-thread.test.ts):
 * - Durability is unchanged: the commit is in the log (fsynced, `synchronous = FULL`) before the
 *   work returns; the checkpoint only moves committed pages, and one that never runs (the process
 *   dies first) is done by the next connection to open the file, as after any crash.
 * - The connection's own `wal_autocheckpoint` is restored when the work ends, thrown or not.
 * - The checkpoint is PASSIVE: it never waits for readers or writers and never blocks them; a
 *   commit on this connection while it runs skips its own automatic checkpoint (SQLite lets one
 *   checkpointer at a time and does not wait for it) instead of stalling.
 * - A database with no file (in memory) has no second connection: the work runs as it is and
 *   nothing else happens.
 * - The worker is not unref'd: a CLI command that ends right after the import waits the fraction of
 *   a second for the copy instead of leaving it to the next open. A failed checkpoint is reported
 *   to `onError` and changes nothing: the log stays and the next checkpoint copies it.
 * - `checkpointsSettled()` resolves once every checkpoint started so far has ended (the tests wait
 *   for it before deleting a depot's folder).
 */

const running = new Set<Promise<unknown>>();

/** Resolves when every checkpoint started so far has ended, whatever its outcome. */
export async function checkpointsSettled(): Promise<void> {
  while (running.size > 0) await Promise.allSettled([...running]);
}

export interface CheckpointResult {
  /** Pages in the log, and how many of them were copied into the database. */
  logPages: number;
  checkpointedPages: number;
}

// Plain JavaScript run by the worker (`eval`): no TypeScript loader, no bundle entry needed.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
// fileMustExist: a depot folder removed meanwhile gets no new empty database from a checkpoint.
const db = new Database(workerData.file, { fileMustExist: true, ...(workerData.nativeBinding ? { nativeBinding: workerData.nativeBinding } : {}) });
try {
  db.pragma('busy_timeout = 5000');
  const [r] = db.pragma('wal_checkpoint(PASSIVE)');
  parentPort.postMessage({ logPages: r.log, checkpointedPages: r.checkpointed });
} finally {
  db.close();
}
`;

/** Starts a worker that checkpoints `file`'s log; resolves with what it copied. */
export function checkpointInWorker(file: string, nativeBinding: string | null): Promise<CheckpointResult> {
  const module = createRequire(import.meta.url).resolve('better-sqlite3');
  const done = new Promise<CheckpointResult>((resolve, reject) => {
    const w = new Worker(WORKER, { eval: true, workerData: { file, nativeBinding, module } });
    let result: CheckpointResult | null = null;
    let failure: Error | null = null;
    w.on('message', (m: CheckpointResult) => (result = m));
    w.on('error', (e) => (failure = e));
    // Settled on exit only: the worker's connection is closed by then.
    w.on('exit', (code) => (result ? resolve(result) : reject(failure ?? new Error(`the checkpoint worker exited with code ${code} before answering`))));
  });
  running.add(done);
  const forget = () => running.delete(done);
  done.then(forget, forget);
  return done;
}

/**
 * Runs `work` (a write) with this connection's automatic checkpoints off, then checkpoints the log
 * in a worker thread. Returns the work's value at once; `checkpointed` settles when the copy is done.
 */
export function withCheckpointOffThread<T>(
  sqlite: Sqlite,
  nativeBinding: string | null,
  work: () => T,
  onError: (e: Error) => void = () => {},
): { value: T; checkpointed: Promise<CheckpointResult | null> } {
  if (sqlite.memory || !sqlite.name) return { value: work(), checkpointed: Promise.resolve(null) };
  const before = sqlite.pragma('wal_autocheckpoint', { simple: true }) as number;
  sqlite.pragma('wal_autocheckpoint = 0');
  let value: T;
  try {
    value = work();
  } finally {
    sqlite.pragma(`wal_autocheckpoint = ${Number(before)}`);
  }
  const checkpointed = checkpointInWorker(sqlite.name, nativeBinding).catch((e: Error) => {
    onError(e);
    return null;
  });
  return { value, checkpointed };
}
