import { FakeClock } from '../src-main/kernel/clock';
import { openCore } from '../src-main/boot/core';
import { silentLogger } from '../src-main/kernel/logger';
import { scanPlan, scanUnsettled } from '../src-main/sessions';
import { percentile, ratio, time, type Benchmark } from './harness';

/**
 * The settlement sweeper's scan: 1,000,000 sessions stopped within the sweep window, 1 % of them
 * still FINISHED (unsettled). Measured: the sweeper's own scan (scanUnsettled: keyset chunks of
 * sessions.sweepChunkSize through the partial index, as runSweep iterates it, without settling)
 * against one bare SELECT of the same rows through the same index, in the same run. Setup (the
 * million rows, inserted with one prepared statement in large transactions) is not measured.
 */
const DAY = 24 * 3_600_000;

const bench: Benchmark = async ({ quick, dir }) => {
  const total = quick ? 100_000 : 1_000_000;
  const unsettledEvery = 100; // 1 %
  const clock = new FakeClock('2026-03-01T04:00:00Z');
  const app = openCore({ dataDir: dir, mode: 'test', clock, log: silentLogger() });
  const now = clock.now();
  const windowFrom = now - app.config.sessions.sweepWindowDays * DAY;
  const span = now - windowFrom - 60_000;

  const insert = app.sqlite.prepare(
    `INSERT INTO charging_sessions (id, state, origin, charger_id, connector_id, station_id, driver_id, id_tag, prepay_fen, transaction_id,
       meter_start_wh, meter_stop_wh, started_at, start_received_at, stopped_at, stop_received_at, stop_reason, energy_wh, amount_fen,
       settlement_key, settled_at, created_at, updated_at)
     VALUES (@id, @state, 'charger', @charger, 1, 'ST-1', @driver, @tag, 0, @tx, 0, @wh, @start, @start, @stop, @stop, 'Local', @wh, @amount,
       @key, @settled, @start, @stop)`,
  );
  const setup = time(() => {
    const batch = 50_000;
    for (let from = 0; from < total; from += batch) {
      app.sqlite.transaction(() => {
        for (let i = from; i < Math.min(total, from + batch); i += 1) {
          const id = `S${String(i).padStart(9, '0')}`;
          // Spread over the window in a scrambled order, so the index is not filled in key order.
          const stop = windowFrom + 60_000 + ((i * 7_919) % total) * Math.floor(span / total);
          const unsettled = i % unsettledEvery === 0;
          insert.run({
            id,
            state: unsettled ? 'FINISHED' : 'PAID',
            charger: `CP-${i % 200}`,
            driver: `D${i % 5_000}`,
            tag: `TAG${i % 5_000}`,
            tx: i + 1,
            wh: 20_000,
            start: stop - 3_600_000,
            stop,
            amount: unsettled ? null : 3682,
            key: unsettled ? null : `settle:${id}`,
            settled: unsettled ? null : stop,
          });
        }
      })();
    }
  });
  const expected = Math.ceil(total / unsettledEvery);

  const plan = scanPlan(app);
  const bare = app.sqlite.prepare(
    `SELECT id FROM charging_sessions INDEXED BY charging_sessions_unsettled
     WHERE state = 'FINISHED' AND stop_received_at >= ? AND stop_received_at <= ?`,
  );
  // What the planner picks without the partial index (the state index, then a sort): context only.
  const viaStateIndex = app.sqlite.prepare(
    `SELECT id FROM charging_sessions INDEXED BY charging_sessions_state
     WHERE state = 'FINISHED' AND stop_received_at >= ? AND stop_received_at <= ? ORDER BY stop_received_at, id`,
  );
  const chunkSize = app.config.sessions.sweepChunkSize;

  const rounds = quick ? 9 : 15;
  const scanMs: number[] = [];
  const bareMs: number[] = [];
  const stateMs: number[] = [];
  let scanned = 0;
  let bareRows = 0;
  // Warm the page cache once for each, then alternate so neither is favoured by what ran before.
  for (const ids of scanUnsettled(app, { from: windowFrom, until: now, chunkSize })) scanned += ids.length;
  bare.all(windowFrom, now);
  for (let r = 0; r < rounds; r += 1) {
    const s = time(() => {
      let n = 0;
      for (const ids of scanUnsettled(app, { from: windowFrom, until: now, chunkSize })) n += ids.length;
      return n;
    });
    scanMs.push(s.ms);
    scanned = s.value;
    const b = time(() => (bare.all(windowFrom, now) as { id: string }[]).length);
    bareMs.push(b.ms);
    bareRows = b.value;
    stateMs.push(time(() => viaStateIndex.all(windowFrom, now).length).ms);
  }
  app.close();

  const scan = percentile(scanMs, 50);
  const bareMedian = percentile(bareMs, 50);
  const scanMin = Math.min(...scanMs);
  const bareMin = Math.min(...bareMs);
  const notes = [
    `${total.toLocaleString('en-US')} sessions in the ${app.config.sessions.sweepWindowDays}-day window, ${expected.toLocaleString('en-US')} unsettled (FINISHED); scan in chunks of ${chunkSize}; medians of ${rounds} rounds`,
    `scan plan: ${plan.join(' | ')}`,
    `rows: sweep scan ${scanned}, bare select ${bareRows} (expected ${expected})`,
  ];
  if (scanned !== expected || bareRows !== expected) notes.push('ROW COUNT MISMATCH: the scan does not see the same rows as the bare select');
  return {
    name: 'sweeper',
    figures: {
      sessions: total,
      unsettled_sessions: expected,
      setup_insert_s: setup.ms / 1000,
      sweep_scan_ms: scan,
      bare_indexed_select_ms: bareMedian,
      via_state_index_and_sort_ms: percentile(stateMs, 50),
      sweep_scan_min_ms: scanMin,
      bare_indexed_select_min_ms: bareMin,
    },
    ratios: {
      sweep_scan_vs_bare_select: ratio(scan / bareMedian, { atMost: 2 }),
      // Best of the rounds: what the code costs when other processes leave the CPU alone.
      sweep_scan_vs_bare_select_best: ratio(scanMin / bareMin, { atMost: 2 }),
    },
    notes,
  };
};
export default bench;
