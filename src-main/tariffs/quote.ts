import { DepotError } from '../kernel/errors';
import { Decimal, formatFen, roundHalfUpToFen, type Fen } from '../money';
import { periodAt, PERIODS, type Period, type TariffPlan } from './model';
import { isoInZone, nextSlotBoundary, startOfDate } from './zone';

/**
 * Quoting a charging session: meter samples in, per-period energy and money out. Pure: no
 * database, no clock.
 *
 * Guarantees:
 * - Every watt-hour between the first and the last sample is priced exactly once: the per-period
 *   energies add up exactly to the last reading minus the first.
 * - Each piece of energy is priced by the period, and the plan version, in force at the instant it
 *   was delivered, read on the plan's own wall clock (its time zone, DST-correct). Between two
 *   samples energy is spread linearly in time; a period boundary between them splits the energy in
 *   proportion to the time on each side.
 * - A charge is never negative: a meter that goes backwards, or two different readings at the same
 *   instant, is an error naming the sample, and nothing is quoted.
 * - The same samples in any order, with exact duplicates, give the same quote. One sample, or no
 *   energy, gives a quote of zero.
 * - No floating point anywhere: energy is integer Wh in, integer mWh inside (an interpolated
 *   boundary reading is rounded half-up to the mWh, and the pieces telescope, so rounding never
 *   creates or loses energy); prices are integer 0.00001 yuan/kWh; each period's electricity and
 *   service amounts are exact, then cut to 4 decimals (as piles do); the total is rounded once,
 *   half-up, to the fen, by the money module's policy.
 */

export interface MeterSample {
  /** The charger's timestamp, UTC epoch ms. */
  at: number;
  /** Cumulative energy register, integer Wh. */
  wh: number;
  /** How errors name this sample ("line 7"); defaults to "samples[i]". */
  label?: string;
}

/** One plan version and the instant from which it prices energy (until the next entry's). */
export interface TimelineEntry {
  from: number;
  plan: TariffPlan;
  versionId?: string | null;
}
export type PlanTimeline = readonly TimelineEntry[];

export interface QuoteLine {
  /** Energy in Wh (exact to the mWh). */
  wh: Decimal;
  kwh: Decimal;
  /** 电费, yuan, 4 decimals. */
  electricity: Decimal;
  /** 服务费, yuan, 4 decimals. */
  service: Decimal;
}

export interface VersionQuote {
  versionId: string | null;
  name: string;
  effectiveFrom: string;
  periods: Record<Period, QuoteLine>;
}

export interface Quote {
  periods: Record<Period, QuoteLine>;
  /** One entry per plan version that priced some energy, in time order. */
  versions: VersionQuote[];
  totals: {
    wh: Decimal;
    kwh: Decimal;
    electricity: Decimal;
    service: Decimal;
    /** electricity + service, 4 decimals, before rounding. */
    amount: Decimal;
    /** The charge: amount rounded once, half-up, to the fen. */
    fen: Fen;
  };
  samples: { given: number; used: number; duplicatesDropped: number };
  /** First and last sample instants (null below two samples). */
  from: number | null;
  to: number | null;
}

/** 1e-11 yuan (mWh × 1e-5 yuan/kWh) → 1e-4 yuan, cut toward zero. */
const CUT_TO_4_DECIMALS = 10_000_000n;

function bad(message: string, details: Record<string, unknown>): DepotError {
  return new DepotError('invalid_input', message, details);
}

interface Sorted {
  at: number;
  mwh: bigint;
  wh: number;
  label: string;
}

/** Sorts by time, drops exact duplicates, refuses contradictions and a meter going backwards. */
export function normalizeSamples(samples: readonly MeterSample[], zone = 'UTC'): { sorted: Sorted[]; dropped: number } {
  const labelled = samples.map((s, i) => {
    const label = s.label ?? `samples[${i}]`;
    if (!Number.isSafeInteger(s.at)) throw bad(`${label}: timestamp must be a whole number of ms since 1970; got ${String(s.at)}`, { field: label });
    if (!Number.isSafeInteger(s.wh) || s.wh < 0) {
      throw bad(`${label}: energy must be a whole, non-negative number of Wh; got ${String(s.wh)}`, { field: label });
    }
    return { at: s.at, wh: s.wh, mwh: BigInt(s.wh) * 1000n, label, index: i };
  });
  labelled.sort((a, b) => a.at - b.at || a.index - b.index);
  const sorted: Sorted[] = [];
  let dropped = 0;
  for (const s of labelled) {
    const prev = sorted.at(-1);
    if (prev && prev.at === s.at) {
      if (prev.wh === s.wh) {
        dropped += 1;
        continue;
      }
      throw bad(
        `${s.label}: same timestamp ${isoInZone(s.at, zone)} as ${prev.label} but a different reading (${s.wh} Wh vs ${prev.wh} Wh); a meter has one reading per instant`,
        { field: s.label, other: prev.label, at: s.at },
      );
    }
    if (prev && s.wh < prev.wh) {
      throw bad(
        `${s.label}: the meter goes backwards at ${isoInZone(s.at, zone)} (${s.wh} Wh after ${prev.wh} Wh at ${prev.label}); energy cannot be negative, nothing was quoted`,
        { field: s.label, previous: prev.label, at: s.at },
      );
    }
    sorted.push({ at: s.at, mwh: s.mwh, wh: s.wh, label: s.label });
  }
  return { sorted, dropped };
}

/** A single plan on its own: it prices energy from local midnight of its effective date. */
export function timelineOf(plan: TariffPlan, versionId: string | null = null): PlanTimeline {
  return [{ from: startOfDate(plan.effectiveFrom, plan.timeZone), plan, versionId }];
}

interface ChangePoint {
  at: number;
  version: number;
  period: Period;
}

/** The instants in [from, to) where the (version, period) pair changes, starting with `from`. */
function changePoints(timeline: PlanTimeline, from: number, to: number, firstLabel: string): ChangePoint[] {
  let v = -1;
  for (let i = 0; i < timeline.length; i += 1) if (timeline[i].from <= from) v = i;
  if (v < 0) {
    const first = timeline[0];
    throw new DepotError(
      'refused',
      `${firstLabel}: no tariff was in force at ${isoInZone(from, first.plan.timeZone)}; "${first.plan.name}" prices energy from ${isoInZone(first.from, first.plan.timeZone)}`,
      { field: firstLabel, at: from },
    );
  }
  const points: ChangePoint[] = [];
  let t = from;
  while (t < to) {
    while (v + 1 < timeline.length && timeline[v + 1].from <= t) v += 1;
    const { plan } = timeline[v];
    const { period } = periodAt(plan, t);
    const last = points.at(-1);
    if (!last || last.version !== v || last.period !== period) points.push({ at: t, version: v, period });
    const nextVersion = v + 1 < timeline.length ? timeline[v + 1].from : Infinity;
    t = Math.min(nextSlotBoundary(t, plan.timeZone), nextVersion);
  }
  return points;
}

function zeroLine(): QuoteLine {
  return { wh: new Decimal(0), kwh: new Decimal(0), electricity: new Decimal(0), service: new Decimal(0) };
}

function linesOf(mwh: Record<Period, bigint>, plan: TariffPlan): { lines: Record<Period, QuoteLine>; e4: Record<Period, bigint>; s4: Record<Period, bigint> } {
  const lines = {} as Record<Period, QuoteLine>;
  const e4 = {} as Record<Period, bigint>;
  const s4 = {} as Record<Period, bigint>;
  for (const p of PERIODS) {
    const m = mwh[p];
    e4[p] = (m * BigInt(plan.prices[p].electricity)) / CUT_TO_4_DECIMALS;
    s4[p] = (m * BigInt(plan.prices[p].service)) / CUT_TO_4_DECIMALS;
    lines[p] = {
      wh: new Decimal(m.toString()).dividedBy(1000),
      kwh: new Decimal(m.toString()).dividedBy(1_000_000),
      electricity: new Decimal(e4[p].toString()).dividedBy(10_000),
      service: new Decimal(s4[p].toString()).dividedBy(10_000),
    };
  }
  return { lines, e4, s4 };
}

function checkTimeline(timeline: PlanTimeline): void {
  if (timeline.length === 0) throw new DepotError('invalid_input', 'no tariff given to quote with', { field: 'tariff' });
  for (let i = 1; i < timeline.length; i += 1) {
    if (!(timeline[i].from > timeline[i - 1].from)) {
      throw new DepotError('internal', 'tariff timeline must be in strictly increasing order of start');
    }
  }
}

/**
 * Quote a session. `tariff` is one plan (priced from its effective date) or a timeline of plan
 * versions, each pricing energy from its `from` until the next one's.
 */
export function quoteSession(tariff: TariffPlan | PlanTimeline, samples: readonly MeterSample[]): Quote {
  const timeline: PlanTimeline = Array.isArray(tariff) ? (tariff as PlanTimeline) : timelineOf(tariff as TariffPlan);
  checkTimeline(timeline);
  const zone = timeline[0].plan.timeZone;
  const { sorted, dropped } = normalizeSamples(samples, zone);

  // Energy per (version, period), in mWh.
  const buckets = timeline.map(() => Object.fromEntries(PERIODS.map((p) => [p, 0n])) as Record<Period, bigint>);

  const firstPositive = sorted.findIndex((s, i) => i + 1 < sorted.length && sorted[i + 1].mwh > s.mwh);
  if (firstPositive >= 0) {
    let lastPositive = firstPositive;
    for (let i = firstPositive; i + 1 < sorted.length; i += 1) if (sorted[i + 1].mwh > sorted[i].mwh) lastPositive = i + 1;
    const points = changePoints(timeline, sorted[firstPositive].at, sorted[lastPositive].at, sorted[firstPositive].label);
    let p = 0;
    for (let i = firstPositive; i < lastPositive; i += 1) {
      const a = sorted[i];
      const b = sorted[i + 1];
      while (p + 1 < points.length && points[p + 1].at <= a.at) p += 1;
      if (b.mwh === a.mwh) continue;
      const span = BigInt(b.at - a.at);
      const delta = b.mwh - a.mwh;
      let reading = a.mwh;
      // Each boundary inside (a, b) gets the linearly interpolated reading, rounded half-up to the
      // mWh; pieces are differences of readings, so they always add up to b − a exactly.
      while (p + 1 < points.length && points[p + 1].at < b.at) {
        const c = points[p + 1].at;
        const num = delta * BigInt(c - a.at);
        const at = a.mwh + (2n * num + span) / (2n * span);
        buckets[points[p].version][points[p].period] += at - reading;
        reading = at;
        p += 1;
      }
      buckets[points[p].version][points[p].period] += b.mwh - reading;
    }
  }

  const totalMwh = Object.fromEntries(PERIODS.map((p) => [p, 0n])) as Record<Period, bigint>;
  const e4Total = Object.fromEntries(PERIODS.map((p) => [p, 0n])) as Record<Period, bigint>;
  const s4Total = Object.fromEntries(PERIODS.map((p) => [p, 0n])) as Record<Period, bigint>;
  const versions: VersionQuote[] = [];
  timeline.forEach((entry, v) => {
    const used = PERIODS.some((p) => buckets[v][p] > 0n);
    if (!used) return;
    const { lines, e4, s4 } = linesOf(buckets[v], entry.plan);
    for (const p of PERIODS) {
      totalMwh[p] += buckets[v][p];
      e4Total[p] += e4[p];
      s4Total[p] += s4[p];
    }
    versions.push({ versionId: entry.versionId ?? null, name: entry.plan.name, effectiveFrom: entry.plan.effectiveFrom, periods: lines });
  });

  const periods = {} as Record<Period, QuoteLine>;
  for (const p of PERIODS) {
    periods[p] =
      versions.length === 0
        ? zeroLine()
        : {
            wh: new Decimal(totalMwh[p].toString()).dividedBy(1000),
            kwh: new Decimal(totalMwh[p].toString()).dividedBy(1_000_000),
            electricity: new Decimal(e4Total[p].toString()).dividedBy(10_000),
            service: new Decimal(s4Total[p].toString()).dividedBy(10_000),
          };
  }
  const mwh = PERIODS.reduce((s, p) => s + totalMwh[p], 0n);
  const e4 = PERIODS.reduce((s, p) => s + e4Total[p], 0n);
  const s4 = PERIODS.reduce((s, p) => s + s4Total[p], 0n);
  const amount = new Decimal((e4 + s4).toString()).dividedBy(10_000);
  return {
    periods,
    versions,
    totals: {
      wh: new Decimal(mwh.toString()).dividedBy(1000),
      kwh: new Decimal(mwh.toString()).dividedBy(1_000_000),
      electricity: new Decimal(e4.toString()).dividedBy(10_000),
      service: new Decimal(s4.toString()).dividedBy(10_000),
      amount,
      fen: roundHalfUpToFen(amount),
    },
    samples: { given: samples.length, used: sorted.length, duplicatesDropped: dropped },
    from: sorted.length >= 2 ? sorted[0].at : null,
    to: sorted.length >= 2 ? sorted[sorted.length - 1].at : null,
  };
}

/** A quote line as decimal strings: kWh to 6 decimals (1 mWh), Wh to 3, yuan to 4. */
export interface QuoteLineJson {
  kwh: string;
  wh: string;
  electricity: string;
  service: string;
}

export interface QuoteJson {
  periods: Record<Period, QuoteLineJson>;
  totals: { kwh: string; wh: string; electricity: string; service: string; amount: string; fen: number; yuan: string };
  versions: { versionId: string | null; name: string; effectiveFrom: string; periods: Record<Period, QuoteLineJson> }[];
  samples: { given: number; used: number; duplicatesDropped: number };
  from: number | null;
  to: number | null;
}

function lineJson(l: QuoteLine): QuoteLineJson {
  return { kwh: l.kwh.toFixed(6), wh: l.wh.toFixed(3), electricity: l.electricity.toFixed(4), service: l.service.toFixed(4) };
}

function periodsJson(periods: Record<Period, QuoteLine>): Record<Period, QuoteLineJson> {
  return Object.fromEntries(PERIODS.map((p) => [p, lineJson(periods[p])])) as Record<Period, QuoteLineJson>;
}

/** The quote as it crosses the contract and the CLI: every number a decimal string, plus fen. */
export function quoteToJson(q: Quote): QuoteJson {
  return {
    periods: periodsJson(q.periods),
    totals: {
      kwh: q.totals.kwh.toFixed(6),
      wh: q.totals.wh.toFixed(3),
      electricity: q.totals.electricity.toFixed(4),
      service: q.totals.service.toFixed(4),
      amount: q.totals.amount.toFixed(4),
      fen: q.totals.fen,
      yuan: formatFen(q.totals.fen),
    },
    versions: q.versions.map((v) => ({ versionId: v.versionId, name: v.name, effectiveFrom: v.effectiveFrom, periods: periodsJson(v.periods) })),
    samples: q.samples,
    from: q.from,
    to: q.to,
  };
}
