import type { MethodOutput } from '../../../src-main/contract/types';
import type { I18n, I18nKey } from '../../i18n';
import { formatTime } from '../../lib/time';

type Task = MethodOutput<'refunds.get'>;

export const TASK_STATE_COLOR: Record<Task['state'], string> = {
  pending: 'blue',
  processing: 'processing',
  completed: 'green',
  failed: 'red',
  needs_check: 'orange',
  cancelled: 'default',
};

/**
 * A task's state as the queue shows it. A pending task that has already been tried is not simply
 * "pending": the gateway refused or failed it once and the next attempt is due at a time, which is
 * what finance needs to see ("等待重试 12-06 14:05").
 */
export function taskStateTag(task: Pick<Task, 'state' | 'attempts' | 'nextAttemptAt'>, t: I18n['t']): { text: string; color: string } {
  if (task.state === 'pending' && task.attempts > 0) {
    return { text: t('refunds.task.state.retrying', { at: formatTime(task.nextAttemptAt, 'MM-DD HH:mm') }), color: 'gold' };
  }
  return { text: t(`refunds.task.state.${task.state}` as I18nKey), color: TASK_STATE_COLOR[task.state] };
}
