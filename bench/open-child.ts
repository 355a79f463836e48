import Database from 'better-sqlite3';
import path from 'node:path';
import { openCore } from '../src-main/boot/core';
import { FakeClock } from '../src-main/kernel/clock';
import { quickCheck } from '../src-main/kernel/db/connection';
import { silentLogger } from '../src-main/kernel/logger';

/**
 * Helper process of bench/open.ts (run.ts skips files ending in -child): opens the seeded depot one
 * way in a fresh process and prints the CPU (user + system) and wall time of that open as JSON.
 *   raw   — better-sqlite3 opens the file and reads the applied migrations (the least an open does)
 *   core  — openCore, as serve, the CLI and the desktop app open a depot
 *   check — the integrity checks opening used to run (quick_check + foreign_key_check), alone
 */
const [dir, how] = process.argv.slice(2);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
if (how === 'raw') {
  const db = new Database(path.join(dir, 'depotdesk.sqlite'));
  db.prepare('SELECT count(*) FROM schema_migrations').get();
  db.close();
} else {
  const app = openCore({ dataDir: dir, mode: 'test', clock: new FakeClock('2026-06-01T00:00:00Z'), log: silentLogger() });
  if (how === 'check') {
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    const { ok } = quickCheck(app.sqlite);
    const c = process.cpuUsage(c0);
    process.stdout.write(JSON.stringify({ cpuMs: (c.user + c.system) / 1000, ms: performance.now() - w0, ok }) + '\n');
    app.close();
    process.exit(0);
  }
  app.close();
}
const c = process.cpuUsage(cpu0);
process.stdout.write(JSON.stringify({ cpuMs: (c.user + c.system) / 1000, ms: performance.now() - t0 }) + '\n');
