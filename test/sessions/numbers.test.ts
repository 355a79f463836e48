import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src-main/kernel/db/connection';
import { listSessions, type SessionView } from '../../src-main/sessions';
import { call, ok, REPO_ROOT, tempDir } from '../helpers';
import { at, startSessionDepot } from './helpers';

/**
 * Session numbers for people (issue 16): CD + an 8-digit depot-wide sequence, given by the database
 * in the insert's own transaction whatever path made the session (migration 0030), never changed,
 * and the sessions already in a depot numbered in the order they were made when it upgrades.
 */

describe('session numbers', () => {
  it('an operator start and a card start at the charger each get the next number; the list finds a session by it; the number never changes', async () => {
    const depot = await startSessionDepot();
    const { app } = depot;
    const cp = await depot.charger('CP-1');
    const driver = depot.driver({ topUpYuan: 100, tag: 'CARD-N1' });
    const first = await ok<SessionView>(app, depot.operator, 'sessions.start', { chargerId: 'CP-1', connectorId: 1, driver: driver.id, prepay: '5.00' });
    expect(first.number).toBe('CD00000001');
    // A start at the charger with a card: the inbox inserts the session, the database numbers it.
    const tx = await cp.startTransaction(2, 'CARD-N1', 0, at('09:00'));
    await depot.settle();
    const byCard = listSessions(app, { chargerId: 'CP-1' }).items.find((s) => s.transactionId === tx)!;
    expect(byCard.number).toBe('CD00000002');

    const found = await ok<{ items: SessionView[]; total: number }>(app, depot.operator, 'sessions.list', { number: ' cd0000 0002 ' });
    expect(found.total).toBe(1);
    expect(found.items[0].id).toBe(byCard.id);
    const refused = await call(app, depot.operator, 'sessions.list', { number: 'DD20260115' });
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error.message).toContain('a session number is CD and 8 digits');

    // Screens that hold only ids (a ledger line, a debt) ask for the numbers: unknown ids are left out.
    expect(await ok(app, depot.operator, 'sessions.numbers', { ids: [first.id, byCard.id, 'NO-SUCH'] })).toEqual({ [first.id]: 'CD00000001', [byCard.id]: 'CD00000002' });
    expect(await ok(app, depot.operator, 'payments.orderNumbers', { ids: ['NO-SUCH'] })).toEqual({});
    const tooMany = await call(app, depot.operator, 'sessions.numbers', { ids: Array.from({ length: 501 }, (_, i) => `S${i}`) });
    expect(tooMany.ok).toBe(false);
    expect(() => app.sqlite.prepare("UPDATE charging_sessions SET number = 'CD99999999' WHERE id = ?").run(first.id)).toThrowError(/never changes/);
    expect(() => app.sqlite.prepare('DELETE FROM session_number_seq').run()).toThrowError(/numbers twice/);
    expect(app.sqlite.prepare('SELECT last FROM session_number_seq').pluck().get()).toBe(2);
  });

  it('a depot upgrading to migration 0030 numbers its sessions in the order they were made, and new ones continue after them', () => {
    const migrations = path.join(tempDir(), 'migrations');
    fs.cpSync(path.join(REPO_ROOT, 'migrations'), migrations, { recursive: true });
    const journalFile = path.join(migrations, 'meta', '_journal.json');
    const full = fs.readFileSync(journalFile, 'utf8');
    const journal = JSON.parse(full) as { entries: { tag: string }[] };
    journal.entries = journal.entries.filter((e) => e.tag < '0030');
    fs.writeFileSync(journalFile, JSON.stringify(journal));

    const file = path.join(tempDir(), 'db.sqlite');
    openDatabase(file, { migrationsDir: migrations }).close();
    const raw = new Database(file);
    const insert = raw.prepare(
      "INSERT INTO charging_sessions (id, state, origin, charger_id, connector_id, id_tag, created_at, updated_at) VALUES (?, 'FAILED', 'operator', 'CP-1', 1, 'T', ?, ?)",
    );
    // Made out of id order: the numbers follow created_at, then id.
    for (const [id, t] of [
      ['S-c', 3_000],
      ['S-a', 1_000],
      ['S-b', 1_000],
      ['S-d', 2_000],
    ] as const)
      insert.run(id, t, t);
    raw.close();

    fs.writeFileSync(journalFile, full);
    const opened = openDatabase(file, { migrationsDir: migrations });
    try {
      const numbers = opened.sqlite.prepare('SELECT id, number FROM charging_sessions ORDER BY number').all();
      expect(numbers).toEqual([
        { id: 'S-a', number: 'CD00000001' },
        { id: 'S-b', number: 'CD00000002' },
        { id: 'S-d', number: 'CD00000003' },
        { id: 'S-c', number: 'CD00000004' },
      ]);
      opened.sqlite
        .prepare(
          "INSERT INTO charging_sessions (id, state, origin, charger_id, connector_id, id_tag, created_at, updated_at) VALUES ('S-e', 'FAILED', 'operator', 'CP-1', 1, 'T', 0, 0)",
        )
        .run();
      expect(opened.sqlite.prepare("SELECT number FROM charging_sessions WHERE id = 'S-e'").pluck().get()).toBe('CD00000005');
    } finally {
      opened.close();
    }
  });
});
