import { describe, expect, it } from 'vitest';
import { writeTx } from '../../src-main/kernel/db/connection';
import { appendJournal, depotId } from '../../src-main/kernel/journal';
import type { UplinkStatus } from '../../src-main/headquarters';
import { addOperator, cli, makeApp } from '../helpers';

/** `depotdesk hq uplink`: the depot's uplink as the operator's IT person reads it, from the CLI bundle. */
describe('depotdesk hq uplink', () => {
  it('says how far HQ is behind, numbers first, and the same as JSON; a supervisor may ask, an operator may not', async () => {
    const { app, dir } = makeApp({ overrides: {} });
    await addOperator(app, 'supervisor', 'sup');
    await addOperator(app, 'operator', 'desk');
    for (let i = 1; i <= 3; i += 1) writeTx(app.sqlite, () => appendJournal(app.sqlite, app.clock.now(), { key: `cli:${i}`, kind: 'test.fact', payload: { i } }));
    const env = { DEPOTDESK_PASSWORD: 'correct-horse' };

    const json = cli(['hq', 'uplink', '--data-dir', dir, '--as', 'sup', '--json'], env);
    expect(json.code, json.stderr).toBe(0);
    expect(json.json<UplinkStatus>()).toMatchObject({
      enabled: false,
      depotId: depotId(app.sqlite),
      connection: 'off',
      tipSeq: 3,
      ackedSeq: 0,
      lagRows: 3,
      lastAckAt: null,
    });

    const human = cli(['hq', 'uplink', '--data-dir', dir, '--as', 'sup'], env);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout.split('\n')[0]).toMatch(/^3 rows behind: HQ has up to row 0 of 3; the oldest row it lacks was written /);
    expect(human.stdout).toContain('last ack never; connection off (hq.enabled is false)');

    const desk = cli(['hq', 'uplink', '--data-dir', dir, '--as', 'desk'], env);
    expect(desk.code).not.toBe(0);
    expect(desk.stderr).toContain('headquarters.status needs one of the roles supervisor, admin; desk is operator');
  });
});
