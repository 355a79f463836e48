import { describe, expect, it } from 'vitest';
import { depot } from '../../src-main/modules';
import { runDoctor } from '../../src-main/system';
import { expectedTriggers } from '../../src-main/system/triggers';
import { makeApp } from '../helpers';

/**
 * Doctor checks every protective trigger the migrations made (issue 19, defect 3): the probe dropped
 * `audit_log_no_update`, edited a row and doctor said ok.
 */
describe('protective triggers', () => {
  const doctor = async (app: ReturnType<typeof makeApp>['app']) => (await runDoctor(app, depot.doctorChecks)).checks.find((c) => c.name === 'protective_triggers')!;

  it('a fresh depot has every trigger the migrations create, and doctor says so', async () => {
    const { app } = makeApp();
    const expected = expectedTriggers(app.migrations.applied);
    expect(expected.size).toBeGreaterThanOrEqual(30);
    expect([...expected.keys()]).toEqual(expect.arrayContaining(['audit_log_no_update', 'ledger_transfers_no_update', 'ledger_transfers_no_delete']));
    expect(await doctor(app)).toMatchObject({ ok: true, detail: `all ${expected.size} protective triggers in place as the migrations made them` });
  });

  it('a dropped trigger and one replaced by a trigger that refuses nothing are named', async () => {
    const { app } = makeApp();
    app.sqlite.exec('DROP TRIGGER audit_log_no_update');
    app.sqlite.exec('DROP TRIGGER ledger_transfers_no_delete');
    app.sqlite.exec('CREATE TRIGGER ledger_transfers_no_delete BEFORE DELETE ON ledger_transfers BEGIN SELECT 1; END');
    const check = await doctor(app);
    expect(check.ok).toBe(false);
    expect(check.detail).toContain('missing: audit_log_no_update');
    expect(check.detail).toContain('changed: ledger_transfers_no_delete');
    expect(check.detail).toContain('restore the last good backup');
  });
});
