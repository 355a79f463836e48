import { describe, expect, it } from 'vitest';
import { verifyAudit } from '../../src-main/operators';
import { addOperator, call, makeApp, ok } from '../helpers';

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
    expect(verifyAudit(app)).toEqual({ ok: true, rows: 4, broken: null });
    // Whoever tampers must first drop the trigger; the chain still catches them.
    app.sqlite.exec('DROP TRIGGER audit_log_no_update');
    app.sqlite.prepare("UPDATE audit_log SET input_summary = '{}' WHERE id = 3").run();
    expect(verifyAudit(app)).toMatchObject({ ok: false, broken: { id: 3, reason: expect.stringMatching(/edited/) } });
  });

  it('a deleted row is found as a gap', async () => {
    const { app } = makeApp();
    const admin = await addOperator(app, 'admin');
    for (const name of ['aa', 'bb', 'cc']) {
      await ok(app, admin, 'operators.create', { name, role: 'operator', password: 'longenough' });
    }
    app.sqlite.exec('DROP TRIGGER audit_log_no_delete');
    app.sqlite.prepare('DELETE FROM audit_log WHERE id = 2').run();
    expect(verifyAudit(app)).toMatchObject({ ok: false, broken: { id: 3, reason: 'row 2 is missing before row 3' } });
  });
});
