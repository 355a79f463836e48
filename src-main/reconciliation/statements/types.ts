import { DepotError } from '../../kernel/errors';

/** The normalized shape every statement importer produces; reconciliation matches on nothing else. */

export type StatementChannel = 'wechat' | 'alipay' | 'generic';

export type StatementLayout = 'wechat-all' | 'wechat-success' | 'wechat-refund' | 'wechat-legacy' | 'alipay-business' | 'generic-csv';

export type StatementRowKind = 'payment' | 'refund';

export interface StatementRow {
  /** 1-based line the row starts on in the decoded text (for a ZIP: in its 业务明细 entry). */
  line: number;
  kind: StatementRowKind;
  /** 微信订单号 / 支付宝交易号 (refund rows carry the original payment's). */
  gatewayTradeNo: string;
  /** 商户订单号: our order number. */
  merchantOrderNo: string;
  /** Refund rows: 商户退款单号 (WeChat) or 退款批次号/请求号 (Alipay). */
  merchantRefundNo: string | undefined;
  /** Refund rows: 微信退款单号 (WeChat only). */
  gatewayRefundNo: string | undefined;
  /**
   * Integer fen, as the file states it. Payments: WeChat 应结订单金额 (legacy 总金额), Alipay 商家实收.
   * Refunds: WeChat 退款金额 (positive), Alipay 商家实收 (negative), generic as printed.
   */
  amountFen: number;
  /** WeChat 订单金额 / Alipay 订单金额 where the layout has it (before merchant-funded coupons). */
  orderAmountFen: number | undefined;
  /** 手续费 / 服务费 in integer fen, sign as printed (WeChat: negative on refund rows). */
  feeFen: number;
  /** Epoch ms. WeChat 交易时间, Alipay 完成时间 (else 创建时间); printed in China time (+08:00). */
  time: number;
  /** REFUND layout only: 退款申请时间 and 退款成功时间 (epoch ms; undefined while PROCESSING). */
  refundRequestedAt: number | undefined;
  refundedAt: number | undefined;
  /** Payments: 交易状态 (SUCCESS). Refunds: 退款状态 (SUCCESS, PROCESSING, …). Alipay rows: SUCCESS. */
  status: string;
  /** 用户标识 (openid) / 对方账户 (masked), when present. */
  payer: string | undefined;
  /** 商品名称, when present. */
  product: string | undefined;
}

/** One figure of the file's own summary (footer), as printed, and what the rows add up to. */
export interface DeclaredFigure {
  label: string;
  printed: string;
  /** Integer fen for money, a count for counts. */
  value: number;
}

export interface StatementSummary {
  count: number;
  paymentCount: number;
  refundCount: number;
  /** Sum of payment rows' amountFen. */
  paymentTotalFen: number;
  /** Sum of refund rows' amountFen, as stated (WeChat positive, Alipay negative). */
  refundTotalFen: number;
  /** Money in minus money out: payments less the refunds' absolute amounts. */
  netFen: number;
  /** The file's summary line / footer figures, each already checked against the rows. */
  declared: DeclaredFigure[];
}

export interface StatementFees {
  /** Sum of every row's feeFen (WeChat: net of returned fees, like its 手续费总金额). */
  totalFen: number;
  paymentFeesFen: number;
  refundFeesFen: number;
  /** False where the channel's fee sign is not documented (Alipay 服务费): report it, do not reconcile on it. */
  reconcilable: boolean;
}

export interface Statement {
  channel: StatementChannel;
  layout: StatementLayout;
  /** Generic CSV: the mapping's name (the aggregator); otherwise the channel. */
  source: string;
  fileName: string;
  /** sha256 (hex) of the bytes as given: the gzip or ZIP itself, not its content. */
  fileSha256: string;
  compression: 'none' | 'gzip' | 'zip';
  /** The ZIP entry that was read, decoded (GBK names). */
  entryName: string | undefined;
  encoding: 'utf-8' | 'gb18030';
  /** WeChat 商户号; Alipay #账号; generic: the caller's. '' when a file has neither rows nor header. */
  merchantId: string;
  /** China-time dates (yyyy-MM-dd) the statement covers: Alipay from its header; otherwise its rows' dates. */
  billDates: string[];
  /** Alipay 起始日期 / 终止日期 (epoch ms). */
  period: { start: number; end: number } | undefined;
  /** The rows; empty when a row sink took them as they were read (statements/detect.ts parseUnpacked). */
  rows: StatementRow[];
  summary: StatementSummary;
  fees: StatementFees;
  /** Things an accountant should know about this file that are not errors. */
  notes: string[];
}

/** Why a file was refused; `details.reason` of the DepotError. */
export type StatementProblem =
  | 'unknown_format'
  | 'unknown_header'
  | 'wrong_encoding'
  | 'truncated'
  | 'field_count'
  | 'bad_amount'
  | 'bad_time'
  | 'bad_value'
  | 'summary_mismatch'
  | 'merchant_mismatch'
  | 'bad_archive';

/** Where in which file a problem is; `line` is 1-based, absent when the problem is the file as a whole. */
export interface Place {
  file: string;
  line?: number;
}

/**
 * The one way a statement is refused: `invalid_input` (the file is the input), a message naming the
 * file and line and what is wrong, and details a program can branch on.
 */
export function refuse(place: Place, reason: StatementProblem, message: string, extra: Record<string, unknown> = {}): DepotError {
  const where = place.line === undefined ? place.file : `${place.file} line ${place.line}`;
  return new DepotError('invalid_input', `${where}: ${message}`, {
    field: place.line === undefined ? 'file' : `line ${place.line}`,
    file: place.file,
    line: place.line,
    reason,
    ...extra,
  });
}
