import { JOB_STATES, type JobState } from '../kernel/plugins';

export { JOB_STATES, type JobState };

/**
 * The life of a job, as Oban draws it:
 *
 *   scheduled ──(due)──▶ available ──(claimed)──▶ executing ──▶ completed
 *       ▲                    ▲                        │
 *       │ snooze             │ retry / rescue         ├──(error, attempts left)──▶ retryable ──(due)──▶ available
 *       └────────────────────┼────────────────────────┤
 *                            │                        └──(error, no attempts left | bad args)──▶ discarded
 *   any state but completed ─┴── cancel ──▶ cancelled
 */

/** States in which a job still has work ahead of it; a unique key is held only while live. */
export const LIVE_STATES = ['scheduled', 'available', 'executing', 'retryable'] as const satisfies readonly JobState[];
/** States a job never leaves by itself; pruned after jobs.pruneAfterDays. */
export const FINAL_JOB_STATES = ['completed', 'discarded', 'cancelled'] as const satisfies readonly JobState[];

export const CANCELLABLE_STATES = ['scheduled', 'available', 'executing', 'retryable'] as const satisfies readonly JobState[];
/** A completed job is never re-run by hand: its effects happened; enqueue a new job instead. */
export const RETRYABLE_BY_HAND = ['scheduled', 'retryable', 'discarded', 'cancelled'] as const satisfies readonly JobState[];

const sqlList = (states: readonly string[]) => states.map((s) => `'${s}'`).join(',');
export const LIVE_STATES_SQL = sqlList(LIVE_STATES);
export const JOB_STATES_SQL = sqlList(JOB_STATES);
