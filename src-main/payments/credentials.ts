import { createHash, createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import type { AppContext } from '../kernel/context';
import { writeTx } from '../kernel/db/connection';
import { afterCommit } from '../kernel/db/after-commit';
import { getRow } from '../kernel/db/rows';
import { DepotError, expectChanges, isDepotError } from '../kernel/errors';
import { open, seal } from '../kernel/secret-box';
import type { CredentialProvider, PaymentChannel } from './schema';
import { loadAlipayCredentials, type AlipayCredentials } from './providers/alipay';
import { parseApiV3Key, type WechatSecrets } from './providers/wechat-crypto';

/**
 * A merchant's gateway credentials, entered in Settings by an admin (table payment_credentials).
 *
 * Guarantees (test/payments/credentials.test.ts):
 * - The secrets (private keys, the API v3 key, the platform's and Alipay's public keys) are kept
 *   only sealed (kernel/secret-box.ts: AES-256-GCM under a key outside the database, bound to the
 *   channel); the database file never holds them in plain text.
 * - What leaves this module for a screen is the summary: merchant id, app id, serials and key
 *   fingerprints (first 8 hex of SHA-256 of the public key). A secret is never returned, logged,
 *   put in an error message or in the audit row (the method's input keeps them under `secrets`,
 *   which the audit summary blanks).
 * - Every key is parsed when saved; a bad one is refused naming its field, and nothing is stored.
 * - Versioned: a save or removal against another version than the stored one is refused
 *   (`conflict`); each save is the next version.
 * - A blank secret on a later save keeps the stored one (opened and re-sealed here, never sent to
 *   the screen); the whole set is validated again as if entered anew.
 * - A channel's row is bound to its provider: the wechat channel holds WeChat Pay credentials,
 *   the alipay channel Alipay's.
 */

declare module '../kernel/events' {
  interface DepotEventMap {
    /** A channel's credentials, last test or reachability changed: Settings and the offline tag refetch payments.channels. */
    'payments.channel': { channel: 'wechat' | 'alipay'; reason: 'credentials' | 'tested' | 'online' | 'offline' };
  }
}

// ── what an admin enters ─────────────────────────────────────────────────────────────────────

const text = (max: number) => z.string().trim().min(1).max(max);
/** A secret field: blank or absent on a later save keeps the stored one. */
const secretText = z.string().max(20_000).optional();
const httpsUrl = z.url({ protocol: /^https$/, message: 'must be an https:// URL' });

export const wechatCredentialsInput = z.strictObject({
  channel: z.literal('wechat'),
  /** The version the screen showed (0 when none was stored). */
  expectedVersion: z.number().int().min(0),
  settings: z.strictObject({
    mchid: z
      .string()
      .trim()
      .regex(/^\d{6,32}$/, '商户号 (mchid) is digits'),
    appid: text(64),
    merchantSerial: z
      .string()
      .trim()
      .regex(/^[0-9A-Fa-f]{8,64}$/, 'the merchant certificate serial is hex'),
    /** The platform certificate's serial (with secrets.platformCertificate)… */
    platformSerial: text(128).optional(),
    /** …or the WeChat Pay public key id, PUB_KEY_ID_… (with secrets.publicKey). */
    publicKeyId: text(128).optional(),
    notifyUrl: httpsUrl.optional(),
  }),
  secrets: z.strictObject({
    merchantPrivateKey: secretText,
    apiV3Key: secretText,
    platformCertificate: secretText,
    publicKey: secretText,
  }),
});

export const alipayCredentialsInput = z.strictObject({
  channel: z.literal('alipay'),
  expectedVersion: z.number().int().min(0),
  settings: z.strictObject({
    /** The app's APPID on open.alipay.com (16 digits; providers/alipay.ts checks it). */
    appId: text(32),
    gateway: httpsUrl.optional(),
    notifyUrl: httpsUrl.optional(),
  }),
  secrets: z.strictObject({ appPrivateKey: secretText, alipayPublicKey: secretText }),
});

export const credentialsInput = z.discriminatedUnion('channel', [wechatCredentialsInput, alipayCredentialsInput]);
export type CredentialsInput = z.infer<typeof credentialsInput>;

// ── what is sealed ───────────────────────────────────────────────────────────────────────────

export interface WechatStored {
  provider: 'wechat';
  mchid: string;
  appid: string;
  merchantSerial: string;
  merchantPrivateKey: string;
  apiV3Key: string;
  platform: { kind: 'certificate' | 'publicKey'; id: string; pem: string };
  notifyUrl: string | null;
}

export interface AlipayStored {
  provider: 'alipay';
  appId: string;
  appPrivateKey: string;
  alipayPublicKey: string;
  gateway: string | null;
  notifyUrl: string | null;
}

export type StoredCredentials = WechatStored | AlipayStored;

export interface CredentialsRow {
  channel: PaymentChannel;
  provider: CredentialProvider;
  summary: Record<string, string>;
  version: number;
  updatedAt: number;
  updatedBy: string;
  testedAt: number | null;
  testOk: boolean | null;
  testMessage: string | null;
}

const context = (channel: PaymentChannel) => `payment_credentials:${channel}`;

function invalid(field: string, message: string): never {
  throw new DepotError('invalid_input', `${field}: ${message}`, { field });
}

/** First 8 hex of SHA-256 over the public key (SPKI, DER): enough to tell two keys apart, nothing to sign with. */
export function fingerprint(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256')
    .update(pub.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 8);
}

function privateKey(field: string, pem: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch {
    return invalid(field, 'is not a PEM private key');
  }
}

function publicKey(field: string, pem: string, certificate: boolean): KeyObject {
  try {
    return certificate ? new X509Certificate(pem).publicKey : createPublicKey(pem);
  } catch {
    return invalid(field, certificate ? 'is not a PEM certificate (-----BEGIN CERTIFICATE-----)' : 'is not a PEM public key (-----BEGIN PUBLIC KEY-----)');
  }
}

/** The entered secret, or the stored one when left blank; missing both is refused naming the field. */
function secretOr(field: string, entered: string | undefined, stored: string | undefined): string {
  if (entered !== undefined && entered.trim() !== '') return entered.trim();
  if (stored !== undefined) return stored;
  return invalid(field, 'required');
}

function platformOf(input: z.infer<typeof wechatCredentialsInput>, prev: WechatStored | null): WechatStored['platform'] {
  const { platformSerial, publicKeyId } = input.settings;
  if ((platformSerial === undefined) === (publicKeyId === undefined)) {
    invalid('settings.platformSerial', 'give either the platform certificate serial (platformSerial) or the WeChat Pay public key id (publicKeyId), not both');
  }
  const kind = platformSerial !== undefined ? 'certificate' : 'publicKey';
  const [field, other] = kind === 'certificate' ? (['platformCertificate', 'publicKey'] as const) : (['publicKey', 'platformCertificate'] as const);
  if (input.secrets[other]?.trim())
    invalid(`secrets.${other}`, `given, but settings names a ${kind === 'certificate' ? 'platform certificate serial' : 'public key id'}`);
  const stored = prev?.platform.kind === kind ? prev.platform.pem : undefined;
  return { kind, id: (platformSerial ?? publicKeyId)!, pem: secretOr(`secrets.${field}`, input.secrets[field], stored) };
}

/** Validates a WeChat Pay set (every key parsed) and returns what is sealed and what may be shown. */
function wechatSet(app: AppContext, input: z.infer<typeof wechatCredentialsInput>, prev: WechatStored | null): { stored: WechatStored; summary: Record<string, string> } {
  const s = input.settings;
  const platform = platformOf(input, prev);
  const stored: WechatStored = {
    provider: 'wechat',
    mchid: s.mchid,
    appid: s.appid,
    merchantSerial: s.merchantSerial.toUpperCase(),
    merchantPrivateKey: secretOr('secrets.merchantPrivateKey', input.secrets.merchantPrivateKey, prev?.merchantPrivateKey),
    apiV3Key: secretOr('secrets.apiV3Key', input.secrets.apiV3Key, prev?.apiV3Key),
    platform,
    notifyUrl: s.notifyUrl ?? null,
  };
  const merchantKey = privateKey('secrets.merchantPrivateKey', stored.merchantPrivateKey);
  const platformKey = publicKey(`secrets.${platform.kind === 'certificate' ? 'platformCertificate' : 'publicKey'}`, platform.pem, platform.kind === 'certificate');
  parseApiV3Key(stored.apiV3Key, (m) => invalid('secrets.apiV3Key', m));
  if (!stored.notifyUrl && !app.config.payments.wechat.notifyUrl) {
    invalid('settings.notifyUrl', 'required (config has no payments.wechat.notifyUrl to fall back on)');
  }
  const summary: Record<string, string> = {
    mchid: stored.mchid,
    appid: stored.appid,
    merchantSerial: stored.merchantSerial,
    merchantKey: fingerprint(merchantKey),
    [platform.kind === 'certificate' ? 'platformSerial' : 'publicKeyId']: platform.id,
    platformKey: fingerprint(platformKey),
    notifyUrl: stored.notifyUrl ?? app.config.payments.wechat.notifyUrl,
  };
  return { stored, summary };
}

/** loadAlipayCredentials' field (payments.alipay.<field>) → the field of our input. */
const ALIPAY_FIELDS: Record<string, string> = {
  appId: 'settings.appId',
  privateKey: 'secrets.appPrivateKey',
  alipayPublicKey: 'secrets.alipayPublicKey',
  gateway: 'settings.gateway',
  notifyUrl: 'settings.notifyUrl',
};

/** The Alipay fields providers/alipay.ts builds a provider from; the gateway falls back to config. */
export function alipayFieldsOf(app: Pick<AppContext, 'config'>, s: AlipayStored): Record<string, string | number> {
  const c = app.config.payments.alipay;
  const fields: Record<string, string | number> = {
    appId: s.appId,
    privateKey: s.appPrivateKey,
    alipayPublicKey: s.alipayPublicKey,
    gateway: s.gateway ?? c.gateway,
    timeoutMs: c.timeoutMs,
  };
  if (s.notifyUrl) fields.notifyUrl = s.notifyUrl;
  return fields;
}

/** Validates an Alipay set with the provider's own loader (PEM or Alipay's bare base64, RSA2 2048, not the app's own public key). */
function alipaySet(app: AppContext, input: z.infer<typeof alipayCredentialsInput>, prev: AlipayStored | null): { stored: AlipayStored; summary: Record<string, string> } {
  const s = input.settings;
  const stored: AlipayStored = {
    provider: 'alipay',
    appId: s.appId,
    appPrivateKey: secretOr('secrets.appPrivateKey', input.secrets.appPrivateKey, prev?.appPrivateKey),
    alipayPublicKey: secretOr('secrets.alipayPublicKey', input.secrets.alipayPublicKey, prev?.alipayPublicKey),
    gateway: s.gateway ?? null,
    notifyUrl: s.notifyUrl ?? null,
  };
  let cr: AlipayCredentials;
  try {
    cr = loadAlipayCredentials(alipayFieldsOf(app, stored));
  } catch (e) {
    const key = isDepotError(e) ? String((e.details as { key?: unknown } | undefined)?.key ?? '') : '';
    const field = ALIPAY_FIELDS[key.replace(/^payments\.alipay\./, '')];
    if (!field || !isDepotError(e)) throw e;
    return invalid(field, e.message.replace(/^payments\.alipay\.\w+: /, ''));
  }
  const summary: Record<string, string> = {
    appId: cr.appId,
    appKey: fingerprint(typeof cr.privateKey === 'string' ? createPrivateKey(cr.privateKey) : cr.privateKey),
    alipayKey: fingerprint(createPublicKey(cr.alipayPublicKey)),
    gateway: cr.gateway.href,
  };
  if (cr.notifyUrl) summary.notifyUrl = cr.notifyUrl;
  return { stored, summary };
}

// ── the store ────────────────────────────────────────────────────────────────────────────────

interface Row {
  channel: PaymentChannel;
  provider: CredentialProvider;
  sealed: string;
  summary: string;
  version: number;
  updatedAt: number;
  updatedBy: string;
  testedAt: number | null;
  testOk: number | null;
  testMessage: string | null;
}

function readRow(app: Pick<AppContext, 'sqlite'>, channel: PaymentChannel): Row | undefined {
  return getRow<Row>(
    app.sqlite.prepare(
      `SELECT channel, provider, sealed, summary, version, updated_at AS updatedAt, updated_by AS updatedBy,
              tested_at AS testedAt, test_ok AS testOk, test_message AS testMessage
         FROM payment_credentials WHERE channel = ?`,
    ),
    channel,
  );
}

function shown(r: Row): CredentialsRow {
  return {
    channel: r.channel,
    provider: r.provider,
    summary: JSON.parse(r.summary) as Record<string, string>,
    version: r.version,
    updatedAt: r.updatedAt,
    updatedBy: r.updatedBy,
    testedAt: r.testedAt,
    testOk: r.testOk === null ? null : r.testOk === 1,
    testMessage: r.testMessage,
  };
}

function opened(app: Pick<AppContext, 'sqlite'>, r: Row): StoredCredentials {
  return JSON.parse(open(app.sqlite, context(r.channel), r.sealed)) as StoredCredentials;
}

export function announceChannel(app: Pick<AppContext, 'sqlite' | 'events'>, channel: PaymentChannel, reason: 'credentials' | 'tested' | 'online' | 'offline'): void {
  afterCommit(app.sqlite, () => app.events.emit('payments.channel', { channel, reason }));
}

/** What Settings shows of a channel's credentials (never a secret), or null when none are stored. */
export function getCredentials(app: Pick<AppContext, 'sqlite'>, channel: PaymentChannel): CredentialsRow | null {
  const r = readRow(app, channel);
  return r ? shown(r) : null;
}

/**
 * A channel's stored credentials for providers/index.ts: `stamp` (the sealed text, new on every
 * save) tells a cached provider whether they changed; `open()` unseals them. Null when none.
 */
export function storedCredentials(app: Pick<AppContext, 'sqlite'>, channel: PaymentChannel): { stamp: string; open(): StoredCredentials } | null {
  const r = readRow(app, channel);
  return r ? { stamp: r.sealed, open: () => opened(app, r) } : null;
}

function checkVersion(current: Row | undefined, expected: number, channel: PaymentChannel): void {
  const version = current?.version ?? 0;
  if (version !== expected) {
    throw new DepotError('conflict', `the ${channel} credentials are at version ${version}, not ${expected}; reload and enter them again`, {
      field: 'expectedVersion',
      version,
    });
  }
}

/** Stores a channel's credentials as the next version, after every key parsed. */
export function saveCredentials(app: AppContext, input: CredentialsInput, by: string): CredentialsRow {
  const row = writeTx(app.sqlite, () => {
    const current = readRow(app, input.channel);
    checkVersion(current, input.expectedVersion, input.channel);
    const prev = current ? opened(app, current) : null;
    const { stored, summary } =
      input.channel === 'wechat' ? wechatSet(app, input, prev?.provider === 'wechat' ? prev : null) : alipaySet(app, input, prev?.provider === 'alipay' ? prev : null);
    const anySealed = app.sqlite.prepare('SELECT 1 FROM payment_credentials LIMIT 1').get() !== undefined;
    const sealed = seal(app.sqlite, context(input.channel), JSON.stringify(stored), !anySealed);
    const values = { channel: input.channel, provider: stored.provider, sealed, summary: JSON.stringify(summary), now: app.clock.now(), by };
    if (current) {
      const r = app.sqlite
        .prepare(
          `UPDATE payment_credentials SET provider = @provider, sealed = @sealed, summary = @summary, version = version + 1, updated_at = @now,
                  updated_by = @by, tested_at = NULL, test_ok = NULL, test_message = NULL
            WHERE channel = @channel AND version = @version`,
        )
        .run({ ...values, version: current.version });
      expectChanges(r, 1, `save ${input.channel} credentials`);
    } else {
      app.sqlite
        .prepare(
          `INSERT INTO payment_credentials (channel, provider, sealed, summary, version, updated_at, updated_by)
           VALUES (@channel, @provider, @sealed, @summary, 1, @now, @by)`,
        )
        .run(values);
    }
    return shown(readRow(app, input.channel)!);
  });
  announceChannel(app, input.channel, 'credentials');
  return row;
}

/** Forgets a channel's credentials (it falls back to config, or the simulated gateway). */
export function removeCredentials(app: AppContext, channel: PaymentChannel, expectedVersion: number): void {
  writeTx(app.sqlite, () => {
    const current = readRow(app, channel);
    if (!current) throw new DepotError('not_found', `channel: no ${channel} credentials are stored`, { field: 'channel' });
    checkVersion(current, expectedVersion, channel);
    expectChanges(
      app.sqlite.prepare('DELETE FROM payment_credentials WHERE channel = ? AND version = ?').run(channel, current.version),
      1,
      `remove ${channel} credentials`,
    );
  });
  announceChannel(app, channel, 'credentials');
}

/** Records a connection test's outcome on the stored version (`message` holds no secret: it is the gateway's or our own wording). */
export function recordTest(app: AppContext, channel: PaymentChannel, version: number, ok: boolean, message: string): CredentialsRow {
  const r = app.sqlite
    .prepare('UPDATE payment_credentials SET tested_at = ?, test_ok = ?, test_message = ? WHERE channel = ? AND version = ?')
    .run(app.clock.now(), ok ? 1 : 0, message.slice(0, 500), channel, version);
  if (Number(r.changes) !== 1) {
    throw new DepotError('conflict', `the ${channel} credentials changed while they were tested; test again`, { field: 'channel' });
  }
  announceChannel(app, channel, 'tested');
  return getCredentials(app, channel)!;
}

/** The WeChat Pay fields wechat-crypto.ts builds a provider from; notifyUrl falls back to config. */
export function wechatSecretsOf(app: Pick<AppContext, 'config'>, s: WechatStored): WechatSecrets {
  return {
    mchid: s.mchid,
    appid: s.appid,
    notifyUrl: s.notifyUrl ?? app.config.payments.wechat.notifyUrl,
    merchantSerial: s.merchantSerial,
    merchantPrivateKey: s.merchantPrivateKey,
    platformSerial: s.platform.id,
    platformKey: s.platform.pem,
    apiV3Key: s.apiV3Key,
  };
}
