import { describe, expect, it } from 'vitest';
import { GUANGDONG_PLAN, parseTariffFile, quoteSession, quoteToJson, timelineOf, type PlanTimeline } from '../../src-main/tariffs';
import { fileWith, guangdong, samples } from './fixtures';

/**
 * The worked examples of docs/tariffs.md, computed by hand there; each number here is the doc's.
 * Plan: docs/examples/tariff-guangdong.json (尖 1.30113, 峰 1.04090, 平 0.62540, 谷 0.32150 electricity;
 * service 0.80000 in every period).
 */
describe('worked examples (docs/tariffs.md)', () => {
  it('example 1: a charge inside one flat period is price × kWh', () => {
    const q = quoteToJson(quoteSession(guangdong, samples(['2024-03-05T08:20:00+08:00', '100.000'], ['2024-03-05T09:40:00+08:00', '130.000'])));
    expect(q.periods.flat).toEqual({ kwh: '30.000000', wh: '30000.000', electricity: '18.7620', service: '24.0000' });
    expect(q.totals).toMatchObject({ kwh: '30.000000', electricity: '18.7620', service: '24.0000', amount: '42.7620', fen: 4276, yuan: '42.76' });
  });

  it('example 2: a boundary between two samples splits the energy by time, the boundary reading rounded to the mWh', () => {
    const q = quoteToJson(quoteSession(guangdong, samples(['2024-03-05T09:50:00+08:00', '0'], ['2024-03-05T10:05:00+08:00', '10.000'])));
    expect(q.periods.flat).toEqual({ kwh: '6.666667', wh: '6666.667', electricity: '4.1693', service: '5.3333' });
    expect(q.periods.peak).toEqual({ kwh: '3.333333', wh: '3333.333', electricity: '3.4696', service: '2.6666' });
    // Each period's amount is cut to 4 decimals, so the service total is 7.9999, not 8.0000.
    expect(q.totals).toMatchObject({ kwh: '10.000000', electricity: '7.6389', service: '7.9999', amount: '15.6388', fen: 1564, yuan: '15.64' });
  });

  it('example 3: a July charge runs from 峰 into 尖 (July–September rule) and on into 平', () => {
    const q = quoteToJson(
      quoteSession(
        guangdong,
        samples(
          ['2024-07-15T10:45:00+08:00', '1520.000'],
          ['2024-07-15T10:55:00+08:00', '1529.820'],
          ['2024-07-15T11:05:00+08:00', '1539.655'],
          ['2024-07-15T11:15:00+08:00', '1549.410'],
          ['2024-07-15T11:25:00+08:00', '1558.960'],
          ['2024-07-15T11:35:00+08:00', '1567.880'],
          ['2024-07-15T11:45:00+08:00', '1575.300'],
          ['2024-07-15T11:55:00+08:00', '1580.950'],
          ['2024-07-15T12:05:00+08:00', '1584.720'],
          ['2024-07-15T12:12:30+08:00', '1586.815'],
        ),
      ),
    );
    expect(q.periods.peak).toEqual({ kwh: '14.737500', wh: '14737.500', electricity: '15.3402', service: '11.7900' });
    expect(q.periods.sharp).toEqual({ kwh: '48.097500', wh: '48097.500', electricity: '62.5811', service: '38.4780' });
    expect(q.periods.flat).toEqual({ kwh: '3.980000', wh: '3980.000', electricity: '2.4890', service: '3.1840' });
    expect(q.periods.valley.kwh).toBe('0.000000');
    expect(q.totals).toMatchObject({ kwh: '66.815000', electricity: '80.4103', service: '53.4520', amount: '133.8623', fen: 13386, yuan: '133.86' });
  });

  it('example 4: a bus parked from 30 September to 1 October crosses midnight and the month where 尖 ends', () => {
    const q = quoteToJson(quoteSession(guangdong, samples(['2024-09-30T14:00:00+08:00', '0'], ['2024-10-01T16:00:00+08:00', '52.000'])));
    expect(q.periods.sharp).toEqual({ kwh: '4.000000', wh: '4000.000', electricity: '5.2045', service: '3.2000' });
    expect(q.periods.peak).toEqual({ kwh: '14.000000', wh: '14000.000', electricity: '14.5726', service: '11.2000' });
    expect(q.periods.flat).toEqual({ kwh: '18.000000', wh: '18000.000', electricity: '11.2572', service: '14.4000' });
    expect(q.periods.valley).toEqual({ kwh: '16.000000', wh: '16000.000', electricity: '5.1440', service: '12.8000' });
    expect(q.totals).toMatchObject({ kwh: '52.000000', electricity: '36.1783', service: '41.6000', amount: '77.7783', fen: 7778, yuan: '77.78' });
  });

  it('example 5: an operator override makes 15:00–17:00 尖 on a June heat-wave day', () => {
    const hot = parseTariffFile(
      fileWith({ rules: [...GUANGDONG_PLAN.rules, { dates: ['2024-06-20'], slots: { '30': 'sharp', '31': 'sharp', '32': 'sharp', '33': 'sharp' } }] }),
    );
    const rows = samples(['2024-06-20T14:30:00+08:00', '200.000'], ['2024-06-20T15:00:00+08:00', '215.000'], ['2024-06-20T15:30:00+08:00', '230.000']);
    const q = quoteToJson(quoteSession(hot, rows));
    expect(q.periods.peak).toEqual({ kwh: '15.000000', wh: '15000.000', electricity: '15.6135', service: '12.0000' });
    expect(q.periods.sharp).toEqual({ kwh: '15.000000', wh: '15000.000', electricity: '19.5169', service: '12.0000' });
    expect(q.totals).toMatchObject({ electricity: '35.1304', service: '24.0000', amount: '59.1304', yuan: '59.13' });
    // The same session without the override: all 峰.
    expect(quoteToJson(quoteSession(guangdong, rows)).totals).toMatchObject({ electricity: '31.2270', amount: '55.2270', yuan: '55.23' });
  });

  it('example 6: a session replayed offline across a new version at midnight is priced by each version in force at delivery', () => {
    const v2 = parseTariffFile(fileWith({ effectiveFrom: '2024-07-01', prices: { ...GUANGDONG_PLAN.prices, valley: { electricity: '0.29870', service: '0.80000' } } }));
    const timeline: PlanTimeline = [...timelineOf(guangdong, 'v1'), ...timelineOf(v2, 'v2')];
    const q = quoteToJson(
      quoteSession(timeline, samples(['2024-06-30T23:00:00+08:00', '0'], ['2024-07-01T00:20:00+08:00', '16.000'], ['2024-07-01T01:00:00+08:00', '24.000'])),
    );
    expect(q.versions.map((v) => v.versionId)).toEqual(['v1', 'v2']);
    expect(q.versions[0].periods.flat).toEqual({ kwh: '12.000000', wh: '12000.000', electricity: '7.5048', service: '9.6000' });
    expect(q.versions[1].periods.valley).toEqual({ kwh: '12.000000', wh: '12000.000', electricity: '3.5844', service: '9.6000' });
    expect(q.totals).toMatchObject({ kwh: '24.000000', electricity: '11.0892', service: '19.2000', amount: '30.2892', fen: 3029, yuan: '30.29' });
  });
});
