import { performance } from 'node:perf_hooks';
import type { AppContext } from '../kernel/context';
import { DepotError, expectChanges } from '../kernel/errors';
import { enqueue } from '../jobs';
import { confirmPayment, type ConfirmOutcome } from './orders';
import { isProviderUnknown, providerFor, ProviderRefused, type QueryResult } from './providers';
import type { PaymentChannel } from './schema';

/**
 * Confirm by query (查询订单, issue 20). The depot PC sits behind the depot's router: a gateway's
 * notification may never reach it. So every open order is asked about at the gateway on a schedule
 * until it is paid or its timeout comes, where the close at the gateway (orders.ts expireOrders) is
 * the last question.
 *
 * Guarantees (test/payments/lifecycle.test.ts):
 *  1. An open order (PENDING_PAYMENT and younger than payments.orderTimeoutMs) is queried first
 *     payments.pollDelaysMs[0] after its creation, then after each further delay, the last one
 *     repeated (default 5 s, 10 s, 30 s, 1 min, 2 min, then every 5 min). Its row in
 *     payment_order_polls says how often it was asked, when, what the gateway said, and when next.
 *  2. A query that finds the order paid (SUCCESS, or REFUND: paid, then refunded) books it through
 *     confirmPayment, as a notification does: a payment seen by a poll and by a notification, or by
 *     two polls, is booked once.
 *  3. No transaction is open while the gateway is asked: the due orders are read, each query
 *     awaited, and its answer written in a transaction of its own.
 *  4. One run asks about at most payments.pollBatch orders, the most overdue first, and starts no
 *     query after RUN_BUDGET_MS of real time. An unknown outcome (gateway unreachable, 5xx,
 *     timeout) ends the run for that channel: its other orders keep their turn for the next run, so
 *     an offline gateway costs one timed-out call per run, not one per order. Neither an unknown
 *     outcome nor a refusal fails the job: polling is a best effort whose backstop is the close at
 *     the timeout. Anything else (a misconfigured provider, a refused booking) fails it loudly.
 *
 * Every channel is polled, the simulated one included. The simulated gateway's query answers from
 * memory at no cost, and polling it means the demo, the seeded simulation and the tests run the
 * code a depot on a real gateway runs: a path taken only in production is a path never tested.
 * Nothing visible changes there: the demo's "customer paid" button sends its notification, which
 * books the order before any poll sees it.
 *
 * Timing. Crons here are minute-granular, too coarse for "5 s after the QR code is shown", when
 * the driver is still at the counter. So a run is a job on the durable queue: the cron
 * `payments.pollOrders` starts one every minute (the backstop, and what catches up after a
 * restart), and each run, like each new order, schedules the next one at the earliest time an
 * order falls due within the minute, on a 5-second grid whose instants are unique keys (two orders
 * due in the same 5 s share one run). The scheduler wakes every jobs.pollIntervalMs (1 s), so a
 * poll is at most a few seconds late. Runs go through the `payments` queue, which runs one job at
 * a time: a slow gateway makes runs wait for each other instead of overlapping.
 */

export const POLL_JOB_KIND = 'payments.pollOrders';
/** The queue of the jobs that call a payment gateway; an unnamed queue runs one job at a time (config jobs.queues). */
export const GATEWAY_QUEUE = 'payments';
/** Runs are scheduled on this grid, one job per instant. */
const GRID_MS = 5_000;
/**
 * Real time a run may spend starting gateway calls (a call started before it may still take its
 * own timeout). Real, not app.clock, time: it bounds the work of one job so that a slow gateway's
 * runs fit their minute, and says nothing about when an order is due.
 */
export const RUN_BUDGET_MS = 40_000;

/** What the gateway said to the last query of an order, as payment_order_polls.last_result keeps it. */
export type PollAnswer = QueryResult['state'] | 'unknown' | 'refused';

export interface PollResult {
  /** Order numbers asked about in this run. */
  polled: string[];
  /** Orders a query found paid and this run booked. */
  paid: string[];
  /** Payments a query found that no pending order could take (recorded as 长款 by confirmPayment). */
  unmatched: string[];
  /** Channels whose gateway did not answer (the run stopped asking it), with the error. */
  offline: { channel: PaymentChannel; message: string }[];
  /** Orders whose poll failed for another reason: the job fails with them, after the others were asked. */
  failed: { number: string; code: string; message: string }[];
}

interface DueOrder {
  id: string;
  number: string;
  channel: PaymentChannel;
  polls: number;
}

/** The wait after an order's `polls`-th query (0: after its creation). */
export function pollDelay(app: Pick<AppContext, 'config'>, polls: number): number {
  const delays = app.config.payments.pollDelaysMs;
  return delays[Math.min(Math.max(0, polls), delays.length - 1)];
}

/** When an order falls due, in SQL: its row's next_poll_at, or its creation plus the first delay when it was never asked. */
const DUE_AT = 'coalesce(p.next_poll_at, o.created_at + @first)';
const OPEN = "o.state = 'PENDING_PAYMENT' AND o.created_at > @cutoff";

function dueOrders(app: AppContext, now: number): DueOrder[] {
  return app.sqlite
    .prepare<unknown[], DueOrder>(
      `SELECT o.id, o.number, o.channel, coalesce(p.polls, 0) AS polls FROM payment_orders o
         LEFT JOIN payment_order_polls p ON p.order_id = o.id
        WHERE ${OPEN} AND ${DUE_AT} <= @now
        ORDER BY ${DUE_AT}, o.id LIMIT @limit`,
    )
    .all({ first: pollDelay(app, 0), cutoff: now - app.config.payments.orderTimeoutMs, now, limit: app.config.payments.pollBatch });
}

/** Writes one query's answer and the order's next turn, in a transaction of its own (better-sqlite3 runs a lone statement as one). */
function recordPoll(app: AppContext, order: DueOrder, answer: PollAnswer): void {
  const now = app.clock.now();
  expectChanges(
    app.sqlite
      .prepare(
        `INSERT INTO payment_order_polls (order_id, polls, next_poll_at, last_polled_at, last_result) VALUES (@id, 1, @next, @now, @answer)
         ON CONFLICT (order_id) DO UPDATE SET polls = polls + 1, next_poll_at = excluded.next_poll_at,
           last_polled_at = excluded.last_polled_at, last_result = excluded.last_result`,
      )
      .run({ id: order.id, next: now + pollDelay(app, order.polls + 1), now, answer }),
    1,
    `record the poll of payment order ${order.number}`,
  );
}

type PollOutcome = { kind: 'answered'; state: QueryResult['state']; booked: ConfirmOutcome | null } | { kind: 'unknown'; message: string } | { kind: 'refused' };

/** One order: the query (no transaction open), its answer recorded, a payment booked. */
async function pollOne(app: AppContext, order: DueOrder): Promise<PollOutcome> {
  let q: QueryResult;
  try {
    q = await providerFor(app, order.channel).query(order.number);
  } catch (e) {
    if (isProviderUnknown(e)) {
      recordPoll(app, order, 'unknown');
      return { kind: 'unknown', message: e.message };
    }
    // A definite no (the gateway never had the order: its create never arrived): asked again on schedule.
    if (e instanceof ProviderRefused) {
      recordPoll(app, order, 'refused');
      return { kind: 'refused' };
    }
    throw e;
  }
  recordPoll(app, order, q.state);
  const paid = (q.state === 'SUCCESS' || q.state === 'REFUND') && q.payment;
  return { kind: 'answered', state: q.state, booked: paid ? confirmPayment(app, q.payment!).outcome : null };
}

/** Asks the gateway about every order due now (guarantees 1–4). */
export async function pollDueOrders(app: AppContext): Promise<PollResult> {
  const out: PollResult = { polled: [], paid: [], unmatched: [], offline: [], failed: [] };
  const stopAt = performance.now() + RUN_BUDGET_MS;
  for (const order of dueOrders(app, app.clock.now())) {
    if (performance.now() > stopAt) break;
    if (out.offline.some((o) => o.channel === order.channel)) continue;
    out.polled.push(order.number);
    try {
      const r = await pollOne(app, order);
      if (r.kind === 'unknown') out.offline.push({ channel: order.channel, message: r.message });
      else if (r.kind === 'answered' && r.booked === 'paid') out.paid.push(order.number);
      else if (r.kind === 'answered' && r.booked === 'unmatched') out.unmatched.push(order.number);
    } catch (e) {
      if (!(e instanceof DepotError)) throw e;
      out.failed.push({ number: order.number, code: String(e.code), message: e.message });
    }
  }
  return out;
}

/** Enqueues a polling run at `at` (on the 5-second grid, at least one grid step from now); one job per instant. */
export function schedulePollRun(app: AppContext, at: number): void {
  const now = app.clock.now();
  const slot = Math.max(Math.ceil(at / GRID_MS), Math.floor(now / GRID_MS) + 1) * GRID_MS;
  enqueue(app, {
    kind: POLL_JOB_KIND,
    queue: GATEWAY_QUEUE,
    args: {},
    maxAttempts: 3,
    scheduledAt: slot,
    uniqueKey: `${POLL_JOB_KIND}:${new Date(slot).toISOString()}`,
  });
}

/**
 * After a run: the next run at the earliest time an open order falls due, when that is within the
 * minute (the cron covers anything later). Orders already due (left by a full batch, the budget, an
 * offline gateway) are not counted: they wait for the cron's next run, so an offline gateway is
 * asked once a minute, not in a loop. Returns when the run was scheduled, or null.
 */
export function scheduleNextPollRun(app: AppContext): number | null {
  const now = app.clock.now();
  const next = app.sqlite
    .prepare<unknown[], { at: number | null }>(
      `SELECT min(${DUE_AT}) AS at FROM payment_orders o LEFT JOIN payment_order_polls p ON p.order_id = o.id WHERE ${OPEN} AND ${DUE_AT} > @now`,
    )
    .get({ first: pollDelay(app, 0), cutoff: now - app.config.payments.orderTimeoutMs, now })?.at;
  if (next === null || next === undefined || next - now >= 60_000) return null;
  schedulePollRun(app, next);
  return next;
}

/** What a poll row says about an order (null: never asked). For the order detail and the tests. */
export function pollStateOf(
  app: Pick<AppContext, 'sqlite'>,
  orderId: string,
): { polls: number; nextPollAt: number; lastPolledAt: number | null; lastResult: string | null } | null {
  return (
    app.sqlite
      .prepare<unknown[], { polls: number; nextPollAt: number; lastPolledAt: number | null; lastResult: string | null }>(
        'SELECT polls, next_poll_at AS nextPollAt, last_polled_at AS lastPolledAt, last_result AS lastResult FROM payment_order_polls WHERE order_id = ?',
      )
      .get(orderId) ?? null
  );
}
