import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import ExcelJS from 'exceljs';
import { openCore } from '../src-main/boot/core';
import { FakeClock } from '../src-main/kernel/clock';
import { silentLogger } from '../src-main/kernel/logger';
import { addDriver } from '../src-main/ledger';
import { requestExport } from '../src-main/reports';
import { readyCliEntry } from '../scripts/build-cli.js';
import { perSecond, ratio, timeAsync, type Benchmark } from './harness';

/**
 * Exporting the Sessions list (issue 15): 1,000,000 settled sessions (100,000 with --quick) in the
 * real schema, written as an Excel workbook by the export job's code (runExport: keyset pages of
 * 1,000, driver names and masked phones, 11 columns with money, kWh and date formats, a totals row,
 * a yield to the event loop every 500 rows).
 *
 * Baseline, same rows, same run: the same SELECT iterated in one go into a bare exceljs
 * WorkbookWriter (addRow().commit(), no styles, no lookups, no yields): the least a streaming export
 * of these rows does. Goals: ≥ 80 % of the baseline's rate, peak RSS < 400 MB, and no event-loop
 * task over 100 ms while the export runs (monitorEventLoopDelay, 10 ms resolution).
 */

const here = path.dirname(fileURLToPath(import.meta.url));
const mb = (bytes: number) => Number((bytes / 2 ** 20).toFixed(1));

export function seedSessions(app: ReturnType<typeof openCore>, rows: number): void {
  const drivers = Array.from({ length: 1000 }, (_, i) => addDriver(app, { name: `司机${i}`, phone: String(13900000000 + i) }).id);
  const insert = app.sqlite.prepare(
    `INSERT INTO charging_sessions (id, state, origin, charger_id, connector_id, driver_id, id_tag, prepay_fen, transaction_id, meter_start_wh, meter_stop_wh,
       started_at, stopped_at, energy_wh, amount_fen, electricity_fen, service_fen, settled_at, created_at, updated_at)
     VALUES (?, 'PAID', 'operator', ?, 1, ?, 'TAG', 0, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  for (let from = 0; from < rows; from += 50_000) {
    app.sqlite.transaction(() => {
      for (let i = from; i < Math.min(rows, from + 50_000); i++) {
        const at = t0 + i * 30_000;
        const wh = 5_000 + (i % 40_000);
        const e = Math.round(wh * 0.08);
        const s = Math.round(wh * 0.06);
        insert.run(
          `S${String(i).padStart(9, '0')}`,
          `CP-${i % 200}`,
          drivers[i % drivers.length],
          i + 1,
          wh,
          at,
          at + 3_600_000,
          wh,
          e + s,
          e,
          s,
          at + 3_600_000,
          at,
          at,
        );
      }
    })();
  }
}

async function baseline(app: ReturnType<typeof openCore>, file: string): Promise<number> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useStyles: false, useSharedStrings: false });
  const ws = wb.addWorksheet('sessions');
  let n = 0;
  const rows = app.sqlite
    .prepare<unknown[], Record<string, unknown>>(
      `SELECT id, state, charger_id, connector_id, driver_id, started_at, stopped_at, energy_wh, amount_fen, electricity_fen, service_fen
       FROM charging_sessions ORDER BY created_at DESC, id DESC`,
    )
    .raw()
    .iterate();
  for (const r of rows) {
    ws.addRow(r as unknown as unknown[]).commit();
    n += 1;
  }
  ws.commit();
  await wb.commit();
  return n;
}

const bench: Benchmark = async ({ quick, dir }) => {
  const rows = quick ? 100_000 : 1_000_000;
  const app = openCore({ dataDir: dir, mode: 'test', clock: new FakeClock('2026-06-01T00:00:00Z'), log: silentLogger() });
  try {
    seedSessions(app, rows);
    const raw = await timeAsync(() => baseline(app, path.join(dir, 'baseline.xlsx')));
    const e = requestExport(app, { kind: 'list', list: 'sessions', filter: {} }, { operatorId: 'bench' });
    app.close();
    // The export runs in its own process, as in the app: its peak RSS is the export's, not the seeding's or the baseline's.
    // The workbook is written by the worker thread the app ships: the CLI bundle's, not the sources
    // loaded through tsx (which would time the TypeScript compiler too).
    const worker = path.join(path.dirname(await readyCliEntry(path.join(here, '..'))), 'export-worker.js');
    const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, 'export-child.ts'), dir, e.id], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
      env: { ...process.env, DEPOTDESK_EXPORT_WORKER: worker },
    });
    if (child.status !== 0) throw new Error(`bench: the export process failed (${child.status}): ${child.stderr}`);
    const r = JSON.parse(child.stdout.trim().split('\n').pop()!) as {
      ms: number;
      rows: number;
      path: string;
      maxRssBytes: number;
      rssAfterOpen: number;
      exportPeakRss: number;
      maxLagMs: number;
      p99LagMs: number;
    };
    const ours = { ms: r.ms, value: { rows: r.rows, path: r.path } };
    const peakRss = r.exportPeakRss;
    const maxLagMs = r.maxLagMs;
    if (ours.value.rows !== rows || raw.value !== rows) throw new Error(`bench: exported ${ours.value.rows} and ${raw.value} rows of ${rows}`);
    const size = fs.statSync(path.join(dir, ours.value.path!)).size;
    return {
      name: 'export',
      figures: {
        rows,
        baseline_ms: Math.round(raw.ms),
        export_ms: Math.round(ours.ms),
        baseline_rows_per_s: perSecond(rows, raw.ms),
        export_rows_per_s: perSecond(rows, ours.ms),
        file_mb: mb(size),
        peak_rss_mb: mb(peakRss),
        rss_after_open_mb: mb(r.rssAfterOpen),
        process_max_rss_mb: mb(r.maxRssBytes),
        event_loop_max_delay_ms: Math.round(maxLagMs),
        event_loop_p99_delay_ms: Math.round(r.p99LagMs),
      },
      ratios: {
        export_rate_vs_baseline: ratio(raw.ms / ours.ms, { atLeast: 0.8 }),
        peak_rss_vs_400mb: ratio(peakRss / (400 * 2 ** 20), { atMost: 1 }),
        max_event_loop_delay_vs_100ms: ratio(maxLagMs / 100, { atMost: 1 }),
      },
      notes: [
        'export: runExport of the Sessions list with no filter — keyset pages of 1,000 (no cursor held across yields), driver name + masked phone, formats, totals row',
        'baseline: the same rows by one SELECT … iterate() into a bare exceljs WorkbookWriter (no styles, no lookups, no yields)',
        "the workbook is written by a worker thread (the CLI bundle's export-worker.js) with its own read-only connection; the event-loop delay is the main thread's, which only relays progress",
        'the export runs in a child process that opens the seeded depot, as the app would: peak RSS is the most the process held while the export ran (sampled every 20 ms; process_max_rss also counts opening the depot); event-loop delay from monitorEventLoopDelay (10 ms resolution) in it',
      ],
    };
  } finally {
    if (app.sqlite.open) app.close();
  }
};

export default bench;
