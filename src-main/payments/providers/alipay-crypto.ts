import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import type { AlipaySdk as AlipaySdkClass } from 'alipay-sdk';
import { z } from 'zod';
import { DepotError } from '../../kernel/errors';
import { lazyRequire } from '../../kernel/lazy-require';

/**
 * Alipay OpenAPI (gateway.do, "2.0" form requests) signing and verifying, done by Alipay's own
 * alipay-sdk: sdkExecute builds and RSA2-signs the request parameters (sorted key=value pairs,
 * SHA256withRSA with the app private key), checkResponseSign verifies an answer's `sign` over its
 * xxx_response object, and checkNotifySignV2 verifies a notification. The package is loaded
 * lazily (about 0.6 s: it brings urllib and undici), and its own HTTP client is never used: our
 * requests go out through alipay-http.ts, which takes a per-request CA and bounds the exchange.
 *
 * Keys are held as KeyObjects; a key is never logged, echoed in an error, or written anywhere.
 */

const sdkLib = lazyRequire<typeof import('alipay-sdk')>('alipay-sdk');

export const ALIPAY_GATEWAY = 'https://openapi.alipay.com/gateway.do';

export interface AlipayCredentials {
  /** The app's APPID (16 digits) from open.alipay.com. */
  appId: string;
  /** The app private key (应用私钥, RSA 2048): signs our requests. */
  privateKey: KeyObject | string;
  /** The Alipay public key (支付宝公钥): verifies answers and notifications. */
  alipayPublicKey: string;
  gateway: URL;
  /** Where Alipay posts payment notifications, when the depot can receive them. */
  notifyUrl?: string;
  /** Extra trusted CA (PEM), for a test gateway only. */
  ca?: string;
  timeoutMs: number;
}

const KEY = (field: string) => `payments.alipay.${field}`;

function fail(field: string, message: string): never {
  throw new DepotError('config_invalid', `${KEY(field)}: ${message}`, { key: KEY(field) });
}

const Fields = z.strictObject({
  appId: z.string(),
  privateKey: z.string(),
  alipayPublicKey: z.string(),
  gateway: z.string().optional(),
  notifyUrl: z.string().optional(),
  ca: z.string().optional(),
  timeoutMs: z.number().int().min(100).max(120_000).optional(),
});

/** Base64 text without PEM armour, as Alipay's key tool (支付宝开放平台密钥工具) writes keys, as DER bytes. */
function bareDer(text: string): Buffer | null {
  const compact = text.replace(/\s+/g, '');
  return /^[A-Za-z0-9+/]+=*$/.test(compact) ? Buffer.from(compact, 'base64') : null;
}

function asPrivateKey(text: string): KeyObject | null {
  const der = text.includes('-----BEGIN') ? null : bareDer(text);
  const forms: (() => KeyObject)[] = der
    ? [() => createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }), () => createPrivateKey({ key: der, format: 'der', type: 'pkcs1' })]
    : [() => createPrivateKey(text)];
  for (const form of forms) {
    try {
      return form();
    } catch {
      // not this form; the next one, or null
    }
  }
  return null;
}

function rsa2048(field: string, key: KeyObject): KeyObject {
  if (key.asymmetricKeyType !== 'rsa') fail(field, `must be an RSA key (RSA2 is SHA256withRSA), not ${key.asymmetricKeyType ?? 'unknown'}`);
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < 2048) fail(field, `must be an RSA key of at least 2048 bits for RSA2 (got ${bits})`);
  return key;
}

function privateKeyOf(text: string): KeyObject {
  if (!text.trim()) fail('privateKey', 'required: the app private key (应用私钥) made with Alipay’s key tool');
  const key = asPrivateKey(text.trim());
  if (!key) fail('privateKey', 'is not an RSA private key (PEM, or the base64 text of 应用私钥RSA2048.txt)');
  return rsa2048('privateKey', key);
}

function publicKeyOf(text: string, own: KeyObject): KeyObject {
  const t = text.trim();
  if (!t) fail('alipayPublicKey', 'required: the Alipay public key (支付宝公钥) shown in the app’s 接口加签方式');
  // createPublicKey would happily derive a public key from a pasted private key: say what went wrong instead.
  if (/PRIVATE KEY/.test(t)) fail('alipayPublicKey', 'is a private key; paste the Alipay public key (支付宝公钥) here, and keep private keys out of this field');
  if (/CERTIFICATE/.test(t)) fail('alipayPublicKey', 'is a certificate; DepotDesk uses the public-key mode (公钥模式), not the certificate mode (公钥证书)');
  let key: KeyObject;
  try {
    const der = t.includes('-----BEGIN') ? null : bareDer(t);
    key = der ? createPublicKey({ key: der, format: 'der', type: 'spki' }) : createPublicKey(t);
  } catch {
    fail('alipayPublicKey', 'is not an RSA public key (PEM, or the base64 text Alipay shows)');
  }
  rsa2048('alipayPublicKey', key);
  const ownPublic = createPublicKey(own).export({ type: 'spki', format: 'der' });
  if (ownPublic.equals(key.export({ type: 'spki', format: 'der' }))) {
    fail('alipayPublicKey', 'is the app’s own public key (应用公钥); paste the Alipay public key (支付宝公钥) shown beside it');
  }
  return key;
}

function httpsUrl(field: string, text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    fail(field, 'is not a URL');
  }
  if (url.protocol !== 'https:') fail(field, `must be an https:// URL (got ${url.protocol})`);
  return url;
}

/**
 * Checks the plain fields an admin entered (or a config file holds) and makes credentials of
 * them. Each problem is a config_invalid error naming its field (payments.alipay.<field>);
 * no message ever contains a key or part of one.
 */
export function loadAlipayCredentials(fields: unknown): AlipayCredentials {
  const parsed = Fields.safeParse(fields);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : issue.path.join('.') || '(fields)';
    fail(field, issue.code === 'unrecognized_keys' ? 'is not an Alipay credential field' : `is missing or of the wrong type (${issue.code})`);
  }
  const f = parsed.data;
  if (!/^\d{16}$/.test(f.appId.trim())) fail('appId', 'must be the 16-digit APPID of the app on open.alipay.com');
  const privateKey = privateKeyOf(f.privateKey);
  const alipayPublicKey = publicKeyOf(f.alipayPublicKey, privateKey).export({ type: 'spki', format: 'pem' }).toString();
  if (f.ca !== undefined && !f.ca.includes('-----BEGIN CERTIFICATE-----')) fail('ca', 'must be a PEM certificate');
  return {
    appId: f.appId.trim(),
    privateKey,
    alipayPublicKey,
    gateway: httpsUrl('gateway', f.gateway ?? ALIPAY_GATEWAY),
    notifyUrl: f.notifyUrl ? httpsUrl('notifyUrl', f.notifyUrl).href : undefined,
    ca: f.ca,
    timeoutMs: f.timeoutMs ?? 10_000,
  };
}

/** Beijing wall-clock text (yyyy-MM-dd HH:mm:ss), as Alipay writes and reads every time. */
export function chinaTime(ms: number): string {
  return new Date(ms + 8 * 3_600_000).toISOString().replace('T', ' ').slice(0, 19);
}

/** Epoch ms of a Beijing wall-clock text, or NaN. */
export function fromChinaTime(text: unknown): number {
  if (typeof text !== 'string' || !/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(text)) return NaN;
  return Date.parse(`${text.replace(' ', 'T')}+08:00`);
}

/** The SDK, configured once per provider, used only for its signing and verifying. */
export class AlipaySigner {
  private sdk: AlipaySdkClass | null = null;

  constructor(private readonly cr: AlipayCredentials) {}

  private get(): AlipaySdkClass {
    if (this.sdk) return this.sdk;
    // PKCS#8 whatever was given (a PKCS#1 PEM string included): the SDK re-wraps the key text by the keyType it is told.
    const given = this.cr.privateKey;
    const pk = typeof given === 'string' ? (asPrivateKey(given.trim()) ?? fail('privateKey', 'is not an RSA private key')) : given;
    this.sdk = new (sdkLib().AlipaySdk)({
      appId: this.cr.appId,
      privateKey: pk.export({ type: 'pkcs8', format: 'pem' }).toString(),
      keyType: 'PKCS8',
      alipayPublicKey: this.cr.alipayPublicKey,
      gateway: this.cr.gateway.href,
      signType: 'RSA2',
      camelcase: false,
    });
    return this.sdk;
  }

  /**
   * The signed request as a form body: the common parameters (app_id, method, charset, sign_type,
   * timestamp in Beijing time, version, notify_url) and biz_content, with `sign`. The timestamp is
   * ours, not the SDK's: the SDK would print the PC's local time, and the gateway reads Beijing time.
   */
  form(method: string, biz: Record<string, unknown>, now: number, notifyUrl?: string): string {
    const params: Record<string, unknown> = { bizContent: biz, timestamp: chinaTime(now) };
    if (notifyUrl) params.notify_url = notifyUrl;
    return this.get().sdkExecute(method, params, { bizContentAutoSnakeCase: false });
  }

  /** Whether `sign` verifies over the answer's xxx_response object, exactly as received. */
  answerVerifies(body: string, responseKey: string, sign: string): boolean {
    if (!sign) return false;
    try {
      this.get().checkResponseSign(body, responseKey, sign, '');
      return true;
    } catch {
      return false;
    }
  }

  /** Whether a notification's `sign` verifies over its other parameters (sign and sign_type left out, sorted). */
  notificationVerifies(params: Record<string, string>): boolean {
    try {
      return this.get().checkNotifySignV2(params);
    } catch {
      return false;
    }
  }
}
