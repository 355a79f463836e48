import type { MethodOutput } from '../../../src-main/contract/types';
import type { I18n, I18nKey } from '../../i18n';
import type { Wording } from '../../i18n/wording';
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

/** What the core's last_error says happened, by its wording in refunds/tasks.ts. */
type ErrorKind = 'refused' | 'accepted' | 'unknown' | 'processing' | 'notFound' | 'queryFailed' | 'interrupted' | 'other';

function errorKind(lastError: string): ErrorKind {
  if (/^attempt \d+\/\d+ refused: /.test(lastError)) return 'refused';
  if (lastError.startsWith('accepted by the gateway')) return 'accepted';
  if (lastError.startsWith('outcome unknown')) return 'unknown';
  if (lastError.startsWith('the gateway is still processing')) return 'processing';
  if (lastError.startsWith('the gateway has no record')) return 'notFound';
  if (lastError.startsWith('query failed')) return 'queryFailed';
  if (lastError.startsWith('left processing')) return 'interrupted';
  return 'other';
}

/** The gateway's own error code of a refusal: from the stored response (ProviderRefused's details), else the "(CODE)" the message ends with. */
function gatewayCode(task: Pick<Task, 'responseBody' | 'lastError'>): string | null {
  try {
    const body = JSON.parse(task.responseBody ?? 'null') as { details?: { providerCode?: unknown } } | null;
    if (typeof body?.details?.providerCode === 'string' && body.details.providerCode) return body.details.providerCode;
  } catch {
    // A gateway's own answer (XML, text) names no code of ours.
  }
  return /\(([A-Z][A-Z0-9_.]*)\)$/.exec(task.lastError ?? '')?.[1] ?? null;
}

/** The gateway's error in words: a known code by its dictionary entry, an unknown one named as the gateway's. */
function errorText(task: Pick<Task, 'responseBody' | 'lastError'>, w: Wording): string | null {
  if (!task.lastError) return null;
  const kind = errorKind(task.lastError);
  if (kind !== 'refused') return w.t(`refunds.gateway.${kind}` as I18nKey);
  const code = gatewayCode(task);
  if (!code) return w.t('refunds.gateway.refused');
  return w.maybe(`refunds.gateway.code.${code}`) ?? w.t('refunds.gateway.refusedCode', { code });
}

function outcomeText(task: Task, w: Wording): string {
  const kind = task.lastError ? errorKind(task.lastError) : null;
  const at = formatTime(task.nextAttemptAt, 'MM-DD HH:mm');
  switch (task.state) {
    case 'completed':
      return task.resolution ? w.t(`refunds.task.outcome.${task.resolution}` as I18nKey) : w.t('refunds.attempt.outcome.refunded');
    case 'cancelled':
      return w.t('refunds.task.outcome.back_to_wallet');
    case 'processing':
      return w.t('refunds.attempt.outcome.processing');
    case 'failed':
      return w.t(kind === 'refused' ? 'refunds.attempt.outcome.refusedFinal' : 'refunds.attempt.outcome.failed', { n: task.attempts });
    case 'needs_check':
      return w.t(kind === 'accepted' ? 'refunds.attempt.outcome.accepted' : 'refunds.attempt.outcome.unknown');
    case 'pending':
      if (task.attempts === 0) return w.t('refunds.attempt.outcome.waiting');
      return w.t(kind === 'refused' ? 'refunds.attempt.outcome.refusedRetry' : kind === 'notFound' ? 'refunds.attempt.outcome.resend' : 'refunds.attempt.outcome.retry', {
        at,
      });
  }
}

/**
 * A refund task's attempts as finance reads them (issue 16: the row opened on the idempotency key,
 * the endpoint and raw JSON): how often and when it was sent, through which channel, what came of
 * it, the gateway's refund number, the amount in yuan and the gateway's error in words.
 */
export function refundAttempt(
  task: Task,
  w: Wording,
): { attempts: string; at: string | null; channel: string; outcome: string; refundNo: string | null; amount: string; error: string | null } {
  const tried = task.attempts > 0;
  return {
    attempts: tried ? w.t('refunds.attempt.count', { n: task.attempts, max: task.maxAttempts }) : w.t('refunds.attempt.notSent'),
    at: tried ? formatTime(task.completedAt ?? task.updatedAt) : null,
    channel: w.t(`payments.channel.${task.channel}` as I18nKey),
    outcome: outcomeText(task, w),
    refundNo: task.providerRefundNo,
    amount: w.t('refunds.attempt.amount', { amount: task.amount.yuan, total: task.total.yuan }),
    error: errorText(task, w),
  };
}
