import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { DepotError } from '../errors';

/**
 * Migrations are the drizzle-kit SQL files in migrations/, applied in journal order.
 *
 * Guarantees:
 * - A migration is applied at most once, inside one BEGIN IMMEDIATE transaction with its record in
 *   schema_migrations: it is applied whole or not at all.
 * - foreign_keys is off while migrating (SQLite ignores the pragma inside a transaction, and a
 *   table rebuild would otherwise cascade deletes) and `PRAGMA foreign_key_check` must come back
 *   empty before the transaction commits.
 * - An applied migration whose file has since been edited stops the start (`migration_edited`):
 *   the database and the code would disagree about the schema.
 * - A database that holds migrations this build does not know was migrated by a newer DepotDesk
 *   and is refused (`schema_too_new`), before anything is written.
 */

export interface MigrationFile {
  idx: number;
  tag: string;
  hash: string;
  statements: string[];
}

interface Journal {
  entries: { idx: number; tag: string; when: number }[];
}

export function readMigrations(dir: string): MigrationFile[] {
  const journalPath = path.join(dir, 'meta', '_journal.json');
  if (!fs.existsSync(journalPath)) {
    throw new DepotError('internal', `migrations journal not found at ${journalPath}`, { file: journalPath });
  }
  const journal = JSON.parse(fs.readFileSync(journalPath, 'utf8')) as Journal;
  return journal.entries.map((e) => {
    const sql = fs.readFileSync(path.join(dir, `${e.tag}.sql`), 'utf8');
    return {
      idx: e.idx,
      tag: e.tag,
      hash: crypto.createHash('sha256').update(sql).digest('hex'),
      statements: sql
        .split('--> statement-breakpoint')
        .map((s) => s.trim())
        .filter((s) => s.length > 0),
    };
  });
}

export interface MigrationStatus {
  applied: number;
  known: number;
  latest: string | null;
}

const LEDGER_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  idx INTEGER PRIMARY KEY,
  tag TEXT NOT NULL,
  hash TEXT NOT NULL,
  applied_at INTEGER NOT NULL
)`;

function appliedMigrations(sqlite: Database.Database): { idx: number; tag: string; hash: string }[] {
  const exists = sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (!exists) return [];
  return sqlite.prepare<unknown[], { idx: number; tag: string; hash: string }>('SELECT idx, tag, hash FROM schema_migrations ORDER BY idx').all();
}

/** Compares the database with the files; throws before any write when they cannot be reconciled. */
export function checkMigrations(sqlite: Database.Database, files: MigrationFile[]): MigrationStatus {
  const applied = appliedMigrations(sqlite);
  for (const row of applied) {
    const file = files.find((f) => f.idx === row.idx);
    if (!file || file.tag !== row.tag) {
      throw new DepotError(
        'schema_too_new',
        `this database was migrated by a newer DepotDesk (it has migration ${row.tag}, this build knows ${files.length} migration(s), up to ${files.at(-1)?.tag ?? 'none'}); install the newer DepotDesk or open another data directory`,
        { migration: row.tag, known: files.length },
      );
    }
    if (file.hash !== row.hash) {
      throw new DepotError(
        'migration_edited',
        `migration ${row.tag} was edited after it was applied to this database; restore migrations/${row.tag}.sql or add a new migration instead`,
        { migration: row.tag },
      );
    }
  }
  return { applied: applied.length, known: files.length, latest: applied.at(-1)?.tag ?? null };
}

export function migrate(sqlite: Database.Database, dir: string, now: () => number = Date.now): MigrationStatus {
  const files = readMigrations(dir);
  const status = checkMigrations(sqlite, files);
  const pending = files.slice(status.applied);
  if (pending.length === 0) return status;

  sqlite.pragma('foreign_keys = OFF');
  try {
    for (const m of pending) {
      const apply = sqlite.transaction(() => {
        sqlite.exec(LEDGER_TABLE);
        for (const stmt of m.statements) sqlite.exec(stmt);
        const violations = sqlite.pragma('foreign_key_check') as unknown[];
        if (violations.length > 0) {
          throw new DepotError('integrity_failed', `migration ${m.tag} leaves ${violations.length} foreign-key violation(s)`, {
            migration: m.tag,
            violations: violations.slice(0, 20),
          });
        }
        sqlite.prepare('INSERT INTO schema_migrations (idx, tag, hash, applied_at) VALUES (?, ?, ?, ?)').run(m.idx, m.tag, m.hash, now());
      });
      apply.immediate();
    }
  } finally {
    sqlite.pragma('foreign_keys = ON');
  }
  return { applied: files.length, known: files.length, latest: files.at(-1)?.tag ?? null };
}
