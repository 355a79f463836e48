import { monotonicFactory } from 'ulidx';
import { describe, expect, test } from 'vitest';
import { receiveCommand } from '../../src-main/headquarters/commands';
import { listAlerts } from '../../src-main/alerts';
import { readJournal } from '../../src-main/kernel/journal';
import { activeListing, listBlacklist } from '../../src-main/risk';
import { newDriver, refundApp } from '../refunds/fixtures';
import { afterTest } from '../after-test';

/**
 * The depot's side of a command (src-main/headquarters/commands.ts) called directly, as the uplink
 * calls it with each message from depot/{id}/commands: the paths the end-to-end test
 * (test/hq/commands.test.ts) does not reach with a well-behaved HQ.
 */
const ulid = monotonicFactory();
const message = (over: Record<string, unknown>) =>
  JSON.stringify({ type: 'command', id: ulid(), kind: 'risk.authorization_list', issuedAt: Date.now(), issuedBy: 'Li Wei', ...over });

async function depot() {
  const t = await refundApp();
  afterTest(() => t.scheduler.stop());
  return t;
}

const commandRows = (app: Awaited<ReturnType<typeof depot>>['app']) => readJournal(app.sqlite, 0, 1000).filter((r) => r.kind === 'hq.command');

describe('a command at the depot', () => {
  test('never half-done: a list whose later entry the depot refuses leaves the earlier entry undone too, and journals the refusal', async () => {
    const { app } = await depot();
    const a = newDriver(app, 'first');
    const id = ulid();
    const entries = [
      { phone: a.phone, action: 'block', reason: '欠费' },
      { phone: 'abcde', action: 'block', reason: '坏号码' },
    ];
    const r = receiveCommand(app, message({ id, payload: { entries } }));
    expect(r).toMatchObject({ commandId: id, outcome: 'refused', reason: expect.stringMatching(/^invalid_input: .*phone/) });
    expect(activeListing(app, a.id)).toBeUndefined();
    expect(listBlacklist(app, { driverId: a.id }).total).toBe(0);
    expect(commandRows(app).map((row) => [row.key, (row.payload as { outcome: string }).outcome])).toEqual([[`hq-command:${id}`, 'refused']]);
  });

  test('delivered again it does nothing, whether it was done or refused the first time', async () => {
    const { app } = await depot();
    const a = newDriver(app, 'again');
    const done = message({ payload: { entries: [{ phone: a.phone, action: 'block', reason: '欠费' }] } });
    expect(receiveCommand(app, done).outcome).toBe('done');
    expect(receiveCommand(app, done).outcome).toBe('already');
    const refused = message({ payload: { entries: [] } });
    expect(receiveCommand(app, refused)).toMatchObject({ outcome: 'refused', reason: expect.stringMatching(/^payload: entries: /) });
    expect(receiveCommand(app, refused).outcome).toBe('already');
    expect(commandRows(app)).toHaveLength(2);
    expect(listBlacklist(app, { driverId: a.id }).total).toBe(1);
    expect(listAlerts(app, { open: true, limit: 50, offset: 0 }).items.filter((al) => al.code === 'hq.command_refused')).toHaveLength(1);
  });

  test('a message with a command id but not a command is refused under that id; one with no id is only alerted', async () => {
    const { app } = await depot();
    const id = ulid();
    const r = receiveCommand(app, JSON.stringify({ type: 'command', id, kind: 'tariffs.version', payload: { plan: {} } }));
    expect(r).toMatchObject({
      commandId: id,
      kind: 'tariffs.version',
      outcome: 'refused',
      reason: expect.stringMatching(/^the command message does not read: issuedAt: .*issuedBy: /),
    });
    expect(receiveCommand(app, 'not json').outcome).toBe('unreadable');
    expect(receiveCommand(app, JSON.stringify({ type: 'command', id: 'nope', kind: 'x' }))).toMatchObject({
      outcome: 'unreadable',
      reason: expect.stringMatching(/^id: /),
    });
    expect(commandRows(app).map((row) => row.key)).toEqual([`hq-command:${id}`]);
    const unreadable = listAlerts(app, { open: true, limit: 50, offset: 0 }).items.filter((al) => al.code === 'hq.command_unreadable');
    expect(unreadable).toHaveLength(1);
    expect(unreadable[0].count).toBe(2);
  });
});
