import { defineModule, tablesOf } from '../kernel/module';
import * as paymentsSchema from './schema';
import { paymentMethods } from './methods';
import { credentialMethods } from './credentials-methods';
import { paymentFigures, paymentsDemoStep } from './system';
import { paymentsExpireCron, paymentsExpireWorker, paymentsPollCron, paymentsPollWorker } from './jobs';

/**
 * Payment orders (支付订单): a driver buys a top-up or a prepaid package at the counter or in the
 * app and pays through WeChat Pay or Alipay.
 *
 * Guarantees (each has a test in test/payments/guarantees.test.ts unless named otherwise):
 *  1. An order's coupon amount and points leave the driver's coupon and points accounts in the
 *     same transaction that creates the order, and the order records what it took (its own
 *     order_coupons record and the points redeem transfer).
 *  2. An order goes PENDING_PAYMENT → PAID or PENDING_PAYMENT → CANCELLED, once. Every state
 *     change is a guarded UPDATE whose row count is checked; a guard that matches no row is an
 *     error that rolls the whole change back, never a silent no-op.
 *  3. A paid order credits the wallet exactly once, by its credited amount: the payable amount
 *     from the channel's gateway clearing account (key pay:<order>), the rest (coupon, points,
 *     package bonus) from compensation expense (key pay:<order>:bonus). A second notification of
 *     the same payment is acknowledged and moves nothing.
 *  4. An order pending longer than payments.orderTimeoutMs (30 minutes) is cancelled by the
 *     timeout job, and its coupon amount and points are restored in the same transaction as the
 *     cancel: both commit or neither does. A second run restores nothing.
 *  5. The coupon amount to restore comes from the order's own coupon record; if that record is
 *     missing, from the coupon's ledger history (the coupon_redeem transfer naming the order).
 *     If neither shows it, or the record is not in the state a restore needs, the cancel fails
 *     loudly and nothing is committed (test/payments/regression.test.ts).
 *  6. A payment confirmation is never dropped: one that no pending order can take (cancelled,
 *     unknown, amount differs, paid twice) is recorded once as an unmatched payment (长款) for an
 *     operator to resolve by crediting the wallet or requesting a refund; each resolves once.
 *  7. A notification whose signature does not verify changes nothing.
 *  8. An expired order whose cancel keeps being refused is parked after
 *     payments.stuckCancelAttempts refusals, with an urgent alert, and waits for a supervisor's
 *     repair instead of failing the timeout job every minute (stuck.ts, test/payments/stuck.test.ts).
 *  9. The gateway's three outcomes stay distinct: a refusal when creating a payment cancels the
 *     order at once (coupon and points back); an unknown outcome leaves it pending, payable, and
 *     for the timeout job (test/payments/providers.test.ts).
 * 10. The timeout closes an order at the gateway before it restores anything, with no transaction
 *     open during the call: closed → cancelled as in 4; paid meanwhile → booked as paid, the coupon
 *     staying consumed (a payment the order cannot take is 长款, and the order is cancelled);
 *     gateway unreachable → left pending, nothing restored, closed at a later run (orders.ts
 *     expireOrders, test/payments/lifecycle.test.ts).
 * 11. An open order is confirmed by query on a backoff schedule (polling.ts), and the gateways'
 *     notifications are taken at POST /notify/<channel> (answerNotification); whichever sees a
 *     payment first books it, the others book nothing (test/payments/lifecycle.test.ts).
 * 12. A merchant's gateway credentials entered in Settings are stored only sealed, under a key
 *     outside the database; nothing secret is returned, logged or audited; a save or removal
 *     takes effect at the next provider call; every real gateway call records whether the
 *     channel is online (credentials.ts, providers/health.ts, test/payments/credentials.test.ts).
 * 13. A cancelled order appends its `payments.order` journal row for headquarters in the cancel's
 *     transaction; a paid order's fact is its `pay:<order>` ledger operation's row (orders.ts
 *     markCancelled, test/hq/journal.test.ts).
 *
 * Other domains import only from here.
 */
export {
  ORDER_STATES,
  PAYMENT_CHANNELS,
  UNMATCHED_REASONS,
  UNMATCHED_STATES,
  type OrderState,
  type PaymentChannel,
  type UnmatchedReason,
  type UnmatchedState,
} from './schema';
export {
  createOrder,
  getOrder,
  findOrder,
  listOrders,
  iterateOrders,
  type OrderFilter,
  type OrderCursor,
  orderCoupon,
  cancelAtCounter,
  cancelOrder,
  cancelInTx,
  expireOrders,
  confirmPayment,
  listPackages,
  getPackage,
  createPackage,
  setPackageActive,
  listUnmatched,
  getUnmatched,
  resolveUnmatched,
  pendingRefundRequests,
  linkRefundTask,
  paymentTotals,
  type OrderRow,
  type PackageRow,
  type UnmatchedRow,
  type CreateOrderInput,
  type CancelResult,
  type ExpireResult,
  type ConfirmResult,
  type Resolution,
} from './orders';
export {
  orderForMatching,
  orderNumbersOf,
  unmatchedByTrade,
  unmatchedByTradeAnyChannel,
  type OrderForMatching,
  type OrderMatchRow,
  type PaidOrderRow,
  type UnmatchedForMatching,
} from './lookups';
export { handleNotification, answerNotification, confirmByQuery, simulateCustomerPaid, type NotificationAnswer } from './confirm';
export { pollDueOrders, pollStateOf, pollDelay, type PollResult, type PollAnswer } from './polling';
export {
  providerFor,
  simulatedProvider,
  SimulatedProvider,
  ProviderRefused,
  ProviderUnknown,
  isProviderUnknown,
  SIM_OUTCOMES,
  type SimOutcome,
  type PaymentProvider,
  type PaymentFact,
  type Notification,
  type RefundInput,
  type RefundResult,
  type RefundQueryResult,
  type QueryResult,
  WechatPayProvider,
  providerKind,
  type CloseResult,
} from './providers';
export { paymentsExpireWorker, paymentsExpireCron, paymentsPollWorker, paymentsPollCron } from './jobs';
export { parkedOrders, stuckOrderOf, repairStuckOrder, recordRefusedCancel, type StuckOrder, type RepairInput, type RepairResult } from './stuck';
export { paymentMethods } from './methods';
export { getCredentials, saveCredentials, removeCredentials, type CredentialsInput, type CredentialsRow } from './credentials';
export { channelsOverview, testChannel, type ChannelView } from './channels';
export { channelHealth, recordReachability, type ChannelHealth } from './providers/health';
export { credentialMethods } from './credentials-methods';
export { paymentFigures, paymentsDemoStep } from './system';

// ── the module: what this domain plugs into the depot (src-main/modules.ts composes them) ──────

export const paymentsModule = defineModule({
  name: 'payments',
  methods: { ...paymentMethods, ...credentialMethods },
  workers: [paymentsExpireWorker, paymentsPollWorker],
  crons: [paymentsExpireCron, paymentsPollCron],
  figures: [paymentFigures],
  demoSteps: [paymentsDemoStep],
  tables: tablesOf(paymentsSchema),
});
