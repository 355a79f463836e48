import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { openCore } from '../src-main/boot/core';
import type { AppContext } from '../src-main/kernel/context';
import { FakeClock } from '../src-main/kernel/clock';
import { silentLogger } from '../src-main/kernel/logger';
import { dayBounds, importStatement, runDayInSlices } from '../src-main/reconciliation';
import { checkpointsSettled } from '../src-main/kernel/db/checkpoint-thread';
import { BENCH_DAY, BENCH_NOW } from './recon';

/**
 * Helper process of bench/recon.ts (not a benchmark itself: run.ts skips files ending in -child).
 * `ours`: importStatement then runDayInSlices of the bench day; `baseline`: the bare load and join. Opens the
 * seeded depot, reads the bill (not timed), times each phase (wall and CPU), and writes its figures
 * and what it found as JSON to the file named last on its command line.
 */

interface Phase {
  ms: number;
  cpuMs: number;
  heapUsedBytes: number;
  rssBytes: number;
}

export interface ChildResult {
  phases: Record<string, Phase>;
  maxRssBytes: number;
  peakHeapBytes: { seen: number; live: number };
  checks: Checks;
}

/** What a side found: counts by name, and (ours) the breaks recorded by kind. */
export interface Checks {
  counts: Record<string, number>;
  breaks: Record<string, number>;
}

async function phase<T>(phases: Record<string, Phase>, name: string, fn: () => T | Promise<T>): Promise<T> {
  process.stdout.write(`phase ${name} start\n`);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const mem = process.memoryUsage();
  phases[name] = { ms, cpuMs: (cpu.user + cpu.system) / 1000, heapUsedBytes: mem.heapUsed, rssBytes: mem.rss };
  process.stdout.write(`phase ${name} end\n`);
  return value;
}

/**
 * DEPOTDESK_BENCH_RECON_DROP_INDEXES=a,b: those indexes of recon_statement_rows dropped from this
 * copy of the depot before the import, to measure what each costs (a measurement, not a schema).
 */
function dropIndexes(app: AppContext): void {
  for (const name of (process.env.DEPOTDESK_BENCH_RECON_DROP_INDEXES ?? '').split(',').filter(Boolean)) {
    if (!/^recon_statement_rows_\w+$/.test(name)) throw new Error(`bench: ${name} is not an index of recon_statement_rows`);
    app.sqlite.exec(`DROP INDEX ${name}`);
  }
}

async function ours(app: AppContext, bytes: Buffer, phases: Record<string, Phase>): Promise<Checks> {
  dropIndexes(app);
  const imported = await phase(phases, 'import', () => importStatement(app, bytes, 'bench-wechat-all.csv'));
  const day = await phase(phases, 'match', () => runDayInSlices(app, BENCH_DAY));
  // The import's checkpoint runs in a worker thread beside the match; what is left of it after the match.
  await phase(phases, 'checkpoint', () => checkpointsSettled());
  const breaks: Record<string, number> = {};
  for (const r of app.sqlite.prepare<[], { kind: string; n: number }>('SELECT kind, count(*) AS n FROM recon_breaks GROUP BY kind').all()) breaks[r.kind] = r.n;
  const wechat = day.figures.channels.wechat;
  const counts = {
    imported: imported.imported ? 1 : 0,
    storedRows: imported.statement.rowCount - imported.statement.repeatedRows,
    matched: day.figures.matchedPayments,
    pending: day.figures.pendingCount,
    breaksOpened: day.breaksOpened,
    ourPayments: wechat?.ourPayments.count ?? 0,
    gatewayPayments: wechat?.gatewayPayments.count ?? 0,
  };
  return { counts, breaks };
}

/** The bill cut into lines and fields, 3 fields kept per row, straight into a bare table. */
function load(app: AppContext, bytes: Buffer): number {
  const insert = app.sqlite.prepare('INSERT INTO bench_raw_rows (trade_no, order_no, amount_fen) VALUES (?, ?, ?)');
  const starts = new Int32Array(64);
  const ends = new Int32Array(64);
  let n = 0;
  app.sqlite.transaction(() => {
    for (let pos = bytes.indexOf(0x0a) + 1; pos < bytes.length;) {
      const nl = bytes.indexOf(0x0a, pos);
      const stop = nl === -1 ? bytes.length : nl - 1;
      if (bytes[pos] !== 0x60) break; // the summary header: the rows are over
      let k = 0;
      starts[0] = pos + 1;
      for (let i = pos + 1; i < stop - 1 && k < 63; i++) {
        if (bytes[i] === 0x2c && bytes[i + 1] === 0x60) {
          ends[k++] = i;
          starts[k] = i + 2;
        }
      }
      ends[k] = stop;
      const f = (j: number) => bytes.toString('utf8', starts[j], ends[j]);
      insert.run(f(5), f(6), Math.round(Number(f(12)) * 100));
      n++;
      pos = stop + 2;
    }
  })();
  return n;
}

const JOIN = `SELECT j.matched, j.mismatched, j.unknown,
    (SELECT count(*) FROM payment_orders o WHERE o.paid_at >= @from AND o.paid_at < @to AND o.state = 'PAID'
       AND o.number NOT IN (SELECT order_no FROM bench_raw_rows)) AS missing
  FROM (SELECT sum(o.id IS NOT NULL AND o.state = 'PAID' AND o.provider_trade_no = r.trade_no AND o.payable = r.amount_fen) AS matched,
               sum(o.id IS NOT NULL AND NOT (o.state = 'PAID' AND o.provider_trade_no = r.trade_no AND o.payable = r.amount_fen)) AS mismatched,
               sum(o.id IS NULL) AS unknown
        FROM bench_raw_rows r LEFT JOIN payment_orders o ON o.number = r.order_no) j`;

async function baseline(app: AppContext, bytes: Buffer, phases: Record<string, Phase>): Promise<Checks> {
  app.sqlite.exec('DROP TABLE IF EXISTS bench_raw_rows; CREATE TABLE bench_raw_rows (trade_no TEXT NOT NULL, order_no TEXT NOT NULL, amount_fen INTEGER NOT NULL)');
  const loaded = await phase(phases, 'load', () => load(app, bytes));
  const { from, to } = dayBounds(BENCH_DAY, app.clock.timeZone);
  const counts = await phase(phases, 'join', () =>
    app.sqlite.prepare<[{ from: number; to: number }], { matched: number; mismatched: number; unknown: number; missing: number }>(JOIN).get({ from, to }),
  );
  if (!counts) throw new Error('bench: the baseline join returned no row');
  return { counts: { loaded, ...counts }, breaks: {} };
}

const [dir, mode, , out] = process.argv.slice(2);
const app = openCore({ dataDir: dir, mode: 'test', clock: new FakeClock(BENCH_NOW), log: silentLogger() });
const bytes = fs.readFileSync(`${dir}/bill.csv`);
const phases: Record<string, Phase> = {};
const checks = mode === 'ours' ? await ours(app, bytes, phases) : await baseline(app, bytes, phases);
app.close();
const result: ChildResult = { phases, maxRssBytes: process.resourceUsage().maxRSS * 1024, peakHeapBytes: { seen: 0, live: 0 }, checks };
fs.writeFileSync(out, JSON.stringify(result));
