import { afterEach, describe, expect, it } from 'vitest';
import { isDepotError } from '../../src-main/kernel/errors';
import { importStatement, listStatements, runDay } from '../../src-main/reconciliation';
import { wechatBytes, wechatPayment, type WechatRow } from './fixtures';
import { DAY, dayAfter, endReconApp, paidOrder, reconApp, wechatRowOf, type ReconApp } from './scenario';

/**
 * Issue 18: a statement import never holds the operator's thread for its whole file. Its rows are
 * written a slice at a time under a claim (recon_imports), each slice a transaction of its own with
 * a yield between them; nothing reads the rows until the statement is kept, a refused file leaves
 * nothing, one import runs at a time, and the rows of an import whose process died are removed by
 * the next one (src-main/reconciliation/import.ts).
 */

let t: ReconApp | undefined;
afterEach(async () => {
  await endReconApp(t);
  t = undefined;
});

const by = (t: ReconApp) => ({ operatorId: t.finance.id });

/** `n` payments of trades that are not ours, on DAY. */
function strangers(n: number, from = 0): WechatRow[] {
  return Array.from({ length: n }, (_, i) =>
    wechatPayment({
      交易时间: '2026-03-01 09:15:00',
      微信订单号: `42000012342026030100${String(from + i).padStart(8, '0')}`,
      商户订单号: `DD2026030199${String(from + i).padStart(6, '0')}`,
    }),
  );
}

const count = (t: ReconApp, sql: string) => (t.app.sqlite.prepare(sql).pluck().get() as number) ?? 0;
const rowsKept = (t: ReconApp) => count(t, 'SELECT count(*) FROM recon_statement_rows');
const claims = (t: ReconApp) => count(t, 'SELECT count(*) FROM recon_imports');

/** Runs `look` between the import's slices (each setImmediate turn) until the import settles; returns what it saw. */
async function watchImport<T>(run: Promise<unknown>, look: () => T | undefined): Promise<T[]> {
  const seen: T[] = [];
  let settled = false;
  const done = run.finally(() => (settled = true));
  const tick = () => {
    if (settled) return;
    const v = look();
    if (v !== undefined) seen.push(v);
    setImmediate(tick);
  };
  setImmediate(tick);
  await done;
  return seen;
}

describe('a statement is imported a slice at a time', () => {
  it('between slices the operator is answered and can write; the rows already written are matched against by no one until the statement is kept', async () => {
    t = await reconApp();
    const ours = await paidOrder(t.app, 10000);
    dayAfter(t, 1);
    // Our payment is the bill's first row: written by the first slice, long before the last.
    const bytes = wechatBytes({ kind: 'all', rows: [wechatRowOf(ours), ...strangers(3000)] });
    const app = t.app;
    const midway = await watchImport(importStatement(app, bytes, 'wechat-20260301.csv', { budgetMs: 1 }, by(t)), () => {
      if (claims(t!) === 0 || rowsKept(t!) === 0) return undefined;
      // A write of the operator's between two slices: the day's run commits while the import is under way.
      const run = runDay(app, DAY);
      const ourRow = count(t!, `SELECT count(*) FROM recon_statement_rows WHERE order_no = '${ours.number}'`);
      return { rows: rowsKept(t!), ourRow, statements: listStatements(app).length, pending: run.figures.pendingCount, matched: run.figures.matchedPayments };
    });
    // Many slices: the watcher ran between them, each time seeing more rows and no statement.
    expect(midway.length).toBeGreaterThan(5);
    expect(midway.every((m) => m.statements === 0 && m.ourRow === 1 && m.matched === 0)).toBe(true);
    // Our paid order is short (no statement shows it) while its row is written but not kept.
    expect(midway.every((m) => m.pending === 1)).toBe(true);
    expect(midway[0].rows).toBeLessThan(midway.at(-1)!.rows);
    expect(claims(t)).toBe(0);
    expect(rowsKept(t)).toBe(3001);
    const after = runDay(t.app, DAY);
    expect(after.figures.matchedPayments).toBe(1);
    // The 3,000 strangers are 长款 waiting for their window.
    expect(after.figures.pendingCount).toBe(3000);
  });

  it('a file refused at its summary after many slices leaves no row, no claim and no statement', async () => {
    t = await reconApp();
    const bad = wechatBytes({ kind: 'all', rows: strangers(2000), summary: { 申请退款总金额: '0.01' } });
    let slicesSeen = 0;
    const run = importStatement(t.app, bad, 'wrong-last.csv', { budgetMs: 1 }, by(t));
    const seen = await watchImport(
      run.catch((e: unknown) => e),
      () => (rowsKept(t!) > 0 ? ++slicesSeen : undefined),
    );
    expect(seen.length).toBeGreaterThan(1);
    const e = await run.catch((x: unknown) => x);
    expect(isDepotError(e) && e.details).toMatchObject({ reason: 'summary_mismatch', label: '申请退款总金额' });
    expect({ rows: rowsKept(t), claims: claims(t), statements: listStatements(t.app).length }).toEqual({ rows: 0, claims: 0, statements: 0 });
    // The same rows in a good file import whole afterwards.
    const good = await importStatement(t.app, wechatBytes({ kind: 'all', rows: strangers(2000) }), 'good.csv', {}, by(t));
    expect(good.statement).toMatchObject({ rowCount: 2000, repeatedRows: 0 });
  });

  it('one import at a time: a second file, or the same one again, is refused while the first runs, naming the file', async () => {
    t = await reconApp();
    const first = wechatBytes({ kind: 'all', rows: strangers(2000) });
    const second = wechatBytes({ kind: 'all', rows: strangers(10, 5000) });
    const running = importStatement(t.app, first, 'first.csv', { budgetMs: 1 }, by(t));
    let tried = false;
    const refusals = await watchImport(running, () => {
      if (tried || claims(t!) === 0) return undefined;
      tried = true;
      return Promise.all([
        importStatement(t!.app, second, 'second.csv', {}, by(t!)).catch((e: unknown) => e),
        importStatement(t!.app, first, 'first-again.csv', {}, by(t!)).catch((e: unknown) => e),
      ]);
    });
    const [other, same] = await refusals[0];
    expect(isDepotError(other) && other.code).toBe('conflict');
    expect((other as Error).message).toContain('another statement (first.csv) is being imported');
    expect(isDepotError(same) && same.code).toBe('conflict');
    expect((same as Error).message).toContain('this file is being imported');
    expect((await running).imported).toBe(true);
    expect((await importStatement(t.app, second, 'second.csv', {}, by(t))).imported).toBe(true);
    expect(
      listStatements(t.app)
        .map((s) => s.fileName)
        .sort(),
    ).toEqual(['first.csv', 'second.csv']);
  });

  it('the rows of an import whose process died are removed by the next import; a kept statement’s rows can never be deleted', async () => {
    t = await reconApp();
    const kept = await importStatement(t.app, wechatBytes({ kind: 'all', rows: strangers(5, 9000) }), 'kept.csv', {}, by(t));
    // What a process killed mid-import leaves: its claim (a pid that no longer runs) and some rows.
    const db = t.app.sqlite;
    db.prepare(
      "INSERT INTO recon_imports (id, seq, file_sha256, file_name, row_id_from, started_at, pid, host) VALUES ('01DEAD', 2, 'ab', 'dead.csv', 6, 0, 2147483646, ?)",
    ).run((await import('node:os')).hostname());
    db.pragma('foreign_keys = OFF');
    const orphan = db.prepare(
      "INSERT INTO recon_statement_rows (statement_seq, line, channel, kind, trade_no, order_no, refund_no, amount_fen, fee_fen, at, day, status) VALUES (2, ?, 'wechat', 'payment', ?, 'X', '', 1, 0, 0, 20260301, 'SUCCESS')",
    );
    for (let i = 0; i < 3; i++) orphan.run(i + 2, `dead-${i}`);
    db.pragma('foreign_keys = ON');
    expect(rowsKept(t)).toBe(8);
    expect(() => db.prepare('DELETE FROM recon_statement_rows WHERE id = 1').run()).toThrow(/append-only/);
    const next = await importStatement(t.app, wechatBytes({ kind: 'all', rows: strangers(4, 9100) }), 'next.csv', {}, by(t));
    expect(next.imported).toBe(true);
    expect(claims(t)).toBe(0);
    expect(count(t, "SELECT count(*) FROM recon_statement_rows WHERE trade_no LIKE 'dead-%'")).toBe(0);
    expect(next.statement).toMatchObject({ rowCount: 4, repeatedRows: 0 });
    expect(rowsKept(t)).toBe(9);
    expect(db.pragma('foreign_key_check(recon_statement_rows)')).toEqual([]);
    expect(kept.statement.rowCount).toBe(5);
  });
});
