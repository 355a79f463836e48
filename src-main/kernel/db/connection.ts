import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { DepotError } from '../errors';
import { privateDir, privateFile, tighten } from '../private-files';
import { migrate, type MigrationStatus } from './migrate';
// Queries use the tables each domain exports; the relational query API (db.query.*) is not used,
// so the connection needs no schema and the kernel imports no domain.
export type Db = BetterSQLite3Database;
export type Sqlite = Database.Database;

export interface OpenOptions {
  /** Folder holding the drizzle-kit SQL files; defaults to the repository's migrations/. */
  migrationsDir?: string;
  /**
   * Path to a better_sqlite3.node built for the runtime. Electron passes its own build here so
   * the Node build that tests and the CLI use is never overwritten.
   */
  nativeBinding?: string;
  readonly?: boolean;
  now?: () => number;
}

export interface OpenedDatabase {
  sqlite: Sqlite;
  db: Db;
  migrations: MigrationStatus;
  file: string;
  close(): void;
}

export function defaultMigrationsDir(): string {
  if (process.env.DEPOTDESK_MIGRATIONS_DIR) return process.env.DEPOTDESK_MIGRATIONS_DIR;
  // Walk up from this file to the folder that holds migrations/ (source tree, out/main, or an
  // unpacked Electron resources folder all have it above them).
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i += 1) {
    const candidate = path.join(dir, 'migrations');
    if (fs.existsSync(path.join(candidate, 'meta', '_journal.json'))) return candidate;
    dir = path.dirname(dir);
  }
  throw new DepotError('internal', 'cannot find the migrations folder; set DEPOTDESK_MIGRATIONS_DIR');
}

/** Pragmas for a money database: WAL for concurrent readers, FULL sync so a commit survives power loss. */
export function applyPragmas(sqlite: Sqlite): void {
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
}

export function openDatabase(file: string, opts: OpenOptions = {}): OpenedDatabase {
  privateDir(path.dirname(path.resolve(file)));
  // SQLite gives the -wal and -shm files the database file's permissions: 0600 for all three.
  if (!opts.readonly) {
    privateFile(file);
    for (const side of ['-wal', '-shm']) tighten(`${file}${side}`);
  }
  const sqlite = new Database(file, {
    readonly: opts.readonly ?? false,
    ...(opts.nativeBinding ? { nativeBinding: opts.nativeBinding } : {}),
  });
  try {
    applyPragmas(sqlite);
    const migrations = opts.readonly ? { applied: 0, known: 0, latest: null } : migrate(sqlite, opts.migrationsDir ?? defaultMigrationsDir(), opts.now);
    const db = drizzle(sqlite);
    return { sqlite, db, migrations, file: path.resolve(file), close: () => sqlite.close() };
  } catch (e) {
    sqlite.close();
    throw e;
  }
}

/**
 * PRAGMA integrity_check (or the cheaper quick_check) and foreign_key_check: reads the whole file,
 * about 2 s of CPU per GB, so it is run by doctor and on each backup copy, never on open.
 */
export function quickCheck(sqlite: Sqlite, full = false): { ok: boolean; problems: string[] } {
  const rows = sqlite.pragma(full ? 'integrity_check' : 'quick_check') as Record<string, string>[];
  const problems = rows.map((r) => Object.values(r)[0]).filter((v) => v !== 'ok');
  const fk = sqlite.pragma('foreign_key_check') as { table: string; rowid: number; parent: string }[];
  for (const v of fk) problems.push(`foreign key: ${v.table} row ${v.rowid} points at a missing ${v.parent}`);
  return { ok: problems.length === 0, problems };
}

/**
 * Runs fn in one write transaction taken with BEGIN IMMEDIATE, so two writers never deadlock on
 * a lock upgrade and the whole change commits or none of it does.
 */
export function writeTx<T>(sqlite: Sqlite, fn: () => T): T {
  return sqlite.transaction(fn).immediate();
}
