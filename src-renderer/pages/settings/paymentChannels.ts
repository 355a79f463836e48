import type { MethodInput, MethodOutput } from '../../../src-main/contract/types';

/**
 * The pure part of Settings → 支付渠道 and of the offline tag: which fields each gateway asks for,
 * the save request built from what the admin typed, and which channels to show as offline.
 * Secrets are never pre-filled: a secret left blank on a channel that has stored credentials is
 * sent as absent, and the core keeps the stored one (payments/credentials.ts).
 */

export type ChannelView = MethodOutput<'payments.channels'>[number];
export type PaymentChannel = ChannelView['channel'];
export type SaveInput = MethodInput<'payments.saveCredentials'>;

export interface FieldSpec {
  name: string;
  secret: boolean;
  /** A PEM or other long text: a textarea. */
  multiline: boolean;
  optional: boolean;
}

const field = (name: string, o: Partial<Omit<FieldSpec, 'name'>> = {}): FieldSpec => ({ name, secret: false, multiline: false, optional: false, ...o });

/** The WeChat Pay platform key: a platform certificate with its serial, or a WeChat Pay public key with its id. */
export type PlatformKind = 'certificate' | 'publicKey';

export function fieldsFor(channel: PaymentChannel, platform: PlatformKind): FieldSpec[] {
  if (channel === 'alipay') {
    return [
      field('appId'),
      field('appPrivateKey', { secret: true, multiline: true }),
      field('alipayPublicKey', { secret: true, multiline: true }),
      field('gateway', { optional: true }),
      field('notifyUrl', { optional: true }),
    ];
  }
  const platformFields =
    platform === 'certificate'
      ? [field('platformSerial'), field('platformCertificate', { secret: true, multiline: true })]
      : [field('publicKeyId'), field('publicKey', { secret: true, multiline: true })];
  return [
    field('mchid'),
    field('appid'),
    field('merchantSerial'),
    field('merchantPrivateKey', { secret: true, multiline: true }),
    field('apiV3Key', { secret: true }),
    ...platformFields,
    field('notifyUrl', { optional: true }),
  ];
}

export type FormValues = Record<string, string | undefined>;

/** The non-secret values to start an edit from (what the summary shows); secrets start blank. */
export function initialValues(view: ChannelView): { values: FormValues; platform: PlatformKind } {
  const s = view.credentials?.summary ?? {};
  const platform: PlatformKind = s.publicKeyId ? 'publicKey' : 'certificate';
  const values: FormValues = {};
  for (const f of fieldsFor(view.channel, platform)) if (!f.secret && s[f.name]) values[f.name] = s[f.name];
  return { values, platform };
}

/** Text as typed: trimmed; blank is absent. */
function given(v: string | undefined): string | undefined {
  const t = v?.trim();
  return t ? t : undefined;
}

/** The request for payments.saveCredentials from the form. */
export function saveInput(channel: PaymentChannel, version: number, platform: PlatformKind, v: FormValues): SaveInput {
  if (channel === 'alipay') {
    return {
      channel,
      expectedVersion: version,
      settings: { appId: given(v.appId) ?? '', gateway: given(v.gateway), notifyUrl: given(v.notifyUrl) },
      secrets: { appPrivateKey: given(v.appPrivateKey), alipayPublicKey: given(v.alipayPublicKey) },
    };
  }
  const certificate = platform === 'certificate';
  return {
    channel,
    expectedVersion: version,
    settings: {
      mchid: given(v.mchid) ?? '',
      appid: given(v.appid) ?? '',
      merchantSerial: given(v.merchantSerial) ?? '',
      platformSerial: certificate ? (given(v.platformSerial) ?? '') : undefined,
      publicKeyId: certificate ? undefined : (given(v.publicKeyId) ?? ''),
      notifyUrl: given(v.notifyUrl),
    },
    secrets: {
      merchantPrivateKey: given(v.merchantPrivateKey),
      apiV3Key: given(v.apiV3Key),
      platformCertificate: certificate ? given(v.platformCertificate) : undefined,
      publicKey: certificate ? undefined : given(v.publicKey),
    },
  };
}

/** The channels to flag where the operator works: a real gateway that did not answer its last call. */
export function offlineChannels(list: readonly ChannelView[]): PaymentChannel[] {
  return list.filter((c) => c.provider !== 'simulated' && c.health?.online === false).map((c) => c.channel);
}
