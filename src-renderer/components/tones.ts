/**
 * One colour scheme for every state on every list, by meaning rather than by page:
 *  success (green)    done, paid, settled, approved, resolved
 *  processing (blue)  running, pending, charging: the system is on it
 *  warning (gold)     waiting for a person: held, under review, needs a check, waiting to retry
 *  error (red)        failed, in debt, broken, open break
 *  default (grey)     cancelled, closed, rejected, expired: nothing more will happen
 * A page picks the tone of each of its states (toneOf knows the common words); the tag's colour
 * comes from here only.
 */
export type Tone = 'success' | 'processing' | 'warning' | 'error' | 'default';

export const TONE_COLOR: Record<Tone, string> = {
  success: 'green',
  processing: 'blue',
  warning: 'gold',
  error: 'red',
  default: 'default',
};

const WORDS: Record<Tone, readonly string[]> = {
  success: [
    'completed',
    'complete',
    'done',
    'paid',
    'settled',
    'approved',
    'resolved',
    'succeeded',
    'success',
    'signed_off',
    'matched',
    'active',
    'available',
    'ok',
    'delivered',
    'executed',
    'lifted',
  ],
  processing: ['running', 'processing', 'pending', 'pending_payment', 'charging', 'starting', 'stopping', 'queued', 'scheduled', 'in_progress', 'preparing', 'executing'],
  warning: [
    'waiting',
    'held',
    'hold',
    'review',
    'in_review',
    'needs_check',
    'needs_review',
    'pending_approval',
    'requested',
    'retrying',
    'suspended',
    'suspended_ev',
    'suspended_evse',
    'draft',
    'unsettled',
    'stuck',
    'maintenance',
    'warning',
  ],
  error: ['failed', 'failure', 'debt', 'broken', 'error', 'faulted', 'faulty', 'offline', 'unavailable', 'open', 'critical', 'blacklisted', 'discarded', 'dead'],
  default: ['cancelled', 'canceled', 'closed', 'rejected', 'expired', 'voided', 'void', 'superseded', 'written_off', 'archived', 'disabled', 'finished', 'info'],
};

const LEXICON = new Map<string, Tone>(Object.entries(WORDS).flatMap(([tone, words]) => words.map((w) => [w, tone as Tone] as const)));

/** The tone of a common state word (any case, spaces or dashes as underscores); grey if unknown. */
export function toneOf(state: string): Tone {
  return (
    LEXICON.get(
      state
        .trim()
        .toLowerCase()
        .replace(/[\s-]+/g, '_'),
    ) ?? 'default'
  );
}

/** A page's state → tone table as antd Tag colours (for tags a page renders itself). */
export function toneColors<K extends string>(tones: Record<K, Tone>): Record<K, string> {
  return Object.fromEntries(Object.entries(tones).map(([k, tone]) => [k, TONE_COLOR[tone as Tone]])) as Record<K, string>;
}
