import type { AppContext } from '../kernel/context';
import { writeTx } from '../kernel/db/connection';
import { allRows, countRows, expectRow, getRow } from '../kernel/db/rows';
import { cachedStatement } from '../kernel/db/statements';
import { DepotError, expectChanges } from '../kernel/errors';
import { canonicalJson } from '../kernel/json';
import { topUp, writeOffClearing, type By } from '../ledger';
import { confirmPayment, orderForMatching, resolveUnmatched, type PaymentChannel } from '../payments';
import type { BreakKind, BreakResolution, BreakState } from './schema';

/**
 * Breaks (差错): work, not a report. Each has a state, an owner and a history (recon_break_events,
 * append-only).
 *
 * Guarantees (test/reconciliation/breaks.test.ts):
 * - A break is opened once per natural key (the trade, the order, the refund); a run or an import
 *   that finds it again changes nothing, and a resolved or written-off break never reopens. A break
 *   whose counterpart arrives (a late statement) is closed as matched_late by the next run, also
 *   while a write-off of it awaits approval: there is no loss left to approve.
 * - Resolutions go through the paths that already move money, never a raw balance change:
 *   credit (补单): a 长款 or a second payment is confirmed through payments (recorded as an unmatched
 *   payment, then credited to the driver's wallet: gateway clearing → wallet, idempotent by the
 *   gateway trade); an amount the gateway took above the order is topped up (key recon:<break>).
 *   refund: the payment is handed to payments as a refund request; the refund task (refunds/)
 *   pays it back through the gateway. write-off: finance asks, another finance user approves, and
 *   the ledger books the loss (write-offs → gateway clearing, key recon:writeoff:<break>).
 *   explained: a note, no money (a test payment).
 * - Every change is a guarded UPDATE whose row count is checked; two people resolving one break at
 *   once: one wins, the other is told it is no longer open. Nobody approves their own write-off.
 * - Each step is in the break's history with who and when.
 */

export interface BreakCandidate {
  kind: BreakKind;
  naturalKey: string;
  day: string;
  channel: string;
  orderNumber: string | null;
  tradeNo: string | null;
  refundNo: string | null;
  statementRowId: number | null;
  orderId: string | null;
  refundTaskId: string | null;
  gatewayFen: number;
  oursFen: number;
}

export interface BreakRow extends BreakCandidate {
  id: string;
  state: BreakState;
  diffFen: number;
  owner: string | null;
  resolution: BreakResolution | null;
  note: string | null;
  reference: string | null;
  requestedBy: string | null;
  requestedAt: number | null;
  resolvedBy: string | null;
  resolvedAt: number | null;
  openedAt: number;
  updatedAt: number;
}

export interface BreakEvent {
  id: number;
  at: number;
  by: string | null;
  action: string;
  note: string;
}

const COLUMNS = `id, natural_key AS naturalKey, kind, state, day, channel, order_number AS orderNumber, trade_no AS tradeNo, refund_no AS refundNo,
  statement_row_id AS statementRowId, order_id AS orderId, refund_task_id AS refundTaskId, gateway_fen AS gatewayFen, ours_fen AS oursFen, diff_fen AS diffFen,
  owner, resolution, note, reference, requested_by AS requestedBy, requested_at AS requestedAt, resolved_by AS resolvedBy, resolved_at AS resolvedAt,
  opened_at AS openedAt, updated_at AS updatedAt`;

function addEvent(app: Pick<AppContext, 'sqlite'>, breakId: string, at: number, by: string | null, action: string, note = ''): void {
  cachedStatement(app.sqlite, 'INSERT INTO recon_break_events (break_id, at, by, action, note) VALUES (?, ?, ?, ?, ?)').run(breakId, at, by, action, note);
}

export interface Recorded {
  opened: number;
  matchedLate: number;
  open: number;
  total: number;
}

/**
 * A day's run hands over its breaks: new ones are opened; unresolved ones (open, or awaiting a
 * write-off's approval) the run no longer finds (nor holds as pending) are closed as matched_late.
 * Runs inside the day's transaction.
 */
export function recordBreaks(app: AppContext, day: string, found: BreakCandidate[], pendingKeys: ReadonlySet<string>): Recorded {
  const now = app.clock.now();
  const insert = cachedStatement(
    app.sqlite,
    `INSERT INTO recon_breaks (id, natural_key, kind, state, day, channel, order_number, trade_no, refund_no, statement_row_id, order_id, refund_task_id,
       gateway_fen, ours_fen, diff_fen, opened_at, updated_at)
     VALUES (@id, @naturalKey, @kind, 'open', @day, @channel, @orderNumber, @tradeNo, @refundNo, @statementRowId, @orderId, @refundTaskId,
       @gatewayFen, @oursFen, @diffFen, @now, @now)
     ON CONFLICT (natural_key) DO NOTHING`,
  );
  let opened = 0;
  for (const c of found) {
    const id = app.ids.next();
    if (insert.run({ ...c, id, diffFen: c.gatewayFen - c.oursFen, now }).changes === 1) {
      opened += 1;
      addEvent(app, id, now, null, 'opened', describe(c));
    }
  }
  const keys = new Set(found.map((c) => c.naturalKey));
  let matchedLate = 0;
  // A break awaiting write-off approval is closed too: once the counterpart is there, there is no loss to approve.
  const unresolvedOfDay = allRows<{ id: string; naturalKey: string; state: BreakState }>(
    app.sqlite.prepare("SELECT id, natural_key AS naturalKey, state FROM recon_breaks WHERE day = ? AND state IN ('open', 'write_off_requested')"),
    day,
  );
  for (const b of unresolvedOfDay) {
    if (keys.has(b.naturalKey) || pendingKeys.has(b.naturalKey)) continue;
    const note =
      b.state === 'open'
        ? 'both sides now show it (a late statement, or resolved on the payments page)'
        : 'both sides now show it (a late statement, or resolved on the payments page); the write-off asked for is no longer needed';
    expectChanges(
      app.sqlite
        .prepare("UPDATE recon_breaks SET state = 'resolved', resolution = 'matched_late', note = ?, resolved_at = ?, updated_at = ? WHERE id = ? AND state = ?")
        .run(note, now, now, b.id, b.state),
      1,
      `close break ${b.id} as matched late`,
    );
    addEvent(app, b.id, now, null, 'matched_late', note);
    matchedLate += 1;
  }
  const counts = expectRow<{ open: number; total: number }>(
    app.sqlite.prepare("SELECT count(*) FILTER (WHERE state IN ('open', 'write_off_requested')) AS open, count(*) AS total FROM recon_breaks WHERE day = ?"),
    day,
  );
  return { opened, matchedLate, ...counts };
}

const KIND_WORDS: Record<BreakKind, string> = {
  long: '长款: the gateway took a payment no paid order of ours accounts for',
  short: '短款: we show the order paid, the gateway statement does not have it',
  amount_mismatch: 'amount mismatch: the gateway and the order differ',
  refund_mismatch: 'refund mismatch: a refund one side shows and the other does not, or for another amount',
  duplicate: 'duplicate payment: a second gateway payment for an order already paid',
};

function describe(c: BreakCandidate): string {
  const yuan = (f: number) => (f / 100).toFixed(2);
  return `${KIND_WORDS[c.kind]} (gateway ¥${yuan(c.gatewayFen)}, ours ¥${yuan(c.oursFen)})`;
}

// ── queries ──────────────────────────────────────────────────────────────────────────────────────

export interface BreakFilter {
  state?: BreakState | 'unresolved';
  kind?: BreakKind;
  /** The channel the break is on (wechat, alipay, or an aggregator's statement channel). */
  channel?: string;
  day?: string;
  from?: string;
  to?: string;
  limit?: number;
  offset?: number;
}

export function listBreaks(app: Pick<AppContext, 'sqlite'>, f: BreakFilter = {}): { total: number; breaks: BreakRow[] } {
  const where = `WHERE (@state IS NULL OR state = @state OR (@state = 'unresolved' AND state IN ('open', 'write_off_requested')))
    AND (@kind IS NULL OR kind = @kind) AND (@channel IS NULL OR channel = @channel)
    AND (@day IS NULL OR day = @day) AND (@from IS NULL OR day >= @from) AND (@to IS NULL OR day <= @to)`;
  const params = { state: f.state ?? null, kind: f.kind ?? null, channel: f.channel ?? null, day: f.day ?? null, from: f.from ?? null, to: f.to ?? null };
  const total = countRows(app.sqlite.prepare(`SELECT count(*) AS n FROM recon_breaks ${where}`), params);
  const breaks = allRows<BreakRow>(app.sqlite.prepare(`SELECT ${COLUMNS} FROM recon_breaks ${where} ORDER BY day DESC, opened_at, id LIMIT @limit OFFSET @offset`), {
    ...params,
    limit: f.limit ?? 200,
    offset: f.offset ?? 0,
  });
  return { total, breaks };
}

export function getBreak(app: Pick<AppContext, 'sqlite'>, id: string): BreakRow {
  const b = getRow<BreakRow>(app.sqlite.prepare(`SELECT ${COLUMNS} FROM recon_breaks WHERE id = ?`), id);
  if (!b) throw new DepotError('not_found', `breakId: no break ${id}`, { field: 'breakId' });
  return b;
}

export function breakHistory(app: Pick<AppContext, 'sqlite'>, id: string): BreakEvent[] {
  return allRows<BreakEvent>(app.sqlite.prepare('SELECT id, at, by, action, note FROM recon_break_events WHERE break_id = ? ORDER BY id'), id);
}

// ── actions ──────────────────────────────────────────────────────────────────────────────────────

function requireNote(note: string | undefined, why: string): string {
  const n = (note ?? '').trim();
  if (!n) throw new DepotError('invalid_input', `note: ${why}`, { field: 'note' });
  return n;
}

function requireState(b: BreakRow, states: readonly BreakState[], doing: string): void {
  if (!states.includes(b.state)) {
    throw new DepotError('conflict', `breakId: break ${b.id} is ${b.state}; ${doing} needs it ${states.join(' or ')}`, { field: 'breakId', state: b.state });
  }
}

/** Takes a break (or hands it to someone): who works it. */
export function assignBreak(app: AppContext, id: string, owner: string | null, by: By = {}): BreakRow {
  return writeTx(app.sqlite, () => {
    const b = getBreak(app, id);
    requireState(b, ['open', 'write_off_requested'], 'assigning it');
    const now = app.clock.now();
    expectChanges(
      app.sqlite.prepare('UPDATE recon_breaks SET owner = ?, updated_at = ? WHERE id = ? AND state = ?').run(owner, now, id, b.state),
      1,
      `assign break ${id}`,
    );
    addEvent(app, id, now, by.operatorId ?? null, 'assigned', owner ?? '(nobody)');
    return getBreak(app, id);
  });
}

function close(app: AppContext, b: BreakRow, resolution: BreakResolution, note: string, reference: string | null, by: By, fromState: BreakState = 'open'): void {
  const now = app.clock.now();
  const state: BreakState = resolution === 'written_off' ? 'written_off' : 'resolved';
  expectChanges(
    app.sqlite
      .prepare('UPDATE recon_breaks SET state = ?, resolution = ?, note = ?, reference = ?, resolved_by = ?, resolved_at = ?, updated_at = ? WHERE id = ? AND state = ?')
      .run(state, resolution, note, reference, by.operatorId ?? null, now, now, b.id, fromState),
    1,
    `resolve break ${b.id}`,
  );
  addEvent(app, b.id, now, by.operatorId ?? null, resolution, reference ? `${note} (${reference})` : note);
}

function gatewayChannel(b: BreakRow): PaymentChannel {
  if (b.channel === 'wechat' || b.channel === 'alipay') return b.channel;
  throw new DepotError('invalid_input', `breakId: break ${b.id} is on channel ${b.channel}, which the ledger has no clearing account for; explain it instead`, {
    field: 'breakId',
  });
}

/** The money the depot would lose: payments we booked above the gateway, refunds the gateway paid above ours. */
export function lossFen(b: Pick<BreakRow, 'kind' | 'gatewayFen' | 'oursFen'>): number {
  return b.kind === 'refund_mismatch' ? b.gatewayFen - b.oursFen : b.oursFen - b.gatewayFen;
}

/** Hands the statement's payment to payments (recorded once as an unmatched payment, keyed by the trade). */
function paymentToPayments(app: AppContext, b: BreakRow, by: By): { unmatchedId: string | null; paidOrder: string | null } {
  const row = getRow<{ at: number; statementId: string; line: number }>(
    app.sqlite.prepare('SELECT r.at, s.id AS statementId, r.line FROM recon_statement_rows r JOIN recon_statements s ON s.seq = r.statement_seq WHERE r.id = ?'),
    b.statementRowId,
  );
  if (!row || !b.tradeNo || !b.orderNumber) throw new DepotError('conflict', `breakId: break ${b.id} has no statement payment to act on`, { field: 'breakId' });
  const r = confirmPayment(
    app,
    {
      channel: gatewayChannel(b),
      orderNumber: b.orderNumber,
      providerTradeNo: b.tradeNo,
      amountFen: b.gatewayFen,
      paidAt: row.at,
      raw: canonicalJson({ source: 'statement', statementId: row.statementId, line: row.line, breakId: b.id }),
    },
    by,
  );
  if (r.outcome === 'paid') return { unmatchedId: null, paidOrder: r.order?.number ?? null };
  if (r.outcome === 'duplicate')
    throw new DepotError('conflict', `breakId: order ${b.orderNumber} is already paid by trade ${b.tradeNo}; run the day again`, { field: 'breakId' });
  return { unmatchedId: r.unmatchedId, paidOrder: null };
}

export type ResolveAction = { action: 'credit'; note: string; driverId?: string } | { action: 'refund'; note: string } | { action: 'explain'; note: string };

/** Resolves an open break by credit (补单), refund or explanation; write-offs go through requestWriteOff. */
export function resolveBreak(app: AppContext, id: string, input: ResolveAction, by: By = {}): BreakRow {
  const note = requireNote(input.note, 'say what was found and decided');
  return writeTx(app.sqlite, () => {
    const b = getBreak(app, id);
    requireState(b, ['open'], 'resolving it');
    if (input.action === 'explain') close(app, b, 'explained', note, null, by);
    else if (input.action === 'credit') credit(app, b, note, input.driverId, by);
    else refund(app, b, note, by);
    return getBreak(app, id);
  });
}

function credit(app: AppContext, b: BreakRow, note: string, driverId: string | undefined, by: By): void {
  if (b.kind === 'long' || b.kind === 'duplicate') {
    const handed = paymentToPayments(app, b, by);
    if (handed.paidOrder) return close(app, b, 'credit', `${note}: the pending order was paid`, handed.paidOrder, by);
    resolveUnmatched(app, handed.unmatchedId!, { action: 'credit_wallet', driverId, note: `对账补单 ${b.orderNumber}: ${note}` }, by);
    return close(app, b, 'credit', note, `unmatched:${handed.unmatchedId}`, by);
  }
  if (b.kind === 'amount_mismatch' && b.diffFen > 0) {
    const order = b.orderNumber ? orderForMatching(app, b.orderNumber) : undefined;
    if (!order) throw new DepotError('conflict', `breakId: order ${b.orderNumber} is not in the books`, { field: 'breakId' });
    const key = `recon:${b.id}`;
    topUp(
      app,
      { key, driverId: order.driverId, amountFen: b.diffFen, channel: gatewayChannel(b), memo: `对账补单 ${order.number}: ${note}`, statementRow: b.tradeNo },
      by,
    );
    return close(app, b, 'credit', note, key, by);
  }
  throw new DepotError('invalid_input', `action: a ${b.kind} break with the gateway ${b.diffFen >= 0 ? 'above' : 'below'} our books cannot be credited`, {
    field: 'action',
  });
}

function refund(app: AppContext, b: BreakRow, note: string, by: By): void {
  if (b.kind !== 'long' && b.kind !== 'duplicate') {
    throw new DepotError('invalid_input', `action: only a 长款 or a duplicate payment is refunded to the payer (this is ${b.kind})`, { field: 'action' });
  }
  const handed = paymentToPayments(app, b, by);
  if (handed.paidOrder) throw new DepotError('conflict', `breakId: order ${handed.paidOrder} was pending and is now paid; nothing to refund`, { field: 'breakId' });
  resolveUnmatched(app, handed.unmatchedId!, { action: 'refund', note: `对账退款 ${b.orderNumber}: ${note}` }, by);
  close(app, b, 'refund', note, `unmatched:${handed.unmatchedId}`, by);
}

/** Finance asks to write off a loss; someone else approves (approveWriteOff). */
export function requestWriteOff(app: AppContext, id: string, note: string, by: By = {}): BreakRow {
  const reason = requireNote(note, 'say why the difference cannot be recovered');
  return writeTx(app.sqlite, () => {
    const b = getBreak(app, id);
    requireState(b, ['open'], 'a write-off');
    if (lossFen(b) <= 0) {
      throw new DepotError(
        'invalid_input',
        `action: break ${b.id} is no loss to the depot (the gateway holds ¥${(-lossFen(b) / 100).toFixed(2)} more); credit, refund or explain it`,
        {
          field: 'action',
        },
      );
    }
    gatewayChannel(b);
    const now = app.clock.now();
    expectChanges(
      app.sqlite
        .prepare("UPDATE recon_breaks SET state = 'write_off_requested', note = ?, requested_by = ?, requested_at = ?, updated_at = ? WHERE id = ? AND state = 'open'")
        .run(reason, by.operatorId ?? null, now, now, id),
      1,
      `request a write-off of break ${id}`,
    );
    addEvent(app, id, now, by.operatorId ?? null, 'write_off_requested', reason);
    return getBreak(app, id);
  });
}

export function approveWriteOff(app: AppContext, id: string, note: string | undefined, by: By = {}): BreakRow {
  return writeTx(app.sqlite, () => {
    const b = getBreak(app, id);
    requireState(b, ['write_off_requested'], 'approving a write-off');
    if (!by.operatorId || by.operatorId === b.requestedBy) {
      throw new DepotError('forbidden', `breakId: a write-off is approved by someone other than who asked for it`, { field: 'breakId' });
    }
    const key = `recon:writeoff:${b.id}`;
    const memo = `对账核销 ${b.kind} ${b.orderNumber ?? b.refundNo ?? ''}: ${b.note ?? ''}`.trim();
    writeOffClearing(app, { key, channel: gatewayChannel(b), amountFen: lossFen(b), memo, statementRow: b.tradeNo ?? b.refundNo }, by);
    close(app, b, 'written_off', (note ?? '').trim() || (b.note ?? ''), key, by, 'write_off_requested');
    return getBreak(app, id);
  });
}

export function rejectWriteOff(app: AppContext, id: string, note: string, by: By = {}): BreakRow {
  const reason = requireNote(note, 'say why the write-off is refused');
  return writeTx(app.sqlite, () => {
    const b = getBreak(app, id);
    requireState(b, ['write_off_requested'], 'rejecting a write-off');
    const now = app.clock.now();
    expectChanges(
      app.sqlite
        .prepare("UPDATE recon_breaks SET state = 'open', requested_by = NULL, requested_at = NULL, updated_at = ? WHERE id = ? AND state = 'write_off_requested'")
        .run(now, id),
      1,
      `reject the write-off of break ${id}`,
    );
    addEvent(app, id, now, by.operatorId ?? null, 'write_off_rejected', reason);
    return getBreak(app, id);
  });
}
