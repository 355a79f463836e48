import type { Clock } from '../kernel/clock';
import { loadConfig, parseOverrides, resolvePaths, type Config, type DataPaths } from '../kernel/config';
import { createAppContext, type AppContext, type RuntimeState } from '../kernel/context';
import type { Logger } from '../kernel/logger';
import { privateDir } from '../kernel/private-files';
import { isDepotError } from '../kernel/errors';
import { sealAuditChain } from '../operators';
import { openLedgerJournal, sealLedgerChain } from '../ledger';

/**
 * Start-up and shut-down order, the same for Electron, `serve` and the CLI:
 *   1. resolve the data directory and read config (+ one-run overrides)
 *   2. open SQLite, apply pragmas, migrate (refusing a newer or edited schema); the full integrity
 *      check is doctor's and each backup's, not every start's; seal the rows written before the
 *      keyed chains existed (once, kernel/chain.ts); start the journal of a depot that had a ledger
 *      before it with its opening balances (once, ledger/journal-opening.ts)
 *   3. start the services the mode needs (HTTP, IPC, later: jobs, broker) — done by the caller
 * Stop runs the reverse: services first, the database last.
 */
export interface CoreOptions {
  dataDir?: string;
  db?: string;
  overrides?: readonly string[] | Record<string, unknown>;
  mode: RuntimeState['mode'];
  clock?: Clock;
  log?: Logger;
  nativeBinding?: string;
  migrationsDir?: string;
}

export function resolveCoreConfig(opts: Pick<CoreOptions, 'dataDir' | 'db' | 'overrides'>): { paths: DataPaths; config: Config } {
  const paths = resolvePaths({ dataDir: opts.dataDir, db: opts.db });
  const overrides = Array.isArray(opts.overrides) ? parseOverrides(opts.overrides as readonly string[]) : ((opts.overrides as Record<string, unknown> | undefined) ?? {});
  return { paths, config: loadConfig(paths.configFile, overrides) };
}

export function openCore(opts: CoreOptions): AppContext {
  const { paths, config } = resolveCoreConfig(opts);
  privateDir(paths.dataDir);
  const app = createAppContext({
    paths,
    config,
    mode: opts.mode,
    clock: opts.clock,
    log: opts.log,
    nativeBinding: opts.nativeBinding,
    migrationsDir: opts.migrationsDir,
  });
  try {
    sealAuditChain(app);
    sealLedgerChain(app);
  } catch (e) {
    // A depot whose key is missing still opens, so `doctor` and the verifiers can say so.
    if (!isDepotError(e)) throw e;
    app.log.error({ err: e }, 'could not seal the keyed chains');
  }
  // A depot upgrading to the journal starts it with what it already holds (once; one read after).
  openLedgerJournal(app);
  return app;
}
