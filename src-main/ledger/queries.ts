import { DepotError } from '../kernel/errors';
import type { Sqlite } from '../kernel/db/connection';
import { ACCOUNT_COLUMNS, creditBalance, driverAccountId, type AccountRow } from './accounts';
import { getDriver, type Driver } from './drivers';
import { HOLD_COLUMNS, TRANSFER_COLUMNS, type HoldRow, type TransferRow } from './engine';
import type { AccountType, TransferCode, Unit } from './schema';
import { operatorNames } from '../operators';
import { countRows, expectRow } from '../kernel/db/rows';

/** Read-only views of the ledger: balances, a driver's wallet, the statement (流水), open holds and debts. */

/** The transfer columns, qualified for joins. */
const T_COLUMNS = TRANSFER_COLUMNS.replace(/(^|,\s*)(\w+)/g, '$1t.$2');

type Reader = { sqlite: Sqlite; clock: { now(): number; timeZone: string } };

/** Which side an account's balance grows on. */
const DEBIT_NORMAL = new Set<AccountType>(['debt', 'cash_drawer', 'gateway_clearing', 'compensation_expense', 'coupon_expense', 'write_offs', 'points_pool']);

export function isDebitNormal(type: AccountType): boolean {
  return DEBIT_NORMAL.has(type);
}

/** The posted balance on the account's own normal side (a wallet's money, a debt's amount owed). */
export function postedBalance(a: Pick<AccountRow, 'type' | 'debitsPosted' | 'creditsPosted'>): number {
  return isDebitNormal(a.type) ? a.debitsPosted - a.creditsPosted : a.creditsPosted - a.debitsPosted;
}

export function getAccount(app: Pick<Reader, 'sqlite'>, id: string): AccountRow {
  const row = app.sqlite.prepare<unknown[], AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM ledger_accounts WHERE id = ?`).get(id);
  if (!row) throw new DepotError('not_found', `no ledger account ${id}`, { account: id });
  return row;
}

export interface DepotAccountView {
  id: string;
  type: AccountType;
  unit: Unit;
  balance: number;
  debitsPosted: number;
  creditsPosted: number;
  debitsPending: number;
  creditsPending: number;
}

export function depotAccounts(app: Pick<Reader, 'sqlite'>): DepotAccountView[] {
  const rows = app.sqlite.prepare<unknown[], AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM ledger_accounts WHERE driver_id IS NULL ORDER BY id`).all();
  return rows.map((a) => ({
    id: a.id,
    type: a.type,
    unit: a.unit,
    balance: postedBalance(a),
    debitsPosted: a.debitsPosted,
    creditsPosted: a.creditsPosted,
    debitsPending: a.debitsPending,
    creditsPending: a.creditsPending,
  }));
}

export interface OpenHold {
  holdId: string;
  driverId: string | null;
  driverName: string | null;
  amountFen: number;
  expiresAt: number;
  sessionId: string | null;
  createdAt: number;
  overdue: boolean;
}

export function openHolds(app: Reader, opts: { driverId?: string; limit?: number } = {}): OpenHold[] {
  const rows = app.sqlite
    .prepare<unknown[], Omit<OpenHold, 'overdue'>>(
      `SELECT h.id AS holdId, h.driver_id AS driverId, d.name AS driverName, h.amount AS amountFen, h.expires_at AS expiresAt,
              h.session_id AS sessionId, h.created_at AS createdAt
       FROM ledger_holds h LEFT JOIN drivers d ON d.id = h.driver_id
       WHERE h.status = 'pending' AND (? IS NULL OR h.driver_id = ?)
       ORDER BY h.expires_at, h.id LIMIT ?`,
    )
    .all(opts.driverId ?? null, opts.driverId ?? null, opts.limit ?? 500);
  const now = app.clock.now();
  return rows.map((h) => ({ ...h, overdue: h.expiresAt <= now }));
}

export interface DebtView {
  debtId: string;
  driverId: string;
  driverName: string;
  amountFen: number;
  collectedFen: number;
  writtenOffFen: number;
  owedFen: number;
  status: 'open' | 'settled' | 'written_off';
  sessionId: string | null;
  orderId: string | null;
  createdAt: number;
  closedAt: number | null;
}

export function listDebts(
  app: Pick<Reader, 'sqlite'>,
  opts: { driverId?: string; status?: 'open' | 'settled' | 'written_off' | 'all'; limit?: number } = {},
): DebtView[] {
  const status = opts.status ?? 'open';
  return app.sqlite
    .prepare<unknown[], DebtView>(
      `SELECT x.id AS debtId, x.driver_id AS driverId, d.name AS driverName, x.amount AS amountFen, x.collected AS collectedFen,
              x.written_off AS writtenOffFen, x.amount - x.collected - x.written_off AS owedFen, x.status,
              x.session_id AS sessionId, x.order_id AS orderId, x.created_at AS createdAt, x.closed_at AS closedAt
       FROM ledger_debts x JOIN drivers d ON d.id = x.driver_id
       WHERE (? IS NULL OR x.driver_id = ?) AND (? = 'all' OR x.status = ?)
       ORDER BY x.created_at, x.id LIMIT ?`,
    )
    .all(opts.driverId ?? null, opts.driverId ?? null, status, status, opts.limit ?? 500);
}

/** One debt by id, as listDebts shows it; undefined when there is none. */
export function findDebt(app: Pick<Reader, 'sqlite'>, debtId: string): DebtView | undefined {
  return app.sqlite
    .prepare<unknown[], DebtView>(
      `SELECT x.id AS debtId, x.driver_id AS driverId, d.name AS driverName, x.amount AS amountFen, x.collected AS collectedFen,
              x.written_off AS writtenOffFen, x.amount - x.collected - x.written_off AS owedFen, x.status,
              x.session_id AS sessionId, x.order_id AS orderId, x.created_at AS createdAt, x.closed_at AS closedAt
       FROM ledger_debts x JOIN drivers d ON d.id = x.driver_id WHERE x.id = ?`,
    )
    .get(debtId);
}

export interface CouponView {
  couponId: string;
  faceFen: number;
  remainingFen: number;
  expiresAt: number | null;
  campaignId: string | null;
  status: 'active' | 'used' | 'expired';
  createdAt: number;
}

export function listCoupons(app: Reader, driverId: string): CouponView[] {
  const rows = app.sqlite
    .prepare<unknown[], Omit<CouponView, 'status'>>(
      `SELECT c.id AS couponId, c.face AS faceFen, a.credits_posted - a.debits_posted - a.debits_pending AS remainingFen,
              c.expires_at AS expiresAt, c.campaign_id AS campaignId, c.created_at AS createdAt
       FROM ledger_coupons c JOIN ledger_accounts a ON a.id = c.account_id
       WHERE c.driver_id = ? ORDER BY c.created_at, c.id`,
    )
    .all(driverId);
  const now = app.clock.now();
  return rows.map((c) => ({
    ...c,
    status: c.expiresAt !== null && now >= c.expiresAt ? 'expired' : c.remainingFen > 0 ? 'active' : 'used',
  }));
}

export interface WalletView {
  driver: Driver;
  wallet: { balanceFen: number; heldFen: number; availableFen: number };
  debt: { owedFen: number; open: DebtView[] };
  hasOpenDebt: boolean;
  points: number;
  coupons: CouponView[];
  /** What the driver's active coupons can still pay. */
  couponsAvailableFen: number;
  holds: OpenHold[];
}

export function walletView(app: Reader, driverId: string): WalletView {
  const driver = getDriver(app, driverId);
  const w = creditBalance(getAccount(app, driverAccountId(driverId, 'wallet')));
  const debtAccount = getAccount(app, driverAccountId(driverId, 'debt'));
  const points = creditBalance(getAccount(app, driverAccountId(driverId, 'points'))).available;
  const coupons = listCoupons(app, driverId);
  const open = listDebts(app, { driverId, status: 'open' });
  return {
    driver,
    wallet: { balanceFen: w.balance, heldFen: w.held, availableFen: w.available },
    debt: { owedFen: postedBalance(debtAccount), open },
    hasOpenDebt: open.length > 0,
    points,
    coupons,
    couponsAvailableFen: coupons.filter((c) => c.status === 'active').reduce((s, c) => s + c.remainingFen, 0),
    holds: openHolds(app, { driverId }),
  };
}

export interface DriverListItem {
  id: string;
  name: string;
  phone: string;
  tags: string[];
  vins: string[];
  balanceFen: number;
  heldFen: number;
  availableFen: number;
  owedFen: number;
  points: number;
  couponsFen: number;
  createdAt: number;
}

/** Drivers with their balances; `search` matches name, phone, id tag (card number) or VIN. */
export function listDrivers(app: Reader, opts: { search?: string; limit?: number; offset?: number } = {}): { drivers: DriverListItem[]; total: number } {
  const search = opts.search?.trim() ? `%${opts.search.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  // LIKE ignores ASCII case, so a card number typed in lower case still matches.
  const where = `(@search IS NULL OR d.name LIKE @search ESCAPE '\\' OR d.phone LIKE @search ESCAPE '\\'
      OR EXISTS (SELECT 1 FROM driver_id_tags t WHERE t.driver_id = d.id AND t.tag LIKE @search ESCAPE '\\')
      OR EXISTS (SELECT 1 FROM driver_vehicles v WHERE v.driver_id = d.id AND v.vin LIKE @search ESCAPE '\\'))`;
  const rows = app.sqlite
    .prepare<unknown[], Omit<DriverListItem, 'tags' | 'vins' | 'availableFen'> & { tags: string | null; vins: string | null }>(
      `SELECT d.id, d.name, d.phone, d.created_at AS createdAt,
              (SELECT group_concat(tag, ' ') FROM driver_id_tags WHERE driver_id = d.id) AS tags,
              (SELECT group_concat(vin, ' ') FROM driver_vehicles WHERE driver_id = d.id) AS vins,
              w.credits_posted - w.debits_posted AS balanceFen, w.debits_pending AS heldFen,
              b.debits_posted - b.credits_posted AS owedFen,
              p.credits_posted - p.debits_posted - p.debits_pending AS points,
              (SELECT coalesce(sum(a.credits_posted - a.debits_posted - a.debits_pending), 0)
                 FROM ledger_coupons c JOIN ledger_accounts a ON a.id = c.account_id
                 WHERE c.driver_id = d.id AND (c.expires_at IS NULL OR c.expires_at > @now)) AS couponsFen
       FROM drivers d
       JOIN ledger_accounts w ON w.id = 'driver:' || d.id || ':wallet'
       JOIN ledger_accounts b ON b.id = 'driver:' || d.id || ':debt'
       JOIN ledger_accounts p ON p.id = 'driver:' || d.id || ':points'
       WHERE ${where}
       ORDER BY d.name, d.id LIMIT @limit OFFSET @offset`,
    )
    .all({ search, now: app.clock.now(), limit: opts.limit ?? 100, offset: opts.offset ?? 0 });
  const total = countRows(app.sqlite.prepare(`SELECT count(*) AS n FROM drivers d WHERE ${where}`), { search });
  return {
    total,
    drivers: rows.map((r) => ({
      ...r,
      tags: r.tags ? r.tags.split(' ') : [],
      vins: r.vins ? r.vins.split(' ') : [],
      availableFen: r.balanceFen - r.heldFen,
    })),
  };
}

export function getTransfer(app: Pick<Reader, 'sqlite'>, id: string): TransferRow & { operatorName: string | null } {
  const row = app.sqlite.prepare<unknown[], TransferRow>(`SELECT ${TRANSFER_COLUMNS} FROM ledger_transfers WHERE id = ?`).get(id);
  if (!row) throw new DepotError('not_found', `transferId: no transfer ${id}`, { field: 'transferId' });
  return withOperatorNames(app, [row])[0];
}

export function getHold(app: Pick<Reader, 'sqlite'>, id: string): HoldRow {
  const row = app.sqlite.prepare<unknown[], HoldRow>(`SELECT ${HOLD_COLUMNS} FROM ledger_holds WHERE id = ?`).get(id);
  if (!row) throw new DepotError('not_found', `holdId: no hold ${id}`, { field: 'holdId' });
  return row;
}

// --- the statement (流水) -------------------------------------------------------------------------------

export const STATEMENT_ACCOUNTS = ['wallet', 'debt', 'points', 'coupon'] as const;
export type StatementAccount = (typeof STATEMENT_ACCOUNTS)[number];

export interface StatementLine {
  seq: number;
  at: number;
  transferId: string;
  batch: number;
  code: TransferCode;
  phase: TransferRow['phase'];
  account: StatementAccount;
  accountId: string;
  unit: Unit;
  /** Signed change of this account's balance as the driver sees it (+ money in, + more owed on debt). */
  amount: number;
  /** Wallet only: signed change of the frozen (held) part. */
  heldChange: number;
  balanceAfter: number;
  heldAfter: number;
  counterpartyAccountId: string;
  memo: string | null;
  sessionId: string | null;
  orderId: string | null;
  campaignId: string | null;
  statementRow: string | null;
  debtId: string | null;
  reversesId: string | null;
  operatorId: string | null;
  operatorName: string | null;
}

export interface StatementQuery {
  driverId: string;
  /** Business dates (yyyy-MM-dd, depot time zone), both inclusive. */
  from?: string;
  to?: string;
  accounts?: StatementAccount[];
  codes?: TransferCode[];
  /** How many lines: the page (the Ledger page asks 50–200), or the newest 1,000. */
  limit?: number;
  /** The page before this line: the lines older than the first line of the page already shown. */
  before?: StatementCursor;
}

/** A statement line's place: its transfer and the driver's account it is on (a transfer can make two lines). */
export interface StatementCursor {
  seq: number;
  accountId: string;
}

export interface Balances {
  wallet: { balance: number; held: number };
  debt: number;
  points: number;
  coupons: number;
}

export interface Statement {
  driver: { id: string; name: string; phone: string };
  from: string | null;
  to: string | null;
  opening: Balances;
  closing: Balances;
  lines: StatementLine[];
  /** More lines matched than `limit`; the earliest were left out (opening is before the first shown). */
  truncated: boolean;
  /** When truncated: the first line shown, to ask for the page before it (`before`). */
  nextCursor: StatementCursor | null;
}

const dayFormatters = new Map<string, Intl.DateTimeFormat>();
function localDate(at: number, zone: string): string {
  let f = dayFormatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormatters.set(zone, f);
  }
  return f.format(new Date(at));
}

/** The UTC instant a business date begins in the depot's zone. */
export function dayStart(date: string, zone: string, field = 'from'): number {
  const parsed = Date.parse(`${date}T00:00:00Z`);
  // Date.parse rolls 2026-02-30 over into March; a real date reads back the same.
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(parsed) || new Date(parsed).toISOString().slice(0, 10) !== date) {
    throw new DepotError('invalid_input', `${field}: a date is yyyy-MM-dd (got ${JSON.stringify(date)})`, { field });
  }
  const base = Date.parse(`${date}T00:00:00Z`);
  // Offsets in quarter hours, widest first: the first instant whose local date is `date`.
  for (let q = 14 * 4; q >= -14 * 4; q -= 1) {
    const t = base - q * 15 * 60_000;
    if (localDate(t, zone) === date && localDate(t - 1, zone) !== date) return t;
  }
  return base;
}

/** The first instant after `date` (yyyy-MM-dd) in the zone: the end, exclusive, of that local day. */
export function dayEnd(date: string, zone: string, field = 'to'): number {
  dayStart(date, zone, field);
  return dayStart(nextDate(date), zone, field);
}

function nextDate(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

interface StatementRow extends TransferRow {
  operatorName: string | null;
  holdAmount: number | null;
}

/** What undoing a transfer needs: its accounts, amount, phase and its hold's amount — not what a line shows. */
type MovementRow = Pick<StatementRow, 'seq' | 'debitAccountId' | 'creditAccountId' | 'amount' | 'code' | 'phase' | 'createdAt' | 'holdAmount'>;

/**
 * A driver's statement, like a bank's: every movement on their wallet, debt, points and coupons
 * with its running balance. Running balances always count the whole history, so a window or a
 * code filter never changes the balances printed next to a line.
 *
 * It is read backwards, newest first, from the accounts' counters (the balances now: the ledger
 * keeps them equal to the history, and `ledger verify` checks it), undoing each transfer to find
 * the balance before it. So the newest `limit` lines cost what they show, not the driver's whole
 * history: the walk stops once it has one line more than it shows (the statement is truncated)
 * — with a `from` date, once it has passed the window's first transfer (the opening balance).
 *
 * A page before a cursor (`before`: the first line of the page shown) walks the same way: the
 * transfers after the cursor's (and after a window's end) are undone from their amounts alone, no
 * line made of them, so every page's balances are the ones the whole history gives. With no dates
 * and the cursor in the older half of the history, the balances at the cursor are added up from
 * the start instead (every balance 0, as the opening): a page costs at most half the history's
 * amounts plus its own lines. Both ways agree while the counters equal the history, which
 * `ledger verify` checks.
 */
export function driverStatement(app: Reader, q: StatementQuery): Statement {
  const driver = getDriver(app, q.driverId);
  const zone = app.clock.timeZone;
  const fromAt = q.from ? dayStart(q.from, zone, 'from') : -Infinity;
  const toAt = q.to ? dayStart(nextDate(q.to), zone, 'to') : Infinity;
  if (q.from && q.to && fromAt >= toAt) throw new DepotError('invalid_input', `to: ${q.to} is before ${q.from}`, { field: 'to' });
  const limit = q.limit ?? 1000;
  const w: StatementWalk = {
    kindOf: statementAccounts(app, q.driverId),
    state: balancesNow(app, q.driverId),
    fromAt,
    wanted: new Set<StatementAccount>(q.accounts?.length ? q.accounts : STATEMENT_ACCOUNTS),
    codes: q.codes?.length ? new Set<string>(q.codes) : null,
    lines: [],
  };
  let closing: Balances | null = null;
  let truncated = false;
  const seqs = driverSeqsNewestFirst(app, q.driverId);
  // The cursor's transfer: the ones after it in the statement's order were on the pages before (none
  // without a cursor). A transfer never goes away, so it is found; one that is not the driver's has
  // no place in their statement, and nothing is before it.
  const found = q.before ? seqs.indexOf(q.before.seq) : 0;
  const cut = found < 0 ? seqs.length : found;
  // Where lines may begin: the walk reads whole rows from here on.
  let start = 0;
  let reachedFrom = false;
  if (q.before && fromAt === -Infinity && toAt === Infinity && cut > seqs.length / 2) {
    // Nearer the start of the history than now: the balances at the cursor are the transfers up to
    // it added from the start (every balance 0, the opening), not now less every transfer after it.
    closing = snapshot(w);
    w.state = new Map();
    for (const r of movementsNewestFirst(app, seqs.slice(cut))) {
      redoMovement(w, r, 'credit');
      redoMovement(w, r, 'debit');
    }
    start = cut;
  } else if (q.before || toAt !== Infinity) {
    // No line comes of a transfer after the cursor's or after the window: undone from its amounts alone.
    for (const r of movementsNewestFirst(app, seqs)) {
      if (start >= cut && r.createdAt < toAt) break;
      if (r.createdAt < toAt) {
        closing ??= snapshot(w);
        if (r.createdAt < fromAt) {
          reachedFrom = true;
          break;
        }
      }
      undoMovement(w, r, 'credit');
      undoMovement(w, r, 'debit');
      start += 1;
    }
  }
  const rows = reachedFrom ? [] : driverTransfersNewestFirst(app, seqs.slice(start));
  walk: for (const r of rows) {
    if (r.createdAt < toAt) {
      closing ??= snapshot(w);
      if (r.createdAt < fromAt) break;
    }
    for (const side of ['credit', 'debit'] as const) {
      const line = undoSide(w, r, side, q.before);
      if (!line || r.createdAt >= toAt) continue;
      if (w.lines.length < limit) w.lines.push(line);
      else truncated = true;
    }
    // Without a from date the opening is before the first transfer (nothing): no need to walk there.
    if (truncated && fromAt === -Infinity) break walk;
  }
  closing ??= snapshot(w);
  // No from date: the opening is the start of the history (every balance 0); otherwise the balances before the window's first transfer.
  const opening = fromAt === -Infinity ? snapshot({ ...w, state: new Map() }) : snapshot(w);
  const first = w.lines.at(-1);
  return {
    driver: { id: driver.id, name: driver.name, phone: driver.phone },
    from: q.from ?? null,
    to: q.to ?? null,
    opening,
    closing,
    lines: w.lines.reverse(),
    truncated,
    nextCursor: truncated && first ? { seq: first.seq, accountId: first.accountId } : null,
  };
}

/** The driver's statement accounts as they stand now: the posted balance on their own side, and what is held on them. */
function balancesNow(app: Reader, driverId: string): Map<string, { balance: number; held: number }> {
  const rows = app.sqlite
    .prepare<unknown[], { id: string; type: AccountType; debitsPosted: number; creditsPosted: number; debitsPending: number }>(
      'SELECT id, type, debits_posted AS debitsPosted, credits_posted AS creditsPosted, debits_pending AS debitsPending FROM ledger_accounts WHERE driver_id = ?',
    )
    .all(driverId);
  // Debt grows by debits; everything else the driver holds grows by credits (as undoSide's sign).
  return new Map(rows.map((a) => [a.id, { balance: a.type === 'debt' ? a.debitsPosted - a.creditsPosted : a.creditsPosted - a.debitsPosted, held: a.debitsPending }]));
}

/** A statement being built: the running balance of each of the driver's accounts, and the lines shown. */
interface StatementWalk {
  kindOf: Map<string, StatementAccount>;
  state: Map<string, { balance: number; held: number }>;
  fromAt: number;
  wanted: Set<StatementAccount>;
  codes: Set<string> | null;
  lines: StatementLine[];
}

/** The driver's accounts a statement shows, by id. */
function statementAccounts(app: Reader, driverId: string): Map<string, StatementAccount> {
  const accounts = app.sqlite.prepare<unknown[], { id: string; type: AccountType }>('SELECT id, type FROM ledger_accounts WHERE driver_id = ?').all(driverId);
  const kindOf = new Map<string, StatementAccount>();
  for (const a of accounts) {
    if (a.type === 'wallet' || a.type === 'debt' || a.type === 'points' || a.type === 'coupon') kindOf.set(a.id, a.type);
  }
  return kindOf;
}

/**
 * The seqs of every transfer on any of the driver's accounts in the statement's order, newest first:
 * by time, then by seq (the ledger's order: a batch's transfers share its time). The two account
 * indexes give the seqs; each transfer's time is read by its seq.
 */
function driverSeqsNewestFirst(app: Reader, driverId: string): number[] {
  return app.sqlite
    .prepare<unknown[], number>(
      `SELECT t.seq FROM ledger_transfers t
       WHERE t.seq IN (SELECT seq FROM ledger_transfers WHERE debit_account_id IN (SELECT id FROM ledger_accounts WHERE driver_id = @driverId)
                       UNION ALL SELECT seq FROM ledger_transfers WHERE credit_account_id IN (SELECT id FROM ledger_accounts WHERE driver_id = @driverId))
       ORDER BY t.created_at DESC, t.seq DESC`,
    )
    .pluck()
    .all({ driverId });
}

/** The transfers of these seqs (in the statement's order, newest first) with their operator and their hold's amount, the rows a page at a time. */
function* driverTransfersNewestFirst(app: Reader, seqs: number[], pageSize = 256): Generator<StatementRow> {
  const page = app.sqlite.prepare<unknown[], Omit<StatementRow, 'operatorName'>>(
    `SELECT ${T_COLUMNS}, h.amount AS holdAmount
     FROM ledger_transfers t
     LEFT JOIN ledger_holds h ON h.id = t.pending_id
     WHERE t.seq IN (SELECT value FROM json_each(?))
     ORDER BY t.created_at DESC, t.seq DESC`,
  );
  for (let i = 0; i < seqs.length; i += pageSize) {
    yield* withOperatorNames(app, page.all(JSON.stringify(seqs.slice(i, i + pageSize))));
  }
}

/** The same transfers with only what undoing them needs (no line is made of them), read until the caller stops. */
function* movementsNewestFirst(app: Reader, seqs: number[], pageSize = 512): Generator<MovementRow> {
  const page = app.sqlite.prepare<unknown[], MovementRow>(
    `SELECT t.seq, t.debit_account_id AS debitAccountId, t.credit_account_id AS creditAccountId, t.amount, t.code, t.phase,
       t.created_at AS createdAt, h.amount AS holdAmount
     FROM ledger_transfers t
     LEFT JOIN ledger_holds h ON h.id = t.pending_id
     WHERE t.seq IN (SELECT value FROM json_each(?))
     ORDER BY t.created_at DESC, t.seq DESC`,
  );
  for (let i = 0; i < seqs.length; i += pageSize) yield* page.all(JSON.stringify(seqs.slice(i, i + pageSize)));
}

/** Each transfer with the login name of the operator who made it (null: none, or no longer known). */
function withOperatorNames<T extends Pick<TransferRow, 'operatorId'>>(app: Pick<Reader, 'sqlite'>, rows: T[]): (T & { operatorName: string | null })[] {
  const names = operatorNames(app, [...new Set(rows.map((r) => r.operatorId).filter((id): id is string => id !== null))]);
  return rows.map((r) => ({ ...r, operatorName: r.operatorId === null ? null : (names.get(r.operatorId) ?? null) }));
}

function snapshot(w: StatementWalk): Balances {
  const out: Balances = { wallet: { balance: 0, held: 0 }, debt: 0, points: 0, coupons: 0 };
  for (const [id, s] of w.state) {
    const kind = w.kindOf.get(id);
    if (kind === 'wallet') out.wallet = { ...s };
    else if (kind === 'debt') out.debt = s.balance;
    else if (kind === 'points') out.points = s.balance;
    else if (kind === 'coupon') out.coupons += s.balance;
  }
  return out;
}

interface Movement {
  accountId: string;
  kind: StatementAccount;
  /** Signed change of the balance as the driver sees it. */
  amount: number;
  heldChange: number;
}

/** What one side of a transfer changed on one of the driver's statement accounts (null: not one of them). */
function movementOf(w: Pick<StatementWalk, 'kindOf'>, r: MovementRow, side: 'debit' | 'credit'): Movement | null {
  const accountId = side === 'debit' ? r.debitAccountId : r.creditAccountId;
  const kind = w.kindOf.get(accountId);
  if (!kind) return null;
  // Debt grows by debits; everything else the driver holds grows by credits.
  const sign = (kind === 'debt') === (side === 'debit') ? 1 : -1;
  let amount = 0;
  let heldChange = 0;
  if (r.phase === 'single') amount = sign * r.amount;
  else if (r.phase === 'pending') heldChange = side === 'debit' ? r.amount : 0;
  else if (r.phase === 'post') {
    amount = sign * r.amount;
    heldChange = side === 'debit' ? -(r.holdAmount ?? 0) : 0;
  } else heldChange = side === 'debit' ? -(r.holdAmount ?? 0) : 0;
  return { accountId, kind, amount, heldChange };
}

/** One side of a transfer, read backwards: the account's balance is set back to before it. */
function undoMovement(w: StatementWalk, r: MovementRow, side: 'debit' | 'credit'): (Movement & { after: { balance: number; held: number } }) | null {
  const m = movementOf(w, r, side);
  if (!m) return null;
  const s = w.state.get(m.accountId) ?? { balance: 0, held: 0 };
  w.state.set(m.accountId, { balance: s.balance - m.amount, held: s.held - m.heldChange });
  return { ...m, after: { ...s } };
}

/** One side of a transfer, read forwards (from the start of the history): the account's balance after it. */
function redoMovement(w: StatementWalk, r: MovementRow, side: 'debit' | 'credit'): void {
  const m = movementOf(w, r, side);
  if (!m) return;
  const s = w.state.get(m.accountId) ?? { balance: 0, held: 0 };
  w.state.set(m.accountId, { balance: s.balance + m.amount, held: s.held + m.heldChange });
}

/**
 * Whether a side of a transfer comes before the cursor's line in the statement's order. The walk
 * starts at the cursor's transfer, so every other transfer it reads comes before it; of the cursor's
 * own transfer, only its debit side's line does (it is shown above the credit side's), unless that
 * line is the cursor.
 */
function isBefore(r: Pick<StatementRow, 'seq'>, side: 'debit' | 'credit', accountId: string, c: StatementCursor | undefined): boolean {
  return !c || r.seq !== c.seq || (side === 'debit' && accountId !== c.accountId);
}

/**
 * One side of a transfer, read backwards: the line it makes if it is shown (its balance after is
 * the account's balance now, in the walk), then the account's balance is set back to before it.
 */
function undoSide(w: StatementWalk, r: StatementRow, side: 'debit' | 'credit', before?: StatementCursor): StatementLine | null {
  const m = undoMovement(w, r, side);
  if (!m) return null;
  const { accountId, kind, amount, heldChange, after } = m;
  if (r.createdAt < w.fromAt || !w.wanted.has(kind) || (w.codes && !w.codes.has(r.code)) || !isBefore(r, side, accountId, before)) return null;
  return {
    seq: r.seq,
    at: r.createdAt,
    transferId: r.id,
    batch: r.batch,
    code: r.code,
    phase: r.phase,
    account: kind,
    accountId,
    unit: kind === 'points' ? 'points' : 'CNY',
    amount,
    heldChange,
    balanceAfter: after.balance,
    heldAfter: after.held,
    counterpartyAccountId: side === 'debit' ? r.creditAccountId : r.debitAccountId,
    memo: r.memo,
    sessionId: r.sessionId,
    orderId: r.orderId,
    campaignId: r.campaignId,
    statementRow: r.statementRow,
    debtId: r.debtId,
    reversesId: r.reversesId,
    operatorId: r.operatorId,
    operatorName: r.operatorName,
  };
}

export interface LedgerTotals {
  drivers: number;
  walletsFen: number;
  heldFen: number;
  openDebts: number;
  openDebtsFen: number;
  openHolds: number;
  couponsFen: number;
  points: number;
}

export function ledgerTotals(app: Pick<Reader, 'sqlite'>): LedgerTotals {
  const one = <T>(sql: string, ...args: unknown[]) => expectRow<T>(app.sqlite.prepare(sql), ...args);
  const wallets = one<{ balance: number | null; held: number | null }>(
    "SELECT sum(credits_posted - debits_posted) AS balance, sum(debits_pending) AS held FROM ledger_accounts WHERE type = 'wallet'",
  );
  const debts = one<{ n: number; owed: number | null }>("SELECT count(*) AS n, sum(amount - collected - written_off) AS owed FROM ledger_debts WHERE status = 'open'");
  const coupons = one<{ v: number | null }>("SELECT sum(credits_posted - debits_posted - debits_pending) AS v FROM ledger_accounts WHERE type = 'coupon'");
  const points = one<{ v: number | null }>("SELECT sum(credits_posted - debits_posted) AS v FROM ledger_accounts WHERE type = 'points'");
  return {
    drivers: one<{ n: number }>('SELECT count(*) AS n FROM drivers').n,
    walletsFen: wallets.balance ?? 0,
    heldFen: wallets.held ?? 0,
    openDebts: debts.n,
    openDebtsFen: debts.owed ?? 0,
    openHolds: one<{ n: number }>("SELECT count(*) AS n FROM ledger_holds WHERE status = 'pending'").n,
    couponsFen: coupons.v ?? 0,
    points: points.v ?? 0,
  };
}
