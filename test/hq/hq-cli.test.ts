import { describe, expect, test } from 'vitest';
import { ingestBatch, migrateHq, type HqStatus } from '../../src-main/hq';
import { cli } from '../helpers';
import { postgresForFile, skipWithoutPostgres } from '../postgres';
import { batch, chain, operation, topUps, transfer } from './journal-rows';

/** `depotdesk hq depots` and the usage errors of `hq serve`, run from the CLI bundle as an operator's IT person would. */
const missing = skipWithoutPostgres('test/hq/hq-cli.test.ts');
const postgres = postgresForFile();

const D1 = '11111111111111111111111111111111';
const D2 = '22222222222222222222222222222222';

describe('hq commands: wrong arguments', () => {
  test('a missing or wrong --pg or --broker exits 2 naming the option', () => {
    const noPg = cli(['hq', 'depots']);
    expect([noPg.code, noPg.stderr]).toEqual([2, expect.stringContaining('--pg is required')]);
    const badPg = cli(['hq', 'depots', '--pg', 'mysql://db/hq']);
    expect([badPg.code, badPg.stderr]).toEqual([2, expect.stringContaining('--pg must start with postgres:// or postgresql://, got mysql://')]);
    const badBroker = cli(['hq', 'serve', '--pg', 'postgres://127.0.0.1:1/hq', '--broker', 'http://broker']);
    expect([badBroker.code, badBroker.stderr]).toEqual([2, expect.stringContaining('--broker must start with mqtt://')]);
    const badPool = cli(['hq', 'serve', '--pg', 'postgres://127.0.0.1:1/hq', '--broker', 'mqtt://127.0.0.1:1', '--pool', 'lots']);
    expect([badPool.code, badPool.stderr]).toEqual([2, expect.stringContaining('--pool must be a number')]);
    const unknown = cli(['hq', 'depots', '--pg', 'postgres://127.0.0.1:1/hq', '--broker', 'mqtt://x']);
    expect([unknown.code, unknown.stderr]).toEqual([2, expect.stringContaining("Unknown option '--broker'")]);
  });
});

describe.skipIf(missing)('depotdesk hq depots', { timeout: 120_000 }, () => {
  test('lists each depot with its numbers first and a refusal in words, then the totals; --json gives the same', async () => {
    const { url, pool } = await postgres.freshDatabase();
    await migrateHq(pool);
    const one = chain(D1, topUps(12));
    await ingestBatch(pool, batch(D1, one.slice(0, 10), 12, 'Depot North'));
    const two = chain(D2, topUps(3));
    await ingestBatch(pool, batch(D2, [...two.slice(0, 2), { ...two[2], payload: operation('op:3', [transfer('x', 1)]).payload }], 3, 'Depot South'));

    const json = cli(['hq', 'depots', '--pg', url, '--json']);
    expect(json.code, json.stderr).toBe(0);
    const status = json.json<HqStatus>();
    expect(status.depots.map((d) => [d.name, d.ackedSeq, d.tipSeq, d.lagRows, d.refused?.reason ?? null])).toEqual([
      ['Depot North', 10, 12, 2, null],
      ['Depot South', 2, 3, 1, 'hash_mismatch'],
    ]);
    expect(status.totals).toMatchObject({ depots: 2, rows: 12, lagRows: 3, refusing: 1, alerts: 1 });

    const human = cli(['hq', 'depots', '--pg', url]);
    expect(human.code, human.stderr).toBe(0);
    const lines = human.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^rows stored {2}rows behind {2}last batch +depot$/);
    expect(lines[1]).toMatch(new RegExp(`^ +10 +2 {2}\\d+ s ago +Depot North \\(${D1}\\)$`));
    expect(lines[2]).toMatch(new RegExp(`^ +2 +1 {2}\\d+ s ago +Depot South \\(${D2}\\)$`));
    expect(lines[3]).toBe(`    REFUSED row 3: its hash is not the hash of its content; row 3's hash ${two[2].hash} is not the hash of its content`);
    expect(lines.at(-1)).toBe('2 depot(s), 12 rows stored, 3 rows behind, 1 refusing a row, 1 alert(s) raised in all');
  });

  test('a database without HQ tables, or no PostgreSQL there, is said in words (exit 1)', async () => {
    const { url } = await postgres.freshDatabase();
    const empty = cli(['hq', 'depots', '--pg', url]);
    expect([empty.code, empty.stderr]).toEqual([1, expect.stringContaining('has no HQ tables: depotdesk hq serve creates them')]);
    const nobody = cli(['hq', 'depots', '--pg', 'postgres://postgres@127.0.0.1:1/none']);
    expect([nobody.code, nobody.stderr]).toEqual([1, expect.stringContaining('PostgreSQL at postgres://postgres@127.0.0.1:1/none: ')]);
  });
});
