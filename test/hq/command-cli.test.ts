import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { getCommand, ingestBatch, migrateHq, type HqCommand } from '../../src-main/hq';
import { cli, tempDir } from '../helpers';
import { postgresForFile, skipWithoutPostgres } from '../postgres';
import { batch, chain } from './journal-rows';

/** `depotdesk hq command` and `hq commands`, run from the CLI bundle as someone at headquarters would. */
const missing = skipWithoutPostgres('test/hq/command-cli.test.ts');
const postgres = postgresForFile();

const DEPOT = '0123456789abcdef0123456789abcdef';
const LIST = { entries: [{ phone: '13900000001', action: 'block', reason: '多站欠费' }] };

describe.skipIf(missing)('depotdesk hq command', { timeout: 120_000 }, () => {
  test('stores the command as sent (from --payload or --payload-file) for hq serve to deliver; a wrong kind, payload or missing --as stores nothing; hq commands lists them with the outcome the depot journaled', async () => {
    const { url, pool } = await postgres.freshDatabase();
    await migrateHq(pool);
    const base = ['hq', 'command', '--pg', url, '--depot', DEPOT];

    const inline = cli([...base, '--kind', 'risk.authorization_list', '--payload', JSON.stringify(LIST), '--as', 'Li Wei', '--json']);
    expect(inline.code, inline.stderr).toBe(0);
    const issued = inline.json<HqCommand>();
    expect(issued).toMatchObject({ depotId: DEPOT, kind: 'risk.authorization_list', issuedBy: 'Li Wei', state: 'sent', payload: LIST });
    expect(await getCommand(pool, issued.id)).toEqual(issued);
    expect(inline.stderr).toContain(`warning: HQ has not heard from depot ${DEPOT} yet`);

    const file = path.join(tempDir('depotdesk-hq-command-'), 'refund.json');
    fs.writeFileSync(file, JSON.stringify({ phone: '13900000001', amountFen: 500, reason: '充电中断', orderId: 'O-1' }));
    const fromFile = cli([...base, '--kind', 'refunds.request', '--payload-file', file, '--as', 'Service desk']);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect(fromFile.stdout).toMatch(/^command [0-9A-Z]{26} \(refunds\.request\) for depot 0123456789abcdef0123456789abcdef, issued by Service desk: sent/);

    const noAs = cli([...base, '--kind', 'risk.authorization_list', '--payload', JSON.stringify(LIST)]);
    expect([noAs.code, noAs.stderr]).toEqual([2, expect.stringContaining('--as is required')]);
    const both = cli([...base, '--kind', 'risk.authorization_list', '--payload', '{}', '--payload-file', file, '--as', 'x']);
    expect([both.code, both.stderr]).toEqual([2, expect.stringContaining('--payload JSON or --payload-file FILE (one of them)')]);
    const notJson = cli([...base, '--kind', 'risk.authorization_list', '--payload', '{entries', '--as', 'x']);
    expect([notJson.code, notJson.stderr]).toEqual([2, expect.stringContaining('--payload is not JSON')]);
    const kind = cli([...base, '--kind', 'sessions.stop', '--payload', '{}', '--as', 'x']);
    expect(kind.code).not.toBe(0);
    expect(kind.stderr).toContain('kind: "sessions.stop" is not a command a depot carries out (risk.authorization_list, tariffs.version, refunds.request)');
    const shape = cli([...base, '--kind', 'refunds.request', '--payload', JSON.stringify({ phone: '13900000001', amountFen: -5, reason: 'x' }), '--as', 'x']);
    expect(shape.code).not.toBe(0);
    expect(shape.stderr).toMatch(/payload: amountFen: .*; sessionId: name exactly one: a sessionId or an orderId/);
    expect((await pool.query('SELECT count(*)::int AS n FROM hq_commands')).rows[0]).toEqual({ n: 2 });

    // The depot's journal reports one refused (the refund: no such order there), the other done.
    const refundId = /^command ([0-9A-Z]{26})/.exec(fromFile.stdout)![1];
    const rows = chain(DEPOT, [
      { key: `hq-command:${issued.id}`, kind: 'hq.command', payload: { commandId: issued.id, kind: 'risk.authorization_list', outcome: 'done', result: { blocked: 1 } } },
      {
        key: `hq-command:${refundId}`,
        kind: 'hq.command',
        payload: { commandId: refundId, kind: 'refunds.request', outcome: 'refused', reason: 'not_found: orderId: no payment order O-1' },
      },
    ]);
    expect(await ingestBatch(pool, batch(DEPOT, rows))).toMatchObject({ seq: 2, refused: null });
    const listed = cli(['hq', 'commands', '--pg', url, '--depot', DEPOT]);
    expect(listed.code, listed.stderr).toBe(0);
    const lines = listed.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(new RegExp(`^\\S+  refused  refunds\\.request  depot ${DEPOT}  by Service desk  ${refundId} \\(journal row 2\\)$`));
    expect(lines[1]).toBe('    REFUSED by the depot: not_found: orderId: no payment order O-1');
    expect(lines[2]).toMatch(new RegExp(`done {5}risk\\.authorization_list  depot ${DEPOT}  by Li Wei  ${issued.id} \\(journal row 1\\)$`));
    const refusedOnly = cli(['hq', 'commands', '--pg', url, '--state', 'refused', '--json']);
    const again = cli([...base, '--kind', 'risk.authorization_list', '--payload', JSON.stringify(LIST), '--as', 'Li Wei']);
    expect([again.code, again.stderr]).toEqual([0, '']);
    expect(refusedOnly.json<{ commands: HqCommand[] }>().commands.map((c) => [c.id, c.state, c.doneSeq])).toEqual([[refundId, 'refused', 2]]);
    const badState = cli(['hq', 'commands', '--pg', url, '--state', 'failed']);
    expect([badState.code, badState.stderr]).toEqual([2, expect.stringContaining('--state must be sent, done or refused')]);
  });
});
