import type { MethodOutput } from '../../../src-main/contract/types';
import type { I18nKey } from '../../i18n';
import type { SessionState } from './model';

/**
 * The charger records tab (充电桩记录): records the core parked because they could not be applied
 * by themselves. What a supervisor may attach a record to mirrors the core's rule (parked.ts), so
 * the form offers only sessions the core would accept; the core still decides.
 */
export type ParkedRecord = MethodOutput<'sessions.parkedRecords'>['items'][number];
export type RecordKind = ParkedRecord['kind'];

export const KIND_LABEL: Record<RecordKind, I18nKey> = {
  start: 'sessions.records.kind.start',
  meter: 'sessions.records.kind.meter',
  stop: 'sessions.records.kind.stop',
};

/** Sessions that never charged have no readings to add to. */
const NEVER_CHARGED: ReadonlySet<SessionState> = new Set(['PLACED', 'STARTING', 'FAILED', 'CANCELLED']);

/**
 * Whether a record of this kind can be attached to a session in this state: a StopTransaction only
 * to a session still charging (it finishes it), MeterValues to one that charged, a StartTransaction
 * never (it makes its own session once it applies).
 */
export function attachableTo(kind: RecordKind, state: SessionState): boolean {
  if (kind === 'stop') return state === 'CHARGING' || state === 'STOPPING';
  if (kind === 'meter') return !NEVER_CHARGED.has(state);
  return false;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** How long a record has been parked, coarse enough to read at a glance ("2 天 3 小时"). */
export function parkedFor(ms: number): { key: I18nKey; params: Record<string, number> } {
  const span = Math.max(0, ms);
  if (span < MINUTE) return { key: 'sessions.records.age.justNow', params: {} };
  if (span < HOUR) return { key: 'sessions.records.age.minutes', params: { n: Math.floor(span / MINUTE) } };
  if (span < DAY) return { key: 'sessions.records.age.hours', params: { h: Math.floor(span / HOUR), m: Math.floor((span % HOUR) / MINUTE) } };
  return { key: 'sessions.records.age.days', params: { d: Math.floor(span / DAY), h: Math.floor((span % DAY) / HOUR) } };
}

/**
 * The core's reason in the operator's language where it is one the consumer writes itself (a
 * record waiting for its transaction's start); any other reason (an error, a contradiction) is
 * shown as the core wrote it.
 */
export function reasonText(reason: string): { key: I18nKey; params: Record<string, string> } | null {
  const waiting = /^waiting for the StartTransaction of transaction (\d+)$/.exec(reason);
  return waiting ? { key: 'sessions.records.reason.waitingStart', params: { tx: waiting[1] } } : null;
}
