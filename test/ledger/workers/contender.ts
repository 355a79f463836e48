import { FakeClock } from '../../../src-main/kernel/clock';
import { openCore } from '../../../src-main/boot/core';
import { DepotError } from '../../../src-main/kernel/errors';
import { silentLogger } from '../../../src-main/kernel/logger';
import { placeHold, postHold, topUp, voidHold } from '../../../src-main/ledger';

/**
 * One contending process for test/ledger/concurrency.test.ts: its own connection to the same
 * SQLite file, told what to attempt, started together with the others by a "go" message.
 */
interface Task {
  dataDir: string;
  at: number;
  worker: number;
  attempts: number;
  kind: 'resolve_hold' | 'hold' | 'same_key_topup';
  holdId?: string;
  driverId?: string;
}

const task = JSON.parse(process.argv[2]) as Task;
const app = openCore({ dataDir: task.dataDir, mode: 'test', clock: new FakeClock(task.at), log: silentLogger() });
// Others hold the write lock for a few fsyncs at a time; waiting is the point here.
app.sqlite.pragma('busy_timeout = 60000');

function attempt(i: number): string {
  const key = `w${task.worker}-${i}`;
  try {
    if (task.kind === 'resolve_hold') {
      // Half the contenders post, half void: only one of all of them may resolve the hold.
      if (i % 2 === 0) postHold(app, { key, holdId: task.holdId!, electricityFen: 700, serviceFen: 300 });
      else voidHold(app, { key, holdId: task.holdId! });
      return 'ok';
    }
    if (task.kind === 'hold') {
      placeHold(app, { key, driverId: task.driverId!, amountFen: 100, expiresAt: task.at + 3_600_000 });
      return 'ok';
    }
    const r = topUp(app, { key: 'same-receipt', driverId: task.driverId!, amountFen: 5_000, channel: 'cash' });
    return r.replayed ? 'replayed' : 'ok';
  } catch (e) {
    if (e instanceof DepotError) return e.code;
    return `crash: ${(e as Error).message}`;
  }
}

process.on('message', (msg) => {
  if (msg !== 'go') return;
  const results: string[] = [];
  for (let i = 0; i < task.attempts; i += 1) results.push(attempt(i));
  app.close();
  process.send!({ results }, () => process.exit(0));
});
process.send!('ready');
