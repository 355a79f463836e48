import { describe, expect, test } from 'vitest';
import { listAlerts } from '../../src-main/alerts';
import type { SimCharger } from '../../src-main/chargers/simulator';
import { energyOfDay, getDay, runDay, type EnergyCheck } from '../../src-main/reconciliation';
import { addOperator, call, ok } from '../helpers';
import { expectLedgerValid } from '../payments/fixtures';
import { at, startSessionDepot, type SessionDepot } from '../sessions/helpers';

/**
 * The guarantees of src-main/reconciliation/energy.ts (and the register reading of
 * src-main/sessions/energy.ts), on sessions made the real way: a simulated charger on the broker
 * sends StartTransaction and StopTransaction with its register readings, the sessions are priced
 * and settled, then the day is reconciled.
 */

const DAY = '2026-01-15';

interface Charge {
  connector: number;
  from: string;
  to: string;
  startWh: number;
  stopWh: number;
}

/** Sessions a driver starts at the charger with their card; each is settled before the next. */
async function charges(depot: SessionDepot, cp: SimCharger, tag: string, list: Charge[]): Promise<void> {
  for (const c of list) {
    const tx = await cp.startTransaction(c.connector, tag, c.startWh, at(c.from));
    await cp.stopTransaction(tx, c.stopWh, at(c.to));
    await depot.settle();
  }
  const states = depot.app.sqlite.prepare('SELECT state FROM charging_sessions WHERE charger_id = ?').all(cp.id) as { state: string }[];
  expect(states.map((s) => s.state)).toEqual(list.map(() => 'PAID'));
}

/** A depot whose clock is the morning after DAY, with a charger and a driver with a card and money. */
async function depotWithCharger(overrides?: Record<string, unknown>, chargerId = 'CP-1') {
  const depot = await startSessionDepot({ overrides });
  const cp = await depot.charger(chargerId);
  const tag = `CARD-${chargerId}`;
  depot.driver({ topUpYuan: 1000, tag });
  return { depot, cp, tag };
}

function reconcile(depot: SessionDepot): ReturnType<typeof runDay> {
  depot.clock.set(at('02:00', '2026-01-16'));
  return runDay(depot.app, DAY);
}

const anomalyAlerts = (depot: SessionDepot) => listAlerts(depot.app, { limit: 100, offset: 0 }).items.filter((a) => a.code === 'recon.metering_anomaly');

describe('the energy check: what the sessions billed against how far the registers advanced', () => {
  test('sessions that billed every Wh the registers advanced are no anomaly', async () => {
    const { depot, cp, tag } = await depotWithCharger();
    await charges(depot, cp, tag, [
      { connector: 1, from: '10:00', to: '11:00', startWh: 10_000, stopWh: 20_000 },
      { connector: 1, from: '12:00', to: '13:00', startWh: 20_000, stopWh: 25_000 },
      { connector: 2, from: '10:30', to: '11:30', startWh: 5_000, stopWh: 8_000 },
    ]);
    const r = reconcile(depot);
    expect(r.energy).toEqual({ checked: 1, anomalies: 0, newAnomalies: 0 });
    expect(energyOfDay(depot.app, DAY)).toMatchObject([{ chargerId: 'CP-1', sessions: 3, billedWh: 18_000, registerWh: 18_000, gapWh: 0, diffBp: 0, anomaly: false }]);
    expect(getDay(depot.app, DAY).energyAnomalies).toBe(0);
    expect(anomalyAlerts(depot)).toEqual([]);
    expectLedgerValid(depot.app);
  });

  test('energy that left a connector between two sessions, over 1 %, is a metering anomaly, alerted once however often the day is run', async () => {
    const { depot, cp, tag } = await depotWithCharger();
    // 500 Wh left connector 1 between 11:00 and 12:00 while no session was billing it.
    await charges(depot, cp, tag, [
      { connector: 1, from: '10:00', to: '11:00', startWh: 10_000, stopWh: 20_000 },
      { connector: 1, from: '12:00', to: '13:00', startWh: 20_500, stopWh: 30_500 },
    ]);
    const r = reconcile(depot);
    expect(r.energy).toEqual({ checked: 1, anomalies: 1, newAnomalies: 1 });
    const expected: Partial<EnergyCheck> = { chargerId: 'CP-1', sessions: 2, billedWh: 20_000, registerWh: 20_500, gapWh: 500, diffBp: 244, anomaly: true };
    expect(energyOfDay(depot.app, DAY)).toMatchObject([expected]);
    expect(getDay(depot.app, DAY).energyAnomalies).toBe(1);
    const [alert] = anomalyAlerts(depot);
    expect(alert).toMatchObject({ level: 'warning', subject: 'recon.metering_anomaly:CP-1', count: 1 });
    expect(alert.details).toMatchObject({ chargerId: 'CP-1', day: DAY, billedWh: 20_000, registerWh: 20_500, gapWh: 500, diffBp: 244, thresholdBp: 100 });
    expect(alert.message).toMatch(/计量异常 charger CP-1 on 2026-01-15: sessions billed 20000 Wh, its meters advanced 20500 Wh \(2\.44 %\)/);

    // Run again, directly and over the contract: the figures are replaced, no second alert.
    expect(runDay(depot.app, DAY).energy).toEqual({ checked: 1, anomalies: 1, newAnomalies: 0 });
    const finance = await addOperator(depot.app, 'finance');
    expect(await ok(depot.app, finance, 'recon.run', { date: DAY })).toMatchObject([{ day: DAY, energyAnomalies: 1 }]);
    expect(anomalyAlerts(depot)).toHaveLength(1);
    expect(anomalyAlerts(depot)[0].count).toBe(1);
    expect(depot.app.sqlite.prepare('SELECT count(*) AS n FROM recon_energy').get()).toEqual({ n: 1 });

    // What the charger's page and risk control read; anyone signed in may look.
    expect(await ok(depot.app, depot.operator, 'recon.energy', { chargerId: 'CP-1' })).toMatchObject([expected]);
    expect(await ok(depot.app, depot.operator, 'recon.energy', { chargerId: 'CP-2' })).toEqual([]);
    expect(await ok(depot.app, depot.operator, 'recon.day', { date: DAY })).toMatchObject({ day: { energyAnomalies: 1 }, energy: [expected] });
    const run = await call(depot.app, depot.operator, 'recon.run', { date: DAY });
    expect(run.ok || run.error.code).toBe('forbidden');
    expectLedgerValid(depot.app);
  });

  test('a register reset between two sessions (a replaced meter) is not counted as a gap', async () => {
    const { depot, cp, tag } = await depotWithCharger();
    // The meter of connector 1 was replaced at 13:00: the next session starts from a new register.
    await charges(depot, cp, tag, [
      { connector: 1, from: '10:00', to: '11:00', startWh: 50_000, stopWh: 60_000 },
      { connector: 1, from: '14:00', to: '15:00', startWh: 100, stopWh: 5_100 },
      { connector: 1, from: '16:00', to: '17:00', startWh: 5_100, stopWh: 7_100 },
    ]);
    const r = reconcile(depot);
    expect(energyOfDay(depot.app, DAY)).toMatchObject([{ chargerId: 'CP-1', sessions: 3, billedWh: 17_000, registerWh: 17_000, gapWh: 0, anomaly: false }]);
    expect(r.energy.anomalies).toBe(0);
    expect(anomalyAlerts(depot)).toEqual([]);
    expectLedgerValid(depot.app);
  });

  test('the threshold is reconciliation.energyThresholdBp: a 1.96 % gap is an anomaly at the default 1 %, not at 3 %', async () => {
    const gapOf200: Charge[] = [
      { connector: 2, from: '10:00', to: '11:00', startWh: 10_000, stopWh: 15_000 },
      { connector: 2, from: '12:00', to: '13:00', startWh: 15_200, stopWh: 20_200 },
    ];
    const lax = await depotWithCharger({ reconciliation: { energyThresholdBp: 300 } }, 'CP-7');
    await charges(lax.depot, lax.cp, lax.tag, gapOf200);
    expect(reconcile(lax.depot).energy).toEqual({ checked: 1, anomalies: 0, newAnomalies: 0 });
    expect(energyOfDay(lax.depot.app, DAY)).toMatchObject([{ chargerId: 'CP-7', billedWh: 10_000, registerWh: 10_200, gapWh: 200, diffBp: 196, anomaly: false }]);
    expect(anomalyAlerts(lax.depot)).toEqual([]);
    expectLedgerValid(lax.depot.app);

    const strict = await depotWithCharger(undefined, 'CP-8');
    await charges(strict.depot, strict.cp, strict.tag, gapOf200);
    expect(reconcile(strict.depot).energy).toEqual({ checked: 1, anomalies: 1, newAnomalies: 1 });
    expect(anomalyAlerts(strict.depot)).toMatchObject([{ subject: 'recon.metering_anomaly:CP-8', details: { diffBp: 196, thresholdBp: 100 } }]);
    expectLedgerValid(strict.depot.app);
  });
});
