import type { I18nKey } from '../../i18n';
import { formatQuantity, targetLabel, type Target } from './campaignModel';

type T = (k: I18nKey, p?: Record<string, string | number>) => string;

/** The stored spec as campaign.get returns it (amounts already in fen, or points). */
interface StoredCredit {
  kind: 'credit';
  criteria: {
    from: string;
    to: string;
    timeWindow?: { start: string; end: string } | null;
    stationIds?: string[];
    chargerIds?: string[];
    states: string[];
    failureCodes?: string[];
    minFailures: number;
    includeCompensated: boolean;
  };
  rule: { kind: 'fixed'; amount: number } | { kind: 'per_failure'; amount: number; cap: number | null };
  target: Target;
  couponValidDays: number;
  memo: string;
}
interface StoredReversal {
  kind: 'reversal';
  reverses: string;
  memo: string;
}

export interface SpecLine {
  label: string;
  value: string;
}

/** A list of ids, or "all" when the criteria leave it open. */
function idsOrAll(ids: string[] | undefined, t: T): string {
  return ids && ids.length > 0 ? ids.join(', ') : t('comp.wizard.all');
}

function ruleText(spec: StoredCredit, t: T): string {
  const q = (n: number) => formatQuantity(spec.target, n, t);
  if (spec.rule.kind === 'fixed') return t('comp.rule.fixedText', { amount: q(spec.rule.amount) });
  return t('comp.rule.perFailureText', { amount: q(spec.rule.amount), cap: spec.rule.cap === null ? t('comp.rule.noCap') : q(spec.rule.cap) });
}

/**
 * The campaign's spec in the operator's language, for the approver's checklist: every label
 * and value from the dictionaries (session states, failure reasons, targets), ids as they are.
 */
export function describeSpec(raw: Record<string, unknown>, t: T): SpecLine[] {
  const spec = raw as unknown as StoredCredit | StoredReversal;
  if (spec.kind === 'reversal') {
    return [
      { label: t('comp.spec.reverses'), value: spec.reverses },
      { label: t('comp.wizard.memo'), value: spec.memo },
    ];
  }
  const c = spec.criteria;
  const target = t(targetLabel(spec.target)) + (spec.target === 'coupon' ? ` · ${t('comp.wizard.validFor', { n: spec.couponValidDays })}` : '');
  return [
    { label: t('comp.wizard.dates'), value: c.from === c.to ? c.from : `${c.from} – ${c.to}` },
    { label: t('comp.wizard.window'), value: c.timeWindow ? `${c.timeWindow.start}–${c.timeWindow.end}` : t('comp.wizard.allDay') },
    { label: t('comp.wizard.stations'), value: idsOrAll(c.stationIds, t) },
    { label: t('comp.wizard.chargers'), value: idsOrAll(c.chargerIds, t) },
    { label: t('comp.wizard.states'), value: c.states.map((s) => t(`sessions.state.${s}` as I18nKey)).join(', ') },
    {
      label: t('comp.wizard.failureCodes'),
      value: c.failureCodes?.length ? c.failureCodes.map((f) => t(`comp.failure.${f}` as I18nKey)).join(', ') : t('comp.wizard.all'),
    },
    { label: t('comp.wizard.minFailures'), value: t('comp.wizard.minFailuresShort', { n: c.minFailures }) },
    { label: t('comp.wizard.includeCompensated'), value: t(c.includeCompensated ? 'comp.spec.yes' : 'comp.spec.no') },
    { label: t('comp.wizard.rule'), value: ruleText(spec, t) },
    { label: t('comp.wizard.target'), value: target },
    { label: t('comp.wizard.memo'), value: spec.memo },
  ];
}
