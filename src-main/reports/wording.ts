import { wordingFor, type Wording } from '../../src-renderer/i18n/wording';
import { alertResolutionText, alertText } from '../../src-renderer/lib/alertText';
import { accountLabel, transferCodeLabel } from '../../src-renderer/lib/accounts';
import { auditInputText, type AuditInput, type AuditNumbers } from '../../src-renderer/lib/auditInput';
import { jobErrorWords } from '../../src-renderer/lib/jobError';
import { memoText } from '../../src-renderer/lib/memoText';
import type { Locale } from './workbooks';

/**
 * The screens' words in the exports (issue 16): an exported list says 已支付, 微信支付, 钱包 and
 * the alert's sentence where the list on screen does, in the language of the export, from the same
 * dictionaries and wording helpers as the screens (src-renderer/i18n/wording.ts,
 * src-renderer/lib/alertText.ts, src-renderer/lib/accounts.ts, src-renderer/lib/memoText.ts,
 * src-renderer/lib/auditInput.ts, src-renderer/lib/jobError.ts) — one wording, not a copy that drifts. These are the only
 * renderer modules the core may import; they are plain data and functions
 * (test/structure/boundaries.test.ts). A code the dictionary does not know is written as
 * it is, never hidden.
 */

export interface ExportWording {
  /** The label of `code` under a dictionary prefix ('sessions.state.' + 'PAID' → 已支付), else the code. */
  label(prefix: string, code: string | null | undefined): string;
  /** An alert as the alerts list words it (its code and details), else the core's message. */
  alert(a: { code: string; message: string; details?: Record<string, unknown> }): string;
  /** Why an alert resolved, as the alerts list words it (the core's code and params), else as recorded. */
  resolution(a: { resolution: string | null; resolutionCode: string | null; resolutionParams: Record<string, string | number> | null }): string;
  /** A ledger account by its meaning (driver:…:wallet → 钱包), else its id. */
  account(id: string): string;
  /** A transfer code's label (topup → 充值), else the code. */
  transferCode(code: string): string;
  /** A ledger memo as the statement on screen words it, the session by `session(id)` (its CD number). */
  memo(memo: string | null, session: (id: string) => string): string;
  /** An audit row's input as the audit screen words it (sessions and orders by number); '' when it names nothing known. */
  auditInput(method: string, input: AuditInput | null, numbers: AuditNumbers): string;
  /** A job's recorded error ("[code] message") by its code's words, as the Jobs page shows it; else as recorded. */
  jobError(error: string): string;
}

// The audit export reads the recorded input and the ids it names as the screen does.
export { auditRefs, parseAuditInput, type AuditInput } from '../../src-renderer/lib/auditInput';

const cache = new Map<Locale, ExportWording>();

function make(w: Wording): ExportWording {
  return {
    label: (prefix, code) => (code ? (w.maybe(`${prefix}${code}`) ?? code) : ''),
    alert: (a) => alertText(w, a),
    resolution: (a) => alertResolutionText(w, a),
    account: (id) => accountLabel(id, w),
    transferCode: (code) => transferCodeLabel(code, w),
    memo: (memo, session) => memoText(memo, w, session),
    auditInput: (method, input, numbers) => auditInputText(w, method, input, numbers),
    jobError: (error) => jobErrorWords(w.maybe, error)?.words ?? error,
  };
}

export function exportWording(locale: Locale): ExportWording {
  let made = cache.get(locale);
  if (!made) cache.set(locale, (made = make(wordingFor(locale))));
  return made;
}
