import type { I18n } from '../i18n';

/**
 * A ledger memo in the operator's language. The memos the sessions write are English and name the
 * session by its internal id ("session 01M… on SIM-003/1: 0.039000 kWh"); a ledger line is never
 * rewritten, so the screens word them here, the session by its number (CD…); so too the fixed
 * Chinese memos the core writes (payment orders, reconciliation, refunds, write-offs, the
 * compensation campaigns' default memos) on an English screen. What people typed — a note after
 * 对账补单 DD…:, the reason after 售后退款：, a campaign's own memo — shows as written. The exports
 * and the CLI word memos with this same function (src-main/reports/wording.ts), so it stays plain:
 * no React, antd or browser.
 */

type Wording = Pick<I18n, 't' | 'maybe'>;

const kwh = (text: string) => Number(text).toFixed(3);

/** Fixed words, then what someone typed after them (none: the words alone). */
const noted = (w: Wording, text: string, note: string | undefined) => (note?.trim() ? w.t('ledger.memo.noted', { text, note: note.trim() }) : text);

/** A campaign writes its batch after the memo: " (B…)", kept as it is. */
const batched = (text: string, batch: string | undefined) => (batch ? `${text} (${batch})` : text);

const MEMOS: { pattern: RegExp; word(m: RegExpMatchArray, w: Wording, session: (id: string) => string): string }[] = [
  {
    pattern: /^session (\S+) on (\S+): ([\d.]+) kWh$/,
    word: (m, w, session) => w.t('ledger.memo.settle', { session: session(m[1]), charger: m[2], kwh: kwh(m[3]) }),
  },
  {
    pattern: /^session (\S+) re-settled at its real StopTransaction: ([\d.]+) kWh$/,
    word: (m, w, session) => w.t('ledger.memo.resettle', { session: session(m[1]), kwh: kwh(m[2]) }),
  },
  { pattern: /^prepay for session on (\S+)$/, word: (m, w) => w.t('ledger.memo.prepay', { charger: m[1] }) },
  { pattern: /^start failed: no StartTransaction within (\d+) s of the RemoteStart$/, word: (m, w) => w.t('ledger.memo.startTimeout', { seconds: m[1] }) },
  { pattern: /^start failed: (?:the charger answered RemoteStartTransaction with|RemoteStartTransaction failed:) .*$/, word: (_, w) => w.t('ledger.memo.startRefused') },
  { pattern: /^session cancelled before it started$/, word: (_, w) => w.t('ledger.memo.cancelled') },
  // The payments write theirs in Chinese: the same words in English on an English screen.
  { pattern: /^支付订单 (DD\d+)$/, word: (m, w) => w.t('ledger.memo.order', { number: m[1] }) },
  { pattern: /^支付订单 (DD\d+) 用券$/, word: (m, w) => w.t('ledger.memo.orderCoupon', { number: m[1] }) },
  { pattern: /^支付订单 (DD\d+) 积分抵扣$/, word: (m, w) => w.t('ledger.memo.orderPoints', { number: m[1] }) },
  { pattern: /^支付订单 (DD\d+) 取消，退回用券$/, word: (m, w) => w.t('ledger.memo.orderCouponBack', { number: m[1] }) },
  { pattern: /^支付订单 (DD\d+) 取消，退回积分$/, word: (m, w) => w.t('ledger.memo.orderPointsBack', { number: m[1] }) },
  { pattern: /^支付订单 (DD\d+) 券\/积分\/套餐赠送$/, word: (m, w) => w.t('ledger.memo.orderBonus', { number: m[1] }) },
  { pattern: /^支付订单 (DD\d+) 取消 \(主管修复\)，退回用券$/, word: (m, w) => w.t('ledger.memo.orderCouponBackRepair', { number: m[1] }) },
  { pattern: /^支付订单 (DD\d+) 取消 \(主管修复\)，退回积分$/, word: (m, w) => w.t('ledger.memo.orderPointsBackRepair', { number: m[1] }) },
  // Reconciliation, refunds and risk: fixed words, then the note or reason someone typed.
  { pattern: /^对账补单 (\S+): ?(.*)$/, word: (m, w) => noted(w, w.t('ledger.memo.reconCredit', { number: m[1] }), m[2]) },
  {
    pattern: /^对账核销 (\S+) (\S*) ?:(?: (.*))?$/,
    word: (m, w) => noted(w, w.t('ledger.memo.reconWriteOff', { kind: w.maybe(`recon.kind.${m[1]}`) ?? m[1], number: m[2] }).trim(), m[3]),
  },
  { pattern: /^长款入账 (\S+?) ?[:：] ?(.*)$/, word: (m, w) => noted(w, w.t('ledger.memo.longCredit', { number: m[1] }), m[2]) },
  { pattern: /^退款取消，退回钱包：(.*)$/, word: (m, w) => noted(w, w.t('ledger.memo.refundCancelled'), m[1]) },
  { pattern: /^坏账核销 ?(.*)$/, word: (m, w) => noted(w, w.t('ledger.memo.debtWrittenOff'), m[1]) },
  { pattern: /^审核拒绝 ?(.*)$/, word: (m, w) => noted(w, w.t('ledger.memo.reviewRejected'), m[1]) },
  // An adjustment's reason is typed, but a rejected review writes its own (审核拒绝 …): worded in turn.
  { pattern: /^售后退款：(.*)$/, word: (m, w, session) => noted(w, w.t('ledger.memo.adjustment'), memoText(m[1], w, session)) },
  // The campaigns' default memos (src-main/compensation/spec.ts), filled in; a campaign's own memo shows as written.
  {
    pattern: /^系统补偿：(\d{4}-\d{2}-\d{2})(?:至(\d{4}-\d{2}-\d{2}))? 启动失败补偿（共(\d+)次）(?: \(([^()]+)\))?$/,
    word: (m, w) => batched(w.t('ledger.memo.compensation', { date: m[2] ? w.t('ledger.memo.dateRange', { from: m[1], to: m[2] }) : m[1], count: m[3] }), m[4]),
  },
  { pattern: /^撤销补偿：(.+?)(?: \(([^()]+)\))?$/, word: (m, w) => batched(w.t('ledger.memo.compensationReversal', { name: m[1] }), m[2]) },
];

export function memoText(memo: string | null | undefined, w: Wording, session: (id: string) => string): string {
  if (!memo) return '';
  for (const { pattern, word } of MEMOS) {
    const m = memo.match(pattern);
    if (m) return word(m, w, session);
  }
  return memo;
}
