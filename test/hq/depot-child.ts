/**
 * Run by five-depots.test.ts in a child process: a depot serving as it does in production (the
 * real open path, its services with the HQ uplink started from its config.json), writing charging
 * sessions one operation per transaction with hardly a pause, so that the parent can kill it (SIGKILL,
 * no cleanup, no uplink stop) while it writes and while a batch of its journal is in flight.
 * Usage: depot-child.ts DATA_DIR TAG FROM_SESSION TO_SESSION CLOCK_START_MS
 * Prints `ready` once its services run, `session <n> <journal tip>` after each session, `done`.
 */
import { openCore } from '../../src-main/boot/core';
import { startServices } from '../../src-main/boot/services';
import { FakeClock } from '../../src-main/kernel/clock';
import { journalTip } from '../../src-main/kernel/journal';
import { silentLogger } from '../../src-main/kernel/logger';
import { driversOf, sessionSteps } from './traffic';

const [dataDir, tag, from, to, clockStart] = process.argv.slice(2);
const clock = new FakeClock(Number(clockStart));
const app = openCore({ dataDir, mode: 'test', clock, log: silentLogger() });
await startServices(app, { chargers: false, poll: false });
process.stdout.write('ready\n');
const traffic = driversOf(app, tag);
for (let n = Number(from); n < Number(to); n += 1) {
  // Lets the uplink's timers and the MQTT client run between operations, as a serving depot's would.
  for (const _ of sessionSteps(app, traffic, n, clock)) await new Promise((resolve) => setTimeout(resolve, 5));
  process.stdout.write(`session ${n} ${journalTip(app.sqlite).seq}\n`);
}
process.stdout.write('done\n');
// Keeps serving (the uplink shipping) until the parent kills it.
setInterval(() => undefined, 60_000);
