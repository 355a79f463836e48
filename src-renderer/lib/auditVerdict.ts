import type { I18n } from '../i18n';
import { formatTime } from './time';

/**
 * The audit chain's verdict (设置 → 审计日志 → 校验哈希链) in the operator's language (issue 16). The
 * core names what broke by a code and its parameters (kernel/chain.ts, operators/audit.ts) beside
 * its English reason, which the CLI, doctor and the logs print; the screen words the code
 * (`audit.broken.<code>`). A code not worded here, or parameters missing what the wording needs
 * (a newer or older core), shows the core's reason: nothing is hidden. Plain functions.
 */

type Wording = Pick<I18n, 't' | 'maybe'>;
type Params = Record<string, string | number>;

export interface AuditVerdictView {
  ok: boolean;
  rows: number;
  broken: { id: number; reason: string; code: string; params: Params } | null;
  checkpoints: { forgedLines: number[] };
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Every value present, or null: a wording never shows a hole. */
function all(params: Record<string, string | number | undefined>): Params | null {
  return Object.values(params).every((v) => v !== undefined) ? (params as Params) : null;
}

const time = (p: Params) => {
  const at = num(p.at);
  return at === undefined ? undefined : formatTime(at);
};

const PARAMS: Record<string, (p: Params) => Params | null> = {
  seal_missing: () => ({}),
  unsealed: (p) => all({ lastId: num(p.lastId) }),
  sealed_rows_changed: (p) => all({ lastId: num(p.lastId) }),
  no_mac: () => ({}),
  mac_mismatch: () => ({}),
  head_differs: (p) => all({ line: num(p.line), time: time(p) }),
  sealed_rows_removed: (p) => all({ end: num(p.end), lastId: num(p.lastId) }),
  tail_removed: (p) => all({ end: num(p.end), recorded: num(p.recorded), line: num(p.line), time: time(p) }),
  row_missing: (p) => all({ missing: num(p.missing) }),
  prev_hash_mismatch: () => ({}),
  hash_mismatch: () => ({}),
  key_missing: (p) => all({ file: str(p.file) }),
};

/** What broke, in words from its code, else the core's reason. */
export function chainBreakText(w: Pick<I18n, 'maybe'>, broken: { reason: string; code: string; params: Params }): string {
  const params = PARAMS[broken.code]?.(broken.params ?? {});
  return (params && w.maybe(`audit.broken.${broken.code}`, params)) ?? broken.reason;
}

/** The verdict as one sentence: intact with its rows, broken at a row, or failed as a whole (no key, a forged checkpoint). */
export function auditVerdictText(w: Wording, v: AuditVerdictView): string {
  if (v.ok) return w.t('audit.verifyOk', { rows: v.rows });
  if (v.broken) {
    const reason = chainBreakText(w, v.broken);
    return v.broken.id > 0 ? w.t('audit.verifyBroken', { id: v.broken.id, reason }) : w.t('audit.verifyFailed', { reason });
  }
  return w.t('audit.verifyFailed', { reason: w.t('audit.broken.checkpoint_forged', { lines: v.checkpoints.forgedLines.join(', ') }) });
}

/** The codes worded here (the wording test holds both languages to every one). */
export const WORDED_CHAIN_BREAKS = Object.keys(PARAMS);
