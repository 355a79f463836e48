import { expect } from 'vitest';
import type { FakeClock } from '../../src-main/kernel/clock';
import type { AppContext } from '../../src-main/kernel/context';
import { startServices, type Services } from '../../src-main/boot/services';
import { addCharger, addStation } from '../../src-main/chargers';
import { SimCharger } from '../../src-main/chargers/simulator';
import type { OperatorIdentity } from '../../src-main/kernel/method';
import { addDriver, topUp, verifyLedger, type Driver } from '../../src-main/ledger';
import { requireSession, type SessionRow } from '../../src-main/sessions';
import { assignTariff, GUANGDONG_PLAN, importTariff } from '../../src-main/tariffs';
import { addOperator, makeApp } from '../helpers';
import { BACK_OFFICE, skipWithoutMosquitto, startMosquitto } from '../mosquitto';
import { afterTest } from '../after-test';

/**
 * A running depot for session tests: real SQLite with the real migrations, a fake clock, the job
 * scheduler (driven with drain()), the embedded broker on a free port with the back office
 * connected and the session hooks installed (startServices, as the app does), one station priced
 * by the Guangdong plan, and simulated chargers on the real broker.
 */

export const PASSWORD = 'charger-secret-1';
/** 2026-01-15 09:00 in Shanghai (January: no 尖 hours). */
export const T0 = Date.parse('2026-01-15T01:00:00Z');

export interface SessionDepot {
  app: AppContext;
  clock: FakeClock;
  services: Services;
  stationId: string;
  operator: OperatorIdentity;
  supervisor: OperatorIdentity;
  charger(id: string, opts?: { connectors?: number }): Promise<SimCharger>;
  driver(opts?: { topUpYuan?: number; tag?: string }): Driver;
  /** Waits until every message received so far is written, answered and consumed by the session step. */
  settle(ms?: number): Promise<void>;
  /**
   * Waits (at most 15 s) until `what` holds, then settles: for a round trip through the broker and
   * a charger (a RemoteStart and its answer), which settle() alone cannot see coming.
   */
  until(what: () => boolean, description: string): Promise<void>;
  session(id: string): SessionRow;
}

let phone = 13800000000;

/** `external`: an external broker (Mosquitto) instead of the embedded one; its charger logins must use PASSWORD. */
export async function startSessionDepot(
  opts: { overrides?: Record<string, unknown>; external?: { url: string; username: string; password: string } } = {},
): Promise<SessionDepot> {
  const broker = opts.external ? { mode: 'external', ...opts.external } : { port: 0 };
  const overrides = { ...opts.overrides, broker };
  const { app, clock } = makeApp({ overrides });
  const services = await startServices(app, { poll: false, chargers: { waitConnected: true } });
  afterTest(() => services.stop());
  const stationId = addStation(app, { name: 'Yard A' }).id;
  const plan = importTariff(app, { file: GUANGDONG_PLAN });
  assignTariff(app, { stationId, planId: plan.planId });
  const operator = await addOperator(app, 'operator');
  const supervisor = await addOperator(app, 'supervisor');
  const url = opts.external ? opts.external.url : services.chargers!.broker!.url;
  const depot: SessionDepot = {
    app,
    clock,
    services,
    stationId,
    operator,
    supervisor,
    async charger(id, o = {}) {
      await addCharger(app, { id, station: stationId, connectors: o.connectors ?? 2, password: PASSWORD });
      const sim = new SimCharger({ id, password: PASSWORD, brokerUrl: url, now: () => clock.now(), callTimeoutMs: 3_000, callRetries: 0, connectors: o.connectors ?? 2 });
      afterTest(() => sim.close());
      await sim.connect();
      await sim.boot();
      for (let c = 1; c <= sim.connectors; c += 1) await sim.status(c, 'Available');
      await depot.settle(0);
      return sim;
    },
    driver(o = {}) {
      phone += 1;
      const d = addDriver(app, { name: `driver ${phone}`, phone: String(phone), tags: o.tag ? [o.tag] : [] });
      if (o.topUpYuan) topUp(app, { key: `topup:${d.id}`, driverId: d.id, amountFen: o.topUpYuan * 100, channel: 'cash' });
      return d;
    },
    async settle(ms = 50) {
      await new Promise((r) => setTimeout(r, ms));
      await services.chargers!.idle();
    },
    async until(what, description) {
      for (let waited = 0; !what(); waited += 20) {
        if (waited >= 15_000) throw new Error(`still waiting after 15 s: ${description}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      await depot.settle(0);
    },
    session: (id) => requireSession(app, id),
  };
  return depot;
}

/** ISO time in Shanghai written as UTC ms: at('10:30') is 2026-01-15 10:30 +08:00. */
export function at(hhmm: string, day = '2026-01-15'): number {
  return Date.parse(`${day}T${hhmm}:00+08:00`);
}

export function expectLedgerValid(app: AppContext): void {
  const r = verifyLedger(app);
  expect(r.violations, r.violations.map((v) => v.message).join('\n')).toEqual([]);
}

export function wallet(app: AppContext, driverId: string): { balance: number; held: number; available: number } {
  const a = app.sqlite
    .prepare('SELECT credits_posted - debits_posted AS balance, debits_pending AS held FROM ledger_accounts WHERE id = ?')
    .get(`driver:${driverId}:wallet`) as { balance: number; held: number };
  return { ...a, available: a.balance - a.held };
}

export function revenue(app: AppContext): { electricity: number; service: number } {
  const get = (id: string) =>
    (app.sqlite.prepare('SELECT credits_posted - debits_posted AS n FROM ledger_accounts WHERE id = ?').get(id) as { n: number } | undefined)?.n ?? 0;
  const ids = app.sqlite.prepare("SELECT id FROM ledger_accounts WHERE id LIKE 'depot:%revenue%'").all() as { id: string }[];
  const e = ids.find((x) => x.id.includes('electric'));
  const s = ids.find((x) => x.id.includes('service'));
  return { electricity: e ? get(e.id) : 0, service: s ? get(s.id) : 0 };
}

export function timelineKinds(app: AppContext, sessionId: string): string[] {
  return (app.sqlite.prepare('SELECT kind FROM session_events WHERE session_id = ? ORDER BY id').all(sessionId) as { kind: string }[]).map((r) => r.kind);
}

/** A depot on a throw-away Mosquitto (broker.mode = external) with logins for CP-1 and CP-2. */
export async function startSessionDepotOnMosquitto(): Promise<SessionDepot> {
  const { url } = await startMosquitto({ chargers: { 'CP-1': PASSWORD, 'CP-2': PASSWORD } });
  const depot = await startSessionDepot({ external: { url, ...BACK_OFFICE } });
  expect(depot.app.runtime.broker).toMatchObject({ state: 'connected', url });
  return depot;
}

export interface BrokerCase {
  broker: string;
  start(): Promise<SessionDepot>;
}

/**
 * The brokers the session cases run on: the embedded one, and Mosquitto where it is
 * installed (otherwise `testFile` prints that its Mosquitto cases are skipped, and why).
 */
export function brokerCases(testFile: string): BrokerCase[] {
  const embedded: BrokerCase = { broker: 'the embedded broker', start: () => startSessionDepot() };
  return skipWithoutMosquitto(testFile) ? [embedded] : [embedded, { broker: 'Mosquitto', start: startSessionDepotOnMosquitto }];
}
