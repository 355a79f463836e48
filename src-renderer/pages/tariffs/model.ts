import dayjs, { type Dayjs } from 'dayjs';
import type { MethodOutput } from '../../../src-main/contract/types';
import { formatTime } from '../../lib/time';

/**
 * What the Tariffs tab edits: a tariff file as the core exports it. The core validates and prices;
 * this module only draws. The one rule-evaluation here (`dayPeriods`) is for the on-screen
 * preview of a date and mirrors model.ts's periodOn: slots, then each applicable rule in order.
 */
export type TariffFile = MethodOutput<'tariffs.export'>['file'];
export type PlanDetail = MethodOutput<'tariffs.get'>;
export type Override = PlanDetail['overrides'][number];
export type Period = TariffFile['slots'][number];
export type QuoteResult = MethodOutput<'tariffs.quote'>;

export const PERIODS: readonly Period[] = ['sharp', 'peak', 'flat', 'valley'];

/** 尖 red, 峰 orange, 平 blue, 谷 green: the colours Chinese operators' tariff sheets use. */
export const PERIOD_COLOURS: Record<Period, string> = {
  sharp: '#cf1322',
  peak: '#fa8c16',
  flat: '#1677ff',
  valley: '#389e0d',
};

export const SLOTS = 48;

/** "11:00" for slot 22; slot 48 is "24:00", the end of the day. */
export function slotTime(slot: number): string {
  const minutes = slot * 30;
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

export interface SlotRange {
  from: number;
  /** Exclusive. */
  to: number;
  period: Period;
}

/** {"22": "sharp", "23": "sharp", "30": "sharp"} → 11:00–12:00 sharp, 15:00–15:30 sharp. */
export function rangesOf(slots: Partial<Record<string, Period>>): SlotRange[] {
  const out: SlotRange[] = [];
  for (let i = 0; i < SLOTS; i += 1) {
    const p = slots[String(i)];
    if (!p) continue;
    const last = out.at(-1);
    if (last && last.to === i && last.period === p) last.to = i + 1;
    else out.push({ from: i, to: i + 1, period: p });
  }
  return out;
}

/** The 48 periods of a local date, after the file's rules and then the operator's overrides. */
export function dayPeriods(file: TariffFile, overrides: readonly Override[], date: string): Period[] {
  const month = Number(date.slice(5, 7));
  const rules = [...file.rules, ...overrides.map((o) => ({ dates: [o.date], slots: o.slots }))];
  return file.slots.map((base, slot) => {
    let p = base;
    for (const rule of rules) {
      const applies = 'months' in rule ? rule.months.includes(month) : rule.dates.includes(date);
      const over = rule.slots[String(slot)];
      if (applies && over) p = over;
    }
    return p;
  });
}

/** Saves text as a file through the browser (works in Electron and behind depotdesk serve). */
export function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** The file text as `depotdesk tariff export` writes it, give or take whitespace. */
export function fileText(file: TariffFile): string {
  return JSON.stringify(file, null, 2) + '\n';
}

/** The `{field, reason}` list a bad tariff file gets, if this error carries one. */
export function fileIssues(details: unknown): { field: string; reason: string }[] {
  if (typeof details !== 'object' || details === null) return [];
  const issues = (details as { issues?: unknown }).issues;
  if (!Array.isArray(issues)) return [];
  return issues.filter((i): i is { field: string; reason: string } => typeof i === 'object' && i !== null && typeof i.field === 'string' && typeof i.reason === 'string');
}

/**
 * Now as the depot's wall clock shows it, in a picker value. Pickers hold wall-clock values and
 * the core reads them in the plan's zone, so "now" must be the depot's, not this PC's zone.
 */
export function depotWallNow(): Dayjs {
  return dayjs(formatTime(Date.now(), 'YYYY-MM-DDTHH:mm:ss'));
}

type StationRef = { id: string; name: string };

/** A station by its name (issue 16: the plan showed its code); one the list does not hold (yet) keeps its code. */
export function stationName(stations: readonly StationRef[] | undefined, id: string): string {
  return stations?.find((s) => s.id === id)?.name ?? id;
}

/** The stations a plan prices, by name, each with the instant it started using the plan. */
export function planStations(uses: readonly { stationId: string; from: number }[], stations: readonly StationRef[] | undefined) {
  return uses.map((u) => ({ key: `${u.stationId}-${u.from}`, name: stationName(stations, u.stationId), from: u.from }));
}
