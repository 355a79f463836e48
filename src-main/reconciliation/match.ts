import type { AppContext } from '../kernel/context';
import { businessDate, DAY_MS } from '../kernel/clock';
import { writeTx } from '../kernel/db/connection';
import { cachedStatement } from '../kernel/db/statements';
import { DepotError } from '../kernel/errors';
import { APP_CHUNK_BUDGET_MS, pace, yieldToEventLoop } from '../kernel/pace';
import { canonicalJson } from '../kernel/json';
import { dayEnd, dayStart } from '../ledger';
import { PAYMENT_CHANNELS, unmatchedByTrade, unmatchedByTradeAnyChannel, type OrderMatchRow, type PaidOrderRow, type PaymentChannel } from '../payments';
import { gatewayRefundsBetween, refundForMatching } from '../refunds';
import { checkEnergy, type EnergyOutcome } from './energy';
import { recordBreaks, type BreakCandidate } from './breaks';
import type { BreakKind, DayState } from './schema';
import { dayKey, FIRST_UNKEPT_ROW, ROWS_OF_DAY_FROM } from './day-key';

/**
 * The daily match (对账): one depot-zone day's gateway statement rows against our paid orders and
 * completed refunds, then the energy check of each charger's day.
 *
 * Guarantees (test/reconciliation/match.test.ts):
 * - Matching is by key, never by position or amount: a payment by 商户订单号 and the gateway's trade
 *   number, a refund by 商户退款单号 / 退款批次号 (our refund task's id). A record matches its
 *   counterpart whatever day the counterpart fell on, so a payment at 23:59:59 that the gateway
 *   dates the next day matches.
 * - An item whose counterpart is missing (长款, 短款, a refund only one side has) waits `windowDays`
 *   (default 3) as pending, carried over with its age; only then is it a break. An item whose
 *   counterpart is there but differs (amount mismatch, a second payment of a paid order) is a
 *   break at once.
 * - A 长款 that payments already recorded and an operator resolved (credited or refund requested)
 *   is matched: the books hold it.
 * - Running a day again (a late file, a re-run) gives the same figures and opens nothing twice: a
 *   break is found by its natural key; a resolved break never reopens; an open break whose
 *   counterpart arrived is closed as matched_late, with its history.
 * - A signed-off day is not run again; a day not yet over cannot be run.
 * - Each day's run is one transaction: its figures, breaks and energy check commit together. On
 *   the operator's thread (runDayInSlices: the screens, the daily job) the day's two large reads
 *   run first a slice at a time with yields between (issue 18), and the day is written from them
 *   in that transaction only if they still hold there (no statement kept, no order of the day paid
 *   since; else they are read again inside it): either way what commits is what runDay would
 *   have committed at that moment (test/reconciliation/run-slices.test.ts).
 */

export interface Tally {
  count: number;
  fen: number;
}

export interface ChannelFigures {
  gatewayPayments: Tally;
  gatewayRefunds: Tally;
  /** Sum of the statement rows' fees (WeChat: net of fees returned on refunds). */
  feesFen: number;
  /** gateway payments − gateway refunds − fees: what the gateway should settle to the merchant. */
  netSettlementFen: number;
  ourPayments: Tally;
  ourRefunds: Tally;
}

export interface PendingItem {
  kind: BreakKind;
  key: string;
  channel: string;
  orderNumber: string | null;
  tradeNo: string | null;
  refundNo: string | null;
  gatewayFen: number;
  oursFen: number;
  /** Days since the item's day. */
  ageDays: number;
}

export interface DayFigures {
  channels: Record<string, ChannelFigures>;
  matchedPayments: number;
  matchedRefunds: number;
  /** Refund rows the gateway still showed as processing: not facts yet, not matched. */
  processingRefunds: number;
  /** The first PENDING_LIMIT pending items (the count is in pendingCount). */
  pending: PendingItem[];
  pendingCount: number;
  windowDays: number;
}

export interface DayResult {
  day: string;
  state: DayState;
  skipped: 'signed_off' | null;
  figures: DayFigures;
  breaksOpened: number;
  breaksOpen: number;
  breaksTotal: number;
  matchedLate: number;
  energy: EnergyOutcome;
}

const PENDING_LIMIT = 500;

/** yyyy-MM-dd → the next day. */
export function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
}

export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

export function dayBounds(day: string, zone: string, field = 'date'): { from: number; to: number } {
  return { from: dayStart(day, zone, field), to: dayEnd(day, zone, field) };
}

export function today(app: Pick<AppContext, 'clock'>): string {
  return businessDate(app.clock.now(), app.clock.timeZone);
}

/** Collects one day's figures, pending items and break candidates. */
class DayMatch {
  readonly figures: DayFigures;
  readonly breaks = new Map<string, BreakCandidate>();
  readonly pendingKeys = new Set<string>();

  constructor(
    readonly day: string,
    readonly ageDays: number,
    readonly windowDays: number,
  ) {
    this.figures = { channels: {}, matchedPayments: 0, matchedRefunds: 0, processingRefunds: 0, pending: [], pendingCount: 0, windowDays };
  }

  channel(name: string): ChannelFigures {
    let c = this.figures.channels[name];
    if (!c) {
      const zero = (): Tally => ({ count: 0, fen: 0 });
      c = { gatewayPayments: zero(), gatewayRefunds: zero(), feesFen: 0, netSettlementFen: 0, ourPayments: zero(), ourRefunds: zero() };
      this.figures.channels[name] = c;
    }
    return c;
  }

  /** A difference both sides show: a break now. */
  breakNow(c: BreakCandidate): void {
    if (!this.breaks.has(c.naturalKey)) this.breaks.set(c.naturalKey, c);
  }

  /** A counterpart missing: pending inside the window, a break after it. */
  missing(c: BreakCandidate): void {
    if (this.ageDays >= this.windowDays) return this.breakNow(c);
    if (this.pendingKeys.has(c.naturalKey)) return;
    this.pendingKeys.add(c.naturalKey);
    this.figures.pendingCount += 1;
    if (this.figures.pending.length < PENDING_LIMIT) {
      this.figures.pending.push({
        kind: c.kind,
        key: c.naturalKey,
        channel: c.channel,
        orderNumber: c.orderNumber,
        tradeNo: c.tradeNo,
        refundNo: c.refundNo,
        gatewayFen: c.gatewayFen,
        oursFen: c.oursFen,
        ageDays: this.ageDays,
      });
    }
  }
}

interface StatementRowLite {
  id: number;
  channel: string;
  tradeNo: string;
  orderNo: string;
  refundNo: string;
  amountFen: number;
  feeFen: number;
  at: number;
  status: string;
}

/** The day's refund rows; a statement whose rows hold no refund (refund_count, counted from its rows) is not read at all. */
const REFUND_ROWS_OF_DAY = `SELECT r.id, r.channel, r.trade_no AS tradeNo, r.order_no AS orderNo, r.refund_no AS refundNo, r.amount_fen AS amountFen, r.fee_fen AS feeFen, r.at, r.status
  FROM ${ROWS_OF_DAY_FROM} AND s.refund_count > 0 AND r.kind = 'refund'`;

/** A payment row of the day, as an array: what the payment pass reads of a million rows. */
type PaymentRow = [id: number, channel: string, tradeNo: string, orderNo: string, amountFen: number, feeFen: number];

/**
 * The day's gateway payments joined to our orders inside SQLite (reading payments' table through the
 * sql-ownership allowance). A row matches when its order is paid, by the row's own trade, for the
 * row's amount; per order channel, the matched rows' count, amount and fees (no GROUP BY: sorting a
 * million rows cost as much as the join), and the rows that did not match as JSON arrays, with their
 * order's fields when there is one. A day's bill can hold a million rows: none of the matched ones
 * crosses into JavaScript. The inner query's `LIMIT -1` (no limit) keeps SQLite from flattening it
 * into the aggregate, which would compute `ok` again for each of the seven FILTERs: as a co-routine
 * each row's `ok` is computed once (1.15 → 0.93 s of CPU on a million rows; docs/performance.md).
 */
function gatewayPayments(rows: string): string {
  return `SELECT ${PAYMENT_CHANNELS.map((c) => `count(*) FILTER (WHERE ok = '${c}'), sum(amount_fen) FILTER (WHERE ok = '${c}'), sum(fee_fen) FILTER (WHERE ok = '${c}'),`).join(' ')}
    json_group_array(json_array(id, row_channel, trade_no, order_no, amount_fen, fee_fen, order_id, state, order_channel, payable, provider_trade_no))
      FILTER (WHERE ok IS NULL)
  FROM (SELECT r.id, r.channel AS row_channel, r.trade_no, r.order_no, r.amount_fen, r.fee_fen,
          o.id AS order_id, o.state, o.channel AS order_channel, o.payable, o.provider_trade_no,
          iif(o.state = 'PAID' AND o.provider_trade_no = r.trade_no AND o.payable = r.amount_fen, o.channel, NULL) AS ok
        ${rows} AND r.kind = 'payment'
        LIMIT -1)`;
}

/** The whole day: its rows through the kept statements that cover it. */
const GATEWAY_PAYMENTS = gatewayPayments(`FROM ${ROWS_OF_DAY_FROM.replace('WHERE', 'LEFT JOIN payment_orders o ON o.number = r.order_no WHERE')}`);

/**
 * One slice of the day: rows @lo..@hi, a part of one kept statement's range (readDayInSlices takes
 * the ranges from the statements), read by their ids alone. A slice costs its own rows: joined to
 * every statement's range, each slice would scan the whole range, and the pacer, finding every
 * slice slow, would shrink them to a few rows each (a million-row day then took minutes).
 */
const GATEWAY_PAYMENTS_SLICE = gatewayPayments(
  'FROM recon_statement_rows r NOT INDEXED LEFT JOIN payment_orders o ON o.number = r.order_no WHERE r.id BETWEEN @lo AND @hi AND r.day = @day',
);

/** A row that did not match, as GATEWAY_PAYMENTS gives it: the row, then its order's fields (null without an order). */
type OtherRow = [...PaymentRow, orderId: string | null, state: OrderMatchRow[3] | null, channel: PaymentChannel | null, payable: number | null, tradeNo: string | null];

/** Per channel (PAYMENT_CHANNELS' order) the matched rows' count, amount and fees; and the rows that did not match. */
interface GatewayRead {
  matched: [count: number, fen: number, fees: number][];
  others: OtherRow[];
}

const noGatewayRows = (): GatewayRead => ({ matched: PAYMENT_CHANNELS.map(() => [0, 0, 0]), others: [] });

type RawRead = import('better-sqlite3').Statement<unknown[], (number | string | null)[]>;

/** A read of this run's own, in raw mode (raw mode is never shared through the cache): prepared once per run, used by each slice. */
function rawRead(app: AppContext, sql: string): RawRead {
  return app.sqlite.prepare<unknown[], (number | string | null)[]>(sql).raw();
}

/** Adds the day's gateway payment rows that `read` selects (GATEWAY_PAYMENTS: all; GATEWAY_PAYMENTS_SLICE: ids lo..hi) to `into`. */
function readGatewayPayments(read: RawRead, params: { day: number; lo?: number; hi?: number }, into: GatewayRead): void {
  const figures = read.get(params)!;
  PAYMENT_CHANNELS.forEach((_, k) => {
    const t = into.matched[k];
    t[0] += Number(figures[3 * k]);
    t[1] += Number(figures[3 * k + 1]);
    t[2] += Number(figures[3 * k + 2]);
  });
  for (const o of JSON.parse(String(figures[3 * PAYMENT_CHANNELS.length])) as OtherRow[]) into.others.push(o);
}

/** An order as the match reads it, by its number: what a row that did not match is judged against when the day is written. */
const ORDER_BY_NUMBER = 'SELECT id, state, channel, payable, provider_trade_no AS tradeNo FROM payment_orders WHERE number = ?';

interface OrderNow {
  id: string;
  state: OrderMatchRow[3];
  channel: PaymentChannel;
  payable: number;
  tradeNo: string | null;
}

function orderNow(app: AppContext, number: string): OrderMatchRow | undefined {
  const o = cachedStatement<OrderNow>(app.sqlite, ORDER_BY_NUMBER).get(number);
  return o && [0, 0, o.id, o.state, o.channel, o.payable, o.tradeNo];
}

/**
 * The day's gateway payments against our orders: the matched ones counted in SQL, the others
 * (mismatch, 长款, a second payment) one by one in row order, as before. An other row whose order
 * was not paid when it was read is judged against its order as it is now (read under the write
 * lock): a payment confirmed meanwhile matches. A paid order is paid for good, with its trade and
 * amount, so a row matched or judged against a paid order stays so.
 */
function applyGatewayPayments(app: AppContext, m: DayMatch, read: GatewayRead): void {
  PAYMENT_CHANNELS.forEach((channel, k) => {
    const [count, fen, fees] = read.matched[k];
    if (count === 0) return;
    const c = m.channel(channel);
    c.gatewayPayments.count += count;
    c.gatewayPayments.fen += fen;
    c.feesFen += fees;
    m.figures.matchedPayments += count;
  });
  for (const o of [...read.others].sort((a, b) => a[0] - b[0])) {
    const [id, rowChannel, tradeNo, orderNo, amountFen, feeFen, orderId, state, channel, payable, orderTradeNo] = o;
    const row: PaymentRow = [id, rowChannel, tradeNo, orderNo, amountFen, feeFen];
    const order: OrderMatchRow | undefined = state === 'PAID' ? [0, 0, orderId!, state, channel!, payable!, orderTradeNo] : orderNow(app, orderNo);
    if (order && order[3] === 'PAID' && order[6] === tradeNo && order[5] === amountFen) {
      const c = m.channel(order[4]);
      c.gatewayPayments.count += 1;
      c.gatewayPayments.fen += amountFen;
      c.feesFen += feeFen;
      m.figures.matchedPayments += 1;
      continue;
    }
    matchOtherPayment(app, m, row, order);
  }
}

/** A gateway payment row that did not match its order: counted in its channel's totals, then a break or a recorded 长款. */
function matchOtherPayment(app: AppContext, m: DayMatch, row: PaymentRow, order: OrderMatchRow | undefined): void {
  const [, rowChannel, tradeNo, , amountFen, feeFen] = row;
  const channel = order ? order[4] : rowChannel;
  const c = m.channel(channel);
  c.gatewayPayments.count += 1;
  c.gatewayPayments.fen += amountFen;
  c.feesFen += feeFen;
  const paid = order !== undefined && order[3] === 'PAID';
  if (paid && order[6] === tradeNo) {
    m.breakNow({ ...paymentBreak(m, row, channel, order), kind: 'amount_mismatch', naturalKey: `amount:${tradeNo}`, gatewayFen: amountFen, oursFen: order[5] });
    return;
  }
  const recorded = isGatewayChannel(channel) ? unmatchedByTrade(app, channel, tradeNo) : unmatchedByTradeAnyChannel(app, tradeNo);
  if (recorded && recorded.status !== 'open') {
    m.figures.matchedPayments += 1;
    return;
  }
  const base = paymentBreak(m, row, channel, order);
  if (paid) m.breakNow({ ...base, kind: 'duplicate', naturalKey: `duplicate:${tradeNo}`, gatewayFen: amountFen, oursFen: 0 });
  else m.missing({ ...base, kind: 'long', naturalKey: `long:${tradeNo}`, gatewayFen: amountFen, oursFen: 0 });
}

/** What a break of a gateway payment row says about the row and its order. */
function paymentBreak(m: DayMatch, row: PaymentRow, channel: string, order: OrderMatchRow | undefined) {
  const [statementRowId, , tradeNo, orderNumber] = row;
  return { day: m.day, channel, orderNumber, tradeNo, refundNo: null, statementRowId, orderId: order?.[2] ?? null, refundTaskId: null };
}

/** The channels sorted, as our side's totals were always added (GROUP BY channel ORDER BY channel). */
const OUR_CHANNELS = [...PAYMENT_CHANNELS].sort();

/**
 * Our orders paid in [from, to), in one pass over payments' paid index (read through the
 * allowance, as GATEWAY_PAYMENTS): per channel their count and payable, and as JSON the orders no
 * statement (any day's) shows paid by their own trade — each probed against the statement rows'
 * order index inside SQLite; a null trade number finds nothing.
 */
const OUR_PAYMENTS = `SELECT ${OUR_CHANNELS.map((c) => `count(*) FILTER (WHERE o.channel = '${c}'), sum(o.payable) FILTER (WHERE o.channel = '${c}'),`).join(' ')}
    json_group_array(json_array(o.paid_at, o.id, o.number, o.channel, o.payable, o.provider_trade_no)) FILTER (WHERE NOT EXISTS
      (SELECT 1 FROM recon_statement_rows r WHERE r.order_no = o.number AND r.kind = 'payment' AND r.trade_no = o.provider_trade_no AND r.id < ${FIRST_UNKEPT_ROW}))
  FROM payment_orders o
  WHERE o.paid_at IS NOT NULL AND o.paid_at BETWEEN @lowAt AND @highAt AND +o.state = 'PAID'
    AND (o.paid_at, o.rowid) > (@afterAt, @afterRow) AND (o.paid_at, o.rowid) <= (@uptoAt, @uptoRow)`;

/** The last of the next `skip + 1` orders paid in [lowAt, highAt] after (afterAt, afterRow), in the paid index's order: where a slice of OUR_PAYMENTS ends. */
const OUR_PAYMENTS_SLICE_END = `SELECT paid_at AS at, rowid AS row FROM payment_orders
  WHERE paid_at IS NOT NULL AND paid_at BETWEEN @lowAt AND @highAt AND (paid_at, rowid) > (@afterAt, @afterRow)
  ORDER BY paid_at, rowid LIMIT 1 OFFSET @skip`;

/** How many orders were paid in [from, to): a paid order stays paid, with its paid_at, so the same count is the same orders (the paid index alone). */
const PAID_IN_DAY = 'SELECT count(*) AS n FROM payment_orders WHERE paid_at IS NOT NULL AND paid_at >= ? AND paid_at < ?';

type NotOnStatement = [paidAt: number, ...PaidOrderRow];

/** Per channel (OUR_CHANNELS' order) our paid orders' count and payable; and the orders no statement shows paid. */
interface OurRead {
  paid: [count: number, fen: number][];
  missing: NotOnStatement[];
}

const noOrders = (): OurRead => ({ paid: OUR_CHANNELS.map(() => [0, 0]), missing: [] });

const LAST_KEY = Number.MAX_SAFE_INTEGER;

/**
 * The paid index's range a slice reads, as one pair of bounds: SQLite starts an index scan from one
 * lower bound of a column, so the day's start and the slice's start are folded into one here (else
 * each slice could scan from the start of the day).
 */
function paidRange(from: number, to: number, after: [number, number], upto: [number, number] = [LAST_KEY, LAST_KEY]): { lowAt: number; highAt: number } {
  return { lowAt: Math.max(from, after[0]), highAt: Math.min(to - 1, upto[0]) };
}

/** Adds our orders paid in [from, to) with (paid_at, rowid) in (after, upto] to `into`. */
function readOurPayments(read: RawRead, from: number, to: number, after: [number, number], upto: [number, number], into: OurRead): void {
  const figures = read.get({ ...paidRange(from, to, after, upto), afterAt: after[0], afterRow: after[1], uptoAt: upto[0], uptoRow: upto[1] })!;
  OUR_CHANNELS.forEach((_, k) => {
    into.paid[k][0] += Number(figures[2 * k]);
    into.paid[k][1] += Number(figures[2 * k + 1]);
  });
  for (const o of JSON.parse(String(figures[2 * OUR_CHANNELS.length])) as NotOnStatement[]) into.missing.push(o);
}

/** Our orders paid in the day against the statements: their totals per channel, then each order no statement shows paid (oldest payment first). */
function applyOurPayments(m: DayMatch, read: OurRead): void {
  OUR_CHANNELS.forEach((channel, k) => {
    const [count, fen] = read.paid[k];
    if (count === 0) return;
    const c = m.channel(channel);
    c.ourPayments.count += count;
    c.ourPayments.fen += fen;
  });
  const missing = [...read.missing].sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  for (const [, orderId, orderNumber, channel, payable, tradeNo] of missing) {
    m.missing({
      kind: 'short',
      naturalKey: `short:${orderNumber}`,
      day: m.day,
      channel,
      orderNumber,
      tradeNo,
      refundNo: null,
      statementRowId: null,
      orderId,
      refundTaskId: null,
      gatewayFen: 0,
      oursFen: payable,
    });
  }
}

function matchGatewayRefunds(app: AppContext, m: DayMatch): void {
  for (const row of cachedStatement<StatementRowLite>(app.sqlite, REFUND_ROWS_OF_DAY).iterate({ day: dayKey(m.day) })) {
    const task = refundForMatching(app, row.refundNo);
    const channel = task?.channel ?? row.channel;
    if (row.status !== 'SUCCESS') {
      m.figures.processingRefunds += 1;
      continue;
    }
    const c = m.channel(channel);
    c.gatewayRefunds.count += 1;
    c.gatewayRefunds.fen += row.amountFen;
    c.feesFen += row.feeFen;
    const base = {
      day: m.day,
      channel,
      orderNumber: row.orderNo,
      tradeNo: row.tradeNo,
      refundNo: row.refundNo,
      statementRowId: row.id,
      orderId: null,
      refundTaskId: task?.id ?? null,
    };
    const key = `refund:${row.refundNo}`;
    if (task && task.state === 'completed') {
      if (task.amount === row.amountFen) m.figures.matchedRefunds += 1;
      else m.breakNow({ ...base, kind: 'refund_mismatch', naturalKey: key, gatewayFen: row.amountFen, oursFen: task.amount });
    } else {
      m.missing({ ...base, kind: 'refund_mismatch', naturalKey: key, gatewayFen: row.amountFen, oursFen: 0 });
    }
  }
}

const REFUND_ROW = `SELECT id FROM recon_statement_rows r WHERE refund_no = ? AND kind = 'refund' AND status = 'SUCCESS' AND r.id < ${FIRST_UNKEPT_ROW}`;

function matchOurRefunds(app: AppContext, m: DayMatch, from: number, to: number): void {
  const gatewayRow = cachedStatement<{ id: number }>(app.sqlite, REFUND_ROW);
  for (const t of gatewayRefundsBetween(app, from, to)) {
    const c = m.channel(t.channel);
    c.ourRefunds.count += 1;
    c.ourRefunds.fen += t.amount;
    if (gatewayRow.get(t.id)) continue;
    m.missing({
      kind: 'refund_mismatch',
      naturalKey: `refund:${t.id}`,
      day: m.day,
      channel: t.channel,
      orderNumber: t.orderNumber,
      tradeNo: null,
      refundNo: t.id,
      statementRowId: null,
      orderId: null,
      refundTaskId: t.id,
      gatewayFen: 0,
      oursFen: t.amount,
    });
  }
}

function isGatewayChannel(channel: string): channel is PaymentChannel {
  return channel === 'wechat' || channel === 'alipay';
}

interface DayRow {
  state: DayState;
}

/**
 * The day's two large reads: its gateway payments against our orders, and our orders paid in it
 * against the statements. `statementsSeq` and `paidInDay` say what they were read from: a day is
 * written from them only while both still hold (no statement kept since, no order paid in the day
 * since; a paid order stays paid, so the same count is the same orders).
 */
interface DayReads {
  statementsSeq: number;
  paidInDay: number;
  gateway: GatewayRead;
  ours: OurRead;
}

const STATEMENTS_SEQ = 'SELECT coalesce(max(seq), 0) AS seq FROM recon_statements';

function readsHold(app: AppContext, reads: DayReads, from: number, to: number): boolean {
  return (
    cachedStatement<{ seq: number }>(app.sqlite, STATEMENTS_SEQ).get()!.seq === reads.statementsSeq &&
    cachedStatement<{ n: number }>(app.sqlite, PAID_IN_DAY).get(from, to)!.n === reads.paidInDay
  );
}

/** Both reads at once (inside the day's write transaction, or as a fallback of the sliced run). */
function readDay(app: AppContext, day: string, from: number, to: number): DayReads {
  const reads: DayReads = {
    statementsSeq: cachedStatement<{ seq: number }>(app.sqlite, STATEMENTS_SEQ).get()!.seq,
    paidInDay: cachedStatement<{ n: number }>(app.sqlite, PAID_IN_DAY).get(from, to)!.n,
    gateway: noGatewayRows(),
    ours: noOrders(),
  };
  readGatewayPayments(rawRead(app, GATEWAY_PAYMENTS), { day: dayKey(day) }, reads.gateway);
  readOurPayments(rawRead(app, OUR_PAYMENTS), from, to, [-1, -1], [LAST_KEY, LAST_KEY], reads.ours);
  return reads;
}

/** Rows per slice at most for the sliced reads; each slice is otherwise timed to the budget (kernel/pace.ts). */
const MAX_SLICE = 200_000;

/**
 * The same reads a slice at a time, each slice its own short read with a yield between them, so a
 * day of a million statement rows never holds the operator's thread (issue 18): the gateway rows
 * by id ranges of the statements that cover the day, our orders by the paid index. Statement rows
 * and kept statements never change; a paid order stays paid: what a slice counted still holds
 * when the day is written, which readsHold checks for what could have been added meanwhile.
 */
async function readDayInSlices(app: AppContext, day: string, from: number, to: number, budgetMs: number): Promise<DayReads> {
  const reads: DayReads = {
    statementsSeq: cachedStatement<{ seq: number }>(app.sqlite, STATEMENTS_SEQ).get()!.seq,
    paidInDay: cachedStatement<{ n: number }>(app.sqlite, PAID_IN_DAY).get(from, to)!.n,
    gateway: noGatewayRows(),
    ours: noOrders(),
  };
  const slices = pace(MAX_SLICE, budgetMs);
  const gateway = rawRead(app, GATEWAY_PAYMENTS_SLICE);
  const ours = rawRead(app, OUR_PAYMENTS);
  const ranges = cachedStatement<{ lo: number; hi: number }>(
    app.sqlite,
    'SELECT row_id_from AS lo, row_id_to AS hi FROM recon_statements WHERE day_from <= ? AND day_to >= ? AND seq <= ? ORDER BY row_id_from',
  ).all(dayKey(day), dayKey(day), reads.statementsSeq);
  for (const { lo, hi } of ranges) {
    for (let at = lo; at <= hi;) {
      const end = Math.min(hi, at + slices.size() - 1);
      slices.time(() => readGatewayPayments(gateway, { day: dayKey(day), lo: at, hi: end }, reads.gateway));
      at = end + 1;
      await yieldToEventLoop();
    }
  }
  const sliceEnd = cachedStatement<{ at: number; row: number }>(app.sqlite, OUR_PAYMENTS_SLICE_END);
  for (let after: [number, number] = [-1, -1]; ;) {
    const end = sliceEnd.get({ ...paidRange(from, to, after), afterAt: after[0], afterRow: after[1], skip: slices.size() - 1 });
    const upto: [number, number] = end ? [end.at, end.row] : [LAST_KEY, LAST_KEY];
    slices.time(() => readOurPayments(ours, from, to, after, upto, reads.ours));
    if (!end) break;
    after = upto;
    await yieldToEventLoop();
  }
  return reads;
}

/** Reconciles one finished day (its own transaction). */
export function runDay(app: AppContext, day: string): DayResult {
  const { from, to } = finishedDay(app, day);
  return writeTx(app.sqlite, () => writeDay(app, day, from, to, () => readDay(app, day, from, to)));
}

/**
 * runDay for the operator's thread: the day's large reads a slice at a time with yields between
 * (readDayInSlices), then the day written in one short transaction, as runDay writes it. If a
 * statement was kept or an order of the day paid while the slices ran, the reads are made again
 * inside that transaction, so the day is always written from what was true at its commit.
 */
export async function runDayInSlices(app: AppContext, day: string, budgetMs = APP_CHUNK_BUDGET_MS): Promise<DayResult> {
  const { from, to } = finishedDay(app, day);
  if (findSignedOff(app, day)) return writeTx(app.sqlite, () => writeDay(app, day, from, to, () => readDay(app, day, from, to)));
  const reads = await readDayInSlices(app, day, from, to, budgetMs);
  return writeTx(app.sqlite, () => writeDay(app, day, from, to, () => (readsHold(app, reads, from, to) ? reads : readDay(app, day, from, to))));
}

function finishedDay(app: AppContext, day: string): { from: number; to: number } {
  const bounds = dayBounds(day, app.clock.timeZone);
  const now = today(app);
  if (day >= now) throw new DepotError('invalid_input', `date: ${day} is not over yet (today is ${now}); a day is reconciled once it has ended`, { field: 'date' });
  return bounds;
}

function findSignedOff(app: AppContext, day: string): boolean {
  return cachedStatement<DayRow>(app.sqlite, 'SELECT state FROM recon_days WHERE day = ?').get(day)?.state === 'signed_off';
}

/** Inside the day's write transaction: the figures from `reads`, then the refunds, breaks and energy check, all written together. */
function writeDay(app: AppContext, day: string, from: number, to: number, reads: () => DayReads): DayResult {
  const now = today(app);
  const m = new DayMatch(day, daysBetween(day, now), app.config.reconciliation.windowDays);
  if (findSignedOff(app, day)) return signedOff(app, day, m);
  const r = reads();
  applyGatewayPayments(app, m, r.gateway);
  applyOurPayments(m, r.ours);
  matchGatewayRefunds(app, m);
  matchOurRefunds(app, m, from, to);
  for (const c of Object.values(m.figures.channels)) c.netSettlementFen = c.gatewayPayments.fen - c.gatewayRefunds.fen - c.feesFen;
  const recorded = recordBreaks(app, day, [...m.breaks.values()], m.pendingKeys);
  const energy = checkEnergy(app, day, from, to);
  const state: DayState = recorded.open > 0 ? 'breaks' : m.figures.pendingCount > 0 ? 'pending' : 'matched';
  saveDay(app, day, state, m.figures, recorded.open, recorded.total, energy.anomalies);
  return {
    day,
    state,
    skipped: null,
    figures: m.figures,
    breaksOpened: recorded.opened,
    breaksOpen: recorded.open,
    breaksTotal: recorded.total,
    matchedLate: recorded.matchedLate,
    energy,
  };
}

function signedOff(app: AppContext, day: string, m: DayMatch): DayResult {
  const row = cachedStatement<{ figures: string; breaksOpen: number; breaksTotal: number; energyAnomalies: number }>(
    app.sqlite,
    'SELECT figures, breaks_open AS breaksOpen, breaks_total AS breaksTotal, energy_anomalies AS energyAnomalies FROM recon_days WHERE day = ?',
  ).get(day)!;
  return {
    day,
    state: 'signed_off',
    skipped: 'signed_off',
    figures: { ...m.figures, ...(JSON.parse(row.figures) as DayFigures) },
    breaksOpened: 0,
    breaksOpen: row.breaksOpen,
    breaksTotal: row.breaksTotal,
    matchedLate: 0,
    energy: { checked: 0, anomalies: row.energyAnomalies, newAnomalies: 0 },
  };
}

function saveDay(app: AppContext, day: string, state: DayState, figures: DayFigures, open: number, total: number, anomalies: number): void {
  app.sqlite
    .prepare(
      `INSERT INTO recon_days (day, state, figures, matched, pending, breaks_open, breaks_total, energy_anomalies, last_run_at)
       VALUES (@day, @state, @figures, @matched, @pending, @open, @total, @anomalies, @now)
       ON CONFLICT (day) DO UPDATE SET state = excluded.state, figures = excluded.figures, matched = excluded.matched, pending = excluded.pending,
         breaks_open = excluded.breaks_open, breaks_total = excluded.breaks_total, energy_anomalies = excluded.energy_anomalies, last_run_at = excluded.last_run_at
       WHERE recon_days.state <> 'signed_off'`,
    )
    .run({
      day,
      state,
      figures: canonicalJson(figures),
      matched: figures.matchedPayments + figures.matchedRefunds,
      pending: figures.pendingCount,
      open,
      total,
      anomalies,
      now: app.clock.now(),
    });
}

export interface RangeResult {
  from: string;
  to: string;
  days: DayResult[];
}

const MAX_RANGE_DAYS = 366;

/** Reconciles every day from `from` to `to` (inclusive), each in its own transaction. */
export function runRange(app: AppContext, from: string, to: string = from): RangeResult {
  const days = rangeDays(app, from, to);
  return { from, to, days: days.map((d) => runDay(app, d)) };
}

/** runRange on the operator's thread: each day by runDayInSlices. */
export async function runRangeInSlices(app: AppContext, from: string, to: string = from): Promise<RangeResult> {
  const days: DayResult[] = [];
  for (const d of rangeDays(app, from, to)) days.push(await runDayInSlices(app, d));
  return { from, to, days };
}

function rangeDays(app: AppContext, from: string, to: string): string[] {
  dayStart(from, app.clock.timeZone, 'date');
  dayStart(to, app.clock.timeZone, 'to');
  if (to < from) throw new DepotError('invalid_input', `to: ${to} is before ${from}`, { field: 'to' });
  if (daysBetween(from, to) >= MAX_RANGE_DAYS) throw new DepotError('invalid_input', `to: at most ${MAX_RANGE_DAYS} days at a time`, { field: 'to' });
  const days: string[] = [];
  for (let d = from; d <= to; d = nextDay(d)) days.push(d);
  return days;
}

/**
 * The daily run (cron at 01:00): every day since the last one reconciled, up to yesterday, and the
 * days still inside the window again (their pending items may have matched or become breaks).
 * A depot PC that was off for a week catches up the whole week in one run.
 */
export function runDue(app: AppContext): RangeResult {
  const { from, to } = dueRange(app);
  return runRange(app, from, to);
}

/** runDue on the operator's thread (the daily job): each day by runDayInSlices. */
export function runDueInSlices(app: AppContext): Promise<RangeResult> {
  const { from, to } = dueRange(app);
  return runRangeInSlices(app, from, to);
}

function dueRange(app: AppContext): { from: string; to: string } {
  const yesterday = addDays(today(app), -1);
  const last = cachedStatement<{ day: string | null }>(app.sqlite, 'SELECT max(day) AS day FROM recon_days').get()?.day ?? null;
  const windowStart = addDays(yesterday, -app.config.reconciliation.windowDays);
  const firstMissing = last ? nextDay(last) : addDays(yesterday, -(app.config.reconciliation.firstRunDays - 1));
  const from = firstMissing < windowStart ? firstMissing : windowStart;
  const earliest = addDays(yesterday, -(MAX_RANGE_DAYS - 1));
  return { from: from < earliest ? earliest : from, to: yesterday };
}
