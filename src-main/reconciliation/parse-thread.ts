import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { businessDate } from '../kernel/clock';
import { DepotError, type ErrorShape } from '../kernel/errors';
import type { ParseOptions, Statement, StatementChannel } from './statements';

/**
 * A large statement read by a worker thread while the importing thread stores its rows (issues 13
 * and 18): the file's sha256, its unpacking, decoding, parsing and checking (1.8 s of a million-row
 * bill) leave the thread that holds the write transaction and answers the operator.
 *
 * Guarantees (test/reconciliation/parse-thread.test.ts):
 * - The same rows, in the same order, with the same statement and the same refusal (code, message,
 *   details: the file, the line, the reason) as the same bytes parsed on the calling thread.
 * - The hash comes first and is awaited without blocking: a file already kept is answered before a
 *   row is read (and the worker stopped).
 * - Rows cross in column batches (typed arrays moved, not copied; the few distinct days and
 *   statuses by index), at most MAX_AHEAD batches ahead of the reader, so memory stays bounded
 *   however far the parse runs ahead of the inserts.
 * - `next()` blocks the calling thread only while a write transaction that must stay on it waits
 *   for the worker's next batch; the worker answers every outcome (rows, done, failed), and a
 *   worker that died without one (its failure is only seen by the event loop the wait is blocking)
 *   is named after MISSING_WORKER_MS without a message — never a partial import.
 */

/** Files from this size are read by a worker; a depot's daily statement (a few thousand rows) stays on the calling thread. */
export const PARSE_THREAD_MIN_BYTES = 4 * 2 ** 20;
export const BATCH_ROWS = 4096;
export const MAX_AHEAD = 16;
/** How long a blocked reader waits for a worker that says nothing at all before naming it dead. */
const MISSING_WORKER_MS = 10 * 60_000;

export interface ParseThreadInput {
  bytes: Uint8Array;
  fileName: string;
  opts: ParseOptions;
  timeZone: string;
  port: MessagePort;
  /** [0] batches posted, [1] batches taken. */
  counters: Int32Array;
}

/** One batch of rows, by column. `kinds[i]` 1 = refund. `refundNos` is '' on payment rows. */
export interface RowBatch {
  type: 'rows';
  channel: StatementChannel;
  n: number;
  lines: Int32Array;
  kinds: Uint8Array;
  amounts: Float64Array;
  fees: Float64Array;
  times: Float64Array;
  dayIdx: Uint16Array;
  days: string[];
  statusIdx: Uint16Array;
  statuses: string[];
  tradeNos: string[];
  orderNos: string[];
  refundNos: string[];
}

export type ParseThreadMessage =
  RowBatch | { type: 'done'; statement: Statement } | { type: 'failed'; code: ErrorShape['code']; message: string; details?: unknown; name?: string };

/** A depot-zone day for each instant, cached per hour (a million rows, a few dozen hours). */
export function dayOfFn(zone: string): (at: number) => string {
  const cache = new Map<number, string>();
  return (at) => {
    const hour = Math.floor(at / 3_600_000);
    let d = cache.get(hour);
    if (d === undefined) {
      // Zones with offsets off the hour (+05:45) get the exact answer.
      d = businessDate(at, zone);
      if (businessDate(hour * 3_600_000, zone) !== d || businessDate(hour * 3_600_000 + 3_599_999, zone) !== d) return d;
      cache.set(hour, d);
    }
    return d;
  };
}

export interface ParseThread {
  /** The file's sha256 (hex), first thing the worker computes. */
  sha256: Promise<string>;
  /** The next message, waiting for it on this thread (inside the import's transaction). */
  next(): ParseThreadMessage;
  stop(): void;
}

function startWorker(input: ParseThreadInput): Worker | null {
  const transferList = [input.port];
  // The benchmark runs the core from the sources but times the worker the app ships (the CLI bundle's).
  const given = process.env.DEPOTDESK_PARSE_WORKER;
  if (given) return new Worker(given, { workerData: input, transferList });
  for (const rel of ['./parse-worker.js', '../parse-worker.js']) {
    const url = new URL(rel, import.meta.url);
    if (fs.existsSync(fileURLToPath(url))) return new Worker(url, { workerData: input, transferList });
  }
  const ts = new URL('./parse-worker.ts', import.meta.url);
  if (!fs.existsSync(fileURLToPath(ts))) return null;
  // From the sources (tests, tsx): Node cannot load TypeScript in a worker by itself (as export-thread.ts).
  const code = `import('tsx/esm/api').then((tsx) => tsx.tsImport(${JSON.stringify(ts.href)}, { parentURL: ${JSON.stringify(ts.href)} }))`;
  return new Worker(code, { eval: true, workerData: input, transferList });
}

/** Starts the worker on a copy of `bytes`, or returns null where no worker entry exists (then the caller parses itself). */
export function startParseThread(bytes: Buffer, fileName: string, opts: ParseOptions, timeZone: string): ParseThread | null {
  const { port1, port2 } = new MessageChannel();
  const counters = new Int32Array(new SharedArrayBuffer(8));
  const copy = new Uint8Array(new SharedArrayBuffer(bytes.length));
  copy.set(bytes);
  const worker = startWorker({ bytes: copy, fileName, opts, timeZone, port: port2, counters });
  if (!worker) {
    port1.close();
    return null;
  }
  const sha256 = new Promise<string>((resolve, reject) => {
    worker.once('message', (m: { type: 'sha256'; hex: string }) => resolve(m.hex));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new DepotError('internal', `the statement parse thread exited (code ${code}) before hashing the file`)));
  });
  // A rejection nobody awaits (the import stopped first) is not an unhandled one.
  sha256.catch(() => {});
  let taken = 0;
  const next = (): ParseThreadMessage => {
    const waitedSince = Date.now();
    for (;;) {
      const got = receiveMessageOnPort(port1);
      if (got) {
        taken += 1;
        Atomics.store(counters, 1, taken);
        Atomics.notify(counters, 1);
        return got.message as ParseThreadMessage;
      }
      const posted = Atomics.load(counters, 0);
      if (posted > taken) continue;
      // Sleeps until the worker posts (it bumps counters[0] and notifies), checking now and then.
      Atomics.wait(counters, 0, posted, 1000);
      if (Atomics.load(counters, 0) === posted && Date.now() - waitedSince > MISSING_WORKER_MS) {
        throw new DepotError('internal', `the statement parse thread sent nothing for ${MISSING_WORKER_MS / 60_000} minutes; the import is abandoned, nothing kept`);
      }
    }
  };
  const stop = () => {
    port1.close();
    void worker.terminate();
  };
  return { sha256, next, stop };
}

/** A refusal or failure the worker reported, as the error the calling thread would have thrown. */
export function workerFailure(m: Extract<ParseThreadMessage, { type: 'failed' }>): Error {
  if (m.name === 'DepotError') return new DepotError(m.code, m.message, m.details);
  return new DepotError('internal', `the statement parse thread failed: ${m.message}`);
}
