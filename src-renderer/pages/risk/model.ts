import type { MethodOutput } from '../../../src-main/contract/types';
import type { I18nKey } from '../../i18n';
import { toneColors } from '../../components/tones';

export type Rule = MethodOutput<'risk.rules'>[number];
export type RuleVersion = MethodOutput<'risk.ruleHistory'>[number];
export type Listing = MethodOutput<'risk.blacklist'>['listings'][number];
export type ListingState = Listing['state'];
export type Health = MethodOutput<'risk.chargerHealth'>[number];
export type ChargerAction = NonNullable<Health['openAction']>;
export type ReviewSession = MethodOutput<'risk.reviews'>['sessions'][number];
export type WriteOff = MethodOutput<'risk.debtWriteOffs'>['requests'][number];
export type WriteOffState = WriteOff['state'];
export type Debt = MethodOutput<'ledger.debts'>[number];

export const LISTING_STATES: readonly ListingState[] = ['active', 'lifted', 'expired'];
export const LISTING_COLOR: Record<ListingState, string> = toneColors<ListingState>({ active: 'error', lifted: 'default', expired: 'default' });
export const WRITE_OFF_STATES: readonly WriteOffState[] = ['pending', 'approved', 'rejected'];
export const WRITE_OFF_COLOR: Record<WriteOffState, string> = toneColors<WriteOffState>({ pending: 'warning', approved: 'success', rejected: 'default' });

/** The renderer's one phone mask (138****0001), kept importable from here for the risk pages. */
export { maskPhone } from '../../lib/phone';

/** The rule's name on screen; a code the dictionary does not know yet shows as itself. */
export function ruleName(maybe: (key: string) => string | undefined, code: string): string {
  return maybe(`risk.rule.${code}`) ?? code;
}

/** What the rule decides, in the operator's language, with its current parameters filled in. */
export function ruleDescription(
  maybe: (key: string, params?: Record<string, string | number>) => string | undefined,
  rule: Pick<Rule, 'code' | 'summary' | 'params'>,
): string {
  const params: Record<string, string | number> = Object.fromEntries(
    Object.entries(rule.params).map(([k, v]) => [k, typeof v === 'number' || typeof v === 'string' ? v : JSON.stringify(v)]),
  );
  // How long a driver rule's listing lasts, in words: 0 days means until a supervisor lifts it.
  if (typeof rule.params.listDays === 'number') {
    params.listFor =
      (rule.params.listDays === 0 ? maybe('risk.listFor.lifted') : maybe('risk.listFor.days', { n: rule.params.listDays })) ?? String(rule.params.listDays);
  }
  return maybe(`risk.ruleDesc.${rule.code}`, params) ?? rule.summary;
}

type Maybe = (key: string, params?: Record<string, string | number>) => string | undefined;
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/**
 * Why a rule put a charger in maintenance, in the operator's words: what it counted, within which
 * window, against which threshold (the action's facts; actions decided before the facts kept the
 * threshold say what and how many). The core's own reason text is the last resort.
 */
export function actionReason(maybe: Maybe, a: Pick<ChargerAction, 'ruleCode' | 'facts' | 'reason'>): string {
  const what = maybe(`alerts.evidence.${a.ruleCode}`);
  if (!what) return a.reason;
  const count = Array.isArray(a.facts.evidence) ? a.facts.evidence.length : 0;
  const hours = num(a.facts.hours);
  const days = num(a.facts.days);
  const min = num(a.facts.min);
  const within = hours !== undefined ? maybe('alerts.window.hours', { n: hours }) : days !== undefined ? maybe('alerts.window.days', { n: days }) : undefined;
  const text = min !== undefined && within ? maybe('risk.health.reason', { within, what, count, min }) : maybe('risk.health.reasonCount', { what, count });
  return text ?? a.reason;
}

/** A session's failure code in words (the compensation criteria word the same codes). */
export const failureName = (maybe: Maybe, code: string): string => maybe(`comp.failure.${code}`) ?? code;

/** The charger's answer to being told (ChangeAvailability), in words; null while it has not answered. */
export const availabilityText = (maybe: Maybe, answer: string | null): string =>
  answer === null ? (maybe('risk.health.telling') ?? '—') : (maybe(`chargers.availability.${answer}`) ?? answer);

export const paramLabel = (maybe: (key: string) => string | undefined, name: string): string => maybe(`risk.param.${name}`) ?? name;

/** "count=3 windowHours=24" in the operator's words: 次数 3 · 窗口（小时）24. */
export function paramsText(maybe: (key: string) => string | undefined, params: Record<string, unknown>): string {
  return Object.entries(params)
    .map(([k, v]) => `${paramLabel(maybe, k)} ${String(v)}`)
    .join(' · ');
}

export const listingStateLabel = (s: ListingState): I18nKey => `risk.bl.state.${s}`;
export const writeOffStateLabel = (s: WriteOffState): I18nKey => `risk.wo.state.${s}`;

/** The records a rule counted, as the listing keeps them (debt or adjustment ids). */
export function listingRecords(l: Pick<Listing, 'facts'>): string[] {
  const r = l.facts.records;
  return Array.isArray(r) ? r.filter((x): x is string => typeof x === 'string') : [];
}

/**
 * Why the driver is listed, in words: a rule's listing is worded from its rule and the records it
 * counted (the core's text names debts by id, in English); a listing by hand keeps the
 * supervisor's own reason.
 */
export function listingReason(maybe: Maybe, l: Pick<Listing, 'source' | 'ruleCode' | 'reason' | 'facts'>): string {
  if (l.source !== 'rule' || !l.ruleCode) return l.reason;
  return maybe(`risk.bl.ruleReason.${l.ruleCode}`, { count: listingRecords(l).length }) ?? l.reason;
}

/** The figures a rule counted (e.g. writtenOffDebts=2), without the records and parameters. */
export function listingFigures(l: Pick<Listing, 'facts'>): [string, unknown][] {
  return Object.entries(l.facts).filter(([k]) => k !== 'records' && k !== 'params');
}

export const DRIVER_DEBT_RULES: ReadonlySet<string> = new Set(['driver.written_off_debts', 'driver.unpaid_debt']);
