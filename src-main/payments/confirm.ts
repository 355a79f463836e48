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

/** The HTTP answer a gateway's notification gets (contract/http.ts sends it as it is). */
export interface NotificationAnswer {
  status: number;
  contentType: string;
  body: string;
}

/**
 * What each gateway takes as "received, stop sending": WeChat Pay API v3 an HTTP 200/204 (a
 * failure is 4xx/5xx with {"code":"FAIL","message":…}); Alipay the plain text `success` (anything
 * else and it sends again, on its retry schedule).
 */
function notificationAnswer(channel: PaymentChannel, ok: boolean, status: number, message: string): NotificationAnswer {
  if (channel === 'alipay') return { status, contentType: 'text/plain; charset=utf-8', body: ok ? 'success' : 'fail' };
  if (ok) return { status: 204, contentType: 'text/plain; charset=utf-8', body: '' };
  return { status, contentType: 'application/json; charset=utf-8', body: JSON.stringify({ code: 'FAIL', message }) };
}

/**
 * The notification endpoint (POST /notify/<channel>): verify, book, and answer in the gateway's
 * own words. A notification that does not verify or cannot be read is refused with a 4xx and
 * changes nothing (the gateway would send the same again; ours is a final no). A duplicate is
 * acknowledged and books nothing (confirmPayment). Anything else (the database, a provider that is
 * not configured) is a 5xx so the gateway sends it again later; polling will have booked the
 * payment meanwhile. The message sent back names the problem, never a key or the body.
 */
export function answerNotification(app: AppContext, channel: PaymentChannel, n: Notification): NotificationAnswer {
  try {
    const r = handleNotification(app, channel, n);
    app.log.info({ channel, order: r.order?.number ?? null, outcome: r.outcome, unmatchedId: r.unmatchedId }, `payment notification from ${channel}: ${r.outcome}`);
    return notificationAnswer(channel, true, 200, 'OK');
  } catch (e) {
    const refused = e instanceof DepotError && (e.code === 'refused' || e.code === 'invalid_input');
    const message = refused ? e.message : 'the notification could not be processed; send it again later';
    if (refused) app.log.warn({ channel, error: message }, `payment notification from ${channel} refused`);
    else app.log.error({ err: e, channel }, `payment notification from ${channel} failed`);
    return notificationAnswer(channel, false, refused ? 400 : 500, message);
  }
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
