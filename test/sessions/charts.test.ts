import { describe, expect, test } from 'vitest';
import { sessionFigures, type SessionView } from '../../src-main/sessions';
import { ok } from '../helpers';
import { at, startSessionDepot } from './helpers';

type Hourly = { from: number; to: number; bucketMs: number; buckets: { start: number; sessions: number; energyWh: number; amountFen: number }[] };
type ByCharger = {
  elapsedMs: number;
  chargers: {
    chargerId: string;
    connectors: number;
    sessions: number;
    busyMs: number;
    utilisation: number;
    failedStarts: number;
    failedByCode: Record<string, number>;
  }[];
};

const HOUR = 3_600_000;
const MIN = 60_000;
const YESTERDAY = '2026-01-15';
const TODAY = '2026-01-16';

describe("the dashboard's charts: sessions.hourly and sessions.byCharger", () => {
  test('a day of two chargers: energy and revenue land in the hour each session settled and add up to the day figures; busy time is clipped to the day and a charging session counts up to now; failed starts count in the window they were made', async () => {
    const depot = await startSessionDepot();
    const { app, clock } = depot;
    const cp1 = await depot.charger('CP-1');
    const cp2 = await depot.charger('CP-2');
    const driver = depot.driver({ topUpYuan: 500 });
    const start = (chargerId: string, connectorId: number) =>
      ok<SessionView>(app, depot.operator, 'sessions.start', { chargerId, connectorId, driver: driver.id, prepay: '50.00' });
    const failStart = async (cp: typeof cp1, chargerId: string, when: number) => {
      clock.set(when);
      cp.onCall('RemoteStartTransaction', () => ({ status: 'Rejected' }));
      const s = await start(chargerId, 2);
      await depot.until(() => depot.session(s.id).state === 'FAILED', 'the start FAILED');
      cp.onCall('RemoteStartTransaction', () => ({ status: 'Accepted' }));
    };

    // Yesterday evening a start fails on CP-1; at 23:00 a session begins on CP-1/1 and ends today at 01:00.
    await failStart(cp1, 'CP-1', at('20:00', YESTERDAY));
    clock.set(at('22:59', YESTERDAY));
    const a = await start('CP-1', 1);
    const txA = await cp1.startTransaction(1, a.idTag, 100_000, at('23:00', YESTERDAY));
    clock.set(at('01:00', TODAY));
    await cp1.stopTransaction(txA, 130_000, at('01:00', TODAY));
    await depot.settle();
    // Today 09:10–10:40 on CP-1/2; from 10:05 on CP-2/1, still charging at noon; a start on CP-2/2 fails at 11:00.
    clock.set(at('09:09', TODAY));
    const b = await start('CP-1', 2);
    const txB = await cp1.startTransaction(2, b.idTag, 0, at('09:10', TODAY));
    clock.set(at('10:04', TODAY));
    const c = await start('CP-2', 1);
    await cp2.startTransaction(1, c.idTag, 0, at('10:05', TODAY));
    clock.set(at('10:40', TODAY));
    await cp1.stopTransaction(txB, 20_000, at('10:40', TODAY));
    await depot.settle();
    await failStart(cp2, 'CP-2', at('11:00', TODAY));
    clock.set(at('12:00', TODAY));

    expect([a, b, c].map((s) => depot.session(s.id).state)).toEqual(['PAID', 'PAID', 'CHARGING']);
    const settledA = depot.session(a.id);
    const settledB = depot.session(b.id);

    const dayStart = at('00:00', TODAY);
    const today = await ok<Hourly>(app, depot.operator, 'sessions.hourly', { from: dayStart, to: dayStart + 24 * HOUR });
    expect(today.buckets).toHaveLength(24);
    expect(today.buckets[0].start).toBe(dayStart);
    const busy = today.buckets.map((x, hour) => [hour, x] as const).filter(([, x]) => x.sessions > 0);
    expect(busy).toEqual([
      [1, { start: dayStart + HOUR, sessions: 1, energyWh: 30_000, amountFen: settledA.amountFen }],
      [10, { start: dayStart + 10 * HOUR, sessions: 1, energyWh: 20_000, amountFen: settledB.amountFen }],
    ]);
    const figures = Object.fromEntries(sessionFigures(app, dayStart).map((f) => [f.key, f.value]));
    expect(today.buckets.reduce((s, x) => s + x.energyWh, 0)).toBe(figures['sessions.energyToday']);
    expect(today.buckets.reduce((s, x) => s + x.amountFen, 0)).toBe(figures['sessions.revenueToday']);
    // Yesterday: session A began then but settled today, so nothing.
    const yesterday = await ok<Hourly>(app, depot.operator, 'sessions.hourly', { from: dayStart - 24 * HOUR, to: dayStart });
    expect(yesterday.buckets.every((x) => x.sessions === 0 && x.energyWh === 0 && x.amountFen === 0)).toBe(true);

    const usage = await ok<ByCharger>(app, depot.operator, 'sessions.byCharger', { from: dayStart, to: dayStart + 24 * HOUR });
    expect(usage.elapsedMs).toBe(12 * HOUR);
    const [one, two] = usage.chargers;
    // CP-1: 1 h of A (after midnight) + 1.5 h of B, over 2 connectors × 12 h.
    expect(one).toMatchObject({ chargerId: 'CP-1', connectors: 2, sessions: 2, busyMs: 2.5 * HOUR, failedStarts: 0, failedByCode: {} });
    expect(one.utilisation).toBeCloseTo(2.5 / 24, 10);
    // CP-2: C from 10:05 to now (12:00), still charging.
    expect(two).toMatchObject({ chargerId: 'CP-2', connectors: 2, sessions: 1, busyMs: 115 * MIN, failedStarts: 1, failedByCode: { remote_start_refused: 1 } });
    expect(two.utilisation).toBeCloseTo(115 / (2 * 12 * 60), 10);

    // The last 24 hours hold both failed starts.
    const last24 = await ok<ByCharger>(app, depot.operator, 'sessions.byCharger', { from: clock.now() - 24 * HOUR, to: clock.now() });
    expect(last24.chargers.map((x) => [x.chargerId, x.failedStarts])).toEqual([
      ['CP-1', 1],
      ['CP-2', 1],
    ]);
    expect(last24.chargers[0].busyMs).toBe(3.5 * HOUR);

    // An upside-down or too long window is refused, naming the field.
    for (const bad of [
      { from: dayStart, to: dayStart },
      { from: dayStart, to: dayStart + 40 * 24 * HOUR },
    ]) {
      await expect(ok(app, depot.operator, 'sessions.hourly', bad)).rejects.toThrow(/to: /);
    }
  });
});
