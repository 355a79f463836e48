import type { StatementLayout } from './types';

/**
 * The WeChat Pay trade bill (交易账单) layouts, as ../shared/formats/payment-statements.md records
 * them. A bill is recognised by the set of its header names, and every value is then found by
 * name: WeChat has reordered and added columns before, and a bill read by position would put the
 * refund amount in the fee column without a sound.
 */

const ALL_COLUMNS = [
  '交易时间',
  '公众账号ID',
  '商户号',
  '特约商户号',
  '设备号',
  '微信订单号',
  '商户订单号',
  '用户标识',
  '交易类型',
  '交易状态',
  '付款银行',
  '货币种类',
  '应结订单金额',
  '代金券金额',
  '微信退款单号',
  '商户退款单号',
  '退款金额',
  '充值券退款金额',
  '退款类型',
  '退款状态',
  '商品名称',
  '商户数据包',
  '手续费',
  '费率',
  '订单金额',
  '申请退款金额',
  '费率备注',
] as const;

const REFUND_ONLY = ['微信退款单号', '商户退款单号', '退款金额', '充值券退款金额', '退款类型', '退款状态', '申请退款金额'];

const SUCCESS_COLUMNS = ALL_COLUMNS.filter((c) => !REFUND_ONLY.includes(c));

const REFUND_COLUMNS = [...ALL_COLUMNS.slice(0, 14), '退款申请时间', '退款成功时间', ...ALL_COLUMNS.slice(14)];

const LEGACY_COLUMNS = [
  '交易时间',
  '公众账号ID',
  '商户号',
  '子商户号',
  '设备号',
  '微信订单号',
  '商户订单号',
  '用户标识',
  '交易类型',
  '交易状态',
  '付款银行',
  '货币种类',
  '总金额',
  '代金券或立减优惠金额',
  '微信退款单号',
  '商户退款单号',
  '退款金额',
  '代金券或立减优惠退款金额',
  '退款类型',
  '退款状态',
  '商品名称',
  '商户数据包',
  '手续费',
  '费率',
] as const;

export interface WechatLayout {
  layout: Extract<StatementLayout, `wechat-${string}`>;
  /** How people call it: the bill type in WeChat's download API. */
  title: string;
  columns: readonly string[];
  /** The column holding a payment's amount (应结订单金额, or 总金额 in the legacy layout). */
  settlementColumn: string;
  /** Which rows the layout may hold. */
  kinds: 'both' | 'payment' | 'refund';
}

export const WECHAT_LAYOUTS: readonly WechatLayout[] = [
  { layout: 'wechat-all', title: 'ALL', columns: ALL_COLUMNS, settlementColumn: '应结订单金额', kinds: 'both' },
  { layout: 'wechat-success', title: 'SUCCESS', columns: SUCCESS_COLUMNS, settlementColumn: '应结订单金额', kinds: 'payment' },
  { layout: 'wechat-refund', title: 'REFUND', columns: REFUND_COLUMNS, settlementColumn: '应结订单金额', kinds: 'refund' },
  { layout: 'wechat-legacy', title: 'legacy 24-column', columns: LEGACY_COLUMNS, settlementColumn: '总金额', kinds: 'both' },
];

/** Money columns of detail rows and how they are printed. */
export const WECHAT_MONEY_COLUMNS: Readonly<Record<string, { maxDecimals: number; allowNegative: boolean }>> = {
  应结订单金额: { maxDecimals: 2, allowNegative: false },
  总金额: { maxDecimals: 2, allowNegative: false },
  代金券金额: { maxDecimals: 2, allowNegative: false },
  代金券或立减优惠金额: { maxDecimals: 2, allowNegative: false },
  退款金额: { maxDecimals: 2, allowNegative: false },
  充值券退款金额: { maxDecimals: 2, allowNegative: false },
  代金券或立减优惠退款金额: { maxDecimals: 2, allowNegative: false },
  订单金额: { maxDecimals: 2, allowNegative: false },
  申请退款金额: { maxDecimals: 2, allowNegative: false },
  // 5 decimals, rounded to the fen, negative on refund rows (returned fee).
  手续费: { maxDecimals: 5, allowNegative: true },
};

/**
 * Summary header names → the detail column each one sums (or the row count). Totals are plain
 * column sums over payment and refund rows alike, which is what makes them checkable.
 */
export const WECHAT_SUMMARY_COLUMNS: Readonly<Record<string, string | 'count'>> = {
  总交易单数: 'count',
  应结订单总金额: '应结订单金额',
  总交易额: '总金额',
  退款总金额: '退款金额',
  总退款金额: '退款金额',
  充值券退款总金额: '充值券退款金额',
  总代金券或立减优惠退款金额: '代金券或立减优惠退款金额',
  手续费总金额: '手续费',
  订单总金额: '订单金额',
  申请退款总金额: '申请退款金额',
};

/** Header names every layout has: how a WeChat bill is told from other files. */
export const WECHAT_KEY_COLUMNS = ['交易时间', '微信订单号', '商户订单号'] as const;
export const WECHAT_SUMMARY_FIRST_COLUMN = '总交易单数';

export type LayoutMatch = { ok: true; layout: WechatLayout } | { ok: false; closest: WechatLayout; unknown: string[]; missing: string[] };

/** The layout whose header names are exactly these (in any order), else the closest one and the differences. */
export function matchWechatLayout(names: readonly string[]): LayoutMatch {
  let best: { layout: WechatLayout; unknown: string[]; missing: string[] } | undefined;
  for (const layout of WECHAT_LAYOUTS) {
    const unknown = names.filter((n) => !layout.columns.includes(n));
    const missing = layout.columns.filter((c) => !names.includes(c));
    if (unknown.length === 0 && missing.length === 0 && names.length === layout.columns.length) return { ok: true, layout };
    if (!best || unknown.length + missing.length < best.unknown.length + best.missing.length) best = { layout, unknown, missing };
  }
  const b = best as NonNullable<typeof best>;
  return { ok: false, closest: b.layout, unknown: b.unknown, missing: b.missing };
}
