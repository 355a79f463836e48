import { describe, expect, it } from 'vitest';
import { acknowledgeAlert, raiseAlert, type Alert } from '../../src-main/alerts';
import { addOperator, call, makeApp, ok } from '../helpers';

/** The alert history is searchable (alerts.list: search, level, from/to on raisedAt); the search reads the alerts' words in both languages too (alerts.words, migration 0038). */

async function depotWithHistory() {
  const t = makeApp(); // 2026-01-15T01:00Z
  const { app, clock } = t;
  const raise = (code: string, level: Alert['level'], subject: string, message: string) => {
    const { alert } = raiseAlert(app, { code, level, subject, message });
    clock.advance(3_600_000);
    return alert;
  };
  const a = raise('job_failing', 'urgent', 'job_failing:payments.timeout', 'payments.timeout jobs have failed 3 times in a row');
  const b = raise('auth.throttled', 'warning', 'auth.throttled:li_na', '5 wrong passwords in a row for operator li_na');
  const c = raise('session.stuck', 'warning', 'session.stuck:S-100%', 'session S-100% is stuck at 100% on CP-07');
  const d = raise('inbox.parked', 'info', 'inbox.parked', 'charger records wait for an operator');
  acknowledgeAlert(app, b.id, 'boss');
  const viewer = await addOperator(app, 'operator');
  const list = async (params: Record<string, unknown>) =>
    (await ok<{ total: number; items: Alert[] }>(app, viewer, 'alerts.list', { all: true, ...params })).items.map((x) => x.id);
  return { ...t, viewer, a, b, c, d, list };
}

describe('searching the alert history', () => {
  it('search matches the code, the message or the subject, ignoring ASCII case, over open and closed alerts', async () => {
    const { a, b, c, list } = await depotWithHistory();
    expect(await list({ search: 'JOB_FAILING' })).toEqual([a.id]); // code
    expect(await list({ search: 'li_na' })).toEqual([b.id]); // subject and message; acknowledged, still found with all
    expect(await list({ search: 'cp-07' })).toEqual([c.id]); // message only
    expect(await list({ search: 'li_na', open: true, all: false })).toEqual([]); // the open list leaves the acknowledged one out
  });

  it('search finds an alert by the words the screens show it in, in either language, not only by the core’s English record', async () => {
    const { app, a, list } = await depotWithHistory();
    const { alert } = raiseAlert(app, {
      code: 'risk.charger_maintenance',
      level: 'warning',
      subject: 'risk.charger_maintenance:SIM-002',
      message: 'Charger SIM-002 was put in maintenance: 74 failed starts within 24 h (≥ 5)',
      details: { chargerId: 'SIM-002', rule: 'charger.failed_starts', count: 74, min: 5, hours: 24 },
    });
    expect(await list({ search: '维护' })).toEqual([alert.id]); // 充电桩 SIM-002 已自动转入维护：24 小时内启动失败 74 次
    expect(await list({ search: '启动失败 74 次' })).toEqual([alert.id]);
    expect(await list({ search: 'rule threshold 5' })).toEqual([alert.id]); // the English screen's sentence
    // An alert without words of its own (no params the screens know) is found by its record as before.
    expect(await list({ search: 'have failed 3 times' })).toEqual([a.id]);
  });

  it('% and _ in the search are the characters themselves, not wildcards', async () => {
    const { a, b, c, list } = await depotWithHistory();
    expect(await list({ search: '100%' })).toEqual([c.id]);
    expect(await list({ search: '%' })).toEqual([c.id]);
    expect(await list({ search: 'li_' })).toEqual([b.id]); // as a wildcard it would match job_fai-li-ng too
    expect(await list({ search: '_' })).toEqual([b.id, a.id]); // li_na, job_failing: the only underscores
  });

  it('level and raisedAt from (included) / to (excluded) narrow it, and combine with search; total counts the matches', async () => {
    const { app, viewer, a, b, c, d, list } = await depotWithHistory();
    expect(await list({ level: 'warning' })).toEqual([c.id, b.id]);
    expect(await list({ level: 'info' })).toEqual([d.id]);
    expect(await list({ from: b.raisedAt })).toEqual([d.id, c.id, b.id]);
    expect(await list({ to: b.raisedAt })).toEqual([a.id]);
    expect(await list({ from: b.raisedAt, to: d.raisedAt })).toEqual([c.id, b.id]);
    expect(await list({ from: b.raisedAt, to: d.raisedAt, level: 'warning', search: 'stuck' })).toEqual([c.id]);
    const page = await ok<{ total: number; items: Alert[] }>(app, viewer, 'alerts.list', { all: true, level: 'warning', limit: 1 });
    expect(page).toMatchObject({ total: 2, items: [{ id: c.id }] });
  });

  it("the banner's order puts the most severe open alert first, however new the others are; newest within a level", async () => {
    const { app, viewer, a, c, d } = await depotWithHistory();
    const open = async (order?: string) => (await ok<{ total: number; items: Alert[] }>(app, viewer, 'alerts.list', order ? { order } : {})).items.map((x) => x.id);
    // Open: a (urgent, oldest), c (warning), d (info, newest); b was acknowledged.
    expect(await open()).toEqual([d.id, c.id, a.id]);
    expect(await open('severity')).toEqual([a.id, c.id, d.id]);
    const e = raiseAlert(app, { code: 'session.stuck', level: 'warning', subject: 'session.stuck:S-200', message: 'session S-200 is stuck' }).alert;
    expect(await open('severity')).toEqual([a.id, e.id, c.id, d.id]);
    expect(await call(app, viewer, 'alerts.list', { order: 'loudest' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_input', message: expect.stringContaining('order') },
    });
  });

  it('refuses filters it cannot apply, naming them', async () => {
    const { app, viewer } = await depotWithHistory();
    expect(await call(app, viewer, 'alerts.list', { level: 'error' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_input', message: expect.stringContaining('level') },
    });
    expect(await call(app, viewer, 'alerts.list', { from: 10, to: 5 })).toMatchObject({
      ok: false,
      error: { code: 'invalid_input', message: expect.stringContaining('from must be before to') },
    });
    expect(await call(app, viewer, 'alerts.list', { text: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_input', message: expect.stringContaining('text') },
    });
  });
});
