import type { Clock } from './clock';
import { systemClock } from './clock';
import type { Config, DataPaths } from './config';
import { createEventBus, type EventBus } from './events';
import { ulidIds, type Ids } from './ids';
import { createLogger, type Logger } from './logger';
import { openDatabase, type Db, type Sqlite } from './db/connection';
import type { MigrationStatus } from './db/migrate';
import { LoginSessions } from './logins';
import { privateDir } from './private-files';
import { VERSION } from './version';

/**
 * Everything a domain needs, built once from config and handed down explicitly: no module-level
 * singletons, so a test can build as many independent cores as it likes.
 */
export interface AppContext {
  readonly version: string;
  readonly config: Config;
  readonly paths: DataPaths;
  readonly clock: Clock;
  readonly ids: Ids;
  readonly log: Logger;
  readonly events: EventBus;
  readonly sqlite: Sqlite;
  readonly db: Db;
  readonly migrations: MigrationStatus;
  readonly logins: LoginSessions;
  readonly startedAt: number;
  /** Live state that is not in the database (broker connection etc.), filled in by start-up. */
  readonly runtime: RuntimeState;
  /** better-sqlite3's addon this process loaded, when not the default (the desktop app's Electron build): worker threads open their own connections with it. */
  readonly nativeBinding: string | null;
  close(): void;
}

export interface RuntimeState {
  /** `error`: why the charger link did not start, when it did not (serve prints it). */
  broker: { state: 'not_started' | 'connecting' | 'connected' | 'offline'; url: string | null; error?: string };
  mode: 'electron' | 'serve' | 'cli' | 'test';
}

export interface ContextOptions {
  config: Config;
  paths: DataPaths;
  clock?: Clock;
  log?: Logger;
  mode?: RuntimeState['mode'];
  migrationsDir?: string;
  nativeBinding?: string;
}

export function createAppContext(opts: ContextOptions): AppContext {
  const clock = opts.clock ?? systemClock(opts.config.timeZone);
  const log = opts.log ?? createLogger({ level: opts.config.logLevel, dir: opts.paths.logDir });
  privateDir(opts.paths.dataDir);
  const opened = openDatabase(opts.paths.dbFile, {
    migrationsDir: opts.migrationsDir,
    nativeBinding: opts.nativeBinding,
    now: () => clock.now(),
  });
  // Opening checks only what must hold to open: the schema version and the applied migrations'
  // hashes (migrate refuses a newer or edited schema). The full integrity check reads the whole
  // file (about 2 s of CPU per GB), so it runs in doctor and on every backup copy instead.
  const events = createEventBus(() => clock.now());
  return {
    version: VERSION,
    config: opts.config,
    paths: opts.paths,
    clock,
    ids: ulidIds(clock),
    log,
    events,
    sqlite: opened.sqlite,
    db: opened.db,
    migrations: opened.migrations,
    logins: new LoginSessions(() => clock.now()),
    startedAt: clock.now(),
    runtime: { broker: { state: 'not_started', url: null }, mode: opts.mode ?? 'cli' },
    nativeBinding: opts.nativeBinding ?? null,
    close: () => {
      if (opened.sqlite.open) opened.close();
    },
  };
}
