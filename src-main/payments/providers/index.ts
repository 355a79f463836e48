import type { AppContext } from '../../app/context';
import type { PaymentChannel } from '../schema';
import { SimulatedProvider } from './simulated';
import type { PaymentProvider } from './types';

export * from './types';
export { SimulatedProvider, SIM_OUTCOMES, type SimOutcome, type SimulatedOptions } from './simulated';

/**
 * One provider per channel per core. The simulated gateway keeps its trades in memory, so it
 * lives as long as the core that made it (a CLI run, a serve process, a test's app).
 */
const byApp = new WeakMap<object, Map<PaymentChannel, PaymentProvider>>();

export function providerFor(app: Pick<AppContext, 'config' | 'clock'>, channel: PaymentChannel): PaymentProvider {
  let map = byApp.get(app);
  if (!map) byApp.set(app, (map = new Map()));
  let p = map.get(channel);
  if (!p) {
    const c = app.config.payments;
    // Only the simulated gateway ships; a real one is added here (docs/payments.md).
    p = new SimulatedProvider(channel, { outcome: c.simulated.outcome, slowMs: c.simulated.slowMs, secret: c.simulated.secret, now: () => app.clock.now() });
    map.set(channel, p);
  }
  return p;
}

/** The simulated gateway behind a channel, for the demo's "customer paid" button and tests. */
export function simulatedProvider(app: Pick<AppContext, 'config' | 'clock'>, channel: PaymentChannel): SimulatedProvider | null {
  const p = providerFor(app, channel);
  return p instanceof SimulatedProvider ? p : null;
}
