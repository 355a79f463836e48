import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openCore } from '../src-main/boot/core';
import { FakeClock } from '../src-main/kernel/clock';
import { silentLogger } from '../src-main/kernel/logger';
import { ratio, type Benchmark } from './harness';
import { seedSessions } from './export';

/**
 * Opening a depot at size (issue 18): 1,000,000 settled sessions (100,000 with --quick) in the real
 * schema, opened in a fresh process the way serve, the CLI and the desktop app open it (openCore:
 * pragmas, the migrations' versions and hashes). Baseline, same file, same run: better-sqlite3
 * opening it and reading the applied migrations. Also measured: the integrity checks opening used to
 * run on every start (quick_check + foreign_key_check), which now run in doctor and on each backup
 * copy. Goal: opening under 2 s of CPU at 1M sessions. CPU is the child's own, module loading excluded.
 */
const here = path.dirname(fileURLToPath(import.meta.url));

function child(dir: string, how: 'raw' | 'core' | 'check'): { cpuMs: number; ms: number } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, 'open-child.ts'), dir, how], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench: the ${how} open failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { cpuMs: number; ms: number };
}

const bench: Benchmark = async ({ quick, dir }) => {
  const rows = quick ? 100_000 : 1_000_000;
  const app = openCore({ dataDir: dir, mode: 'test', clock: new FakeClock('2026-06-01T00:00:00Z'), log: silentLogger() });
  seedSessions(app, rows);
  app.close();
  const size = fs.statSync(path.join(dir, 'depotdesk.sqlite')).size;
  const raw = child(dir, 'raw');
  const core = child(dir, 'core');
  const check = child(dir, 'check');
  return {
    name: 'open',
    figures: {
      sessions: rows,
      file_mb: Number((size / 2 ** 20).toFixed(1)),
      raw_open_cpu_ms: Math.round(raw.cpuMs),
      core_open_cpu_ms: Math.round(core.cpuMs),
      core_open_ms: Math.round(core.ms),
      integrity_checks_cpu_ms: Math.round(check.cpuMs),
      integrity_checks_ms: Math.round(check.ms),
      core_open_cpu_vs_raw: Number((core.cpuMs / Math.max(1, raw.cpuMs)).toFixed(1)),
    },
    ratios: {
      core_open_cpu_vs_2s: ratio(core.cpuMs / 2000, { atMost: 1 }),
    },
    notes: [
      'core: openCore in a fresh process (pragmas, migrations checked by version and hash); raw: better-sqlite3 opens the file and reads schema_migrations',
      'integrity_checks: quick_check + foreign_key_check, which every open ran before issue 18 and doctor and each backup copy now run',
    ],
  };
};

export default bench;
