import type { AppContext } from '../kernel/context';
import { normalizeName } from './service';

/**
 * Reads other domains make of the operator accounts: a name next to an id in their own rows, an
 * account by name (the demo). This domain owns the table; nothing else names it in SQL.
 */

type Db = Pick<AppContext, 'sqlite'>;

/** The id of the operator with this login name, if there is one. */
export function operatorIdByName(app: Db, name: string): string | null {
  return app.sqlite.prepare<unknown[], string>('SELECT id FROM operators WHERE name = ?').pluck().get(normalizeName(name)) ?? null;
}

/**
 * The name people know each of these operators by (that exists): the display name (张伟), the
 * login name only where none was given. Screens, statements and exports show it (issue 16).
 */
export function operatorNames(app: Db, operatorIds: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  if (operatorIds.length === 0) return out;
  const rows = app.sqlite
    .prepare<unknown[], [string, string]>("SELECT id, coalesce(nullif(display_name, ''), name) FROM operators WHERE id IN (SELECT value FROM json_each(?))")
    .raw()
    .all(JSON.stringify(operatorIds));
  for (const [id, name] of rows) out.set(id, name);
  return out;
}

export interface AuditEntry {
  id: number;
  at: number;
  operatorName: string | null;
  transport: string;
  method: string;
  inputSummary: string;
  result: string;
}

/** The audit log, newest first, a page at a time by id (what an export of the Audit page writes). */
export function* iterateAudit(app: Db, opts: { from?: number; to?: number } = {}, pageSize = 1000): Generator<AuditEntry> {
  let before = Number.MAX_SAFE_INTEGER;
  for (;;) {
    const page = app.sqlite
      .prepare<unknown[], AuditEntry>(
        `SELECT id, at, operator_name AS operatorName, transport, method, input_summary AS inputSummary, result
         FROM audit_log WHERE id < ? AND at >= ? AND at < ? ORDER BY id DESC LIMIT ?`,
      )
      .all(before, opts.from ?? 0, opts.to ?? Number.MAX_SAFE_INTEGER, pageSize);
    yield* page;
    if (page.length < pageSize) return;
    before = page[page.length - 1].id;
  }
}
