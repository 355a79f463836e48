import { describe, expect, it } from 'vitest';
import { listJobs } from '../../src-main/jobs';
import { ROUTINE_SQL } from '../../src-main/jobs/schema';
import type { AppContext } from '../../src-main/kernel/context';
import { makeApp } from '../helpers';

/**
 * The Jobs list pages (issue 18): newest first by id (unique, so the order is total), the crons'
 * routine runs folded out or shown; every page by offset gives each job once, the totals and the
 * folded count agree with a plain count, and the folded list and its count read the partial index
 * of the other jobs (its WHERE is the list's own term, or SQLite would not use it). Real SQLite.
 */
function seed(app: AppContext): void {
  const ins = app.sqlite.prepare(
    `INSERT INTO jobs (id, kind, queue, args, state, attempt, max_attempts, scheduled_at, unique_key, inserted_at) VALUES (?, ?, ?, '{}', ?, ?, 3, 0, ?, 0)`,
  );
  for (let i = 0; i < 120; i += 1) {
    const id = `01J${String(i).padStart(10, '0')}`;
    if (i % 3 !== 0) ins.run(id, 'ledger.expireHolds', 'default', 'completed', 1, `cron:ledger.expireHolds:${i}`);
    else
      ins.run(id, i % 2 ? 'reports.export' : 'payments.pollOrder', i % 2 ? 'maintenance' : 'default', i % 9 === 0 ? 'discarded' : 'completed', i % 9 === 0 ? 3 : 1, null);
  }
  // A cron run that needed a second attempt is not routine: it stays in the folded list.
  ins.run('01J9999999999', 'ledger.expireHolds', 'default', 'completed', 2, 'cron:ledger.expireHolds:retry');
}

function pages(app: AppContext, q: Omit<Parameters<typeof listJobs>[1], 'limit' | 'offset'>, limit: number): string[] {
  const first = listJobs(app, { ...q, limit, offset: 0 });
  const ids: string[] = [];
  for (let offset = 0; offset < first.total; offset += limit) ids.push(...listJobs(app, { ...q, limit, offset }).items.map((j) => j.id));
  return ids;
}

const ROUTINE = "state = 'completed' AND coalesce(unique_key, '') LIKE 'cron:%' AND attempt <= 1";

describe('jobs list pages', () => {
  it('folded and shown, with each filter: every job once, newest first, and the routine runs counted', () => {
    const { app } = makeApp();
    seed(app);
    const ids = (where: string) => app.sqlite.prepare(`SELECT id FROM jobs ${where} ORDER BY id DESC`).pluck().all() as string[];
    const count = (where: string) => (app.sqlite.prepare(`SELECT count(*) FROM jobs ${where}`).pluck().get() as number) ?? 0;
    expect(pages(app, { routine: 'fold' }, 7)).toEqual(ids(`WHERE NOT (${ROUTINE})`));
    expect(pages(app, { routine: 'show' }, 7)).toEqual(ids(''));
    expect(pages(app, { routine: 'fold', state: 'completed' }, 5)).toEqual(ids(`WHERE state = 'completed' AND NOT (${ROUTINE})`));
    expect(pages(app, { routine: 'fold', kind: 'ledger.expireHolds' }, 5)).toEqual(['01J9999999999']);
    expect(pages(app, { routine: 'fold', queue: 'maintenance' }, 4)).toEqual(ids(`WHERE queue = 'maintenance' AND NOT (${ROUTINE})`));
    expect(listJobs(app, { routine: 'fold', limit: 1, offset: 0 }).routineFolded).toBe(count(`WHERE ${ROUTINE}`));
    expect(listJobs(app, { routine: 'fold', state: 'discarded', limit: 1, offset: 0 }).routineFolded).toBe(0);
    expect(listJobs(app, { routine: 'fold', queue: 'default', limit: 1, offset: 0 }).routineFolded).toBe(count(`WHERE queue = 'default' AND ${ROUTINE}`));
  });

  it('the folded list and its count read the partial indexes of the jobs that are not routine runs', () => {
    const { app } = makeApp();
    const plan = (sql: string) => (app.sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join('; ');
    const routine = ROUTINE_SQL;
    expect(plan(`SELECT count(*) FROM jobs WHERE NOT (${routine})`)).toContain('jobs_listed');
    expect(plan(`SELECT * FROM jobs WHERE kind = 'x' AND NOT (${routine}) ORDER BY id DESC LIMIT 5`)).toContain('jobs_listed_kind');
    expect(plan(`SELECT * FROM jobs WHERE state = 'completed' ORDER BY id DESC LIMIT 5`)).not.toContain('TEMP B-TREE');
  });
});
