import dayjs, { type Dayjs } from 'dayjs';
import type { MethodOutput } from '../../../src-main/contract/types';
import type { LiabilitiesReport } from '../../../src-main/reports';
import type { I18nKey } from '../../i18n';
import type { Role } from '../../session';
import { toneColors } from '../../components/tones';

/** The four reports of the 报表 page, in menu order, and who may read them (the contract's FINANCE). */
export const REPORT_KINDS = ['revenue', 'liabilities', 'adjustments', 'trial_balance'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];
export const FINANCE_ROLES: readonly Role[] = ['finance', 'supervisor', 'admin'];

export const PERIOD_MODES = ['day', 'month', 'range'] as const;
export type PeriodMode = (typeof PERIOD_MODES)[number];

export type Revenue = MethodOutput<'reports.revenue'>;
export type RevenueLine = Revenue['lines'][number];
export type Liabilities = LiabilitiesReport;
export type AdjustmentLine = MethodOutput<'reports.adjustments'>[number];
export type TrialLine = MethodOutput<'reports.trialBalance'>[number];
export type ExportRow = MethodOutput<'reports.exports'>[number];

/** 尖峰平谷 in the order a Chinese bill lists them, then what no tariff period could be given. */
export const TOU_PERIODS = ['sharp', 'peak', 'flat', 'valley', 'unallocated'] as const;
export const touLabel = (p: string): I18nKey => (TOU_PERIODS.includes(p as (typeof TOU_PERIODS)[number]) ? (`reports.tou.${p}` as I18nKey) : 'reports.tou.unallocated');

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const fmt = (d: Dayjs) => d.format('YYYY-MM-DD');

/** The period asked for as the contract takes it (first and last depot day, inclusive). */
export interface Period {
  mode: PeriodMode;
  from: string;
  to: string;
}

/** A period from the page's address, or yesterday (the last whole day) when it says nothing usable. */
export function periodFrom(mode: string, from: string, to: string, today: Dayjs): Period {
  const m: PeriodMode = (PERIOD_MODES as readonly string[]).includes(mode) ? (mode as PeriodMode) : 'day';
  const start = DATE.test(from) ? dayjs(from) : today.subtract(1, 'day');
  if (m === 'day') return { mode: m, from: fmt(start), to: fmt(start) };
  if (m === 'month') return { mode: m, from: fmt(start.startOf('month')), to: fmt(start.endOf('month')) };
  const end = DATE.test(to) && to >= fmt(start) ? dayjs(to) : start;
  return { mode: m, from: fmt(start), to: fmt(end) };
}

/** Sums of a list of numbers by field: the totals row under a table. */
export function sumBy<T>(rows: readonly T[], pick: (r: T) => number): number {
  return rows.reduce((s, r) => s + pick(r), 0);
}

/** The trial balance per unit: debits against credits, and whether they agree (double entry). */
export function trialTotals(lines: readonly TrialLine[]): { unit: string; debits: number; credits: number; opening: number; closing: number; balanced: boolean }[] {
  const units = [...new Set(lines.map((l) => l.unit))].sort();
  return units.map((unit) => {
    const of = lines.filter((l) => l.unit === unit);
    const debits = sumBy(of, (l) => l.debits);
    const credits = sumBy(of, (l) => l.credits);
    const opening = sumBy(of, (l) => l.opening);
    const closing = sumBy(of, (l) => l.closing);
    return { unit, debits, credits, opening, closing, balanced: debits === credits && opening === 0 && closing === 0 };
  });
}

export const EXPORT_STATE_COLOR: Record<ExportRow['state'], string> = toneColors<ExportRow['state']>({
  queued: 'processing',
  running: 'processing',
  done: 'success',
  failed: 'error',
});
