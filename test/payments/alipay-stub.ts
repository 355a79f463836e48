import { execFileSync } from 'node:child_process';
import { createSign, createVerify, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import iconv from 'iconv-lite';
import type { Notification } from '../../src-main/payments';
import { alipayDetailCsv, type DemoPayment } from '../../src-main/reconciliation/demo-statements';
import { zip } from '../reconciliation/fixtures';
import { STUB_TIMEOUT_MS } from './wechat-stub';

/**
 * A local Alipay OpenAPI gateway (gateway.do), written from the public API documentation with
 * Node's own crypto, not the alipay-sdk the provider uses, so the two check each other. A real
 * HTTPS server on 127.0.0.1, port 0, with a self-signed certificate made by `openssl` at test
 * time; the provider trusts it through its `ca` credential only.
 *
 * It checks every request as the gateway does (app_id, a Beijing-time timestamp within 10 minutes,
 * and the RSA2 `sign` over the sorted non-empty parameters except `sign`, with the app public key;
 * the documented unsigned 40002 isv.invalid-signature answer otherwise), keeps trades and refunds
 * in memory, signs every business answer with its own Alipay key over the xxx_response object,
 * and makes signed form-encoded notifications. A precreated QR code is not a trade until scanned
 * (query and close answer ACQ.TRADE_NOT_EXIST) and stays payable until its time_expire, as at
 * Alipay. The bill download link serves a ZIP of the day's 业务明细 (GBK entry names, GB18030
 * content, written by reconciliation/demo-statements.ts and the reconciliation tests' ZIP writer).
 * `next(...)` scripts the next answers: 500 before or after acting, a hang, a reset, a forged
 * signature, ACQ.SYSTEM_ERROR, or a refusal with a given sub_code.
 */

export const APP_ID = '2021000123456789';
export const SELLER_ID = '2088123456789012';
export const NOTIFY_URL = 'https://depot.example.com/notify/alipay';

export interface AlipayStubKeys {
  dir: string;
  /** The app private key as PEM (PKCS#8), what an admin pastes. */
  appPrivatePem: string;
  /** The same key as the bare base64 text Alipay's key tool writes. */
  appPrivateBare: string;
  appPublic: KeyObject;
  appPublicPem: string;
  alipayPrivate: KeyObject;
  alipayPublicPem: string;
  alipayPublicBare: string;
  tlsKey: string;
  tlsCert: string;
}

/** Keys for one test file: the app's RSA2 pair, Alipay's RSA2 pair and the stub's TLS certificate. */
export function makeAlipayKeys(dir: string): AlipayStubKeys {
  const app = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const alipay = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const tlsKeyFile = path.join(dir, 'tls_key.pem');
  const certFile = path.join(dir, 'stub_ca.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', tlsKeyFile, '-out', certFile,
    '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
  ], { stdio: 'pipe' }); // prettier-ignore
  return {
    dir,
    appPrivatePem: app.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    appPrivateBare: app.privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
    appPublic: app.publicKey,
    appPublicPem: app.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    alipayPrivate: alipay.privateKey,
    alipayPublicPem: alipay.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    alipayPublicBare: alipay.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    tlsKey: fs.readFileSync(tlsKeyFile, 'utf8'),
    tlsCert: fs.readFileSync(certFile, 'utf8'),
  };
}

export type AlipayStubMode =
  | 'ok'
  /** HTTP 500 without acting. */
  | '500'
  /** Acts, then answers HTTP 500 (the gateway did its part; the answer was lost). */
  | '500-after'
  /** Acts and never answers. */
  | 'hang'
  /** Drops the connection without acting. */
  | 'reset'
  /** Acts and answers with a signature made by another key. */
  | 'forge'
  /** A signed 40004 ACQ.SYSTEM_ERROR without acting, as Alipay answers when busy. */
  | 'system-error'
  /** A signed 40004 with this sub_code, without acting. */
  | { refuse: { subCode: string; subMsg?: string } };

export interface StubTrade {
  outTradeNo: string;
  amountFen: number;
  subject: string;
  /** time_expire as sent (Beijing wall clock). */
  timeExpire: string;
  notifyUrl: string | null;
  /** PRECREATED: a QR code nobody scanned yet (not a trade at Alipay). */
  state: 'PRECREATED' | 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_CLOSED';
  tradeNo: string | null;
  paidAt: number | null;
  refundedFen: number;
}

export interface StubRefund {
  outRequestNo: string;
  outTradeNo: string;
  amountFen: number;
  at: number;
}

interface Node {
  /** The xxx_response object; unsigned for the gateway's own errors. */
  body: Record<string, unknown>;
  signed: boolean;
}

type Params = Record<string, string>;

const forger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const HOUR = 3_600_000;

/** Beijing wall clock, as Alipay writes times. */
export const china = (ms: number) => new Date(ms + 8 * HOUR).toISOString().replace('T', ' ').slice(0, 19);
const fromChina = (text: string) => Date.parse(`${text.replace(' ', 'T')}+08:00`);
const yuan = (fen: number) => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
const fen = (text: string) => {
  const [w, f = ''] = text.split('.');
  return Number(w) * 100 + Number(f.padEnd(2, '0'));
};

/** Alipay's signing content: non-empty parameters, sorted by name, key=value joined by &, without the named ones. */
export function signContent(params: Params, without: readonly string[]): string {
  return Object.keys(params)
    .filter((k) => !without.includes(k) && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
}

const ok = (extra: Record<string, unknown> = {}): Node => ({ body: { code: '10000', msg: 'Success', ...extra }, signed: true });
const business = (subCode: string, subMsg: string): Node => ({ body: { code: '40004', msg: 'Business Failed', sub_code: subCode, sub_msg: subMsg }, signed: true }); // prettier-ignore
const gatewayError = (subCode: string, subMsg: string): Node => ({ body: { code: '40002', msg: 'Invalid Arguments', sub_code: subCode, sub_msg: subMsg }, signed: false }); // prettier-ignore

export class AlipayStub {
  readonly trades = new Map<string, StubTrade>();
  readonly refunds = new Map<string, StubRefund>();
  /** Every request that reached the gateway: its method and whether its signature verified. */
  readonly requests: { method: string; signed: boolean; biz: Record<string, unknown> }[] = [];
  private readonly bills = new Map<string, Buffer>();
  private readonly modes: AlipayStubMode[] = [];
  private seq = 0;

  private constructor(
    private readonly server: https.Server,
    readonly keys: AlipayStubKeys,
    readonly url: string,
    /** The gateway's business clock (payment times, expiry); request timestamps are checked against the real time. */
    public now: () => number,
  ) {}

  static async start(keys: AlipayStubKeys, now: () => number = Date.now): Promise<AlipayStub> {
    let stub: AlipayStub | null = null;
    const server = https.createServer({ key: keys.tlsKey, cert: keys.tlsCert }, (req, res) => stub!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    stub = new AlipayStub(server, keys, `https://127.0.0.1:${(server.address() as AddressInfo).port}`, now);
    return stub;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The plain fields an admin would enter, pointing at this stub (for loadAlipayCredentials). */
  fields(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      appId: APP_ID,
      privateKey: this.keys.appPrivatePem,
      alipayPublicKey: this.keys.alipayPublicPem,
      gateway: `${this.url}/gateway.do`,
      notifyUrl: NOTIFY_URL,
      ca: this.keys.tlsCert,
      timeoutMs: STUB_TIMEOUT_MS,
      ...extra,
    };
  }

  /** The next answers, in order (then 'ok' again). */
  next(...modes: AlipayStubMode[]): void {
    this.modes.push(...modes);
  }

  /** The customer scans the QR code: the trade now exists at Alipay, waiting for payment. */
  scan(outTradeNo: string): void {
    const t = this.payable(outTradeNo);
    if (t.state === 'PRECREATED') t.state = 'WAIT_BUYER_PAY';
  }

  /** The customer pays; returns the notification Alipay posts (again on every call, freshly signed). */
  pay(outTradeNo: string): Notification {
    const t = this.trades.get(outTradeNo);
    if (t?.state !== 'TRADE_SUCCESS') {
      const p = this.payable(outTradeNo);
      p.state = 'TRADE_SUCCESS';
      p.tradeNo = `2026${String(++this.seq).padStart(24, '0')}`;
      p.paidAt = this.now();
    }
    return this.notification(outTradeNo);
  }

  private payable(outTradeNo: string): StubTrade {
    const t = this.trades.get(outTradeNo);
    if (!t) throw new Error(`stub: no QR code for ${outTradeNo}`);
    if (t.state === 'TRADE_CLOSED') throw new Error(`stub: trade ${outTradeNo} is closed`);
    if (t.state === 'TRADE_SUCCESS') throw new Error(`stub: trade ${outTradeNo} is paid`);
    if (this.now() >= fromChina(t.timeExpire)) throw new Error(`stub: the QR code of ${outTradeNo} expired at ${t.timeExpire}`);
    return t;
  }

  /** 异步通知 of a paid trade as a form body, signed over the sorted parameters without sign and sign_type. */
  notification(outTradeNo: string, opts: { signWith?: KeyObject; override?: Params } = {}): Notification {
    const t = this.trades.get(outTradeNo)!;
    const amount = yuan(t.amountFen);
    const params: Params = {
      gmt_create: china(t.paidAt! - 3000),
      charset: 'utf-8',
      gmt_payment: china(t.paidAt!),
      notify_time: china(this.now()),
      subject: t.subject,
      buyer_id: '2088102122524333',
      invoice_amount: amount,
      version: '1.0',
      notify_id: randomBytes(16).toString('hex'),
      fund_bill_list: JSON.stringify([{ amount, fundChannel: 'ALIPAYACCOUNT' }]),
      notify_type: 'trade_status_sync',
      out_trade_no: t.outTradeNo,
      total_amount: amount,
      trade_status: 'TRADE_SUCCESS',
      trade_no: t.tradeNo!,
      auth_app_id: APP_ID,
      receipt_amount: amount,
      point_amount: '0.00',
      buyer_pay_amount: amount,
      app_id: APP_ID,
      seller_id: SELLER_ID,
      ...opts.override,
    };
    const sign = createSign('RSA-SHA256')
      .update(signContent(params, ['sign', 'sign_type']), 'utf8')
      .sign(opts.signWith ?? this.keys.alipayPrivate, 'base64');
    const body = new URLSearchParams({ ...params, sign_type: 'RSA2', sign }).toString();
    return { headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body };
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'https://stub');
      const mode = this.modes.shift() ?? 'ok';
      if (mode === 'reset') return void req.socket.destroy();
      if (url.pathname === '/downloadBillFile.resource') return this.download(res, url, mode);
      const params: Params = Object.fromEntries(url.searchParams);
      for (const [k, v] of new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) params[k] = v;
      this.gateway(res, params, mode);
    });
  }

  private gateway(res: ServerResponse, params: Params, mode: AlipayStubMode): void {
    const method = params.method ?? '';
    const problem = this.requestProblem(params);
    let biz: Record<string, unknown> = {};
    try {
      biz = JSON.parse(params.biz_content ?? '{}') as Record<string, unknown>;
    } catch {
      // reported below as a parameter error
    }
    this.requests.push({ method, signed: problem === null, biz });
    if (problem) return this.answer(res, method, problem);
    if (mode === '500') return void res.writeHead(500, { 'Content-Type': 'text/html' }).end('<html>Internal Server Error</html>');
    if (mode === 'system-error') return this.answer(res, method, business('ACQ.SYSTEM_ERROR', '系统错误'));
    if (typeof mode === 'object') return this.answer(res, method, business(mode.refuse.subCode, mode.refuse.subMsg ?? mode.refuse.subCode));
    const node = this.route(method, biz, params);
    if (mode === 'hang') return;
    if (mode === '500-after') return void res.writeHead(500, { 'Content-Type': 'text/html' }).end('<html>Internal Server Error</html>');
    this.answer(res, method, node, mode === 'forge' ? forger : undefined);
  }

  /** The gateway's own checks, before any business: an unsigned 40002 when one fails. */
  private requestProblem(p: Params): Node | null {
    if (p.app_id !== APP_ID) return gatewayError('isv.invalid-app-id', '无效的AppID参数');
    if (p.sign_type !== 'RSA2' || p.charset !== 'utf-8' || p.version !== '1.0') return gatewayError('isv.invalid-signature-type', '无效的签名类型');
    const ts = p.timestamp ?? '';
    if (!/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(ts) || Math.abs(fromChina(ts) - Date.now()) > 10 * 60_000) {
      return gatewayError('isv.invalid-timestamp', '非法的时间戳参数');
    }
    const verified = createVerify('RSA-SHA256')
      .update(signContent(p, ['sign']), 'utf8')
      .verify(this.keys.appPublic, p.sign ?? '', 'base64');
    if (!verified) return gatewayError('isv.invalid-signature', '验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配');
    try {
      JSON.parse(p.biz_content ?? '{}');
    } catch {
      return gatewayError('isv.invalid-parameter', 'biz_content 不是 JSON');
    }
    return null;
  }

  private answer(res: ServerResponse, method: string, node: Node, key: KeyObject = this.keys.alipayPrivate): void {
    const name = `${method.replaceAll('.', '_')}_response`;
    const text = JSON.stringify(node.body);
    const sign = node.signed ? createSign('RSA-SHA256').update(text, 'utf8').sign(key, 'base64') : null;
    res.writeHead(200, { 'Content-Type': 'text/html;charset=utf-8' });
    res.end(sign ? `{"${name}":${text},"sign":"${sign}"}` : `{"${name}":${text}}`);
  }

  private route(method: string, biz: Record<string, unknown>, params: Params): Node {
    const no = typeof biz.out_trade_no === 'string' ? biz.out_trade_no : '';
    const t = this.trades.get(no);
    switch (method) {
      case 'alipay.trade.precreate':
        return this.precreate(biz, params);
      case 'alipay.trade.query':
        return t && t.state !== 'PRECREATED' ? ok(this.tradeBody(t)) : business('ACQ.TRADE_NOT_EXIST', '交易不存在');
      case 'alipay.trade.close':
        if (!t || t.state === 'PRECREATED') return business('ACQ.TRADE_NOT_EXIST', '交易不存在');
        if (t.state !== 'WAIT_BUYER_PAY') return business('ACQ.TRADE_STATUS_ERROR', '交易状态不合法');
        t.state = 'TRADE_CLOSED';
        return ok({ trade_no: t.tradeNo ?? '', out_trade_no: t.outTradeNo });
      case 'alipay.trade.refund':
        return this.refund(biz);
      case 'alipay.trade.fastpay.refund.query':
        return this.refundQuery(biz);
      case 'alipay.data.dataservice.bill.downloadurl.query':
        return this.billUrl(biz);
      default:
        return gatewayError('isv.invalid-method', `不存在的方法名 ${method}`);
    }
  }

  private precreate(b: Record<string, unknown>, params: Params): Node {
    const { out_trade_no: no, total_amount: amount, subject, time_expire: expire } = b;
    if (typeof no !== 'string' || !no || typeof subject !== 'string' || !subject) return business('ACQ.INVALID_PARAMETER', '参数无效');
    if (typeof amount !== 'string' || !/^\d+\.\d{2}$/.test(amount) || fen(amount) <= 0) return business('ACQ.INVALID_PARAMETER', 'total_amount 无效');
    if (typeof expire !== 'string' || !/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(expire) || fromChina(expire) <= this.now()) {
      return business('ACQ.INVALID_PARAMETER', 'time_expire 无效');
    }
    const t = this.trades.get(no);
    if (t?.state === 'TRADE_SUCCESS') return business('ACQ.TRADE_HAS_SUCCESS', '交易已被支付');
    if (t?.state === 'TRADE_CLOSED') return business('ACQ.TRADE_HAS_CLOSE', '交易已经关闭');
    if (t && t.amountFen !== fen(amount)) return business('ACQ.CONTEXT_INCONSISTENT', '交易信息被篡改');
    if (!t) {
      const trade: StubTrade = { outTradeNo: no, amountFen: fen(amount), subject, timeExpire: expire, notifyUrl: params.notify_url ?? null, state: 'PRECREATED', tradeNo: null, paidAt: null, refundedFen: 0 }; // prettier-ignore
      this.trades.set(no, trade);
    }
    return ok({ out_trade_no: no, qr_code: `https://qr.alipay.com/stub${no}` });
  }

  private tradeBody(t: StubTrade): Record<string, unknown> {
    return {
      trade_no: t.tradeNo ?? '',
      out_trade_no: t.outTradeNo,
      buyer_logon_id: '159****5620',
      trade_status: t.state,
      total_amount: yuan(t.amountFen),
      ...(t.paidAt !== null ? { send_pay_date: china(t.paidAt), buyer_pay_amount: yuan(t.amountFen), receipt_amount: yuan(t.amountFen) } : {}),
      buyer_user_id: '2088102122524333',
    };
  }

  private refund(b: Record<string, unknown>): Node {
    const t = this.trades.get(String(b.out_trade_no));
    const key = b.out_request_no;
    const amount = typeof b.refund_amount === 'string' && /^\d+\.\d{2}$/.test(b.refund_amount) ? fen(b.refund_amount) : 0;
    if (typeof key !== 'string' || !key || amount <= 0) return business('ACQ.INVALID_PARAMETER', '参数无效');
    if (!t || t.state === 'PRECREATED') return business('ACQ.TRADE_NOT_EXIST', '交易不存在');
    const done = this.refunds.get(key);
    const body = (fundChange: 'Y' | 'N') => ok({ trade_no: t.tradeNo, out_trade_no: t.outTradeNo, buyer_logon_id: '159****5620', fund_change: fundChange, refund_fee: yuan(t.refundedFen), gmt_refund_pay: china(done?.at ?? this.now()) }); // prettier-ignore
    if (done) return done.amountFen === amount && done.outTradeNo === t.outTradeNo ? body('N') : business('ACQ.DISCORDANT_REPEAT_REQUEST', '请求信息不一致');
    if (t.paidAt === null) return business('ACQ.TRADE_STATUS_ERROR', '交易状态不合法');
    if (t.refundedFen + amount > t.amountFen) return business('ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', '退款金额超限');
    this.refunds.set(key, { outRequestNo: key, outTradeNo: t.outTradeNo, amountFen: amount, at: this.now() });
    t.refundedFen += amount;
    if (t.refundedFen === t.amountFen) t.state = 'TRADE_CLOSED';
    return body('Y');
  }

  private refundQuery(b: Record<string, unknown>): Node {
    const t = this.trades.get(String(b.out_trade_no));
    if (!t || t.state === 'PRECREATED') return business('ACQ.TRADE_NOT_EXIST', '交易不存在');
    const r = this.refunds.get(String(b.out_request_no));
    // Alipay's way of saying "no such refund": a successful query with nothing in it.
    if (!r || r.outTradeNo !== t.outTradeNo) return ok();
    return ok({ trade_no: t.tradeNo, out_trade_no: t.outTradeNo, out_request_no: r.outRequestNo, total_amount: yuan(t.amountFen), refund_amount: yuan(r.amountFen), refund_status: 'REFUND_SUCCESS', gmt_refund_pay: china(r.at) }); // prettier-ignore
  }

  /** The trade bill of one Beijing day: a link to a ZIP of its payments, or isp.bill_not_exist. */
  private billUrl(b: Record<string, unknown>): Node {
    const day = b.bill_date;
    if (b.bill_type !== 'trade' || typeof day !== 'string' || !/^\d{4}-\d\d-\d\d$/.test(day)) return business('isv.invalid-arguments', '入参不合法');
    const dayStart = Date.parse(`${day}T00:00:00+08:00`);
    const paid = [...this.trades.values()].filter((t) => t.paidAt !== null && china(t.paidAt).startsWith(day));
    if (paid.length === 0) return business('isp.bill_not_exist', '账单不存在');
    const payments: DemoPayment[] = paid.map((t) => ({ at: t.paidAt!, tradeNo: t.tradeNo!, orderNumber: t.outTradeNo, amountFen: t.amountFen }));
    const compact = day.replaceAll('-', '');
    const detail = alipayDetailCsv(dayStart, payments, this.now());
    const summary = iconv.encode('#支付宝业务明细查询(汇总)\r\n', 'gb18030');
    const fileId = randomBytes(8).toString('hex');
    this.bills.set(fileId, zip([
      { name: `${SELLER_ID}0156_${compact}_业务明细.csv`, data: detail },
      { name: `${SELLER_ID}0156_${compact}_业务明细(汇总).csv`, data: summary },
    ])); // prettier-ignore
    return ok({ bill_download_url: `${this.url}/downloadBillFile.resource?bizType=trade&userId=${SELLER_ID}&fileType=csv.zip&bizDates=${compact}&fileId=${fileId}` }); // prettier-ignore
  }

  private download(res: ServerResponse, url: URL, mode: AlipayStubMode): void {
    if (mode === 'hang') return;
    const bytes = this.bills.get(url.searchParams.get('fileId') ?? '');
    if (mode === '500' || mode === '500-after' || !bytes) {
      res.writeHead(mode === '500' || mode === '500-after' ? 500 : 404, { 'Content-Type': 'text/html' });
      return void res.end('<html>file not found</html>');
    }
    res.writeHead(200, { 'Content-Type': 'application/oct-stream', 'Content-Disposition': `attachment; filename=bill_${url.searchParams.get('bizDates')}.csv.zip` }); // prettier-ignore
    res.end(bytes);
  }
}
