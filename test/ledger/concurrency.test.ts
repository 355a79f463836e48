import { fork } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src-main/kernel/clock';
import { placeHold, topUp, verifyLedger } from '../../src-main/ledger';
import { REPO_ROOT, makeApp } from '../helpers';
import { newDriver, walletOf } from './fixtures';

/**
 * Real concurrency: separate processes, each with its own SQLite connection to the same file,
 * released at the same moment. (Calls inside one process are serialised by better-sqlite3 and
 * would prove nothing.)
 */

const WORKER = path.join(REPO_ROOT, 'test', 'ledger', 'workers', 'contender.ts');
const PROCESSES = 4;
const PER_PROCESS = 25;

async function contend(task: Record<string, unknown>): Promise<string[]> {
  const children = Array.from({ length: PROCESSES }, (_, worker) =>
    fork(WORKER, [JSON.stringify({ ...task, worker, attempts: PER_PROCESS })], {
      cwd: REPO_ROOT,
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  const done = children.map(
    (child) =>
      new Promise<string[]>((resolve, reject) => {
        child.on('message', (m) => {
          if (m && typeof m === 'object' && 'results' in m) resolve((m as { results: string[] }).results);
        });
        child.on('error', reject);
        child.on('exit', (code) => (code === 0 ? undefined : reject(new Error(`contender exited with ${code}`))));
      }),
  );
  // Everyone opens the database first; then all start at once.
  await Promise.all(children.map((child) => new Promise<void>((resolve) => child.once('message', (m) => m === 'ready' && resolve()))));
  for (const child of children) child.send('go');
  return (await Promise.all(done)).flat();
}

function tally(results: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of results) out[r] = (out[r] ?? 0) + 1;
  return out;
}

describe('many processes at once', () => {
  it('100 concurrent attempts to post or void the same hold: exactly one succeeds', async () => {
    const at = Date.now();
    const { app, dir } = makeApp({ clock: new FakeClock(at) });
    const d = newDriver(app);
    topUp(app, { key: 'top', driverId: d.id, amountFen: 5_000, channel: 'cash' });
    const hold = placeHold(app, { key: 'hold:race', driverId: d.id, amountFen: 2_000, expiresAt: at + 3_600_000, sessionId: 'race' });

    const results = await contend({ dataDir: dir, at, kind: 'resolve_hold', holdId: hold.holdId });
    expect(results).toHaveLength(100);
    expect(tally(results)).toEqual({ ok: 1, conflict: 99 });
    const resolutions = app.sqlite.prepare("SELECT id, phase FROM ledger_transfers WHERE pending_id = 'hold:race'").all();
    expect(resolutions).toHaveLength(1);
    const w = walletOf(app, d.id);
    expect(w.held).toBe(0);
    expect([5_000, 4_000]).toContain(w.balance); // voided, or posted 10.00
    expect(verifyLedger(app).violations).toEqual([]);
  }, 120_000);

  it('100 concurrent holds on a wallet that has room for 37: exactly 37 succeed and it never goes below zero', async () => {
    const at = Date.now();
    const { app, dir } = makeApp({ clock: new FakeClock(at) });
    const d = newDriver(app);
    topUp(app, { key: 'top', driverId: d.id, amountFen: 3_750, channel: 'cash' });
    const results = await contend({ dataDir: dir, at, kind: 'hold', driverId: d.id });
    expect(tally(results)).toEqual({ ok: 37, insufficient_funds: 63 });
    expect(walletOf(app, d.id)).toEqual({ balance: 3_750, held: 3_700, available: 50 });
    expect(verifyLedger(app).violations).toEqual([]);
  }, 120_000);

  it('100 concurrent top-ups with the same key move the money once', async () => {
    const at = Date.now();
    const { app, dir } = makeApp({ clock: new FakeClock(at) });
    const d = newDriver(app);
    const results = await contend({ dataDir: dir, at, kind: 'same_key_topup', driverId: d.id });
    expect(tally(results)).toEqual({ ok: 1, replayed: 99 });
    expect(walletOf(app, d.id).balance).toBe(5_000);
    expect(verifyLedger(app).violations).toEqual([]);
  }, 120_000);
});
