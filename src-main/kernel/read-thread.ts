import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parentPort, threadId, Worker, workerData } from 'node:worker_threads';
import type { AppContext } from './context';
import type { Config } from './config';
import { openDatabase, type Sqlite } from './db/connection';
import { DepotError, type ErrorShape } from './errors';

/**
 * A long read off the main thread (issue 18: no task on the thread that answers the operator
 * longer than 100 ms). A campaign's dry run over 100,000 drivers or `ledger verify` over millions
 * of transfers is one long SQLite read that cannot be broken up without losing its single
 * snapshot; a worker thread with a read-only connection of its own runs it whole while the main
 * thread keeps answering.
 *
 * Guarantees:
 * - The worker opens the depot's file read-only: what it runs cannot change the books. Its clock is
 *   fixed at the moment the read was asked for, so its answer is the one the main thread would
 *   have computed at that instant.
 * - A failure in the worker rejects with the worker's error code and message; a worker that dies
 *   without a word rejects naming its exit code.
 * - Where no worker entry exists (a build that left it out) or the depot is in memory (no file a
 *   second connection could open), the read runs on the calling thread: slower to the eye, never a
 *   lost answer.
 */

/** What a read worker gets (structured-cloned). */
export interface ReadThreadInput<T> {
  dbFile: string;
  nativeBinding: string | null;
  now: number;
  timeZone: string;
  config: Config;
  task: T;
}

/** The read-only context a worker's task runs against: the subset of AppContext long reads use. */
export interface ReadContext {
  sqlite: Sqlite;
  config: Config;
  clock: { now(): number; timeZone: string };
}

type Reply = { type: 'done'; value: unknown; threadId: number } | { type: 'failed'; code: ErrorShape['code']; message: string; details?: unknown };

/**
 * Starts the worker whose entry is `<name>.js` beside the bundle (or one folder up from a split
 * chunk), or, from the sources (tests, tsx), `source` loaded through tsx's API: Node cannot load
 * TypeScript in a worker by itself, and `--import tsx` in execArgv does not reach a worker's loader
 * on Node 20.
 */
function startWorker(name: string, source: URL, input: ReadThreadInput<unknown>): Worker | null {
  // The benchmark runs the core from the sources but times the workers the app ships (the CLI bundle's).
  const given = process.env.DEPOTDESK_READ_WORKER_DIR;
  if (given) return new Worker(path.join(given, `${name}.js`), { workerData: input });
  for (const rel of [`./${name}.js`, `../${name}.js`]) {
    const url = new URL(rel, import.meta.url);
    if (fs.existsSync(fileURLToPath(url))) return new Worker(url, { workerData: input });
  }
  if (!fs.existsSync(fileURLToPath(source))) return null;
  const code = `import('tsx/esm/api').then((tsx) => tsx.tsImport(${JSON.stringify(source.href)}, { parentURL: ${JSON.stringify(source.href)} }))`;
  return new Worker(code, { eval: true, workerData: input });
}

/**
 * Runs `task` in the worker `name` (see startWorker), or `here()` on this thread when no worker can
 * run it. Resolves with the worker's value.
 */
export function runReadThread<T, R>(app: AppContext, worker: { name: string; source: URL }, task: T, here: () => R): Promise<R> {
  const dbFile = app.sqlite.name;
  const inMemory = app.sqlite.memory || !dbFile || !fs.existsSync(dbFile);
  const input: ReadThreadInput<T> = { dbFile, nativeBinding: app.nativeBinding, now: app.clock.now(), timeZone: app.clock.timeZone, config: app.config, task };
  const w = inMemory ? null : startWorker(worker.name, worker.source, input);
  if (!w) return Promise.resolve().then(here);
  return new Promise((resolve, reject) => {
    let answered = false;
    w.on('message', (m: Reply) => {
      answered = true;
      if (m.type === 'done') resolve(m.value as R);
      else reject(new DepotError(m.code, m.message, m.details));
    });
    w.on('error', (e) => {
      answered = true;
      reject(e);
    });
    w.on('exit', (code) => {
      if (!answered) reject(new DepotError('internal', `the ${worker.name} thread stopped (exit code ${code}) before it answered`));
    });
  });
}

/** The worker side: opens the depot read-only, runs the task once, posts its value or its error. */
export function serveReadThread<T>(run: (ctx: ReadContext, task: T) => unknown): void {
  const port = parentPort;
  if (!port) return;
  const input = workerData as ReadThreadInput<T>;
  let close: (() => void) | null = null;
  try {
    const opened = openDatabase(input.dbFile, { readonly: true, ...(input.nativeBinding ? { nativeBinding: input.nativeBinding } : {}) });
    close = () => opened.close();
    const ctx: ReadContext = { sqlite: opened.sqlite, config: input.config, clock: { now: () => input.now, timeZone: input.timeZone } };
    port.postMessage({ type: 'done', value: run(ctx, input.task), threadId } satisfies Reply);
  } catch (e) {
    const err = e instanceof DepotError ? e : null;
    port.postMessage({ type: 'failed', code: err?.code ?? 'internal', message: (e as Error).message, details: err?.details } satisfies Reply);
  } finally {
    close?.();
  }
}
