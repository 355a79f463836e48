import type { MethodOutput } from '../../../src-main/contract/types';
import type { I18nKey } from '../../i18n';
import { toneColors, type Tone } from '../../components/tones';

export type JobStats = MethodOutput<'jobs.stats'>;
export type JobSummary = MethodOutput<'jobs.list'>['items'][number];
export type JobDetail = MethodOutput<'jobs.get'>;
export type JobState = JobSummary['state'];
export type AlertRow = MethodOutput<'alerts.list'>['items'][number];

/** In the order an operator reads them: work waiting, running, in trouble, finished. */
export const STATES: readonly JobState[] = ['available', 'scheduled', 'executing', 'retryable', 'discarded', 'completed', 'cancelled'];

/** The shared scheme (components/StateTag): waiting to run and running are blue, a retry waits (gold). */
export const STATE_TONE: Record<JobState, Tone> = {
  scheduled: 'processing',
  available: 'processing',
  executing: 'processing',
  retryable: 'warning',
  completed: 'success',
  discarded: 'error',
  cancelled: 'default',
};
export const STATE_COLOR: Record<JobState, string> = toneColors<JobState>(STATE_TONE);

export const stateLabel = (s: JobState): I18nKey => `jobs.state.${s}`;

/** Mirrors the core's rules (jobs/states.ts) so the buttons only show where the action can work. */
export const CAN_RETRY: readonly JobState[] = ['scheduled', 'retryable', 'discarded', 'cancelled'];
export const CAN_CANCEL: readonly JobState[] = ['scheduled', 'available', 'executing', 'retryable'];

/** When the row's state happened (or will): finishing time for finished jobs, else the schedule. */
export function stateTime(j: Pick<JobSummary, 'state' | 'scheduledAt' | 'completedAt' | 'discardedAt' | 'cancelledAt' | 'attemptedAt'>): number | null {
  switch (j.state) {
    case 'completed':
      return j.completedAt;
    case 'discarded':
      return j.discardedAt;
    case 'cancelled':
      return j.cancelledAt;
    case 'executing':
      return j.attemptedAt;
    default:
      return j.scheduledAt;
  }
}

// The Jobs page and the jobs export word an error with the same helper (plain, so the core can load it).
export { jobErrorWords } from '../../lib/jobError';
