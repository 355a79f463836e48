import type { AppContext } from '../../kernel/context';
import type { Sqlite } from '../../kernel/db/connection';
import type { PaymentChannel } from '../schema';
import { SimulatedProvider } from './simulated';
import type { PaymentProvider } from './types';
import { WechatPayProvider } from './wechat';
import { loadCredentials } from './wechat-crypto';

export * from './types';
export { SimulatedProvider, SIM_OUTCOMES, type SimOutcome, type SimulatedOptions } from './simulated';
export { WechatPayProvider, wechatTime } from './wechat';
export { loadCredentials as loadWechatCredentials, type WechatCredentials } from './wechat-crypto';

/**
 * One provider per channel per core. The simulated gateway keeps its trades in memory, so it
 * lives as long as the core that made it (a CLI run, a serve process, a test's app).
 */
const byApp = new WeakMap<object, Map<PaymentChannel, PaymentProvider>>();

type ProviderApp = Pick<AppContext, 'config' | 'clock'> & { sqlite?: Sqlite };

/** Which provider config.payments.provider picks for a channel: 'simulated' for all, or one per channel. */
export function providerKind(app: Pick<AppContext, 'config'>, channel: PaymentChannel): 'simulated' | 'wechat' {
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

export function providerFor(app: ProviderApp, channel: PaymentChannel): PaymentProvider {
  let map = byApp.get(app);
  if (!map) byApp.set(app, (map = new Map()));
  let p = map.get(channel);
  if (!p) {
    const c = app.config.payments;
    const sqlite = app.sqlite;
    // A real gateway where configured (a missing key or file is a config_invalid error naming it); the simulated one otherwise.
    p =
      channel === 'wechat' && providerKind(app, channel) === 'wechat'
        ? new WechatPayProvider(loadCredentials(c.wechat))
        : new SimulatedProvider(channel, {
            outcome: c.simulated.outcome,
            slowMs: c.simulated.slowMs,
            secret: c.simulated.secret,
            now: () => app.clock.now(),
            knownPaidTrade: sqlite ? (orderNumber) => knownPaidTrade(sqlite, channel, orderNumber) : undefined,
          });
    map.set(channel, p);
  }
  return p;
}

/** The simulated gateway behind a channel, for the demo's "customer paid" button and tests. */
export function simulatedProvider(app: ProviderApp, channel: PaymentChannel): SimulatedProvider | null {
  const p = providerFor(app, channel);
  return p instanceof SimulatedProvider ? p : null;
}
