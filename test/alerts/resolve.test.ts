import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { acknowledgeAlert, getAlert, listAlerts, openAlertCount, raiseAlert, resolveAlert } from '../../src-main/alerts';
import { openDatabase } from '../../src-main/kernel/db/connection';
import type { DepotEvent } from '../../src-main/kernel/events';
import { REPO_ROOT, addOperator, call, makeApp, ok, tempDir } from '../helpers';

/**
 * Alerts that resolve themselves (src-main/alerts/service.ts): a rule whose condition clears
 * resolves its open alert, recorded with when, by whom and why; the history keeps it.
 */

function dashboardHints(events: DepotEvent[]): number {
  return events.filter((e) => e.type === 'dashboard.changed' && e.payload.reason === 'alerts').length;
}

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('an alert whose condition clears', () => {
  it('is resolved by the system: it leaves the open list and the open count, and the history keeps who, when and why', async () => {
    const { app, clock } = makeApp();
    const { alert } = raiseAlert(app, { code: 'sessions_unsettled', level: 'warning', subject: 'sessions_unsettled:count', message: '120 unsettled' });
    expect(openAlertCount(app)).toBe(1);
    clock.advance(10 * 60_000);

    const { resolved } = resolveAlert(app, 'sessions_unsettled:count', 'the sweep found 3 unsettled, not above 100');
    expect(resolved).toMatchObject({ id: alert.id, resolvedAt: clock.now(), resolvedBy: 'system', resolution: 'the sweep found 3 unsettled, not above 100' });
    expect(openAlertCount(app)).toBe(0);
    expect(listAlerts(app, { open: true, limit: 10, offset: 0 }).total).toBe(0);
    const history = listAlerts(app, { open: false, limit: 10, offset: 0 });
    expect(history.items).toEqual([expect.objectContaining({ id: alert.id, resolvedBy: 'system', acknowledgedAt: null, count: 1 })]);
  });

  it('with nothing open for the subject, resolving changes nothing and says so', () => {
    const { app } = makeApp();
    expect(resolveAlert(app, 'sessions_unsettled:count', 'cleared')).toEqual({ resolved: null });
    const { alert } = raiseAlert(app, { code: 'x', level: 'urgent', subject: 'x:1', message: 'x' });
    expect(resolveAlert(app, 'x:1', 'cleared').resolved?.id).toBe(alert.id);
    // Resolved at most once: the second call finds nothing open and leaves the first record alone.
    expect(resolveAlert(app, 'x:1', 'cleared again')).toEqual({ resolved: null });
    expect(getAlert(app, alert.id)).toMatchObject({ resolution: 'cleared' });
  });

  it('never touches an acknowledged alert: the operator’s acknowledgement stands as it was', async () => {
    const { app } = makeApp();
    const { alert } = raiseAlert(app, { code: 'x', level: 'warning', subject: 'x:ack', message: 'x' });
    acknowledgeAlert(app, alert.id, 'li.na');
    expect(resolveAlert(app, 'x:ack', 'cleared')).toEqual({ resolved: null });
    expect(getAlert(app, alert.id)).toMatchObject({ acknowledgedBy: 'li.na', resolvedAt: null, resolvedBy: null });
  });

  it('raised again after resolving, it opens a new alert; the resolved one stays resolved', () => {
    const { app, clock } = makeApp();
    const first = raiseAlert(app, { code: 'x', level: 'urgent', subject: 'x:again', message: 'first' }).alert;
    resolveAlert(app, 'x:again', 'cleared');
    clock.advance(60_000);
    const again = raiseAlert(app, { code: 'x', level: 'urgent', subject: 'x:again', message: 'second' });
    expect(again.created).toBe(true);
    expect(again.alert.id).not.toBe(first.id);
    expect(again.alert).toMatchObject({ count: 1, resolvedAt: null });
    expect(getAlert(app, first.id)).toMatchObject({ count: 1, resolvedBy: 'system', message: 'first' });
    expect(openAlertCount(app)).toBe(1);
  });

  it('a resolved alert cannot be acknowledged any more: it is in the history, not on the open list', async () => {
    const { app } = makeApp();
    const supervisor = await addOperator(app, 'supervisor');
    const { alert } = raiseAlert(app, { code: 'x', level: 'warning', subject: 'x:gone', message: 'x' });
    resolveAlert(app, 'x:gone', 'cleared');
    expect(await call(app, supervisor, 'alerts.acknowledge', { id: alert.id })).toMatchObject({ ok: false, error: { code: 'conflict' } });
    const all = await ok<{ items: { id: string; resolvedBy: string | null; resolution: string | null }[] }>(app, supervisor, 'alerts.list', { all: true });
    expect(all.items).toEqual([expect.objectContaining({ id: alert.id, resolvedBy: 'system', resolution: 'cleared' })]);
  });

  it('resolved inside a transaction that rolls back, it stays open and nothing is announced; committed, the dashboard hears of it', async () => {
    const { app } = makeApp();
    raiseAlert(app, { code: 'x', level: 'warning', subject: 'x:tx', message: 'x' });
    await tick();
    const events: DepotEvent[] = [];
    app.events.subscribe((e) => events.push(e));
    expect(() =>
      app.sqlite.transaction(() => {
        expect(resolveAlert(app, 'x:tx', 'cleared').resolved).not.toBeNull();
        throw new Error('abort');
      })(),
    ).toThrow('abort');
    await tick();
    expect(openAlertCount(app)).toBe(1);
    expect(dashboardHints(events)).toBe(0);

    app.sqlite.transaction(() => resolveAlert(app, 'x:tx', 'cleared'))();
    await tick();
    expect(openAlertCount(app)).toBe(0);
    expect(dashboardHints(events)).toBe(1);
  });
});

describe('the levels', () => {
  it('are info, warning and urgent: the database refuses any other', () => {
    const { app } = makeApp();
    for (const level of ['info', 'warning', 'urgent'] as const) raiseAlert(app, { code: 'x', level, subject: `x:${level}`, message: level });
    expect(() => app.sqlite.prepare("UPDATE alerts SET level = 'error' WHERE subject = 'x:info'").run()).toThrow(/CHECK constraint failed/);
  });

  it('a database from before urgent existed keeps its alerts: its error ones become urgent, open ones stay open', () => {
    const migrations = path.join(tempDir(), 'migrations');
    fs.cpSync(path.join(REPO_ROOT, 'migrations'), migrations, { recursive: true });
    const journalFile = path.join(migrations, 'meta', '_journal.json');
    const journal = JSON.parse(fs.readFileSync(journalFile, 'utf8')) as { entries: { tag: string }[] };
    const full = structuredClone(journal);
    const upTo = journal.entries.findIndex((e) => e.tag === '0025_alert_levels_resolve');
    expect(upTo).toBeGreaterThan(0);
    fs.writeFileSync(journalFile, JSON.stringify({ ...journal, entries: journal.entries.slice(0, upTo) }));

    const file = path.join(tempDir(), 'db.sqlite');
    openDatabase(file, { migrationsDir: migrations }).close();
    const raw = new Database(file);
    const insert = raw.prepare(
      `INSERT INTO alerts (id, code, level, message, subject, raised_at, last_raised_at, count, acknowledged_at, acknowledged_by)
       VALUES (?, 'job_failing', ?, 'm', ?, 1, 2, 3, ?, ?)`,
    );
    insert.run('A1', 'error', 'job_failing:a', null, null);
    insert.run('A2', 'error', 'job_failing:b', 5, 'li.na');
    insert.run('A3', 'warning', 'sessions_unsettled:count', null, null);
    raw.close();

    fs.writeFileSync(journalFile, JSON.stringify(full));
    const opened = openDatabase(file, { migrationsDir: migrations });
    try {
      expect(opened.sqlite.prepare('SELECT id, level, count, acknowledged_by, resolved_at, resolved_by FROM alerts ORDER BY id').all()).toEqual([
        { id: 'A1', level: 'urgent', count: 3, acknowledged_by: null, resolved_at: null, resolved_by: null },
        { id: 'A2', level: 'urgent', count: 3, acknowledged_by: 'li.na', resolved_at: null, resolved_by: null },
        { id: 'A3', level: 'warning', count: 3, acknowledged_by: null, resolved_at: null, resolved_by: null },
      ]);
      // Still one open alert per subject: the rebuilt index holds.
      expect(() =>
        opened.sqlite
          .prepare("INSERT INTO alerts (id, code, level, message, subject, raised_at, last_raised_at) VALUES ('A4', 'job_failing', 'urgent', 'm', 'job_failing:a', 9, 9)")
          .run(),
      ).toThrow(/UNIQUE constraint failed/);
    } finally {
      opened.close();
    }
  });
});
