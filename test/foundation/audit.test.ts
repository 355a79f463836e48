import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyAudit } from '../../src-main/operators';
import { rowHash } from '../../src-main/operators/audit';
import type { AppContext } from '../../src-main/kernel/context';
import { runDoctor } from '../../src-main/system';
import { depot } from '../../src-main/modules';
import { addOperator, call, makeApp, ok } from '../helpers';

type Row = { id: number; at: number; operatorId: string | null; operatorName: string | null; transport: string; method: string; inputSummary: string; result: string };

/** What someone with the file and no key does: edits row `id` and recomputes the unkeyed SHA-256 chain from there on. */
function editAndRechain(app: AppContext, id: number, inputSummary: string): void {
  const db = app.sqlite;
  db.exec('DROP TRIGGER IF EXISTS audit_log_no_update');
  const rows = db
    .prepare(
      `SELECT id, at, operator_id AS operatorId, operator_name AS operatorName, transport, method, input_summary AS inputSummary, result
       FROM audit_log WHERE id >= ? ORDER BY id`,
    )
    .all(id) as Row[];
  let prev = id === 1 ? '0'.repeat(64) : (db.prepare('SELECT hash FROM audit_log WHERE id = ?').get(id - 1) as { hash: string }).hash;
  for (const r of rows) {
    const row = r.id === id ? { ...r, inputSummary } : r;
    const hash = rowHash(prev, row);
    db.prepare('UPDATE audit_log SET input_summary = ?, prev_hash = ?, hash = ? WHERE id = ?').run(row.inputSummary, prev, hash, r.id);
    prev = hash;
  }
}

async function auditedDepot(rows: number) {
  const t = makeApp();
  const admin = await addOperator(t.app, 'admin');
  for (let i = 0; i < rows; i += 1) await ok(t.app, admin, 'operators.create', { name: `op${i}x`, role: 'operator', password: 'longenough' });
  return { ...t, admin };
}

describe('the audit log', () => {
  it('every command appends who, when, what and the result, with secrets removed', async () => {
    const { app, clock } = makeApp();
    const admin = await addOperator(app, 'admin', 'root');
    clock.advance(1000);
    await ok(app, admin, 'operators.create', { name: 'zhang', role: 'operator', password: 'secret-pass-1' });
    const row = app.sqlite.prepare('SELECT * FROM audit_log ORDER BY id DESC LIMIT 1').get() as Record<string, unknown>;
    expect(row).toMatchObject({ operator_name: 'root', method: 'operators.create', result: 'ok', at: clock.now(), transport: 'test' });
    expect(row.input_summary).toContain('"password":"***"');
    expect(row.input_summary).not.toContain('secret-pass-1');
  });

  it('the list names each operator by display name beside the login the row recorded; a refused sign-in has neither', async () => {
    const { app } = makeApp();
    const admin = await addOperator(app, 'admin', 'root');
    await ok(app, admin, 'operators.create', { name: 'zhangwei', displayName: '张伟', role: 'admin', password: 'secret-pass-1' });
    await call(app, null, 'auth.login', { name: 'zhangwei', password: 'wrong-password' });
    const zhang = await ok<{ operator: { id: string; name: string; displayName: string; role: 'admin' } }>(app, null, 'auth.login', {
      name: 'zhangwei',
      password: 'secret-pass-1',
    });
    await ok(app, zhang.operator, 'operators.create', { name: 'lina', displayName: '李娜', role: 'operator', password: 'secret-pass-2' });
    const rows = await ok<{ operatorName: string | null; operatorDisplayName: string | null; method: string; result: string }[]>(app, admin, 'audit.list', {});
    expect(rows.map((r) => [r.method, r.operatorName, r.operatorDisplayName, r.result])).toEqual([
      ['operators.create', 'zhangwei', '张伟', 'ok'],
      ['auth.login', 'zhangwei', '张伟', 'ok'],
      ['auth.login', null, null, 'unauthenticated'],
      ['operators.create', 'root', admin.displayName, 'ok'],
    ]);
  });

  it('queries are not actions and leave no row', async () => {
    const { app } = makeApp();
    const admin = await addOperator(app, 'admin');
    await ok(app, admin, 'operators.list');
    await ok(app, admin, 'system.about');
    expect((app.sqlite.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number }).n).toBe(0);
  });

  it('a failed login is audited with its result', async () => {
    const { app } = makeApp();
    await addOperator(app, 'admin', 'root');
    const r = await call(app, null, 'auth.login', { name: 'root', password: 'wrong-one' });
    expect(r).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
    const row = app.sqlite.prepare('SELECT method, result, input_summary FROM audit_log').get() as Record<string, string>;
    expect(row).toMatchObject({ method: 'auth.login', result: 'unauthenticated' });
    expect(row.input_summary).not.toContain('wrong-one');
  });

  it('UPDATE and DELETE of audit rows are refused', async () => {
    const { app } = makeApp();
    const admin = await addOperator(app, 'admin');
    await ok(app, admin, 'operators.create', { name: 'li', role: 'finance', password: 'longenough' });
    expect(() => app.sqlite.prepare("UPDATE audit_log SET method = 'x'").run()).toThrowError(/append-only/);
    expect(() => app.sqlite.prepare('DELETE FROM audit_log').run()).toThrowError(/append-only/);
  });

  it('an edited row breaks the chain at that row, and verify names it', async () => {
    const { app } = makeApp();
    const admin = await addOperator(app, 'admin');
    for (const name of ['aa', 'bb', 'cc', 'dd']) {
      await ok(app, admin, 'operators.create', { name, role: 'operator', password: 'longenough' });
    }
    expect(verifyAudit(app)).toMatchObject({ ok: true, rows: 4, broken: null });
    // Whoever tampers must first drop the trigger; the chain still catches them.
    app.sqlite.exec('DROP TRIGGER audit_log_no_update');
    app.sqlite.prepare("UPDATE audit_log SET input_summary = '{}' WHERE id = 3").run();
    expect(verifyAudit(app)).toMatchObject({ ok: false, broken: { id: 3, reason: expect.stringMatching(/edited/), code: 'hash_mismatch', params: {} } });
    // The screen gets the same verdict through the contract, its code and params beside the English reason.
    expect(await ok(app, admin, 'audit.verify', {})).toMatchObject({ ok: false, broken: { id: 3, code: 'hash_mismatch' }, checkpoints: { forgedLines: [] } });
  });

  it('a deleted row is found as a gap', async () => {
    const { app } = makeApp();
    const admin = await addOperator(app, 'admin');
    for (const name of ['aa', 'bb', 'cc']) {
      await ok(app, admin, 'operators.create', { name, role: 'operator', password: 'longenough' });
    }
    app.sqlite.exec('DROP TRIGGER audit_log_no_delete');
    app.sqlite.prepare('DELETE FROM audit_log WHERE id = 2').run();
    expect(verifyAudit(app)).toMatchObject({ ok: false, broken: { id: 3, reason: 'row 2 is missing before row 3', code: 'row_missing', params: { missing: 2 } } });
  });

  it('an edited row whose SHA-256 chain was recomputed still breaks the keyed chain at that row', async () => {
    const { app } = await auditedDepot(5);
    editAndRechain(app, 3, '{"name":"nobody"}');
    expect(verifyAudit(app)).toMatchObject({ ok: false, broken: { id: 3, reason: expect.stringMatching(/edited or inserted by hand/), code: 'mac_mismatch' } });
  });

  it('the last rows removed show against the checkpoint each backup records, beside the database and beside the copy', async () => {
    const { app, admin } = await auditedDepot(3);
    const backup = await ok<{ file: string }>(app, admin, 'system.backup');
    const sidecar = `${backup.file}.checkpoint.json`;
    expect(fs.statSync(sidecar).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(sidecar, 'utf8'))).toMatchObject({ audit: { id: 3 }, sig: expect.stringMatching(/^[0-9a-f]{64}$/) });
    // The backup itself is audited (row 4); removing rows 3 and 4 leaves a chain valid on its own.
    app.sqlite.exec('DROP TRIGGER audit_log_no_delete');
    app.sqlite.prepare('DELETE FROM audit_log WHERE id >= 3').run();
    expect(verifyAudit(app)).toMatchObject({
      ok: false,
      broken: { id: 2, reason: expect.stringMatching(/recorded 3: the last rows were removed/), code: 'tail_removed', params: { end: 2, recorded: 3, line: 1 } },
    });
    // Someone who also empties the checkpoint file beside the database: the copy's checkpoint still holds them.
    fs.rmSync(path.join(path.dirname(app.paths.dbFile), 'chain-checkpoints.jsonl'));
    expect(verifyAudit(app).ok).toBe(true);
    fs.copyFileSync(sidecar, path.join(path.dirname(app.paths.dbFile), 'chain-checkpoints.jsonl'));
    expect(verifyAudit(app).ok).toBe(false);
  });

  it('without its key file the log is reported, not re-keyed, and doctor says so', async () => {
    const { app, admin } = await auditedDepot(2);
    const keyFile = path.join(path.dirname(app.paths.dbFile), 'chain-key');
    fs.rmSync(keyFile);
    expect(verifyAudit(app)).toMatchObject({
      ok: false,
      key: { state: 'missing' },
      broken: { reason: expect.stringContaining(keyFile), code: 'key_missing', params: { file: keyFile } },
    });
    const doctor = await runDoctor(app, depot.doctorChecks);
    expect(doctor.checks.find((c) => c.name === 'audit_chain')).toMatchObject({ ok: false, detail: expect.stringMatching(/chain key .* is missing/) });
    expect(doctor.checks.find((c) => c.name === 'ledger')).toMatchObject({ ok: false });
    expect(fs.existsSync(keyFile)).toBe(false);
    void admin;
  });
});
