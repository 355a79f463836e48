import { describe, expect, it } from 'vitest';
import { credentialsInput } from '../../src-main/payments/credentials';
import { wordingFor } from '../../src-renderer/i18n';
import { fieldsFor, initialValues, offlineChannels, saveInput, type ChannelView } from '../../src-renderer/pages/settings/paymentChannels';

/**
 * Settings → 支付渠道's pure part: the form asks each gateway for its own fields, never pre-fills a
 * secret, sends a blank secret as absent (the core keeps the stored one), and the header flags
 * exactly the real channels whose gateway did not answer.
 */

const stored: ChannelView = {
  channel: 'wechat',
  provider: 'wechat',
  source: 'settings',
  credentials: {
    channel: 'wechat',
    provider: 'wechat',
    summary: {
      mchid: '1900000109',
      appid: 'wx8888888888888888',
      merchantSerial: 'ABCDEF12',
      merchantKey: '0a1b2c3d',
      publicKeyId: 'PUB_KEY_ID_0114',
      platformKey: '9f8e7d6c',
    },
    version: 3,
    updatedAt: 0,
    updatedBy: 'admin',
    testedAt: null,
    testOk: null,
    testMessage: null,
  },
  health: { online: false, lastOkAt: null, lastErrorAt: 1, lastError: 'wechatpay: outcome unknown', changedAt: 1 },
};

describe('the payment channel form', () => {
  it('starts an edit from the summary, with the platform key kind it shows and every secret blank', () => {
    const { values, platform } = initialValues(stored);
    expect(platform).toBe('publicKey');
    expect(values).toEqual({ mchid: '1900000109', appid: 'wx8888888888888888', merchantSerial: 'ABCDEF12', publicKeyId: 'PUB_KEY_ID_0114' });
    const secrets = fieldsFor('wechat', platform).filter((f) => f.secret);
    expect(secrets.map((f) => f.name)).toEqual(['merchantPrivateKey', 'apiV3Key', 'publicKey']);
    expect(secrets.every((f) => values[f.name] === undefined)).toBe(true);
    expect(fieldsFor('wechat', 'certificate').map((f) => f.name)).toContain('platformCertificate');
    expect(
      fieldsFor('alipay', 'certificate')
        .filter((f) => f.secret)
        .map((f) => f.name),
    ).toEqual(['appPrivateKey', 'alipayPublicKey']);
  });

  it('sends what the core accepts: trimmed text, blank secrets absent, only the chosen platform key', () => {
    const input = saveInput('wechat', 3, 'publicKey', {
      ...initialValues(stored).values,
      mchid: ' 1900000109 ',
      apiV3Key: '   ',
      publicKey: 'PEM',
      platformCertificate: 'stale',
    });
    expect(input).toEqual({
      channel: 'wechat',
      expectedVersion: 3,
      settings: {
        mchid: '1900000109',
        appid: 'wx8888888888888888',
        merchantSerial: 'ABCDEF12',
        platformSerial: undefined,
        publicKeyId: 'PUB_KEY_ID_0114',
        notifyUrl: undefined,
      },
      secrets: { merchantPrivateKey: undefined, apiV3Key: undefined, platformCertificate: undefined, publicKey: 'PEM' },
    });
    expect(credentialsInput.safeParse(input).success).toBe(true);
    const alipay = saveInput('alipay', 0, 'certificate', { appId: '2021000000000001', appPrivateKey: 'K', alipayPublicKey: 'P', gateway: '' });
    expect(credentialsInput.safeParse(alipay).success).toBe(true);
    expect(alipay.settings).toEqual({ appId: '2021000000000001', gateway: undefined, notifyUrl: undefined });
  });

  it('flags only real channels that are offline, in the operator language', () => {
    const simulatedDown: ChannelView = { ...stored, channel: 'alipay', provider: 'simulated', source: 'simulated', credentials: null };
    expect(offlineChannels([stored, simulatedDown])).toEqual(['wechat']);
    expect(offlineChannels([{ ...stored, health: { ...stored.health!, online: true } }])).toEqual([]);
    expect(offlineChannels([{ ...stored, health: null }])).toEqual([]);
    const zh = wordingFor('zh-CN');
    const en = wordingFor('en-US');
    expect(zh.t('payments.channels.offlineTag', { channel: zh.t('payments.channel.wechat') })).toBe('微信支付离线');
    expect(en.t('payments.channels.offlineTag', { channel: en.t('payments.channel.wechat') })).toBe('WeChat Pay offline');
  });
});
