import { performance } from 'node:perf_hooks';
import type { AppContext } from '../kernel/context';
import { businessDate } from '../kernel/clock';
import { DepotError, expectChanges } from '../kernel/errors';
import { afterCommit } from '../kernel/db/after-commit';
import { writeTx } from '../kernel/db/connection';
import { appendJournal } from '../kernel/journal';
import {
  DEPOT,
  creditCompensation,
  driverContacts,
  driversMatching,
  driverStatement,
  driverBlock,
  getDriver,
  listCoupons,
  redeemCoupon,
  redeemPoints,
  restoreCoupon,
  restorePoints,
  topUp,
  type By,
} from '../ledger';
import { formatFen } from '../money';
import { isProviderUnknown, providerFor, ProviderRefused, type PaymentFact } from './providers';
import { RUN_BUDGET_MS, schedulePollRun, pollDelay } from './polling';
import type { OrderCouponState, OrderState, PaymentChannel, UnmatchedReason, UnmatchedState } from './schema';
import { whereOf } from '../kernel/db/where';
import { countRows, expectRow } from '../kernel/db/rows';
import { closePaidParked, NOT_PARKED, recordRefusedCancel } from './stuck';

/**
 * Payment orders (支付订单): a driver buys a top-up or a prepaid package and pays through a gateway.
 * The guarantees are listed in index.ts; this file is the code behind them.
 *
 * Ledger keys, all derived from the order number so every movement traces back to its order:
 *   order:<no>:coupon          coupon_redeem at order time (coupon → compensation expense)
 *   order:<no>:points          points_redeem at order time
 *   order:<no>:coupon_restore  coupon_restore when the order is cancelled
 *   order:<no>:points_restore  points_restore when the order is cancelled
 *   pay:<no>                   topUp of the payable amount, gateway clearing → wallet
 *   pay:<no>:bonus             what the wallet gets beyond the payable (coupon, points, package bonus),
 *                              from compensation expense — where the coupon's value was parked
 * A coupon's value thus passes through compensation expense and nets to zero there once the order
 * is paid; a cancelled order gives it straight back to the coupon.
 */

export interface OrderRow {
  id: string;
  number: string;
  requestKey: string | null;
  driverId: string;
  packageId: string | null;
  amount: number;
  credited: number;
  couponFen: number;
  points: number;
  pointsFen: number;
  pointsRedeemId: string | null;
  payable: number;
  channel: PaymentChannel;
  provider: string;
  codeUrl: string | null;
  providerError: string | null;
  state: OrderState;
  providerTradeNo: string | null;
  paidAt: number | null;
  cancelledAt: number | null;
  cancelReason: string | null;
  createdAt: number;
  createdBy: string | null;
}

export interface OrderCouponRow {
  orderId: string;
  couponId: string;
  amount: number;
  redeemTransferId: string;
  status: OrderCouponState;
  changedAt: number;
}

const ORDER_COLUMNS = `id, number, request_key AS requestKey, driver_id AS driverId, package_id AS packageId, amount, credited,
  coupon_fen AS couponFen, points, points_fen AS pointsFen, points_redeem_id AS pointsRedeemId, payable, channel, provider,
  code_url AS codeUrl, provider_error AS providerError, state, provider_trade_no AS providerTradeNo, paid_at AS paidAt,
  cancelled_at AS cancelledAt, cancel_reason AS cancelReason, created_at AS createdAt, created_by AS createdBy`;

type App = Pick<AppContext, 'sqlite' | 'clock' | 'ids' | 'config' | 'events'>;

/** After the commit: the payments screens, the drivers' wallets and the dashboard reload. */
export function announce(app: App, orderId: string | null, unmatchedId: string | null, reason: string, driverIds: string[] = []): void {
  afterCommit(app.sqlite, () => {
    app.events.emit('payments.changed', { orderId, unmatchedId, reason });
    if (driverIds.length > 0) app.events.emit('ledger.changed', { driverIds, reason: `payments.${reason}` });
    app.events.emit('dashboard.changed', { reason: `payments.${reason}` });
  });
}

// --- packages ------------------------------------------------------------------------------------------

export interface PackageRow {
  id: string;
  name: string;
  price: number;
  credited: number;
  active: number;
  createdAt: number;
}

const PACKAGE_COLUMNS = 'id, name, price, credited, active, created_at AS createdAt';

export function listPackages(app: Pick<App, 'sqlite'>, opts: { includeInactive?: boolean } = {}): PackageRow[] {
  return app.sqlite
    .prepare<unknown[], PackageRow>(`SELECT ${PACKAGE_COLUMNS} FROM payment_packages ${opts.includeInactive ? '' : 'WHERE active = 1'} ORDER BY price, name`)
    .all();
}

export function getPackage(app: Pick<App, 'sqlite'>, id: string): PackageRow {
  const p = app.sqlite.prepare<unknown[], PackageRow>(`SELECT ${PACKAGE_COLUMNS} FROM payment_packages WHERE id = ? OR name = ?`).get(id, id);
  if (!p) throw new DepotError('not_found', `packageId: no package ${id}`, { field: 'packageId' });
  return p;
}

export function createPackage(app: App, input: { name: string; priceFen: number; creditedFen: number }, by: By = {}): PackageRow {
  const name = input.name.trim();
  if (!name) throw new DepotError('invalid_input', 'name: a package needs a name', { field: 'name' });
  if (!Number.isSafeInteger(input.priceFen) || input.priceFen <= 0) throw new DepotError('invalid_input', 'price: a positive amount', { field: 'price' });
  if (!Number.isSafeInteger(input.creditedFen) || input.creditedFen < input.priceFen) {
    throw new DepotError('invalid_input', `credited: at least the price (${formatFen(input.priceFen)})`, { field: 'credited' });
  }
  return writeTx(app.sqlite, () => {
    if (app.sqlite.prepare('SELECT 1 FROM payment_packages WHERE name = ?').get(name)) {
      throw new DepotError('conflict', `name: a package named ${name} already exists`, { field: 'name' });
    }
    const id = app.ids.next();
    app.sqlite
      .prepare('INSERT INTO payment_packages (id, name, price, credited, active, created_at, created_by) VALUES (?, ?, ?, ?, 1, ?, ?)')
      .run(id, name, input.priceFen, input.creditedFen, app.clock.now(), by.operatorId ?? null);
    return getPackage(app, id);
  });
}

export function setPackageActive(app: App, id: string, active: boolean): PackageRow {
  return writeTx(app.sqlite, () => {
    const p = getPackage(app, id);
    expectChanges(app.sqlite.prepare('UPDATE payment_packages SET active = ? WHERE id = ?').run(active ? 1 : 0, p.id), 1, `set package ${p.id} active`);
    return getPackage(app, p.id);
  });
}

// --- reading orders ------------------------------------------------------------------------------------

export function findOrder(app: Pick<App, 'sqlite'>, idOrNumber: string): OrderRow | undefined {
  return app.sqlite.prepare<unknown[], OrderRow>(`SELECT ${ORDER_COLUMNS} FROM payment_orders WHERE id = ? OR number = ?`).get(idOrNumber, idOrNumber);
}

/**
 * The ledger operation keys an order's money moves under, each continued by ':' or '#': `pay:N`
 * (the payment, `:bonus`, `#collect:` of a debt it paid), `order:N` (`:coupon`, `:points`, and
 * their `_restore` on a cancel). The order detail lists the transfers under them.
 */
export function orderLedgerKeys(number: string): string[] {
  return [`pay:${number}`, `order:${number}`];
}

export function getOrder(app: Pick<App, 'sqlite'>, idOrNumber: string): OrderRow {
  const o = findOrder(app, idOrNumber);
  if (!o) throw new DepotError('not_found', `orderId: no payment order ${idOrNumber}`, { field: 'orderId' });
  return o;
}

export function orderCoupon(app: Pick<App, 'sqlite'>, orderId: string): OrderCouponRow | undefined {
  return app.sqlite
    .prepare<unknown[], OrderCouponRow>(
      'SELECT order_id AS orderId, coupon_id AS couponId, amount, redeem_transfer_id AS redeemTransferId, status, changed_at AS changedAt FROM order_coupons WHERE order_id = ?',
    )
    .get(orderId);
}

export interface OrderFilter {
  state?: OrderState;
  driverId?: string;
  channel?: PaymentChannel;
  /** Business dates (yyyy-MM-dd, depot zone) of creation, inclusive. */
  from?: number;
  to?: number;
  /** An order number from its start (DD…, or the date and sequence after DD), or part of the driver's name or phone. */
  search?: string;
  limit?: number;
  /** Rows to skip: from the top, or after `after` when it is given. */
  offset?: number;
  /** Keyset paging: the page starts after this order (the previous page's nextCursor). */
  after?: OrderCursor;
}

/** Where a page starts: the sort key (created_at, id) of the last order of the page before. */
export interface OrderCursor {
  createdAt: number;
  id: string;
}

/** After the cursor in the list's order (created_at DESC, id DESC: ids are unique, so the order is total). */
const ORDER_AFTER = '(o.created_at < @afterAt OR (o.created_at = @afterAt AND o.id < @afterId))';

/** The orders of the drivers a search found: the driver index (driver_id, created_at, id, state, channel). */
const BY_DRIVERS = 'o.driver_id IN (SELECT value FROM json_each(@drivers))';
/** Text that can begin an order number (DD + digits); any other text ("张", "WX") can only find drivers. */
const NUMBER_PREFIX = /^D(D\d*)?$/;

/**
 * A list filter's conditions and parameters. The search reads two indexes, never the whole table:
 * the number's as a range (numbers starting with the text; "20260412…" is read as "DD20260412…"),
 * and the driver's for the drivers whose name or phone contains it (the ledger names them). Text
 * that cannot begin a number reads the driver index alone, so a state or channel filter with it is
 * checked in that index (two indexes in one OR would read every matching order's row).
 */
function orderWhere(app: Pick<App, 'sqlite'>, f: Omit<OrderFilter, 'limit' | 'offset'>): { clause: string; params: Record<string, unknown> } {
  const text = f.search?.trim().toUpperCase();
  const lo = text ? (/^\d/.test(text) ? `DD${text}` : text) : undefined;
  // With a search, the search's two indexes lead (a few rows); the state's would walk nearly every order ('+' keeps it off).
  const plus = lo ? '+' : '';
  const w = whereOf([
    [`${plus}o.state = @state`, 'state', f.state],
    ['o.driver_id = @driverId', 'driverId', f.driverId],
    [`${plus}o.channel = @channel`, 'channel', f.channel],
    ['o.created_at >= @from', 'from', f.from],
    ['o.created_at < @to', 'to', f.to],
    [lo && NUMBER_PREFIX.test(lo) ? `((o.number >= @lo AND o.number < @hi) OR ${BY_DRIVERS})` : BY_DRIVERS, 'lo', lo],
    [ORDER_AFTER, 'afterAt', f.after?.createdAt],
  ]);
  if (lo && f.search) {
    w.params.hi = `${lo.slice(0, -1)}${String.fromCharCode(lo.charCodeAt(lo.length - 1) + 1)}`;
    w.params.drivers = JSON.stringify(driversMatching(app, f.search.trim()));
  }
  if (f.after) w.params.afterId = f.after.id;
  return w;
}

const ORDER_SELECT = `SELECT ${ORDER_COLUMNS.replace(/(^|,\s*)(\w+)/g, '$1o.$2')} FROM payment_orders o`;

/**
 * A page's query. With a search the page is picked first from the index alone (its rowids, sorted
 * by created_at, id from the driver index's entries), and only the page's rows are read: sorting
 * the rows themselves read every order the search found (11,000 for a common name).
 */
function pageQuery(clause: string, order: 'ASC' | 'DESC', searched: boolean): string {
  const by = `ORDER BY o.created_at ${order}, o.id ${order}`;
  if (!searched) return `${ORDER_SELECT} ${clause} ${by} LIMIT @take OFFSET @skip`;
  return `${ORDER_SELECT} WHERE o.rowid IN (SELECT o.rowid FROM payment_orders o ${clause} ${by} LIMIT @take OFFSET @skip) ${by}`;
}

type ListedOrder = OrderRow & { driverName: string; driverPhone: string };

/** Each order with its driver's name and phone (every order has its driver: a foreign key). */
function withContacts(app: Pick<App, 'sqlite'>, rows: OrderRow[]): ListedOrder[] {
  const contacts = driverContacts(app, [...new Set(rows.map((o) => o.driverId))]);
  return rows.map((o) => ({ ...o, driverName: contacts.get(o.driverId)?.name ?? '', driverPhone: contacts.get(o.driverId)?.phone ?? '' }));
}

/** Past this many, a state's orders are counted as the whole table less the other states'. */
const STATE_COUNT_CAP = 50_000;

/**
 * How many orders are in a state, through the narrow (state) index: at most STATE_COUNT_CAP are
 * stepped through; a state with more (PAID: nearly every order) is the table's count (read from the
 * smallest index's pages) less the states before and after it, which are few.
 */
function countOfState(app: Pick<App, 'sqlite'>, state: OrderState): number {
  const n = (sql: string) => countRows(app.sqlite.prepare(sql), { state, cap: STATE_COUNT_CAP });
  const some = n('SELECT count(*) AS n FROM (SELECT 1 FROM payment_orders WHERE state = @state LIMIT @cap)');
  if (some < STATE_COUNT_CAP) return some;
  const others = n('SELECT count(*) AS n FROM payment_orders WHERE state < @state') + n('SELECT count(*) AS n FROM payment_orders WHERE state > @state');
  return n('SELECT count(*) AS n FROM payment_orders') - others;
}

/**
 * A page of orders, newest first, with the filter's total and the cursor of the page after it (null
 * on the last page). Each filter reads an index in the list's order ((created_at, id), (state|
 * driver_id, created_at, id)); a page starts at the top, after a cursor, or at an offset, and an
 * offset past the middle is read from the oldest end and turned around.
 */
export function listOrders(app: Pick<App, 'sqlite'>, f: OrderFilter = {}): { total: number; orders: ListedOrder[]; nextCursor: OrderCursor | null } {
  const base = orderWhere(app, { ...f, after: undefined });
  const onlyState = f.state !== undefined && Object.keys(base.params).length === 1;
  const total = onlyState ? countOfState(app, f.state!) : countRows(app.sqlite.prepare(`SELECT count(*) AS n FROM payment_orders o ${base.clause}`), base.params);
  const limit = f.limit ?? 100;
  const offset = f.offset ?? 0;
  const searched = Boolean(f.search?.trim());
  let rows: OrderRow[];
  if (!f.after && offset > total / 2) {
    const take = Math.min(limit, total - offset);
    rows =
      take <= 0
        ? []
        : app.sqlite
            .prepare<unknown[], OrderRow>(pageQuery(base.clause, 'ASC', searched))
            .all({ ...base.params, take, skip: total - offset - take })
            .reverse();
  } else {
    const w = f.after ? orderWhere(app, f) : base;
    rows = app.sqlite.prepare<unknown[], OrderRow>(pageQuery(w.clause, 'DESC', searched)).all({ ...w.params, take: limit, skip: offset });
  }
  const last = rows.at(-1);
  const more = f.after ? rows.length === limit : offset + rows.length < total;
  return { total, orders: withContacts(app, rows), nextCursor: last && more ? { createdAt: last.createdAt, id: last.id } : null };
}

// --- creating an order ---------------------------------------------------------------------------------

export interface CreateOrderInput {
  driverId: string;
  /** The plain top-up amount, or the package price (must then equal it). */
  amountFen?: number;
  packageId?: string;
  couponId?: string;
  /** How much of the coupon to apply; default: as much as the coupon has, up to the amount. */
  couponFen?: number;
  points?: number;
  channel: PaymentChannel;
  /** The caller's idempotency key: the same key and content return the same order; other content with it is a conflict. */
  key?: string;
}

/** The next 商户订单号 of the business day: DD<yyyyMMdd><4+ digit sequence>. Call inside the write transaction. */
function nextOrderNumber(app: App, at: number): string {
  const prefix = `DD${businessDate(at, app.clock.timeZone).replaceAll('-', '')}`;
  const last = app.sqlite
    .prepare<unknown[], { number: string }>('SELECT number FROM payment_orders WHERE number LIKE ? ORDER BY length(number) DESC, number DESC LIMIT 1')
    .get(`${prefix}%`);
  const seq = last ? Number(last.number.slice(prefix.length)) + 1 : 1;
  return `${prefix}${String(seq).padStart(4, '0')}`;
}

/**
 * Creates the order and, in the same transaction, takes the coupon amount and the points from
 * the driver's accounts (so they cannot be spent twice while the driver pays), then asks the
 * gateway for a QR code. A gateway that refuses cancels the order at once (coupon and points back);
 * a gateway that does not answer leaves it pending: the driver may still pay, and the timeout
 * job cancels it otherwise. A pending order is then polled at the gateway (polling.ts) until it is
 * paid or the timeout closes it.
 */
export async function createOrder(app: AppContext, input: CreateOrderInput, by: By = {}): Promise<OrderRow> {
  // The key is looked up in the transaction that would insert, so two processes sending the same
  // request at once get one order between them.
  const made = writeTx(app.sqlite, () => {
    const existing = input.key ? app.sqlite.prepare<unknown[], OrderRow>(`SELECT ${ORDER_COLUMNS} FROM payment_orders WHERE request_key = ?`).get(input.key) : undefined;
    if (existing) {
      requireSameRequest(app, existing, input);
      return { order: existing, created: false };
    }
    return { order: insertOrder(app, input, by), created: true };
  });
  if (!made.created) return made.order;
  const order = made.order;
  announce(app, order.id, null, 'order_created', order.couponFen > 0 || order.points > 0 ? [order.driverId] : []);
  const provider = providerFor(app, order.channel);
  try {
    const r = await provider.createPayment({
      orderNumber: order.number,
      amountFen: order.payable,
      description: order.packageId ? `DepotDesk 充值套餐 ${order.number}` : `DepotDesk 充值 ${order.number}`,
      expiresAt: order.createdAt + app.config.payments.orderTimeoutMs,
    });
    writeTx(app.sqlite, () => {
      expectChanges(
        app.sqlite.prepare('UPDATE payment_orders SET code_url = ? WHERE id = ? AND code_url IS NULL').run(r.codeUrl, order.id),
        1,
        `store the QR code of order ${order.number}`,
      );
    });
  } catch (e) {
    if (!(e instanceof DepotError)) throw e;
    const outcome = (e.details as { outcome?: string } | undefined)?.outcome;
    writeTx(app.sqlite, () => {
      expectChanges(
        app.sqlite.prepare('UPDATE payment_orders SET provider_error = ? WHERE id = ?').run(e.message, order.id),
        1,
        `record the gateway error of ${order.number}`,
      );
      // A definite refusal: nothing can be paid, so the driver gets the coupon and points back now.
      if (outcome === 'refused') cancelInTx(app, getOrder(app, order.id), 'provider_refused', by);
    });
    announce(app, order.id, null, outcome === 'refused' ? 'order_cancelled' : 'order_provider_error', [order.driverId]);
  }
  const now = getOrder(app, order.id);
  // Confirm by query (polling.ts): the first poll is due a few seconds after the QR code is shown.
  if (now.state === 'PENDING_PAYMENT') schedulePollRun(app, now.createdAt + pollDelay(app, 0));
  return now;
}

/**
 * A request key names one request: repeated with the same content it returns the order it made;
 * with other content it is an error naming what differs (a key reused by mistake must not hand
 * back an order for another driver or amount). Fields the caller left out are not compared.
 */
function requireSameRequest(app: App, order: OrderRow, input: CreateOrderInput): void {
  const coupon = app.sqlite.prepare<unknown[], { couponId: string }>('SELECT coupon_id AS couponId FROM order_coupons WHERE order_id = ?').get(order.id);
  const differs: string[] = [];
  if (input.driverId !== order.driverId) differs.push('driver');
  if (input.channel !== order.channel) differs.push('channel');
  if ((input.packageId ?? null) !== order.packageId) differs.push('package');
  if (input.amountFen !== undefined && input.amountFen !== order.amount) differs.push('amount');
  if ((input.couponId ?? null) !== (coupon?.couponId ?? null)) differs.push('coupon');
  if (input.couponFen !== undefined && input.couponFen !== order.couponFen) differs.push('coupon amount');
  if ((input.points ?? 0) !== order.points) differs.push('points');
  if (differs.length > 0) {
    throw new DepotError(
      'conflict',
      `request key "${order.requestKey}" was already used for order ${order.number} with a different ${differs.join(', ')}; a new order needs a new key`,
      { key: order.requestKey, orderId: order.id, differs },
    );
  }
}

/** What the order costs and credits: a package's price and credit, or a plain amount credited as paid. */
function orderPrice(app: App, input: CreateOrderInput): { amount: number; credited: number; packageId: string | null } {
  if (input.packageId) {
    const p = getPackage(app, input.packageId);
    if (!p.active) throw new DepotError('refused', `packageId: package ${p.name} is no longer sold`, { field: 'packageId' });
    if (input.amountFen !== undefined && input.amountFen !== p.price) {
      throw new DepotError('invalid_input', `amount: package ${p.name} costs ${formatFen(p.price)}, not ${formatFen(input.amountFen)}`, { field: 'amount' });
    }
    return { amount: p.price, credited: p.credited, packageId: p.id };
  }
  if (input.amountFen === undefined) throw new DepotError('invalid_input', 'amount: give an amount or a package', { field: 'amount' });
  if (!Number.isSafeInteger(input.amountFen) || input.amountFen <= 0) throw new DepotError('invalid_input', 'amount: a positive amount', { field: 'amount' });
  return { amount: input.amountFen, credited: input.amountFen, packageId: null };
}

/** How much of the order the driver's coupon pays: what was asked, else as much as it has up to what is left after the points. */
function couponShare(app: App, driver: { id: string; name: string }, input: CreateOrderInput, amount: number, pointsFen: number): number {
  if (!input.couponId) {
    if (input.couponFen !== undefined) throw new DepotError('invalid_input', 'couponAmount: given without a coupon', { field: 'couponAmount' });
    return 0;
  }
  const c = listCoupons(app, driver.id).find((x) => x.couponId === input.couponId);
  if (!c) throw new DepotError('not_found', `couponId: driver ${driver.name} has no coupon ${input.couponId}`, { field: 'couponId' });
  if (c.status !== 'active') throw new DepotError('refused', `couponId: coupon ${c.couponId} is ${c.status}`, { field: 'couponId', status: c.status });
  const couponFen = input.couponFen ?? Math.min(c.remainingFen, amount - pointsFen);
  if (!Number.isSafeInteger(couponFen) || couponFen <= 0) throw new DepotError('invalid_input', 'couponAmount: a positive amount', { field: 'couponAmount' });
  if (couponFen > c.remainingFen)
    throw new DepotError('insufficient_funds', `couponAmount: coupon ${c.couponId} has ${formatFen(c.remainingFen)} left`, { field: 'couponAmount' });
  return couponFen;
}

function insertOrder(app: App, input: CreateOrderInput, by: By): OrderRow {
  const driver = getDriver(app, input.driverId);
  const block = driverBlock(app, driver.id);
  if (block) throw new DepotError('refused', `driver ${driver.name} is blacklisted: ${block.reason}`, { field: 'driverId', reason: 'blacklisted', listingId: block.ref });
  const { amount, credited, packageId } = orderPrice(app, input);
  const points = input.points ?? 0;
  if (!Number.isSafeInteger(points) || points < 0) throw new DepotError('invalid_input', 'points: a whole number of points', { field: 'points' });
  const pointsFen = points * app.config.payments.fenPerPoint;
  if (pointsFen >= amount)
    throw new DepotError('invalid_input', `points: ${points} points are worth ${formatFen(pointsFen)}, leaving nothing to pay`, { field: 'points' });
  const couponFen = couponShare(app, driver, input, amount, pointsFen);
  const payable = amount - couponFen - pointsFen;
  if (payable <= 0) {
    throw new DepotError('invalid_input', `couponAmount: coupon and points cover the whole ${formatFen(amount)}; apply less so something is paid through the gateway`, {
      field: 'couponAmount',
    });
  }

  const now = app.clock.now();
  const id = app.ids.next();
  const number = nextOrderNumber(app, now);
  app.sqlite
    .prepare(
      `INSERT INTO payment_orders (id, number, request_key, driver_id, package_id, amount, credited, coupon_fen, points, points_fen, payable,
         channel, provider, state, created_at, created_by)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'PENDING_PAYMENT', ?, ?)`,
    )
    .run(
      id,
      number,
      input.key ?? null,
      driver.id,
      packageId,
      amount,
      credited,
      couponFen,
      points,
      pointsFen,
      payable,
      input.channel,
      providerFor(app, input.channel).name,
      now,
      by.operatorId ?? null,
    );
  if (couponFen > 0) {
    const r = redeemCoupon(
      app,
      {
        key: `order:${number}:coupon`,
        couponId: input.couponId!,
        amountFen: couponFen,
        creditAccountId: DEPOT.compensationExpense,
        orderId: id,
        memo: `支付订单 ${number} 用券`,
      },
      by,
    );
    app.sqlite
      .prepare("INSERT INTO order_coupons (order_id, coupon_id, amount, redeem_transfer_id, status, changed_at) VALUES (?, ?, ?, ?, 'applied', ?)")
      .run(id, input.couponId!, couponFen, r.transferId, now);
  }
  if (points > 0) {
    const r = redeemPoints(app, { key: `order:${number}:points`, driverId: driver.id, points, orderId: id, memo: `支付订单 ${number} 积分抵扣` }, by);
    expectChanges(
      app.sqlite.prepare('UPDATE payment_orders SET points_redeem_id = ? WHERE id = ? AND points_redeem_id IS NULL').run(r.transferId, id),
      1,
      `record the points of ${number}`,
    );
  }
  return getOrder(app, id);
}

// --- cancelling ----------------------------------------------------------------------------------------

export interface CancelResult {
  order: OrderRow;
  restoredCouponFen: number;
  restoredPoints: number;
  /** Where the coupon amount came from: the order's own record, or the coupon's ledger history. */
  couponSource: 'order_record' | 'ledger_history' | null;
}

/**
 * Finds what the order took from its coupon when its own record is gone: the coupon_redeem
 * transfer on the driver's coupon accounts that names this order.
 */
function couponRedeemFromLedger(app: App, order: OrderRow): { transferId: string; amount: number } | null {
  const st = driverStatement(app, {
    driverId: order.driverId,
    from: businessDate(order.createdAt, app.clock.timeZone),
    accounts: ['coupon'],
    codes: ['coupon_redeem'],
    limit: 100_000,
  });
  const line = st.lines.find((l) => l.orderId === order.id);
  return line ? { transferId: line.transferId, amount: Math.abs(line.amount) } : null;
}

/**
 * Cancels a pending order and gives back its coupon amount and points, all inside the caller's
 * transaction. Every UPDATE is guarded and checked: if the order is not pending, or its coupon
 * record is not in the state that allows a restore, this throws and the caller's transaction
 * rolls back whole — a cancel never commits without its restore.
 */
export function cancelInTx(app: App, order: OrderRow, reason: string, by: By = {}): CancelResult {
  const now = app.clock.now();
  markCancelled(app, order, reason);
  let restoredCouponFen = 0;
  let couponSource: CancelResult['couponSource'] = null;
  if (order.couponFen > 0) {
    const record = orderCoupon(app, order.id);
    let redeem: { transferId: string; amount: number } | null;
    if (record) {
      expectChanges(
        app.sqlite.prepare("UPDATE order_coupons SET status = 'restored', changed_at = ? WHERE order_id = ? AND status = 'applied'").run(now, order.id),
        1,
        `restore the coupon of order ${order.number} (its coupon record is ${record.status}, not applied)`,
      );
      redeem = { transferId: record.redeemTransferId, amount: record.amount };
      couponSource = 'order_record';
    } else {
      redeem = couponRedeemFromLedger(app, order);
      couponSource = 'ledger_history';
      if (!redeem) {
        throw new DepotError(
          'guard_failed',
          `order ${order.number} applied a coupon of ${formatFen(order.couponFen)} but neither its coupon record nor the ledger shows the redeem`,
          {
            orderId: order.id,
          },
        );
      }
    }
    const r = restoreCoupon(
      app,
      { key: `order:${order.number}:coupon_restore`, redeemId: redeem.transferId, amountFen: redeem.amount, memo: `支付订单 ${order.number} 取消，退回用券` },
      by,
    );
    if (r.replayed) throw new DepotError('guard_failed', `the coupon of order ${order.number} was already restored`, { orderId: order.id });
    restoredCouponFen = r.amountFen;
  }
  let restoredPoints = 0;
  if (order.points > 0) {
    if (!order.pointsRedeemId)
      throw new DepotError('guard_failed', `order ${order.number} redeemed ${order.points} points but has no record of the redeem`, { orderId: order.id });
    const r = restorePoints(
      app,
      { key: `order:${order.number}:points_restore`, redeemId: order.pointsRedeemId, points: order.points, memo: `支付订单 ${order.number} 取消，退回积分` },
      by,
    );
    if (r.replayed) throw new DepotError('guard_failed', `the points of order ${order.number} were already restored`, { orderId: order.id });
    restoredPoints = r.points;
  }
  return { order: getOrder(app, order.id), restoredCouponFen, restoredPoints, couponSource };
}

/**
 * The guarded PENDING_PAYMENT → CANCELLED change itself, nothing given back (the caller's
 * transaction does that), and its journal row for headquarters.
 *
 * Journal (issue 22): a cancellation is journaled here as `payments.order` (key
 * `order:<orderId>:cancelled`, payload orderId, state, amount, channel), because most cancellations
 * move no money: only an order that used a coupon or points has a ledger operation
 * (`order:<no>:coupon_restore`), and HQ must see every cancelled order. A payment is not journaled
 * as `payments.order`: markPaid always runs the `pay:<no>` top-up in the same transaction, and its
 * `ledger.operation` row (op `topup`, the gateway's trade number as statementRow) is that fact.
 */
export function markCancelled(app: App, order: OrderRow, reason: string): void {
  const now = app.clock.now();
  expectChanges(
    app.sqlite
      .prepare("UPDATE payment_orders SET state = 'CANCELLED', cancelled_at = ?, cancel_reason = ? WHERE id = ? AND state = 'PENDING_PAYMENT'")
      .run(now, reason, order.id),
    1,
    `cancel payment order ${order.number} (it is ${getOrder(app, order.id).state}, not PENDING_PAYMENT)`,
  );
  appendJournal(app.sqlite, now, {
    key: `order:${order.id}:cancelled`,
    kind: 'payments.order',
    v: 1,
    payload: { orderId: order.id, state: 'cancelled', amount: order.amount, channel: order.channel },
  });
}

/** An operator cancels a pending order (the driver walked away). */
export function cancelOrder(app: App, idOrNumber: string, reason: string, by: By = {}): CancelResult {
  const r = writeTx(app.sqlite, () => cancelInTx(app, getOrder(app, idOrNumber), reason, by));
  announce(app, r.order.id, null, 'order_cancelled', [r.order.driverId]);
  return r;
}

/**
 * An operator cancels a pending order at the counter, as the timeout does: closed at the gateway
 * first, so no payable QR code is left behind an order shown cancelled, then cancelled with coupon
 * and points back. If the gateway says it was paid meanwhile, the payment is booked and the cancel
 * refused (conflict: the driver paid). A gateway that cannot be reached refuses the cancel
 * (unavailable), nothing given back: the operator tries again, or the timeout closes it later.
 * A refused close (a definite no) cancels all the same, as at the timeout.
 */
export async function cancelAtCounter(app: AppContext, idOrNumber: string, reason: string, by: By = {}): Promise<CancelResult> {
  const o = getOrder(app, idOrNumber);
  // Not pending, or refused by its own guards: cancelOrder says why, nothing asked of the gateway.
  if (o.state !== 'PENDING_PAYMENT' || cancelRefusal(app, o)) return cancelOrder(app, o.id, reason, by);
  const closed = await closeAtGateway(app, o);
  if (closed.kind === 'error') throw closed.error;
  if (closed.kind === 'unknown') {
    throw new DepotError(
      'unavailable',
      `order ${o.number}: the ${o.channel} gateway could not be reached to close its QR code (${closed.message}); nothing was cancelled: try again, or the timeout closes it`,
      { orderId: o.id, number: o.number, channel: o.channel, reason: 'gateway_unreachable_on_cancel' },
    );
  }
  if (closed.kind === 'paid') {
    confirmPayment(app, closed.payment, by);
    if (getOrder(app, o.id).state === 'PAID') {
      throw new DepotError('conflict', `order ${o.number} was paid at the gateway before it could be closed: it is booked as paid, not cancelled`, {
        orderId: o.id,
        number: o.number,
        reason: 'paid_before_close',
      });
    }
  }
  return cancelOrder(app, o.id, reason, by);
}

export interface ExpireResult {
  cancelled: {
    orderId: string;
    number: string;
    restoredCouponFen: number;
    restoredPoints: number;
    couponSource: CancelResult['couponSource'];
    /**
     * What the gateway said to the close: closed (or the provider has no close); refused (cancelled
     * all the same); paid_unmatched (paid, but not by a payment this order can take: it is 长款).
     */
    gateway: 'closed' | 'refused' | 'paid_unmatched';
  }[];
  /** Orders the close found paid at the gateway: booked as paid (confirmPayment), not cancelled. */
  paid: string[];
  /** Orders left pending because their gateway could not be reached (or was not tried after one that could not): the next run tries again. */
  offline: { number: string; channel: PaymentChannel; message: string }[];
  /** Refused cancels; `parked` when this refusal parked the order for a supervisor (stuck.ts). */
  failed: { orderId: string; number: string; code: string; message: string; attempts: number; parked: boolean }[];
  /** Parked orders a payment took meanwhile, closed by this run. */
  closedPaid: string[];
}

/** What closing an expired order at the gateway came to. */
type CloseOutcome =
  | { kind: 'closed' }
  | { kind: 'paid'; payment: PaymentFact }
  | { kind: 'unknown'; message: string }
  | { kind: 'refused'; message: string }
  | { kind: 'error'; error: DepotError };

/**
 * 关闭订单 before anything is given back, with no transaction open while the gateway answers. A
 * provider without close() counts as closed (the order's time-expire, equal to our timeout, stops
 * the gateway taking a payment).
 */
async function closeAtGateway(app: AppContext, o: OrderRow): Promise<CloseOutcome> {
  try {
    const provider = providerFor(app, o.channel);
    if (!provider.close) return { kind: 'closed' };
    const r = await provider.close(o.number);
    if (r.state === 'CLOSED') return { kind: 'closed' };
    if (r.payment) return { kind: 'paid', payment: r.payment };
    return { kind: 'unknown', message: `the gateway says ${r.state} but sent no payment to book` };
  } catch (e) {
    if (isProviderUnknown(e)) return { kind: 'unknown', message: e.message };
    if (e instanceof ProviderRefused) return { kind: 'refused', message: e.message };
    if (e instanceof DepotError) return { kind: 'error', error: e };
    throw e;
  }
}

/**
 * The cancel after the close, in one transaction with its restore. An order no longer pending (a
 * notification booked it, an operator cancelled it, while the gateway answered) is left as it is.
 */
function cancelExpired(app: AppContext, o: OrderRow, reason: string): CancelResult | null {
  const r = writeTx(app.sqlite, () => {
    const now = getOrder(app, o.id);
    return now.state === 'PENDING_PAYMENT' ? cancelInTx(app, now, reason) : null;
  });
  if (r) announce(app, o.id, null, 'order_timeout', [o.driverId]);
  return r;
}

class DryRun extends Error {}

/**
 * What the cancel's own guards say, tried in a transaction that is always rolled back: the exact
 * checks of cancelInTx, nothing written. Null when the cancel would go through.
 */
function cancelRefusal(app: AppContext, o: OrderRow): DepotError | null {
  try {
    writeTx(app.sqlite, () => {
      cancelInTx(app, o, 'timeout');
      throw new DryRun();
    });
  } catch (e) {
    if (e instanceof DryRun) return null;
    if (e instanceof DepotError) return e;
    throw e;
  }
  return null;
}

function countRefusal(app: AppContext, o: OrderRow, e: DepotError, out: ExpireResult): void {
  const stuck = recordRefusedCancel(app, o, e);
  out.failed.push({ orderId: o.id, number: o.number, code: String(e.code), message: e.message, ...stuck });
}

/**
 * One expired order: close at the gateway, then cancel (closed, refused) or book (paid), or leave
 * it pending (unknown). An order whose cancel its guards would refuse is not closed: it would stay
 * pending with its coupon and points held and nothing left to settle it, so its QR code stays
 * payable (stuck.ts guarantee 4: a payment for it is still taken) while its refusals are counted.
 */
async function expireOne(app: AppContext, due: OrderRow, out: ExpireResult): Promise<void> {
  // Read again: a notification may have booked it while an earlier order's close was awaited.
  const o = getOrder(app, due.id);
  if (o.state !== 'PENDING_PAYMENT') return;
  const refusal = cancelRefusal(app, o);
  if (refusal) return countRefusal(app, o, refusal, out);
  const closed = await closeAtGateway(app, o);
  if (closed.kind === 'unknown') {
    out.offline.push({ number: o.number, channel: o.channel, message: closed.message });
    return;
  }
  // A misconfigured provider (config_invalid …): the order stays pending and the job fails loudly; not a refused cancel.
  if (closed.kind === 'error') {
    out.failed.push({ orderId: o.id, number: o.number, code: String(closed.error.code), message: closed.error.message, attempts: 0, parked: false });
    return;
  }
  try {
    let reason = 'timeout';
    if (closed.kind === 'paid') {
      const booked = confirmPayment(app, closed.payment);
      const state = getOrder(app, o.id).state;
      if (state === 'PAID') return void out.paid.push(o.number);
      // Cancelled meanwhile (an operator): confirmPayment recorded the payment as 长款.
      if (state === 'CANCELLED') return;
      // The gateway's payment is not this order's to take (amount or channel differs, or it is an
      // unmatched payment already): it waits as 长款 for an operator, and the order ends unpaid.
      reason = `timeout; the gateway's payment ${closed.payment.providerTradeNo} did not match the order (unmatched payment ${booked.unmatchedId ?? '?'})`;
    }
    // A refused close is a definite no (bad signature, no permission): nothing changed there, and the order's time-expire already stops a payment; one that slips through is 长款, never dropped.
    if (closed.kind === 'refused') reason = `timeout; the gateway refused the close: ${closed.message}`.slice(0, 300);
    const r = cancelExpired(app, o, reason);
    if (!r) return;
    const { restoredCouponFen, restoredPoints, couponSource } = r;
    out.cancelled.push({
      orderId: o.id,
      number: o.number,
      restoredCouponFen,
      restoredPoints,
      couponSource,
      gateway: closed.kind === 'closed' ? 'closed' : closed.kind === 'refused' ? 'refused' : 'paid_unmatched',
    });
  } catch (e) {
    if (!(e instanceof DepotError)) throw e;
    countRefusal(app, o, e, out);
  }
}

/**
 * The timeout job's body: every order pending longer than payments.orderTimeoutMs is first closed
 * at the gateway (so its QR code stops working), then cancelled in its own transaction with its
 * restore — or booked as paid when the close finds the payment. An order whose gateway cannot be
 * reached stays pending, nothing restored, for the next run; the other orders of that channel are
 * not tried in this run (one timed-out call per run for an offline gateway). One order that cannot
 * be restored does not keep the others pending; it is reported, and the job fails loudly so it is
 * retried and alerted on — until the order's refusals reach payments.stuckCancelAttempts and it is
 * parked for a supervisor's repair (stuck.ts), after which the job leaves it alone. No run starts a
 * gateway call after polling.ts RUN_BUDGET_MS of real time; what is left waits for the next run.
 */
export async function expireOrders(app: AppContext, opts: { limit?: number } = {}): Promise<ExpireResult> {
  const cutoff = app.clock.now() - app.config.payments.orderTimeoutMs;
  const due = app.sqlite
    .prepare<unknown[], OrderRow>(
      `SELECT ${ORDER_COLUMNS} FROM payment_orders WHERE state = 'PENDING_PAYMENT' AND created_at <= ? AND ${NOT_PARKED} ORDER BY created_at, id LIMIT ?`,
    )
    .all(cutoff, opts.limit ?? 1000);
  const out: ExpireResult = { cancelled: [], paid: [], offline: [], failed: [], closedPaid: closePaidParked(app) };
  const stopAt = performance.now() + RUN_BUDGET_MS;
  for (const o of due) {
    if (performance.now() > stopAt) break;
    const offline = out.offline.find((x) => x.channel === o.channel);
    if (offline) out.offline.push({ number: o.number, channel: o.channel, message: `not tried: ${offline.number}'s close found the gateway unreachable` });
    else await expireOne(app, o, out);
  }
  return out;
}

/**
 * Every order a list filter matches, newest first, with the driver's name and phone, read a page at
 * a time by key (no OFFSET, no cursor held between pages): what an export of the list writes.
 */
export function* iterateOrders(app: Pick<App, 'sqlite'>, f: Omit<OrderFilter, 'limit' | 'offset' | 'after'> = {}, pageSize = 1000): Generator<ListedOrder> {
  let after: OrderCursor | undefined;
  for (;;) {
    const w = orderWhere(app, { ...f, after });
    const rows = app.sqlite
      .prepare<unknown[], OrderRow>(`${ORDER_SELECT} ${w.clause} ORDER BY o.created_at DESC, o.id DESC LIMIT @limit`)
      .all({ ...w.params, limit: pageSize });
    yield* withContacts(app, rows);
    if (rows.length < pageSize) return;
    after = { createdAt: rows[rows.length - 1].createdAt, id: rows[rows.length - 1].id };
  }
}

// --- confirming a payment ------------------------------------------------------------------------------

export type ConfirmOutcome = 'paid' | 'duplicate' | 'unmatched' | 'duplicate_unmatched';

export interface ConfirmResult {
  outcome: ConfirmOutcome;
  order: OrderRow | null;
  unmatchedId: string | null;
  reason: UnmatchedReason | null;
}

/**
 * A gateway says money arrived (a notification or a query). Exactly one of: the pending order
 * becomes PAID and the wallet is credited; a repeat of a payment already applied is acknowledged
 * and changes nothing; anything else (order cancelled, unknown, amount differs, paid twice) is
 * recorded as an unmatched payment (长款). A payment is never dropped.
 */
export function confirmPayment(app: App, fact: PaymentFact, by: By = {}): ConfirmResult {
  const r = writeTx(app.sqlite, (): ConfirmResult => {
    const seen = app.sqlite
      .prepare<unknown[], { id: string }>('SELECT id FROM unmatched_payments WHERE channel = ? AND provider_trade_no = ?')
      .get(fact.channel, fact.providerTradeNo);
    if (seen) return { outcome: 'duplicate_unmatched', order: findOrder(app, fact.orderNumber) ?? null, unmatchedId: seen.id, reason: null };
    const order = app.sqlite.prepare<unknown[], OrderRow>(`SELECT ${ORDER_COLUMNS} FROM payment_orders WHERE number = ?`).get(fact.orderNumber);
    const unmatched = (reason: UnmatchedReason): ConfirmResult => ({
      outcome: 'unmatched',
      order: order ?? null,
      unmatchedId: recordUnmatched(app, fact, order ?? null, reason),
      reason,
    });
    if (!order) return unmatched('unknown_order');
    if (order.state === 'PAID') {
      return order.providerTradeNo === fact.providerTradeNo ? { outcome: 'duplicate', order, unmatchedId: null, reason: null } : unmatched('already_paid');
    }
    if (order.state === 'CANCELLED') return unmatched('order_cancelled');
    if (fact.channel !== order.channel || fact.amountFen !== order.payable) return unmatched('amount_mismatch');
    markPaid(app, order, fact, by);
    return { outcome: 'paid', order: getOrder(app, order.id), unmatchedId: null, reason: null };
  });
  if (r.outcome === 'paid') announce(app, r.order!.id, null, 'order_paid', [r.order!.driverId]);
  if (r.outcome === 'unmatched') announce(app, r.order?.id ?? null, r.unmatchedId, 'unmatched_payment');
  return r;
}

function markPaid(app: App, order: OrderRow, fact: PaymentFact, by: By): void {
  expectChanges(
    app.sqlite
      .prepare("UPDATE payment_orders SET state = 'PAID', paid_at = ?, provider_trade_no = ? WHERE id = ? AND state = 'PENDING_PAYMENT' AND provider_trade_no IS NULL")
      .run(fact.paidAt, fact.providerTradeNo, order.id),
    1,
    `mark payment order ${order.number} paid`,
  );
  if (order.couponFen > 0 && orderCoupon(app, order.id)) {
    expectChanges(
      app.sqlite.prepare("UPDATE order_coupons SET status = 'consumed', changed_at = ? WHERE order_id = ? AND status = 'applied'").run(app.clock.now(), order.id),
      1,
      `consume the coupon of order ${order.number}`,
    );
  }
  topUp(
    app,
    {
      key: `pay:${order.number}`,
      driverId: order.driverId,
      amountFen: order.payable,
      channel: order.channel,
      memo: `支付订单 ${order.number}`,
      statementRow: fact.providerTradeNo,
    },
    by,
  );
  const bonus = order.credited - order.payable;
  if (bonus > 0) {
    creditCompensation(app, { key: `pay:${order.number}:bonus`, driverId: order.driverId, amountFen: bonus, memo: `支付订单 ${order.number} 券/积分/套餐赠送` }, by);
  }
}

// --- unmatched payments (长款) ---------------------------------------------------------------------------

export interface UnmatchedRow {
  id: string;
  channel: PaymentChannel;
  providerTradeNo: string;
  orderNumber: string;
  orderId: string | null;
  driverId: string | null;
  amount: number;
  paidAt: number;
  reason: UnmatchedReason;
  status: UnmatchedState;
  raw: string;
  resolution: string | null;
  topupKey: string | null;
  refundTaskId: string | null;
  resolvedBy: string | null;
  resolvedAt: number | null;
  createdAt: number;
}

const UNMATCHED_COLUMNS = `id, channel, provider_trade_no AS providerTradeNo, order_number AS orderNumber, order_id AS orderId, driver_id AS driverId,
  amount, paid_at AS paidAt, reason, status, raw, resolution, topup_key AS topupKey, refund_task_id AS refundTaskId, resolved_by AS resolvedBy,
  resolved_at AS resolvedAt, created_at AS createdAt`;

function recordUnmatched(app: App, fact: PaymentFact, order: OrderRow | null, reason: UnmatchedReason): string {
  const id = app.ids.next();
  app.sqlite
    .prepare(
      `INSERT INTO unmatched_payments (id, channel, provider_trade_no, order_number, order_id, driver_id, amount, paid_at, reason, status, raw, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)`,
    )
    .run(
      id,
      fact.channel,
      fact.providerTradeNo,
      fact.orderNumber,
      order?.id ?? null,
      order?.driverId ?? null,
      fact.amountFen,
      fact.paidAt,
      reason,
      fact.raw,
      app.clock.now(),
    );
  return id;
}

export function getUnmatched(app: Pick<App, 'sqlite'>, id: string): UnmatchedRow {
  const u = app.sqlite.prepare<unknown[], UnmatchedRow>(`SELECT ${UNMATCHED_COLUMNS} FROM unmatched_payments WHERE id = ?`).get(id);
  if (!u) throw new DepotError('not_found', `unmatchedId: no unmatched payment ${id}`, { field: 'unmatchedId' });
  return u;
}

export function listUnmatched(app: Pick<App, 'sqlite'>, opts: { status?: UnmatchedState; limit?: number } = {}): UnmatchedRow[] {
  return app.sqlite
    .prepare<unknown[], UnmatchedRow>(
      `SELECT ${UNMATCHED_COLUMNS} FROM unmatched_payments ${opts.status ? 'WHERE status = @status' : ''} ORDER BY created_at DESC, id DESC LIMIT @limit`,
    )
    .all({ status: opts.status, limit: opts.limit ?? 200 });
}

export type Resolution = { action: 'credit_wallet'; driverId?: string; note: string } | { action: 'refund'; note: string };

/**
 * An operator decides what a 长款 becomes. credit_wallet: the money is booked as a top-up of the
 * driver's wallet (gateway clearing → wallet, key unmatched:<id>). refund: the payment is marked
 * for a refund through the gateway; the refund task (issue 7) picks up every payment in
 * refund_requested without a refund_task_id and links itself with linkRefundTask.
 */
export function resolveUnmatched(app: App, id: string, resolution: Resolution, by: By = {}): UnmatchedRow {
  const note = resolution.note.trim();
  if (!note) throw new DepotError('invalid_input', 'note: say why (what the driver or the statement showed)', { field: 'note' });
  const r = writeTx(app.sqlite, () => {
    const u = getUnmatched(app, id);
    if (u.status !== 'open') throw new DepotError('conflict', `unmatchedId: ${id} was already resolved (${u.status})`, { field: 'unmatchedId', status: u.status });
    const now = app.clock.now();
    if (resolution.action === 'credit_wallet') {
      const driverId = resolution.driverId ?? u.driverId;
      if (!driverId) throw new DepotError('invalid_input', 'driverId: the payment names no known order; say whose wallet to credit', { field: 'driverId' });
      if (u.driverId && resolution.driverId && resolution.driverId !== u.driverId) {
        throw new DepotError('invalid_input', `driverId: the payment belongs to order ${u.orderNumber} of driver ${u.driverId}`, { field: 'driverId' });
      }
      const key = `unmatched:${u.id}`;
      topUp(app, { key, driverId, amountFen: u.amount, channel: u.channel, memo: `长款入账 ${u.orderNumber}: ${note}`, statementRow: u.providerTradeNo }, by);
      expectChanges(
        app.sqlite
          .prepare(
            "UPDATE unmatched_payments SET status = 'credited', driver_id = ?, resolution = ?, topup_key = ?, resolved_by = ?, resolved_at = ? WHERE id = ? AND status = 'open'",
          )
          .run(driverId, note, key, by.operatorId ?? null, now, u.id),
        1,
        `resolve unmatched payment ${u.id}`,
      );
    } else {
      expectChanges(
        app.sqlite
          .prepare("UPDATE unmatched_payments SET status = 'refund_requested', resolution = ?, resolved_by = ?, resolved_at = ? WHERE id = ? AND status = 'open'")
          .run(note, by.operatorId ?? null, now, u.id),
        1,
        `resolve unmatched payment ${u.id}`,
      );
    }
    return getUnmatched(app, u.id);
  });
  announce(
    app,
    r.orderId,
    r.id,
    r.status === 'credited' ? 'unmatched_credited' : 'unmatched_refund_requested',
    r.driverId && r.status === 'credited' ? [r.driverId] : [],
  );
  return r;
}

/** Refund requests no refund task has taken yet: the hook for issue 7's refund tasks. */
export function pendingRefundRequests(app: Pick<App, 'sqlite'>): UnmatchedRow[] {
  return app.sqlite
    .prepare<unknown[], UnmatchedRow>(
      `SELECT ${UNMATCHED_COLUMNS} FROM unmatched_payments WHERE status = 'refund_requested' AND refund_task_id IS NULL ORDER BY resolved_at, id`,
    )
    .all();
}

/** A refund task claims a refund request, once; call it in the transaction that creates the task. */
export function linkRefundTask(app: Pick<App, 'sqlite'>, unmatchedId: string, refundTaskId: string): void {
  expectChanges(
    app.sqlite
      .prepare("UPDATE unmatched_payments SET refund_task_id = ? WHERE id = ? AND status = 'refund_requested' AND refund_task_id IS NULL")
      .run(refundTaskId, unmatchedId),
    1,
    `link refund task ${refundTaskId} to unmatched payment ${unmatchedId}`,
  );
}

// --- figures -------------------------------------------------------------------------------------------

export function paymentTotals(app: Pick<App, 'sqlite'>): { pendingOrders: number; pendingFen: number; unmatchedOpen: number; unmatchedOpenFen: number } {
  const p = expectRow<{ n: number; v: number }>(
    app.sqlite.prepare("SELECT count(*) AS n, coalesce(sum(payable), 0) AS v FROM payment_orders WHERE state = 'PENDING_PAYMENT'"),
  );
  const u = expectRow<{ n: number; v: number }>(app.sqlite.prepare("SELECT count(*) AS n, coalesce(sum(amount), 0) AS v FROM unmatched_payments WHERE status = 'open'"));
  return { pendingOrders: p.n, pendingFen: p.v, unmatchedOpen: u.n, unmatchedOpenFen: u.v };
}
