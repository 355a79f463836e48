import type { Wording } from '../../i18n/wording';
import { displayFen } from '../../lib/format';
import { formatTime } from '../../lib/time';

/**
 * What a job is about, read from its arguments (issue 16: the drawer showed them as JSON, and a
 * refund job as a task's id). Arguments name things by id; the drawer looks each up and words it
 * with the numbers people quote. Read by argument name, not by job kind, so a new job that takes
 * a sessionId is worded without a change here. Plain functions, no React.
 */
export type JobSubject =
  { type: 'refundTask' | 'session' | 'order' | 'campaign' | 'export'; id: string } | { type: 'day'; day: string } | { type: 'other'; key: string; value: string };

/** What the drawer found for a subject it looked up; null when the depot no longer has it. */
export type SubjectFound = { orderNumber: string; amountFen: number } | { number: string } | { name: string } | { kind: string } | null;

const BY_ID = { taskId: 'refundTask', sessionId: 'session', orderId: 'order', campaignId: 'campaign', exportId: 'export' } as const;
/** compensation.execute records who started the payout; the audit log names that person, the drawer names the campaign. */
const NOT_SHOWN = new Set(['operatorId']);

const text = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

export function jobSubjects(args: unknown): JobSubject[] {
  if (typeof args !== 'object' || args === null || Array.isArray(args)) return [];
  return Object.entries(args as Record<string, unknown>).flatMap(([key, value]): JobSubject[] => {
    if (value === undefined || value === null || NOT_SHOWN.has(key)) return [];
    if (key in BY_ID && typeof value === 'string') return [{ type: BY_ID[key as keyof typeof BY_ID], id: value }];
    if ((key === 'day' || key === 'date') && typeof value === 'string') return [{ type: 'day', day: value }];
    return [{ type: 'other', key, value: text(value) }];
  });
}

export function jobSubjectText(w: Wording, s: JobSubject, found: SubjectFound): string {
  switch (s.type) {
    case 'day':
      return w.t('jobs.subject.day', { day: s.day });
    case 'other':
      return `${s.key} ${s.value}`;
  }
  if (found === null) return w.t(`jobs.subject.${s.type}Gone`);
  if ('orderNumber' in found) return w.t('jobs.subject.refundTask', { order: found.orderNumber, amount: displayFen(found.amountFen) });
  if ('number' in found) return w.t(s.type === 'order' ? 'jobs.subject.order' : 'jobs.subject.session', { number: found.number });
  if ('name' in found) return w.t('jobs.subject.campaign', { name: found.name });
  return w.t('jobs.subject.export', { report: w.maybe(`reports.kind.${found.kind}`) ?? found.kind });
}

/**
 * Where the job came from, as the scheduler recorded it (jobs/cron.ts: the schedule, the slot it
 * runs for, the slots missed while the app was stopped); null for a job a person or another job
 * started, which records nothing.
 */
export function jobOriginText(w: Wording, meta: Record<string, unknown>): string | null {
  if (typeof meta.cron !== 'string') return null;
  const due = typeof meta.slotAt === 'number' ? formatTime(meta.slotAt) : null;
  const base = due ? w.t('jobs.origin.cronAt', { time: due }) : w.t('jobs.origin.cron');
  const missed = typeof meta.missedSlots === 'number' ? meta.missedSlots : 0;
  return missed > 0 ? `${base}${w.t('jobs.origin.caughtUp', { n: missed })}` : base;
}
