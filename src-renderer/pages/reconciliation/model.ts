import type { MethodOutput } from '../../../src-main/contract/types';
import type { I18nKey } from '../../i18n';
import type { Role } from '../../session';
import { toneColors, type Tone } from '../../components/tones';

/**
 * The 对账 page's shapes and rules, kept apart from the screens: day states for the calendar, the
 * calendar's weeks, which resolution a break allows (the same rules the core applies in
 * src-main/reconciliation/breaks.ts; the core refuses anything else anyway) and why a day cannot be
 * signed off yet.
 */

export type Day = MethodOutput<'recon.days'>[number];
export type DayDetail = MethodOutput<'recon.day'>;
export type Break = MethodOutput<'recon.break'>['break'];
export type BreakEvent = MethodOutput<'recon.break'>['history'][number];
export type Statement = MethodOutput<'recon.statements'>[number];
export type ImportResult = MethodOutput<'recon.import'>;
export type BreakKind = Break['kind'];
export type BreakState = Break['state'];
export type DayState = Day['state'];
/** A calendar cell: a reconciled day's state, a finished day never run, or a day not over yet. */
export type CellState = DayState | 'not_run' | 'not_over';

export const FINANCE: readonly Role[] = ['finance', 'supervisor', 'admin'];
export const BREAK_KINDS: readonly BreakKind[] = ['long', 'short', 'amount_mismatch', 'refund_mismatch', 'duplicate'];
export const BREAK_STATES: readonly BreakState[] = ['open', 'write_off_requested', 'resolved', 'written_off'];
export const CELL_STATES: readonly CellState[] = ['matched', 'pending', 'breaks', 'signed_off', 'not_run'];

/** Cell colours: background, border and the state's word colour. */
export const CELL_STYLE: Record<CellState, { bg: string; border: string; fg: string }> = {
  matched: { bg: '#f6ffed', border: '#95de64', fg: '#389e0d' },
  pending: { bg: '#fffbe6', border: '#ffd666', fg: '#ad6800' },
  breaks: { bg: '#fff1f0', border: '#ff7875', fg: '#cf1322' },
  signed_off: { bg: '#e6f4ff', border: '#69b1ff', fg: '#0958d9' },
  not_run: { bg: '#fafafa', border: '#d9d9d9', fg: '#8c8c8c' },
  not_over: { bg: '#ffffff', border: '#f0f0f0', fg: '#bfbfbf' },
};

/** The shared scheme (components/StateTag): a day waiting for its sign-off is gold, a signed-off day done. */
export const DAY_TAG_COLOR: Record<CellState, string> = toneColors<CellState>({
  matched: 'success',
  pending: 'warning',
  breaks: 'error',
  signed_off: 'success',
  not_run: 'default',
  not_over: 'default',
});

export const KIND_COLOR: Record<BreakKind, string> = {
  long: 'volcano',
  short: 'red',
  amount_mismatch: 'orange',
  refund_mismatch: 'purple',
  duplicate: 'magenta',
};

export const BREAK_STATE_TONE: Record<BreakState, Tone> = {
  open: 'error',
  write_off_requested: 'warning',
  resolved: 'success',
  written_off: 'default',
};
export const BREAK_STATE_COLOR: Record<BreakState, string> = toneColors<BreakState>(BREAK_STATE_TONE);

export const channelKey = (c: string) => (c === 'wechat' || c === 'alipay' ? (`payments.channel.${c}` as I18nKey) : ('recon.channel.generic' as I18nKey));
export const dayStateKey = (s: CellState) => `recon.dayState.${s}` as I18nKey;
export const kindKey = (k: BreakKind) => `recon.kind.${k}` as I18nKey;
export const breakStateKey = (s: BreakState) => `recon.breakState.${s}` as I18nKey;

/** yyyy-MM-dd plus n days (calendar arithmetic on the date itself, no time zone involved). */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/** 0 = Monday … 6 = Sunday. */
function weekday(day: string): number {
  return (new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7;
}

/** The last `weeks` weeks, Monday first, ending with the week that holds `today`. */
export function calendarWeeks(today: string, weeks = 5): string[][] {
  const lastMonday = addDays(today, -weekday(today));
  const first = addDays(lastMonday, -7 * (weeks - 1));
  return Array.from({ length: weeks }, (_, w) => Array.from({ length: 7 }, (_, d) => addDays(first, w * 7 + d)));
}

export function cellState(day: string, today: string, record: Day | undefined): CellState {
  if (day >= today) return 'not_over';
  return record ? record.state : 'not_run';
}

/** The loss a write-off would book (the core's lossFen): payments we booked above the gateway, refunds it paid above ours. */
export function lossFen(b: Pick<Break, 'kind' | 'gateway' | 'ours'>): number {
  return b.kind === 'refund_mismatch' ? b.gateway.fen - b.ours.fen : b.ours.fen - b.gateway.fen;
}

export type BreakAction = 'credit' | 'refund' | 'explain' | 'requestWriteOff' | 'approve' | 'reject';

const onGateway = (b: Break) => b.channel === 'wechat' || b.channel === 'alipay';

/** The actions the break's kind and state allow, in the order the drawer shows them. */
export function allowedActions(b: Break): BreakAction[] {
  if (b.state === 'write_off_requested') return ['approve', 'reject'];
  if (b.state !== 'open') return [];
  const out: BreakAction[] = [];
  const payment = b.kind === 'long' || b.kind === 'duplicate';
  if (onGateway(b) && (payment || (b.kind === 'amount_mismatch' && b.diff.fen > 0))) out.push('credit');
  if (onGateway(b) && payment) out.push('refund');
  if (onGateway(b) && lossFen(b) > 0) out.push('requestWriteOff');
  out.push('explain');
  return out;
}

/** The money an action moves (fen), or null for one that moves none. */
export function actionAmountFen(b: Break, action: BreakAction): number | null {
  if (action === 'credit') return b.kind === 'amount_mismatch' ? b.diff.fen : b.gateway.fen;
  if (action === 'refund') return b.gateway.fen;
  if (action === 'requestWriteOff' || action === 'approve') return lossFen(b);
  return null;
}

/** Why the day cannot be signed off now (a dictionary key and its values), or null when it can. */
export function signOffBlock(record: Day | undefined, today: string, day: string): { key: I18nKey; params?: Record<string, string | number> } | null {
  if (day >= today) return { key: 'recon.signOff.notOver' };
  if (!record) return { key: 'recon.signOff.notRun' };
  if (record.state === 'signed_off') return { key: 'recon.signOff.already' };
  if (record.pendingCount > 0) return { key: 'recon.signOff.pending', params: { count: record.pendingCount, window: record.windowDays } };
  if (record.breaksOpen > 0) return { key: 'recon.signOff.breaks', params: { count: record.breaksOpen } };
  return null;
}

/** A File's bytes as base64, in slices (String.fromCharCode on a whole 64 MB array overflows the stack). */
export async function fileBase64(file: Blob): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const SLICE = 0x8000;
  let binary = '';
  for (let i = 0; i < bytes.length; i += SLICE) binary += String.fromCharCode(...bytes.subarray(i, i + SLICE));
  return btoa(binary);
}

/** What an importer's refusal says: the file, the line and the reason (details of the core's DepotError). */
export function refusalOf(details: unknown): { file: string | null; line: number | null; reason: string | null } {
  const d = (typeof details === 'object' && details !== null ? details : {}) as { file?: unknown; line?: unknown; reason?: unknown };
  return {
    file: typeof d.file === 'string' ? d.file : null,
    line: typeof d.line === 'number' ? d.line : null,
    reason: typeof d.reason === 'string' ? d.reason : null,
  };
}
