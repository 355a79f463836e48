import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import DecimalJs from 'decimal.js';
import { Decimal } from '../../src-main/money';
import {
  checkTariffFile,
  parseTariffFile,
  PERIODS,
  quoteSession,
  quoteToJson,
  timelineOf,
  toTariffFile,
  type MeterSample,
  type Period,
  type PlanTimeline,
  type TariffFile,
} from '../../src-main/tariffs';
import { GUANGDONG_PLAN } from '../../src-main/tariffs';

const START = Date.parse('2024-06-28T00:00:00+08:00'); // a few days before a month (and rule) change
const ZONES = ['Asia/Shanghai', 'Europe/Berlin', 'Asia/Kathmandu', 'America/New_York'] as const;

const period = fc.constantFrom<Period>(...PERIODS);
const price = fc.integer({ min: 0, max: 300_000 }).map((n) => new Decimal(n).dividedBy(100_000).toFixed(5));
const slotOverrides = fc.dictionary(fc.integer({ min: 0, max: 47 }).map(String), period, { minKeys: 1, maxKeys: 6 });

const tariffFile: fc.Arbitrary<TariffFile> = fc.record({
  name: fc.constant('random plan'),
  currency: fc.constant('CNY' as const),
  timezone: fc.constantFrom(...ZONES),
  effectiveFrom: fc.constant('2024-01-01'),
  prices: fc.record({
    sharp: fc.record({ electricity: price, service: price }),
    peak: fc.record({ electricity: price, service: price }),
    flat: fc.record({ electricity: price, service: price }),
    valley: fc.record({ electricity: price, service: price }),
  }),
  slots: fc.array(period, { minLength: 48, maxLength: 48 }),
  rules: fc.array(
    fc.oneof(
      fc.record({ months: fc.uniqueArray(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 4 }), slots: slotOverrides }),
      fc.record({ dates: fc.uniqueArray(fc.constantFrom('2024-06-28', '2024-06-30', '2024-07-01', '2024-07-02'), { minLength: 1, maxLength: 2 }), slots: slotOverrides }),
    ),
    { maxLength: 3 },
  ),
});

/** One timeline of 1–3 versions of random plans, the later ones starting inside the sessions' span. */
const timeline: fc.Arbitrary<PlanTimeline> = fc
  .tuple(fc.array(tariffFile, { minLength: 1, maxLength: 3 }), fc.uniqueArray(fc.integer({ min: 1, max: 4 * 24 * 60 }), { minLength: 2, maxLength: 2 }))
  .map(([files, minutes]) => {
    const starts = [Date.parse('2024-01-01T00:00:00Z') - 86_400_000, ...minutes.sort((a, b) => a - b).map((m) => START + m * 60_000)];
    return files.map((f, i) => ({ from: starts[i], plan: parseTariffFile(f), versionId: `v${i}` }));
  });

/** A session: increments of time (ms) and energy (Wh), from a random start reading. */
const increments = fc.array(fc.tuple(fc.integer({ min: 1, max: 3 * 3600_000 }), fc.integer({ min: 0, max: 40_000 })), { minLength: 1, maxLength: 25 });
function toSamples(start: number, first: number, steps: readonly (readonly [number, number])[]): MeterSample[] {
  const out: MeterSample[] = [{ at: start, wh: first }];
  for (const [dt, de] of steps) out.push({ at: out.at(-1)!.at + dt, wh: out.at(-1)!.wh + de });
  return out;
}
const session = fc
  .tuple(fc.integer({ min: 0, max: 2 * 86_400_000 }), fc.integer({ min: 0, max: 5_000_000 }), increments)
  .map(([offset, first, steps]) => toSamples(START + offset, first, steps));

function whByPeriod(samples: readonly MeterSample[], t: PlanTimeline): Record<Period, string> {
  const q = quoteSession(t, samples);
  return Object.fromEntries(PERIODS.map((p) => [p, q.periods[p].wh.toFixed(3)])) as Record<Period, string>;
}

function sumWh(a: Record<Period, string>, b: Record<Period, string>): Record<Period, string> {
  return Object.fromEntries(PERIODS.map((p) => [p, new Decimal(a[p]).plus(b[p]).toFixed(3)])) as Record<Period, string>;
}

describe('quote properties', () => {
  it('the per-period kWh always add up exactly to the metered total', () => {
    fc.assert(
      fc.property(timeline, session, (t, s) => {
        const q = quoteSession(t, s);
        const sum = PERIODS.reduce((acc, p) => acc.plus(q.periods[p].wh), new Decimal(0));
        const metered = new Decimal(s.at(-1)!.wh - s[0].wh);
        expect(sum.equals(metered)).toBe(true);
        expect(q.totals.wh.equals(metered)).toBe(true);
        // and per version the same holds, adding up to the total
        const byVersion = q.versions.reduce((acc, v) => PERIODS.reduce((a, p) => a.plus(v.periods[p].wh), acc), new Decimal(0));
        expect(byVersion.equals(metered)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('splitting a session at one of its samples and quoting both halves gives the same per-period kWh', () => {
    fc.assert(
      fc.property(timeline, session, fc.nat(), (t, s, k) => {
        const cut = s.length > 2 ? 1 + (k % (s.length - 2)) : 0;
        const whole = whByPeriod(s, t);
        expect(sumWh(whByPeriod(s.slice(0, cut + 1), t), whByPeriod(s.slice(cut), t))).toEqual(whole);
      }),
      { numRuns: 150 },
    );
  });

  it('splitting between two samples, at an instant whose interpolated reading is a whole Wh, gives the same per-period kWh', () => {
    // Between samples a and b energy is a straight line in time. A new sample placed on that line
    // leaves every boundary reading the same exact rational, so each rounds the same way; the
    // property holds exactly whenever the split sample can be written in whole Wh, as samples are.
    const pair = fc.record({
      k: fc.integer({ min: 2, max: 50 }),
      t0: fc.integer({ min: 1, max: 400_000 }),
      e0: fc.integer({ min: 0, max: 2_000 }),
      m: fc.nat(),
    });
    fc.assert(
      fc.property(timeline, session, fc.nat(), pair, (t, s, where, { k, t0, e0, m }) => {
        // Replace one step with k×(t0 ms, e0 Wh) and split it after m of those k parts.
        const i = where % (s.length - 1);
        const steps = s.slice(1).map((x, j) => [x.at - s[j].at, x.wh - s[j].wh] as const);
        steps[i] = [k * t0, k * e0];
        const full = toSamples(s[0].at, s[0].wh, steps);
        const part = 1 + (m % (k - 1));
        const split: MeterSample = { at: full[i].at + part * t0, wh: full[i].wh + part * e0 };
        const first = [...full.slice(0, i + 1), split];
        const second = [split, ...full.slice(i + 1)];
        expect(sumWh(whByPeriod(first, t), whByPeriod(second, t))).toEqual(whByPeriod(full, t));
      }),
      { numRuns: 200 },
    );
  });

  it('a flat plan charges price × kWh, each component cut to 4 decimals and the total rounded once to the fen', () => {
    fc.assert(
      fc.property(fc.constantFrom<Period>(...PERIODS), price, price, session, (p, e, sv, s) => {
        const file: TariffFile = { ...structuredClone(GUANGDONG_PLAN), slots: Array<Period>(48).fill(p), rules: [] };
        file.prices[p] = { electricity: e, service: sv };
        const q = quoteSession(parseTariffFile(file), s);
        const kwh = new Decimal(s.at(-1)!.wh - s[0].wh).dividedBy(1000);
        const elec = kwh.times(e).toDecimalPlaces(4, DecimalJs.ROUND_DOWN);
        const serv = kwh.times(sv).toDecimalPlaces(4, DecimalJs.ROUND_DOWN);
        expect(q.totals.kwh.equals(kwh)).toBe(true);
        expect(q.totals.electricity.equals(elec)).toBe(true);
        expect(q.totals.service.equals(serv)).toBe(true);
        expect(q.totals.fen).toBe(elec.plus(serv).times(100).toDecimalPlaces(0, DecimalJs.ROUND_HALF_UP).toNumber());
      }),
      { numRuns: 200 },
    );
  });

  it('a plan with the same prices in every period charges price × kWh to within the 4-decimal cuts', () => {
    fc.assert(
      fc.property(tariffFile, price, price, session, (f, e, sv, s) => {
        const file: TariffFile = {
          ...f,
          prices: {
            sharp: { electricity: e, service: sv },
            peak: { electricity: e, service: sv },
            flat: { electricity: e, service: sv },
            valley: { electricity: e, service: sv },
          },
        };
        const q = quoteSession(parseTariffFile(file), s);
        const exact = new Decimal(s.at(-1)!.wh - s[0].wh).dividedBy(1000).times(new Decimal(e).plus(sv));
        const gap = exact.minus(q.totals.amount);
        // never more than exact; at most 0.0001 lost per period and component (4 × 2)
        expect(gap.greaterThanOrEqualTo(0)).toBe(true);
        expect(gap.lessThanOrEqualTo('0.0008')).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('the order of the samples and exact duplicates never change the quote', () => {
    fc.assert(
      fc.property(timeline, session, fc.array(fc.nat()), (t, s, dupes) => {
        const shuffled = [...s, ...dupes.map((d) => ({ ...s[d % s.length] }))].sort((a, b) => ((a.at * 7919 + a.wh) % 13) - ((b.at * 7919 + b.wh) % 13));
        const a = quoteToJson(quoteSession(t, s));
        const b = quoteToJson(quoteSession(t, shuffled));
        expect(b.periods).toEqual(a.periods);
        expect(b.totals).toEqual(a.totals);
        expect(b.versions).toEqual(a.versions);
      }),
      { numRuns: 100 },
    );
  });

  it('a meter that goes backwards anywhere is refused, naming that sample', () => {
    fc.assert(
      fc.property(timeline, session, fc.nat(), fc.integer({ min: 1, max: 1000 }), (t, s, where, drop) => {
        fc.pre(s.length >= 2);
        const i = 1 + (where % (s.length - 1));
        const broken = s.map((x, j) => ({ ...x, label: `line ${j + 1}`, wh: j === i ? Math.max(0, s[i - 1].wh - drop) : x.wh }));
        fc.pre(broken[i].wh < broken[i - 1].wh);
        expect(() => quoteSession(t, broken)).toThrow(new RegExp(`^line ${i + 1}: the meter goes backwards`));
      }),
      { numRuns: 100 },
    );
  });
});

describe('tariff file properties', () => {
  it('every valid file round-trips through export unchanged', () => {
    fc.assert(
      fc.property(tariffFile, (f) => {
        expect(toTariffFile(parseTariffFile(f))).toEqual(f);
      }),
      { numRuns: 200 },
    );
  });

  /** Corruptions of a valid file, each with the field the error must name. */
  const corruptions: { field: string | RegExp; apply(f: Record<string, unknown>, n: number): void }[] = [
    { field: 'slots', apply: (f, n) => void (f.slots = (f.slots as string[]).slice(0, n % 48)) },
    { field: /^slots\[\d+\]$/, apply: (f, n) => void ((f.slots as string[])[n % 48] = ['deep-valley', 'Peak', '', 'noon'][n % 4]) },
    {
      field: /^prices\.(sharp|peak|flat|valley)\.(electricity|service)$/,
      apply: (f, n) =>
        void ((f.prices as Record<string, Record<string, string>>)[PERIODS[n % 4]][n % 2 ? 'service' : 'electricity'] = ['-0.10000', '0.123456', '1,5', 'abc'][n % 4]),
    },
    { field: /^prices\.(sharp|peak|flat|valley)$/, apply: (f, n) => void delete (f.prices as Record<string, unknown>)[PERIODS[n % 4]] },
    { field: 'timezone', apply: (f, n) => void (f.timezone = ['Asia/Beijing', 'CST', '+08:00', ''][n % 4]) },
    { field: 'effectiveFrom', apply: (f, n) => void (f.effectiveFrom = ['2024-02-30', '2024-13-01', '20240101', 'tomorrow'][n % 4]) },
    { field: 'currency', apply: (f) => void (f.currency = 'USD') },
    { field: 'name', apply: (f) => void (f.name = '  ') },
    { field: /^rules\[0\]\.months\[0\]$/, apply: (f, n) => void (f.rules = [{ months: [[0, 13, 7.5, -1][n % 4]], slots: { '1': 'peak' } }]) },
    {
      field: /^rules\[0\]\.dates\[0\]$/,
      apply: (f, n) => void (f.rules = [{ dates: [['2024-8-1', '2024-02-30', '08/01/2024', '2024-00-10'][n % 4]], slots: { '1': 'peak' } }]),
    },
    { field: /^rules\[0\]\.slots\.\S+$/, apply: (f, n) => void (f.rules = [{ months: [7], slots: { [['48', '-1', '07', 'x'][n % 4]]: 'peak' } }]) },
    { field: /^rules\[0\]\.slots\.\d+$/, apply: (f) => void (f.rules = [{ months: [7], slots: { '3': 'super-peak' } }]) },
    { field: 'rules[0]', apply: (f) => void (f.rules = [{ slots: { '3': 'peak' } }]) },
    { field: 'bonus', apply: (f) => void (f.bonus = true) },
  ];

  it('each corruption of a valid file is refused, naming the field and a reason, and yields no plan', () => {
    fc.assert(
      fc.property(tariffFile, fc.integer({ min: 0, max: corruptions.length - 1 }), fc.nat(), (f, which, n) => {
        const bad = structuredClone(f) as unknown as Record<string, unknown>;
        corruptions[which].apply(bad, n);
        const { plan, issues } = checkTariffFile(bad);
        expect(plan).toBeNull();
        const want = corruptions[which].field;
        const hit = issues.find((i) => (typeof want === 'string' ? i.field === want : want.test(i.field)));
        expect(hit, `expected an issue on ${String(want)}, got ${JSON.stringify(issues)}`).toBeDefined();
        expect(hit!.reason.length).toBeGreaterThan(10);
        expect(() => parseTariffFile(bad)).toThrow(/nothing imported/);
      }),
      { numRuns: 300 },
    );
  });
});

// Keep `timelineOf` exercised with the default (null) version id as the CLI uses it.
it('a single plan prices from local midnight of its effective date', () => {
  expect(timelineOf(parseTariffFile(GUANGDONG_PLAN))[0]).toMatchObject({ from: Date.parse('2024-01-01T00:00:00+08:00'), versionId: null });
});
