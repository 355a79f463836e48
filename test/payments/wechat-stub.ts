import { execFileSync } from 'node:child_process';
import { createCipheriv, createHash, createSign, createVerify, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Notification } from '../../src-main/payments';
import { wechatAllBill, type DemoPayment, type DemoRefund } from '../../src-main/reconciliation/demo-statements';

/**
 * A local WeChat Pay API v3 gateway, written from the public API documentation with Node's own
 * crypto (not the SDK the provider uses, so the two check each other). A real HTTPS server on
 * 127.0.0.1, port 0, with a self-signed certificate made by `openssl` at test time; the provider
 * trusts it through payments.wechat.caFile only.
 *
 * It checks every request's Authorization (SHA256-RSA over METHOD\nURL\ntimestamp\nnonce\nbody\n
 * with the merchant's public key; 401 SIGN_ERROR otherwise), keeps orders and refunds in memory,
 * signs every answer with its platform key, and sends signed, AES-256-GCM encrypted
 * notifications. `next(...)` scripts the next answers: 500 before or after acting, a hang, a
 * reset, a forged signature, or a refusal with a given code.
 *
 * The trade bill (申请交易账单 / 下载账单): a day's ALL bill is built from the stub's own paid orders
 * and successful refunds of that China day (reconciliation/demo-statements.ts writes the layout),
 * answered with the SHA1 of the unpacked bill and a download_url on the stub, whose GET (signed by
 * us, answered unsigned, as WeChat Pay does) serves the gzip. Before 10:00 China time the next day
 * the bill is STATEMENT_CREATING; a day without trades is NO_STATEMENT_EXIST; `corruptDownloads`
 * serves the next downloads with content that does not match the signed hash.
 */

/**
 * How long the provider waits for the stub: an upper bound for a stalled call, not a speed claim.
 * Tests share 2 loaded cores, where a signed HTTPS round trip took over 400 ms; a 'hang' test waits this long.
 */
export const STUB_TIMEOUT_MS = 3_000;

export const MCHID = '1900000109';
export const APPID = 'wx8888888888888888';
export const MERCHANT_SERIAL = '5157F09EFDC096DE15EBE81A47057A7232F1B8E1';
export const PLATFORM_SERIAL = '7132D72A03E93CDDF8C03BBD1F37EEDF9C0D7A1E';

export interface StubKeys {
  dir: string;
  merchantKeyFile: string;
  merchantPublic: KeyObject;
  platformPrivate: KeyObject;
  platformCertFile: string;
  platformPublicKeyFile: string;
  tlsKey: string;
  tlsCert: string;
  caFile: string;
  apiV3Key: string;
  apiV3KeyFile: string;
}

/** Keys and certificates for one test file: the merchant's, the platform's and the stub's TLS certificate. */
export function makeStubKeys(dir: string): StubKeys {
  const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
  const merchant = rsa();
  const platform = rsa();
  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text, { mode: 0o600 });
    return p;
  };
  const merchantKeyFile = file('apiclient_key.pem', merchant.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
  const platformKeyFile = file('platform_key.pem', platform.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
  const platformPublicKeyFile = file('pub_key.pem', platform.publicKey.export({ type: 'spki', format: 'pem' }) as string);
  const platformCertFile = path.join(dir, 'wechatpay_platform.pem');
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  openssl('req', '-x509', '-key', platformKeyFile, '-out', platformCertFile, '-days', '2', '-subj', '/CN=Tenpay.com Root CA stub');
  const tlsKeyFile = path.join(dir, 'tls_key.pem');
  const caFile = path.join(dir, 'stub_ca.pem');
  openssl(
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', tlsKeyFile, '-out', caFile,
    '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
  ); // prettier-ignore
  const apiV3Key = randomBytes(24).toString('base64').slice(0, 32);
  return {
    dir,
    merchantKeyFile,
    merchantPublic: merchant.publicKey,
    platformPrivate: platform.privateKey,
    platformCertFile,
    platformPublicKeyFile,
    tlsKey: fs.readFileSync(tlsKeyFile, 'utf8'),
    tlsCert: fs.readFileSync(caFile, 'utf8'),
    caFile,
    apiV3Key,
    apiV3KeyFile: file('apiv3.key', apiV3Key),
  };
}

export type StubMode =
  | 'ok'
  /** 500 SYSTEM_ERROR without acting. */
  | '500'
  /** Acts, then answers 500 (the gateway did its part; the answer was lost). */
  | '500-after'
  /** Acts and never answers. */
  | 'hang'
  /** Drops the connection without acting. */
  | 'reset'
  /** Acts and answers with a signature made by another key. */
  | 'forge'
  | { refuse: { status: number; code: string; message?: string } };

export interface StubOrder {
  outTradeNo: string;
  amount: number;
  description: string;
  timeExpire: string;
  notifyUrl: string;
  state: 'NOTPAY' | 'SUCCESS' | 'CLOSED' | 'REFUND';
  transactionId: string | null;
  successTime: string | null;
}

export interface StubRefund {
  outRefundNo: string;
  outTradeNo: string;
  refundId: string;
  refund: number;
  total: number;
  status: 'SUCCESS' | 'PROCESSING';
}

interface Reply {
  status: number;
  body?: object;
}

const forger = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;

/** RFC 3339 in +08:00, as WeChat Pay writes times. */
const cst = (ms: number) => `${new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19)}+08:00`;

export class WechatStub {
  readonly orders = new Map<string, StubOrder>();
  readonly refunds = new Map<string, StubRefund>();
  /** Every request that reached the stub: method, path, whether its signature verified. */
  readonly requests: { method: string; path: string; signed: boolean }[] = [];
  /** How new refunds end: SUCCESS at once, or PROCESSING until finishRefunds(). */
  refundStatus: 'SUCCESS' | 'PROCESSING' = 'SUCCESS';
  /** When each refund was taken (stub clock), for the trade bill's refund rows. */
  readonly refundTimes = new Map<string, number>();
  /** How many of the next bill downloads serve a file that does not match the signed hash. */
  corruptDownloads = 0;
  /** Bill files waiting behind a download_url token. */
  private readonly billFiles = new Map<string, Buffer>();
  private readonly modes: StubMode[] = [];
  private seq = 0;

  private constructor(
    private readonly server: https.Server,
    readonly keys: StubKeys,
    readonly url: string,
    /** The gateway's clock for success_time and the like (signatures always use the real time, as the gateway checks it). */
    public now: () => number,
  ) {}

  static async start(keys: StubKeys, now: () => number = Date.now): Promise<WechatStub> {
    let stub: WechatStub | null = null;
    const server = https.createServer({ key: keys.tlsKey, cert: keys.tlsCert }, (req, res) => stub!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    stub = new WechatStub(server, keys, `https://127.0.0.1:${(server.address() as AddressInfo).port}`, now);
    return stub;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** config.payments overrides that point DepotDesk's WeChat Pay provider at this stub. */
  config(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      provider: { wechat: 'wechat' },
      wechat: {
        mchid: MCHID,
        appid: APPID,
        apiBaseUrl: this.url,
        notifyUrl: 'https://depot.example.com/notify/wechat',
        merchantSerial: MERCHANT_SERIAL,
        merchantKeyFile: this.keys.merchantKeyFile,
        platformSerial: PLATFORM_SERIAL,
        platformCertFile: this.keys.platformCertFile,
        apiV3KeyFile: this.keys.apiV3KeyFile,
        caFile: this.keys.caFile,
        timeoutMs: STUB_TIMEOUT_MS,
        ...extra,
      },
    };
  }

  /** The next answers, in order (then 'ok' again). */
  next(...modes: StubMode[]): void {
    this.modes.push(...modes);
  }

  /** The customer pays the order; returns the notification the gateway sends (again on every call, freshly signed). */
  pay(outTradeNo: string): Notification {
    const o = this.orders.get(outTradeNo);
    if (!o) throw new Error(`stub: no order ${outTradeNo}`);
    if (o.state === 'CLOSED') throw new Error(`stub: order ${outTradeNo} is closed`);
    if (o.state === 'NOTPAY') {
      o.state = 'SUCCESS';
      o.transactionId = `42000012${String(++this.seq).padStart(20, '0')}`;
      o.successTime = cst(this.now());
    }
    return this.notification(outTradeNo);
  }

  finishRefunds(): void {
    for (const r of this.refunds.values()) r.status = 'SUCCESS';
  }

  /** 支付成功通知 for a paid order: the transaction encrypted with the API v3 key, the envelope signed with the platform key. */
  notification(outTradeNo: string, signWith: KeyObject = this.keys.platformPrivate): Notification {
    const o = this.orders.get(outTradeNo)!;
    const nonce = randomBytes(6).toString('hex');
    const cipher = createCipheriv('aes-256-gcm', Buffer.from(this.keys.apiV3Key), nonce).setAAD(Buffer.from('transaction'));
    const plain = JSON.stringify(this.transaction(o));
    const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]).toString('base64');
    const body = JSON.stringify({
      id: `EV-${++this.seq}`,
      create_time: cst(this.now()),
      resource_type: 'encrypt-resource',
      event_type: 'TRANSACTION.SUCCESS',
      summary: '支付成功',
      resource: { original_type: 'transaction', algorithm: 'AEAD_AES_256_GCM', ciphertext, associated_data: 'transaction', nonce },
    });
    return { headers: this.signed(body, signWith), body };
  }

  private signed(body: string, key: KeyObject = this.keys.platformPrivate): Record<string, string> {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = randomBytes(16).toString('hex');
    const signature = createSign('RSA-SHA256').update(`${timestamp}\n${nonce}\n${body}\n`).sign(key, 'base64');
    return {
      'Wechatpay-Timestamp': timestamp,
      'Wechatpay-Nonce': nonce,
      'Wechatpay-Signature': signature,
      'Wechatpay-Serial': PLATFORM_SERIAL,
      'Request-ID': `stub-${++this.seq}`,
    };
  }

  private transaction(o: StubOrder): Record<string, unknown> {
    return {
      appid: APPID,
      mchid: MCHID,
      out_trade_no: o.outTradeNo,
      trade_type: 'NATIVE',
      trade_state: o.state,
      trade_state_desc: o.state,
      ...(o.transactionId
        ? { transaction_id: o.transactionId, success_time: o.successTime, bank_type: 'OTHERS', payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' } }
        : {}),
      amount: { total: o.amount, currency: 'CNY', ...(o.transactionId ? { payer_total: o.amount, payer_currency: 'CNY' } : {}) },
    };
  }

  /** Our request's Authorization, checked as the gateway does. */
  private verified(req: IncomingMessage, body: string): boolean {
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('WECHATPAY2-SHA256-RSA2048 ')) return false;
    const fields = Object.fromEntries([...auth.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (fields.mchid !== MCHID || fields.serial_no !== MERCHANT_SERIAL || !fields.nonce_str || !fields.timestamp || !fields.signature) return false;
    if (Math.abs(Date.now() / 1000 - Number(fields.timestamp)) > 300) return false;
    const message = `${req.method}\n${req.url}\n${fields.timestamp}\n${fields.nonce_str}\n${body}\n`;
    return createVerify('RSA-SHA256').update(message).verify(this.keys.merchantPublic, fields.signature, 'base64');
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const signed = this.verified(req, body);
      this.requests.push({ method: req.method ?? '', path: req.url ?? '', signed });
      const mode = this.modes.shift() ?? 'ok';
      if (mode === 'reset') return void req.socket.destroy();
      if (!signed) return this.send(res, { status: 401, body: { code: 'SIGN_ERROR', message: '签名错误' } });
      if (mode === '500') return this.send(res, { status: 500, body: { code: 'SYSTEM_ERROR', message: '系统错误' } });
      if (typeof mode === 'object')
        return this.send(res, { status: mode.refuse.status, body: { code: mode.refuse.code, message: mode.refuse.message ?? mode.refuse.code } });
      if (req.method === 'GET' && (req.url ?? '').startsWith('/v3/billdownload/file?')) return mode === 'hang' ? undefined : this.sendBill(res, req.url ?? '');
      const reply = this.route(req.method ?? '', new URL(req.url ?? '/', 'https://stub'), body);
      if (mode === 'hang') return;
      if (mode === '500-after') return this.send(res, { status: 500, body: { code: 'SYSTEM_ERROR', message: '系统错误' } });
      this.send(res, reply, mode === 'forge' ? forger : undefined);
    });
  }

  private send(res: ServerResponse, reply: Reply, key?: KeyObject): void {
    const text = reply.body === undefined ? '' : JSON.stringify(reply.body);
    res.writeHead(reply.status, { 'Content-Type': 'application/json', ...this.signed(text, key) });
    res.end(text);
  }

  private route(method: string, url: URL, body: string): Reply {
    const json = (body ? JSON.parse(body) : {}) as Record<string, unknown>;
    const p = url.pathname;
    let m: RegExpExecArray | null;
    if (method === 'POST' && p === '/v3/pay/transactions/native') return this.create(json);
    if (method === 'GET' && (m = /^\/v3\/pay\/transactions\/out-trade-no\/([^/]+)$/.exec(p))) {
      if (url.searchParams.get('mchid') !== MCHID) return refuse(400, 'PARAM_ERROR', 'mchid');
      const o = this.orders.get(decodeURIComponent(m[1]));
      return o ? { status: 200, body: this.transaction(o) } : refuse(404, 'ORDER_NOT_EXIST', '订单不存在');
    }
    if (method === 'POST' && (m = /^\/v3\/pay\/transactions\/out-trade-no\/([^/]+)\/close$/.exec(p))) {
      const o = this.orders.get(decodeURIComponent(m[1]));
      if (!o) return refuse(404, 'ORDER_NOT_EXIST', '订单不存在');
      if (json.mchid !== MCHID) return refuse(400, 'PARAM_ERROR', 'mchid');
      if (o.state === 'SUCCESS' || o.state === 'REFUND') return refuse(400, 'ORDERPAID', '订单已支付');
      o.state = 'CLOSED';
      return { status: 204 };
    }
    if (method === 'POST' && p === '/v3/refund/domestic/refunds') return this.refund(json);
    if (method === 'GET' && p === '/v3/bill/tradebill') return this.tradeBill(url);
    if (method === 'GET' && (m = /^\/v3\/refund\/domestic\/refunds\/([^/]+)$/.exec(p))) {
      const r = this.refunds.get(decodeURIComponent(m[1]));
      return r ? { status: 200, body: this.refundBody(r) } : refuse(404, 'RESOURCE_NOT_EXISTS', '退款单不存在');
    }
    return refuse(404, 'NOT_FOUND', `no route ${method} ${p}`);
  }

  private create(b: Record<string, unknown>): Reply {
    const amount = (b.amount as { total?: unknown } | undefined)?.total;
    const no = b.out_trade_no;
    if (b.appid !== APPID || b.mchid !== MCHID) return refuse(400, 'APPID_MCHID_NOT_MATCH', 'appid 和 mch_id 不匹配');
    if (typeof no !== 'string' || typeof amount !== 'number' || typeof b.description !== 'string' || typeof b.notify_url !== 'string') {
      return refuse(400, 'PARAM_ERROR', '参数错误');
    }
    if (typeof b.time_expire !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/.test(b.time_expire)) return refuse(400, 'PARAM_ERROR', 'time_expire');
    const o = this.orders.get(no);
    if (o?.state === 'SUCCESS' || o?.state === 'REFUND') return refuse(400, 'ORDERPAID', '订单已支付');
    if (o?.state === 'CLOSED') return refuse(400, 'ORDER_CLOSED', '订单已关闭');
    if (o && o.amount !== amount) return refuse(400, 'OUT_TRADE_NO_USED', '商户订单号重复');
    if (!o) {
      const order: StubOrder = { outTradeNo: no, amount, description: b.description, timeExpire: b.time_expire, notifyUrl: b.notify_url, state: 'NOTPAY', transactionId: null, successTime: null }; // prettier-ignore
      this.orders.set(no, order);
    }
    return { status: 200, body: { code_url: `weixin://wxpay/bizpayurl?pr=stub${no}` } };
  }

  private refund(b: Record<string, unknown>): Reply {
    const amount = b.amount as { refund?: unknown; total?: unknown; currency?: unknown } | undefined;
    const o = this.orders.get(String(b.out_trade_no));
    const key = b.out_refund_no;
    if (typeof key !== 'string' || typeof amount?.refund !== 'number' || typeof amount.total !== 'number') return refuse(400, 'PARAM_ERROR', '参数错误');
    if (!o || !o.transactionId) return refuse(404, 'RESOURCE_NOT_EXISTS', '订单不存在');
    if (amount.total !== o.amount) return refuse(400, 'PARAM_ERROR', '订单金额不符');
    const done = this.refunds.get(key);
    if (done) return done.refund === amount.refund ? { status: 200, body: this.refundBody(done) } : refuse(400, 'INVALID_REQUEST', '退款金额不一致');
    const refunded = [...this.refunds.values()].filter((r) => r.outTradeNo === o.outTradeNo).reduce((s, r) => s + r.refund, 0);
    if (refunded + amount.refund > o.amount) return refuse(400, 'INVALID_REQUEST', '申请退款金额超过订单可退金额');
    const r: StubRefund = { outRefundNo: key, outTradeNo: o.outTradeNo, refundId: `50300${String(++this.seq).padStart(24, '0')}`, refund: amount.refund, total: o.amount, status: this.refundStatus }; // prettier-ignore
    this.refunds.set(key, r);
    this.refundTimes.set(key, this.now());
    o.state = 'REFUND';
    return { status: 200, body: this.refundBody(r) };
  }

  /** The ALL trade bill of a China day: its paid orders and successful refunds; null when it has none. */
  billOf(day: string): Buffer | null {
    const payments: DemoPayment[] = [];
    for (const o of this.orders.values()) {
      if (!o.transactionId || !o.successTime || chinaDay(Date.parse(o.successTime)) !== day) continue;
      payments.push({ at: Date.parse(o.successTime), tradeNo: o.transactionId, orderNumber: o.outTradeNo, amountFen: o.amount });
    }
    const refunds: DemoRefund[] = [];
    for (const r of this.refunds.values()) {
      const at = this.refundTimes.get(r.outRefundNo);
      if (r.status !== 'SUCCESS' || at === undefined || chinaDay(at) !== day) continue;
      const o = this.orders.get(r.outTradeNo)!;
      refunds.push({ at, tradeNo: o.transactionId!, orderNumber: r.outTradeNo, refundNo: r.outRefundNo, gatewayRefundNo: r.refundId, amountFen: r.refund });
    }
    return payments.length + refunds.length === 0 ? null : wechatAllBill(payments, refunds);
  }

  /** 申请交易账单: made after 10:00 China time the next day; the hash is of the unpacked bill, as documented. */
  private tradeBill(url: URL): Reply {
    const day = url.searchParams.get('bill_date') ?? '';
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || url.searchParams.get('bill_type') !== 'ALL' || url.searchParams.get('tar_type') !== 'GZIP') {
      return refuse(400, 'PARAM_ERROR', '参数错误');
    }
    if (this.now() < Date.parse(`${day}T10:00:00+08:00`) + 86_400_000) return refuse(400, 'STATEMENT_CREATING', '账单生成中');
    const bill = this.billOf(day);
    if (!bill) return refuse(400, 'NO_STATEMENT_EXIST', '请求的账单文件不存在');
    const token = randomBytes(16).toString('hex');
    const corrupt = this.corruptDownloads > 0;
    if (corrupt) this.corruptDownloads--;
    // A corrupted download: still a readable bill, one byte of text changed, so only the hash can tell.
    const served = corrupt ? Buffer.from(bill.toString('utf8').replace('充电钱包充值', '充电钱包充植')) : bill;
    this.billFiles.set(token, gzipSync(served));
    return { status: 200, body: { hash_type: 'SHA1', hash_value: sha1(bill), download_url: `${this.url}/v3/billdownload/file?token=${token}` } };
  }

  /** 下载账单: the gzip itself, unsigned; a token serves once (the real URL lives a few minutes). */
  private sendBill(res: ServerResponse, pathAndQuery: string): void {
    const token = new URL(pathAndQuery, 'https://stub').searchParams.get('token') ?? '';
    const file = this.billFiles.get(token);
    if (!file) return this.send(res, refuse(400, 'INVALID_REQUEST', '下载链接已失效'));
    this.billFiles.delete(token);
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(file.length) });
    res.end(file);
  }

  private refundBody(r: StubRefund): Record<string, unknown> {
    const o = this.orders.get(r.outTradeNo)!;
    return {
      refund_id: r.refundId,
      out_refund_no: r.outRefundNo,
      transaction_id: o.transactionId,
      out_trade_no: r.outTradeNo,
      channel: 'ORIGINAL',
      user_received_account: '支付用户零钱',
      status: r.status,
      create_time: cst(this.now()),
      ...(r.status === 'SUCCESS' ? { success_time: cst(this.now()) } : {}),
      amount: { total: r.total, refund: r.refund, payer_total: r.total, payer_refund: r.refund, currency: 'CNY' },
    };
  }
}

/** China day (yyyy-MM-dd) of an instant. */
const chinaDay = (ms: number) => cst(ms).slice(0, 10);
const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex');

function refuse(status: number, code: string, message: string): Reply {
  return { status, body: { code, message } };
}
