import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src-main/kernel/clock';
import type { DepotEvent } from '../../src-main/kernel/events';
import {
  DEMO_TARIFF_STATION,
  GUANGDONG_PLAN,
  importTariff,
  parseTariffFile,
  periodAt,
  planAt,
  quoteForStation,
  quoteToJson,
  tariffsDemoStep,
  type ImportResult,
  type PlanDetail,
  type QuoteJson,
  type TariffFile,
} from '../../src-main/tariffs';
import { addOperator, call, makeApp, ok } from '../helpers';
import { at, fileWith, samples } from './fixtures';

function count(app: ReturnType<typeof makeApp>['app'], table: string): number {
  return (app.sqlite.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
}

/** A clock that moves 1 ms on every read, as a real one may between two reads. */
function tickEveryRead(clock: FakeClock): void {
  const read = clock.now.bind(clock);
  clock.now = () => clock.advance(1) && read();
}

/** A depot on 2024-06-20 09:00 (Asia/Shanghai) with a supervisor and an operator. */
async function depot() {
  const clock = new FakeClock('2024-06-20T01:00:00Z');
  const t = makeApp({ clock });
  const supervisor = await addOperator(t.app, 'supervisor', 'li.na');
  const operator = await addOperator(t.app, 'operator', 'zhang.wei');
  return { ...t, supervisor, operator };
}

describe('tariff plans in the database', () => {
  it('a file with any problem imports nothing, not even the station assignment, and the error names the field', async () => {
    const { app, supervisor } = await depot();
    const r = await call(app, supervisor, 'tariffs.import', { file: fileWith({ slots: GUANGDONG_PLAN.slots.slice(2) }), stationId: 'depot-1' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('invalid_input');
    expect(r.error.message).toMatch(/slots: must have 48 entries .*got 46/);
    expect(r.error.details).toMatchObject({ field: 'slots' });
    for (const table of ['tariff_plans', 'tariff_versions', 'tariff_station_assignments']) expect(count(app, table)).toBe(0);
  });

  it('history is append-only: the database refuses to change or delete versions, overrides, assignments and plans', async () => {
    const { app, supervisor } = await depot();
    const imported = await ok<ImportResult>(app, supervisor, 'tariffs.import', { file: GUANGDONG_PLAN, stationId: 'depot-1' });
    await ok(app, supervisor, 'tariffs.addDateOverride', { planId: imported.planId, date: '2024-06-21', slots: { '30': 'sharp' } });
    const attempts = [
      'UPDATE tariff_versions SET peak_electricity = 1',
      'DELETE FROM tariff_versions',
      "UPDATE tariff_date_overrides SET date = '2024-06-22'",
      'DELETE FROM tariff_date_overrides',
      'UPDATE tariff_station_assignments SET plan_id = plan_id',
      'DELETE FROM tariff_station_assignments',
      "UPDATE tariff_plans SET name = 'x'",
      'DELETE FROM tariff_plans',
    ];
    for (const sql of attempts) expect(() => app.sqlite.prepare(sql).run(), sql).toThrow(/append-only|never/);
  });

  it('a new version of a plan must start after the last one and in the future; importing the same file twice changes nothing', async () => {
    const { app, supervisor } = await depot();
    const first = await ok<ImportResult>(app, supervisor, 'tariffs.import', { file: GUANGDONG_PLAN });
    expect(first).toMatchObject({ newPlan: true, unchanged: false, effectiveFrom: '2024-01-01' });

    const again = await ok<ImportResult>(app, supervisor, 'tariffs.import', { file: GUANGDONG_PLAN });
    expect(again).toMatchObject({ planId: first.planId, versionId: first.versionId, unchanged: true });
    expect(count(app, 'tariff_versions')).toBe(1);

    const cheaper = (effectiveFrom: string): TariffFile => ({
      ...structuredClone(GUANGDONG_PLAN),
      effectiveFrom,
      prices: { ...GUANGDONG_PLAN.prices, valley: { electricity: '0.29870', service: '0.80000' } },
    });
    const sameDay = await call(app, supervisor, 'tariffs.import', { file: cheaper('2024-01-01') });
    expect(sameDay.ok ? null : sameDay.error).toMatchObject({ code: 'conflict', details: { field: 'effectiveFrom' } });
    const today = await call(app, supervisor, 'tariffs.import', { file: cheaper('2024-06-20') });
    expect(today.ok ? null : today.error).toMatchObject({ code: 'refused', details: { field: 'effectiveFrom' } });
    expect(today.ok ? '' : today.error.message).toMatch(/has passed.*energy already delivered keeps its price/);

    const tomorrow = await ok<ImportResult>(app, supervisor, 'tariffs.import', { file: cheaper('2024-06-21') });
    expect(tomorrow).toMatchObject({ planId: first.planId, newPlan: false, unchanged: false });
    expect(count(app, 'tariff_versions')).toBe(2);
  });

  it('import --station assigns from now even when the clock moves between reads (a real clock does)', async () => {
    const { app } = await depot();
    tickEveryRead(app.clock as FakeClock);
    const r = importTariff(app, { file: GUANGDONG_PLAN, stationId: 'depot-1' });
    expect(r.assignment).not.toBeNull();
  });

  it('a station assignment cannot start in the past, nor before the plan has a version', async () => {
    const { app, supervisor } = await depot();
    const plan = await ok<ImportResult>(app, supervisor, 'tariffs.import', { file: GUANGDONG_PLAN });
    const past = await call(app, supervisor, 'tariffs.assign', { stationId: 'depot-1', planId: plan.planId, at: app.clock.now() - 1 });
    expect(past.ok ? null : past.error).toMatchObject({ code: 'refused', details: { field: 'effectiveFrom' } });
    const future = await ok<ImportResult>(app, supervisor, 'tariffs.import', {
      file: { ...structuredClone(GUANGDONG_PLAN), name: 'next year', effectiveFrom: '2025-01-01' },
    });
    const early = await call(app, supervisor, 'tariffs.assign', { stationId: 'depot-1', planId: future.planId, effectiveFrom: '2024-12-01' });
    expect(early.ok ? null : early.error).toMatchObject({ code: 'refused', details: { field: 'planId' } });
    const onTime = await ok<{ effectiveFromAt: number }>(app, supervisor, 'tariffs.assign', { stationId: 'depot-1', planId: future.planId, effectiveFrom: '2025-01-01' });
    expect(onTime.effectiveFromAt).toBe(at('2025-01-01T00:00:00+08:00'));
  });

  it('a date override may only change slots still to come, and wins over the month rules', async () => {
    const { app, clock, supervisor } = await depot();
    const plan = await ok<ImportResult>(app, supervisor, 'tariffs.import', { file: GUANGDONG_PLAN, stationId: 'depot-1' });
    // It is 09:00 on 20 June: 08:30–09:00 has begun, 09:00 onwards has not.
    const begun = await call(app, supervisor, 'tariffs.addDateOverride', { planId: plan.planId, date: '2024-06-20', slots: { '17': 'sharp', '18': 'sharp' } });
    expect(begun.ok ? null : begun.error).toMatchObject({ code: 'refused', details: { field: 'slots.17' } });
    expect(begun.ok ? '' : begun.error.message).toMatch(/2024-06-20 08:30–09:00 has already begun/);
    await ok(app, supervisor, 'tariffs.addDateOverride', { planId: plan.planId, date: '2024-06-20', slots: { '18': 'sharp' } });
    // A July date where the month rule makes 11:00–11:30 尖: the operator's later override makes it 平.
    await ok(app, supervisor, 'tariffs.addDateOverride', { planId: plan.planId, date: '2024-07-20', slots: { '22': 'flat' } });
    const bad = await call(app, supervisor, 'tariffs.addDateOverride', { planId: plan.planId, date: '2024-07-20', slots: { '22': 'super' } });
    expect(bad.ok ? null : bad.error).toMatchObject({ code: 'invalid_input', details: { field: 'slots.22' } });

    clock.set('2024-07-21T00:00:00Z');
    const on = (iso: string) => periodAt(planAt(app, 'depot-1', at(iso))!.plan, at(iso)).period;
    expect(on('2024-06-20T09:10:00+08:00')).toBe('sharp');
    expect(on('2024-07-20T11:10:00+08:00')).toBe('flat');
    expect(on('2024-07-20T11:40:00+08:00')).toBe('sharp');
    expect(on('2024-07-19T11:10:00+08:00')).toBe('sharp');
    const detail = await ok<PlanDetail>(app, supervisor, 'tariffs.get', { id: plan.planId });
    expect(detail.overrides.map((o) => [o.date, o.slots])).toEqual([
      ['2024-06-20', { '18': 'sharp' }],
      ['2024-07-20', { '22': 'flat' }],
    ]);
  });

  it('a station has one plan at a time: planAt gives the plan and version in force at each instant', async () => {
    const { app, clock, supervisor } = await depot();
    const a = await ok<ImportResult>(app, supervisor, 'tariffs.import', { file: GUANGDONG_PLAN, stationId: 'depot-1' });
    const a2 = await ok<ImportResult>(app, supervisor, 'tariffs.import', { file: { ...structuredClone(GUANGDONG_PLAN), effectiveFrom: '2024-07-01' } });
    const b = await ok<ImportResult>(app, supervisor, 'tariffs.import', {
      file: { ...structuredClone(GUANGDONG_PLAN), name: 'night fleet', effectiveFrom: '2024-01-01' },
    });
    await ok(app, supervisor, 'tariffs.assign', { stationId: 'depot-1', planId: b.planId, effectiveFrom: '2024-07-10' });
    const startedAt = app.clock.now();
    clock.set('2024-08-01T00:00:00Z');

    expect(planAt(app, 'depot-1', startedAt - 1)).toBeNull();
    expect(planAt(app, 'depot-2', startedAt)).toBeNull();
    expect(planAt(app, 'depot-1', at('2024-06-30T23:59:59+08:00'))).toMatchObject({ planId: a.planId, versionId: a.versionId, assignedFrom: startedAt });
    expect(planAt(app, 'depot-1', at('2024-07-01T00:00:00+08:00'))).toMatchObject({ planId: a.planId, versionId: a2.versionId });
    expect(planAt(app, 'depot-1', at('2024-07-10T00:00:00+08:00'))).toMatchObject({ planId: b.planId, versionId: b.versionId, planName: 'night fleet' });
  });

  it('a session replayed offline is priced by what was in force at the station when the energy was delivered', async () => {
    const { app, clock, supervisor, operator } = await depot();
    await ok(app, supervisor, 'tariffs.import', { file: GUANGDONG_PLAN, stationId: 'depot-1' });
    const v2 = await ok<ImportResult>(app, supervisor, 'tariffs.import', {
      file: {
        ...structuredClone(GUANGDONG_PLAN),
        effectiveFrom: '2024-07-01',
        prices: { ...GUANGDONG_PLAN.prices, valley: { electricity: '0.29870', service: '0.80000' } },
      },
    });
    // The record arrives on 3 July; the charger's timestamps say 30 June 23:00 to 1 July 01:00.
    clock.set('2024-07-03T02:00:00Z');
    const q = await ok<QuoteJson>(app, operator, 'tariffs.quote', {
      stationId: 'depot-1',
      samples: [
        { at: '2024-06-30T23:00:00+08:00', kwh: '0' },
        { at: '2024-07-01T00:20:00+08:00', kwh: '16.000' },
        { at: '2024-07-01T01:00:00+08:00', kwh: '24.000' },
      ],
    });
    expect(q.versions.map((v) => v.effectiveFrom)).toEqual(['2024-01-01', '2024-07-01']);
    expect(q.versions[1].versionId).toBe(v2.versionId);
    expect(q.totals).toMatchObject({ electricity: '11.0892', service: '19.2000', yuan: '30.29' }); // worked example 6
    expect(
      quoteToJson(
        quoteForStation(app, 'depot-1', samples(['2024-06-30T23:00:00+08:00', '0'], ['2024-07-01T00:20:00+08:00', '16.000'], ['2024-07-01T01:00:00+08:00', '24.000'])),
      ).totals,
    ).toEqual(q.totals);
  });

  it('export then import gives a plan that prices every slot of every day the same, overrides included', async () => {
    const { app, supervisor } = await depot();
    const plan = await ok<ImportResult>(app, supervisor, 'tariffs.import', { file: GUANGDONG_PLAN });
    await ok(app, supervisor, 'tariffs.addDateOverride', { planId: plan.planId, date: '2024-06-25', slots: { '30': 'sharp', '31': 'sharp' } });
    await ok(app, supervisor, 'tariffs.addDateOverride', { planId: plan.planId, date: '2024-08-01', slots: { '22': 'peak' } });
    const exported = await ok<{ file: TariffFile; versionId: string }>(app, supervisor, 'tariffs.export', { id: plan.planId });
    expect(exported.versionId).toBe(plan.versionId);
    expect(exported.file.rules).toHaveLength(3);
    const copy = await ok<ImportResult>(app, supervisor, 'tariffs.import', { file: { ...exported.file, name: 'copy' } });
    await ok(app, supervisor, 'tariffs.assign', { stationId: 'a', planId: plan.planId });
    await ok(app, supervisor, 'tariffs.assign', { stationId: 'b', planId: copy.planId });
    // Each plan has one version, so the plan in force now prices every later instant.
    const pa = planAt(app, 'a', app.clock.now())!.plan;
    const pb = planAt(app, 'b', app.clock.now())!.plan;
    const differ: string[] = [];
    for (let t = app.clock.now(); t < at('2024-10-01T00:00:00+08:00'); t += 30 * 60_000) {
      if (periodAt(pa, t).period !== periodAt(pb, t).period) differ.push(new Date(t).toISOString());
    }
    expect(differ).toEqual([]);
    expect(periodAt(pb, at('2024-06-25T15:10:00+08:00')).period).toBe('sharp');
    expect(periodAt(pb, at('2024-08-01T11:10:00+08:00')).period).toBe('peak');
    expect(parseTariffFile(exported.file).prices).toEqual(parseTariffFile(GUANGDONG_PLAN).prices);
  });

  it('operators may look and quote; only supervisors and admins change plans', async () => {
    const { app, operator, supervisor } = await depot();
    for (const [method, params] of [
      ['tariffs.import', { file: GUANGDONG_PLAN }],
      ['tariffs.assign', { stationId: 'x', planId: 'y' }],
      ['tariffs.addDateOverride', { planId: 'y', date: '2024-07-01', slots: { '1': 'peak' } }],
    ] as const) {
      const r = await call(app, operator, method, params);
      expect(r.ok ? null : r.error.code, method).toBe('forbidden');
    }
    expect(count(app, 'tariff_plans')).toBe(0);
    const plan = await ok<ImportResult>(app, supervisor, 'tariffs.import', { file: GUANGDONG_PLAN });
    expect(await ok<unknown[]>(app, operator, 'tariffs.list')).toHaveLength(1);
    await ok(app, operator, 'tariffs.get', { id: plan.planId });
    await ok(app, operator, 'tariffs.export', { id: plan.versionId });
    const q = await ok<QuoteJson>(app, operator, 'tariffs.quote', {
      planId: plan.planId,
      samples: [
        { at: '2024-06-20T10:00', kwh: '0' },
        { at: '2024-06-20T10:30', kwh: '10' },
      ],
    });
    expect(q.periods.peak.kwh).toBe('10.000000');
    expect((await call(app, null, 'tariffs.quote', { planId: plan.planId, samples: [] })).ok).toBe(false);
  });

  it('a quote names the bad sample field, and needs exactly one tariff', async () => {
    const { app, operator } = await depot();
    const r = await call(app, operator, 'tariffs.quote', {
      file: GUANGDONG_PLAN,
      samples: [
        { at: '2024-06-20T10:00+08:00', kwh: '1' },
        { at: '2024-06-20T10:30+08:00', kwh: '1.23456' },
      ],
    });
    expect(r.ok ? null : r.error).toMatchObject({ code: 'invalid_input', details: { field: 'samples[1].kwh' } });
    const back = await call(app, operator, 'tariffs.quote', {
      file: GUANGDONG_PLAN,
      samples: [
        { at: '2024-06-20T10:00+08:00', kwh: '2' },
        { at: '2024-06-20T10:30+08:00', kwh: '1' },
      ],
    });
    expect(back.ok ? null : back.error).toMatchObject({ code: 'invalid_input', details: { field: 'samples[1]' } });
    const two = await call(app, operator, 'tariffs.quote', { file: GUANGDONG_PLAN, planId: 'x', samples: [] });
    expect(two.ok ? null : two.error.message).toMatch(/exactly one of stationId, planId, versionId or file/);
    const unknownStation = await call(app, operator, 'tariffs.quote', { stationId: 'nowhere', samples: [] });
    expect(unknownStation.ok ? null : unknownStation.error).toMatchObject({ code: 'not_found', details: { field: 'stationId' } });
  });

  it('each change is announced on the event bus and written to the audit log', async () => {
    const { app, supervisor } = await depot();
    const events: DepotEvent[] = [];
    app.events.subscribe((e) => events.push(e));
    const plan = await ok<ImportResult>(app, supervisor, 'tariffs.import', { file: GUANGDONG_PLAN, stationId: 'depot-1' });
    await ok(app, supervisor, 'tariffs.addDateOverride', { planId: plan.planId, date: '2024-06-22', slots: { '30': 'sharp' } });
    expect(events.filter((e) => e.type === 'tariffs.changed').map((e) => e.payload)).toEqual([
      { planId: plan.planId, change: 'imported' },
      { planId: plan.planId, change: 'override' },
    ]);
    const audited = app.sqlite.prepare("SELECT method, result FROM audit_log WHERE method LIKE 'tariffs.%' ORDER BY id").all();
    expect(audited).toEqual([
      { method: 'tariffs.import', result: 'ok' },
      { method: 'tariffs.addDateOverride', result: 'ok' },
    ]);
  });

  it('the demo depot gets the Guangdong plan on its station, and running the demo twice changes nothing', async () => {
    const { app } = await depot();
    tickEveryRead(app.clock as FakeClock);
    tariffsDemoStep.run(app);
    const second = tariffsDemoStep.run(app);
    expect(second).toMatch(/already/);
    expect(count(app, 'tariff_versions')).toBe(1);
    expect(count(app, 'tariff_station_assignments')).toBe(1);
    expect(planAt(app, DEMO_TARIFF_STATION, app.clock.now())?.planName).toBe(GUANGDONG_PLAN.name);
  });
});
