import Decimal from 'decimal.js';
import type { AppContext } from '../kernel/context';
import { listStations } from '../chargers';
import { settledSessionsBetween } from '../sessions';
import { PERIODS, type Period, type QuoteJson } from '../tariffs';
import { allocateFen } from './allocation';

/**
 * Revenue (营收报表): energy and money of the sessions settled in a period, by station, charger and
 * time-of-use period, electricity fee and service fee apart.
 *
 * Guarantees (test/reports/revenue.test.ts): every session is counted once, in the period of its
 * settlement; for every session its periods' electricity + service equal its settled amount in fen
 * (allocation.ts); the report's totals equal the sums of its lines, and tie to the ledger's revenue
 * accounts for the period (test/reports/ledger-ties.test.ts).
 */

export type RevenuePeriod = Period | 'unallocated';
export const REVENUE_PERIODS: readonly RevenuePeriod[] = [...PERIODS, 'unallocated'];

export interface RevenueLine {
  stationId: string | null;
  stationName: string;
  chargerId: string;
  period: RevenuePeriod;
  sessions: number;
  energyWh: number;
  electricityFen: number;
  serviceFen: number;
  totalFen: number;
}

export interface RevenueReport {
  from: number;
  to: number;
  stationId: string | null;
  lines: RevenueLine[];
  byPeriod: Record<RevenuePeriod, Omit<RevenueLine, 'stationId' | 'stationName' | 'chargerId' | 'period'>>;
  totals: { sessions: number; energyWh: number; electricityFen: number; serviceFen: number; totalFen: number; unpaidSessions: number };
}

const zero = () => ({ sessions: 0, energyWh: 0, electricityFen: 0, serviceFen: 0, totalFen: 0 });

export function revenueReport(app: AppContext, opts: { from: number; to: number; stationId?: string | null }): RevenueReport {
  const stations = new Map(listStations(app).map((s) => [s.id, s.name]));
  const lines = new Map<string, RevenueLine>();
  const byPeriod = Object.fromEntries(REVENUE_PERIODS.map((p) => [p, zero()])) as RevenueReport['byPeriod'];
  const totals = { ...zero(), unpaidSessions: 0 };
  const add = (s: { stationId: string | null; chargerId: string }, period: RevenuePeriod, wh: number, e: number, v: number) => {
    const key = `${s.stationId ?? ''}|${s.chargerId}|${period}`;
    let l = lines.get(key);
    if (!l) {
      l = { stationId: s.stationId, stationName: s.stationId ? (stations.get(s.stationId) ?? s.stationId) : '—', chargerId: s.chargerId, period, ...zero() };
      lines.set(key, l);
    }
    for (const t of [l, byPeriod[period]]) {
      t.sessions += 1;
      t.energyWh += wh;
      t.electricityFen += e;
      t.serviceFen += v;
      t.totalFen += e + v;
    }
  };
  for (const s of settledSessionsBetween(app, opts.from, opts.to)) {
    if (opts.stationId && s.stationId !== opts.stationId) continue;
    totals.sessions += 1;
    totals.energyWh += s.energyWh;
    totals.electricityFen += s.electricityFen;
    totals.serviceFen += s.serviceFen;
    totals.totalFen += s.amountFen;
    if (s.state === 'UNPAID') totals.unpaidSessions += 1;
    const quote = s.quote ? (JSON.parse(s.quote) as QuoteJson) : null;
    if (!quote) {
      add(s, 'unallocated', s.energyWh, s.electricityFen, s.serviceFen);
      continue;
    }
    const e = allocateFen(s.electricityFen, Object.fromEntries(PERIODS.map((p) => [p, quote.periods[p].electricity])) as Record<Period, string>);
    const v = allocateFen(s.serviceFen, Object.fromEntries(PERIODS.map((p) => [p, quote.periods[p].service])) as Record<Period, string>);
    const wh = wholeWh(s.energyWh, quote);
    for (const p of PERIODS) if (wh[p] > 0 || e[p] > 0 || v[p] > 0) add(s, p, wh[p], e[p], v[p]);
  }
  // A session spread over several periods counts once in the totals, once in each period's line.
  const sorted = [...lines.values()].sort(
    (a, b) =>
      a.stationName.localeCompare(b.stationName) || a.chargerId.localeCompare(b.chargerId) || REVENUE_PERIODS.indexOf(a.period) - REVENUE_PERIODS.indexOf(b.period),
  );
  return { from: opts.from, to: opts.to, stationId: opts.stationId ?? null, lines: sorted, byPeriod, totals };
}

/** The session's energy in whole Wh per period, adding up to its energy_wh (largest remainder, as for money). */
function wholeWh(totalWh: number, quote: QuoteJson): Record<Period, number> {
  const kwhShares = Object.fromEntries(PERIODS.map((p) => [p, new Decimal(quote.periods[p].wh).dividedBy(100)])) as Record<Period, Decimal>;
  return allocateFen(totalWh, kwhShares);
}
