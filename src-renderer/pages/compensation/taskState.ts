import type { MethodOutput } from '../../../src-main/contract/types';
import type { I18n, I18nKey } from '../../i18n';
import { formatTime } from '../../lib/time';
import { TONE_COLOR, type Tone } from '../../components/tones';

type Task = MethodOutput<'refunds.get'>;

export const TASK_STATE_TONE: Record<Task['state'], Tone> = {
  pending: 'processing',
  processing: 'processing',
  completed: 'success',
  failed: 'error',
  needs_check: 'warning',
  cancelled: 'default',
};

/**
 * A task's state as the queue shows it. A pending task that has already been tried is not simply
 * "pending": the gateway refused or failed it once and the next attempt is due at a time, which is
 * what finance needs to see ("等待重试 12-06 14:05").
 */
export function taskStateTag(task: Pick<Task, 'state' | 'attempts' | 'nextAttemptAt'>, t: I18n['t']): { text: string; tone: Tone; color: string } {
  const shown = (text: string, tone: Tone) => ({ text, tone, color: TONE_COLOR[tone] });
  if (task.state === 'pending' && task.attempts > 0) return shown(t('refunds.task.state.retrying', { at: formatTime(task.nextAttemptAt, 'MM-DD HH:mm') }), 'warning');
  return shown(t(`refunds.task.state.${task.state}` as I18nKey), TASK_STATE_TONE[task.state]);
}
