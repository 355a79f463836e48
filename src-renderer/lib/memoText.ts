import type { I18n } from '../i18n';

/**
 * A ledger memo in the operator's language. The memos the sessions write are English and name the
 * session by its internal id ("session 01M… on SIM-003/1: 0.039000 kWh"); a ledger line is never
 * rewritten, so the screens word them here, the session by its number (CD…); so too the payment
 * orders' fixed Chinese memos on an English screen. Every other memo — the ones people type, a
 * reason after 售后退款： — shows as written. The exports word a statement's memos with this same
 * function (src-main/reports/wording.ts), so it stays plain: no React, antd or browser.
 */

type Wording = Pick<I18n, 't'>;

const kwh = (text: string) => Number(text).toFixed(3);

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
];

export function memoText(memo: string | null | undefined, w: Wording, session: (id: string) => string): string {
  if (!memo) return '';
  for (const { pattern, word } of MEMOS) {
    const m = memo.match(pattern);
    if (m) return word(m, w, session);
  }
  return memo;
}
