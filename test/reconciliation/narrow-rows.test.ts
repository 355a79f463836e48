import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src-main/kernel/db/connection';
import { dayKey, dayText } from '../../src-main/reconciliation/day-key';
import { getStatement, importStatement } from '../../src-main/reconciliation';
import { statementDays } from '../../src-main/reconciliation/import';
import { REPO_ROOT, makeApp, tempDir } from '../helpers';
import { wechatBytes, wechatPayment } from './fixtures';

/**
 * Migration 0036 narrows recon_statement_rows (docs/performance.md, "The narrower statement row"):
 * a row names its statement by seq, its day is yyyyMMdd as an integer, its id is no longer
 * AUTOINCREMENT. A depot that imported statements before it keeps every row, id and break.
 * Migration 0037 then names each statement's rows by their id range (row_id_from..row_id_to) and
 * their days (day_from..day_to) and drops the rows' statement and day indexes; it refuses a depot
 * whose statements' rows are not contiguous.
 */

/**
 * A depot file migrated up to (not including) the migration `tag`, from a copy of the migrations
 * whose journal stops there; `migrateAll` puts the whole journal back, so that the next open
 * applies the rest.
 */
function depotBefore(tag: string): { dir: string; file: string; migrations: string; migrateAll(): void } {
  const dir = tempDir();
  const migrations = path.join(tempDir(), 'migrations');
  fs.cpSync(path.join(REPO_ROOT, 'migrations'), migrations, { recursive: true });
  const journalFile = path.join(migrations, 'meta', '_journal.json');
  const journal = JSON.parse(fs.readFileSync(journalFile, 'utf8')) as { entries: { tag: string }[] };
  const upTo = journal.entries.findIndex((e) => e.tag === tag);
  expect(upTo).toBeGreaterThan(0);
  fs.writeFileSync(journalFile, JSON.stringify({ ...journal, entries: journal.entries.slice(0, upTo) }));
  const file = path.join(dir, 'depotdesk.sqlite');
  openDatabase(file, { migrationsDir: migrations }).close();
  return { dir, file, migrations, migrateAll: () => fs.writeFileSync(journalFile, JSON.stringify(journal)) };
}

describe('dayKey and dayText', () => {
  it('carry a day to its integer and back, in calendar order; anything else is refused', () => {
    expect(dayKey('2026-03-01')).toBe(20260301);
    expect(dayText(20260301)).toBe('2026-03-01');
    for (const d of ['2025-12-31', '2026-01-01', '2026-02-28', '2028-02-29', '0999-01-09']) expect(dayText(dayKey(d))).toBe(d);
    expect(dayKey('2025-12-31')).toBeLessThan(dayKey('2026-01-01'));
    expect(() => dayKey('2026-3-1')).toThrow(/is not a day yyyy-MM-dd/);
  });
});

describe('migration 0036 on a depot with statements', () => {
  it('keeps every statement and row: seq in import order, ids and lines as they were, days as integers, the breaks pointing at the same rows', async () => {
    const { dir, file, migrateAll } = depotBefore('0036_recon_rows_narrow');

    // Two statements as the old schema kept them (imported the second one first in rowid order).
    const raw = new Database(file);
    const statement = raw.prepare(
      `INSERT INTO recon_statements (id, file_sha256, file_name, channel, layout, source, merchant_id, bill_dates, row_count, payment_count, refund_count,
         payment_total_fen, refund_total_fen, net_fen, fee_total_fen, details, imported_at, imported_by)
       VALUES (?, ?, ?, 'wechat', 'all', 'file', '1900000109', '["2026-03-01"]', ?, ?, 0, 0, 0, 0, 0, '{}', ?, NULL)`,
    );
    statement.run('S-LATER', 'b'.repeat(64), 'later.csv', 1, 1, 2_000);
    statement.run('S-FIRST', 'a'.repeat(64), 'first.csv', 3, 2, 1_000);
    const row = raw.prepare(
      `INSERT INTO recon_statement_rows (id, statement_id, line, channel, kind, trade_no, order_no, refund_no, amount_fen, fee_fen, at, day, status)
       VALUES (?, ?, ?, 'wechat', 'payment', ?, ?, '', ?, 6, ?, ?, 'SUCCESS')`,
    );
    row.run(7, 'S-FIRST', 2, 'T1', 'DD1', 1000, 1_000, '2026-02-28');
    row.run(8, 'S-FIRST', 3, 'T2', 'DD2', 2000, 2_000, '2026-03-01');
    row.run(12, 'S-LATER', 2, 'T3', 'DD3', 3000, 3_000, '2026-03-01');
    raw
      .prepare(
        `INSERT INTO recon_breaks (id, natural_key, kind, state, day, channel, order_number, trade_no, statement_row_id, gateway_fen, ours_fen, diff_fen, opened_at, updated_at)
         VALUES ('B1', 'long:T3', 'long', 'open', '2026-03-01', 'wechat', 'DD3', 'T3', 12, 3000, 0, 3000, 5, 5)`,
      )
      .run();
    raw.close();

    // The app opens it with every migration.
    migrateAll();
    const { app } = makeApp({ dir });
    expect(app.sqlite.prepare('SELECT id, seq FROM recon_statements ORDER BY seq').all()).toEqual([
      { id: 'S-FIRST', seq: 1 },
      { id: 'S-LATER', seq: 2 },
    ]);
    expect(app.sqlite.prepare('SELECT id, statement_seq AS seq, line, day, trade_no AS trade FROM recon_statement_rows ORDER BY id').all()).toEqual([
      { id: 7, seq: 1, line: 2, day: 20260228, trade: 'T1' },
      { id: 8, seq: 1, line: 3, day: 20260301, trade: 'T2' },
      { id: 12, seq: 2, line: 2, day: 20260301, trade: 'T3' },
    ]);
    expect(app.sqlite.prepare('SELECT r.trade_no AS trade FROM recon_breaks b JOIN recon_statement_rows r ON r.id = b.statement_row_id').all()).toEqual([
      { trade: 'T3' },
    ]);
    expect(statementDays(app, 'S-FIRST')).toEqual(['2026-02-28', '2026-03-01']);
    expect(getStatement(app, 'S-FIRST')).toMatchObject({ rowCount: 3, repeatedRows: 1 });
    // Migration 0037: each statement names its rows by their id range, read from the rows kept.
    const ranges = 'SELECT id, row_id_from AS "from", row_id_to AS "to", day_from AS dayFrom, day_to AS dayTo FROM recon_statements';
    expect(app.sqlite.prepare(`${ranges} ORDER BY seq`).all()).toEqual([
      { id: 'S-FIRST', from: 7, to: 8, dayFrom: 20260228, dayTo: 20260301 },
      { id: 'S-LATER', from: 12, to: 12, dayFrom: 20260301, dayTo: 20260301 },
    ]);
    // Neither the statement nor the day index is left on the rows.
    expect(app.sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'recon_statement_rows' ORDER BY name").pluck().all()).toEqual([
      'recon_statement_rows_fact',
      'recon_statement_rows_order',
      'recon_statement_rows_refund',
    ]);
    expect(getStatement(app, 'S-LATER')).toMatchObject({ rowCount: 1, repeatedRows: 0 });
    expect(statementDays(app, 'S-LATER')).toEqual(['2026-03-01']);
    expect(app.sqlite.pragma('foreign_key_check')).toEqual([]);
    // Still append-only, with the rebuilt tables' triggers.
    expect(() => app.sqlite.prepare('UPDATE recon_statement_rows SET amount_fen = 1').run()).toThrow(/append-only/);
    expect(() => app.sqlite.prepare('DELETE FROM recon_statements').run()).toThrow(/append-only/);

    // The next import takes seq 3, and its rows' ids follow the largest kept one.
    const next = await importStatement(
      app,
      wechatBytes({ kind: 'all', rows: [wechatPayment({ 交易时间: '2026-03-02 10:00:00', 商户订单号: 'DD4', 微信订单号: 'T4' })] }),
      'next.csv',
    );
    expect(next).toMatchObject({ imported: true, days: ['2026-03-02'] });
    expect(
      app.sqlite
        .prepare('SELECT s.seq, r.id, r.day FROM recon_statement_rows r JOIN recon_statements s ON s.seq = r.statement_seq WHERE s.id = ?')
        .all(next.statement.id),
    ).toEqual([{ seq: 3, id: 13, day: 20260302 }]);
    expect(app.sqlite.prepare(`${ranges} WHERE id = ?`).get(next.statement.id)).toEqual({ id: next.statement.id, from: 13, to: 13, dayFrom: 20260302, dayTo: 20260302 });
    // A file whose every row repeats a fact kept already: an empty range, every row counted as repeated.
    const repeat = await importStatement(
      app,
      wechatBytes({ kind: 'all', rows: [wechatPayment({ 交易时间: '2026-03-02 10:00:00', 商户订单号: 'DD4', 微信订单号: 'T4' })], bom: true }),
      'repeat.csv',
    );
    expect(repeat).toMatchObject({ imported: true, days: [], statement: { rowCount: 1, repeatedRows: 1 } });
    expect(app.sqlite.prepare('SELECT row_id_from AS "from", row_id_to AS "to" FROM recon_statements WHERE id = ?').get(repeat.statement.id)).toEqual({
      from: 14,
      to: 13,
    });
    expect(statementDays(app, repeat.statement.id)).toEqual([]);
  });
});

describe('migration 0037 on a depot whose statement rows are not contiguous', () => {
  it('stops with the check named, and the depot keeps its schema and rows as they were', () => {
    const { file, migrations, migrateAll } = depotBefore('0037_recon_rows_by_range');

    // Rows of two statements interleaved (no import writes this; a hand-edited file could).
    const raw = new Database(file);
    const statement = raw.prepare(
      `INSERT INTO recon_statements (id, seq, file_sha256, file_name, channel, layout, source, merchant_id, bill_dates, row_count, payment_count, refund_count,
         payment_total_fen, refund_total_fen, net_fen, fee_total_fen, details, imported_at, imported_by)
       VALUES (?, ?, ?, ?, 'wechat', 'all', 'file', '1900000109', '["2026-03-01"]', 2, 2, 0, 0, 0, 0, 0, '{}', ?, NULL)`,
    );
    statement.run('S-A', 1, 'a'.repeat(64), 'a.csv', 1_000);
    statement.run('S-B', 2, 'b'.repeat(64), 'b.csv', 2_000);
    const row = raw.prepare(
      `INSERT INTO recon_statement_rows (id, statement_seq, line, channel, kind, trade_no, order_no, refund_no, amount_fen, fee_fen, at, day, status)
       VALUES (?, ?, ?, 'wechat', 'payment', ?, ?, '', 100, 1, 1000, 20260301, 'SUCCESS')`,
    );
    row.run(1, 1, 2, 'T1', 'DD1');
    row.run(2, 2, 2, 'T2', 'DD2');
    row.run(3, 1, 3, 'T3', 'DD3');
    row.run(4, 2, 3, 'T4', 'DD4');
    raw.close();

    migrateAll();
    expect(() => openDatabase(file, { migrationsDir: migrations })).toThrow(/contiguous/);
    const after = new Database(file, { readonly: true });
    expect(after.prepare("SELECT count(*) AS n FROM pragma_table_info('recon_statements') WHERE name = 'row_id_from'").get()).toEqual({ n: 0 });
    expect(after.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name IN ('recon_statement_rows_statement', 'recon_statement_rows_day')").get()).toEqual({ n: 2 });
    expect(after.prepare('SELECT count(*) AS n FROM recon_statement_rows').get()).toEqual({ n: 4 });
    after.close();
  });
});
