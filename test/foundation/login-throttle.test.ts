import { describe, expect, it } from 'vitest';
import { listAlerts } from '../../src-main/alerts';
import { addOperator, call, makeApp } from '../helpers';

/**
 * Guessing a password is slow (issue 19, defect 6): the probe that sent 20 wrong admin passwords in
 * 21 s and then signed in with the right one. addOperator's password is 'correct-horse'.
 */
describe('sign-in throttling', () => {
  it('after 5 wrong passwords the right one waits too, 30 s then doubling; a success resets the count; an alert names the operator', async () => {
    const { app, clock } = makeApp();
    await addOperator(app, 'admin', 'root');
    const login = (password: string, name = 'root') => call(app, null, 'auth.login', { name, password });
    for (let i = 0; i < 5; i += 1) expect(await login(`guess-${i}`)).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });

    const refused = await login('correct-horse');
    expect(refused).toMatchObject({ ok: false, error: { code: 'rate_limited', message: 'too many wrong passwords for root: try again in 30 s' } });
    clock.advance(29_000);
    expect(await login('correct-horse')).toMatchObject({ ok: false, error: { code: 'rate_limited', message: expect.stringContaining('1 s') } });

    // After the wait, one more wrong guess doubles it.
    clock.advance(1_000);
    expect(await login('guess-6')).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
    expect(await login('correct-horse')).toMatchObject({ ok: false, error: { code: 'rate_limited', message: expect.stringContaining('60 s') } });
    clock.advance(60_000);
    expect(await login('correct-horse')).toMatchObject({ ok: true });

    // The success reset the count: five more free guesses.
    for (let i = 0; i < 4; i += 1) await login(`again-${i}`);
    expect(await login('correct-horse')).toMatchObject({ ok: true });

    const alerts = listAlerts(app, { limit: 10, offset: 0 }).items.filter((a) => a.code === 'auth.throttled');
    expect(alerts).toHaveLength(1);
    expect(alerts[0].message).toMatch(/wrong passwords in a row for operator root/);
    // Every refusal is in the audit log with its result.
    const results = app.sqlite.prepare("SELECT result FROM audit_log WHERE method = 'auth.login'").pluck().all();
    expect(results.filter((r) => r === 'rate_limited')).toHaveLength(3);
  });

  it('an unknown name gets the same answers, so the refusal does not tell which names exist', async () => {
    const { app } = makeApp();
    const answers = [];
    for (let i = 0; i < 6; i += 1) answers.push(await call(app, null, 'auth.login', { name: 'nobody', password: `guess-${i}` }));
    expect(answers.slice(0, 5).every((a) => !a.ok && a.error.code === 'unauthenticated')).toBe(true);
    expect(answers[5]).toMatchObject({ ok: false, error: { code: 'rate_limited', message: 'too many wrong passwords for nobody: try again in 30 s' } });
  });
});
