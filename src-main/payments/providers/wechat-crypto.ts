import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import type { Aes as AesLib, Formatter as FormatterLib, Rsa as RsaLib } from 'wechatpay-axios-plugin';
import type { Config } from '../../kernel/config';
import { DepotError } from '../../kernel/errors';
import { lazyRequire } from '../../kernel/lazy-require';

/**
 * WeChat Pay API v3 signing, verifying and decrypting, done by wechatpay-axios-plugin's own
 * building blocks (Formatter: the signed message and the Authorization header; Rsa: SHA256-RSA
 * sign and verify; Aes.AesGcm: AEAD_AES_256_GCM). Only those three files of the package are
 * loaded, lazily: its axios client (lib/wechatpay.js) is never required, and our requests go out
 * through Node's https (wechat-http.ts), which takes a per-request CA.
 */

const rsa = lazyRequire<typeof RsaLib>('wechatpay-axios-plugin/lib/rsa.js');
const aes = lazyRequire<typeof AesLib>('wechatpay-axios-plugin/lib/aes.js');
const formatter = lazyRequire<typeof FormatterLib>('wechatpay-axios-plugin/lib/formatter.js');

/** An answer or notification older or newer than this is a replay or a wrong clock: not believed. */
export const MAX_SKEW_S = 300;

export interface WechatCredentials {
  mchid: string;
  appid: string;
  notifyUrl: string;
  baseUrl: URL;
  merchantSerial: string;
  merchantKey: KeyObject;
  platformSerial: string;
  platformKey: KeyObject;
  /** The 32-byte API v3 key. */
  apiV3Key: Buffer;
  ca?: string;
  timeoutMs: number;
}

type WechatConfig = Config['payments']['wechat'];

/**
 * A merchant's WeChat Pay credentials as text, wherever they came from (the files config names,
 * or the fields an admin entered in Settings, payments/credentials.ts). `fail` names the field in
 * the caller's words (payments.wechat.merchantKeyFile, merchantPrivateKey …).
 */
export interface WechatSecrets {
  mchid: string;
  appid: string;
  notifyUrl: string;
  merchantSerial: string;
  /** PEM of the merchant API private key (apiclient_key.pem). */
  merchantPrivateKey: string;
  /** The platform certificate's serial, or the WeChat Pay public key id (PUB_KEY_ID_…). */
  platformSerial: string;
  /** PEM of the platform certificate or of the WeChat Pay public key. */
  platformKey: string;
  apiV3Key: string;
}

export type WechatField = keyof WechatSecrets;
type Fail = (field: WechatField, message: string) => never;

/** Parses a PEM private key; the error names the field, never echoes the text. */
export function parsePrivateKey(pem: string, onBad: () => never): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch {
    return onBad();
  }
}

/** Parses a PEM public key or certificate (its public key); the error names the field. */
export function parsePublicKey(pem: string, onBad: () => never): KeyObject {
  try {
    return createPublicKey(pem);
  } catch {
    return onBad();
  }
}

/** The API v3 key as bytes: exactly 32 (never echoed, not even in part). */
export function parseApiV3Key(raw: string, onBad: (message: string) => never): Buffer {
  const key = Buffer.from(raw.trim(), 'utf8');
  if (key.length !== 32) onBad(`the API v3 key must be 32 characters (got ${key.length})`);
  return key;
}

/** The validation both paths share: every text field present, the keys parse, the API v3 key is 32 bytes. */
export function wechatKeys(s: WechatSecrets, fail: Fail): Pick<WechatCredentials, 'merchantKey' | 'platformKey' | 'apiV3Key'> {
  for (const f of ['mchid', 'appid', 'notifyUrl', 'merchantSerial', 'platformSerial'] as const) {
    if (!s[f].trim()) fail(f, 'required');
  }
  if (!s.notifyUrl.startsWith('https://')) fail('notifyUrl', 'must be an https:// URL');
  return {
    merchantKey: parsePrivateKey(s.merchantPrivateKey, () => fail('merchantPrivateKey', 'is not a PEM private key (apiclient_key.pem)')),
    platformKey: parsePublicKey(s.platformKey, () => fail('platformKey', 'is neither a PEM certificate nor a PEM public key')),
    apiV3Key: parseApiV3Key(s.apiV3Key, (m) => fail('apiV3Key', m)),
  };
}

/** Credentials from text fields (payments/credentials.ts); the gateway's address, CA and timeout come from config. */
export function wechatCredentialsFrom(s: WechatSecrets, c: Pick<WechatConfig, 'apiBaseUrl' | 'caFile' | 'timeoutMs'>, fail: Fail): WechatCredentials {
  return {
    mchid: s.mchid.trim(),
    appid: s.appid.trim(),
    notifyUrl: s.notifyUrl.trim(),
    baseUrl: new URL(c.apiBaseUrl),
    merchantSerial: s.merchantSerial.trim(),
    platformSerial: s.platformSerial.trim(),
    ...wechatKeys(s, fail),
    ca: c.caFile ? readFile('caFile', c.caFile) : undefined,
    timeoutMs: c.timeoutMs,
  };
}

function fail(key: string, message: string): never {
  throw new DepotError('config_invalid', `payments.wechat.${key}: ${message}`, { key: `payments.wechat.${key}` });
}

function readFile(key: string, file: string): string {
  if (!file) fail(key, 'required when payments.provider.wechat is "wechat"');
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    return fail(key, `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function apiV3KeyText(c: WechatConfig, env: NodeJS.ProcessEnv): string {
  const from = c.apiV3KeyFile ? 'apiV3KeyFile' : 'apiV3KeyEnv';
  const raw = c.apiV3KeyFile ? readFile('apiV3KeyFile', c.apiV3KeyFile) : c.apiV3KeyEnv ? env[c.apiV3KeyEnv] : undefined;
  if (raw === undefined || raw.trim() === '') {
    fail(from, c.apiV3KeyFile ? 'the file is empty' : `the environment variable ${c.apiV3KeyEnv || '(none named)'} is not set`);
  }
  return raw;
}

/** Config's name for each field: a bad merchant key is reported as payments.wechat.merchantKeyFile. */
function configKey(c: WechatConfig, field: WechatField): string {
  const keys: Partial<Record<WechatField, string>> = {
    merchantPrivateKey: 'merchantKeyFile',
    platformKey: 'platformCertFile',
    apiV3Key: c.apiV3KeyFile ? 'apiV3KeyFile' : 'apiV3KeyEnv',
  };
  return keys[field] ?? field;
}

/** Reads the merchant's keys and certificates named by config; any missing or unreadable one is a config_invalid error naming its key. */
export function loadCredentials(c: WechatConfig, env: NodeJS.ProcessEnv = process.env): WechatCredentials {
  for (const key of ['mchid', 'appid', 'notifyUrl', 'merchantSerial', 'platformSerial'] as const) {
    if (!c[key]) fail(key, 'required when payments.provider.wechat is "wechat"');
  }
  const files = {
    merchantPrivateKey: readFile('merchantKeyFile', c.merchantKeyFile),
    platformKey: readFile('platformCertFile', c.platformCertFile),
    apiV3Key: apiV3KeyText(c, env),
  };
  const failFile: Fail = (field, message) => {
    const key = configKey(c, field);
    const file = field === 'merchantPrivateKey' ? c.merchantKeyFile : field === 'platformKey' ? c.platformCertFile : '';
    return fail(key, file ? `${file} ${message}` : message);
  };
  return wechatCredentialsFrom(
    { mchid: c.mchid, appid: c.appid, notifyUrl: c.notifyUrl, merchantSerial: c.merchantSerial, platformSerial: c.platformSerial, ...files },
    c,
    failFile,
  );
}

/** The Authorization header of a request: WECHATPAY2-SHA256-RSA2048 over METHOD\nURL\ntimestamp\nnonce\nbody\n. */
export function authorization(cr: WechatCredentials, method: string, pathAndQuery: string, body: string): string {
  const f = formatter();
  const nonce = f.nonce();
  const timestamp = f.timestamp();
  const signature = rsa().sign(f.request(method, pathAndQuery, timestamp, nonce, body), cr.merchantKey);
  return f.authorization(cr.mchid, nonce, signature, timestamp, cr.merchantSerial);
}

/**
 * Whether an answer or notification was signed by the platform key we hold: Wechatpay-Serial
 * names it, Wechatpay-Timestamp is within MAX_SKEW_S of now, and Wechatpay-Signature verifies
 * over timestamp\nnonce\nbody\n. Returns the reason it is not believed, or null.
 */
export function signatureProblem(cr: WechatCredentials, headers: Record<string, string>, body: string, nowS = Math.floor(Date.now() / 1000)): string | null {
  const h = (name: string): string => headers[name] ?? headers[name.toLowerCase()] ?? '';
  const serial = h('Wechatpay-Serial');
  const timestamp = h('Wechatpay-Timestamp');
  const nonce = h('Wechatpay-Nonce');
  const signature = h('Wechatpay-Signature');
  if (!serial || !timestamp || !nonce || !signature) return 'unsigned (Wechatpay-Serial, -Timestamp, -Nonce or -Signature missing)';
  if (serial !== cr.platformSerial) return `signed by an unknown platform key (serial ${serial}, expected ${cr.platformSerial})`;
  if (!/^\d+$/.test(timestamp) || Math.abs(nowS - Number(timestamp)) > MAX_SKEW_S) return `timestamp ${timestamp} is more than ${MAX_SKEW_S} s away from now`;
  let ok = false;
  try {
    ok = rsa().verify(formatter().response(timestamp, nonce, body), signature, cr.platformKey);
  } catch {
    ok = false;
  }
  return ok ? null : 'the signature does not verify';
}

/** AEAD_AES_256_GCM decryption of a notification resource with the API v3 key; throws when the tag does not verify. */
export function decryptResource(cr: WechatCredentials, r: { ciphertext: string; nonce: string; associated_data?: string }): string {
  return aes().AesGcm.decrypt(r.ciphertext, cr.apiV3Key, r.nonce, r.associated_data ?? '');
}
