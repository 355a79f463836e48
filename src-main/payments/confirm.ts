import type { AppContext } from '../kernel/context';
import { DepotError } from '../kernel/errors';
import type { By } from '../ledger';
import { confirmPayment, getOrder, type ConfirmResult } from './orders';
import { providerFor, simulatedProvider, type Notification } from './providers';
import type { PaymentChannel } from './schema';

type App = Pick<AppContext, 'sqlite' | 'clock' | 'ids' | 'config' | 'events'>;

/**
 * The two ways a payment reaches payments.confirm: the gateway's notification (支付结果通知),
 * verified by the provider before anything is read from it, and our own query (查询订单) of an
 * order still pending. Both end in confirmPayment, which applies a payment exactly once.
 */

export function handleNotification(app: App, channel: PaymentChannel, notification: Notification, by: By = {}): ConfirmResult {
  const fact = providerFor(app, channel).parseNotification(notification);
  return confirmPayment(app, fact, by);
}

export async function confirmByQuery(app: App, idOrNumber: string, by: By = {}): Promise<ConfirmResult & { tradeState: string }> {
  const order = getOrder(app, idOrNumber);
  const q = await providerFor(app, order.channel).query(order.number);
  if ((q.state === 'SUCCESS' || q.state === 'REFUND') && q.payment) return { ...confirmPayment(app, q.payment, by), tradeState: q.state };
  return { outcome: 'duplicate', order: getOrder(app, order.id), unmatchedId: null, reason: null, tradeState: q.state };
}

/**
 * The demo's "customer paid" button: the simulated gateway takes the payment and sends its
 * signed notification, which goes through the same verification and confirmation as a real one.
 */
export function simulateCustomerPaid(app: App, idOrNumber: string, by: By = {}): ConfirmResult {
  const order = getOrder(app, idOrNumber);
  const sim = simulatedProvider(app, order.channel);
  if (!sim) throw new DepotError('refused', `channel ${order.channel} uses a real gateway; a payment cannot be simulated`, { field: 'orderId' });
  return handleNotification(app, order.channel, sim.pay(order.number, order.payable), by);
}
