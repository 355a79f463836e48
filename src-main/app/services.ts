import type { AppContext } from './context';
import { startChargers, type ChargersRuntime, type StartChargersOptions } from '../chargers';
import { startScheduler, type Scheduler } from '../jobs';
import { crons, workers } from '../jobs/registry';
import { sessionHooks } from '../sessions';

/**
 * The long-running services of a core that serves a depot (Electron and `serve`; one-shot CLI
 * commands start none): the job scheduler, then the charger link (embedded broker + MQTT client).
 *
 * The charger link failing to start (port 1883 taken, external broker down) does not stop the
 * app: money, reports and reconciliation work without chargers, and the dashboard shows the
 * broker state. The scheduler failing to start does stop it: without jobs, timeouts would be lost.
 */
export interface Services {
  scheduler: Scheduler;
  chargers: ChargersRuntime | null;
  stop(): Promise<void>;
}

export interface ServicesOptions {
  chargers?: false | StartChargersOptions;
  /** Run the polling loop (default true); tests drive the scheduler with drain(). */
  poll?: boolean;
}

export async function startServices(app: AppContext, opts: ServicesOptions = {}): Promise<Services> {
  const scheduler = startScheduler(app, { workers, crons, poll: opts.poll ?? true });
  let chargers: ChargersRuntime | null = null;
  if (opts.chargers !== false) {
    try {
      const given = opts.chargers ?? {};
      // The session step consumes the transaction inbox and knows the id tags of its own starts.
      chargers = await startChargers(app, { ...given, hooks: { ...sessionHooks(), ...given.hooks } });
    } catch (e) {
      app.runtime.broker.state = 'offline';
      const message = `the charger link did not start: ${(e as Error).message}`;
      app.log.error({ err: e }, message);
      app.events.emit('alert', { level: 'error', code: 'broker_start_failed', message });
    }
  }
  return {
    scheduler,
    chargers,
    stop: async () => {
      await chargers?.stop();
      await scheduler.stop();
    },
  };
}
