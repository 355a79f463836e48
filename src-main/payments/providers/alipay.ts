import { DepotError } from '../../kernel/errors';
import { AlipaySigner, chinaTime, fromChinaTime, type AlipayCredentials } from './alipay-crypto';
import { exchange, NoAnswer, type ByteAnswer } from './gateway-http';
import {
  ProviderRefused,
  ProviderUnknown,
  type CloseResult,
  type ConnectionTest,
  type CreatePaymentInput,
  type CreatePaymentResult,
  type Notification,
  type PaymentFact,
  type PaymentProvider,
  type QueryResult,
  type RefundInput,
  type RefundQueryResult,
  type RefundResult,
  type StatementDownload,
  type TradeState,
} from './types';

export { loadAlipayCredentials, ALIPAY_GATEWAY, chinaTime, type AlipayCredentials } from './alipay-crypto';

/**
 * Alipay OpenAPI (当面付 precreate: a QR code the customer scans) behind PaymentProvider.
 * docs/payments.md "Alipay" for the set-up; the signing itself is alipay-crypto.ts (alipay-sdk).
 *
 * Every request is RSA2-signed with the app private key; every answer is believed only once its
 * `sign` verifies with the Alipay public key. Outcomes: code 10000 is a success; a signed 40004
 * whose sub_code is one the method documents as a definite "no" is a refusal (ProviderRefused
 * with Alipay's sub_code); the gateway's own parameter, signature and permission errors (20001,
 * 40001, 40002, 40006) are refusals even unsigned, because Alipay answers them before any
 * business is attempted and does not sign them. Everything else is ProviderUnknown: a timeout, a
 * reset, a non-200, an answer whose signature does not verify, 20000 / ACQ.SYSTEM_ERROR, and any
 * sub_code not listed below, so the caller queries before it tries again.
 *
 * Amounts go out as yuan text made from integer fen (1234 → "12.34") and come back through the
 * same exact parse; times are Beijing wall-clock text both ways. A precreated QR code that nobody
 * has scanned is not a trade yet: query answers ACQ.TRADE_NOT_EXIST (NOTPAY) and close answers
 * the same, which counts as closed because the QR's time_expire is the order's own expiry and the
 * timeout closes the order at that expiry, so the code cannot be paid after it.
 */

const NAME = 'alipay';
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;
/** A month of a busy depot's bills is far below this; a larger download is not a bill. */
const MAX_BILL_BYTES = 256 * 1024 * 1024;

const PRECREATE = 'alipay.trade.precreate';
const QUERY = 'alipay.trade.query';
const CLOSE = 'alipay.trade.close';
const REFUND = 'alipay.trade.refund';
const REFUND_QUERY = 'alipay.trade.fastpay.refund.query';
const BILL_URL = 'alipay.data.dataservice.bill.downloadurl.query';

/** Answered by the gateway itself before the business: a definite no, signed or not. */
const GATEWAY_REFUSALS = new Set(['20001', '40001', '40002', '40006']);

/**
 * Per method, the 40004 sub_codes the method handles: either a definite "no" or a fact it maps
 * (ACQ.TRADE_NOT_EXIST, ACQ.TRADE_STATUS_ERROR, isp.bill_not_exist). Any other sub_code is unknown.
 */
const KNOWN_SUB_CODES: Record<string, ReadonlySet<string>> = {
  [PRECREATE]: new Set([
    'ACQ.ACCESS_FORBIDDEN', 'ACQ.EXIST_FORBIDDEN_WORD', 'ACQ.PARTNER_ERROR', 'ACQ.TOTAL_FEE_EXCEED', 'ACQ.INVALID_PARAMETER',
    'ACQ.TRADE_HAS_CLOSE', 'ACQ.SELLER_BEEN_BLOCKED', 'ACQ.INVALID_STORE_ID', 'ACQ.TRADE_HAS_SUCCESS', 'ACQ.CONTEXT_INCONSISTENT',
  ]), // prettier-ignore
  [QUERY]: new Set(['ACQ.TRADE_NOT_EXIST', 'ACQ.INVALID_PARAMETER']),
  [CLOSE]: new Set(['ACQ.TRADE_NOT_EXIST', 'ACQ.TRADE_STATUS_ERROR', 'ACQ.INVALID_PARAMETER']),
  [REFUND]: new Set([
    'ACQ.TRADE_NOT_EXIST', 'ACQ.TRADE_STATUS_ERROR', 'ACQ.SELLER_BALANCE_NOT_ENOUGH', 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL',
    'ACQ.REASON_TRADE_BEEN_FREEZEN', 'ACQ.TRADE_HAS_FINISHED', 'ACQ.REFUND_FEE_ERROR', 'ACQ.DISCORDANT_REPEAT_REQUEST',
    'ACQ.REASON_TRADE_REFUND_FEE_ERR', 'ACQ.TRADE_NOT_ALLOW_REFUND', 'ACQ.INVALID_PARAMETER', 'ACQ.ONLINE_TRADE_VOUCHER_NOT_ALLOW_REFUND',
  ]), // prettier-ignore
  [REFUND_QUERY]: new Set(['ACQ.TRADE_NOT_EXIST', 'ACQ.INVALID_PARAMETER']),
  [BILL_URL]: new Set(['isp.bill_not_exist', 'isv.invalid-arguments', 'isv.invalid_arguments']),
};

/** trade_status → ours. TRADE_CLOSED is either never paid or paid and fully refunded: see tradeState. */
const TRADE_STATES: Record<string, TradeState> = {
  WAIT_BUYER_PAY: 'NOTPAY',
  TRADE_SUCCESS: 'SUCCESS',
  TRADE_FINISHED: 'SUCCESS',
  TRADE_CLOSED: 'CLOSED',
};
const PAID_STATUSES = new Set(['TRADE_SUCCESS', 'TRADE_FINISHED']);

/** Integer fen as Alipay's yuan text with two decimals, exactly: 1234 → "12.34". */
export function yuanOf(fen: number): string {
  if (!Number.isSafeInteger(fen) || fen <= 0) throw new DepotError('invalid_input', `${NAME}: an amount must be a positive whole number of fen (got ${fen})`, { field: 'amountFen' }); // prettier-ignore
  return `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
}

/** Alipay's yuan text ("88.8", "88.88", "88") as integer fen, or null when it is not an amount. */
export function fenOf(text: unknown): number | null {
  const m = typeof text === 'string' ? /^(\d{1,12})(?:\.(\d{1,2}))?$/.exec(text) : null;
  return m ? Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0')) : null;
}

interface Answer {
  /** The xxx_response object. */
  node: Record<string, unknown>;
  code: string;
  /** sub_code without Alipay's occasional "aop." prefix; '' on success. */
  subCode: string;
  message: string;
  body: string;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return isRecord(v) ? v : null;
  } catch {
    return null;
  }
}

/** A form-encoded notification as one value per name; a repeated name makes it garbled, not half-read. */
function formParams(body: string): Record<string, string> | null {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(body)) {
    if (Object.hasOwn(out, k)) return null;
    out[k] = v;
  }
  return out;
}

export class AlipayProvider implements PaymentProvider {
  readonly name = NAME;
  readonly channel = 'alipay' as const;
  private readonly signer: AlipaySigner;

  constructor(private readonly cr: AlipayCredentials) {
    this.signer = new AlipaySigner(cr);
  }

  private async send(what: string, url: URL, body: string, maxBytes: number): Promise<ByteAnswer> {
    const headers: Record<string, string> = { 'User-Agent': 'DepotDesk (alipay-sdk signing)' };
    if (body) headers['Content-Type'] = 'application/x-www-form-urlencoded;charset=utf-8';
    try {
      return await exchange({ method: body ? 'POST' : 'GET', url, headers, body, timeoutMs: this.cr.timeoutMs, ca: this.cr.ca, maxBytes });
    } catch (e) {
      if (e instanceof NoAnswer) throw new ProviderUnknown(NAME, `${what}: ${e.message}`);
      throw e;
    }
  }

  /**
   * One signed call. Resolves with a verified answer whose code is 10000 or a 40004 the method
   * knows (KNOWN_SUB_CODES); throws ProviderRefused for the gateway's own refusals and
   * ProviderUnknown for everything else.
   */
  private async call(what: string, method: string, biz: Record<string, unknown>, notify = false): Promise<Answer> {
    const form = this.signer.form(method, biz, Date.now(), notify ? this.cr.notifyUrl : undefined);
    const a = await this.send(what, this.cr.gateway, form, MAX_ANSWER_BYTES);
    if (a.status !== 200) throw new ProviderUnknown(NAME, `${what}: the gateway answered HTTP ${a.status}`);
    const body = a.bytes.toString('utf8');
    const json = parseJson(body);
    const own = `${method.replaceAll('.', '_')}_response`;
    const key = isRecord(json?.[own]) ? own : 'error_response';
    const node = json?.[key];
    if (!json || !isRecord(node)) throw new ProviderUnknown(NAME, `${what}: the answer is not an Alipay answer`);
    const answer: Answer = { node, code: str(node.code), subCode: str(node.sub_code).replace(/^aop\./, ''), message: str(node.sub_msg) || str(node.msg), body }; // prettier-ignore
    const label = `code ${answer.code}${answer.subCode ? ` ${answer.subCode}` : ''}`;
    const sign = str(json.sign);
    if (!this.signer.answerVerifies(body, key, sign)) {
      if (!sign && GATEWAY_REFUSALS.has(answer.code)) throw this.refused(what, answer);
      throw new ProviderUnknown(NAME, `${what}: answer (${label}) not believed: ${sign ? 'its signature does not verify with the Alipay public key' : 'it is unsigned'}`); // prettier-ignore
    }
    if (answer.code === '10000') return answer;
    if (GATEWAY_REFUSALS.has(answer.code)) throw this.refused(what, answer);
    if (answer.code === '40004' && KNOWN_SUB_CODES[method]?.has(answer.subCode)) return answer;
    throw new ProviderUnknown(NAME, `${what}: the gateway answered ${label}${answer.message ? ` (${answer.message})` : ''}`);
  }

  private refused(what: string, a: Answer): ProviderRefused {
    return new ProviderRefused(NAME, a.subCode || a.code, `${what}: ${a.message || 'refused'}`);
  }

  /** A payment fact from a paid trade (query answer or notification), or what is wrong with it. */
  private fact(t: Record<string, unknown>, paidAtField: 'send_pay_date' | 'gmt_payment', raw: string): PaymentFact | string {
    const amountFen = fenOf(t.total_amount);
    const paidAt = fromChinaTime(t[paidAtField]);
    if (typeof t.out_trade_no !== 'string' || !t.out_trade_no || typeof t.trade_no !== 'string' || !t.trade_no) return 'out_trade_no or trade_no is missing';
    if (amountFen === null || amountFen <= 0) return `total_amount ${JSON.stringify(t.total_amount)} is not an amount in yuan`;
    if (Number.isNaN(paidAt)) return `${paidAtField} is missing or not a time`;
    return { channel: 'alipay', orderNumber: t.out_trade_no, providerTradeNo: t.trade_no, amountFen, paidAt, raw };
  }

  async createPayment(input: CreatePaymentInput): Promise<CreatePaymentResult> {
    const what = `create payment ${input.orderNumber}`;
    const a = await this.call(
      what,
      PRECREATE,
      { out_trade_no: input.orderNumber, total_amount: yuanOf(input.amountFen), subject: input.description.slice(0, 256), time_expire: chinaTime(input.expiresAt) }, // prettier-ignore
      true,
    );
    if (a.code !== '10000') {
      // The order number is taken at the gateway and may have been paid: query, never cancel on it.
      if (a.subCode === 'ACQ.TRADE_HAS_SUCCESS' || a.subCode === 'ACQ.CONTEXT_INCONSISTENT') throw new ProviderUnknown(NAME, `${what}: the gateway already has this order (${a.subCode})`); // prettier-ignore
      throw this.refused(what, a);
    }
    const codeUrl = str(a.node.qr_code);
    if (!codeUrl) throw new ProviderUnknown(NAME, `${what}: the answer has no qr_code`);
    if (str(a.node.out_trade_no) && a.node.out_trade_no !== input.orderNumber) throw new ProviderUnknown(NAME, `${what}: the answer is about order ${str(a.node.out_trade_no)}`); // prettier-ignore
    return { codeUrl };
  }

  async query(orderNumber: string): Promise<QueryResult> {
    const what = `query ${orderNumber}`;
    const a = await this.call(what, QUERY, { out_trade_no: orderNumber });
    // A precreated QR code becomes a trade only when scanned: until then there is nothing paid.
    if (a.subCode === 'ACQ.TRADE_NOT_EXIST') return { state: 'NOTPAY', payment: null };
    if (a.code !== '10000') throw this.refused(what, a);
    const t = a.node;
    if (t.out_trade_no !== orderNumber) throw new ProviderUnknown(NAME, `${what}: the answer is about order ${str(t.out_trade_no)}`);
    let state = TRADE_STATES[str(t.trade_status)];
    if (!state) throw new ProviderUnknown(NAME, `${what}: unknown trade_status ${JSON.stringify(t.trade_status)}`);
    // TRADE_CLOSED covers "timed out unpaid" and "paid, then fully refunded"; only the latter has a payment date.
    if (state === 'CLOSED' && str(t.send_pay_date)) state = 'REFUND';
    if (state !== 'SUCCESS' && state !== 'REFUND') return { state, payment: null };
    const fact = this.fact(t, 'send_pay_date', a.body);
    if (typeof fact === 'string') throw new ProviderUnknown(NAME, `${what}: paid, but ${fact}`);
    return { state, payment: fact };
  }

  /**
   * alipay.trade.close, so the QR code can no longer be paid. Paid meanwhile
   * (ACQ.TRADE_STATUS_ERROR): the order is queried and its payment returned for booking instead
   * of a cancel. ACQ.TRADE_NOT_EXIST (never scanned) counts as closed: see the module comment.
   */
  async close(orderNumber: string): Promise<CloseResult> {
    const what = `close ${orderNumber}`;
    const a = await this.call(what, CLOSE, { out_trade_no: orderNumber });
    if (a.code === '10000' || a.subCode === 'ACQ.TRADE_NOT_EXIST') return { state: 'CLOSED', payment: null };
    if (a.subCode !== 'ACQ.TRADE_STATUS_ERROR') throw this.refused(what, a);
    const q = await this.query(orderNumber);
    if (q.state === 'CLOSED') return { state: 'CLOSED', payment: null };
    if (!q.payment) throw new ProviderUnknown(NAME, `${what}: the gateway will not close it (ACQ.TRADE_STATUS_ERROR) but its query says ${q.state}`);
    return { state: q.state === 'REFUND' ? 'REFUND' : 'SUCCESS', payment: q.payment };
  }

  /**
   * alipay.trade.refund with out_request_no = the refund task id, so a repeat refunds once.
   * fund_change Y is money returned by this call; N (a repeat, or not yet) is PROCESSING: query.
   */
  async refund(input: RefundInput): Promise<RefundResult> {
    const what = `refund ${input.idempotencyKey}`;
    const biz = { out_trade_no: input.orderNumber, refund_amount: yuanOf(input.amountFen), out_request_no: input.idempotencyKey, refund_reason: input.reason.slice(0, 256) }; // prettier-ignore
    const request = JSON.stringify({ method: REFUND, biz_content: biz });
    const a = await this.call(what, REFUND, biz);
    if (a.code !== '10000') throw this.refused(what, a);
    if (a.node.out_trade_no !== input.orderNumber) throw new ProviderUnknown(NAME, `${what}: the answer is about order ${str(a.node.out_trade_no)}`);
    return { status: a.node.fund_change === 'Y' ? 'SUCCESS' : 'PROCESSING', providerRefundNo: str(a.node.trade_no), request, response: a.body };
  }

  /**
   * alipay.trade.fastpay.refund.query. Alipay's rule: refund_status REFUND_SUCCESS is done; an
   * answer without the refund means the refund was never taken (safe to send again with the same
   * out_request_no); a refund shown without REFUND_SUCCESS is still under way.
   */
  async queryRefund(idempotencyKey: string, orderNumber: string): Promise<RefundQueryResult> {
    const what = `query refund ${idempotencyKey}`;
    const biz = { out_trade_no: orderNumber, out_request_no: idempotencyKey, query_options: ['gmt_refund_pay'] };
    const request = JSON.stringify({ method: REFUND_QUERY, biz_content: biz });
    const a = await this.call(what, REFUND_QUERY, biz);
    const notFound: RefundQueryResult = { status: 'NOT_FOUND', providerRefundNo: null, request, response: a.body };
    if (a.subCode === 'ACQ.TRADE_NOT_EXIST') return notFound;
    if (a.code !== '10000') throw this.refused(what, a);
    if (!str(a.node.out_request_no) && !str(a.node.refund_amount)) return notFound;
    if (a.node.out_request_no !== idempotencyKey || (str(a.node.out_trade_no) && a.node.out_trade_no !== orderNumber)) {
      throw new ProviderUnknown(NAME, `${what}: the answer is about refund ${str(a.node.out_request_no)} of order ${str(a.node.out_trade_no)}`);
    }
    const status = a.node.refund_status === 'REFUND_SUCCESS' ? 'SUCCESS' : 'PROCESSING';
    return { status, providerRefundNo: str(a.node.trade_no) || null, request, response: a.body };
  }

  /** 异步通知: a form-encoded POST. Signature first, then our app id, then the payment; the body is kept as `raw`. */
  parseNotification(n: Notification): PaymentFact {
    const p = formParams(n.body);
    if (!p || !p.sign) throw new DepotError('refused', `${NAME}: notification is unsigned or garbled; ignored`, { field: 'sign' });
    if (!this.signer.notificationVerifies(p)) {
      throw new DepotError('refused', `${NAME}: notification signature does not verify with the Alipay public key; ignored`, { field: 'sign' });
    }
    if (p.app_id !== this.cr.appId) throw new DepotError('refused', `${NAME}: notification is for app ${p.app_id ?? '(none)'}, not ${this.cr.appId}; ignored`, { field: 'app_id' }); // prettier-ignore
    if (!PAID_STATUSES.has(p.trade_status ?? '')) {
      throw new DepotError('invalid_input', `${NAME}: notification trade_status ${p.trade_status ?? '(none)'} is not a payment`, { field: 'trade_status' });
    }
    const fact = this.fact(p, 'gmt_payment', n.body);
    if (typeof fact === 'string') throw new DepotError('invalid_input', `${NAME}: notification refused: ${fact}`, { field: 'body' });
    return fact;
  }

  /**
   * The trade bill (业务明细, bill_type trade) of one Beijing day: its download link, then the ZIP
   * itself (the link lives 30 s, so it is fetched at once). Null when Alipay has no bill for the
   * day (isp.bill_not_exist). A day's bill is only offered from the next morning (Beijing time).
   */
  async downloadStatement(day: string): Promise<StatementDownload | null> {
    if (!/^\d{4}-\d\d-\d\d$/.test(day)) throw new DepotError('invalid_input', `${NAME}: a bill day is yyyy-MM-dd (got ${JSON.stringify(day)})`, { field: 'day' });
    const what = `bill of ${day}`;
    const a = await this.call(what, BILL_URL, { bill_type: 'trade', bill_date: day });
    if (a.subCode === 'isp.bill_not_exist') return null;
    if (a.code !== '10000') throw this.refused(what, a);
    let url: URL;
    try {
      url = new URL(str(a.node.bill_download_url));
    } catch {
      throw new ProviderUnknown(NAME, `${what}: the answer has no bill_download_url`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ProviderUnknown(NAME, `${what}: bill_download_url is not a web address`);
    const got = await this.send(`${what}: download`, url, '', MAX_BILL_BYTES);
    if (got.status !== 200) throw new ProviderUnknown(NAME, `${what}: the download answered HTTP ${got.status}`);
    // A ZIP opens with a local file header; anything else (an HTML error page) is not the bill.
    if (got.bytes.length < 4 || got.bytes.readUInt32LE(0) !== 0x04034b50) throw new ProviderUnknown(NAME, `${what}: the download is not a ZIP archive`);
    return { fileName: `alipay_trade_${this.cr.appId}_${day.replaceAll('-', '')}.zip`, bytes: got.bytes };
  }

  /** A signed query for an order number that cannot exist: proves our signature, the app id and Alipay's signature. */
  async testConnection(): Promise<ConnectionTest> {
    const probe = `DEPOTDESK-TEST-${Date.now()}`;
    const a = await this.call('test connection', QUERY, { out_trade_no: probe });
    if (a.code !== '10000' && a.subCode !== 'ACQ.TRADE_NOT_EXIST') throw this.refused('test connection', a);
    return { detail: `Alipay accepted our signed query for ${probe} (answer ${a.subCode || a.code}) and its answer verified with the Alipay public key` };
  }
}
