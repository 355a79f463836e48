import type { Wording } from '../../i18n/wording';
import type { MethodOutput } from '../../../src-main/contract/types';

type UplinkStatus = MethodOutput<'headquarters.status'>;

/**
 * The depot's uplink to headquarters as the About panel words it (headquarters.status): off, or
 * its connection and how many journal records HQ does not have yet; a refusal is named, and the
 * alerts say why.
 */
export function uplinkText(w: Wording, s: Pick<UplinkStatus, 'enabled' | 'connection' | 'lagRows' | 'ackedSeq' | 'tipSeq' | 'refused'>): string {
  if (!s.enabled) return w.t('about.hqOff');
  const state = w.t(`about.hqState.${s.connection}`);
  if (s.refused) return w.t('about.hqRefused', { state, seq: s.refused.seq });
  if (s.lagRows === 0) return w.t('about.hqCurrent', { state });
  return w.t('about.hqBehind', { state, lag: s.lagRows, acked: s.ackedSeq, tip: s.tipSeq });
}
