import { parentPort, threadId, workerData } from 'node:worker_threads';
import type { AppContext } from '../kernel/context';
import { openDatabase } from '../kernel/db/connection';
import { DepotError } from '../kernel/errors';
import { createLogger } from '../kernel/logger';
import { LoginSessions } from '../kernel/logins';
import type { ExportThreadInput, ExportThreadMessage } from './export-thread';
import { writeReport } from './workbooks';

/**
 * The export worker thread (see export-thread.ts): opens the depot read-only, writes one workbook
 * and reports rows, then done or failed. Anything that would change the depot (an id, an event)
 * is refused by name: a report that needs one is a bug to see, not to paper over.
 */

function refuse(what: string): () => never {
  return () => {
    throw new DepotError('internal', `the export worker only reads the depot; it cannot ${what}`);
  };
}

function readContext(input: ExportThreadInput): AppContext {
  const opened = openDatabase(input.dbFile, { readonly: true, ...(input.nativeBinding ? { nativeBinding: input.nativeBinding } : {}) });
  const now = () => input.now;
  return {
    version: input.version,
    config: input.config,
    paths: input.paths,
    clock: { now, timeZone: input.timeZone },
    ids: { next: refuse('create an id') },
    log: createLogger({ level: input.config.logLevel, dir: input.paths.logDir }),
    events: { emit: refuse('emit an event'), subscribe: refuse('subscribe to events') },
    sqlite: opened.sqlite,
    db: opened.db,
    migrations: opened.migrations,
    logins: new LoginSessions(now),
    startedAt: input.now,
    runtime: { broker: { state: 'not_started', url: null }, mode: 'cli' },
    nativeBinding: input.nativeBinding,
    close: () => opened.close(),
  };
}

async function main(port: NonNullable<typeof parentPort>, input: ExportThreadInput): Promise<void> {
  const send = (m: ExportThreadMessage) => port.postMessage(m);
  let app: AppContext | null = null;
  try {
    app = readContext(input);
    const rows = await writeReport(app, input.params, input.file, (n) => send({ type: 'rows', n }));
    send({ type: 'done', rows, threadId });
  } catch (e) {
    const err = e instanceof DepotError ? e : null;
    send({ type: 'failed', code: err?.code ?? 'internal', message: (e as Error).message, details: err?.details });
  } finally {
    app?.close();
  }
}

if (parentPort) void main(parentPort, workerData as ExportThreadInput);
