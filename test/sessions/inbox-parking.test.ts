import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import { call, ok, REPO_ROOT, tempDir } from '../helpers';
import { migrate } from '../../src-main/kernel/db/migrate';
import { consumeInbox, consumeInboxWorker, inboxDoctorCheck } from '../../src-main/sessions';
import { listAlerts } from '../../src-main/alerts';
import { at, brokerCases, expectLedgerValid, startSessionDepot, timelineKinds, wallet, type SessionDepot } from './helpers';

const HOUR = 3_600_000;

function parked(depot: SessionDepot): { id: number; kind: string; transactionId: number; reason: string }[] {
  return depot.app.sqlite
    .prepare(
      'SELECT id, kind, transaction_id AS transactionId, process_error AS reason FROM charger_transactions WHERE processed_at IS NULL AND parked_at IS NOT NULL ORDER BY id',
    )
    .all() as { id: number; kind: string; transactionId: number; reason: string }[];
}

/** A StopTransaction for a transaction id this back office never gave out, as a plain OCPP-J array. */
function orphanStop(i: number): string {
  return JSON.stringify([2, `o${i}`, 'StopTransaction', { transactionId: 100_000 + i, meterStop: 1000, timestamp: '2026-01-15T02:00:00Z' }]);
}

describe.each(brokerCases('test/sessions/inbox-parking.test.ts (its Mosquitto cases)'))(
  'charger records that cannot be applied never hold up the others, through $broker',
  ({ start }) => {
    test('2,000 StopTransactions for transactions nobody started are parked, and a normal session on another charger after them is applied and settled', async () => {
      const depot = await start();
      const { app } = depot;
      const flooder = await depot.charger('CP-1');
      const cp = await depot.charger('CP-2');
      const driver = depot.driver({ topUpYuan: 100, tag: 'CARD-1' });

      for (let i = 0; i < 2_000; i += 1) await flooder.publishRaw('ocpp/cp/CP-1', orphanStop(i));
      await depot.until(() => parked(depot).length === 2_000, 'the 2,000 orphan stops are parked');

      const tx = await cp.startTransaction(1, 'CARD-1', 5_000, at('09:00'));
      await cp.meterValues(1, tx, 6_000, at('09:30'));
      await cp.stopTransaction(tx, 7_000, at('10:00'));
      await depot.settle();

      const [session] = app.sqlite.prepare("SELECT id FROM charging_sessions WHERE charger_id = 'CP-2'").all() as { id: string }[];
      expect(session, 'the session behind the orphans was applied').toBeDefined();
      const s = depot.session(session.id);
      expect(s.state).toBe('PAID');
      // 2 kWh 平 (09:00–10:00): 2 × (0.62540 + 0.80000) = 2.85080 → ¥2.85.
      expect(s.amountFen).toBe(285);
      expect(wallet(app, driver.id).balance).toBe(10_000 - 285);
      const orphans = parked(depot);
      expect(orphans).toHaveLength(2_000);
      expect(orphans.every((r) => r.kind === 'stop' && /waiting for the StartTransaction of transaction 1\d{5}/.test(r.reason))).toBe(true);
      expect(inboxDoctorCheck(app)).toMatchObject({ ok: true, detail: '2000 record(s) parked, none past the alert age yet' });
      expectLedgerValid(app);
      // 2,000 messages through a real broker and the inbox: seconds on a quiet machine, over 30 s on
      // two cores shared with a full test run. An upper bound for a hung broker, not a speed claim.
    }, 300_000);
  },
);

describe('the queue of charger records needing attention', () => {
  async function depotWithOrphan() {
    const depot = await startSessionDepot();
    const cp = await depot.charger('CP-1');
    await cp.publishRaw('ocpp/cp/CP-1', orphanStop(7));
    await depot.until(() => parked(depot).length === 1, 'the orphan stop is parked');
    return { depot, cp, recordId: parked(depot)[0].id };
  }

  test('a record parked for 24 h raises one alert, doctor names it, and the queue lists it as needing attention', async () => {
    const { depot, recordId } = await depotWithOrphan();
    const { app, clock } = depot;
    clock.advance(23 * HOUR);
    expect(consumeInbox(app, { retryParked: true }).needAttention).toBe(0);
    expect(listAlerts(app, { limit: 100, offset: 0 }).items.filter((a) => a.code === 'inbox.parked')).toHaveLength(0);

    clock.advance(HOUR);
    consumeInboxWorker.enqueue(app, {});
    await depot.services.scheduler.drain({ crons: false });
    const alerts = listAlerts(app, { limit: 100, offset: 0 }).items.filter((a) => a.code === 'inbox.parked');
    expect(alerts).toHaveLength(1);
    expect(alerts[0].message).toMatch(/^1 charger record\(s\) could not be applied for more than 24 h/);
    const doctor = inboxDoctorCheck(app);
    expect(doctor.ok).toBe(false);
    expect(doctor.detail).toContain('depotdesk inbox list --attention');

    // Running again does not raise it again: the record was marked once.
    expect(consumeInbox(app, { retryParked: true }).needAttention).toBe(0);
    const page = await ok<{ items: { id: number; needsAttention: boolean; payload: { transactionId: number } }[]; needsAttention: number }>(
      app,
      depot.operator,
      'sessions.parkedRecords',
      { needsAttention: true },
    );
    expect(page.needsAttention).toBe(1);
    expect(page.items.map((r) => [r.id, r.needsAttention, r.payload.transactionId])).toEqual([[recordId, true, 100_007]]);
  });

  test('a supervisor attaches a parked StopTransaction to the session it belongs to: the session finishes at that reading and is settled once', async () => {
    const { depot, cp, recordId } = await depotWithOrphan();
    const { app } = depot;
    const driver = depot.driver({ topUpYuan: 100, tag: 'CARD-2' });
    // The session the orphan stop belongs to: the charger lost its transaction numbering in a
    // reboot, so its stop named a transaction id this back office never gave out.
    const tx = await cp.startTransaction(1, 'CARD-2', 0, at('09:00'));
    await depot.settle();
    const [row] = app.sqlite.prepare('SELECT id FROM charging_sessions WHERE charger_id = ? AND transaction_id = ?').all('CP-1', tx) as { id: string }[];

    const refused = await call(app, depot.operator, 'sessions.attachRecord', { recordId, sessionId: row.id, note: 'charger lost its numbering' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const wrongCharger = await call(app, depot.supervisor, 'sessions.attachRecord', { recordId, sessionId: 'no-such-session', note: 'x' });
    expect(wrongCharger).toMatchObject({ ok: false, error: { code: 'not_found' } });

    const r = await ok<{ settled: boolean }>(app, depot.supervisor, 'sessions.attachRecord', {
      recordId,
      sessionId: row.id,
      note: 'charger lost its numbering after a reboot',
    });
    const settled = depot.session(row.id);
    expect(timelineKinds(app, row.id)).toEqual(['charger_start', 'stop_transaction', 'record_attached', 'settled_paid']);
    expect(r.settled).toBe(true);
    expect(settled.state).toBe('PAID');
    expect(settled.meterStopWh).toBe(1_000);
    // 1 kWh 平: 0.62540 + 0.80000 = 1.42540 → ¥1.43.
    expect(settled.amountFen).toBe(143);
    expect(wallet(app, driver.id).balance).toBe(10_000 - 143);
    expect(timelineKinds(app, row.id)).toEqual(['charger_start', 'stop_transaction', 'record_attached', 'settled_paid']);
    const rec = app.sqlite
      .prepare('SELECT resolution, resolved_by AS by, attached_session_id AS sessionId, processed_at AS processedAt FROM charger_transactions WHERE id = ?')
      .get(recordId);
    expect(rec).toMatchObject({ resolution: 'attached', by: depot.supervisor.id, sessionId: row.id });
    expect(parked(depot)).toHaveLength(0);

    const again = await call(app, depot.supervisor, 'sessions.attachRecord', { recordId, sessionId: row.id, note: 'again' });
    expect(again).toMatchObject({ ok: false, error: { code: 'conflict', message: `charger record ${recordId} was already attached` } });
    const audit = app.sqlite.prepare("SELECT count(*) AS n FROM audit_log WHERE method = 'sessions.attachRecord'").get() as { n: number };
    expect(audit.n).toBe(4);
    expectLedgerValid(app);
  });

  test('a record is attached only to a charging session of its own charger, and discarded only with a reason', async () => {
    const { depot, recordId } = await depotWithOrphan();
    const { app } = depot;
    depot.driver({ topUpYuan: 100, tag: 'CARD-3' });
    const cp2 = await depot.charger('CP-2');
    const tx = await cp2.startTransaction(1, 'CARD-3', 0, at('09:00'));
    await depot.settle();
    const [other] = app.sqlite.prepare('SELECT id FROM charging_sessions WHERE charger_id = ? AND transaction_id = ?').all('CP-2', tx) as { id: string }[];
    const wrong = await call(app, depot.supervisor, 'sessions.attachRecord', { recordId, sessionId: other.id, note: 'wrong one' });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'invalid_input', details: { field: 'sessionId' } } });
    expect(wrong.ok ? '' : wrong.error.message).toContain('is on charger CP-2, but record');

    const noReason = await call(app, depot.supervisor, 'sessions.discardRecord', { recordId, reason: '' });
    expect(noReason).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    await ok(app, depot.supervisor, 'sessions.discardRecord', { recordId, reason: 'test publish from the installer' });
    const rec = app.sqlite.prepare('SELECT resolution, resolution_note AS note, processed_at AS processedAt FROM charger_transactions WHERE id = ?').get(recordId) as {
      resolution: string;
      note: string;
      processedAt: number;
    };
    expect(rec).toMatchObject({ resolution: 'discarded', note: 'test publish from the installer' });
    expect(rec.processedAt).not.toBeNull();
    const twice = await call(app, depot.supervisor, 'sessions.discardRecord', { recordId, reason: 'again' });
    expect(twice).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(depot.session(other.id).state).toBe('CHARGING');
  });

  test('a record whose applying fails is parked with the error and does not hold up the next; the minute job tries it again', async () => {
    const depot = await startSessionDepot();
    const { app } = depot;
    const cp = await depot.charger('CP-1');
    depot.driver({ topUpYuan: 100, tag: 'CARD-4' });
    // Make every new session fail to insert for a moment (a trigger standing in for a fault).
    app.sqlite.exec(`CREATE TEMP TRIGGER fail_sessions BEFORE INSERT ON charging_sessions WHEN NEW.connector_id = 2 BEGIN SELECT RAISE(ABORT, 'disk says no'); END`);
    await cp.startTransaction(2, 'CARD-4', 0, at('09:00'));
    const tx1 = await cp.startTransaction(1, 'CARD-4', 0, at('09:01'));
    await depot.settle();
    const failed = parked(depot);
    expect(failed).toHaveLength(1);
    expect(failed[0].reason).toBe('error: disk says no');
    const ok1 = app.sqlite.prepare('SELECT state FROM charging_sessions WHERE transaction_id = ?').get(tx1) as { state: string };
    expect(ok1.state).toBe('CHARGING');

    app.sqlite.exec('DROP TRIGGER fail_sessions');
    const r = consumeInbox(app, { retryParked: true });
    expect(r.applied).toBe(1);
    expect(parked(depot)).toHaveLength(0);
    expect(app.sqlite.prepare('SELECT count(*) AS n FROM charging_sessions').get()).toEqual({ n: 2 });
  });
});

describe('records from before the upgrade', () => {
  test('migration 0015 parks the records that were waiting, and a meter record replayed after the upgrade is still a repeat', () => {
    const full = path.join(REPO_ROOT, 'migrations');
    const old = path.join(tempDir(), 'migrations');
    fs.cpSync(full, old, { recursive: true });
    const journalFile = path.join(old, 'meta', '_journal.json');
    const journal = JSON.parse(fs.readFileSync(journalFile, 'utf8')) as { entries: { tag: string }[] };
    journal.entries = journal.entries.filter((e) => e.tag < '0015');
    fs.writeFileSync(journalFile, JSON.stringify(journal));
    const db = new Database(path.join(tempDir(), 'old.sqlite'));
    try {
      migrate(db, old);
      const hash = 'ab'.repeat(32);
      const insert = db.prepare(
        `INSERT INTO charger_transactions (charger_id, kind, transaction_id, connector_id, id_tag, charger_at, meter_wh, dedup_key, content_hash, payload, unique_id,
           received_at, last_received_at, processed_at, process_error) VALUES (?, ?, ?, 1, NULL, 1, 10, ?, ?, '{}', 'u', 5, 5, ?, ?)`,
      );
      insert.run('CP-1', 'meter', 3, `meter|1|3|${hash}`, hash, 9, null);
      insert.run('CP-1', 'stop', 4, 'stop|4', 'cd'.repeat(32), null, 'waiting for the StartTransaction of transaction 4');
      migrate(db, full);
      const rows = db
        .prepare(
          'SELECT kind, hex(dedup_key) AS key, CASE WHEN content_hash IS NULL THEN NULL ELSE hex(content_hash) END AS hash, parked_at AS parkedAt, payload FROM charger_transactions ORDER BY id',
        )
        .all();
      expect(rows).toEqual([
        { kind: 'meter', key: 'AB'.repeat(16), hash: null, parkedAt: null, payload: '{}' },
        { kind: 'stop', key: Buffer.from('stop|4').toString('hex').toUpperCase(), hash: 'CD'.repeat(16), parkedAt: 5, payload: '{}' },
      ]);
    } finally {
      db.close();
    }
  });
});
