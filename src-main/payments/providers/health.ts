import type { AppContext } from '../../kernel/context';
import { getRow } from '../../kernel/db/rows';
import type { PaymentChannel } from '../schema';
import { ProviderRefused, ProviderUnknown, type PaymentProvider } from './types';

/**
 * Whether a real gateway answers (table payment_channel_health, the operator's offline tag).
 *
 * Guarantees (test/payments/credentials.test.ts):
 * - Every call a real provider makes to its gateway is observed: an unknown outcome
 *   (ProviderUnknown: no answer, a 5xx, an answer that does not verify) marks the channel
 *   offline with the error's text; any answer, a refusal included, marks it online.
 * - A change of state is written at once and announced ('payments.channel'); the same state is
 *   rewritten at most once a minute (its last ok/error time), so a busy channel does not write on
 *   every call.
 * - Recording never changes the call's own outcome: a failure to record is logged, and the
 *   provider's answer or error goes back to the caller as it was.
 */

/** The gateway calls; parseNotification is local (no call) and not observed. */
const CALLS = new Set(['createPayment', 'query', 'refund', 'queryRefund', 'close', 'downloadStatement', 'testConnection']);
export const HEALTH_REWRITE_MS = 60_000;

type HealthApp = Pick<AppContext, 'sqlite' | 'clock' | 'events' | 'log'>;

export interface ChannelHealth {
  online: boolean;
  lastOkAt: number | null;
  lastErrorAt: number | null;
  lastError: string | null;
  changedAt: number;
}

export function channelHealth(app: Pick<AppContext, 'sqlite'>, channel: PaymentChannel): ChannelHealth | null {
  const r = getRow<Omit<ChannelHealth, 'online'> & { online: number }>(
    app.sqlite.prepare(
      `SELECT online, last_ok_at AS lastOkAt, last_error_at AS lastErrorAt, last_error AS lastError, changed_at AS changedAt
         FROM payment_channel_health WHERE channel = ?`,
    ),
    channel,
  );
  return r ? { ...r, online: r.online === 1 } : null;
}

/** Records one call's reachability; returns whether the state changed. */
export function recordReachability(app: HealthApp, channel: PaymentChannel, online: boolean, error: string | null): boolean {
  const now = app.clock.now();
  const prev = channelHealth(app, channel);
  const changed = !prev || prev.online !== online;
  const lastSeen = prev ? (online ? prev.lastOkAt : prev.lastErrorAt) : null;
  if (!changed && lastSeen !== null && now - lastSeen < HEALTH_REWRITE_MS) return false;
  app.sqlite
    .prepare(
      `INSERT INTO payment_channel_health (channel, online, last_ok_at, last_error_at, last_error, changed_at)
       VALUES (@channel, @online, @okAt, @errorAt, @error, @now)
       ON CONFLICT (channel) DO UPDATE SET
         online = excluded.online,
         last_ok_at = coalesce(excluded.last_ok_at, last_ok_at),
         last_error_at = coalesce(excluded.last_error_at, last_error_at),
         last_error = coalesce(excluded.last_error, last_error),
         changed_at = CASE WHEN online = excluded.online THEN changed_at ELSE excluded.changed_at END`,
    )
    .run({ channel, online: online ? 1 : 0, okAt: online ? now : null, errorAt: online ? null : now, error: online ? null : (error ?? '').slice(0, 500), now });
  if (changed) app.events.emit('payments.channel', { channel, reason: online ? 'online' : 'offline' });
  return changed;
}

function observe(app: HealthApp, channel: PaymentChannel, online: boolean, error: string | null): void {
  try {
    recordReachability(app, channel, online, error);
  } catch (e) {
    app.log.warn({ channel, err: e instanceof Error ? e.message : String(e) }, 'could not record the payment channel health');
  }
}

/**
 * The provider, with every gateway call observed. A Proxy, so the provider stays what it is
 * (instanceof WechatPayProvider, its own fields): only the calls listed in CALLS are wrapped.
 */
export function withHealth<P extends PaymentProvider>(app: HealthApp, provider: P): P {
  return new Proxy(provider, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof prop !== 'string' || !CALLS.has(prop) || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        try {
          const result: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          observe(app, target.channel, true, null);
          return result;
        } catch (e) {
          // A refusal is an answer: the gateway is there. Only an unknown outcome says it may not be.
          if (e instanceof ProviderUnknown) observe(app, target.channel, false, e.message);
          else if (e instanceof ProviderRefused) observe(app, target.channel, true, null);
          throw e;
        }
      };
    },
  });
}
