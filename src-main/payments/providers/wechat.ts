import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { DepotError } from '../../kernel/errors';
import { authorization, decryptResource, signatureProblem, type WechatCredentials } from './wechat-crypto';
import { httpsBytes, httpsExchange, NoAnswer, type HttpAnswer } from './wechat-http';
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

/**
 * WeChat Pay API v3 (直连商户, Native payment) behind PaymentProvider. docs/payments.md "WeChat
 * Pay (API v3)" for the set-up; the signing itself is wechat-crypto.ts.
 *
 * Every request is signed with the merchant key; every answer, error answers included, is
 * believed only once its Wechatpay-Signature verifies with the platform key (else the outcome is
 * unknown). Outcomes: a 2xx is a success; a signed 4xx is a refusal (ProviderRefused with
 * WeChat's code), except the codes that say the order exists and may be paid (ORDERPAID,
 * OUT_TRADE_NO_USED on create), which are unknown so the caller queries; a 5xx, a timeout, a reset
 * or an unverified answer is ProviderUnknown.
 *
 * The trade bill (申请交易账单 → 下载账单): the signed, verified answer names the file and its SHA1;
 * the file itself comes unsigned (as WeChat Pay documents), so it is believed only when the SHA1
 * of the bill, unpacked from its gzip (the documented 原始账单(gzip需要解压缩)的摘要值), equals that
 * signed hash; anything else is an integrity_failed error and nothing is returned. The download
 * URL must be on the gateway's own host: our signed Authorization never goes anywhere else. No
 * trades that day (NO_STATEMENT_EXIST) is null; a bill not made yet (STATEMENT_CREATING, before
 * about 10:00 China time the next day) is an `unavailable` error with details.outcome
 * 'not_ready': try again later, like an unknown outcome.
 */

const NAME = 'wechatpay';

/** trade_state → ours. USERPAYING and PAYERROR are not paid (yet); REVOKED is closed. */
const TRADE_STATES: Record<string, TradeState> = {
  SUCCESS: 'SUCCESS',
  REFUND: 'REFUND',
  NOTPAY: 'NOTPAY',
  USERPAYING: 'NOTPAY',
  PAYERROR: 'NOTPAY',
  CLOSED: 'CLOSED',
  REVOKED: 'CLOSED',
};

/** WeChat Pay's time format: RFC 3339 in China time (+08:00), second precision. */
export function wechatTime(ms: number): string {
  return `${new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19)}+08:00`;
}

interface Transaction {
  mchid?: unknown;
  appid?: unknown;
  out_trade_no?: unknown;
  transaction_id?: unknown;
  trade_state?: unknown;
  success_time?: unknown;
  amount?: { total?: unknown };
}

interface Answer extends HttpAnswer {
  json: Record<string, unknown>;
  /** WeChat's error code on a 4xx ('' otherwise). */
  code: string;
  message: string;
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The bill is gzip; unpacked, a depot's day is a few MB at most: anything larger is not a bill (or a gzip bomb). */
const MAX_BILL_BYTES = 256 * 1024 * 1024;

/** Where a download_url may point: the gateway's main and backup API hosts, or the configured base (a test stub). */
const BILL_HOSTS = /^api2?\.mch\.weixin\.qq\.com$/;

/** A trade bill as StatementDownload, with the merchant it must be for (the importer refuses another). */
export interface WechatStatementDownload extends StatementDownload {
  merchantId: string;
}

/** "Not made yet, ask later": the same code as an unknown outcome (`unavailable`), told apart by details.outcome. */
export function statementNotReady(provider: string, day: string, providerCode: string, hint: string): DepotError {
  return new DepotError('unavailable', `${provider}: the statement of ${day} is not ready yet (${providerCode}): ${hint}; try again later`, {
    provider,
    providerCode,
    day,
    outcome: 'not_ready',
  });
}

function sha1Hex(bytes: Buffer): string {
  return createHash('sha1').update(bytes).digest('hex');
}

export class WechatPayProvider implements PaymentProvider {
  readonly name = NAME;
  readonly channel = 'wechat' as const;

  constructor(private readonly cr: WechatCredentials) {}

  /** One signed call; resolves with a verified 2xx or 4xx answer, throws ProviderUnknown otherwise. */
  private async call(what: string, method: 'GET' | 'POST', path: string, payload?: object): Promise<Answer> {
    const url = new URL(path, this.cr.baseUrl);
    const body = payload === undefined ? '' : JSON.stringify(payload);
    const headers: Record<string, string> = {
      Authorization: authorization(this.cr, method, url.pathname + url.search, body),
      Accept: 'application/json',
      'User-Agent': 'DepotDesk (wechatpay-axios-plugin signing)',
    };
    if (method === 'POST') headers['Content-Type'] = 'application/json';
    let a: HttpAnswer;
    try {
      a = await httpsExchange({ method, url, headers, body, timeoutMs: this.cr.timeoutMs, ca: this.cr.ca });
    } catch (e) {
      if (e instanceof NoAnswer) throw new ProviderUnknown(NAME, `${what}: ${e.message}`);
      throw e;
    }
    const json = parseJson(a.body) ?? {};
    if (a.status >= 500 || a.status < 200 || (a.status >= 300 && a.status < 400)) {
      throw new ProviderUnknown(NAME, `${what}: the gateway answered HTTP ${a.status} ${str(json.code)}`.trim());
    }
    const problem = signatureProblem(this.cr, a.headers, a.body);
    if (problem) throw new ProviderUnknown(NAME, `${what}: answer (HTTP ${a.status}) not believed: ${problem}`);
    return { ...a, json, code: a.status >= 400 ? str(json.code) || `HTTP_${a.status}` : '', message: str(json.message) };
  }

  private refused(what: string, a: Answer): ProviderRefused {
    return new ProviderRefused(NAME, a.code, `${what}: ${a.message || `refused with HTTP ${a.status}`}`);
  }

  /** A payment fact from a transaction (query answer or decrypted notification), or what is wrong with it. */
  private fact(t: Transaction, raw: string): PaymentFact | string {
    const total = t.amount?.total;
    const paidAt = typeof t.success_time === 'string' ? Date.parse(t.success_time) : NaN;
    if (t.mchid !== undefined && t.mchid !== this.cr.mchid) return `it is for merchant ${str(t.mchid)}, not ${this.cr.mchid}`;
    if (t.appid !== undefined && t.appid !== this.cr.appid) return `it is for appid ${str(t.appid)}, not ${this.cr.appid}`;
    if (typeof t.out_trade_no !== 'string' || typeof t.transaction_id !== 'string' || !t.transaction_id) return 'out_trade_no or transaction_id is missing';
    if (typeof total !== 'number' || !Number.isSafeInteger(total) || total <= 0) return 'amount.total is not a positive number of fen';
    if (Number.isNaN(paidAt)) return 'success_time is missing or not a time';
    return { channel: 'wechat', orderNumber: t.out_trade_no, providerTradeNo: t.transaction_id, amountFen: total, paidAt, raw };
  }

  async createPayment(input: CreatePaymentInput): Promise<CreatePaymentResult> {
    const what = `create payment ${input.orderNumber}`;
    const a = await this.call(what, 'POST', '/v3/pay/transactions/native', {
      appid: this.cr.appid,
      mchid: this.cr.mchid,
      description: input.description.slice(0, 127),
      out_trade_no: input.orderNumber,
      time_expire: wechatTime(input.expiresAt),
      notify_url: this.cr.notifyUrl,
      amount: { total: input.amountFen, currency: 'CNY' },
    });
    if (a.status >= 400) {
      // The order number is taken at the gateway: its QR code may have been paid. Query, never cancel on it.
      if (a.code === 'ORDERPAID' || a.code === 'OUT_TRADE_NO_USED') throw new ProviderUnknown(NAME, `${what}: the gateway already has this order (${a.code})`);
      throw this.refused(what, a);
    }
    const codeUrl = str(a.json.code_url);
    if (!codeUrl) throw new ProviderUnknown(NAME, `${what}: the answer has no code_url`);
    return { codeUrl };
  }

  async query(orderNumber: string): Promise<QueryResult> {
    const what = `query ${orderNumber}`;
    const path = `/v3/pay/transactions/out-trade-no/${encodeURIComponent(orderNumber)}?mchid=${encodeURIComponent(this.cr.mchid)}`;
    const a = await this.call(what, 'GET', path);
    if (a.status >= 400) throw this.refused(what, a);
    const t = a.json as Transaction;
    const state = TRADE_STATES[str(t.trade_state)];
    if (!state) throw new ProviderUnknown(NAME, `${what}: unknown trade_state ${JSON.stringify(t.trade_state)}`);
    if (t.out_trade_no !== orderNumber) throw new ProviderUnknown(NAME, `${what}: the answer is about order ${str(t.out_trade_no)}`);
    if (state !== 'SUCCESS' && state !== 'REFUND') return { state, payment: null };
    const fact = this.fact(t, a.body);
    if (typeof fact === 'string') throw new ProviderUnknown(NAME, `${what}: paid, but ${fact}`);
    return { state, payment: fact };
  }

  /**
   * 关闭订单, so the QR code can no longer be paid. Paid meanwhile (ORDERPAID): the order is
   * queried and its payment returned for booking instead of a cancel. An order the gateway never
   * took (ORDER_NOT_EXIST) cannot be paid either, so it counts as closed.
   */
  async close(orderNumber: string): Promise<CloseResult> {
    const what = `close ${orderNumber}`;
    const a = await this.call(what, 'POST', `/v3/pay/transactions/out-trade-no/${encodeURIComponent(orderNumber)}/close`, { mchid: this.cr.mchid });
    if (a.status < 400 || a.code === 'ORDER_CLOSED' || a.code === 'ORDER_NOT_EXIST') return { state: 'CLOSED', payment: null };
    if (a.code !== 'ORDERPAID') throw this.refused(what, a);
    const q = await this.query(orderNumber);
    if (!q.payment) throw new ProviderUnknown(NAME, `${what}: the gateway says paid (ORDERPAID) but its query says ${q.state}`);
    return { state: q.state === 'REFUND' ? 'REFUND' : 'SUCCESS', payment: q.payment };
  }

  async refund(input: RefundInput): Promise<RefundResult> {
    const what = `refund ${input.idempotencyKey}`;
    const payload = {
      out_trade_no: input.orderNumber,
      out_refund_no: input.idempotencyKey,
      reason: input.reason.slice(0, 80),
      amount: { refund: input.amountFen, total: input.totalFen, currency: 'CNY' },
    };
    const request = JSON.stringify(payload);
    const a = await this.call(what, 'POST', '/v3/refund/domestic/refunds', payload);
    if (a.status >= 400) throw this.refused(what, a);
    const status = str(a.json.status);
    const refundNo = str(a.json.refund_id);
    if (status === 'SUCCESS' || status === 'PROCESSING') return { status, providerRefundNo: refundNo, request, response: a.body };
    if (status === 'CLOSED' || status === 'ABNORMAL')
      throw new ProviderRefused(NAME, status, `${what}: the gateway reports the refund ${status} (see the merchant platform)`);
    throw new ProviderUnknown(NAME, `${what}: unknown refund status ${JSON.stringify(a.json.status)}`);
  }

  async queryRefund(idempotencyKey: string, orderNumber: string): Promise<RefundQueryResult> {
    const what = `query refund ${idempotencyKey}`;
    const request = JSON.stringify({ out_refund_no: idempotencyKey, out_trade_no: orderNumber });
    const a = await this.call(what, 'GET', `/v3/refund/domestic/refunds/${encodeURIComponent(idempotencyKey)}`);
    if (a.status === 404 && a.code === 'RESOURCE_NOT_EXISTS') return { status: 'NOT_FOUND', providerRefundNo: null, request, response: a.body };
    if (a.status >= 400) throw this.refused(what, a);
    if (str(a.json.out_refund_no) !== idempotencyKey || str(a.json.out_trade_no) !== orderNumber) {
      throw new ProviderUnknown(NAME, `${what}: the answer is about refund ${str(a.json.out_refund_no)} of order ${str(a.json.out_trade_no)}`);
    }
    const status = str(a.json.status);
    if (status === 'SUCCESS' || status === 'PROCESSING') return { status, providerRefundNo: str(a.json.refund_id) || null, request, response: a.body };
    if (status === 'CLOSED' || status === 'ABNORMAL')
      throw new ProviderRefused(NAME, status, `${what}: the gateway reports the refund ${status} (see the merchant platform)`);
    throw new ProviderUnknown(NAME, `${what}: unknown refund status ${JSON.stringify(a.json.status)}`);
  }

  /** 支付结果通知: signature first, then the AEAD_AES_256_GCM resource; the decrypted transaction is kept as `raw`. */
  parseNotification(n: Notification): PaymentFact {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(n.headers)) headers[k.toLowerCase()] = v;
    const problem = signatureProblem(this.cr, headers, n.body);
    if (problem) throw new DepotError('refused', `${NAME}: notification ${problem}; ignored`, { field: 'Wechatpay-Signature' });
    const body = parseJson(n.body);
    const resource = body?.resource as { algorithm?: unknown; ciphertext?: unknown; nonce?: unknown; associated_data?: unknown } | undefined;
    if (!body || !resource || typeof resource.ciphertext !== 'string' || typeof resource.nonce !== 'string') {
      throw new DepotError('invalid_input', `${NAME}: notification has no encrypted resource`, { field: 'body' });
    }
    if (body.event_type !== 'TRANSACTION.SUCCESS' || resource.algorithm !== 'AEAD_AES_256_GCM') {
      throw new DepotError('invalid_input', `${NAME}: notification ${str(body.event_type)} (${str(resource.algorithm)}) is not a payment`, { field: 'event_type' });
    }
    let plain: string;
    try {
      plain = decryptResource(this.cr, { ciphertext: resource.ciphertext, nonce: resource.nonce, associated_data: str(resource.associated_data) });
    } catch {
      throw new DepotError('refused', `${NAME}: notification resource does not decrypt with the API v3 key; ignored`, { field: 'resource' });
    }
    const t = (parseJson(plain) ?? {}) as Transaction;
    if (t.trade_state !== 'SUCCESS')
      throw new DepotError('invalid_input', `${NAME}: notification trade_state ${str(t.trade_state)} is not a payment`, { field: 'trade_state' });
    const fact = this.fact(t, plain);
    if (typeof fact === 'string') throw new DepotError('invalid_input', `${NAME}: notification refused: ${fact}`, { field: 'resource' });
    return fact;
  }

  /**
   * The ALL trade bill of one day (bill_date, China time), gzip: 申请交易账单, the signed GET of its
   * download_url, then the SHA1 check (the class comment has the outcomes).
   */
  async downloadStatement(day: string): Promise<WechatStatementDownload | null> {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new DepotError('invalid_input', `${NAME}: statement day ${JSON.stringify(day)} is not yyyy-MM-dd`, { field: 'day' });
    const what = `statement ${day}`;
    const a = await this.call(what, 'GET', `/v3/bill/tradebill?bill_date=${day}&bill_type=ALL&tar_type=GZIP`);
    if (a.code === 'NO_STATEMENT_EXIST') return null;
    if (a.code === 'STATEMENT_CREATING') throw statementNotReady(NAME, day, a.code, "WeChat Pay makes a day's trade bill after about 10:00 China time the next day");
    if (a.status >= 400) throw this.refused(what, a);
    const downloadUrl = str(a.json.download_url).trim();
    const hashValue = str(a.json.hash_value).toLowerCase();
    if (!downloadUrl || a.json.hash_type !== 'SHA1' || !/^[0-9a-f]{40}$/.test(hashValue)) {
      throw new ProviderUnknown(NAME, `${what}: the answer has no download_url or no SHA1 hash_value`);
    }
    const bytes = await this.fetchBill(what, downloadUrl);
    this.checkBill(what, day, bytes, hashValue);
    return { fileName: `wechat-tradebill-${this.cr.mchid}-${day}.csv.gz`, bytes, merchantId: this.cr.mchid };
  }

  /** 下载账单: a signed GET, only on the gateway's own host; the answer is the file itself, unsigned. */
  private async fetchBill(what: string, downloadUrl: string): Promise<Buffer> {
    let url: URL;
    try {
      url = new URL(downloadUrl);
    } catch {
      throw new ProviderUnknown(NAME, `${what}: the download_url is not a URL`);
    }
    const gateway = url.origin === this.cr.baseUrl.origin || (url.protocol === 'https:' && url.port === '' && BILL_HOSTS.test(url.hostname));
    if (!gateway) throw new ProviderRefused(NAME, 'DOWNLOAD_URL_HOST', `${what}: the download_url points at ${url.host}, not the gateway; not followed`);
    const headers = {
      Authorization: authorization(this.cr, 'GET', url.pathname + url.search, ''),
      Accept: '*/*',
      'User-Agent': 'DepotDesk (wechatpay-axios-plugin signing)',
    };
    let a: Awaited<ReturnType<typeof httpsBytes>>;
    try {
      a = await httpsBytes({ method: 'GET', url, headers, body: '', timeoutMs: this.cr.timeoutMs, ca: this.cr.ca }, MAX_BILL_BYTES);
    } catch (e) {
      if (e instanceof NoAnswer) throw new ProviderUnknown(NAME, `${what}: download: ${e.message}`);
      throw e;
    }
    if (a.status === 200) return a.bytes;
    const code = str(parseJson(a.bytes.toString('utf8'))?.code);
    if (a.status >= 400 && a.status < 500) throw new ProviderRefused(NAME, code || `HTTP_${a.status}`, `${what}: the download was refused with HTTP ${a.status}`);
    throw new ProviderUnknown(NAME, `${what}: the download answered HTTP ${a.status} ${code}`.trim());
  }

  /** The bill is believed only when the SHA1 of its unpacked text is the hash_value the gateway signed. */
  private checkBill(what: string, day: string, gz: Buffer, expected: string): void {
    let bill: Buffer;
    try {
      bill = gunzipSync(gz, { maxOutputLength: MAX_BILL_BYTES });
    } catch (e) {
      throw new DepotError(
        'integrity_failed',
        `${NAME}: ${what}: the downloaded bill is not a readable gzip file (${(e as Error).message}); nothing imported, download it again`,
        {
          provider: NAME,
          day,
          reason: 'bad_gzip',
        },
      );
    }
    const got = sha1Hex(bill);
    if (got !== expected) {
      throw new DepotError(
        'integrity_failed',
        `${NAME}: ${what}: hash mismatch: the downloaded bill's SHA1 is ${got}, the hash_value the gateway signed is ${expected}; nothing imported, download it again`,
        { provider: NAME, day, reason: 'hash_mismatch', expected, got },
      );
    }
  }

  /**
   * Settings' "test connection": a signed query for an order number ours never take (DDPROBE…; ours
   * are DD + date + sequence). ORDER_NOT_EXIST in an answer whose signature verifies proves the
   * merchant key signs, the gateway answers and the platform key is the right one.
   */
  async testConnection(): Promise<ConnectionTest> {
    const what = 'test connection';
    const probe = `DDPROBE${Date.now()}`;
    const a = await this.call(what, 'GET', `/v3/pay/transactions/out-trade-no/${probe}?mchid=${encodeURIComponent(this.cr.mchid)}`);
    if (a.status === 401) {
      throw new ProviderRefused(
        NAME,
        a.code,
        `${what}: the gateway refused our signature: check merchantSerial and the merchant API key (apiclient_key.pem) of merchant ${this.cr.mchid}`,
      );
    }
    if (a.status >= 400 && a.code !== 'ORDER_NOT_EXIST') throw this.refused(what, a);
    return {
      detail: `merchant ${this.cr.mchid}: the gateway took a signed query (probe ${probe}: ${a.code || 'found'}) and its answer verified with platform key ${this.cr.platformSerial}`,
    };
  }
}
