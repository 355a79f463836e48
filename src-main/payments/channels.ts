import type { AppContext } from '../kernel/context';
import { DepotError, isDepotError } from '../kernel/errors';
import { getCredentials, recordTest, type CredentialsRow } from './credentials';
import { providerFor, providerKind } from './providers';
import { channelHealth, type ChannelHealth } from './providers/health';
import { PAYMENT_CHANNELS, type PaymentChannel } from './schema';
import { ProviderRefused, type PaymentProvider } from './providers/types';

/**
 * The payment channels as Settings and the offline tag see them: which gateway each uses, the
 * stored credentials' summary and last test, and whether the gateway answered lately. Nothing
 * here returns a secret: the credentials come as their summary (credentials.ts).
 */

export interface ChannelView {
  channel: PaymentChannel;
  /** simulated, wechat or alipay: the gateway behind the channel now. */
  provider: 'simulated' | 'wechat' | 'alipay';
  /** Where that choice comes from: credentials saved in Settings, the config file, or neither. */
  source: 'settings' | 'config' | 'simulated';
  credentials: CredentialsRow | null;
  health: ChannelHealth | null;
}

export function channelsOverview(app: AppContext): ChannelView[] {
  return PAYMENT_CHANNELS.map((channel) => {
    const credentials = getCredentials(app, channel);
    const configured = providerKind(app, channel);
    const provider = credentials?.provider ?? configured;
    const source = credentials ? 'settings' : configured === 'simulated' ? 'simulated' : 'config';
    // A simulated channel has no gateway to be offline from; an old row from a real one would only mislead.
    return { channel, provider, source, credentials, health: provider === 'simulated' ? null : channelHealth(app, channel) };
  });
}

/** Codes of "no such order": the answer to a probe for an order that cannot exist, i.e. a working connection. */
const NOT_FOUND_CODES = new Set(['ORDER_NOT_EXIST', 'ACQ.TRADE_NOT_EXIST', 'TRADE_NOT_EXIST']);

/** The provider's own test, or a signed query for an order that does not exist (a verified "not found" proves the set). */
async function probe(p: PaymentProvider, now: number): Promise<string> {
  if (p.testConnection) return (await p.testConnection()).detail;
  try {
    await p.query(`DDPROBE${now}`);
    return 'the gateway answered a signed query';
  } catch (e) {
    if (e instanceof ProviderRefused && NOT_FOUND_CODES.has(String((e.details as { providerCode?: unknown }).providerCode))) {
      return 'the gateway answered a signed query for an order that does not exist, and its answer verified';
    }
    throw e;
  }
}

/**
 * "Test connection": one harmless signed call with the stored credentials, recorded on them
 * (tested_at, test_ok, test_message). The message is the provider's wording (merchant id,
 * serials, the gateway's code), never a key.
 */
export async function testChannel(app: AppContext, channel: PaymentChannel): Promise<CredentialsRow> {
  const stored = getCredentials(app, channel);
  if (!stored) throw new DepotError('not_found', `channel: no ${channel} credentials are stored; save them first`, { field: 'channel' });
  let ok: boolean;
  let message: string;
  try {
    message = await probe(providerFor(app, channel), app.clock.now());
    ok = true;
  } catch (e) {
    ok = false;
    message = isDepotError(e) ? e.message : 'the test failed unexpectedly (see the log)';
    if (!isDepotError(e)) app.log.error({ channel, err: e }, 'payment channel test failed');
  }
  return recordTest(app, channel, stored.version, ok, message);
}
