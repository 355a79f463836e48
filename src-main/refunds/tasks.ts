import type { AppContext } from '../kernel/context';
import { DepotError, expectChanges, isDepotError } from '../kernel/errors';
import { afterCommit } from '../kernel/db/after-commit';
import { writeTx } from '../kernel/db/connection';
import { enqueue } from '../jobs';
import { correctTransfer, payRefund, topUp, type Channel } from '../ledger';
import { formatFen } from '../money';
import { linkRefundTask, pendingRefundRequests, providerFor, ProviderRefused, type PaymentChannel } from '../payments';
import type { RefundResolution, RefundTaskSource, RefundTaskState } from './schema';

/**
 * Refund tasks (退款任务): money going back to a driver through the payment channel it came in by.
 *
 * Guarantees (each has a test in test/refunds/tasks.test.ts):
 *  1. The task id is the idempotency key given to the gateway (out_refund_no / out_request_no),
 *     on every call for that task, so the gateway refunds a task at most once.
 *  2. A task's state changes only by guarded UPDATEs whose row count is checked: a call to the
 *     gateway is made only by the one runner whose UPDATE took the task (pending or needs_check →
 *     processing); two runners never send the same task at once.
 *  3. A refused call (a definite "no") counts an attempt: the task is pending again after a
 *     backoff (refunds.retryDelayMs, doubled per attempt) or failed once it has made
 *     max_attempts calls (refunds.maxAttempts, 3).
 *  4. An unknown outcome (timeout, reset) is never retried blindly: the task becomes needs_check
 *     and the next run asks the gateway (queryRefund). Refunded → completed; unknown to the
 *     gateway → pending again (or failed when no attempts are left: nothing left the depot);
 *     still unknown or still processing → stays needs_check. A task left processing by a crash is
 *     needs_check after refunds.staleProcessingMs, for the same reason.
 *  5. A completed adjustment refund is paid out in the ledger exactly once (payRefund: refunds
 *     payable → the channel's clearing account, key refund_paid:adjust:<adjustment>), in the same
 *     transaction that marks the task completed.
 *  6. A failed task stays visible until an operator acts: retry (pending, a fresh attempt budget)
 *     or resolve with a note — paid_outside (completed; the payout is booked as for a gateway
 *     refund) or back_to_wallet (cancelled; the ledger gives the money back to the wallet). A task
 *     in needs_check can only be resolved as paid_outside: the gateway may have paid it.
 *  7. Each 长款 refund request (payments.resolveUnmatched → refund) becomes exactly one task,
 *     claimed with linkRefundTask in the transaction that creates it. A 长款 was never booked in
 *     the ledger, so its refund books nothing when it completes; given back to the wallet instead,
 *     it is booked as the top-up it would have been (channel clearing → wallet).
 */

type App = AppContext;

/** The job kind that processes refund tasks (its worker is in refunds/jobs.ts). */
export const REFUND_JOB_KIND = 'refunds.process';

export interface RefundTaskRow {
  id: string;
  source: RefundTaskSource;
  adjustmentId: string | null;
  unmatchedId: string | null;
  driverId: string | null;
  orderId: string | null;
  orderNumber: string;
  amount: number;
  totalFen: number;
  state: RefundTaskState;
  attempts: number;
  maxAttempts: number;
  lastError: string | null;
  provider: string;
  channel: PaymentChannel;
  reason: string;
  refundKey: string | null;
  requestEndpoint: string | null;
  requestBody: string | null;
  responseBody: string | null;
  providerRefundNo: string | null;
  nextAttemptAt: number;
  completedAt: number | null;
  resolution: RefundResolution | null;
  resolutionNote: string | null;
  resolvedBy: string | null;
  resolvedAt: number | null;
  createdBy: string | null;
  createdAt: number;
  updatedAt: number;
}

const COLUMNS = `id, source, adjustment_id AS adjustmentId, unmatched_id AS unmatchedId, driver_id AS driverId, order_id AS orderId,
  order_number AS orderNumber, amount, total_fen AS totalFen, state, attempts, max_attempts AS maxAttempts, last_error AS lastError, provider,
  channel, reason, refund_key AS refundKey, request_endpoint AS requestEndpoint, request_body AS requestBody, response_body AS responseBody,
  provider_refund_no AS providerRefundNo, next_attempt_at AS nextAttemptAt, completed_at AS completedAt, resolution, resolution_note AS resolutionNote,
  resolved_by AS resolvedBy, resolved_at AS resolvedAt, created_by AS createdBy, created_at AS createdAt, updated_at AS updatedAt`;

/** The real API each channel's refund maps to (docs/payments.md), recorded with the request. */
const REFUND_ENDPOINT: Record<PaymentChannel, string> = {
  wechat: 'POST /v3/refund/domestic/refunds',
  alipay: 'alipay.trade.refund',
};
const QUERY_ENDPOINT: Record<PaymentChannel, string> = {
  wechat: 'GET /v3/refund/domestic/refunds/{out_refund_no}',
  alipay: 'alipay.trade.fastpay.refund.query',
};

function announce(app: App, taskId: string, reason: string, driverIds: (string | null)[] = []): void {
  const drivers = driverIds.filter((d): d is string => Boolean(d));
  afterCommit(app.sqlite, () => {
    app.events.emit('refunds.changed', { adjustmentId: null, taskId, reason });
    if (drivers.length > 0) app.events.emit('ledger.changed', { driverIds: drivers, reason: `refunds.${reason}` });
    app.events.emit('dashboard.changed', { reason: `refunds.${reason}` });
  });
}

export function getTask(app: Pick<App, 'sqlite'>, id: string): RefundTaskRow {
  const t = app.sqlite.prepare<unknown[], RefundTaskRow>(`SELECT ${COLUMNS} FROM refund_tasks WHERE id = ?`).get(id);
  if (!t) throw new DepotError('not_found', `taskId: no refund task ${id}`, { field: 'taskId' });
  return t;
}

export function listTasks(app: Pick<App, 'sqlite'>, opts: { state?: RefundTaskState; limit?: number; offset?: number } = {}): RefundTaskRow[] {
  return app.sqlite
    .prepare<unknown[], RefundTaskRow>(
      `SELECT ${COLUMNS} FROM refund_tasks ${opts.state ? 'WHERE state = @state' : ''} ORDER BY created_at DESC, id DESC LIMIT @limit OFFSET @offset`,
    )
    .all({ state: opts.state, limit: opts.limit ?? 200, offset: opts.offset ?? 0 });
}

export function taskCounts(app: Pick<App, 'sqlite'>): Record<RefundTaskState, number> {
  const out: Record<RefundTaskState, number> = { pending: 0, processing: 0, completed: 0, failed: 0, needs_check: 0, cancelled: 0 };
  for (const r of app.sqlite.prepare<unknown[], { state: RefundTaskState; n: number }>('SELECT state, count(*) AS n FROM refund_tasks GROUP BY state').all())
    out[r.state] = r.n;
  return out;
}

/** Wakes the worker for one task at once (the 5-minute cron would get to it anyway). */
function wake(app: App, taskId: string): void {
  enqueue(app, { kind: REFUND_JOB_KIND, args: { taskId }, uniqueKey: `${REFUND_JOB_KIND}:${taskId}`, maxAttempts: 3 });
}

export interface NewTask {
  source: RefundTaskSource;
  adjustmentId: string | null;
  unmatchedId: string | null;
  driverId: string | null;
  orderId: string | null;
  orderNumber: string;
  amountFen: number;
  totalFen: number;
  channel: PaymentChannel;
  reason: string;
  refundKey: string | null;
  createdBy: string | null;
}

/** Creates a pending task and its immediate job; call inside the transaction that books the money. */
export function createTaskInTx(app: App, t: NewTask): string {
  const id = app.ids.next();
  const now = app.clock.now();
  app.sqlite
    .prepare(
      `INSERT INTO refund_tasks (id, source, adjustment_id, unmatched_id, driver_id, order_id, order_number, amount, total_fen, state, attempts,
         max_attempts, provider, channel, reason, refund_key, next_attempt_at, created_by, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      id,
      t.source,
      t.adjustmentId,
      t.unmatchedId,
      t.driverId,
      t.orderId,
      t.orderNumber,
      t.amountFen,
      t.totalFen,
      app.config.refunds.maxAttempts,
      providerFor(app, t.channel).name,
      t.channel,
      t.reason,
      t.refundKey,
      now,
      t.createdBy,
      now,
      now,
    );
  wake(app, id);
  afterCommit(app.sqlite, () => app.events.emit('refunds.changed', { adjustmentId: t.adjustmentId, taskId: id, reason: 'task_created' }));
  return id;
}

/** Turns every 长款 refund request no task has taken into a task (guarantee 7). */
export function pickUpRefundRequests(app: App): string[] {
  const created: string[] = [];
  for (const u of pendingRefundRequests(app)) {
    const id = writeTx(app.sqlite, () => {
      const taskId = createTaskInTx(app, {
        source: 'unmatched',
        adjustmentId: null,
        unmatchedId: u.id,
        driverId: u.driverId,
        orderId: u.orderId,
        orderNumber: u.orderNumber,
        amountFen: u.amount,
        totalFen: u.amount,
        channel: u.channel,
        reason: `长款退款 ${u.orderNumber}${u.resolution ? `：${u.resolution}` : ''}`.slice(0, 200),
        refundKey: null,
        createdBy: u.resolvedBy,
      });
      linkRefundTask(app, u.id, taskId);
      return taskId;
    });
    created.push(id);
  }
  return created;
}

// --- processing ----------------------------------------------------------------------------------------

function errorText(e: unknown): string {
  return (isDepotError(e) || e instanceof Error ? e.message : String(e)).slice(0, 2000);
}

/** Takes a task for one call to the gateway; false when another runner (or a state change) got there first. */
function claim(app: App, id: string, from: 'pending' | 'needs_check', endpoint: string, body: string): boolean {
  const now = app.clock.now();
  const r = app.sqlite
    .prepare(
      `UPDATE refund_tasks SET state = 'processing', attempts = attempts + CASE WHEN @from = 'pending' THEN 1 ELSE 0 END,
         request_endpoint = @endpoint, request_body = @body, updated_at = @now
       WHERE id = @id AND state = @from AND next_attempt_at <= @now`,
    )
    .run({ id, from, endpoint, body, now });
  return r.changes === 1;
}

/** processing → another state, checked (guarantee 2). */
function leaveProcessing(
  app: App,
  id: string,
  to: Exclude<RefundTaskState, 'processing'>,
  set: { lastError?: string | null; response?: string | null; nextAttemptAt?: number; providerRefundNo?: string | null },
): void {
  const now = app.clock.now();
  expectChanges(
    app.sqlite
      .prepare(
        `UPDATE refund_tasks SET state = @to, last_error = CASE WHEN @setError THEN @lastError ELSE last_error END,
           response_body = coalesce(@response, response_body), provider_refund_no = coalesce(@refundNo, provider_refund_no),
           next_attempt_at = coalesce(@next, next_attempt_at), completed_at = CASE WHEN @to = 'completed' THEN @now ELSE completed_at END, updated_at = @now
         WHERE id = @id AND state = 'processing'`,
      )
      .run({
        id,
        to,
        setError: set.lastError !== undefined ? 1 : 0,
        lastError: set.lastError ?? null,
        response: set.response ?? null,
        refundNo: set.providerRefundNo ?? null,
        next: set.nextAttemptAt ?? null,
        now,
      }),
    1,
    `refund task ${id}: processing → ${to}`,
  );
}

/** The gateway refunded: completed, and the payout booked once (guarantee 5), in one transaction. */
function complete(app: App, task: RefundTaskRow, refundNo: string | null, response: string): void {
  writeTx(app.sqlite, () => {
    leaveProcessing(app, task.id, 'completed', { lastError: null, response, providerRefundNo: refundNo });
    if (task.refundKey) payRefund(app, { refundKey: task.refundKey, channel: task.channel, statementRow: refundNo }, { operatorId: null });
  });
  announce(app, task.id, 'task_completed', [task.driverId]);
}

function backoff(app: App, attempts: number): number {
  return app.config.refunds.retryDelayMs * 2 ** Math.max(0, attempts - 1);
}

async function send(app: App, task: RefundTaskRow): Promise<void> {
  const provider = providerFor(app, task.channel);
  const input = { idempotencyKey: task.id, orderNumber: task.orderNumber, totalFen: task.totalFen, amountFen: task.amount, reason: task.reason };
  if (!writeTx(app.sqlite, () => claim(app, task.id, 'pending', `${provider.name}: ${REFUND_ENDPOINT[task.channel]}`, JSON.stringify(input)))) return;
  announce(app, task.id, 'task_processing');
  const attempts = task.attempts + 1;
  try {
    const r = await provider.refund(input);
    if (r.status === 'SUCCESS') {
      complete(app, task, r.providerRefundNo, r.response);
      return;
    }
    // Accepted but not done (both gateways refund asynchronously): ask again on the next run.
    writeTx(app.sqlite, () =>
      leaveProcessing(app, task.id, 'needs_check', {
        lastError: 'accepted by the gateway, not finished yet; querying on the next run',
        response: r.response,
        providerRefundNo: r.providerRefundNo,
        nextAttemptAt: app.clock.now(),
      }),
    );
  } catch (e) {
    if (e instanceof ProviderRefused) {
      const failed = attempts >= task.maxAttempts;
      writeTx(app.sqlite, () =>
        leaveProcessing(app, task.id, failed ? 'failed' : 'pending', {
          lastError: `attempt ${attempts}/${task.maxAttempts} refused: ${errorText(e)}`,
          response: JSON.stringify(e.toShape()),
          nextAttemptAt: failed ? undefined : app.clock.now() + backoff(app, attempts),
        }),
      );
      app.log.warn({ taskId: task.id, attempts, failed }, `refund task ${task.id} refused by ${provider.name}`);
    } else {
      // Unknown (timeout, reset, anything unexpected): the money may have left; never send again unasked.
      writeTx(app.sqlite, () =>
        leaveProcessing(app, task.id, 'needs_check', {
          lastError: `outcome unknown: ${errorText(e)}`,
          response: isDepotError(e) ? JSON.stringify(e.toShape()) : null,
          nextAttemptAt: app.clock.now(),
        }),
      );
      app.log.warn({ taskId: task.id, err: errorText(e) }, `refund task ${task.id}: outcome unknown, will query`);
    }
  }
  announce(app, task.id, 'task_attempted', [task.driverId]);
}

async function check(app: App, task: RefundTaskRow): Promise<void> {
  const provider = providerFor(app, task.channel);
  const body = JSON.stringify({ out_refund_no: task.id, out_trade_no: task.orderNumber });
  if (!writeTx(app.sqlite, () => claim(app, task.id, 'needs_check', `${provider.name}: ${QUERY_ENDPOINT[task.channel]}`, body))) return;
  const later = app.clock.now() + app.config.refunds.retryDelayMs;
  try {
    const q = await provider.queryRefund(task.id, task.orderNumber);
    if (q.status === 'SUCCESS') {
      complete(app, task, q.providerRefundNo, q.response);
      return;
    }
    if (q.status === 'PROCESSING') {
      writeTx(app.sqlite, () =>
        leaveProcessing(app, task.id, 'needs_check', { lastError: 'the gateway is still processing the refund', response: q.response, nextAttemptAt: later }),
      );
    } else {
      // The gateway never took it: sending it again is safe, with the same key.
      const left = task.attempts < task.maxAttempts;
      writeTx(app.sqlite, () =>
        leaveProcessing(app, task.id, left ? 'pending' : 'failed', {
          lastError: left ? 'the gateway has no record of the refund; sending it again' : `the gateway has no record of the refund after ${task.attempts} attempt(s)`,
          response: q.response,
          nextAttemptAt: app.clock.now(),
        }),
      );
    }
  } catch (e) {
    writeTx(app.sqlite, () =>
      leaveProcessing(app, task.id, 'needs_check', {
        lastError: `query failed, outcome still unknown: ${errorText(e)}`,
        response: isDepotError(e) ? JSON.stringify(e.toShape()) : null,
        nextAttemptAt: later,
      }),
    );
  }
  announce(app, task.id, 'task_checked', [task.driverId]);
}

/** One step for a task that is due: a pending one is sent, a needs_check one is queried (and sent again if the gateway never saw it). */
export async function processTask(app: App, id: string): Promise<RefundTaskRow> {
  let task = getTask(app, id);
  const now = app.clock.now();
  if (task.state === 'needs_check' && task.nextAttemptAt <= now) {
    await check(app, task);
    task = getTask(app, id);
  }
  if (task.state === 'pending' && task.nextAttemptAt <= app.clock.now()) {
    await send(app, task);
    task = getTask(app, id);
  }
  return task;
}

/** Tasks left processing longer than refunds.staleProcessingMs (a crash mid-call) are queried, never re-sent. */
export function rescueStale(app: App): string[] {
  const cutoff = app.clock.now() - app.config.refunds.staleProcessingMs;
  const stale = app.sqlite.prepare<unknown[], { id: string }>("SELECT id FROM refund_tasks WHERE state = 'processing' AND updated_at < ?").all(cutoff);
  for (const { id } of stale) {
    writeTx(app.sqlite, () =>
      leaveProcessing(app, id, 'needs_check', { lastError: 'left processing (the app stopped mid-call?); querying the gateway', nextAttemptAt: app.clock.now() }),
    );
  }
  return stale.map((s) => s.id);
}

export interface RunResult {
  pickedUp: string[];
  rescued: string[];
  processed: { id: string; state: RefundTaskState }[];
}

/** The 5-minute run: 长款 requests into tasks, stale ones to needs_check, then every due task once. */
export async function processDueTasks(app: App, opts: { limit?: number } = {}): Promise<RunResult> {
  const pickedUp = pickUpRefundRequests(app);
  const rescued = rescueStale(app);
  const due = app.sqlite
    .prepare<unknown[], { id: string }>(
      "SELECT id FROM refund_tasks WHERE state IN ('pending', 'needs_check') AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?",
    )
    .all(app.clock.now(), opts.limit ?? 200);
  const processed: RunResult['processed'] = [];
  for (const { id } of due) {
    const t = await processTask(app, id);
    processed.push({ id, state: t.state });
  }
  return { pickedUp, rescued, processed };
}

// --- operator actions ----------------------------------------------------------------------------------

/** failed → pending with a fresh attempt budget, and sent at once (who asked is in the audit log). */
export function retryTask(app: App, id: string): RefundTaskRow {
  const r = writeTx(app.sqlite, () => {
    const t = getTask(app, id);
    if (t.state !== 'failed') throw new DepotError('conflict', `refund task ${id} is ${t.state}; only a failed task is retried`, { field: 'taskId', state: t.state });
    const now = app.clock.now();
    expectChanges(
      app.sqlite
        .prepare("UPDATE refund_tasks SET state = 'pending', max_attempts = attempts + ?, next_attempt_at = ?, updated_at = ? WHERE id = ? AND state = 'failed'")
        .run(app.config.refunds.maxAttempts, now, now, id),
      1,
      `retry refund task ${id}`,
    );
    wake(app, id);
    return getTask(app, id);
  });
  announce(app, id, 'task_retried');
  return r;
}

export interface ResolveInput {
  outcome: RefundResolution;
  note: string;
  /** paid_outside: how the money reached the driver (default: the task's own channel). */
  via?: Channel;
}

export function resolveTask(app: App, id: string, input: ResolveInput, by: { operatorId: string | null }): RefundTaskRow {
  const note = input.note.trim();
  if (!note) throw new DepotError('invalid_input', 'note: say how the refund was settled (receipt, call with the driver)', { field: 'note' });
  if (note.length > 500) throw new DepotError('invalid_input', 'note: at most 500 characters', { field: 'note' });
  const r = writeTx(app.sqlite, () => {
    const t = getTask(app, id);
    const allowed = input.outcome === 'paid_outside' ? ['failed', 'needs_check'] : ['failed'];
    if (!allowed.includes(t.state)) {
      throw new DepotError(
        'conflict',
        t.state === 'needs_check'
          ? `refund task ${id} is needs_check: the gateway may have paid it, so it cannot go back to the wallet; let the next run query it, or resolve it as paid_outside`
          : `refund task ${id} is ${t.state}; only a failed task (or, as paid_outside, a needs_check one) is resolved by hand`,
        { field: 'taskId', state: t.state },
      );
    }
    const now = app.clock.now();
    const via = input.via ?? t.channel;
    if (input.outcome === 'paid_outside') {
      if (t.refundKey) payRefund(app, { refundKey: t.refundKey, channel: via }, by);
      else if (via !== t.channel) {
        throw new DepotError('refused', `via: a 长款 was never booked in the ledger; it can only be paid back through ${t.channel}`, { field: 'via' });
      }
    } else if (t.refundKey) {
      correctTransfer(app, { key: `refund_task:${t.id}:back`, transferId: t.refundKey, memo: `退款取消，退回钱包：${note}` }, by);
    } else {
      if (!t.driverId) throw new DepotError('refused', `refund task ${id}: the 长款 names no driver; there is no wallet to give it to`, { field: 'outcome' });
      topUp(app, { key: `refund_task:${t.id}:wallet`, driverId: t.driverId, amountFen: t.amount, channel: t.channel, memo: `长款入账 ${t.orderNumber}：${note}` }, by);
    }
    expectChanges(
      app.sqlite
        .prepare(
          `UPDATE refund_tasks SET state = @to, resolution = @outcome, resolution_note = @note, resolved_by = @by, resolved_at = @now,
             completed_at = CASE WHEN @to = 'completed' THEN @now ELSE completed_at END, updated_at = @now
           WHERE id = @id AND state = @from`,
        )
        .run({ id, from: t.state, to: input.outcome === 'paid_outside' ? 'completed' : 'cancelled', outcome: input.outcome, note, by: by.operatorId, now }),
      1,
      `resolve refund task ${id}`,
    );
    return getTask(app, id);
  });
  announce(app, id, 'task_resolved', [r.driverId]);
  return r;
}

export function describeTask(t: RefundTaskRow): string {
  return `${t.id}  ${t.state.padEnd(11)} ¥${formatFen(t.amount).padStart(9)}  ${t.channel.padEnd(6)} ${t.orderNumber}  attempts ${t.attempts}/${t.maxAttempts}${t.lastError ? `  ${t.lastError}` : ''}`;
}
