import type { MethodInput, MethodOutput } from '../../../src-main/contract/types';
import type { I18nKey } from '../../i18n';
import { formatFen } from '../../lib/format';
import { toneColors, type Tone } from '../../components/tones';

/**
 * Types, labels and small helpers shared by the Campaigns tab's parts (list, wizard, detail,
 * inbox). Quantities arrive as {value, text}: fen for wallet and coupon campaigns, points for
 * points campaigns; the screen formats them itself so money is always ¥ with two decimals.
 */
export type Campaign = MethodOutput<'compensation.get'>;
export type CampaignState = Campaign['state'];
export type Target = Campaign['target'];
export type Report = MethodOutput<'compensation.preview'>;
export type ReportRow = Report['rows'][number];
export type Item = MethodOutput<'compensation.items'>['items'][number];
export type ItemState = Item['status'];
export type PreviewSpec = MethodInput<'compensation.preview'>['spec'];
export type Quantity = { value: number; text: string };

export const STATES: readonly CampaignState[] = ['draft', 'approved', 'executing', 'completed', 'cancelled'];
export const STATE_TONE: Record<CampaignState, Tone> = {
  draft: 'warning',
  approved: 'processing',
  executing: 'processing',
  completed: 'success',
  cancelled: 'default',
};
export const STATE_COLOR: Record<CampaignState, string> = toneColors<CampaignState>(STATE_TONE);
export const ITEM_STATES: readonly ItemState[] = ['pending', 'credited', 'already', 'failed'];
export const ITEM_COLOR: Record<ItemState, string> = toneColors<ItemState>({ pending: 'processing', credited: 'success', already: 'success', failed: 'error' });

export const stateLabel = (s: CampaignState): I18nKey => `comp.state.${s}` as I18nKey;
/**
 * A campaign's state as people should read it: an approval freezes its items in chunks (issue 18),
 * and until the last chunk is in, the campaign is approved with no approval time — 审批中, not 已批准.
 */
export const campaignStateLabel = (c: { state: CampaignState; approvedAt: number | null }): I18nKey =>
  c.state === 'approved' && c.approvedAt === null ? 'comp.state.approving' : stateLabel(c.state);
export const targetLabel = (t: Target): I18nKey => `comp.target.${t}` as I18nKey;
export const itemLabel = (s: ItemState): I18nKey => `comp.item.${s}` as I18nKey;

/** ¥1,234.00 for money campaigns; "120 积分 / points" for points campaigns. */
export function formatQuantity(target: Target, value: number, t: (k: I18nKey, p?: Record<string, string | number>) => string): string {
  return target === 'points' ? t('comp.pointsValue', { n: value.toLocaleString('en-US') }) : formatFen(value);
}

/** Saves a base64 workbook the contract returned as a file download. */
export function downloadBase64(fileName: string, base64: string): void {
  const bytes = Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0));
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  // Revoked later: Chromium reads the blob after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Maps a core field path (criteria.from, spec.rule.amount …) to the wizard's form field. */
export function wizardField(path: string): string | null {
  const p = path.replace(/^spec\./, '');
  if (p === 'name') return 'name';
  if (p.startsWith('criteria.from') || p.startsWith('criteria.to')) return 'dates';
  if (p.startsWith('criteria.timeWindow')) return 'window';
  const criteria = ['stationIds', 'chargerIds', 'states', 'failureCodes', 'minFailures', 'includeCompensated'];
  for (const f of criteria) if (p.startsWith(`criteria.${f}`)) return f;
  if (p === 'criteria') return 'dates';
  if (p.startsWith('rule.cap')) return 'cap';
  if (p.startsWith('rule')) return 'amount';
  if (p.startsWith('target')) return 'target';
  if (p.startsWith('couponValidDays')) return 'couponValidDays';
  if (p.startsWith('memo')) return 'memo';
  return null;
}

export const STEP_OF_FIELD: Record<string, number> = {
  name: 0,
  dates: 0,
  window: 0,
  stationIds: 0,
  chargerIds: 0,
  states: 0,
  failureCodes: 0,
  minFailures: 0,
  includeCompensated: 0,
  ruleKind: 1,
  amount: 1,
  cap: 1,
  target: 1,
  couponValidDays: 1,
  memo: 1,
};
