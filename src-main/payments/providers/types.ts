import { DepotError } from '../../kernel/errors';
import type { PaymentChannel } from '../schema';

/**
 * The one interface every payment channel sits behind. Orders call createPayment and query;
 * refund tasks (issue 7) call refund with their own task id as the idempotency key; the
 * notification endpoint calls parseNotification. docs/payments.md maps each method to the
 * WeChat Pay and Alipay APIs.
 *
 * Outcomes are three, never two: a call either succeeded, was refused (a definite "no": nothing
 * happened at the gateway), or its outcome is unknown (timeout, connection reset, 5xx). An
 * unknown outcome must never be treated as a refusal: the payment or refund may have happened,
 * so the caller queries before it tries again.
 */

export interface CreatePaymentInput {
  /** Our 商户订单号. */
  orderNumber: string;
  amountFen: number;
  description: string;
  /** When the gateway should stop accepting the payment (epoch ms). */
  expiresAt: number;
}

export interface CreatePaymentResult {
  /** What the QR code encodes (WeChat Native code_url, Alipay qr_code). */
  codeUrl: string;
}

export type TradeState = 'NOTPAY' | 'SUCCESS' | 'CLOSED' | 'REFUND';

export interface PaymentFact {
  channel: PaymentChannel;
  orderNumber: string;
  /** The gateway's own transaction id (微信订单号 / 支付宝交易号). */
  providerTradeNo: string;
  amountFen: number;
  paidAt: number;
  /** The notification body or query answer as received, kept with the order for reconciliation. */
  raw: string;
}

export interface QueryResult {
  state: TradeState;
  /** Set when state is SUCCESS (or REFUND: it was paid, then refunded). */
  payment: PaymentFact | null;
}

export interface RefundInput {
  /** The refund task id: a repeated call with the same key refunds once. */
  idempotencyKey: string;
  orderNumber: string;
  /** The original payment's amount, which both gateways want alongside the refund amount. */
  totalFen: number;
  amountFen: number;
  reason: string;
}

export interface RefundResult {
  /** SUCCESS: money returned; PROCESSING: accepted, query later (both gateways refund asynchronously). */
  status: 'SUCCESS' | 'PROCESSING';
  providerRefundNo: string;
  /** What was sent and received, for the refund task's record. */
  request: string;
  response: string;
}

/** What a refund query (查询单笔退款) found for our idempotency key. */
export interface RefundQueryResult {
  /** SUCCESS: money returned; PROCESSING: accepted, not yet done; NOT_FOUND: the gateway never took the refund. */
  status: 'SUCCESS' | 'PROCESSING' | 'NOT_FOUND';
  providerRefundNo: string | null;
  request: string;
  response: string;
}

/** What closing an order at the gateway (关闭订单) found. */
export interface CloseResult {
  /**
   * CLOSED: the QR code can no longer be paid (or the gateway never had the order). SUCCESS or
   * REFUND: it was paid before the close arrived: book `payment` (confirmPayment) instead of cancelling.
   */
  state: 'CLOSED' | 'SUCCESS' | 'REFUND';
  payment: PaymentFact | null;
}

/** A day's statement fetched from the gateway, as the reconciliation importers take a file. */
export interface StatementDownload {
  /** A name the importers recognise (….csv.gz for a WeChat trade bill, ….zip for Alipay). */
  fileName: string;
  bytes: Buffer;
}

/** What a "test connection" call proved: the credentials sign, the gateway answers and its signature verifies. */
export interface ConnectionTest {
  detail: string;
}

export interface Notification {
  headers: Record<string, string>;
  body: string;
}

export interface PaymentProvider {
  readonly name: string;
  readonly channel: PaymentChannel;
  createPayment(input: CreatePaymentInput): Promise<CreatePaymentResult>;
  query(orderNumber: string): Promise<QueryResult>;
  refund(input: RefundInput): Promise<RefundResult>;
  /** Asks what became of a refund sent with `idempotencyKey`: the only safe next step after an unknown outcome. */
  queryRefund(idempotencyKey: string, orderNumber: string): Promise<RefundQueryResult>;
  /** Verifies the signature and parses; a forged or garbled notification is refused, never half-read. */
  parseNotification(n: Notification): PaymentFact;
  /**
   * Closes the order at the gateway so its QR code stops working (the timeout, before coupon and
   * points are restored). Optional while not every provider has it.
   */
  close?(orderNumber: string): Promise<CloseResult>;
  /**
   * The trade statement of one depot day (yyyy-MM-dd), or null when the gateway has none for it
   * (no trades that day). Real gateways only; the reconciliation domain's daily job calls it.
   */
  downloadStatement?(day: string): Promise<StatementDownload | null>;
  /** A harmless signed call (a query for an order number that does not exist) for Settings' "test connection". */
  testConnection?(): Promise<ConnectionTest>;
}

/** The gateway said no. Nothing happened there; the caller may give up or try differently. */
export class ProviderRefused extends DepotError {
  constructor(provider: string, providerCode: string, message: string) {
    super('refused', `${provider}: ${message} (${providerCode})`, { provider, providerCode, outcome: 'refused' });
  }
}

/** Nobody knows what happened (timeout, reset): query before trying again, never assume failure. */
export class ProviderUnknown extends DepotError {
  constructor(provider: string, message: string) {
    super('unavailable', `${provider}: outcome unknown: ${message}; query before retrying`, { provider, outcome: 'unknown' });
  }
}

export function isProviderUnknown(e: unknown): e is ProviderUnknown {
  return e instanceof ProviderUnknown;
}
