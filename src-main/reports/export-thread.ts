import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { threadId, Worker } from 'node:worker_threads';
import type { AppContext } from '../kernel/context';
import type { Config, DataPaths } from '../kernel/config';
import { DepotError, type ErrorShape } from '../kernel/errors';
import { writeReport, type ReportParams } from './workbooks';

/**
 * Writing a workbook off the main thread (issue 15: no main-thread task over 100 ms while an
 * export runs). The main thread serves the screens, the chargers and the jobs; a million-row
 * workbook keeps a thread busy for a minute, with long steps it cannot break up (the zip's final
 * flush, the collector freeing a page of rows).
 *
 * Guarantees (test/reports/export-thread.test.ts):
 * - The workbook is written by a worker thread with a connection of its own, opened read-only on
 *   the depot's file: the export cannot change the books, and the main thread only relays its
 *   progress. The worker's clock is fixed at the moment the export started.
 * - The file is the one the same export writes on the main thread, cell for cell.
 * - A failure in the worker rejects with the worker's error code and message; a worker that dies
 *   without a word rejects too, naming its exit code. The caller removes the partial file.
 * - Where no worker entry exists (a build that left it out), the export runs on the main thread
 *   and says so in the log: slower to the eye, never a lost export.
 */

/** What the worker needs to build its read-only context (structured-cloned). */
export interface ExportThreadInput {
  dbFile: string;
  nativeBinding: string | null;
  version: string;
  config: Config;
  paths: DataPaths;
  now: number;
  timeZone: string;
  params: ReportParams;
  file: string;
}

export type ExportThreadMessage =
  { type: 'rows'; n: number } | { type: 'done'; rows: number; threadId: number } | { type: 'failed'; code: ErrorShape['code']; message: string; details?: unknown };

/**
 * The worker's entry: the bundles (the CLI's esbuild bundle, the desktop app's main build) put
 * export-worker.js beside the entry or one folder up from a split chunk; from the sources (tests,
 * tsx) the .ts file is loaded through tsx. DEPOTDESK_EXPORT_WORKER names another entry file.
 */
function startWorker(input: ExportThreadInput): Worker | null {
  // The benchmark runs the core from the sources but times the worker the app ships (the bundle's).
  const given = process.env.DEPOTDESK_EXPORT_WORKER;
  if (given) return new Worker(given, { workerData: input });
  for (const rel of ['./export-worker.js', '../export-worker.js']) {
    const url = new URL(rel, import.meta.url);
    if (fs.existsSync(fileURLToPath(url))) return new Worker(url, { workerData: input });
  }
  const ts = new URL('./export-worker.ts', import.meta.url);
  if (!fs.existsSync(fileURLToPath(ts))) return null;
  // Node cannot load TypeScript in a worker by itself, and `--import tsx` in execArgv does not
  // reach a worker's loader on Node 20: tsx's API loads the entry instead.
  const code = `import('tsx/esm/api').then((tsx) => tsx.tsImport(${JSON.stringify(ts.href)}, { parentURL: ${JSON.stringify(ts.href)} }))`;
  return new Worker(code, { eval: true, workerData: input });
}

/** The rows written, and the thread that wrote them (the main thread's id when no worker could start). */
export interface OffThreadResult {
  rows: number;
  threadId: number;
}

export async function writeReportOffThread(app: AppContext, p: ReportParams, file: string, onRows?: (n: number) => void): Promise<OffThreadResult> {
  const input: ExportThreadInput = {
    dbFile: app.paths.dbFile,
    nativeBinding: app.nativeBinding,
    version: app.version,
    config: app.config,
    paths: app.paths,
    now: app.clock.now(),
    timeZone: app.clock.timeZone,
    params: p,
    file,
  };
  const worker = startWorker(input);
  if (!worker) {
    app.log.warn({ file }, 'no export worker entry beside this build: the workbook is written on the main thread');
    return { rows: await writeReport(app, p, file, onRows), threadId };
  }
  return new Promise((resolve, reject) => {
    let answered = false;
    worker.on('message', (m: ExportThreadMessage) => {
      if (m.type === 'rows') onRows?.(m.n);
      else if (m.type === 'done') {
        answered = true;
        resolve({ rows: m.rows, threadId: m.threadId });
      } else {
        answered = true;
        reject(new DepotError(m.code, m.message, m.details));
      }
    });
    worker.on('error', (e) => {
      answered = true;
      reject(e);
    });
    worker.on('exit', (code) => {
      if (!answered) reject(new DepotError('internal', `the export worker stopped (exit code ${code}) before the workbook was written`));
    });
  });
}
