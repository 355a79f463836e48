import { describe, expect, it } from 'vitest';
import { getDeliverySettings } from '../../src-main/alerts';
import { addOperator, call, makeApp, ok } from '../helpers';

/**
 * Settings → 告警 (alerts.deliverySettings, alerts.setDeliverySettings): stored in the database,
 * the defaults until a supervisor first saves them, every save a new version and audited.
 */

const everyone = { operator: 'warning', supervisor: 'warning', finance: 'warning', admin: 'warning' };
const quiet = { enabled: true, from: '22:00', to: '07:00' };

describe('alert delivery settings', () => {
  it('never saved, they read as today’s behaviour: no quiet hours, every role hears warnings and urgent alerts (version 0)', async () => {
    const { app } = makeApp();
    const op = await addOperator(app, 'operator');
    expect(await ok(app, op, 'alerts.deliverySettings')).toEqual({
      quietHours: { enabled: false, from: '22:00', to: '07:00' },
      roles: everyone,
      version: 0,
      updatedAt: null,
      updatedBy: null,
    });
    expect(app.sqlite.prepare('SELECT count(*) AS n FROM alert_delivery').get()).toEqual({ n: 0 });
  });

  it('a supervisor saves them: stored as version 1, then 2, with who and when; each save is in the audit log', async () => {
    const { app, clock } = makeApp();
    const boss = await addOperator(app, 'supervisor', 'wang.boss');
    const saved = await ok(app, boss, 'alerts.setDeliverySettings', { quietHours: quiet, roles: { ...everyone, finance: 'none' } });
    expect(saved).toEqual({ quietHours: quiet, roles: { ...everyone, finance: 'none' }, version: 1, updatedAt: clock.now(), updatedBy: 'wang.boss' });

    clock.advance(60_000);
    const again = await ok(app, boss, 'alerts.setDeliverySettings', { quietHours: { ...quiet, enabled: false }, roles: everyone, expectedVersion: 1 });
    expect(again).toMatchObject({ version: 2, quietHours: { enabled: false }, roles: everyone, updatedAt: clock.now() });
    const op = await addOperator(app, 'operator');
    expect(await ok(app, op, 'alerts.deliverySettings')).toEqual(again);

    const audit = app.sqlite.prepare("SELECT operator_name AS who, result FROM audit_log WHERE method = 'alerts.setDeliverySettings' ORDER BY at, id").all();
    expect(audit).toEqual([
      { who: 'wang.boss', result: 'ok' },
      { who: 'wang.boss', result: 'ok' },
    ]);
  });

  it('an admin may save them; an operator or finance may read but not save (refused, and the refusal is audited)', async () => {
    const { app } = makeApp();
    const admin = await addOperator(app, 'admin');
    await ok(app, admin, 'alerts.setDeliverySettings', { quietHours: quiet, roles: everyone });
    for (const role of ['operator', 'finance'] as const) {
      const who = await addOperator(app, role);
      expect(await call(app, who, 'alerts.setDeliverySettings', { quietHours: quiet, roles: everyone })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      expect(await call(app, who, 'alerts.deliverySettings')).toMatchObject({ ok: true, data: { version: 1 } });
    }
    expect(getDeliverySettings(app).version).toBe(1);
    const results = app.sqlite.prepare("SELECT result FROM audit_log WHERE method = 'alerts.setDeliverySettings' ORDER BY at, id").pluck().all();
    expect(results).toEqual(['ok', 'forbidden', 'forbidden']);
  });

  it('refuses what it cannot store, naming the field: a bad time, equal from and to, an unknown level or key, a role left out', async () => {
    const { app } = makeApp();
    const boss = await addOperator(app, 'supervisor');
    const refused = async (params: unknown) => {
      const r = await call(app, boss, 'alerts.setDeliverySettings', params);
      expect(r.ok).toBe(false);
      return r.ok ? null : r.error;
    };
    expect(await refused({ quietHours: { ...quiet, from: '24:00' }, roles: everyone })).toMatchObject({
      code: 'invalid_input',
      message: expect.stringMatching(/quietHours\.from.*HH:MM/),
    });
    expect(await refused({ quietHours: { ...quiet, to: '7:00' }, roles: everyone })).toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining('quietHours.to'),
    });
    expect(await refused({ quietHours: { ...quiet, to: '22:00' }, roles: everyone })).toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining('from and to must differ'),
    });
    expect(await refused({ quietHours: quiet, roles: { ...everyone, operator: 'loud' } })).toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining('roles.operator'),
    });
    expect(await refused({ quietHours: quiet, roles: { ...everyone, cashier: 'none' } })).toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining('cashier'),
    });
    const { admin: _admin, ...withoutAdmin } = everyone;
    expect(await refused({ quietHours: quiet, roles: withoutAdmin })).toMatchObject({ code: 'invalid_input', message: expect.stringContaining('roles.admin') });
    expect(await refused({ quietHours: { ...quiet, mute: true }, roles: everyone })).toMatchObject({ code: 'invalid_input', message: expect.stringContaining('mute') });
    expect(getDeliverySettings(app).version).toBe(0);
  });

  it('a save made against an older version is refused (two supervisors at once): the second reloads, nothing is merged', async () => {
    const { app } = makeApp();
    const a = await addOperator(app, 'supervisor');
    const b = await addOperator(app, 'supervisor');
    await ok(app, a, 'alerts.setDeliverySettings', { quietHours: quiet, roles: everyone, expectedVersion: 0 });
    const late = await call(app, b, 'alerts.setDeliverySettings', { quietHours: { ...quiet, enabled: false }, roles: everyone, expectedVersion: 0 });
    expect(late).toMatchObject({ ok: false, error: { code: 'conflict', message: expect.stringContaining('version 1, not 0') } });
    expect(getDeliverySettings(app)).toMatchObject({ version: 1, quietHours: { enabled: true } });
  });

  it('the database holds one row at most, with valid times (the table refuses others)', async () => {
    const { app } = makeApp();
    const boss = await addOperator(app, 'supervisor');
    await ok(app, boss, 'alerts.setDeliverySettings', { quietHours: quiet, roles: everyone });
    expect(() =>
      app.sqlite
        .prepare(
          "INSERT INTO alert_delivery (id, version, quiet_enabled, quiet_from, quiet_to, role_levels, updated_at, updated_by) VALUES (2, 1, 0, '22:00', '07:00', '{}', 0, 'x')",
        )
        .run(),
    ).toThrow(/CHECK constraint failed: alert_delivery_one_row/);
    expect(() => app.sqlite.prepare("UPDATE alert_delivery SET quiet_from = 'late' WHERE id = 1").run()).toThrow(/alert_delivery_quiet_from/);
  });
});
