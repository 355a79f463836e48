/** The campaign wizard's form values and how they become the spec the core previews and drafts. */
import dayjs, { type Dayjs } from 'dayjs';
import type { I18n, I18nKey } from '../../i18n';
import { formatTime } from '../../lib/time';
import { formatQuantity, type PreviewSpec, type Report, type Target } from './campaignModel';

export const DEFAULT_MEMO = '系统补偿：{date} 启动失败补偿（共{count}次）';
export const SESSION_STATES = ['FAILED', 'CANCELLED', 'UNPAID', 'PAID', 'FINISHED'] as const;
/** The session states a campaign can select, in words only (issue 16: "启动失败 (FAILED)"). */
export function sessionStateOptions(t: I18n['t']): { value: (typeof SESSION_STATES)[number]; label: string }[] {
  return SESSION_STATES.map((s) => ({ value: s, label: t(`comp.sessionState.${s}` as I18nKey) }));
}
export const FAILURE_CODES = ['start_timeout', 'remote_start_refused', 'cancelled'] as const;
export const PREVIEW_DEBOUNCE_MS = 400;

export interface Values {
  name: string;
  dates: [Dayjs, Dayjs] | null;
  window: [Dayjs, Dayjs] | null;
  stationIds: string[];
  chargerIds: string[];
  states: string[];
  failureCodes: string[];
  minFailures: number | null;
  includeCompensated: boolean;
  ruleKind: 'fixed' | 'per_failure';
  amount: string;
  cap: string;
  target: Target;
  couponValidDays: number | null;
  memo: string;
}

export function specOf(v: Partial<Values>): PreviewSpec | null {
  if (!v.dates?.[0] || !v.dates[1]) return null;
  const amount = (v.amount ?? '').trim();
  const cap = (v.cap ?? '').trim();
  return {
    name: v.name?.trim() ?? '',
    criteria: {
      from: v.dates[0].format('YYYY-MM-DD'),
      to: v.dates[1].format('YYYY-MM-DD'),
      ...(v.window?.[0] && v.window[1] ? { timeWindow: { start: v.window[0].format('HH:mm'), end: v.window[1].format('HH:mm') } } : {}),
      ...(v.stationIds?.length ? { stationIds: v.stationIds } : {}),
      ...(v.chargerIds?.length ? { chargerIds: v.chargerIds } : {}),
      states: (v.states?.length ? v.states : ['FAILED']) as PreviewSpec['criteria']['states'],
      ...(v.failureCodes?.length ? { failureCodes: v.failureCodes as NonNullable<PreviewSpec['criteria']['failureCodes']> } : {}),
      minFailures: v.minFailures ?? 1,
      includeCompensated: v.includeCompensated ?? false,
    },
    rule: v.ruleKind === 'per_failure' ? { kind: 'per_failure', amount, ...(cap ? { cap } : {}) } : { kind: 'fixed', amount },
    target: v.target ?? 'wallet',
    couponValidDays: v.couponValidDays ?? 90,
    memo: v.memo ?? DEFAULT_MEMO,
  };
}

/** The memo a driver will read, filled the way the core fills it (campaigns.ts memoFor). */
export function memoExample(spec: PreviewSpec, report: Report | null, t: (k: I18nKey, p?: Record<string, string | number>) => string): { who: string; text: string } {
  const row = report?.top[0];
  const count = row?.failures ?? 3;
  const { from, to } = spec.criteria;
  const stamp = formatTime(Date.now(), 'YYYYMMDDHHmmss');
  const amount = row
    ? formatQuantity(spec.target ?? 'wallet', row.amount.value, t)
    : spec.target === 'points'
      ? `${spec.rule?.amount ?? ''} 积分`
      : `¥${spec.rule?.amount ?? ''}`;
  const values: Record<string, string> = {
    date: from === to ? from : `${from}至${to}`,
    count: String(count),
    amount,
    name: spec.name || t('comp.wizard.unnamed'),
    batch: `COMP-${stamp}-${row?.driverId ?? 'DRIVER'}`,
  };
  const text = (spec.memo ?? DEFAULT_MEMO).replace(/\{(\w+)\}/g, (whole, k: string) => values[k] ?? whole);
  return { who: row ? `${row.name} (${t('comp.report.times', { n: count })})` : t('comp.report.times', { n: count }), text };
}

/** A new campaign starts on yesterday's failed starts, ¥10 each into the wallet. */
export function initialValues(): Partial<Values> {
  const yesterday = dayjs(formatTime(Date.now() - 86_400_000, 'YYYY-MM-DD'));
  return {
    dates: [yesterday, yesterday],
    window: null,
    stationIds: [],
    chargerIds: [],
    states: ['FAILED'],
    failureCodes: [],
    minFailures: 1,
    includeCompensated: false,
    ruleKind: 'fixed',
    amount: '10.00',
    cap: '',
    target: 'wallet',
    couponValidDays: 90,
    memo: DEFAULT_MEMO,
  };
}
