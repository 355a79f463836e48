import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { openCore } from '../src-main/boot/core';
import { FakeClock } from '../src-main/kernel/clock';
import { silentLogger } from '../src-main/kernel/logger';
import { runExport } from '../src-main/reports';

/**
 * Helper process of bench/export.ts (not a benchmark itself: run.ts skips files ending in -child):
 * opens the seeded depot and runs one export, as the app would, and prints its time, the process's
 * peak RSS and the longest event-loop delay as JSON.
 */
const [dir, exportId] = process.argv.slice(2);
const app = openCore({ dataDir: dir, mode: 'test', clock: new FakeClock('2026-06-01T00:00:00Z'), log: silentLogger() });
// RSS after opening, measured apart from the export's.
const rssAfterOpen = process.memoryUsage().rss;
let exportPeak = rssAfterOpen;
const sampler = setInterval(() => (exportPeak = Math.max(exportPeak, process.memoryUsage().rss)), 20);
const lag = monitorEventLoopDelay({ resolution: 10 });
lag.enable();
const t0 = performance.now();
const e = await runExport(app, exportId);
const ms = performance.now() - t0;
lag.disable();
clearInterval(sampler);
app.close();
process.stdout.write(
  JSON.stringify({
    ms,
    rows: e.rows,
    path: e.path,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    rssAfterOpen,
    exportPeakRss: exportPeak,
    maxLagMs: lag.max / 1e6,
    p99LagMs: lag.percentile(99) / 1e6,
  }) + '\n',
);
