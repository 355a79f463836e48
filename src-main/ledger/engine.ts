import type { AppContext } from '../kernel/context';
import { DepotError, expectChanges } from '../kernel/errors';
import type { Sqlite } from '../kernel/db/connection';
import { MAX_AMOUNT_FEN, formatFen } from '../money';
import { ACCOUNT_COLUMNS, type AccountRow } from './accounts';
import { CREDITS_MUST_NOT_EXCEED_DEBITS, DEBITS_MUST_NOT_EXCEED_CREDITS, PHASES, TRANSFER_CODES, type HoldStatus, type Phase, type TransferCode } from './schema';
import { canonicalJson } from '../kernel/json';
import { chainMac, writerChainKey } from '../kernel/chain';
import { ledgerChainTip, transferContent } from './chain';
import { appendCanonicalJournal } from '../kernel/journal';

/**
 * The transfer engine: TigerBeetle's accounts-and-transfers model on SQLite. Business operations
 * (ops/) build transfers and hand them here; nothing else writes ledger_transfers or an
 * account's counters.
 *
 * A batch is linked: all its transfers commit in one BEGIN IMMEDIATE transaction or none does.
 * Within a batch transfers apply in order, each seeing the balances the earlier ones left, and
 * each is checked against its accounts' balance flags at that point.
 *
 * Every transfer is chained: it carries the HMAC of the previous transfer's mac and its own
 * content, under the chain key kept outside the database (ledger/chain.ts). A batch reads the
 * chain's tip once, inside its transaction, when it writes its first transfer.
 *
 * Every committing unit appends one journal row in its transaction (kernel/journal.ts, issue 22): an
 * operation `ledger.operation` under its key, a batch of plain transfers `ledger.transfers` under
 * `transfers:<its first new transfer>`, each listing the transfers it created, in order. A replay
 * (nothing created) appends nothing; a failure rolls the row back with everything else.
 *
 * The hot path is hand-written SQL through prepared statements cached per connection: the
 * benchmark (bench/ledger.ts) holds it to a ratio of a raw insert.
 */

/** What the engine needs from the app; the benchmark and worker processes build just this. */
export type LedgerApp = Pick<AppContext, 'sqlite' | 'clock' | 'ids'>;

export interface TransferRequest {
  /** The idempotency key: unique across the ledger. */
  id: string;
  /** Required for single and pending transfers; for post/void, if given, must match the pending transfer. */
  debitAccountId?: string;
  creditAccountId?: string;
  /** Integer fen (points for points accounts). Post: defaults to the pending amount; void: must equal it. */
  amount?: number;
  code: TransferCode;
  phase?: Phase;
  pendingId?: string;
  /** Pending transfers only: when the hold lapses (epoch ms). */
  expiresAt?: number;
  reversesId?: string;
  memo?: string | null;
  sessionId?: string | null;
  orderId?: string | null;
  campaignId?: string | null;
  statementRow?: string | null;
  debtId?: string | null;
}

export interface TransferRow {
  seq: number;
  id: string;
  debitAccountId: string;
  creditAccountId: string;
  amount: number;
  code: TransferCode;
  phase: Phase;
  pendingId: string | null;
  expiresAt: number | null;
  reversesId: string | null;
  batch: number;
  memo: string | null;
  sessionId: string | null;
  orderId: string | null;
  campaignId: string | null;
  statementRow: string | null;
  debtId: string | null;
  operatorId: string | null;
  createdAt: number;
}

export interface TransferResult extends TransferRow {
  /** created: committed by this call; exists: the same transfer was already there, nothing moved. */
  status: 'created' | 'exists';
}

export const TRANSFER_COLUMNS = `seq, id, debit_account_id AS debitAccountId, credit_account_id AS creditAccountId, amount, code, phase,
  pending_id AS pendingId, expires_at AS expiresAt, reverses_id AS reversesId, batch, memo, session_id AS sessionId,
  order_id AS orderId, campaign_id AS campaignId, statement_row AS statementRow, debt_id AS debtId,
  operator_id AS operatorId, created_at AS createdAt`;

export interface HoldRow {
  id: string;
  debitAccountId: string;
  creditAccountId: string;
  driverId: string | null;
  amount: number;
  expiresAt: number;
  status: HoldStatus;
  postedAmount: number | null;
  resolvedBy: string | null;
  resolvedAt: number | null;
  sessionId: string | null;
  createdAt: number;
}

export const HOLD_COLUMNS = `id, debit_account_id AS debitAccountId, credit_account_id AS creditAccountId, driver_id AS driverId, amount,
  expires_at AS expiresAt, status, posted_amount AS postedAmount, resolved_by AS resolvedBy, resolved_at AS resolvedAt,
  session_id AS sessionId, created_at AS createdAt`;

const KNOWN_CODES = new Set<string>(TRANSFER_CODES);

/** Keys are what callers derive from business facts (`topup:…`, `settle:<session>`): printable, no blanks. */
const KEY_PATTERN = /^[\x21-\x7e\u00a0-\uffff]{1,200}$/u;

export function assertKey(key: unknown, field = 'key'): asserts key is string {
  if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
    throw new DepotError('invalid_input', `${field}: an idempotency key is 1 to 200 printable characters without blanks (got ${JSON.stringify(key)})`, {
      field,
    });
  }
}

// --- prepared statements, one set per connection -------------------------------------------------

interface Statements {
  transferById: import('better-sqlite3').Statement<[string], TransferRow>;
  transferExists: import('better-sqlite3').Statement<[string], number>;
  accountById: import('better-sqlite3').Statement<[string], AccountRow>;
  accountRaw: import('better-sqlite3').Statement<[string], unknown[]>;
  accountPairRaw: import('better-sqlite3').Statement<[string, string], unknown[]>;
  holdById: import('better-sqlite3').Statement<[string], HoldRow>;
  reversedSum: import('better-sqlite3').Statement<[string], { total: number | null }>;
  insertTransfer: import('better-sqlite3').Statement;
  insertBatch: import('better-sqlite3').Statement;
  insertHold: import('better-sqlite3').Statement;
  resolveHold: import('better-sqlite3').Statement;
  updateAccount: import('better-sqlite3').Statement;
  operationByKey: import('better-sqlite3').Statement<[string], OperationRow>;
  insertOperation: import('better-sqlite3').Statement;
  immediate: (fn: () => unknown) => unknown;
}

const RAW_ACCOUNT_COLUMNS = 'id, type, unit, driver_id, flags, debits_pending, debits_posted, credits_pending, credits_posted, created_at';

function accountFromRaw(r: unknown[]): AccountRow {
  return {
    id: r[0] as string,
    type: r[1] as AccountRow['type'],
    unit: r[2] as AccountRow['unit'],
    driverId: r[3] as string | null,
    flags: r[4] as number,
    debitsPending: r[5] as number,
    debitsPosted: r[6] as number,
    creditsPending: r[7] as number,
    creditsPosted: r[8] as number,
    createdAt: r[9] as number,
  };
}

const cache = new WeakMap<Sqlite, Statements>();

export function statements(sqlite: Sqlite): Statements {
  let s = cache.get(sqlite);
  if (s) return s;
  s = {
    transferById: sqlite.prepare(`SELECT ${TRANSFER_COLUMNS} FROM ledger_transfers WHERE id = ?`),
    // The hot path reads plain arrays: better-sqlite3 building row objects column by column costs
    // more than the lookups themselves.
    transferExists: sqlite.prepare<[string], number>('SELECT seq FROM ledger_transfers WHERE id = ?').pluck(),
    accountById: sqlite.prepare(`SELECT ${ACCOUNT_COLUMNS} FROM ledger_accounts WHERE id = ?`),
    accountRaw: sqlite.prepare<[string], unknown[]>(`SELECT ${RAW_ACCOUNT_COLUMNS} FROM ledger_accounts WHERE id = ?`).raw(),
    accountPairRaw: sqlite.prepare<[string, string], unknown[]>(`SELECT ${RAW_ACCOUNT_COLUMNS} FROM ledger_accounts WHERE id IN (?, ?)`).raw(),
    holdById: sqlite.prepare(`SELECT ${HOLD_COLUMNS} FROM ledger_holds WHERE id = ?`),
    reversedSum: sqlite.prepare('SELECT sum(amount) AS total FROM ledger_transfers WHERE reverses_id = ?'),
    // Positional parameters: binding by name costs a lookup per column on the hot path.
    insertTransfer: sqlite.prepare(
      `INSERT INTO ledger_transfers (id, debit_account_id, credit_account_id, amount, code, phase, pending_id, expires_at,
         reverses_id, batch, memo, session_id, order_id, campaign_id, statement_row, debt_id, operator_id, created_at, mac)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    // One transaction wrapper per connection: better-sqlite3 builds four functions for each
    // db.transaction() call, which is most of a single transfer's JavaScript cost.
    immediate: sqlite.transaction((fn: () => unknown) => fn()).immediate,
    insertBatch: sqlite.prepare('INSERT INTO ledger_batches (at, operator_id, operation_key) VALUES (?, ?, ?)'),
    insertHold: sqlite.prepare(
      `INSERT INTO ledger_holds (id, debit_account_id, credit_account_id, driver_id, amount, expires_at, status, session_id, created_at)
       VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
    ),
    resolveHold: sqlite.prepare(`UPDATE ledger_holds SET status = ?, posted_amount = ?, resolved_by = ?, resolved_at = ? WHERE id = ? AND status = 'pending'`),
    updateAccount: sqlite.prepare(
      `UPDATE ledger_accounts SET debits_pending = ?, debits_posted = ?, credits_pending = ?, credits_posted = ?
       WHERE id = ? AND debits_pending = ? AND debits_posted = ? AND credits_pending = ? AND credits_posted = ?`,
    ),
    operationByKey: sqlite.prepare('SELECT key, kind, request, result, batch, operator_id AS operatorId, created_at AS createdAt FROM ledger_operations WHERE key = ?'),
    insertOperation: sqlite.prepare('INSERT INTO ledger_operations (key, kind, request, result, batch, operator_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
  };
  cache.set(sqlite, s);
  return s;
}

// --- batches ---------------------------------------------------------------------------------------

/**
 * The context of one committing unit: the batch number is taken lazily (a pure replay takes
 * none), accounts are read once and written back once, at the end.
 */
export class Batch {
  private batchId: number | null = null;
  /** The ledger chain's tip as this batch has extended it; read when the batch writes its first transfer. */
  private tip: { key: import('node:crypto').KeyObject; mac: string } | null = null;
  private readonly accounts = new Map<string, { row: AccountRow; orig: [number, number, number, number] }>();
  /** The transfers this batch created, in order: what its journal row lists. */
  readonly created: TransferRow[] = [];

  constructor(
    readonly sqlite: Sqlite,
    readonly at: number,
    readonly operatorId: string | null,
    readonly operationKey: string | null,
  ) {}

  get number(): number | null {
    return this.batchId;
  }

  takeNumber(): number {
    if (this.batchId === null) {
      this.batchId = Number(statements(this.sqlite).insertBatch.run(this.at, this.operatorId, this.operationKey).lastInsertRowid);
    }
    return this.batchId;
  }

  /** The mac of a transfer this batch is about to write: chained from the previous one. */
  chain(content: string): string {
    if (this.tip === null) {
      const key = writerChainKey(this.sqlite);
      this.tip = { key, mac: ledgerChainTip(this.sqlite, key) };
    }
    this.tip.mac = chainMac(this.tip.key, this.tip.mac, content);
    return this.tip.mac;
  }

  /** The account as this batch sees it (earlier transfers in the batch applied). */
  account(id: string, field = 'account'): AccountRow {
    const cached = this.accounts.get(id);
    if (cached) return cached.row;
    const raw = statements(this.sqlite).accountRaw.get(id);
    if (!raw) throw new DepotError('not_found', `${field}: no ledger account ${id}`, { field, account: id });
    return this.remember(accountFromRaw(raw));
  }

  /** Reads both accounts of a transfer in one query when neither is known yet. */
  prefetch(a: string, b: string): void {
    if (this.accounts.has(a) || this.accounts.has(b)) return;
    for (const raw of statements(this.sqlite).accountPairRaw.all(a, b)) this.remember(accountFromRaw(raw));
  }

  private remember(row: AccountRow): AccountRow {
    this.accounts.set(row.id, { row, orig: [row.debitsPending, row.debitsPosted, row.creditsPending, row.creditsPosted] });
    return row;
  }

  /** Writes every changed account back, each guarded by the counters it was read with. */
  flush(): void {
    const { updateAccount } = statements(this.sqlite);
    for (const { row, orig } of this.accounts.values()) {
      if (row.debitsPending === orig[0] && row.debitsPosted === orig[1] && row.creditsPending === orig[2] && row.creditsPosted === orig[3]) {
        continue;
      }
      expectChanges(updateAccount.run(row.debitsPending, row.debitsPosted, row.creditsPending, row.creditsPosted, row.id, ...orig), 1, `update counters of ${row.id}`);
      orig[0] = row.debitsPending;
      orig[1] = row.debitsPosted;
      orig[2] = row.creditsPending;
      orig[3] = row.creditsPosted;
    }
  }
}

function who(a: AccountRow): string {
  switch (a.type) {
    case 'wallet':
      return 'the wallet';
    case 'coupon':
      return `coupon ${a.id.slice('coupon:'.length)}`;
    case 'points':
      return 'the points account';
    default:
      return a.id;
  }
}

function checkFlags(a: AccountRow, amount: number): void {
  const fmt = (n: number) => (a.unit === 'points' ? `${n} points` : `${formatFen(n)} yuan`);
  if (a.flags & DEBITS_MUST_NOT_EXCEED_CREDITS && a.debitsPending + a.debitsPosted > a.creditsPosted) {
    // What was available before this transfer took `amount`.
    const available = a.creditsPosted - a.debitsPending - a.debitsPosted + amount;
    throw new DepotError('insufficient_funds', `${who(a)} has ${fmt(available)} available; ${fmt(amount)} needed`, {
      account: a.id,
      type: a.type,
      needed: amount,
      available,
    });
  }
  if (a.flags & CREDITS_MUST_NOT_EXCEED_DEBITS && a.creditsPending + a.creditsPosted > a.debitsPosted) {
    throw new DepotError('refused', `${a.id} would be credited beyond its debits (a debt cannot be paid back twice)`, {
      account: a.id,
      type: a.type,
      amount,
    });
  }
}

function badAmount(field: string, value: unknown): DepotError {
  return new DepotError('invalid_input', `${field}: an amount is a whole number of fen (or points) from 1 to ${MAX_AMOUNT_FEN} (got ${JSON.stringify(value)})`, {
    field,
  });
}

function differences(req: TransferRequest, row: TransferRow, pendingAmount: number | null): string[] {
  const diff: string[] = [];
  const phase = req.phase ?? 'single';
  const same = (field: keyof TransferRow, want: unknown) => {
    if ((want ?? null) !== row[field]) diff.push(field);
  };
  if (req.debitAccountId !== undefined || (phase !== 'post' && phase !== 'void')) same('debitAccountId', req.debitAccountId);
  if (req.creditAccountId !== undefined || (phase !== 'post' && phase !== 'void')) same('creditAccountId', req.creditAccountId);
  if (req.amount !== undefined) same('amount', req.amount);
  else if ((phase === 'post' || phase === 'void') && pendingAmount !== null) same('amount', pendingAmount);
  else diff.push('amount');
  same('code', req.code);
  same('phase', phase);
  same('pendingId', req.pendingId);
  same('expiresAt', req.expiresAt);
  same('reversesId', req.reversesId);
  same('memo', req.memo);
  same('sessionId', req.sessionId);
  same('orderId', req.orderId);
  same('campaignId', req.campaignId);
  same('statementRow', req.statementRow);
  same('debtId', req.debtId);
  return diff;
}

/**
 * Applies transfers inside the caller's write transaction, in order. Throws (and the caller's
 * transaction rolls back) on the first transfer that is invalid, conflicts, or would break a
 * balance flag. The accounts are written back before it returns.
 */
export function applyTransfers(batch: Batch, requests: readonly TransferRequest[]): TransferResult[] {
  const s = statements(batch.sqlite);
  const results: TransferResult[] = [];
  for (let i = 0; i < requests.length; i += 1) {
    const req = requests[i];
    const where = requests.length > 1 ? `transfer ${i + 1} (${req.id})` : `transfer ${req.id}`;
    results.push(applyTransfer(batch, s, req, where));
  }
  batch.flush();
  return results;
}

/** The two accounts and the amount a transfer moves, and the hold it resolves (post, void). */
interface Sides {
  debitId: string;
  creditId: string;
  amount: number;
  hold: HoldRow | undefined;
}

/** One transfer: replayed if its id exists, else checked, counted, checked against the flags and written. */
function applyTransfer(batch: Batch, s: Statements, req: TransferRequest, where: string): TransferResult {
  assertKey(req.id, 'id');
  const phase: Phase = req.phase ?? 'single';
  const existing = replayedTransfer(s, req, where);
  if (existing) return existing;
  if (!KNOWN_CODES.has(req.code)) {
    throw new DepotError('invalid_input', `${where}: unknown transfer code ${JSON.stringify(req.code)}`, { field: 'code' });
  }
  if (!(PHASES as readonly string[]).includes(phase)) {
    throw new DepotError('invalid_input', `${where}: unknown phase ${JSON.stringify(phase)}`, { field: 'phase' });
  }
  const sides = phase === 'post' || phase === 'void' ? resolvingSides(batch, s, req, phase, where) : newSides(batch, req, phase, where);
  batch.prefetch(sides.debitId, sides.creditId);
  const debit = batch.account(sides.debitId, 'debitAccountId');
  const credit = batch.account(sides.creditId, 'creditAccountId');
  if (debit.unit !== credit.unit) {
    throw new DepotError('invalid_input', `${where}: ${debit.id} counts ${debit.unit} and ${credit.id} counts ${credit.unit}; a transfer stays in one unit`, {
      field: 'creditAccountId',
    });
  }
  if (req.reversesId !== undefined) checkReversal(s, req.reversesId, sides, where);
  // Move the counters, then check the flags as they stand after this transfer.
  moveCounters(debit, credit, phase, sides);
  checkFlags(debit, sides.amount);
  checkFlags(credit, sides.amount);
  const row = insertTransfer(batch, s, req, phase, sides);
  if (phase === 'pending') {
    s.insertHold.run(row.id, sides.debitId, sides.creditId, debit.driverId, sides.amount, row.expiresAt, row.sessionId, batch.at);
  } else if (sides.hold) {
    const status: HoldStatus = phase === 'post' ? 'posted' : req.code === 'hold_expire' ? 'expired' : 'voided';
    expectChanges(s.resolveHold.run(status, phase === 'post' ? sides.amount : null, row.id, batch.at, sides.hold.id), 1, `resolve hold ${sides.hold.id}`);
  }
  return row;
}

/** The stored transfer when this id was applied before with the same request; a different request is a conflict. */
function replayedTransfer(s: Statements, req: TransferRequest, where: string): TransferResult | null {
  const existing = s.transferExists.get(req.id) === undefined ? undefined : s.transferById.get(req.id);
  if (!existing) return null;
  const pendingAmount = existing.pendingId ? (s.holdById.get(existing.pendingId)?.amount ?? null) : null;
  const diff = differences(req, existing, pendingAmount);
  if (diff.length > 0) {
    throw new DepotError(
      'idempotency_conflict',
      `${where}: the key ${req.id} was already used for a different transfer (differs in ${diff.join(', ')}); use a new key for a new movement`,
      { key: req.id, fields: diff, original: existing },
    );
  }
  return { ...existing, status: 'exists' };
}

/** A post or void: its accounts are the hold's, which must still be pending, and (unless this expires it) unexpired. */
function resolvingSides(batch: Batch, s: Statements, req: TransferRequest, phase: 'post' | 'void', where: string): Sides {
  if (!req.pendingId) throw new DepotError('invalid_input', `${where}: a ${phase} names the pending transfer it resolves`, { field: 'pendingId' });
  if (req.expiresAt !== undefined) throw new DepotError('invalid_input', `${where}: only a pending transfer has an expiry`, { field: 'expiresAt' });
  const hold = s.holdById.get(req.pendingId);
  if (!hold) throw new DepotError('not_found', `${where}: no pending transfer ${req.pendingId}`, { field: 'pendingId', pendingId: req.pendingId });
  if (hold.status !== 'pending') {
    throw new DepotError('conflict', `${where}: hold ${hold.id} was already ${hold.status} (by ${hold.resolvedBy}); a hold resolves once`, {
      field: 'pendingId',
      hold: hold.id,
      status: hold.status,
      resolvedBy: hold.resolvedBy,
    });
  }
  checkExpiry(batch, req, phase, hold, where);
  if (req.debitAccountId !== undefined && req.debitAccountId !== hold.debitAccountId) {
    throw new DepotError('invalid_input', `${where}: debit account ${req.debitAccountId} is not the hold's (${hold.debitAccountId})`, { field: 'debitAccountId' });
  }
  if (req.creditAccountId !== undefined && req.creditAccountId !== hold.creditAccountId) {
    throw new DepotError('invalid_input', `${where}: credit account ${req.creditAccountId} is not the hold's (${hold.creditAccountId})`, { field: 'creditAccountId' });
  }
  const amount = req.amount ?? hold.amount;
  if (!Number.isSafeInteger(amount) || amount <= 0) throw badAmount('amount', req.amount);
  if (phase === 'post' && amount > hold.amount) {
    throw new DepotError('invalid_input', `${where}: cannot post ${amount} of a hold of ${hold.amount}`, { field: 'amount', held: hold.amount });
  }
  if (phase === 'void' && amount !== hold.amount) {
    throw new DepotError('invalid_input', `${where}: a void releases the whole hold (${hold.amount}), not ${amount}`, { field: 'amount' });
  }
  return { debitId: hold.debitAccountId, creditId: hold.creditAccountId, amount, hold };
}

/** A hold past its expiry can only be expired; one not yet past it cannot be. */
function checkExpiry(batch: Batch, req: TransferRequest, phase: 'post' | 'void', hold: HoldRow, where: string): void {
  const expired = batch.at >= hold.expiresAt;
  if (req.code === 'hold_expire') {
    if (phase !== 'void') throw new DepotError('invalid_input', `${where}: expiry voids a hold; it never posts one`, { field: 'phase' });
    if (!expired) {
      throw new DepotError('refused', `${where}: hold ${hold.id} does not expire until ${new Date(hold.expiresAt).toISOString()}`, {
        field: 'pendingId',
        expiresAt: hold.expiresAt,
      });
    }
  } else if (expired) {
    throw new DepotError('refused', `${where}: hold ${hold.id} expired at ${new Date(hold.expiresAt).toISOString()}; it can only be expired now`, {
      field: 'pendingId',
      expiresAt: hold.expiresAt,
    });
  }
}

/** A single or pending transfer: two different accounts named, a valid amount, an expiry only (and always) on a hold. */
function newSides(batch: Batch, req: TransferRequest, phase: Phase, where: string): Sides {
  if (req.pendingId !== undefined) throw new DepotError('invalid_input', `${where}: only a post or void names a pending transfer`, { field: 'pendingId' });
  if (!req.debitAccountId) throw new DepotError('invalid_input', `${where}: debit account missing`, { field: 'debitAccountId' });
  if (!req.creditAccountId) throw new DepotError('invalid_input', `${where}: credit account missing`, { field: 'creditAccountId' });
  if (req.debitAccountId === req.creditAccountId) {
    throw new DepotError('invalid_input', `${where}: debit and credit are the same account ${req.debitAccountId}`, { field: 'creditAccountId' });
  }
  if (phase === 'pending') {
    if (!Number.isSafeInteger(req.expiresAt) || (req.expiresAt as number) <= batch.at) {
      throw new DepotError('invalid_input', `${where}: a hold needs an expiry in the future`, { field: 'expiresAt' });
    }
  } else if (req.expiresAt !== undefined) {
    throw new DepotError('invalid_input', `${where}: only a pending transfer has an expiry`, { field: 'expiresAt' });
  }
  const amount = req.amount as number;
  if (!Number.isSafeInteger(amount) || amount <= 0 || amount > MAX_AMOUNT_FEN) throw badAmount('amount', req.amount);
  return { debitId: req.debitAccountId, creditId: req.creditAccountId, amount, hold: undefined };
}

/** A reversal moves money back between the original's accounts, never more in all than the original moved. */
function checkReversal(s: Statements, reversesId: string, sides: Sides, where: string): void {
  const { debitId, creditId, amount } = sides;
  const original = s.transferById.get(reversesId);
  if (!original) throw new DepotError('not_found', `${where}: no transfer ${reversesId} to reverse`, { field: 'reversesId' });
  if (original.phase !== 'single' && original.phase !== 'post') {
    throw new DepotError('refused', `${where}: ${original.id} is a ${original.phase} transfer; holds are voided, not reversed`, { field: 'reversesId' });
  }
  if (original.debitAccountId !== creditId || original.creditAccountId !== debitId) {
    throw new DepotError('invalid_input', `${where}: a reversal moves money back between the original's two accounts`, { field: 'reversesId' });
  }
  const already = s.reversedSum.get(original.id)?.total ?? 0;
  if (already + amount > original.amount) {
    throw new DepotError('refused', `${where}: ${original.id} moved ${original.amount}, ${already} of it was already reversed; ${amount} more is too much`, {
      field: 'amount',
      original: original.amount,
      reversed: already,
    });
  }
}

function moveCounters(debit: AccountRow, credit: AccountRow, phase: Phase, sides: Sides): void {
  const { amount, hold } = sides;
  if (phase === 'single') {
    debit.debitsPosted += amount;
    credit.creditsPosted += amount;
  } else if (phase === 'pending') {
    debit.debitsPending += amount;
    credit.creditsPending += amount;
  } else {
    debit.debitsPending -= hold!.amount;
    credit.creditsPending -= hold!.amount;
    if (phase === 'post') {
      debit.debitsPosted += amount;
      credit.creditsPosted += amount;
    }
  }
}

function insertTransfer(batch: Batch, s: Statements, req: TransferRequest, phase: Phase, sides: Sides): TransferResult {
  const row: TransferResult = {
    status: 'created',
    seq: 0,
    id: req.id,
    debitAccountId: sides.debitId,
    creditAccountId: sides.creditId,
    amount: sides.amount,
    code: req.code,
    phase,
    pendingId: req.pendingId ?? null,
    expiresAt: req.expiresAt ?? null,
    reversesId: req.reversesId ?? null,
    batch: batch.takeNumber(),
    memo: req.memo ?? null,
    sessionId: req.sessionId ?? null,
    orderId: req.orderId ?? null,
    campaignId: req.campaignId ?? null,
    statementRow: req.statementRow ?? null,
    debtId: req.debtId ?? null,
    operatorId: batch.operatorId,
    createdAt: batch.at,
  };
  row.seq = Number(
    s.insertTransfer.run(
      row.id,
      row.debitAccountId,
      row.creditAccountId,
      row.amount,
      row.code,
      row.phase,
      row.pendingId,
      row.expiresAt,
      row.reversesId,
      row.batch,
      row.memo,
      row.sessionId,
      row.orderId,
      row.campaignId,
      row.statementRow,
      row.debtId,
      row.operatorId,
      row.createdAt,
      batch.chain(transferContent(row, batch.operationKey)),
    ).lastInsertRowid,
  );
  batch.created.push(row);
  return row;
}

/**
 * A transfer as the journal carries it to headquarters (docs/headquarters.md, the kinds table).
 * KEYS IN SORTED ORDER, every value defined (null for an absent reference): JSON.stringify of it
 * is then its canonical JSON, which the journal's hash needs (appendCanonicalJournal).
 */
function journalTransfer(t: TransferRow) {
  return {
    amount: t.amount,
    at: t.createdAt,
    campaignId: t.campaignId,
    code: t.code,
    credit: t.creditAccountId,
    debit: t.debitAccountId,
    debtId: t.debtId,
    id: t.id,
    orderId: t.orderId,
    pendingId: t.pendingId,
    phase: t.phase,
    sessionId: t.sessionId,
    statementRow: t.statementRow,
  };
}

/** The batch's journal row, in its transaction: `op` is the operation's kind, null for plain transfers. */
function journalBatch(batch: Batch, key: string, kind: 'ledger.operation' | 'ledger.transfers', op: string | null): void {
  // Keys in sorted order (op < operator < transfers), as journalTransfer's.
  const payload = { op, operator: batch.operatorId, transfers: batch.created.map(journalTransfer) };
  appendCanonicalJournal(batch.sqlite, batch.at, { key, kind, v: 1 }, JSON.stringify(payload));
}

/**
 * A linked batch of low-level transfers in its own BEGIN IMMEDIATE transaction (or inside the
 * caller's, as a savepoint). All or nothing.
 */
export function createTransfers(app: LedgerApp, requests: readonly TransferRequest[], opts: { operatorId?: string | null } = {}): TransferResult[] {
  if (requests.length === 0) return [];
  return inWriteTx(app.sqlite, () => {
    const batch = new Batch(app.sqlite, app.clock.now(), opts.operatorId ?? null, null);
    const results = applyTransfers(batch, requests);
    if (batch.created.length > 0) journalBatch(batch, `transfers:${batch.created[0].id}`, 'ledger.transfers', null);
    return results;
  });
}

/**
 * db/connection's writeTx (BEGIN IMMEDIATE; a savepoint inside an outer transaction), through a
 * wrapper made once per connection.
 */
export function inWriteTx<T>(sqlite: Sqlite, fn: () => T): T {
  return statements(sqlite).immediate(fn) as T;
}

// --- idempotent business operations ----------------------------------------------------------------

export interface OperationRow {
  key: string;
  kind: string;
  request: string;
  result: string;
  batch: number | null;
  operatorId: string | null;
  createdAt: number;
}

export interface OperationContext {
  batch: Batch;
  key: string;
  now: number;
}

export type Replayable<R> = R & { replayed: boolean };

/**
 * Runs one business operation under its idempotency key, in one write transaction:
 * - a new key: `body` runs; its transfers, side records and the operation record commit together;
 * - the key with the same kind and request: the stored result comes back, nothing moves;
 * - the key with anything else: `idempotency_conflict`, nothing moves.
 * A failed operation records nothing, so the caller may retry the key once the cause is fixed.
 */
export function runOperation<R>(
  app: LedgerApp,
  op: { key: string; kind: string; request: object; operatorId?: string | null },
  body: (cx: OperationContext) => R,
): Replayable<R> {
  assertKey(op.key);
  if (op.key.includes('#')) {
    throw new DepotError('invalid_input', `key: "#" is reserved for the transfers an operation derives from its key (got ${JSON.stringify(op.key)})`, { field: 'key' });
  }
  const request = canonicalJson(op.request);
  return inWriteTx(app.sqlite, () => {
    const s = statements(app.sqlite);
    const existing = s.operationByKey.get(op.key);
    if (existing) {
      if (existing.kind === op.kind && existing.request === request) {
        return { ...(JSON.parse(existing.result) as R), replayed: true };
      }
      throw new DepotError(
        'idempotency_conflict',
        existing.kind === op.kind
          ? `key ${op.key} was already used for a different ${op.kind} (${existing.request}); use a new key for a new ${op.kind}`
          : `key ${op.key} was already used for a ${existing.kind}, not a ${op.kind}; use a new key`,
        { field: 'key', key: op.key, kind: existing.kind, request: JSON.parse(existing.request) as unknown },
      );
    }
    const now = app.clock.now();
    const batch = new Batch(app.sqlite, now, op.operatorId ?? null, op.key);
    const result = body({ batch, key: op.key, now });
    batch.flush();
    s.insertOperation.run(op.key, op.kind, request, JSON.stringify(result), batch.number, op.operatorId ?? null, now);
    journalBatch(batch, op.key, 'ledger.operation', op.kind);
    return { ...result, replayed: false };
  });
}
