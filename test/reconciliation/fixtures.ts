import { crc32, deflateRawSync, gzipSync } from 'node:zlib';
import Decimal from 'decimal.js';
import iconv from 'iconv-lite';

/**
 * Statement files built to the layouts in ../shared/formats/payment-statements.md, as real bytes.
 * The header lines are copied from that document, not from the importer, so a test compares the
 * importer with the documented format rather than with itself.
 */

// ───────────────────────────── WeChat Pay trade bill ─────────────────────────────

export const WECHAT_HEADERS = {
  all: '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注',
  success:
    '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,商品名称,商户数据包,手续费,费率,订单金额,费率备注',
  refund:
    '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,退款申请时间,退款成功时间,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注',
  legacy:
    '交易时间,公众账号ID,商户号,子商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,总金额,代金券或立减优惠金额,微信退款单号,商户退款单号,退款金额,代金券或立减优惠退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率',
} as const;
export type WechatKind = keyof typeof WECHAT_HEADERS;

const SUMMARY_HEADER = '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额';
const LEGACY_SUMMARY_HEADER = '总交易单数,总交易额,总退款金额,总代金券或立减优惠退款金额,手续费总金额';

/** A detail row by header name; anything not given is filled in as the doc describes. */
export type WechatRow = Partial<Record<string, string>>;

export const MCH_ID = '1900000109';

export function wechatPayment(over: WechatRow = {}): WechatRow {
  const amount = over['应结订单金额'] ?? over['总金额'] ?? '100.00';
  return {
    交易时间: '2024-03-01 09:15:00',
    公众账号ID: 'wx2421b1c4370ec43b',
    商户号: MCH_ID,
    特约商户号: '0',
    子商户号: '0',
    设备号: '',
    微信订单号: '4200001234202403011234567890',
    商户订单号: 'DD20240301000001',
    用户标识: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
    交易类型: 'JSAPI',
    交易状态: 'SUCCESS',
    付款银行: 'OTHERS',
    货币种类: 'CNY',
    应结订单金额: amount,
    总金额: amount,
    代金券金额: '0.00',
    代金券或立减优惠金额: '0.00',
    微信退款单号: '0',
    商户退款单号: '0',
    退款金额: '0.00',
    充值券退款金额: '0.00',
    代金券或立减优惠退款金额: '0.00',
    退款类型: '',
    退款状态: '',
    商品名称: '充电费',
    商户数据包: '',
    手续费: '0.60000',
    费率: '0.60%',
    订单金额: amount,
    申请退款金额: '0.00',
    费率备注: '',
    退款申请时间: '',
    退款成功时间: '',
    ...over,
  };
}

export function wechatRefund(over: WechatRow = {}): WechatRow {
  const refund = over['退款金额'] ?? '30.00';
  return wechatPayment({
    交易时间: '2024-03-01 18:00:00',
    交易状态: 'REFUND',
    应结订单金额: '0.00',
    订单金额: '0.00',
    微信退款单号: '50300000012024030112345678901',
    商户退款单号: 'RF20240301000001',
    退款金额: refund,
    申请退款金额: refund,
    退款类型: 'ORIGINAL',
    退款状态: 'SUCCESS',
    手续费: '-0.18000',
    退款申请时间: '2024-03-01 18:00:00',
    退款成功时间: '2024-03-01 18:00:05',
    ...over,
  });
}

export interface WechatBillSpec {
  kind?: WechatKind;
  rows: WechatRow[];
  /** Summary values to print instead of the computed ones, by summary header name. */
  summary?: Partial<Record<string, string>>;
  /** Replace the header line (a renamed or reordered column). */
  header?: string;
  eol?: '\r\n' | '\n';
  bom?: boolean;
}

/** A value as a number for the fixture's own sums; a deliberately broken one counts as 0. */
function yuan(v: string | undefined): Decimal {
  try {
    return new Decimal(v === undefined || v === '' ? 0 : v);
  } catch {
    return new Decimal(0);
  }
}

function wechatSummary(spec: WechatBillSpec, names: string[]): { header: string; values: string[] } {
  const kind = spec.kind ?? 'all';
  const header = kind === 'legacy' ? LEGACY_SUMMARY_HEADER : SUMMARY_HEADER;
  const sum = (col: string) => spec.rows.reduce((s, r) => s.plus(names.includes(col) ? yuan(r[col]) : 0), new Decimal(0));
  const computed: Record<string, string> = {
    总交易单数: String(spec.rows.length),
    应结订单总金额: sum('应结订单金额').toFixed(2),
    总交易额: sum('总金额').toFixed(2),
    退款总金额: sum('退款金额').toFixed(2),
    总退款金额: sum('退款金额').toFixed(2),
    充值券退款总金额: sum('充值券退款金额').toFixed(2),
    总代金券或立减优惠退款金额: sum('代金券或立减优惠退款金额').toFixed(2),
    手续费总金额: sum('手续费').toFixed(5),
    订单总金额: sum('订单金额').toFixed(2),
    申请退款总金额: sum('申请退款金额').toFixed(2),
  };
  const values = header.split(',').map((n) => spec.summary?.[n] ?? computed[n]);
  return { header, values };
}

/** The bill as text: header, backticked rows, summary header, backticked summary line. */
export function wechatText(spec: WechatBillSpec): string {
  const header = spec.header ?? WECHAT_HEADERS[spec.kind ?? 'all'];
  const names = header.split(',');
  const eol = spec.eol ?? '\r\n';
  const lines = [header];
  for (const row of spec.rows) lines.push('`' + names.map((n) => row[n] ?? '').join(',`'));
  const summary = wechatSummary(spec, names);
  lines.push(summary.header, '`' + summary.values.join(',`'));
  return (spec.bom ? '\uFEFF' : '') + lines.join(eol) + eol;
}

export function wechatBytes(spec: WechatBillSpec, encoding: 'utf-8' | 'gbk' = 'utf-8'): Buffer {
  const text = wechatText(spec);
  return encoding === 'utf-8' ? Buffer.from(text, 'utf8') : iconv.encode(text, 'gbk');
}

export function gzip(bytes: Buffer): Buffer {
  return gzipSync(bytes);
}

// ───────────────────────────── Alipay 业务明细 ─────────────────────────────

export const ALIPAY_HEADER =
  '支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注';

export interface AlipayRow {
  tradeNo: string;
  orderNo: string;
  type: '交易' | '退款';
  product?: string;
  created?: string;
  finished?: string;
  payer?: string;
  orderAmount: string;
  received: string;
  discount?: string;
  refundNo?: string;
  fee?: string;
  /** Print this instead of the tab-suffixed product (to test quoting). */
  rawProduct?: string;
}

export const ALIPAY_ACCOUNT = '20881234567890120156';
export const ALIPAY_PID = '2088123456789012';

export function alipayPayment(over: Partial<AlipayRow> = {}): AlipayRow {
  return {
    tradeNo: '2024030122001400001234567890',
    orderNo: 'DD20240301000002',
    type: '交易',
    product: '充电费',
    created: '2024-03-01 10:00:00',
    finished: '2024-03-01 10:00:03',
    payer: '**明(138****5678)',
    orderAmount: '200.00',
    received: '200.00',
    discount: '0.00',
    fee: '-1.20',
    ...over,
  };
}

export function alipayRefund(over: Partial<AlipayRow> = {}): AlipayRow {
  return alipayPayment({
    type: '退款',
    created: '2024-03-01 20:00:00',
    finished: '2024-03-01 20:00:02',
    orderAmount: '-50.00',
    received: '-50.00',
    refundNo: 'RF20240301000002',
    fee: '0.30',
    ...over,
  });
}

const T = '\t';

function alipayLine(r: AlipayRow): string {
  const text = (v: string | undefined) => `${v ?? ''}${T}`;
  const product = r.rawProduct ?? text(r.product);
  return [
    text(r.tradeNo),
    text(r.orderNo),
    text(r.type),
    product,
    text(r.created),
    text(r.finished),
    text(''),
    text(''),
    text(''),
    text(''),
    text(r.payer),
    r.orderAmount,
    r.received,
    '0.00',
    '0.00',
    '0.00',
    r.discount ?? '0.00',
    '0.00',
    text(''),
    '0.00',
    '0.00',
    text(r.refundNo),
    r.fee ?? '',
    '0.00',
    text(''),
  ].join(',');
}

export interface AlipaySpec {
  rows: AlipayRow[];
  /** Footer lines to print instead of the computed ones; null leaves the line out. */
  paymentsFooter?: string | null;
  refundsFooter?: string | null;
  /** Stop after this many lines (a truncated download). */
  keepLines?: number;
}

function sumOf(rows: AlipayRow[], pick: (r: AlipayRow) => string | undefined): string {
  return rows.reduce((s, r) => s.plus(yuan(pick(r))), new Decimal(0)).toFixed(2);
}

export function alipayText(spec: AlipaySpec): string {
  const pays = spec.rows.filter((r) => r.type === '交易');
  const refunds = spec.rows.filter((r) => r.type === '退款');
  const paymentsFooter = `#交易合计：${pays.length}笔，商家实收共${sumOf(pays, (r) => r.received)}元，商家优惠共${sumOf(pays, (r) => r.discount)}元`;
  const refundsFooter = `#退款合计：${refunds.length}笔，商家实收退款共${sumOf(refunds, (r) => r.received)}元，商家优惠退款共${sumOf(refunds, (r) => r.discount)}元`;
  const lines = [
    '#支付宝业务明细查询',
    `#账号：[${ALIPAY_ACCOUNT}]`,
    '#起始日期：[2024年03月01日 00:00:00]   终止日期：[2024年03月02日 00:00:00]',
    '#-----------------------------------------业务明细列表----------------------------------------',
    ALIPAY_HEADER,
    ...spec.rows.map(alipayLine),
    '#-----------------------------------------业务明细列表结束------------------------------------',
    spec.paymentsFooter === undefined ? paymentsFooter : spec.paymentsFooter,
    spec.refundsFooter === undefined ? refundsFooter : spec.refundsFooter,
    '#导出时间：[2024年03月02日 09:30:12]',
  ].filter((l): l is string => l !== null);
  const kept = spec.keepLines === undefined ? lines : lines.slice(0, spec.keepLines);
  return kept.join('\r\n') + '\r\n';
}

/** GB18030 bytes, as Alipay serves them. */
export function alipayBytes(spec: AlipaySpec): Buffer {
  return iconv.encode(alipayText(spec), 'gb18030');
}

export const ALIPAY_DETAIL_NAME = `${ALIPAY_PID}0156_20240301_业务明细.csv`;
export const ALIPAY_SUMMARY_NAME = `${ALIPAY_PID}0156_20240301_业务明细(汇总).csv`;

// ───────────────────────────── a minimal ZIP writer ─────────────────────────────

export interface ZipEntrySpec {
  name: string;
  data: Buffer;
  /** How the name is stored: GBK bytes without the UTF-8 flag (Alipay's way), or UTF-8 with it. */
  nameEncoding?: 'gbk' | 'utf-8';
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
}
function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}

/** Deflated entries, a central directory and its end record: what a ZIP reader needs, no more. */
export function zip(entries: ZipEntrySpec[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const utf8 = e.nameEncoding === 'utf-8';
    const name = utf8 ? Buffer.from(e.name, 'utf8') : iconv.encode(e.name, 'gbk');
    const packed = deflateRawSync(e.data);
    const common = [
      u16(20),
      u16(utf8 ? 0x800 : 0),
      u16(8),
      u16(0x4800),
      u16(0x5861),
      u32(crc32(e.data)),
      u32(packed.length),
      u32(e.data.length),
      u16(name.length),
      u16(0),
    ];
    const local = Buffer.concat([u32(0x04034b50), ...common, name, packed]);
    centrals.push(Buffer.concat([u32(0x02014b50), u16(20), ...common, u16(0), u16(0), u16(0), u32(0), u32(offset), name]));
    locals.push(local);
    offset += local.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.concat([u32(0x06054b50), u16(0), u16(0), u16(entries.length), u16(entries.length), u32(cd.length), u32(offset), u16(0)]);
  return Buffer.concat([...locals, cd, end]);
}

export function alipayZip(detail: Buffer, opts: { nameEncoding?: 'gbk' | 'utf-8' } = {}): Buffer {
  const summary = iconv.encode('#支付宝业务明细查询(汇总)\r\n', 'gb18030');
  return zip([
    { name: ALIPAY_DETAIL_NAME, data: detail, nameEncoding: opts.nameEncoding },
    { name: ALIPAY_SUMMARY_NAME, data: summary, nameEncoding: opts.nameEncoding },
  ]);
}
