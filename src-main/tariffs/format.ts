import { isValidTimeZone } from '../kernel/clock';
import { DepotError, isDepotError } from '../kernel/errors';
import { formatPricePerKwh, parsePricePerKwh } from '../money';
import { isPeriod, PERIODS, type Period, type PeriodPrice, type SlotOverrides, type TariffPlan, type TariffRule } from './model';
import { isCalendarDate, SLOTS_PER_DAY } from './zone';

/**
 * The tariff file: how a plan is imported and exported (docs/tariffs.md). Validation collects
 * every problem, each naming the field and the reason, so an operator fixes the file in one go;
 * a file with any problem imports nothing.
 */

export interface TariffFilePrice {
  electricity: string;
  service: string;
}

export type TariffFileRule = { months: number[]; slots: Record<string, Period> } | { dates: string[]; slots: Record<string, Period> };

export interface TariffFile {
  name: string;
  currency: 'CNY';
  timezone: string;
  effectiveFrom: string;
  prices: Record<Period, TariffFilePrice>;
  slots: Period[];
  rules: TariffFileRule[];
}

export interface FileIssue {
  field: string;
  reason: string;
}

const ROOT_KEYS = ['name', 'currency', 'timezone', 'effectiveFrom', 'prices', 'slots', 'rules'] as const;
const NAME_MAX = 100;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

const PERIOD_LIST = PERIODS.join(', ');

function validateSlotOverrides(v: unknown, field: string, issues: FileIssue[]): SlotOverrides {
  const out: Partial<Record<number, Period>> = {};
  if (!isObject(v)) {
    issues.push({ field, reason: `must be an object of slot number → period, like {"22": "sharp"}; got ${describe(v)}` });
    return out;
  }
  const keys = Object.keys(v);
  if (keys.length === 0) issues.push({ field, reason: 'names no slot; a rule must change at least one slot' });
  for (const key of keys) {
    const at = `${field}.${key}`;
    if (!/^(0|[1-9]\d?)$/.test(key) || Number(key) >= SLOTS_PER_DAY) {
      issues.push({ field: at, reason: `slot must be a whole number 0..47 (slot n is n×30 min to (n+1)×30 min); got "${key}"` });
      continue;
    }
    const period = v[key];
    if (!isPeriod(period)) {
      issues.push({ field: at, reason: `unknown period ${describe(period)}; use one of ${PERIOD_LIST}` });
      continue;
    }
    out[Number(key)] = period;
  }
  return out;
}

function validateRule(v: unknown, field: string, issues: FileIssue[]): TariffRule | null {
  if (!isObject(v)) {
    issues.push({ field, reason: `must be an object with "months" or "dates", and "slots"; got ${describe(v)}` });
    return null;
  }
  for (const key of Object.keys(v)) {
    if (!['months', 'dates', 'slots'].includes(key)) issues.push({ field: `${field}.${key}`, reason: 'unknown field; a rule has "months" or "dates", and "slots"' });
  }
  const hasMonths = v.months !== undefined;
  const hasDates = v.dates !== undefined;
  const before = issues.length;
  if (hasMonths === hasDates) {
    issues.push({
      field,
      reason: hasMonths ? 'names both "months" and "dates"; make them two rules' : 'needs "months" (e.g. [7, 8, 9]) or "dates" (e.g. ["2024-08-01"])',
    });
  }
  const months: number[] = [];
  if (hasMonths) {
    if (!Array.isArray(v.months) || v.months.length === 0) {
      issues.push({ field: `${field}.months`, reason: `must be a non-empty list of month numbers 1..12; got ${describe(v.months)}` });
    } else {
      v.months.forEach((m: unknown, i: number) => {
        if (typeof m !== 'number' || !Number.isInteger(m) || m < 1 || m > 12) {
          issues.push({ field: `${field}.months[${i}]`, reason: `must be a month number 1..12; got ${describe(m)}` });
        } else if (months.includes(m)) {
          issues.push({ field: `${field}.months[${i}]`, reason: `month ${m} is listed twice` });
        } else months.push(m);
      });
    }
  }
  const dates: string[] = [];
  if (hasDates) {
    if (!Array.isArray(v.dates) || v.dates.length === 0) {
      issues.push({ field: `${field}.dates`, reason: `must be a non-empty list of dates like "2024-08-01"; got ${describe(v.dates)}` });
    } else {
      v.dates.forEach((d: unknown, i: number) => {
        if (!isCalendarDate(d)) {
          issues.push({ field: `${field}.dates[${i}]`, reason: `must be a calendar date written yyyy-MM-dd; got ${describe(d)}` });
        } else if (dates.includes(d)) {
          issues.push({ field: `${field}.dates[${i}]`, reason: `date ${d} is listed twice` });
        } else dates.push(d);
      });
    }
  }
  const slots = validateSlotOverrides(v.slots, `${field}.slots`, issues);
  if (issues.length > before) return null;
  return hasMonths ? { months, slots } : { dates, slots };
}

function validatePrice(v: unknown, field: string, issues: FileIssue[]): number {
  if (typeof v !== 'string') {
    issues.push({ field, reason: `must be a price in yuan/kWh written as a quoted decimal, like "0.61230"; got ${describe(v)}` });
    return 0;
  }
  try {
    return parsePricePerKwh(v, field);
  } catch (e) {
    if (!isDepotError(e)) throw e;
    const reason = (e.details as { reason?: string } | undefined)?.reason ?? e.message;
    issues.push({ field, reason: `${reason}; got "${v}"` });
    return 0;
  }
}

/** Every problem in a would-be tariff file, plus the plan when there is none. */
export function checkTariffFile(input: unknown): { plan: TariffPlan | null; issues: FileIssue[] } {
  const issues: FileIssue[] = [];
  if (!isObject(input)) {
    return { plan: null, issues: [{ field: '(file)', reason: `must be a JSON object {"name": …, "prices": …, "slots": …}; got ${describe(input)}` }] };
  }
  for (const key of Object.keys(input)) {
    if (!(ROOT_KEYS as readonly string[]).includes(key)) issues.push({ field: key, reason: `unknown field; a tariff file has ${ROOT_KEYS.join(', ')}` });
  }

  const name = input.name;
  if (typeof name !== 'string' || name.trim() === '') issues.push({ field: 'name', reason: `must be the plan's name, a non-empty text; got ${describe(name)}` });
  else if (name.trim().length > NAME_MAX) issues.push({ field: 'name', reason: `is longer than ${NAME_MAX} characters` });

  if (input.currency !== 'CNY') issues.push({ field: 'currency', reason: `must be "CNY" (the only currency DepotDesk prices in); got ${describe(input.currency)}` });

  const zone = input.timezone;
  if (typeof zone !== 'string' || zone === '') issues.push({ field: 'timezone', reason: `must be an IANA time zone such as "Asia/Shanghai"; got ${describe(zone)}` });
  else if (!isValidTimeZone(zone)) issues.push({ field: 'timezone', reason: `"${zone}" is not a known IANA time zone (e.g. "Asia/Shanghai")` });
  // Abbreviations are refused even where the runtime knows them: "CST" is China Standard Time to
  // a depot in Guangzhou and US Central to ICU, which would shift every slot by 14 hours.
  else if (!zone.includes('/') && zone !== 'UTC')
    issues.push({ field: 'timezone', reason: `"${zone}" is an abbreviation or alias; use a region name such as "Asia/Shanghai"` });

  if (!isCalendarDate(input.effectiveFrom)) {
    issues.push({ field: 'effectiveFrom', reason: `must be the first day the plan applies, a date written yyyy-MM-dd; got ${describe(input.effectiveFrom)}` });
  }

  const prices = {} as Record<Period, PeriodPrice>;
  if (!isObject(input.prices)) {
    issues.push({ field: 'prices', reason: `must be an object with ${PERIOD_LIST}, each {"electricity": "…", "service": "…"}; got ${describe(input.prices)}` });
  } else {
    for (const key of Object.keys(input.prices)) {
      if (!isPeriod(key)) issues.push({ field: `prices.${key}`, reason: `unknown period; use ${PERIOD_LIST}` });
    }
    for (const p of PERIODS) {
      const entry = input.prices[p];
      const field = `prices.${p}`;
      if (!isObject(entry)) {
        issues.push({ field, reason: `is missing or not an object {"electricity": "…", "service": "…"}; every period needs prices, even one no slot uses` });
        continue;
      }
      for (const key of Object.keys(entry)) {
        if (key !== 'electricity' && key !== 'service') issues.push({ field: `${field}.${key}`, reason: 'unknown field; a price has "electricity" and "service"' });
      }
      prices[p] = { electricity: validatePrice(entry.electricity, `${field}.electricity`, issues), service: validatePrice(entry.service, `${field}.service`, issues) };
    }
  }

  const slots: Period[] = [];
  if (!Array.isArray(input.slots)) {
    issues.push({ field: 'slots', reason: `must be a list of 48 periods, one per half hour from 00:00; got ${describe(input.slots)}` });
  } else {
    if (input.slots.length !== SLOTS_PER_DAY) {
      issues.push({ field: 'slots', reason: `must have 48 entries (one per half hour from 00:00); got ${input.slots.length}` });
    }
    input.slots.forEach((s: unknown, i: number) => {
      if (!isPeriod(s)) issues.push({ field: `slots[${i}]`, reason: `unknown period ${describe(s)}; use one of ${PERIOD_LIST}` });
      else slots.push(s);
    });
  }

  const rules: TariffRule[] = [];
  if (input.rules !== undefined) {
    if (!Array.isArray(input.rules)) issues.push({ field: 'rules', reason: `must be a list of rules (it may be empty); got ${describe(input.rules)}` });
    else
      input.rules.forEach((r: unknown, i: number) => {
        const rule = validateRule(r, `rules[${i}]`, issues);
        if (rule) rules.push(rule);
      });
  }

  if (issues.length > 0) return { plan: null, issues };
  return {
    plan: {
      name: (name as string).trim(),
      currency: 'CNY',
      timeZone: zone as string,
      effectiveFrom: input.effectiveFrom as string,
      prices,
      slots,
      rules,
    },
    issues,
  };
}

function fileError(issues: FileIssue[], source?: string): DepotError {
  const shown = issues.slice(0, 8).map((i) => `${i.field}: ${i.reason}`);
  const more = issues.length > shown.length ? `; and ${issues.length - shown.length} more` : '';
  return new DepotError('invalid_input', `${source ?? 'tariff file'} is invalid, nothing imported: ${shown.join('; ')}${more}`, {
    field: issues[0].field,
    issues,
  });
}

/** The plan in a tariff file, or an `invalid_input` error listing every bad field with its reason. */
export function parseTariffFile(input: unknown, source?: string): TariffPlan {
  const { plan, issues } = checkTariffFile(input);
  if (!plan) throw fileError(issues, source);
  return plan;
}

/** JSON text → plan; a JSON syntax error names the line and column. */
export function parseTariffJson(text: string, source?: string): TariffPlan {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    let where = '';
    if (pos) {
      const before = text.slice(0, Number(pos[1]));
      const line = before.split('\n').length;
      where = ` (line ${line}, column ${Number(pos[1]) - before.lastIndexOf('\n')})`;
    }
    throw new DepotError('invalid_input', `${source ?? 'tariff file'} is not valid JSON${where}: ${msg}; nothing imported`, { field: '(file)' });
  }
  return parseTariffFile(json, source);
}

function overridesToFile(slots: SlotOverrides): Record<string, Period> {
  const out: Record<string, Period> = {};
  for (let i = 0; i < SLOTS_PER_DAY; i += 1) {
    const p = slots[i];
    if (p) out[String(i)] = p;
  }
  return out;
}

/** The file form of a plan; `parseTariffFile(toTariffFile(plan))` gives the plan back. */
export function toTariffFile(plan: TariffPlan): TariffFile {
  const prices = {} as Record<Period, TariffFilePrice>;
  for (const p of PERIODS) {
    prices[p] = { electricity: formatPricePerKwh(plan.prices[p].electricity), service: formatPricePerKwh(plan.prices[p].service) };
  }
  return {
    name: plan.name,
    currency: plan.currency,
    timezone: plan.timeZone,
    effectiveFrom: plan.effectiveFrom,
    prices,
    slots: [...plan.slots],
    rules: plan.rules.map((r) => (r.months ? { months: [...r.months], slots: overridesToFile(r.slots) } : { dates: [...r.dates], slots: overridesToFile(r.slots) })),
  };
}

/** Two-space JSON with the slots 8 to a line (an hour and a half per line is easy to read). */
export function formatTariffFile(file: TariffFile): string {
  const json = JSON.stringify(file, null, 2);
  const slotsText = file.slots.map((s) => JSON.stringify(s));
  const lines: string[] = [];
  for (let i = 0; i < slotsText.length; i += 8) lines.push(`    ${slotsText.slice(i, i + 8).join(', ')}`);
  const compactSlots = `"slots": [\n${lines.join(',\n')}\n  ]`;
  return (
    json
      .replace(/"slots": \[\n(?:\s+"[a-z]+",?\n)+\s+\]/, compactSlots)
      // months and dates read best on one line: "months": [7, 8, 9]
      .replace(
        /"(months|dates)": \[\n([^\]]*)\n\s*\]/g,
        (_m, key: string, body: string) =>
          `"${key}": [${body
            .split(',')
            .map((x) => x.trim())
            .join(', ')}]`,
      ) + '\n'
  );
}
