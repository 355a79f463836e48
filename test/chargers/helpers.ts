import mqtt from 'mqtt';
import type { FakeClock } from '../../src-main/kernel/clock';
import type { AppContext } from '../../src-main/kernel/context';
import type { DepotEvent } from '../../src-main/kernel/events';
import { addCharger, addStation, startChargers, type ChargerHooks, type ChargersRuntime } from '../../src-main/chargers';
import { ensureBackOfficeCredentials } from '../../src-main/chargers/broker';
import { parseFrame } from '../../src-main/chargers/ocpp';
import { decodePayload } from '../../src-main/chargers/payload-codec';
import { SimCharger, type SimChargerOptions } from '../../src-main/chargers/simulator';
import { makeApp } from '../helpers';
import { afterTest } from '../after-test';

/**
 * A depot for charger tests: real SQLite file, the real migrations, a fake clock for the core, the
 * embedded broker on a free port (port 0) and the back office connected to it. Stopped after each test.
 */
export interface Depot {
  app: AppContext;
  clock: FakeClock;
  dir: string;
  rt: ChargersRuntime;
  url: string;
  events: DepotEvent[];
  /** Registers a charger directly in the registry (station "Yard A" is created on first use). */
  register(id: string, opts?: { connectors?: number; password?: string }): Promise<void>;
  /** A simulated charger connected to the depot's broker. */
  charger(id: string, opts?: Partial<SimChargerOptions> & { connect?: boolean }): Promise<SimCharger>;
}

export const PASSWORD = 'charger-secret-1';

export async function startDepot(opts: { overrides?: Record<string, unknown>; hooks?: Partial<ChargerHooks> } = {}): Promise<Depot> {
  const overrides = { ...opts.overrides, broker: { port: 0, ...((opts.overrides?.broker as object | undefined) ?? {}) } };
  const { app, clock, dir } = makeApp({ overrides });
  const events: DepotEvent[] = [];
  const unsubscribe = app.events.subscribe((e) => events.push(e));
  const rt = await startChargers(app, { waitConnected: true, hooks: opts.hooks });
  afterTest(async () => {
    unsubscribe();
    await rt.stop();
  });
  let stationId: string | null = null;
  const depot: Depot = {
    app,
    clock,
    dir,
    rt,
    url: rt.broker ? rt.broker.url : String(app.config.broker.url),
    events,
    async register(id, o = {}) {
      stationId ??= addStation(app, { name: 'Yard A' }).id;
      await addCharger(app, { id, station: stationId, connectors: o.connectors ?? 2, password: o.password ?? PASSWORD });
    },
    async charger(id, o = {}) {
      const sim = new SimCharger({ id, password: PASSWORD, brokerUrl: depot.url, now: () => clock.now(), callTimeoutMs: 3_000, callRetries: 0, ...o });
      afterTest(() => sim.close());
      if (o.connect !== false) await sim.connect();
      return sim;
    },
  };
  return depot;
}

/** A raw client with the back office's own login: stands in for an OCPP gateway publishing for any charger id. */
export async function gatewayClient(depot: Depot): Promise<mqtt.MqttClient> {
  const creds = ensureBackOfficeCredentials(depot.app.paths.dataDir);
  const client = await mqtt.connectAsync(depot.url, {
    username: creds.username,
    password: creds.password,
    clientId: `$depotdesk:test-${Math.random().toString(16).slice(2, 8)}`,
    reconnectPeriod: 0,
  });
  afterTest(() => client.endAsync());
  return client;
}

/** Waits until the core has committed and answered everything received so far (after a grace for in-flight packets). */
export async function settle(depot: Depot, ms = 100): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
  await depot.rt.idle();
}

export function rows<T = Record<string, unknown>>(app: AppContext, sql: string, ...args: unknown[]): T[] {
  return app.sqlite.prepare(sql).all(...args) as T[];
}

/**
 * The OCPP payloads of the inbox records of one kind, oldest first, read the way the consumer reads
 * them: from the message that carried each record (the inbox keeps no copy of its own).
 */
export function recordPayloads<T = Record<string, unknown>>(app: AppContext, kind: 'start' | 'meter' | 'stop'): T[] {
  const found = rows<{ payload: string | null; message: string | Buffer | null }>(
    app,
    'SELECT t.payload, m.payload AS message FROM charger_transactions t LEFT JOIN charger_messages m ON m.id = t.message_id WHERE t.kind = ? ORDER BY t.id',
    kind,
  );
  return found.map((r) => {
    if (r.payload !== null) return JSON.parse(r.payload) as T;
    const parsed = parseFrame(decodePayload(r.message));
    if (!parsed.ok || parsed.frame.type !== 2) throw new Error(`a ${kind} record whose message is not a readable CALL`);
    return parsed.frame.payload as T;
  });
}

export function count(app: AppContext, sql: string, ...args: unknown[]): number {
  return (app.sqlite.prepare(sql).get(...args) as { n: number }).n;
}
