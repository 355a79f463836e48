import type { AppContext } from '../kernel/context';
import type { DoctorCheck } from '../kernel/plugins';
import { defaultMigrationsDir } from '../kernel/db/connection';
import { readMigrations } from '../kernel/db/migrate';

/**
 * The protective triggers (append-only ledger, audit log, tariffs, statements; fixed identities)
 * are the database's own refusal to be edited. Someone with the file can drop one, change the
 * books and put nothing back, or put back a trigger that refuses nothing (issue 19: doctor did not
 * notice a dropped `audit_log_no_update`). This check compares every trigger the applied
 * migrations created with the database's, by name and by text (comments and spacing aside).
 */
function normalize(sql: string): string {
  return sql
    .replace(/--[^\n]*/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/;$/, '')
    .trim();
}

/** Each trigger the applied migrations leave in place, by name, with its CREATE text. */
export function expectedTriggers(applied: number, dir = defaultMigrationsDir()): Map<string, string> {
  const triggers = new Map<string, string>();
  for (const m of readMigrations(dir).slice(0, applied)) {
    for (const statement of m.statements) {
      const dropped = /DROP TRIGGER\s+(?:IF EXISTS\s+)?[`"]?(\w+)[`"]?/i.exec(statement);
      if (dropped) triggers.delete(dropped[1]);
      for (const part of statement.split(/(?=CREATE TRIGGER)/i).filter((p) => /^CREATE TRIGGER/i.test(p))) {
        const name = /^CREATE TRIGGER\s+(?:IF NOT EXISTS\s+)?[`"]?(\w+)[`"]?/i.exec(part)?.[1];
        if (name) triggers.set(name, normalize(part));
      }
    }
  }
  return triggers;
}

export function triggersCheck(app: AppContext): DoctorCheck {
  const expected = expectedTriggers(app.migrations.applied);
  const present = new Map(
    app.sqlite
      .prepare<unknown[], { name: string; sql: string }>("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
      .all()
      .map((t) => [t.name, normalize(t.sql)]),
  );
  const missing = [...expected.keys()].filter((n) => !present.has(n));
  const altered = [...expected].filter(([n, sql]) => present.has(n) && present.get(n) !== sql).map(([n]) => n);
  const ok = missing.length === 0 && altered.length === 0;
  const problems = [...(missing.length ? [`missing: ${missing.join(', ')}`] : []), ...(altered.length ? [`changed: ${altered.join(', ')}`] : [])];
  return {
    name: 'protective_triggers',
    ok,
    detail: ok
      ? `all ${expected.size} protective triggers in place as the migrations made them`
      : `${problems.join('; ')} — someone with the database file removed or replaced the books' protection: run ledger verify and audit verify, and restore the last good backup`,
  };
}
