import { localTime, SLOTS_PER_DAY } from './zone';

/**
 * A time-of-use plan as the core holds it. Prices are integers of 0.00001 yuan per kWh (the unit
 * piles speak, see money/PRICE_SCALE); a slot is a local half hour, slot n covering
 * n×30 min to (n+1)×30 min of the plan's wall clock.
 */

/** 尖 sharp (critical peak), 峰 peak, 平 flat, 谷 valley — in this order everywhere. */
export const PERIODS = ['sharp', 'peak', 'flat', 'valley'] as const;
export type Period = (typeof PERIODS)[number];

export function isPeriod(v: unknown): v is Period {
  return typeof v === 'string' && (PERIODS as readonly string[]).includes(v);
}

export interface PeriodPrice {
  /** 电费, integer 0.00001 yuan/kWh. */
  electricity: number;
  /** 服务费, integer 0.00001 yuan/kWh. */
  service: number;
}

/** Slot index → period; only the slots a rule changes are present. */
export type SlotOverrides = Readonly<Partial<Record<number, Period>>>;

export type TariffRule =
  | { readonly months: readonly number[]; readonly dates?: undefined; readonly slots: SlotOverrides }
  | { readonly dates: readonly string[]; readonly months?: undefined; readonly slots: SlotOverrides };

export interface TariffPlan {
  readonly name: string;
  readonly currency: 'CNY';
  /** IANA zone whose wall clock the slots follow. */
  readonly timeZone: string;
  /** yyyy-MM-dd: the plan applies from local midnight of this date. */
  readonly effectiveFrom: string;
  readonly prices: Readonly<Record<Period, PeriodPrice>>;
  /** 48 entries, slot 0 = 00:00–00:30. */
  readonly slots: readonly Period[];
  /** Applied in order on top of `slots`; a later rule wins over an earlier one. */
  readonly rules: readonly TariffRule[];
}

/** Does this rule apply on a local date? */
export function ruleApplies(rule: TariffRule, date: string, month: number): boolean {
  return rule.months ? rule.months.includes(month) : rule.dates.includes(date);
}

/** The period of one slot on one local date, after every rule that applies that day. */
export function periodOn(plan: TariffPlan, date: string, slot: number): Period {
  if (!Number.isInteger(slot) || slot < 0 || slot >= SLOTS_PER_DAY) throw new RangeError(`slot ${slot} is not 0..47`);
  const month = Number(date.slice(5, 7));
  let period = plan.slots[slot];
  for (const rule of plan.rules) {
    const over = rule.slots[slot];
    if (over && ruleApplies(rule, date, month)) period = over;
  }
  return period;
}

/** The 48 periods of one local date (what a pile would be sent for that day). */
export function dayPeriods(plan: TariffPlan, date: string): Period[] {
  return Array.from({ length: SLOTS_PER_DAY }, (_, slot) => periodOn(plan, date, slot));
}

/** The period in force at an instant, on the plan's wall clock. */
export function periodAt(plan: TariffPlan, at: number): { period: Period; date: string; slot: number } {
  const lt = localTime(at, plan.timeZone);
  const slot = Math.floor(lt.msOfDay / (30 * 60_000));
  return { period: periodOn(plan, lt.date, slot), date: lt.date, slot };
}
