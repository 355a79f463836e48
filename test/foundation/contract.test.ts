import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { method } from '../../src-main/kernel/method';
import { depot } from '../../src-main/modules';

const methods = depot.methods;
import { verifyAudit } from '../../src-main/operators';
import { addOperator, call, makeApp } from '../helpers';

describe('the contract dispatcher', () => {
  it('an unknown method is unknown_method, whatever was sent as its name', async () => {
    const { app } = makeApp();
    for (const name of ['nope.nothing', 42, null, '__proto__', 'constructor', 'toString']) {
      const r = await call(app, null, name as string);
      expect(r).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    }
  });

  it('a method that needs a login refuses an anonymous caller', async () => {
    const { app } = makeApp();
    const r = await call(app, null, 'operators.list');
    expect(r).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
  });

  it('a role that lacks the method gets forbidden, and the attempt is audited', async () => {
    const { app } = makeApp();
    const op = await addOperator(app, 'operator');
    const r = await call(app, op, 'operators.create', { name: 'mallory', role: 'admin', password: 'longenough' });
    expect(r).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const row = app.sqlite.prepare('SELECT method, result, operator_name FROM audit_log ORDER BY id DESC LIMIT 1').get();
    expect(row).toEqual({ method: 'operators.create', result: 'forbidden', operator_name: op.name });
    expect((app.sqlite.prepare("SELECT count(*) AS n FROM operators WHERE name = 'mallory'").get() as { n: number }).n).toBe(0);
  });

  it('invalid input is invalid_input naming every offending field', async () => {
    const { app } = makeApp();
    const admin = await addOperator(app, 'admin');
    const r = await call(app, admin, 'operators.create', { name: 'x', role: 'boss', password: 'short' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('invalid_input');
    const fields = (r.error.details as { issues: { field: string }[] }).issues.map((i) => i.field).sort();
    expect(fields).toEqual(['name', 'password', 'role']);
    expect(r.error.message).toMatch(/password: at least 8 characters/);
  });

  it('every registered method declares roles, a summary and zod schemas', () => {
    for (const [name, def] of Object.entries(methods)) {
      expect(name).toMatch(/^[a-z]+\.[a-zA-Z]+$/);
      expect(def.summary.length, name).toBeGreaterThan(5);
      expect(def.roles === 'public' || def.roles.length > 0, name).toBe(true);
      expect(typeof def.input.safeParse, name).toBe('function');
    }
    const publicOnes = Object.entries(methods)
      .filter(([, d]) => d.roles === 'public')
      .map(([n]) => n)
      .sort();
    expect(publicOnes).toEqual(['auth.login', 'auth.me', 'setup.createAdmin']);
  });
});

describe('a handler that misbehaves never throws across the boundary', () => {
  it('a crash becomes internal with a log reference; a bad output becomes internal too', async () => {
    const { app } = makeApp();
    const admin = await addOperator(app, 'admin');
    const registry = methods as Record<string, unknown>;
    registry['test.crash'] = method({
      summary: 'test only: throws',
      kind: 'command',
      roles: ['admin'],
      input: z.object({}),
      output: z.object({}),
      handler: () => {
        throw new TypeError('boom');
      },
    });
    registry['test.badOutput'] = method({
      summary: 'test only: returns the wrong shape',
      kind: 'query',
      roles: ['admin'],
      input: z.object({}),
      output: z.object({ n: z.number() }),
      handler: () => ({ n: 'not a number' }) as unknown as { n: number },
    });
    try {
      const crash = await call(app, admin, 'test.crash');
      expect(crash).toMatchObject({ ok: false, error: { code: 'internal' } });
      expect(crash.ok ? '' : crash.error.message).toMatch(/log reference/);
      const bad = await call(app, admin, 'test.badOutput');
      expect(bad).toMatchObject({ ok: false, error: { code: 'internal' } });
      expect(verifyAudit(app).ok).toBe(true);
    } finally {
      delete registry['test.crash'];
      delete registry['test.badOutput'];
    }
  });
});
