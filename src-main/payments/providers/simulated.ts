import { createHmac, timingSafeEqual } from 'node:crypto';
import { DepotError } from '../../kernel/errors';
import type { PaymentChannel } from '../schema';
import {
  ProviderRefused,
  ProviderUnknown,
  type CloseResult,
  type CreatePaymentInput,
  type CreatePaymentResult,
  type Notification,
  type PaymentFact,
  type PaymentProvider,
  type QueryResult,
  type RefundInput,
  type RefundQueryResult,
  type RefundResult,
} from './types';

/**
 * A payment gateway in memory, for tests and the demo. It behaves like the real ones where it
 * matters to DepotDesk: a QR code per order, a payment only the customer can make (`pay`), a
 * signed notification, queries, idempotent refunds keyed by the caller's id, and the three
 * outcomes of any call (success, refused, unknown), plus slow answers.
 *
 * The outcome of the next call is, in order: the per-call outcome given to the call, the next
 * scripted one (`script`), the chooser's (`choose`), DEPOTDESK_SIMULATED_PAYMENT_OUTCOME, the
 * configured outcome.
 * An "unknown" refund still happens at the simulated gateway (as a timeout after the gateway
 * acted would), so a later query or a retry with the same key finds it done.
 *
 * Trades live in memory, per process. A refund task processed by another process (the CLI, a
 * restarted app) asks about a trade this instance never saw; `knownPaidTrade` (wired to our own
 * payment_orders and unmatched_payments by providerFor) lets it learn a trade DepotDesk knows was
 * paid, so the demo and the CLI work. It only ever adds a paid trade the depot already booked;
 * refunds made by another process are not learned (a query then says NOT_FOUND and the task is
 * sent again, which a real gateway's memory would have answered; docs/refunds.md).
 */

export const SIM_OUTCOMES = ['success', 'failure', 'slow', 'unknown'] as const;
export type SimOutcome = (typeof SIM_OUTCOMES)[number];

/** A call to the simulated gateway, as a chooser (`choose`) sees it: which call, and its key (order number or refund key). */
export interface SimCall {
  call: 'createPayment' | 'query' | 'refund' | 'queryRefund' | 'close';
  key: string;
}

/** Picks the outcome of a call, or leaves it to the env and config (undefined). The seeded simulation's seam. */
export type SimChooser = (call: SimCall) => SimOutcome | undefined;

export interface SimulatedOptions {
  outcome: SimOutcome;
  slowMs: number;
  secret: string;
  now: () => number;
  env?: NodeJS.ProcessEnv;
  /** What DepotDesk knows was paid under an order number on this channel, or null. */
  knownPaidTrade?: (orderNumber: string) => { amountFen: number; tradeNo: string; paidAt: number } | null;
}

interface SimTrade {
  orderNumber: string;
  amountFen: number;
  state: 'NOTPAY' | 'SUCCESS' | 'CLOSED' | 'REFUND';
  tradeNo: string | null;
  paidAt: number | null;
  refunds: Map<string, { amountFen: number; refundNo: string }>;
}

const SIGNATURE_HEADER = 'x-depotdesk-signature';

export class SimulatedProvider implements PaymentProvider {
  readonly name: string;
  private readonly trades = new Map<string, SimTrade>();
  private readonly scripted: SimOutcome[] = [];
  private chooser: SimChooser | null = null;

  constructor(
    readonly channel: PaymentChannel,
    private readonly opts: SimulatedOptions,
  ) {
    this.name = `simulated-${channel}`;
  }

  /** The outcomes of the next calls, in order (then back to the configured outcome). */
  script(...outcomes: SimOutcome[]): void {
    this.scripted.push(...outcomes);
  }

  /**
   * Outcomes chosen per call, after the per-call and scripted ones (null: none). Deterministic
   * when the chooser is: the seeded simulation draws refund outcomes from its seed with it.
   */
  choose(chooser: SimChooser | null): void {
    this.chooser = chooser;
  }

  private outcome(perCall: SimOutcome | undefined, call: SimCall): SimOutcome {
    if (perCall) return perCall;
    const next = this.scripted.shift();
    if (next) return next;
    const chosen = this.chooser?.(call);
    if (chosen) return chosen;
    const env = (this.opts.env ?? process.env).DEPOTDESK_SIMULATED_PAYMENT_OUTCOME;
    if (env) {
      if (!(SIM_OUTCOMES as readonly string[]).includes(env)) {
        throw new DepotError('config_invalid', `DEPOTDESK_SIMULATED_PAYMENT_OUTCOME: one of ${SIM_OUTCOMES.join(', ')} (got ${JSON.stringify(env)})`, {
          field: 'DEPOTDESK_SIMULATED_PAYMENT_OUTCOME',
        });
      }
      return env as SimOutcome;
    }
    return this.opts.outcome;
  }

  /** Applies the outcome around `act`: refused before acting, unknown after acting, slow = late. */
  private async run<T>(outcome: SimOutcome, what: string, act: () => T): Promise<T> {
    if (outcome === 'failure') throw new ProviderRefused(this.name, 'SYSTEMERROR', `${what} refused by the simulated gateway`);
    if (outcome === 'slow') await new Promise((r) => setTimeout(r, this.opts.slowMs));
    const result = act();
    if (outcome === 'unknown') throw new ProviderUnknown(this.name, `${what}: no answer from the simulated gateway`);
    return result;
  }

  async createPayment(input: CreatePaymentInput, outcome?: SimOutcome): Promise<CreatePaymentResult> {
    return this.run(this.outcome(outcome, { call: 'createPayment', key: input.orderNumber }), `create payment ${input.orderNumber}`, () => {
      const existing = this.trades.get(input.orderNumber);
      if (existing && existing.amountFen !== input.amountFen) {
        throw new ProviderRefused(this.name, 'OUT_TRADE_NO_USED', `order ${input.orderNumber} already exists with another amount`);
      }
      if (!existing) {
        this.trades.set(input.orderNumber, {
          orderNumber: input.orderNumber,
          amountFen: input.amountFen,
          state: 'NOTPAY',
          tradeNo: null,
          paidAt: null,
          refunds: new Map(),
        });
      }
      const scheme = this.channel === 'wechat' ? 'weixin://wxpay/bizpayurl?pr=' : 'https://qr.alipay.com/';
      return { codeUrl: `${scheme}SIM-${input.orderNumber}` };
    });
  }

  /** The trade, or one learned from what DepotDesk booked as paid (see the class comment). */
  private trade(orderNumber: string): SimTrade | undefined {
    const seen = this.trades.get(orderNumber);
    if (seen) return seen;
    const known = this.opts.knownPaidTrade?.(orderNumber);
    if (!known) return undefined;
    const t: SimTrade = { orderNumber, amountFen: known.amountFen, state: 'SUCCESS', tradeNo: known.tradeNo, paidAt: known.paidAt, refunds: new Map() };
    this.trades.set(orderNumber, t);
    return t;
  }

  async query(orderNumber: string, outcome?: SimOutcome): Promise<QueryResult> {
    return this.run(this.outcome(outcome, { call: 'query', key: orderNumber }), `query ${orderNumber}`, () => {
      const t = this.trade(orderNumber);
      if (!t) throw new ProviderRefused(this.name, 'ORDERNOTEXIST', `no order ${orderNumber} at the simulated gateway`);
      return { state: t.state, payment: t.tradeNo ? this.fact(t, JSON.stringify({ query: orderNumber, state: t.state })) : null };
    });
  }

  async refund(input: RefundInput, outcome?: SimOutcome): Promise<RefundResult> {
    const request = JSON.stringify({
      out_trade_no: input.orderNumber,
      out_refund_no: input.idempotencyKey,
      total: input.totalFen,
      refund: input.amountFen,
      reason: input.reason,
    });
    return this.run(this.outcome(outcome, { call: 'refund', key: input.idempotencyKey }), `refund ${input.idempotencyKey}`, () => {
      const t = this.trade(input.orderNumber);
      if (!t || !t.tradeNo) throw new ProviderRefused(this.name, 'RESOURCE_NOT_EXISTS', `no paid order ${input.orderNumber}`);
      const done = t.refunds.get(input.idempotencyKey);
      if (done) {
        if (done.amountFen !== input.amountFen) throw new ProviderRefused(this.name, 'INVALID_REQUEST', `refund ${input.idempotencyKey} was made for another amount`);
        return { status: 'SUCCESS', providerRefundNo: done.refundNo, request, response: JSON.stringify({ status: 'SUCCESS', refund_id: done.refundNo, repeated: true }) };
      }
      const refunded = [...t.refunds.values()].reduce((s, r) => s + r.amountFen, 0);
      if (refunded + input.amountFen > t.amountFen) throw new ProviderRefused(this.name, 'NOT_ENOUGH', `refunds would exceed the paid ${t.amountFen} fen`);
      // Named after the refund's key, as the trade is after its order: unique across restarts of the simulated gateway.
      const refundNo = `SIMR${input.idempotencyKey}`;
      t.refunds.set(input.idempotencyKey, { amountFen: input.amountFen, refundNo });
      t.state = 'REFUND';
      return { status: 'SUCCESS', providerRefundNo: refundNo, request, response: JSON.stringify({ status: 'SUCCESS', refund_id: refundNo }) };
    });
  }

  async queryRefund(idempotencyKey: string, orderNumber: string, outcome?: SimOutcome): Promise<RefundQueryResult> {
    const request = JSON.stringify({ out_refund_no: idempotencyKey, out_trade_no: orderNumber });
    return this.run(this.outcome(outcome, { call: 'queryRefund', key: idempotencyKey }), `query refund ${idempotencyKey}`, () => {
      const done = this.trade(orderNumber)?.refunds.get(idempotencyKey);
      if (!done)
        return {
          status: 'NOT_FOUND',
          providerRefundNo: null,
          request,
          response: JSON.stringify({ code: 'RESOURCE_NOT_EXISTS', message: `no refund ${idempotencyKey}` }),
        };
      return {
        status: 'SUCCESS',
        providerRefundNo: done.refundNo,
        request,
        response: JSON.stringify({ status: 'SUCCESS', refund_id: done.refundNo, amount: { refund: done.amountFen } }),
      };
    });
  }

  /**
   * Closes an unpaid trade (a closed one cannot be paid); a paid one comes back as paid, with its
   * payment. Alipay as it is: a precreated QR code nobody scanned is no trade yet, so its close
   * answers ACQ.TRADE_NOT_EXIST (closed, for us) and the code stays payable until its time_expire;
   * a payment made in between is the 长款 of a cancelled order (docs/payments.md, Alipay).
   */
  async close(orderNumber: string, outcome?: SimOutcome): Promise<CloseResult> {
    return this.run(this.outcome(outcome, { call: 'close', key: orderNumber }), `close ${orderNumber}`, () => {
      const t = this.trade(orderNumber);
      if (!t) return { state: 'CLOSED', payment: null };
      if (t.tradeNo) return { state: t.state === 'REFUND' ? 'REFUND' : 'SUCCESS', payment: this.fact(t, JSON.stringify({ close: orderNumber, state: t.state })) };
      if (this.channel === 'alipay') return { state: 'CLOSED', payment: null };
      t.state = 'CLOSED';
      return { state: 'CLOSED', payment: null };
    });
  }

  /**
   * The customer scans and pays (the demo's "customer paid" button, or a test). Returns the
   * notification the gateway would send. Paying a trade twice returns the same notification,
   * as a gateway retrying its callback does. A closed trade takes no payment; an Alipay code whose
   * close found no trade still does. (Unlike a real gateway, time_expire is not enforced here: a
   * payment arriving late is how the tests and the simulation make the 长款 and parked-order cases.)
   */
  pay(orderNumber: string, amountFen?: number): Notification {
    let t = this.trades.get(orderNumber);
    if (!t) {
      if (amountFen === undefined) throw new DepotError('not_found', `orderNumber: no order ${orderNumber} at the simulated gateway`, { field: 'orderNumber' });
      t = { orderNumber, amountFen, state: 'NOTPAY', tradeNo: null, paidAt: null, refunds: new Map() };
      this.trades.set(orderNumber, t);
    }
    if (t.state === 'CLOSED') throw new DepotError('refused', `orderNumber: order ${orderNumber} was closed at the simulated gateway`, { field: 'orderNumber' });
    if (!t.tradeNo) {
      // One trade per order number, as at a real gateway; a sequence would restart with the process
      // (a crash in the simulation) and hand a new payment an old trade's number.
      t.tradeNo = `SIM${this.channel === 'wechat' ? 'WX' : 'ALI'}${orderNumber}`;
      t.paidAt = this.opts.now();
      t.state = 'SUCCESS';
    }
    return this.notification(t);
  }

  private fact(t: SimTrade, raw: string): PaymentFact {
    return { channel: this.channel, orderNumber: t.orderNumber, providerTradeNo: t.tradeNo!, amountFen: t.amountFen, paidAt: t.paidAt!, raw };
  }

  private sign(body: string): string {
    return createHmac('sha256', this.opts.secret).update(body).digest('hex');
  }

  private notification(t: SimTrade): Notification {
    const body = JSON.stringify({
      out_trade_no: t.orderNumber,
      transaction_id: t.tradeNo,
      trade_state: 'SUCCESS',
      amount: { total: t.amountFen },
      success_time: t.paidAt,
      channel: this.channel,
    });
    return { headers: { [SIGNATURE_HEADER]: this.sign(body) }, body };
  }

  parseNotification(n: Notification): PaymentFact {
    const given = Buffer.from(n.headers[SIGNATURE_HEADER] ?? '', 'utf8');
    const expected = Buffer.from(this.sign(n.body), 'utf8');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new DepotError('refused', `${this.name}: notification signature does not verify; ignored`, { field: SIGNATURE_HEADER });
    }
    let b: { out_trade_no?: unknown; transaction_id?: unknown; trade_state?: unknown; amount?: { total?: unknown }; success_time?: unknown; channel?: unknown };
    try {
      b = JSON.parse(n.body) as typeof b;
    } catch {
      throw new DepotError('invalid_input', `${this.name}: notification body is not JSON`, { field: 'body' });
    }
    const total = b.amount?.total;
    if (
      typeof b.out_trade_no !== 'string' ||
      typeof b.transaction_id !== 'string' ||
      typeof total !== 'number' ||
      !Number.isSafeInteger(total) ||
      total <= 0 ||
      typeof b.success_time !== 'number'
    ) {
      throw new DepotError('invalid_input', `${this.name}: notification lacks out_trade_no, transaction_id, amount.total or success_time`, { field: 'body' });
    }
    if (b.trade_state !== 'SUCCESS')
      throw new DepotError('invalid_input', `${this.name}: notification trade_state ${String(b.trade_state)} is not a payment`, { field: 'trade_state' });
    if (b.channel !== this.channel) throw new DepotError('invalid_input', `${this.name}: notification is for channel ${String(b.channel)}`, { field: 'channel' });
    return { channel: this.channel, orderNumber: b.out_trade_no, providerTradeNo: b.transaction_id, amountFen: total, paidAt: b.success_time, raw: n.body };
  }
}
