import { describe, expect, it } from 'vitest';
import { DepotError } from '../../src-main/kernel/errors';
import { parseTariffFile, periodAt, quoteSession, quoteToJson, timelineOf, type MeterSample, type Period } from '../../src-main/tariffs';
import { at, fileWith, guangdong, samples } from './fixtures';

function errorOf(fn: () => unknown): DepotError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DepotError) return e;
    throw e;
  }
  throw new Error('expected a DepotError, got none');
}

/** A plan whose 48 slots are given period by period: `flat` everywhere except the listed slots. */
function planWithSlots(zone: string, special: Record<number, Period>, effectiveFrom = '2024-01-01') {
  const slots: Period[] = Array.from({ length: 48 }, (_, i) => special[i] ?? 'flat');
  return parseTariffFile(fileWith({ timezone: zone, slots, rules: [], effectiveFrom }));
}

describe('quote: samples as they come from a charger', () => {
  it('a single sample is a quote of zero, not an error', () => {
    const q = quoteToJson(quoteSession(guangdong, samples(['2024-03-05T10:00:00+08:00', '12.000'])));
    expect(q.totals).toMatchObject({ kwh: '0.000000', amount: '0.0000', fen: 0, yuan: '0.00' });
    expect(q.from).toBeNull();
  });

  it('no samples at all is a quote of zero', () => {
    expect(quoteSession(guangdong, []).totals.fen).toBe(0);
  });

  it('a session that delivered no energy is zero, not an error', () => {
    const q = quoteToJson(quoteSession(guangdong, samples(['2024-03-05T10:00:00+08:00', '12.000'], ['2024-03-05T11:30:00+08:00', '12.000'])));
    expect(q.totals).toMatchObject({ kwh: '0.000000', fen: 0 });
    expect(q.versions).toEqual([]);
  });

  it('samples out of order are sorted and exact duplicates dropped', () => {
    const ordered = samples(['2024-03-05T09:50:00+08:00', '0'], ['2024-03-05T10:00:00+08:00', '4.000'], ['2024-03-05T10:20:00+08:00', '10.000']);
    const shuffled = [ordered[2], ordered[0], ordered[1], { ...ordered[0] }, { ...ordered[2] }];
    const a = quoteToJson(quoteSession(guangdong, ordered));
    const b = quoteToJson(quoteSession(guangdong, shuffled));
    expect(b.periods).toEqual(a.periods);
    expect(b.totals).toEqual(a.totals);
    expect(b.samples).toEqual({ given: 5, used: 3, duplicatesDropped: 2 });
  });

  it('two different readings at the same instant are an error naming both samples', () => {
    const e = errorOf(() =>
      quoteSession(guangdong, samples(['2024-03-05T10:00:00+08:00', '1.000'], ['2024-03-05T10:30:00+08:00', '2.000'], ['2024-03-05T10:00:00+08:00', '1.500'])),
    );
    expect(e.code).toBe('invalid_input');
    expect(e.message).toMatch(/line 3: same timestamp 2024-03-05T10:00:00\+08:00 as line 1/);
    expect(e.details).toMatchObject({ field: 'line 3', other: 'line 1' });
  });

  it('a meter that goes backwards is an error naming the sample, never a negative charge', () => {
    const e = errorOf(() =>
      quoteSession(guangdong, samples(['2024-03-05T10:00:00+08:00', '10.000'], ['2024-03-05T10:10:00+08:00', '12.000'], ['2024-03-05T10:20:00+08:00', '11.999'])),
    );
    expect(e.code).toBe('invalid_input');
    expect(e.message).toMatch(/^line 3: the meter goes backwards at 2024-03-05T10:20:00\+08:00 \(11999 Wh after 12000 Wh at line 2\)/);
    expect(e.details).toMatchObject({ field: 'line 3', previous: 'line 2' });
  });

  it('a meter reset between out-of-order samples is caught after sorting', () => {
    const e = errorOf(() => quoteSession(guangdong, samples(['2024-03-05T10:20:00+08:00', '5.000'], ['2024-03-05T10:00:00+08:00', '10.000'])));
    expect(e.message).toMatch(/^line 1: the meter goes backwards/);
  });

  it('a reading that is not whole non-negative Wh is refused with its label', () => {
    const bad: MeterSample[] = [{ at: 0, wh: 1.5 }];
    expect(errorOf(() => quoteSession(guangdong, bad)).message).toMatch(/^samples\[0\]: energy must be a whole, non-negative number of Wh/);
    expect(errorOf(() => quoteSession(guangdong, [{ at: 0, wh: -1 }])).message).toMatch(/samples\[0\]/);
  });

  it('energy delivered before the plan takes effect is refused, naming the first sample', () => {
    const e = errorOf(() => quoteSession(guangdong, samples(['2023-12-31T23:30:00+08:00', '0'], ['2024-01-01T00:30:00+08:00', '2.000'])));
    expect(e.code).toBe('refused');
    expect(e.message).toMatch(/^line 1: no tariff was in force at 2023-12-31T23:30:00\+08:00/);
  });

  it('a session across midnight gives the evening to 平 and the night to 谷', () => {
    const q = quoteToJson(quoteSession(guangdong, samples(['2024-03-05T23:00:00+08:00', '0'], ['2024-03-06T01:00:00+08:00', '40.000'])));
    expect(q.periods.flat.kwh).toBe('20.000000');
    expect(q.periods.valley.kwh).toBe('20.000000');
  });

  it('a boundary exactly on a sample needs no interpolation', () => {
    const q = quoteToJson(
      quoteSession(guangdong, samples(['2024-03-05T09:30:00+08:00', '0'], ['2024-03-05T10:00:00+08:00', '7.001'], ['2024-03-05T10:30:00+08:00', '9.000'])),
    );
    expect(q.periods.flat.wh).toBe('7001.000');
    expect(q.periods.peak.wh).toBe('1999.000');
  });

  it('an interpolated boundary reading rounds half-up to the mWh, and the pieces still add up', () => {
    // 1 Wh over 3 boundaries' worth of time: 10:00 falls 1/3 and 10:30 2/3 of the way.
    const plan = planWithSlots('Asia/Shanghai', { 20: 'peak', 21: 'valley' });
    const q = quoteSession(plan, samples(['2024-03-05T09:30:00+08:00', '0'], ['2024-03-05T11:00:00+08:00', '0.001']));
    expect(q.periods.flat.wh.toFixed(3)).toBe('0.333');
    expect(q.periods.peak.wh.toFixed(3)).toBe('0.334'); // 0.6666… rounds to 0.667, minus 0.333
    expect(q.periods.valley.wh.toFixed(3)).toBe('0.333');
    expect(q.totals.wh.toFixed(3)).toBe('1.000');
  });

  it('the total is rounded once, half-up, to the fen', () => {
    // flat 1.00000 + 0.00500 per kWh: 1 kWh costs 1.0050 → 1.01 (half-up), never 1.00.
    const plan = parseTariffFile(
      fileWith({
        prices: {
          sharp: { electricity: '1', service: '0.005' },
          peak: { electricity: '1', service: '0.005' },
          flat: { electricity: '1', service: '0.005' },
          valley: { electricity: '1', service: '0.005' },
        },
      }),
    );
    const q = quoteToJson(quoteSession(plan, samples(['2024-03-05T09:00:00+08:00', '0'], ['2024-03-05T09:10:00+08:00', '1.000'])));
    expect(q.totals).toMatchObject({ amount: '1.0050', fen: 101, yuan: '1.01' });
  });
});

describe('quote: slots follow the plan’s wall clock', () => {
  it('Asia/Shanghai: slot 22 is 11:00–11:30 local, i.e. 03:00–03:30 UTC', () => {
    expect(periodAt(guangdong, Date.parse('2024-07-15T02:59:59.999Z')).period).toBe('peak');
    expect(periodAt(guangdong, Date.parse('2024-07-15T03:00:00Z'))).toEqual({ period: 'sharp', date: '2024-07-15', slot: 22 });
    expect(periodAt(guangdong, Date.parse('2024-07-15T04:00:00Z')).period).toBe('flat');
  });

  it('a plan in a +05:45 zone has its half hours off the UTC grid', () => {
    const plan = planWithSlots('Asia/Kathmandu', { 20: 'peak' }); // 10:00–10:30 local = 04:15–04:45 UTC
    const q = quoteSession(plan, [
      { at: Date.parse('2024-03-05T04:00:00Z'), wh: 0 },
      { at: Date.parse('2024-03-05T05:00:00Z'), wh: 60_000 },
    ]);
    expect(q.periods.peak.kwh.toFixed(3)).toBe('30.000');
    expect(q.periods.flat.kwh.toFixed(3)).toBe('30.000');
  });

  it('on a spring-forward night the skipped local hour is never charged', () => {
    // Europe/Berlin, 2024-03-31: 02:00 local jumps to 03:00. Slots 4–5 (02:00–03:00) do not happen.
    const plan = planWithSlots('Europe/Berlin', { 4: 'sharp', 5: 'sharp', 6: 'peak', 7: 'peak' });
    const q = quoteSession(plan, [
      { at: at('2024-03-31T01:00:00+01:00'), wh: 0 },
      { at: at('2024-03-31T04:00:00+02:00'), wh: 2000 }, // two real hours
    ]);
    expect(q.periods.sharp.wh.toFixed(3)).toBe('0.000');
    expect(q.periods.flat.wh.toFixed(3)).toBe('1000.000');
    expect(q.periods.peak.wh.toFixed(3)).toBe('1000.000');
  });

  it('on a fall-back night the repeated local hour is charged twice as long', () => {
    // Europe/Berlin, 2024-10-27: 03:00 local falls back to 02:00, so 02:00–03:00 lasts two hours.
    const plan = planWithSlots('Europe/Berlin', { 4: 'sharp', 5: 'sharp' });
    const q = quoteSession(plan, [
      { at: at('2024-10-27T01:00:00+02:00'), wh: 0 },
      { at: at('2024-10-27T04:00:00+01:00'), wh: 4000 }, // four real hours
    ]);
    expect(q.periods.sharp.wh.toFixed(3)).toBe('2000.000');
    expect(q.periods.flat.wh.toFixed(3)).toBe('2000.000');
  });

  it('a quote across two versions lists each version that priced energy', () => {
    const later = parseTariffFile(fileWith({ effectiveFrom: '2024-03-06' }));
    const q = quoteSession(
      [...timelineOf(guangdong, 'a'), ...timelineOf(later, 'b')],
      samples(['2024-03-05T23:00:00+08:00', '0'], ['2024-03-06T01:00:00+08:00', '2.000']),
    );
    expect(q.versions.map((v) => [v.versionId, v.periods.flat.wh.toFixed(0), v.periods.valley.wh.toFixed(0)])).toEqual([
      ['a', '1000', '0'],
      ['b', '0', '1000'],
    ]);
  });
});
