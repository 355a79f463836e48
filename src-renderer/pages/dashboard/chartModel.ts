import type { MethodOutput } from '../../../src-main/contract/types';
import type { ChartOption } from '../../components/Chart';
import { displayFen, formatWh } from '../../lib/format';

/**
 * The dashboard charts' options, as plain functions of the contract's answers: energy and revenue
 * per hour today against yesterday, utilisation and failed starts per charger, open breaks by
 * kind, open debts by age. Labels come in already translated.
 */
export type Hourly = MethodOutput<'sessions.hourly'>;
export type ChargerUsage = MethodOutput<'sessions.byCharger'>['chargers'][number];
export type OpenBreaks = MethodOutput<'recon.openBreaks'>;
export type DebtAgeing = MethodOutput<'ledger.debtAgeing'>;

/** At most this many chargers in a per-charger chart: the busiest (or most failing) first. */
export const TOP_CHARGERS = 12;

export const COLORS = { today: '#1668dc', yesterday: '#bfbfbf', usage: '#13a8a8', failed: '#cf1322', breaks: '#d46b08', debts: '#c41d7f' } as const;

const hours = (h: Hourly) => h.buckets.map((_, i) => String(i).padStart(2, '0'));
const grid = { left: 8, right: 16, top: 36, bottom: 8, containLabel: true };

/** Energy (kWh) or revenue (yuan) per hour: today as bars, yesterday as a grey line behind. */
export function hourlyOption(kind: 'energy' | 'revenue', today: Hourly, yesterday: Hourly, labels: { today: string; yesterday: string }): ChartOption {
  const value = (b: Hourly['buckets'][number]) => (kind === 'energy' ? b.energyWh / 1000 : b.amountFen / 100);
  const format = (v: unknown) => (kind === 'energy' ? formatWh(Math.round(Number(v) * 1000)) : displayFen(Math.round(Number(v) * 100)));
  return {
    grid,
    legend: { top: 0, data: [labels.today, labels.yesterday] },
    tooltip: { trigger: 'axis', valueFormatter: format },
    xAxis: { type: 'category', data: hours(today), axisLabel: { formatter: (h: string) => `${h}:00`, interval: 2 } },
    yAxis: { type: 'value', name: kind === 'energy' ? 'kWh' : '¥', nameTextStyle: { align: 'right' } },
    series: [
      { name: labels.today, type: 'bar', data: today.buckets.map(value), itemStyle: { color: COLORS.today }, barMaxWidth: 18 },
      { name: labels.yesterday, type: 'line', data: yesterday.buckets.map(value), itemStyle: { color: COLORS.yesterday }, lineStyle: { type: 'dashed' }, symbolSize: 4 },
    ],
  };
}

/** Chargers by a figure, largest first, at most TOP_CHARGERS, shown top-down. */
export function topChargers(chargers: readonly ChargerUsage[], by: (c: ChargerUsage) => number): ChargerUsage[] {
  return [...chargers]
    .filter((c) => by(c) > 0)
    .sort((a, b) => by(b) - by(a) || a.chargerId.localeCompare(b.chargerId))
    .slice(0, TOP_CHARGERS);
}

function chargerBars(chargers: ChargerUsage[], values: number[], color: string, format: (v: number) => string, name: string): ChartOption {
  return {
    grid: { ...grid, top: 8 },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v) => format(Number(v)) },
    // Horizontal bars, the largest at the top: the category axis is read bottom-up.
    // triggerEvent: a click on a charger's name opens its list too.
    yAxis: { type: 'category', data: chargers.map((c) => c.chargerId).reverse(), axisLabel: { width: 120, overflow: 'truncate' }, triggerEvent: true },
    xAxis: { type: 'value', minInterval: 1 },
    series: [
      {
        name,
        type: 'bar',
        data: [...values].reverse(),
        itemStyle: { color },
        barMaxWidth: 16,
        label: { show: true, position: 'right', formatter: (p) => format(Number(p.value)) },
      },
    ],
  };
}

export function utilisationOption(chargers: ChargerUsage[], name: string): ChartOption {
  // A charger busy a few minutes of the day still shows as more than nothing.
  const pct = (v: number) => `${v.toFixed(v > 0 && v < 1 ? 2 : 1)}%`;
  const option = chargerBars(
    chargers,
    chargers.map((c) => Math.round(c.utilisation * 100_000) / 1000),
    COLORS.usage,
    pct,
    name,
  );
  return {
    ...option,
    xAxis: { type: 'value', max: (v: { max: number }) => Math.min(100, Math.max(10, Math.ceil(v.max / 10) * 10)), axisLabel: { formatter: '{value}%' } },
  };
}

export function failedStartsOption(chargers: ChargerUsage[], name: string): ChartOption {
  return chargerBars(
    chargers,
    chargers.map((c) => c.failedStarts),
    COLORS.failed,
    (v) => String(v),
    name,
  );
}

/** Bars over named categories with a count and an amount: open breaks by kind, debts by age. */
export function amountBarsOption(categories: string[], items: { count: number; fen: number }[], color: string, labels: { count: string; amount: string }): ChartOption {
  return {
    grid: { ...grid, top: 16 },
    tooltip: {
      trigger: 'item',
      formatter: (p) => {
        const one = Array.isArray(p) ? p[0] : p;
        const it = items[one.dataIndex];
        return `${one.name}<br/>${labels.count}: ${it.count}<br/>${labels.amount}: ${displayFen(it.fen)}`;
      },
    },
    xAxis: { type: 'category', data: categories, axisLabel: { interval: 0 } },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      {
        type: 'bar',
        name: labels.count,
        data: items.map((i) => i.count),
        itemStyle: { color },
        barMaxWidth: 36,
        label: { show: true, position: 'top', formatter: (p) => (items[p.dataIndex].count > 0 ? displayFen(items[p.dataIndex].fen) : '') },
      },
    ],
  };
}
