import { openCore } from '../src-main/boot/core';
import { FakeClock } from '../src-main/kernel/clock';
import { silentLogger } from '../src-main/kernel/logger';
import { listSessions, type ListQuery } from '../src-main/sessions';
import { percentile, ratio, type Benchmark } from './harness';
import { seedSessions } from './export';

/**
 * The Sessions list at a real depot's size (issue 18): 1,000,000 sessions (100,000 with --quick) in
 * the real schema — 97 % paid, 2 % failed, 1 % unpaid, over 200 chargers and 1,000 drivers — and
 * every filter the page offers, through listSessions (what sessions.list runs): the first page, a
 * page deep in the list (OFFSET half the rows), state, charger, driver and a one-day range, each a
 * page of 50 with its total. Each query runs 5 times; the figure is the median. Baseline, same run:
 * the first page with no filter and no count (an index walk of 50 rows). Goal: every filter < 50 ms.
 */
const bench: Benchmark = async ({ quick, dir }) => {
  const rows = quick ? 100_000 : 1_000_000;
  const app = openCore({ dataDir: dir, mode: 'test', clock: new FakeClock('2026-06-01T00:00:00Z'), log: silentLogger() });
  try {
    seedSessions(app, rows);
    app.sqlite.exec(`UPDATE charging_sessions SET state = 'FAILED' WHERE rowid % 50 = 7; UPDATE charging_sessions SET state = 'UNPAID' WHERE rowid % 100 = 3`);
    app.sqlite.exec('ANALYZE');
    const driverId = (app.sqlite.prepare('SELECT driver_id FROM charging_sessions LIMIT 1').pluck().get() as string) ?? '';
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    const day = { from: t0 + 100 * 86_400_000, to: t0 + 101 * 86_400_000 };
    const cases: [string, ListQuery][] = [
      ['first page', {}],
      [`deep page (offset ${rows / 2})`, { offset: rows / 2 }],
      ['state = FAILED (2 %)', { state: 'FAILED' }],
      ['state = PAID (97 %)', { state: 'PAID' }],
      ['state = UNPAID, deep page', { state: 'UNPAID', offset: Math.floor(rows / 250) }],
      ['one charger', { chargerId: 'CP-7' }],
      ['one driver', { driverId }],
      ['one day', day],
      ['state + one day', { state: 'PAID', ...day }],
    ];
    const median = (fn: () => void) => {
      const ms: number[] = [];
      for (let i = 0; i < 5; i += 1) {
        const s = performance.now();
        fn();
        ms.push(performance.now() - s);
      }
      return percentile(ms, 50);
    };
    const base = median(() => app.sqlite.prepare('SELECT * FROM charging_sessions ORDER BY created_at DESC, id DESC LIMIT 50').all());
    const figures: Record<string, number> = { sessions: rows, baseline_first_page_ms: Number(base.toFixed(2)) };
    let slowest = { name: '', ms: 0 };
    for (const [name, q] of cases) {
      const ms = median(() => listSessions(app, { ...q, limit: 50 }));
      figures[`${name}_ms`] = Number(ms.toFixed(1));
      if (ms > slowest.ms) slowest = { name, ms };
    }
    return {
      name: 'lists',
      figures,
      ratios: { slowest_list_query_vs_50ms: ratio(slowest.ms / 50, { atMost: 1 }) },
      notes: [`slowest: ${slowest.name} (${slowest.ms.toFixed(1)} ms)`, 'each figure is a page of 50 plus its total count, median of 5 runs, after ANALYZE'],
    };
  } finally {
    app.close();
  }
};

export default bench;
