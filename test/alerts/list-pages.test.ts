import { describe, expect, it } from 'vitest';
import { listAlerts } from '../../src-main/alerts';
import type { AppContext } from '../../src-main/kernel/context';
import { makeApp } from '../helpers';

/**
 * The alerts list pages (issue 18): newest first by (last_raised_at, id), a total order, so pages by
 * offset give each alert once where many share a last_raised_at; the open view (the default) reads
 * the partial index of open alerts, the others the list's indexes, never sorting. Real SQLite.
 */
function seed(app: AppContext): void {
  const ins = app.sqlite.prepare(
    `INSERT INTO alerts (id, code, level, message, subject, raised_at, last_raised_at, acknowledged_at, acknowledged_by) VALUES (?, 'job_failing', ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (let i = 0; i < 80; i += 1) {
    const at = 1_000_000 + Math.floor(i / 9) * 1000;
    const open = i % 4 === 0;
    ins.run(`A${String((i * 31) % 80).padStart(3, '0')}`, i % 3 ? 'warning' : 'urgent', `alert ${i}`, `s:${i}`, at - 500, at, open ? null : at + 1, open ? null : 'sup');
  }
}

function pages(app: AppContext, q: Omit<Parameters<typeof listAlerts>[1], 'limit' | 'offset'>, limit: number): string[] {
  const total = listAlerts(app, { ...q, limit, offset: 0 }).total;
  const ids: string[] = [];
  for (let offset = 0; offset < total; offset += limit) ids.push(...listAlerts(app, { ...q, limit, offset }).items.map((a) => a.id));
  return ids;
}

describe('alerts list pages', () => {
  it('open, closed, all and by level: every alert once, newest first', () => {
    const { app } = makeApp();
    seed(app);
    const ids = (where: string) => app.sqlite.prepare(`SELECT id FROM alerts ${where} ORDER BY last_raised_at DESC, id DESC`).pluck().all() as string[];
    expect(pages(app, {}, 7)).toEqual(ids(''));
    expect(pages(app, { open: true }, 3)).toEqual(ids('WHERE acknowledged_at IS NULL AND resolved_at IS NULL'));
    expect(pages(app, { open: false }, 8)).toEqual(ids('WHERE acknowledged_at IS NOT NULL OR resolved_at IS NOT NULL'));
    expect(pages(app, { level: 'urgent' }, 5)).toEqual(ids("WHERE level = 'urgent'"));
    expect(pages(app, { open: true, level: 'warning' }, 2)).toEqual(ids("WHERE level = 'warning' AND acknowledged_at IS NULL AND resolved_at IS NULL"));
  });

  it('the open view can read the partial index of open alerts (the list names it), in order; all and a level read the list order', () => {
    const { app } = makeApp();
    const plan = (sql: string) => (app.sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join('; ');
    expect(
      plan('SELECT * FROM alerts INDEXED BY alerts_list_open WHERE acknowledged_at IS NULL AND resolved_at IS NULL ORDER BY last_raised_at DESC, id DESC LIMIT 5'),
    ).not.toContain('TEMP B-TREE');
    expect(plan('SELECT * FROM alerts ORDER BY last_raised_at DESC, id DESC LIMIT 5')).toContain('alerts_list');
    expect(plan("SELECT * FROM alerts WHERE level = 'info' ORDER BY last_raised_at DESC, id DESC LIMIT 5")).not.toContain('TEMP B-TREE');
  });
});
