import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src-main/kernel/db/connection';
import { readMigrations } from '../../src-main/kernel/db/migrate';
import { REPO_ROOT, tempDir } from '../helpers';

const MIGRATIONS = path.join(REPO_ROOT, 'migrations');

function copyMigrations(): string {
  const dir = path.join(tempDir(), 'migrations');
  fs.cpSync(MIGRATIONS, dir, { recursive: true });
  return dir;
}

describe('the database at start', () => {
  it('a fresh file gets every migration, with the money pragmas on', () => {
    const file = path.join(tempDir(), 'db.sqlite');
    const opened = openDatabase(file);
    try {
      expect(opened.migrations.applied).toBe(readMigrations(MIGRATIONS).length);
      expect(opened.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(opened.sqlite.pragma('synchronous', { simple: true })).toBe(2); // FULL
      expect(opened.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(opened.sqlite.pragma('busy_timeout', { simple: true })).toBe(5000);
    } finally {
      opened.close();
    }
  });

  it('reopening applies nothing twice', () => {
    const file = path.join(tempDir(), 'db.sqlite');
    openDatabase(file).close();
    const again = openDatabase(file);
    try {
      const rows = again.sqlite.prepare('SELECT count(*) AS n FROM schema_migrations').get() as { n: number };
      expect(rows.n).toBe(readMigrations(MIGRATIONS).length);
    } finally {
      again.close();
    }
  });

  it('a database migrated by a newer DepotDesk is refused before anything is written', () => {
    const file = path.join(tempDir(), 'db.sqlite');
    openDatabase(file).close();
    const raw = new Database(file);
    raw.prepare("INSERT INTO schema_migrations (idx, tag, hash, applied_at) VALUES (999, '0999_from_the_future', 'x', 0)").run();
    raw.close();
    const before = fs.readFileSync(file);
    expect(() => openDatabase(file)).toThrowError(/newer DepotDesk.*0999_from_the_future/);
    try {
      openDatabase(file);
    } catch (e) {
      expect((e as { code: string }).code).toBe('schema_too_new');
    }
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  it('an applied migration whose file was edited stops the start', () => {
    const dir = copyMigrations();
    const file = path.join(tempDir(), 'db.sqlite');
    openDatabase(file, { migrationsDir: dir }).close();
    const first = readMigrations(dir)[0];
    fs.appendFileSync(path.join(dir, `${first.tag}.sql`), '\n-- an innocent-looking edit\n');
    expect(() => openDatabase(file, { migrationsDir: dir })).toThrowError(new RegExp(`migration ${first.tag} was edited`));
  });

  it('a migration that leaves a foreign-key violation is rolled back whole', () => {
    const dir = copyMigrations();
    const file = path.join(tempDir(), 'db.sqlite');
    openDatabase(file, { migrationsDir: dir }).close();
    const journalFile = path.join(dir, 'meta', '_journal.json');
    const journal = JSON.parse(fs.readFileSync(journalFile, 'utf8'));
    const idx = journal.entries.length;
    const tag = `${String(idx).padStart(4, '0')}_bad_fk`;
    journal.entries.push({ idx, version: '6', when: Date.now(), tag, breakpoints: true });
    fs.writeFileSync(journalFile, JSON.stringify(journal));
    fs.writeFileSync(
      path.join(dir, `${tag}.sql`),
      [
        'CREATE TABLE parent_t (id INTEGER PRIMARY KEY);',
        '--> statement-breakpoint',
        'CREATE TABLE child_t (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent_t(id));',
        '--> statement-breakpoint',
        'INSERT INTO child_t (id, parent_id) VALUES (1, 42);',
      ].join('\n'),
    );
    expect(() => openDatabase(file, { migrationsDir: dir })).toThrowError(/foreign-key violation/);
    const raw = new Database(file);
    try {
      expect(raw.prepare("SELECT name FROM sqlite_master WHERE name IN ('parent_t','child_t')").all()).toEqual([]);
      expect(raw.prepare('SELECT count(*) AS n FROM schema_migrations WHERE tag = ?').get(tag)).toEqual({ n: 0 });
    } finally {
      raw.close();
    }
  });
});
