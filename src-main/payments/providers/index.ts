import fs from 'node:fs';
import type { AppContext } from '../../kernel/context';
import type { Sqlite } from '../../kernel/db/connection';
import { DepotError } from '../../kernel/errors';
import { alipayFieldsOf, storedCredentials, wechatSecretsOf, type StoredCredentials } from '../credentials';
import { AlipayProvider, loadAlipayCredentials } from './alipay';
import type { PaymentChannel } from '../schema';
import { withHealth } from './health';
import { SimulatedProvider } from './simulated';
import type { PaymentProvider } from './types';
import { WechatPayProvider } from './wechat';
import { loadCredentials, wechatCredentialsFrom } from './wechat-crypto';

export * from './types';
export { SimulatedProvider, SIM_OUTCOMES, type SimOutcome, type SimulatedOptions } from './simulated';
export { WechatPayProvider, wechatTime } from './wechat';
export { loadCredentials as loadWechatCredentials, type WechatCredentials } from './wechat-crypto';
export { AlipayProvider, loadAlipayCredentials, type AlipayCredentials } from './alipay';

/**
 * One provider per channel per core. The simulated gateway keeps its trades in memory, so it
 * lives as long as the core that made it (a CLI run, a serve process, a test's app).
 *
 * Where a channel's provider comes from, first match wins:
 *  1. credentials an admin saved in Settings (payments/credentials.ts) — the store wins over
 *     config, whatever payments.provider says;
 *  2. config: payments.provider.wechat = 'wechat' with the files payments.wechat names;
 *  3. the simulated gateway.
 * A cached provider is kept while the stored credentials are the same (their sealed text, new on
 * every save): a save or removal, in this process or another, makes the next call build anew.
 * Real providers are wrapped by withHealth (health.ts): every gateway call records reachability.
 */
interface Cached {
  provider: PaymentProvider;
  /** The sealed credentials it was built from; null when built from config or simulated. */
  stamp: string | null;
}
const byApp = new WeakMap<object, Map<PaymentChannel, Cached>>();

type ProviderApp = Pick<AppContext, 'config' | 'clock'> & { sqlite?: Sqlite } & Partial<Pick<AppContext, 'events' | 'log'>>;

/** Which provider config.payments.provider picks for a channel: 'simulated' for all, or one per channel. */
export function providerKind(app: Pick<AppContext, 'config'>, channel: PaymentChannel): 'simulated' | 'wechat' | 'alipay' {
  const p = app.config.payments.provider;
  return p === 'simulated' ? 'simulated' : p[channel];
}

/**
 * The simulated gateway's seam to our own records (SimulatedOptions.knownPaidTrade): a trade is
 * known as paid when a PAID order or an unmatched payment (长款) carries its order number on this
 * channel. Its amount is all that was taken under that number, as one trade.
 */
function knownPaidTrade(sqlite: Sqlite, channel: PaymentChannel, orderNumber: string): { amountFen: number; tradeNo: string; paidAt: number } | null {
  const rows = sqlite
    .prepare<unknown[], { amount: number; tradeNo: string; paidAt: number }>(
      `SELECT payable AS amount, provider_trade_no AS tradeNo, paid_at AS paidAt FROM payment_orders
         WHERE number = ? AND channel = ? AND state = 'PAID' AND provider_trade_no IS NOT NULL
       UNION ALL
       SELECT amount, provider_trade_no, paid_at FROM unmatched_payments WHERE order_number = ? AND channel = ?`,
    )
    .all(orderNumber, channel, orderNumber, channel);
  if (rows.length === 0) return null;
  return { amountFen: rows.reduce((s, r) => s + r.amount, 0), tradeNo: rows[0].tradeNo, paidAt: rows[0].paidAt };
}

/** A provider from credentials saved in Settings; a set that no longer builds is a config_invalid error naming the field. */
function fromStore(app: ProviderApp, channel: PaymentChannel, cr: StoredCredentials): PaymentProvider {
  if (cr.provider === 'wechat') {
    const fail = (field: string, message: string): never => {
      throw new DepotError('config_invalid', `the ${channel} credentials saved in Settings: ${field}: ${message}`, { field });
    };
    return new WechatPayProvider(wechatCredentialsFrom(wechatSecretsOf(app, cr), app.config.payments.wechat, fail));
  }
  const caFile = app.config.payments.alipay.caFile;
  return new AlipayProvider(loadAlipayCredentials({ ...alipayFieldsOf(app, cr), ...(caFile ? { ca: readCa(caFile) } : {}) }));
}

/** payments.alipay.caFile, read for the provider; unreadable is a config_invalid error naming the key. */
function readCa(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new DepotError('config_invalid', `payments.alipay.caFile: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      key: 'payments.alipay.caFile',
    });
  }
}

function fromConfig(app: ProviderApp, channel: PaymentChannel): PaymentProvider {
  const c = app.config.payments;
  const kind = providerKind(app, channel);
  // A real gateway where configured (a missing key or file is a config_invalid error naming it); the simulated one otherwise.
  if (channel === 'wechat' && kind === 'wechat') return new WechatPayProvider(loadCredentials(c.wechat));
  if (kind === 'alipay') {
    throw new DepotError('config_invalid', 'payments.provider.alipay is "alipay": enter the Alipay credentials in Settings → 支付渠道', {
      key: 'payments.provider.alipay',
    });
  }
  const sqlite = app.sqlite;
  return new SimulatedProvider(channel, {
    outcome: c.simulated.outcome,
    slowMs: c.simulated.slowMs,
    secret: c.simulated.secret,
    now: () => app.clock.now(),
    knownPaidTrade: sqlite ? (orderNumber) => knownPaidTrade(sqlite, channel, orderNumber) : undefined,
  });
}

/** Observed when the app can record (a core); a bare config (some tests) gets the provider as is. */
function observed(app: ProviderApp, p: PaymentProvider): PaymentProvider {
  const { sqlite, events, log } = app;
  return sqlite && events && log ? withHealth({ sqlite, clock: app.clock, events, log }, p) : p;
}

export function providerFor(app: ProviderApp, channel: PaymentChannel): PaymentProvider {
  let map = byApp.get(app);
  if (!map) byApp.set(app, (map = new Map()));
  const stored = app.sqlite ? storedCredentials({ sqlite: app.sqlite }, channel) : null;
  const stamp = stored?.stamp ?? null;
  const cached = map.get(channel);
  if (cached && cached.stamp === stamp) return cached.provider;
  let p: PaymentProvider;
  if (stored) p = observed(app, fromStore(app, channel, stored.open()));
  else {
    p = fromConfig(app, channel);
    if (!(p instanceof SimulatedProvider)) p = observed(app, p);
  }
  map.set(channel, { provider: p, stamp });
  return p;
}

/** The simulated gateway behind a channel, for the demo's "customer paid" button and tests. */
export function simulatedProvider(app: ProviderApp, channel: PaymentChannel): SimulatedProvider | null {
  const p = providerFor(app, channel);
  return p instanceof SimulatedProvider ? p : null;
}
