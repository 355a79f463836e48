import fs from 'node:fs';
import path from 'node:path';
import type { AppContext } from '../kernel/context';
import { DepotError } from '../kernel/errors';
import { processAlive } from '../kernel/instance';
import { startChargers, type ChargersRuntime, type StartChargersOptions } from '../chargers';
import { startScheduler, type Scheduler } from '../jobs';
import { announceAlert, raiseAlert } from '../alerts';
import { startUplink, type Uplink } from '../headquarters';
import { depot } from '../modules';

/**
 * The long-running services of a core that serves a depot (Electron and `serve`; one-shot CLI
 * commands start none): the job scheduler, then the charger link (embedded broker + MQTT client).
 *
 * The charger link failing to start (port 1883 taken, external broker down) does not stop the
 * app: money, reports and reconciliation work without chargers, and the dashboard shows the
 * broker state. The scheduler failing to start does stop it: without jobs, timeouts would be lost.
 *
 * With hq.enabled, the uplink to headquarters starts last and stops first. It failing to start (a
 * bad hq.brokerUrl or CA file) does not stop the app either: the depot charges and settles without
 * HQ, and the journal waits for it.
 */
export interface Services {
  scheduler: Scheduler;
  chargers: ChargersRuntime | null;
  /** The uplink to headquarters, when hq.enabled and it started. */
  uplink: Uplink | null;
  stop(): Promise<void>;
}

export interface ServicesOptions {
  chargers?: false | StartChargersOptions;
  /** false: no uplink to HQ even with hq.enabled (tests of other services). */
  uplink?: false;
  /** Run the polling loop (default true); tests drive the scheduler with drain(). */
  poll?: boolean;
  /** The scheduler's source of chance for its retry backoff jitter (default Math.random); the seeded simulation passes its own. */
  random?: () => number;
}

/**
 * One serving core per database: a second scheduler would take the first one's running jobs for
 * crashed ones and run them again, and two embedded brokers would split the chargers. The lock is
 * a file holding the owner's pid; a lock whose process is gone is stale and taken over.
 */
export function takeServingLock(app: AppContext): () => void {
  const file = path.join(app.paths.dataDir, 'serving.lock');
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx', mode: 0o600 });
      return () => {
        if (fs.existsSync(file) && fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.rmSync(file, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number(fs.readFileSync(file, 'utf8').trim());
      if (owner && owner !== process.pid && processAlive(owner)) {
        throw new DepotError('conflict', `DepotDesk is already running with the data directory ${app.paths.dataDir} (pid ${owner}); use that window or stop it first`, {
          pid: owner,
        });
      }
      fs.rmSync(file, { force: true });
    }
  }
  throw new DepotError('conflict', `could not take ${file}`);
}

export async function startServices(app: AppContext, opts: ServicesOptions = {}): Promise<Services> {
  const releaseLock = takeServingLock(app);
  let scheduler: Scheduler;
  try {
    scheduler = startScheduler(app, { workers: depot.workers, crons: depot.crons, poll: opts.poll ?? true, random: opts.random });
  } catch (e) {
    releaseLock();
    throw e;
  }
  let chargers: ChargersRuntime | null = null;
  if (opts.chargers !== false) {
    try {
      const given = opts.chargers ?? {};
      // The modules' hooks: the session step authorizes id tags and consumes the transaction inbox.
      chargers = await startChargers(app, { ...given, hooks: { ...depot.chargerHooks, ...given.hooks } });
    } catch (e) {
      app.runtime.broker.state = 'offline';
      const message = `the charger link did not start: ${(e as Error).message}`;
      app.runtime.broker.error = message;
      app.log.error({ err: e }, message);
      announceAlert(app, { level: 'urgent', code: 'broker_start_failed', message });
    }
  }
  const uplink = opts.uplink !== false && app.config.hq.enabled ? startHeadquartersUplink(app) : null;
  return {
    scheduler,
    chargers,
    uplink,
    stop: async () => {
      try {
        await uplink?.stop();
        await chargers?.stop();
        await scheduler.stop();
      } finally {
        releaseLock();
      }
    },
  };
}

/** The uplink to HQ, or null (with an urgent alert) when its settings cannot be used. */
function startHeadquartersUplink(app: AppContext): Uplink | null {
  try {
    return startUplink(app);
  } catch (e) {
    const message = `the uplink to headquarters did not start: ${(e as Error).message}`;
    app.log.error({ err: e }, message);
    raiseAlert(app, { level: 'urgent', code: 'hq.uplink_start_failed', message, details: { error: (e as Error).message } });
    return null;
  }
}
