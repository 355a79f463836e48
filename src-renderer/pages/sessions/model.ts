import type { MethodOutput } from '../../../src-main/contract/types';
import type { I18nKey } from '../../i18n';
import { toneColors, type Tone } from '../../components/tones';

export type Session = MethodOutput<'sessions.list'>['items'][number];
export type SessionState = Session['state'];
export type SessionDetail = MethodOutput<'sessions.get'>;

export const STATES: readonly SessionState[] = ['PLACED', 'STARTING', 'CHARGING', 'STOPPING', 'FINISHED', 'PAID', 'UNPAID', 'FAILED', 'CANCELLED'];
export const ACTIVE: ReadonlySet<SessionState> = new Set(['PLACED', 'STARTING', 'CHARGING']);

/** The shared scheme (components/tones.ts): under way blue, paid green, owed or failed red, cancelled grey. */
export const STATE_TONE: Record<SessionState, Tone> = {
  PLACED: 'processing',
  STARTING: 'processing',
  CHARGING: 'processing',
  STOPPING: 'processing',
  FINISHED: 'processing',
  PAID: 'success',
  UNPAID: 'error',
  FAILED: 'error',
  CANCELLED: 'default',
};
export const STATE_COLOR: Record<SessionState, string> = toneColors<SessionState>(STATE_TONE);

export const stateLabel = (s: SessionState): I18nKey => `sessions.state.${s}`;

/** The tariff periods in the order a Chinese bill lists them: 尖, 峰, 平, 谷. */
export const PERIODS = ['sharp', 'peak', 'flat', 'valley'] as const;
export type Period = (typeof PERIODS)[number];

/** The quote as settlement stored it (tariffs' QuoteJson); read defensively, it crossed as unknown. */
export interface QuoteLine {
  kwh: string;
  electricity: string;
  service: string;
}
export interface StoredQuote {
  periods: Record<Period, QuoteLine>;
  totals: { kwh: string; electricity: string; service: string; amount: string; yuan: string };
  versions: { name: string; effectiveFrom: string }[];
}

export function readQuote(q: unknown): StoredQuote | null {
  if (typeof q !== 'object' || q === null) return null;
  const v = q as Partial<StoredQuote>;
  if (!v.periods || !v.totals || PERIODS.some((p) => !v.periods?.[p])) return null;
  return { periods: v.periods, totals: v.totals, versions: Array.isArray(v.versions) ? v.versions : [] };
}

/** Why a session is flagged: late start (the charger confirmed after the timeout) and anything waiting for a supervisor. */
export function sessionFlags(s: Session): { key: I18nKey; color: string }[] {
  const flags: { key: I18nKey; color: string }[] = [];
  if (s.reviewReason === 'late_start') flags.push({ key: 'sessions.flag.lateStart', color: 'orange' });
  if (s.reviewState === 'pending') flags.push({ key: 'sessions.flag.needsReview', color: 'red' });
  if (s.reviewState === 'approved') flags.push({ key: 'sessions.flag.reviewed', color: 'green' });
  if (s.origin === 'charger') flags.push({ key: 'sessions.flag.chargerStarted', color: 'blue' });
  return flags;
}
