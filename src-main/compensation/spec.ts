import { z } from 'zod';
import { DepotError } from '../kernel/errors';
import { MAX_AMOUNT_FEN, parseYuan } from '../money';
import { FAILURE_CODES, SESSION_STATES } from '../sessions';
import { CAMPAIGN_TARGETS, type CampaignTarget } from './schema';

/**
 * The campaign spec: what a supervisor writes (in the wizard, or a JSON file for
 * `depotdesk campaign create --spec FILE.json`) and what is stored with the campaign. The file
 * format is documented in docs/compensation.md; this schema is its single definition.
 *
 * Amounts are yuan text ("10.00") for the wallet and coupons, whole points ("100") for points.
 * Dates are the depot's business dates (its time zone), inclusive; the time window is wall-clock
 * time on each of those dates, start included, end excluded.
 */

const MAX_RANGE_DAYS = 366;
export const DEFAULT_MEMO = '系统补偿：{date} 启动失败补偿（共{count}次）';
/** What a memo template may say; anything else in braces is refused at create time. */
export const MEMO_FIELDS = ['date', 'count', 'amount', 'name', 'batch'] as const;

const calendarDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date is yyyy-MM-dd')
  .refine((d) => new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) === d, 'not a calendar date');
const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'a time is HH:mm (00:00 to 24:00)');
const idList = z.array(z.string().trim().min(1).max(100)).max(500);

export const criteriaSchema = z
  .strictObject({
    from: calendarDate,
    to: calendarDate,
    timeWindow: z
      .strictObject({ start: clockTime, end: clockTime })
      .refine((w) => minutes(w.start) < minutes(w.end), { message: 'the window ends after it starts (same day)', path: ['end'] })
      .optional(),
    stationIds: idList.optional(),
    chargerIds: idList.optional(),
    states: z.array(z.enum(SESSION_STATES)).min(1).default(['FAILED']),
    failureCodes: z.array(z.enum(FAILURE_CODES)).min(1).optional(),
    minFailures: z.number().int().min(1).max(1000).default(1),
    /** Sessions an earlier approved campaign already compensates are left out unless this is true. */
    includeCompensated: z.boolean().default(false),
  })
  .refine((c) => c.from <= c.to, { message: 'the range ends on or after its first date', path: ['to'] })
  .refine((c) => daysBetween(c.from, c.to) < MAX_RANGE_DAYS, { message: `a campaign covers at most ${MAX_RANGE_DAYS} days`, path: ['to'] });

const amountText = z.union([z.string(), z.number()]).transform((v) => String(v));

export const ruleSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('fixed'), amount: amountText }),
  z.strictObject({ kind: z.literal('per_failure'), amount: amountText, cap: amountText.optional() }),
]);

const memoSchema = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .refine((m) => unknownFields(m).length === 0, { message: `a memo may use ${MEMO_FIELDS.map((f) => `{${f}}`).join(' ')} only` });

export const creditSpecSchema = z.strictObject({
  name: z.string().trim().min(1, 'a name is required').max(100),
  criteria: criteriaSchema,
  rule: ruleSchema.default({ kind: 'fixed', amount: '10.00' }),
  target: z.enum(CAMPAIGN_TARGETS).default('wallet'),
  /** Coupons only: how long the coupon can be used. */
  couponValidDays: z.number().int().min(1).max(3650).default(90),
  memo: memoSchema.default(DEFAULT_MEMO),
});

export const reversalSpecSchema = z.strictObject({
  name: z.string().trim().min(1, 'a name is required').max(100),
  reverses: z.string().trim().min(1).max(100),
  memo: memoSchema.default('撤销补偿：{name}'),
});

export type CreditSpecParsed = z.output<typeof creditSpecSchema>;
export type ReversalSpecParsed = z.output<typeof reversalSpecSchema>;
export type Criteria = z.output<typeof criteriaSchema>;

/** A rule with its amounts as integers: fen for money targets, points for points. */
export type Rule = { kind: 'fixed'; amount: number } | { kind: 'per_failure'; amount: number; cap: number | null };

export interface CreditSpec {
  kind: 'credit';
  name: string;
  criteria: Criteria;
  rule: Rule;
  target: CampaignTarget;
  couponValidDays: number;
  memo: string;
}

export interface ReversalSpec {
  kind: 'reversal';
  name: string;
  reverses: string;
  memo: string;
}

export type CampaignSpec = CreditSpec | ReversalSpec;

/** Turns a parsed spec into the stored one: amounts as integers, checked against the target. */
export function normalizeSpec(parsed: CreditSpecParsed | ReversalSpecParsed): CampaignSpec {
  if ('reverses' in parsed) return { kind: 'reversal', name: parsed.name, reverses: parsed.reverses, memo: parsed.memo };
  const unit = (text: string, field: string) => unitAmount(text, parsed.target, field);
  const rule: Rule =
    parsed.rule.kind === 'fixed'
      ? { kind: 'fixed', amount: unit(parsed.rule.amount, 'rule.amount') }
      : { kind: 'per_failure', amount: unit(parsed.rule.amount, 'rule.amount'), cap: parsed.rule.cap === undefined ? null : unit(parsed.rule.cap, 'rule.cap') };
  if (rule.kind === 'per_failure' && rule.cap !== null && rule.cap < rule.amount) {
    throw new DepotError('invalid_input', 'rule.cap: the cap is at least one failure’s amount', { field: 'rule.cap' });
  }
  return { kind: 'credit', name: parsed.name, criteria: parsed.criteria, rule, target: parsed.target, couponValidDays: parsed.couponValidDays, memo: parsed.memo };
}

function unitAmount(text: string, target: CampaignTarget, field: string): number {
  if (target !== 'points') return parseYuan(text, field, { allowZero: false });
  if (!/^\d{1,9}$/.test(text.trim()) || Number(text) <= 0) {
    throw new DepotError('invalid_input', `${field}: points are a whole number above 0 (got ${JSON.stringify(text)})`, { field });
  }
  return Number(text);
}

/** What one driver with `failures` matching records is owed under the rule. */
export function amountFor(rule: Rule, failures: number): number {
  if (rule.kind === 'fixed') return rule.amount;
  const raw = rule.amount * failures;
  const capped = rule.cap === null ? raw : Math.min(raw, rule.cap);
  if (capped > MAX_AMOUNT_FEN) throw new DepotError('invalid_input', 'rule: the amount for one driver is too large', { field: 'rule' });
  return capped;
}

/** Fills a memo template. Unknown fields were refused when the spec was parsed. */
export function renderMemo(template: string, values: Record<(typeof MEMO_FIELDS)[number], string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? values[name as keyof typeof values] : whole));
}

function unknownFields(template: string): string[] {
  return [...template.matchAll(/\{(\w*)\}/g)].map((m) => m[1]).filter((f) => !(MEMO_FIELDS as readonly string[]).includes(f));
}

export function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** The dates from..to inclusive, yyyy-MM-dd. */
export function datesOf(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`), end = Date.parse(`${to}T00:00:00Z`); t <= end; t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}
