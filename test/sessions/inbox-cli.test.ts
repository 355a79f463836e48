import { describe, expect, test } from 'vitest';
import type { ParkedRecordView } from '../../src-main/sessions';
import { consumeInbox } from '../../src-main/sessions';
import { addOperator, cli } from '../helpers';
import { at, expectLedgerValid, startSessionDepot, timelineKinds, wallet, type SessionDepot } from './helpers';

/**
 * `depotdesk inbox list | attach | discard`, the real CLI in a child process on the file of a
 * running depot (real broker, simulated chargers, fake clock): the charger records it parked are
 * listed, attached to their session or discarded, and every refusal names what to fix.
 */

const HOUR = 3_600_000;
const ENV = { DEPOTDESK_PASSWORD: 'correct-horse' };

interface Page {
  items: ParkedRecordView[];
  total: number;
  needsAttention: number;
}

/**
 * A depot with a supervisor and an operator the CLI can sign in as, a driver charging on CP-1,
 * and two StopTransactions parked on CP-1 and one on CP-2 for transaction ids nobody gave out (a
 * charger that lost its transaction numbering in a reboot).
 */
async function depotWithParkedStops() {
  const depot = await startSessionDepot();
  const { app } = depot;
  const supervisor = await addOperator(app, 'supervisor', 'inbox-sup');
  await addOperator(app, 'operator', 'inbox-op');
  const cp1 = await depot.charger('CP-1');
  const cp2 = await depot.charger('CP-2');
  const driver = depot.driver({ topUpYuan: 100, tag: 'CARD-CLI' });
  const tx = await cp1.startTransaction(1, 'CARD-CLI', 0, at('09:00'));
  await cp1.stopTransaction(900_001, 1_000, at('10:00'));
  await cp1.stopTransaction(900_002, 2_000, at('10:05'));
  await cp2.stopTransaction(900_003, 3_000, at('10:10'));
  await depot.settle();
  const session = app.sqlite.prepare('SELECT id FROM charging_sessions WHERE charger_id = ? AND transaction_id = ?').get('CP-1', tx) as { id: string };
  const records = app.sqlite
    .prepare('SELECT id, transaction_id AS tx FROM charger_transactions WHERE parked_at IS NOT NULL AND processed_at IS NULL ORDER BY id')
    .all() as { id: number; tx: number }[];
  expect(records.map((r) => r.tx)).toEqual([900_001, 900_002, 900_003]);
  const start = app.sqlite.prepare("SELECT id FROM charger_transactions WHERE kind = 'start'").get() as { id: number };
  const dir = app.paths.dataDir;
  const as = (name: string) => ['--data-dir', dir, '--as', name];
  return { depot, driver, supervisor, dir, sessionId: session.id, recordIds: records.map((r) => r.id), startRecordId: start.id, as };
}

function record(depot: SessionDepot, id: number) {
  return depot.app.sqlite
    .prepare(
      'SELECT resolution, resolved_by AS resolvedBy, resolution_note AS note, attached_session_id AS sessionId, processed_at AS processedAt FROM charger_transactions WHERE id = ?',
    )
    .get(id) as { resolution: string | null; resolvedBy: string | null; note: string | null; sessionId: string | null; processedAt: number | null };
}

describe('depotdesk inbox (the CLI on the depot file)', { timeout: 240_000 }, () => {
  test('an operator lists the parked records as text and as JSON, by charger, a page at a time, and those past the alert age', async () => {
    const { depot, recordIds, as } = await depotWithParkedStops();
    const [a, b, c] = recordIds;

    const text = cli(['inbox', 'list', ...as('inbox-op')], ENV);
    expect(text.code, text.stderr).toBe(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(
      new RegExp(`^ *${a} CP-1 +stop +tx 900001 +1000 Wh +charger 2026-01-15 10:00:00 +parked [\\d.]+ h +waiting for the StartTransaction of transaction 900001`),
    );
    expect(lines[2]).toMatch(new RegExp(`^ *${c} CP-2 +stop +tx 900003 +3000 Wh`));
    expect(lines[3]).toBe('(3 of 3 parked; 0 need attention)');
    expect(text.stdout).not.toContain('[needs attention]');

    const json = cli(['inbox', 'list', '--charger', 'CP-1', ...as('inbox-op'), '--json'], ENV);
    expect(json.code, json.stderr).toBe(0);
    const page = json.json<Page>();
    expect({ total: page.total, needsAttention: page.needsAttention }).toEqual({ total: 2, needsAttention: 0 });
    expect(page.items.map((r) => [r.id, r.chargerId, r.kind, r.transactionId, r.meterWh, r.needsAttention])).toEqual([
      [a, 'CP-1', 'stop', 900_001, 1_000, false],
      [b, 'CP-1', 'stop', 900_002, 2_000, false],
    ]);
    expect(page.items[0].payload).toMatchObject({ transactionId: 900_001, meterStop: 1_000 });

    const one = cli(['inbox', 'list', '--limit', '1', ...as('inbox-op')], ENV);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout.trim().split('\n')).toHaveLength(2);
    expect(one.stdout).toContain('(1 of 3 parked; 0 need attention)');

    // A day later the minute job has raised them to the operators.
    depot.clock.advance(24 * HOUR);
    expect(consumeInbox(depot.app, { retryParked: true }).needAttention).toBe(3);
    const late = cli(['inbox', 'list', '--attention', '--charger', 'CP-2', ...as('inbox-op')], ENV);
    expect(late.code, late.stderr).toBe(0);
    expect(late.stdout).toMatch(new RegExp(`^ *${c} CP-2 .*\\[needs attention\\] +waiting for the StartTransaction`, 'm'));
    expect(late.stdout).toContain('(1 of 1 parked; 3 need attention)');
  });

  test('a page size outside 1..500, and a list without --as, are usage errors that say what to give', async () => {
    const { dir, as } = await depotWithParkedStops();
    for (const bad of ['0', '501', 'abc']) {
      const r = cli(['inbox', 'list', '--limit', bad, ...as('inbox-op')], ENV);
      expect(r.code, `--limit ${bad}`).toBe(2);
      expect(r.stderr).toContain(`depotdesk inbox list: --limit must be a whole number from 1 to 500, got "${bad}"`);
      expect(r.stderr).toContain('usage: depotdesk inbox list');
      expect(r.stdout).toBe('');
    }
    const anonymous = cli(['inbox', 'list', '--data-dir', dir], ENV);
    expect(anonymous.code).toBe(2);
    expect(anonymous.stderr).toContain('inbox list acts as an operator: add --as NAME');
  });

  test('a supervisor attaches a parked StopTransaction to the charging session it belongs to: the session finishes at that reading and is settled', async () => {
    const { depot, driver, supervisor, sessionId, recordIds, as } = await depotWithParkedStops();
    const [a, b] = recordIds;

    const r = cli(['inbox', 'attach', String(a), '--session', sessionId, '--note', 'charger lost its numbering in a reboot', ...as('inbox-sup')], ENV);
    expect(r.code, r.stderr).toBe(0);
    // The session named by its number (CD…), as the operator reads it.
    expect(r.stdout.trim()).toBe(`record ${a} attached to session ${depot.session(sessionId).number}; the session is settled`);

    const s = depot.session(sessionId);
    expect({ state: s.state, meterStopWh: s.meterStopWh, energyWh: s.energyWh }).toEqual({ state: 'PAID', meterStopWh: 1_000, energyWh: 1_000 });
    // 1 kWh 平 (09:00–10:00): 0.62540 + 0.80000 = 1.42540 → ¥1.43.
    expect(s.amountFen).toBe(143);
    expect(wallet(depot.app, driver.id).balance).toBe(10_000 - 143);
    expect(timelineKinds(depot.app, sessionId)).toEqual(['charger_start', 'stop_transaction', 'record_attached', 'settled_paid']);
    expect(record(depot, a)).toMatchObject({ resolution: 'attached', resolvedBy: supervisor.id, note: 'charger lost its numbering in a reboot', sessionId });
    const audit = depot.app.sqlite.prepare("SELECT operator_name AS name, transport, result FROM audit_log WHERE method = 'sessions.attachRecord'").all();
    expect(audit).toEqual([{ name: 'inbox-sup', transport: 'cli', result: 'ok' }]);

    const listed = cli(['inbox', 'list', ...as('inbox-op'), '--json'], ENV).json<Page>();
    expect(listed.items.map((x) => x.id)).not.toContain(a);
    expect(listed.total).toBe(2);

    // The session is settled: another stop cannot finish it again, and the record cannot be attached twice.
    const finished = cli(['inbox', 'attach', String(b), '--session', sessionId, '--note', 'the other one', ...as('inbox-sup')], ENV);
    expect(finished.code).toBe(1);
    expect(finished.stderr).toContain(`session ${sessionId} is PAID: a StopTransaction can only be attached to a session that is still charging`);
    const twice = cli(['inbox', 'attach', String(a), '--session', sessionId, '--note', 'again', ...as('inbox-sup'), '--json'], ENV);
    expect(twice.code).toBe(1);
    expect(twice.json()).toMatchObject({ ok: false, error: { code: 'conflict', message: `charger record ${a} was already attached` } });
    expect(depot.session(sessionId).amountFen).toBe(143);
    expect(record(depot, b).resolution).toBeNull();
    expectLedgerValid(depot.app);
  });

  test('attach is refused, with the reason, to an operator, without --session or --note, for a bad or unknown record id, a record not parked, and a session of another charger', async () => {
    const { depot, sessionId, recordIds, startRecordId, as } = await depotWithParkedStops();
    const [a, , c] = recordIds;
    const attach = (id: string, extra: string[], who = 'inbox-sup') => cli(['inbox', 'attach', id, ...extra, ...as(who)], ENV);
    const full = ['--session', sessionId, '--note', 'mine'];

    const operator = attach(String(a), full, 'inbox-op');
    expect(operator.code).toBe(1);
    expect(operator.stderr).toContain('sessions.attachRecord needs one of the roles supervisor, admin; inbox-op is operator');

    const noNote = attach(String(a), ['--session', sessionId]);
    expect(noNote.code).toBe(2);
    expect(noNote.stderr).toContain('--note is required');
    const noSession = attach(String(a), ['--note', 'mine']);
    expect(noSession.code).toBe(2);
    expect(noSession.stderr).toContain('--session is required');

    for (const bad of ['abc', '0']) {
      const r = attach(bad, full);
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toContain(`the record id must be a whole number ≥ 1, got "${bad}"`);
    }
    const missing = cli(['inbox', 'attach', ...full, ...as('inbox-sup')], ENV);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('give the charger record id (from `depotdesk inbox list`)');

    const unknown = attach('999999', full);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no charger record 999999');
    const applied = attach(String(startRecordId), full);
    expect(applied.code).toBe(1);
    expect(applied.stderr).toContain(`charger record ${startRecordId} is not parked (it was applied)`);
    const otherCharger = attach(String(c), full);
    expect(otherCharger.code).toBe(2);
    expect(otherCharger.stderr).toContain(`is on charger CP-1, but record ${c} came from CP-2`);
    const noSuchSession = attach(String(a), ['--session', 'no-such-session', '--note', 'mine']);
    expect(noSuchSession.code).toBe(1);
    expect(noSuchSession.stderr).toMatch(/no-such-session/);

    // Nothing moved: the record is still parked and the session still charging.
    expect(record(depot, a)).toMatchObject({ resolution: null, processedAt: null });
    expect(depot.session(sessionId).state).toBe('CHARGING');
    const audited = depot.app.sqlite.prepare("SELECT result FROM audit_log WHERE method = 'sessions.attachRecord' ORDER BY id").all() as { result: string }[];
    expect(audited.map((x) => x.result)).toEqual(['forbidden', 'not_found', 'conflict', 'invalid_input', 'not_found']);
  });

  test('a supervisor discards a parked record with a reason; it leaves the list, is kept marked, and cannot be discarded or attached again', async () => {
    const { depot, supervisor, sessionId, recordIds, as } = await depotWithParkedStops();
    const [a, b] = recordIds;
    const discard = (id: string, extra: string[], who = 'inbox-sup') => cli(['inbox', 'discard', id, ...extra, ...as(who)], ENV);

    const operator = discard(String(b), ['--reason', 'test publish from the installer'], 'inbox-op');
    expect(operator.code).toBe(1);
    expect(operator.stderr).toContain('sessions.discardRecord needs one of the roles supervisor, admin; inbox-op is operator');
    const noReason = discard(String(b), []);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain('--reason is required');
    const short = discard(String(b), ['--reason', 'no']);
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/invalid input for sessions\.discardRecord: reason: /);
    const bad = discard('abc', ['--reason', 'test publish', '--json']);
    expect(bad.code).toBe(2);
    expect(bad.json()).toMatchObject({ ok: false, error: { code: 'usage', details: { field: 'RECORD' } } });
    const unknown = discard('424242', ['--reason', 'test publish']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no charger record 424242');
    expect(record(depot, b).resolution).toBeNull();

    const done = discard(String(b), ['--reason', 'test publish from the installer', '--json']);
    expect(done.code, done.stderr).toBe(0);
    expect(done.json()).toEqual({ recordId: b });
    expect(record(depot, b)).toMatchObject({
      resolution: 'discarded',
      resolvedBy: supervisor.id,
      note: 'test publish from the installer',
      sessionId: null,
      processedAt: expect.any(Number),
    });
    const listed = cli(['inbox', 'list', '--charger', 'CP-1', ...as('inbox-op'), '--json'], ENV).json<Page>();
    expect(listed.items.map((x) => x.id)).toEqual([a]);

    const again = discard(String(b), ['--reason', 'once more']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`charger record ${b} was already discarded`);
    const attach = cli(['inbox', 'attach', String(b), '--session', sessionId, '--note', 'after all', ...as('inbox-sup')], ENV);
    expect(attach.code).toBe(1);
    expect(attach.stderr).toContain(`charger record ${b} was already discarded`);
    expect(depot.session(sessionId).state).toBe('CHARGING');
  });
});
