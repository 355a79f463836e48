import { DepotError, expectChanges } from '../kernel/errors';
import { assertFen } from '../money';
import { CHANNEL_ACCOUNT, DEPOT, DEPOT_ACCOUNT_IDS, creditBalance, driverAccountId, openCouponAccount, type Channel } from './accounts';
import { driverExists } from './drivers';
import {
  applyTransfers,
  runOperation,
  statements,
  type LedgerApp,
  type OperationContext,
  type Replayable,
  type TransferRequest,
} from './engine';
import type { TransferCode } from './schema';
import { cachedStatement } from '../kernel/db/statements';

/**
 * The business operations on the ledger: each is one idempotent operation (engine.runOperation)
 * whose transfers, side records (holds, debts, coupons) and idempotency record commit together.
 * Transfer ids inside an operation are derived from its key: the key itself for the main
 * transfer, `<key>#<part>` for the others, so every movement can be traced back to its cause.
 */

export interface By {
  operatorId?: string | null;
}

export interface WalletBalances {
  balanceFen: number;
  heldFen: number;
  availableFen: number;
}

export interface DebtCollection {
  debtId: string;
  amountFen: number;
}

function requireDriver(app: Pick<LedgerApp, 'sqlite'>, driverId: string): void {
  if (typeof driverId !== 'string' || !driverExists(app, driverId)) {
    throw new DepotError('not_found', `driverId: no driver with id ${driverId}`, { field: 'driverId', driverId });
  }
}

function walletOf(cx: OperationContext, driverId: string): WalletBalances {
  const b = creditBalance(cx.batch.account(driverAccountId(driverId, 'wallet')));
  return { balanceFen: b.balance, heldFen: b.held, availableFen: b.available };
}

function positive(value: unknown, field: string): number {
  assertFen(value, field, { allowZero: false });
  return value;
}

function nonNegative(value: unknown, field: string): number {
  assertFen(value, field);
  return value;
}

function memoOf(memo: string | null | undefined): string | null {
  const m = memo?.trim();
  if (m && m.length > 500) throw new DepotError('invalid_input', 'memo: at most 500 characters', { field: 'memo' });
  return m || null;
}

// --- debts ---------------------------------------------------------------------------------------------

interface OpenDebt {
  id: string;
  amount: number;
  collected: number;
  writtenOff: number;
  createdAt: number;
}

function openDebtsOf(cx: OperationContext, driverId: string): OpenDebt[] {
  return cx.batch.sqlite
    .prepare(
      `SELECT id, amount, collected, written_off AS writtenOff, created_at AS createdAt FROM ledger_debts
       WHERE driver_id = ? AND status = 'open' ORDER BY created_at, id`,
    )
    .all(driverId) as OpenDebt[];
}

/** Takes what the wallet has available towards the driver's open debts, oldest first. */
function collectOpenDebts(cx: OperationContext, driverId: string): DebtCollection[] {
  const wallet = driverAccountId(driverId, 'wallet');
  const debtAccount = driverAccountId(driverId, 'debt');
  let available = creditBalance(cx.batch.account(wallet)).available;
  const out: DebtCollection[] = [];
  for (const d of openDebtsOf(cx, driverId)) {
    if (available <= 0) break;
    const take = Math.min(d.amount - d.collected - d.writtenOff, available);
    applyTransfers(cx.batch, [
      { id: `${cx.key}#collect:${d.id}`, debitAccountId: wallet, creditAccountId: debtAccount, amount: take, code: 'debt_collect', debtId: d.id },
    ]);
    expectChanges(
      cx.batch.sqlite
        .prepare(
          `UPDATE ledger_debts SET collected = collected + ?,
             status = CASE WHEN collected + ? + written_off >= amount THEN 'settled' ELSE 'open' END,
             closed_at = CASE WHEN collected + ? + written_off >= amount THEN ? ELSE NULL END
           WHERE id = ? AND status = 'open' AND collected = ? AND written_off = ?`,
        )
        .run(take, take, take, cx.now, d.id, d.collected, d.writtenOff),
      1,
      `collect debt ${d.id}`,
    );
    available -= take;
    out.push({ debtId: d.id, amountFen: take });
  }
  return out;
}

/** Used by later issues to refuse a start: a driver who owes money has an open debt. */
export function hasOpenDebt(app: Pick<LedgerApp, 'sqlite'>, driverId: string): boolean {
  return cachedStatement(app.sqlite, "SELECT 1 FROM ledger_debts WHERE driver_id = ? AND status = 'open' LIMIT 1").get(driverId) !== undefined;
}

export interface CollectDebtsResult {
  key: string;
  driverId: string;
  collected: DebtCollection[];
  collectedFen: number;
  batch: number | null;
  wallet: WalletBalances;
}

/** Collects open debts from what the wallet has available now (e.g. after a compensation credit). */
export function collectDebts(app: LedgerApp, input: { key: string; driverId: string }, by: By = {}): Replayable<CollectDebtsResult> {
  return runOperation(app, { key: input.key, kind: 'debt_collect', request: { driverId: input.driverId }, operatorId: by.operatorId }, (cx) => {
    requireDriver(app, input.driverId);
    const collected = collectOpenDebts(cx, input.driverId);
    return {
      key: input.key,
      driverId: input.driverId,
      collected,
      collectedFen: collected.reduce((s, c) => s + c.amountFen, 0),
      batch: cx.batch.number,
      wallet: walletOf(cx, input.driverId),
    };
  });
}

export interface WriteOffResult {
  key: string;
  debtId: string;
  driverId: string;
  amountFen: number;
  batch: number | null;
}

/** Gives up on what is left of a debt: the depot books it as a write-off and the driver is clear. */
export function writeOffDebt(app: LedgerApp, input: { key: string; debtId: string; memo: string }, by: By = {}): Replayable<WriteOffResult> {
  const memo = memoOf(input.memo);
  if (!memo) throw new DepotError('invalid_input', 'memo: say why the debt is written off', { field: 'memo' });
  return runOperation(app, { key: input.key, kind: 'debt_write_off', request: { debtId: input.debtId, memo }, operatorId: by.operatorId }, (cx) => {
    const d = cx.batch.sqlite
      .prepare('SELECT id, driver_id AS driverId, amount, collected, written_off AS writtenOff, status FROM ledger_debts WHERE id = ?')
      .get(input.debtId) as (OpenDebt & { driverId: string; status: string }) | undefined;
    if (!d) throw new DepotError('not_found', `debtId: no debt ${input.debtId}`, { field: 'debtId' });
    if (d.status !== 'open') throw new DepotError('conflict', `debtId: debt ${d.id} is already ${d.status}`, { field: 'debtId', status: d.status });
    const amount = d.amount - d.collected - d.writtenOff;
    applyTransfers(cx.batch, [
      { id: cx.key, debitAccountId: DEPOT.writeOffs, creditAccountId: driverAccountId(d.driverId, 'debt'), amount, code: 'debt_write_off', debtId: d.id, memo },
    ]);
    expectChanges(
      cx.batch.sqlite
        .prepare(
          `UPDATE ledger_debts SET written_off = written_off + ?, status = 'written_off', closed_at = ?
           WHERE id = ? AND status = 'open' AND collected = ? AND written_off = ?`,
        )
        .run(amount, cx.now, d.id, d.collected, d.writtenOff),
      1,
      `write off debt ${d.id}`,
    );
    return { key: cx.key, debtId: d.id, driverId: d.driverId, amountFen: amount, batch: cx.batch.number };
  });
}

// --- top-up --------------------------------------------------------------------------------------------

export interface TopUpInput {
  key: string;
  driverId: string;
  amountFen: number;
  channel: Channel;
  memo?: string | null;
  /** The gateway's transaction or statement line, for reconciliation. */
  statementRow?: string | null;
}

export interface TopUpResult {
  key: string;
  driverId: string;
  amountFen: number;
  channel: Channel;
  transferId: string;
  batch: number | null;
  collected: DebtCollection[];
  collectedFen: number;
  wallet: WalletBalances;
  at: number;
}

/**
 * Money in at the counter or through a gateway. The whole amount lands in the wallet, and in the
 * same transaction open debts are collected from it, oldest first: a driver who owes money pays
 * that before anything else, and the statement shows both movements.
 */
export function topUp(app: LedgerApp, input: TopUpInput, by: By = {}): Replayable<TopUpResult> {
  const amount = positive(input.amountFen, 'amount');
  if (!(input.channel in CHANNEL_ACCOUNT)) {
    throw new DepotError('invalid_input', `channel: one of ${Object.keys(CHANNEL_ACCOUNT).join(', ')} (got ${JSON.stringify(input.channel)})`, { field: 'channel' });
  }
  const memo = memoOf(input.memo);
  const request = { driverId: input.driverId, amountFen: amount, channel: input.channel, memo, statementRow: input.statementRow ?? null };
  return runOperation(app, { key: input.key, kind: 'topup', request, operatorId: by.operatorId }, (cx) => {
    requireDriver(app, input.driverId);
    applyTransfers(cx.batch, [
      {
        id: cx.key,
        debitAccountId: CHANNEL_ACCOUNT[input.channel],
        creditAccountId: driverAccountId(input.driverId, 'wallet'),
        amount,
        code: 'topup',
        memo,
        statementRow: input.statementRow ?? null,
      },
    ]);
    const collected = collectOpenDebts(cx, input.driverId);
    return {
      key: cx.key,
      driverId: input.driverId,
      amountFen: amount,
      channel: input.channel,
      transferId: cx.key,
      batch: cx.batch.number,
      collected,
      collectedFen: collected.reduce((s, c) => s + c.amountFen, 0),
      wallet: walletOf(cx, input.driverId),
      at: cx.now,
    };
  });
}

// --- holds ---------------------------------------------------------------------------------------------

export interface PlaceHoldInput {
  key: string;
  driverId: string;
  amountFen: number;
  expiresAt: number;
  sessionId?: string | null;
  /** Hold what is available, up to amountFen, instead of refusing when the wallet is short. */
  partial?: boolean;
  memo?: string | null;
}

export interface HoldResult {
  key: string;
  holdId: string;
  driverId: string;
  amountFen: number;
  requestedFen: number;
  expiresAt: number;
  batch: number | null;
  wallet: WalletBalances;
}

/** Freezes money in the wallet (冻结): it stops being available at once, and stays the driver's until posted. */
export function placeHold(app: LedgerApp, input: PlaceHoldInput, by: By = {}): Replayable<HoldResult> {
  const requested = positive(input.amountFen, 'amount');
  const memo = memoOf(input.memo);
  const request = { driverId: input.driverId, amountFen: requested, expiresAt: input.expiresAt, sessionId: input.sessionId ?? null, partial: Boolean(input.partial), memo };
  return runOperation(app, { key: input.key, kind: 'hold', request, operatorId: by.operatorId }, (cx) => {
    requireDriver(app, input.driverId);
    const wallet = driverAccountId(input.driverId, 'wallet');
    let amount = requested;
    if (input.partial) {
      amount = Math.min(requested, creditBalance(cx.batch.account(wallet)).available);
      if (amount <= 0) {
        throw new DepotError('insufficient_funds', 'the wallet has 0.00 yuan available; nothing can be held', { account: wallet, needed: requested, available: 0 });
      }
    }
    applyTransfers(cx.batch, [
      {
        id: cx.key,
        debitAccountId: wallet,
        creditAccountId: driverAccountId(input.driverId, 'held'),
        amount,
        code: 'hold',
        phase: 'pending',
        expiresAt: input.expiresAt,
        sessionId: input.sessionId ?? null,
        memo,
      },
    ]);
    return {
      key: cx.key,
      holdId: cx.key,
      driverId: input.driverId,
      amountFen: amount,
      requestedFen: requested,
      expiresAt: input.expiresAt,
      batch: cx.batch.number,
      wallet: walletOf(cx, input.driverId),
    };
  });
}

interface DriverHold {
  id: string;
  driverId: string;
  amount: number;
  expiresAt: number;
  status: string;
  sessionId: string | null;
  debitAccountId: string;
}

function driverHold(cx: OperationContext, holdId: string): DriverHold {
  const hold = statements(cx.batch.sqlite).holdById.get(holdId);
  if (!hold) throw new DepotError('not_found', `holdId: no hold ${holdId}`, { field: 'holdId' });
  if (!hold.driverId || hold.debitAccountId !== driverAccountId(hold.driverId, 'wallet')) {
    throw new DepotError('refused', `holdId: ${holdId} is not a hold on a driver's wallet`, { field: 'holdId' });
  }
  if (hold.status !== 'pending') {
    throw new DepotError('conflict', `holdId: hold ${holdId} was already ${hold.status} (by ${hold.resolvedBy}); a hold resolves once`, {
      field: 'holdId',
      status: hold.status,
      resolvedBy: hold.resolvedBy,
    });
  }
  return { ...hold, driverId: hold.driverId };
}

/**
 * A hold of this driver that was already voided or expired, or null. A posted hold is not
 * "released": settling against it again would charge twice, and driverHold refuses it.
 */
function releasedHold(cx: OperationContext, holdId: string, driverId: string): { id: string; status: string } | null {
  const hold = statements(cx.batch.sqlite).holdById.get(holdId);
  if (!hold || (hold.status !== 'voided' && hold.status !== 'expired')) return null;
  if (hold.debitAccountId !== driverAccountId(driverId, 'wallet')) {
    throw new DepotError('refused', `holdId: hold ${holdId} is not on driver ${driverId}'s wallet`, { field: 'holdId' });
  }
  return { id: hold.id, status: hold.status };
}

export const LEGS = [
  { name: 'electricity', account: DEPOT.electricityRevenue, code: 'settle_electricity' },
  { name: 'service', account: DEPOT.serviceRevenue, code: 'settle_service' },
] as const;

interface LegDue {
  name: (typeof LEGS)[number]['name'];
  account: string;
  code: TransferCode;
  due: number;
}

function legsDue(electricityFen: number, serviceFen: number): LegDue[] {
  return [
    { ...LEGS[0], due: electricityFen },
    { ...LEGS[1], due: serviceFen },
  ];
}

/**
 * Pays up to `amount` from one source into the revenue legs, electricity first. Returns what it
 * paid. `code` overrides the legs' own codes (a coupon or a debt pays with its own reason).
 */
function payLegs(
  cx: OperationContext,
  legs: LegDue[],
  source: { account: string; label: string; amount: number; code?: TransferCode; debtId?: string | null },
  refs: { sessionId: string | null; orderId: string | null; memo: string | null },
  transferIds: string[],
): number {
  let left = source.amount;
  const requests: TransferRequest[] = [];
  for (const leg of legs) {
    if (left <= 0) break;
    const take = Math.min(leg.due, left);
    if (take <= 0) continue;
    requests.push({
      id: `${cx.key}#${source.label}:${leg.name}`,
      debitAccountId: source.account,
      creditAccountId: leg.account,
      amount: take,
      code: source.code ?? leg.code,
      debtId: source.debtId ?? null,
      sessionId: refs.sessionId,
      orderId: refs.orderId,
      memo: refs.memo,
    });
    leg.due -= take;
    left -= take;
  }
  for (const r of applyTransfers(cx.batch, requests)) transferIds.push(r.id);
  return source.amount - left;
}

/** Codes that book a session's revenue; a session has them from one settlement only. */
export const SETTLEMENT_CODES = ['settle_electricity', 'settle_service', 'debt'] as const;

/**
 * A session is settled once. Its key (settle:<session>) already makes a retry harmless; this
 * catches the same session settled under a second key, which would charge the driver twice.
 */
function refuseSecondSettlement(cx: OperationContext, sessionId: string): void {
  const earlier = cx.batch.sqlite
    .prepare(`SELECT b.operation_key AS key FROM ledger_transfers t JOIN ledger_batches b ON b.id = t.batch
              WHERE t.session_id = ? AND t.code IN (${SETTLEMENT_CODES.map(() => '?').join(', ')}) LIMIT 1`)
    .get(sessionId, ...SETTLEMENT_CODES) as { key: string | null } | undefined;
  if (earlier) {
    throw new DepotError('conflict', `sessionId: session ${sessionId} was already settled (by ${earlier.key ?? 'an earlier batch'})`, {
      field: 'sessionId',
      settledBy: earlier.key,
    });
  }
}

export interface PostHoldInput {
  key: string;
  holdId: string;
  electricityFen: number;
  serviceFen: number;
  memo?: string | null;
}

export interface PostHoldResult {
  key: string;
  holdId: string;
  driverId: string;
  postedFen: number;
  releasedFen: number;
  electricityFen: number;
  serviceFen: number;
  batch: number | null;
  transferIds: string[];
  wallet: WalletBalances;
}

/**
 * Posts part or all of a hold into electricity and service revenue; the rest is released to the
 * wallet in the same transaction. To also take a shortfall from the wallet and book a debt, use
 * settleSession.
 */
export function postHold(app: LedgerApp, input: PostHoldInput, by: By = {}): Replayable<PostHoldResult> {
  const electricity = nonNegative(input.electricityFen, 'electricityFen');
  const service = nonNegative(input.serviceFen, 'serviceFen');
  const memo = memoOf(input.memo);
  if (electricity + service <= 0) throw new DepotError('invalid_input', 'amount: nothing to post; void the hold instead', { field: 'amount' });
  const request = { holdId: input.holdId, electricityFen: electricity, serviceFen: service, memo };
  return runOperation(app, { key: input.key, kind: 'hold_post', request, operatorId: by.operatorId }, (cx) => {
    const hold = driverHold(cx, input.holdId);
    if (hold.sessionId) refuseSecondSettlement(cx, hold.sessionId);
    const due = electricity + service;
    if (due > hold.amount) {
      throw new DepotError('invalid_input', `amount: ${due} fen is more than the ${hold.amount} fen held; settleSession takes the rest from the wallet`, {
        field: 'amount',
        held: hold.amount,
      });
    }
    const transferIds: string[] = [];
    for (const r of applyTransfers(cx.batch, [
      { id: cx.key, phase: 'post', pendingId: hold.id, amount: due, code: 'hold_post', sessionId: hold.sessionId, memo },
    ])) {
      transferIds.push(r.id);
    }
    payLegs(
      cx,
      legsDue(electricity, service),
      { account: driverAccountId(hold.driverId, 'held'), label: 'hold', amount: due },
      { sessionId: hold.sessionId, orderId: null, memo },
      transferIds,
    );
    return {
      key: cx.key,
      holdId: hold.id,
      driverId: hold.driverId,
      postedFen: due,
      releasedFen: hold.amount - due,
      electricityFen: electricity,
      serviceFen: service,
      batch: cx.batch.number,
      transferIds,
      wallet: walletOf(cx, hold.driverId),
    };
  });
}

export interface ReleaseResult {
  key: string;
  holdId: string;
  driverId: string;
  releasedFen: number;
  status: 'voided' | 'expired';
  batch: number | null;
  wallet: WalletBalances;
}

/** Releases a whole hold back to the wallet (a session that never started, an operator's release). */
export function voidHold(app: LedgerApp, input: { key: string; holdId: string; memo?: string | null }, by: By = {}): Replayable<ReleaseResult> {
  const memo = memoOf(input.memo);
  return runOperation(app, { key: input.key, kind: 'hold_void', request: { holdId: input.holdId, memo }, operatorId: by.operatorId }, (cx) => {
    const hold = driverHold(cx, input.holdId);
    applyTransfers(cx.batch, [{ id: cx.key, phase: 'void', pendingId: hold.id, code: 'hold_void', sessionId: hold.sessionId, memo }]);
    return {
      key: cx.key,
      holdId: hold.id,
      driverId: hold.driverId,
      releasedFen: hold.amount,
      status: 'voided' as const,
      batch: cx.batch.number,
      wallet: walletOf(cx, hold.driverId),
    };
  });
}

/**
 * Expires one hold whose time has come (the hold-expiry job calls this). Its key is derived from
 * the hold, so running it twice, or from two processes, expires the hold once.
 */
export function expireHold(app: LedgerApp, input: { holdId: string }, by: By = {}): Replayable<ReleaseResult> {
  return runOperation(app, { key: `expire:${input.holdId}`, kind: 'hold_expire', request: { holdId: input.holdId }, operatorId: by.operatorId }, (cx) => {
    const hold = driverHold(cx, input.holdId);
    applyTransfers(cx.batch, [{ id: cx.key, phase: 'void', pendingId: hold.id, code: 'hold_expire', sessionId: hold.sessionId }]);
    return {
      key: cx.key,
      holdId: hold.id,
      driverId: hold.driverId,
      releasedFen: hold.amount,
      status: 'expired' as const,
      batch: cx.batch.number,
      wallet: walletOf(cx, hold.driverId),
    };
  });
}

export interface ExpireDueResult {
  expired: ReleaseResult[];
  /** Holds that another writer resolved between the listing and the expiry. */
  skipped: { holdId: string; reason: string }[];
}

/** Expires every hold past its expiry, each in its own short transaction, oldest expiry first. */
export function expireDueHolds(app: LedgerApp, opts: { limit?: number } = {}, by: By = {}): ExpireDueResult {
  const due = app.sqlite
    .prepare("SELECT id FROM ledger_holds WHERE status = 'pending' AND expires_at <= ? ORDER BY expires_at, id LIMIT ?")
    .all(app.clock.now(), opts.limit ?? 1000) as { id: string }[];
  const out: ExpireDueResult = { expired: [], skipped: [] };
  for (const { id } of due) {
    try {
      out.expired.push(expireHold(app, { holdId: id }, by));
    } catch (e) {
      if (e instanceof DepotError && (e.code === 'conflict' || e.code === 'refused')) out.skipped.push({ holdId: id, reason: e.message });
      else throw e;
    }
  }
  return out;
}

// --- settlement ----------------------------------------------------------------------------------------

export interface SettleInput {
  /** Deterministic, e.g. settle:<sessionId>: a session is settled once. */
  key: string;
  driverId: string;
  sessionId?: string | null;
  orderId?: string | null;
  /** The session's hold, if one was placed. */
  holdId?: string | null;
  electricityFen: number;
  serviceFen: number;
  /** Amount coupons the driver chose to use, applied in this order before any wallet money. */
  couponIds?: string[];
  memo?: string | null;
}

export interface SettleResult {
  key: string;
  driverId: string;
  sessionId: string | null;
  orderId: string | null;
  dueFen: number;
  electricityFen: number;
  serviceFen: number;
  paid: { couponsFen: number; holdFen: number; walletFen: number; debtFen: number };
  coupons: { couponId: string; amountFen: number }[];
  couponsSkipped: { couponId: string; reason: string }[];
  hold: { holdId: string; postedFen: number; releasedFen: number; expired: boolean } | null;
  debtId: string | null;
  batch: number | null;
  transferIds: string[];
  wallet: WalletBalances;
}

/**
 * Settles what a session (or order) costs, split into electricity and service revenue, in one
 * transaction. Money is taken in this order: the chosen coupons, the session's hold (the unused
 * part of it is released), the wallet's available balance, and whatever is still missing becomes
 * a debt of the driver (a debt record plus its ledger entry). Each source pays electricity first.
 * A hold that was already expired or released pays nothing and the rest follows; a hold that was
 * already posted is a conflict (the session would be charged twice).
 */
export function settleSession(app: LedgerApp, input: SettleInput, by: By = {}): Replayable<SettleResult> {
  const electricity = nonNegative(input.electricityFen, 'electricityFen');
  const service = nonNegative(input.serviceFen, 'serviceFen');
  const memo = memoOf(input.memo);
  const request = {
    driverId: input.driverId,
    sessionId: input.sessionId ?? null,
    orderId: input.orderId ?? null,
    holdId: input.holdId ?? null,
    electricityFen: electricity,
    serviceFen: service,
    couponIds: input.couponIds ?? [],
    memo,
  };
  return runOperation(app, { key: input.key, kind: 'settle', request, operatorId: by.operatorId }, (cx) => {
    requireDriver(app, input.driverId);
    if (request.sessionId) refuseSecondSettlement(cx, request.sessionId);
    const driverId = input.driverId;
    const refs = { sessionId: request.sessionId, orderId: request.orderId, memo };
    const legs = legsDue(electricity, service);
    const owing = () => legs.reduce((s, l) => s + l.due, 0);
    const transferIds: string[] = [];
    const paid = { couponsFen: 0, holdFen: 0, walletFen: 0, debtFen: 0 };
    const coupons: SettleResult['coupons'] = [];
    const couponsSkipped: SettleResult['couponsSkipped'] = [];

    for (const couponId of new Set(request.couponIds)) {
      if (owing() <= 0) break;
      const coupon = cx.batch.sqlite
        .prepare('SELECT driver_id AS driverId, account_id AS accountId, expires_at AS expiresAt FROM ledger_coupons WHERE id = ?')
        .get(couponId) as { driverId: string; accountId: string; expiresAt: number | null } | undefined;
      if (!coupon || coupon.driverId !== driverId) {
        couponsSkipped.push({ couponId, reason: 'not a coupon of this driver' });
        continue;
      }
      if (coupon.expiresAt !== null && cx.now >= coupon.expiresAt) {
        couponsSkipped.push({ couponId, reason: `expired at ${new Date(coupon.expiresAt).toISOString()}` });
        continue;
      }
      const available = creditBalance(cx.batch.account(coupon.accountId)).available;
      const take = Math.min(available, owing());
      if (take <= 0) {
        couponsSkipped.push({ couponId, reason: 'nothing left on the coupon' });
        continue;
      }
      payLegs(cx, legs, { account: coupon.accountId, label: `coupon:${couponId}`, amount: take, code: 'coupon_redeem' }, refs, transferIds);
      coupons.push({ couponId, amountFen: take });
      paid.couponsFen += take;
    }

    let hold: SettleResult['hold'] = null;
    const released = request.holdId ? releasedHold(cx, request.holdId, driverId) : null;
    if (released) {
      // The expiry job or an operator released the hold before the session ended: the session
      // is still owed, so the wallet (and, failing that, a debt) pays instead.
      hold = { holdId: released.id, postedFen: 0, releasedFen: 0, expired: released.status === 'expired' };
    } else if (request.holdId) {
      const h = driverHold(cx, request.holdId);
      if (h.driverId !== driverId) throw new DepotError('refused', `holdId: hold ${h.id} is not on driver ${driverId}'s wallet`, { field: 'holdId' });
      if (cx.now >= h.expiresAt) {
        // The expiry job has not got to it yet; expiring it here lets the wallet pay instead.
        applyTransfers(cx.batch, [{ id: `${cx.key}#expire`, phase: 'void', pendingId: h.id, code: 'hold_expire', sessionId: h.sessionId }]);
        transferIds.push(`${cx.key}#expire`);
        hold = { holdId: h.id, postedFen: 0, releasedFen: h.amount, expired: true };
      } else {
        const take = Math.min(h.amount, owing());
        if (take > 0) {
          applyTransfers(cx.batch, [{ id: `${cx.key}#post`, phase: 'post', pendingId: h.id, amount: take, code: 'hold_post', sessionId: h.sessionId, memo }]);
          transferIds.push(`${cx.key}#post`);
          payLegs(cx, legs, { account: driverAccountId(driverId, 'held'), label: 'hold', amount: take }, refs, transferIds);
        } else {
          applyTransfers(cx.batch, [{ id: `${cx.key}#void`, phase: 'void', pendingId: h.id, code: 'hold_void', sessionId: h.sessionId, memo }]);
          transferIds.push(`${cx.key}#void`);
        }
        hold = { holdId: h.id, postedFen: take, releasedFen: h.amount - take, expired: false };
        paid.holdFen = take;
      }
    }

    if (owing() > 0) {
      const wallet = driverAccountId(driverId, 'wallet');
      const take = Math.min(creditBalance(cx.batch.account(wallet)).available, owing());
      if (take > 0) paid.walletFen = payLegs(cx, legs, { account: wallet, label: 'wallet', amount: take }, refs, transferIds);
    }

    let debtId: string | null = null;
    const shortfall = owing();
    if (shortfall > 0) {
      debtId = app.ids.next();
      cx.batch.sqlite
        .prepare(
          `INSERT INTO ledger_debts (id, driver_id, amount, collected, written_off, status, session_id, order_id, operation_key, created_at)
           VALUES (?, ?, ?, 0, 0, 'open', ?, ?, ?, ?)`,
        )
        .run(debtId, driverId, shortfall, request.sessionId, request.orderId, cx.key, cx.now);
      paid.debtFen = payLegs(
        cx,
        legs,
        { account: driverAccountId(driverId, 'debt'), label: 'debt', amount: shortfall, code: 'debt', debtId },
        refs,
        transferIds,
      );
    }

    return {
      key: cx.key,
      driverId,
      sessionId: request.sessionId,
      orderId: request.orderId,
      dueFen: electricity + service,
      electricityFen: electricity,
      serviceFen: service,
      paid,
      coupons,
      couponsSkipped,
      hold,
      debtId,
      batch: cx.batch.number,
      transferIds,
      wallet: walletOf(cx, driverId),
    };
  });
}

// --- re-settlement -------------------------------------------------------------------------------------

export interface ResettleInput {
  /** Deterministic: resettle:<sessionId>. A session is re-settled at most once. */
  key: string;
  driverId: string;
  sessionId: string;
  /** What the session costs now, by leg (the true figures). */
  electricityFen: number;
  serviceFen: number;
  memo?: string | null;
}

export interface ResettleResult {
  key: string;
  driverId: string;
  sessionId: string;
  /** What the settlement booked, by leg, and what the session costs now. */
  before: { electricityFen: number; serviceFen: number; totalFen: number };
  after: { electricityFen: number; serviceFen: number; totalFen: number };
  /** after − before: positive when more is due, negative when money went back. */
  differenceFen: number;
  /** More due: what the wallet paid and what became a debt. */
  charged: { walletFen: number; debtFen: number };
  /** Less due: what went back to the wallet (revenue → wallet, code refund). */
  returnedFen: number;
  /** Open debts the returned money paid, oldest first (as a top-up does). */
  collected: DebtCollection[];
  debtId: string | null;
  batch: number | null;
  transferIds: string[];
  wallet: WalletBalances;
}

/** Transfers a settlement books revenue with: its legs, its debt, the coupons it redeemed. */
const BOOKING_CODES = [...SETTLEMENT_CODES, 'coupon_redeem'] as const;

/** Revenue the settlement of a session booked, by leg (its legs and coupons; not this re-settlement's own batch). */
function settledRevenue(cx: OperationContext, sessionId: string, driverId: string): { electricity: number; service: number; batches: number } {
  const rows = cx.batch.sqlite
    .prepare(
      `SELECT t.credit_account_id AS credit, t.debit_account_id AS debit, t.amount, t.batch FROM ledger_transfers t JOIN ledger_batches b ON b.id = t.batch
       WHERE t.session_id = ? AND t.code IN (${BOOKING_CODES.map(() => '?').join(', ')}) AND (b.operation_key IS NULL OR b.operation_key <> ?)`,
    )
    .all(sessionId, ...BOOKING_CODES, cx.key) as { credit: string; debit: string; amount: number; batch: number }[];
  const out = { electricity: 0, service: 0, batches: new Set(rows.map((r) => r.batch)).size };
  for (const r of rows) {
    if (!r.debit.startsWith(`driver:${driverId}:`) && !r.debit.startsWith('coupon:')) {
      throw new DepotError('refused', `driverId: session ${sessionId} was settled against ${r.debit}, not driver ${driverId}'s accounts`, { field: 'driverId' });
    }
    if (r.credit === DEPOT.electricityRevenue) out.electricity += r.amount;
    else if (r.credit === DEPOT.serviceRevenue) out.service += r.amount;
  }
  return out;
}

/**
 * Re-settles a settled session at its true figures (its charger's real StopTransaction arrived
 * after the session was closed without it), moving only the difference, leg by leg, in one
 * operation keyed `resettle:<session>`:
 * - a leg that now costs more is paid from the wallet's available balance, and what is still
 *   missing becomes a debt (a debt record plus `debt` transfers), as settlement does;
 * - a leg that now costs less gives the difference back, from that revenue account to the wallet
 *   (code `refund`), and money coming back pays the driver's open debts first, as a top-up does.
 * The settlement's own transfers are never touched. The baseline is read from the ledger (what the
 * settlement booked), not trusted from the caller; a second re-settlement of the session under the
 * same key is a replay (same figures) or an idempotency conflict (different figures).
 */
export function resettleSession(app: LedgerApp, input: ResettleInput, by: By = {}): Replayable<ResettleResult> {
  const electricity = nonNegative(input.electricityFen, 'electricityFen');
  const service = nonNegative(input.serviceFen, 'serviceFen');
  if (input.key !== `resettle:${input.sessionId}`) {
    throw new DepotError('invalid_input', `key: a re-settlement is keyed resettle:<session> (got ${JSON.stringify(input.key)})`, { field: 'key' });
  }
  const memo = memoOf(input.memo);
  const request = { driverId: input.driverId, sessionId: input.sessionId, electricityFen: electricity, serviceFen: service };
  return runOperation(app, { key: input.key, kind: 'resettle', request, operatorId: by.operatorId }, (cx) => {
    requireDriver(app, input.driverId);
    const { driverId, sessionId } = request;
    const booked = settledRevenue(cx, sessionId, driverId);
    if (booked.batches === 0) {
      throw new DepotError('refused', `sessionId: session ${sessionId} was never settled; settle it (settle:<session>) instead`, { field: 'sessionId' });
    }
    const refs = { sessionId, orderId: null, memo };
    const wallet = driverAccountId(driverId, 'wallet');
    const transferIds: string[] = [];
    const deltas = [
      { ...LEGS[0], delta: electricity - booked.electricity },
      { ...LEGS[1], delta: service - booked.service },
    ];

    // Back first, then more: a leg that fell and a leg that rose (rounding) net out in the wallet.
    const returns: TransferRequest[] = deltas
      .filter((d) => d.delta < 0)
      .map((d) => ({ id: `${cx.key}#return:${d.name}`, debitAccountId: d.account, creditAccountId: wallet, amount: -d.delta, code: 'refund', ...refs }));
    for (const r of applyTransfers(cx.batch, returns)) transferIds.push(r.id);
    const returnedFen = returns.reduce((s, r) => s + (r.amount ?? 0), 0);

    const legs: LegDue[] = deltas.filter((d) => d.delta > 0).map((d) => ({ name: d.name, account: d.account, code: d.code, due: d.delta }));
    const owing = () => legs.reduce((s, l) => s + l.due, 0);
    const charged = { walletFen: 0, debtFen: 0 };
    if (owing() > 0) {
      const take = Math.min(creditBalance(cx.batch.account(wallet)).available, owing());
      if (take > 0) charged.walletFen = payLegs(cx, legs, { account: wallet, label: 'wallet', amount: take }, refs, transferIds);
    }
    let debtId: string | null = null;
    const shortfall = owing();
    if (shortfall > 0) {
      debtId = app.ids.next();
      cx.batch.sqlite
        .prepare(
          `INSERT INTO ledger_debts (id, driver_id, amount, collected, written_off, status, session_id, order_id, operation_key, created_at)
           VALUES (?, ?, ?, 0, 0, 'open', ?, NULL, ?, ?)`,
        )
        .run(debtId, driverId, shortfall, sessionId, cx.key, cx.now);
      charged.debtFen = payLegs(cx, legs, { account: driverAccountId(driverId, 'debt'), label: 'debt', amount: shortfall, code: 'debt', debtId }, refs, transferIds);
    }
    const collected = returnedFen > 0 ? collectOpenDebts(cx, driverId) : [];
    for (const c of collected) transferIds.push(`${cx.key}#collect:${c.debtId}`);

    const beforeTotal = booked.electricity + booked.service;
    return {
      key: cx.key,
      driverId,
      sessionId,
      before: { electricityFen: booked.electricity, serviceFen: booked.service, totalFen: beforeTotal },
      after: { electricityFen: electricity, serviceFen: service, totalFen: electricity + service },
      differenceFen: electricity + service - beforeTotal,
      charged,
      returnedFen,
      collected,
      debtId,
      batch: cx.batch.number,
      transferIds,
      wallet: walletOf(cx, driverId),
    };
  });
}

// --- compensation and refunds --------------------------------------------------------------------------

export interface CreditResult {
  key: string;
  driverId: string;
  amountFen: number;
  transferId: string;
  batch: number | null;
  collected: DebtCollection[];
  wallet: WalletBalances;
}

/**
 * Credits a driver's wallet at the depot's expense (a failed session, a goodwill gesture). Use
 * the key `comp:<campaign>:<driver>` so a campaign credits each driver once.
 */
export function creditCompensation(
  app: LedgerApp,
  input: { key: string; driverId: string; amountFen: number; campaignId?: string | null; memo?: string | null; collectDebts?: boolean },
  by: By = {},
): Replayable<CreditResult> {
  const amount = positive(input.amountFen, 'amount');
  const memo = memoOf(input.memo);
  const request = { driverId: input.driverId, amountFen: amount, campaignId: input.campaignId ?? null, memo, collectDebts: Boolean(input.collectDebts) };
  return runOperation(app, { key: input.key, kind: 'compensation', request, operatorId: by.operatorId }, (cx) => {
    requireDriver(app, input.driverId);
    applyTransfers(cx.batch, [
      {
        id: cx.key,
        debitAccountId: DEPOT.compensationExpense,
        creditAccountId: driverAccountId(input.driverId, 'wallet'),
        amount,
        code: 'compensation',
        campaignId: request.campaignId,
        memo,
      },
    ]);
    const collected = request.collectDebts ? collectOpenDebts(cx, input.driverId) : [];
    return { key: cx.key, driverId: input.driverId, amountFen: amount, transferId: cx.key, batch: cx.batch.number, collected, wallet: walletOf(cx, input.driverId) };
  });
}

/** Gives back revenue of a session to the wallet (an overcharge found later). */
export function refundToWallet(
  app: LedgerApp,
  input: { key: string; driverId: string; electricityFen: number; serviceFen: number; sessionId?: string | null; orderId?: string | null; memo?: string | null },
  by: By = {},
): Replayable<CreditResult> {
  const electricity = nonNegative(input.electricityFen, 'electricityFen');
  const service = nonNegative(input.serviceFen, 'serviceFen');
  if (electricity + service <= 0) throw new DepotError('invalid_input', 'amount: nothing to refund', { field: 'amount' });
  const memo = memoOf(input.memo);
  const request = { driverId: input.driverId, electricityFen: electricity, serviceFen: service, sessionId: input.sessionId ?? null, orderId: input.orderId ?? null, memo };
  return runOperation(app, { key: input.key, kind: 'refund_to_wallet', request, operatorId: by.operatorId }, (cx) => {
    requireDriver(app, input.driverId);
    const wallet = driverAccountId(input.driverId, 'wallet');
    const parts: TransferRequest[] = [];
    const refs = { sessionId: request.sessionId, orderId: request.orderId, memo };
    if (electricity > 0) parts.push({ id: `${cx.key}#electricity`, debitAccountId: DEPOT.electricityRevenue, creditAccountId: wallet, amount: electricity, code: 'refund', ...refs });
    if (service > 0) parts.push({ id: `${cx.key}#service`, debitAccountId: DEPOT.serviceRevenue, creditAccountId: wallet, amount: service, code: 'refund', ...refs });
    applyTransfers(cx.batch, parts);
    return {
      key: cx.key,
      driverId: input.driverId,
      amountFen: electricity + service,
      transferId: parts[0].id,
      batch: cx.batch.number,
      collected: [],
      wallet: walletOf(cx, input.driverId),
    };
  });
}

export interface RefundOutResult {
  key: string;
  driverId: string;
  amountFen: number;
  transferId: string;
  batch: number | null;
  wallet: WalletBalances;
}

/** Takes money out of a wallet to be paid back to the driver: it waits in refunds payable until paid. */
export function refundFromWallet(
  app: LedgerApp,
  input: { key: string; driverId: string; amountFen: number; orderId?: string | null; memo?: string | null },
  by: By = {},
): Replayable<RefundOutResult> {
  const amount = positive(input.amountFen, 'amount');
  const memo = memoOf(input.memo);
  const request = { driverId: input.driverId, amountFen: amount, orderId: input.orderId ?? null, memo };
  return runOperation(app, { key: input.key, kind: 'refund_from_wallet', request, operatorId: by.operatorId }, (cx) => {
    requireDriver(app, input.driverId);
    applyTransfers(cx.batch, [
      {
        id: cx.key,
        debitAccountId: driverAccountId(input.driverId, 'wallet'),
        creditAccountId: DEPOT.refundsPayable,
        amount,
        code: 'refund',
        orderId: request.orderId,
        memo,
      },
    ]);
    return { key: cx.key, driverId: input.driverId, amountFen: amount, transferId: cx.key, batch: cx.batch.number, wallet: walletOf(cx, input.driverId) };
  });
}

/** Records that a refund left the depot (cash handed over, or the gateway paid it). Once per refund. */
export function payRefund(
  app: LedgerApp,
  input: { refundKey: string; channel: Channel; statementRow?: string | null },
  by: By = {},
): Replayable<{ key: string; refundKey: string; amountFen: number; channel: Channel; batch: number | null }> {
  const key = `refund_paid:${input.refundKey}`;
  const request = { refundKey: input.refundKey, channel: input.channel, statementRow: input.statementRow ?? null };
  return runOperation(app, { key, kind: 'refund_paid', request, operatorId: by.operatorId }, (cx) => {
    const refund = statements(cx.batch.sqlite).transferById.get(input.refundKey);
    if (!refund || refund.code !== 'refund' || refund.creditAccountId !== DEPOT.refundsPayable) {
      throw new DepotError('not_found', `refundKey: no refund ${input.refundKey} waiting to be paid`, { field: 'refundKey' });
    }
    if (!(input.channel in CHANNEL_ACCOUNT)) throw new DepotError('invalid_input', `channel: unknown channel ${JSON.stringify(input.channel)}`, { field: 'channel' });
    applyTransfers(cx.batch, [
      {
        id: cx.key,
        debitAccountId: DEPOT.refundsPayable,
        creditAccountId: CHANNEL_ACCOUNT[input.channel],
        amount: refund.amount,
        code: 'refund_paid',
        orderId: refund.orderId,
        statementRow: request.statementRow,
      },
    ]);
    return { key: cx.key, refundKey: input.refundKey, amountFen: refund.amount, channel: input.channel, batch: cx.batch.number };
  });
}

// --- coupons -------------------------------------------------------------------------------------------

export interface CouponGrantResult {
  key: string;
  couponId: string;
  driverId: string;
  faceFen: number;
  expiresAt: number | null;
  batch: number | null;
}

/** An amount coupon (金额券) worth `amountFen`, spent down across sessions until nothing is left. */
export function grantCoupon(
  app: LedgerApp,
  input: { key: string; driverId: string; amountFen: number; expiresAt?: number | null; campaignId?: string | null; memo?: string | null },
  by: By = {},
): Replayable<CouponGrantResult> {
  const amount = positive(input.amountFen, 'amount');
  const memo = memoOf(input.memo);
  const expiresAt = input.expiresAt ?? null;
  if (expiresAt !== null && !Number.isSafeInteger(expiresAt)) throw new DepotError('invalid_input', 'expiresAt: a time in epoch ms', { field: 'expiresAt' });
  const request = { driverId: input.driverId, amountFen: amount, expiresAt, campaignId: input.campaignId ?? null, memo };
  return runOperation(app, { key: input.key, kind: 'coupon_grant', request, operatorId: by.operatorId }, (cx) => {
    // Checked inside the operation: a replay after the expiry still returns the original grant.
    if (expiresAt !== null && expiresAt <= cx.now) throw new DepotError('invalid_input', 'expiresAt: a coupon expires in the future', { field: 'expiresAt' });
    requireDriver(app, input.driverId);
    const couponId = app.ids.next();
    const accountId = openCouponAccount(cx.batch.sqlite, couponId, input.driverId, cx.now);
    cx.batch.sqlite
      .prepare(
        'INSERT INTO ledger_coupons (id, driver_id, account_id, face, expires_at, campaign_id, grant_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(couponId, input.driverId, accountId, amount, expiresAt, request.campaignId, cx.key, cx.now);
    applyTransfers(cx.batch, [
      { id: cx.key, debitAccountId: DEPOT.couponExpense, creditAccountId: accountId, amount, code: 'coupon_grant', campaignId: request.campaignId, memo },
    ]);
    return { key: cx.key, couponId, driverId: input.driverId, faceFen: amount, expiresAt, batch: cx.batch.number };
  });
}

function couponRow(cx: OperationContext, couponId: string) {
  const c = cx.batch.sqlite
    .prepare('SELECT id, driver_id AS driverId, account_id AS accountId, face, expires_at AS expiresAt FROM ledger_coupons WHERE id = ?')
    .get(couponId) as { id: string; driverId: string; accountId: string; face: number; expiresAt: number | null } | undefined;
  if (!c) throw new DepotError('not_found', `couponId: no coupon ${couponId}`, { field: 'couponId' });
  return c;
}

const REDEEM_TARGETS = new Set<string>(DEPOT_ACCOUNT_IDS.filter((a) => a !== DEPOT.pointsPool));

export interface RedeemResult {
  key: string;
  transferId: string;
  amountFen: number;
  batch: number | null;
  remainingFen: number;
}

/** Spends part of a coupon towards a payment order; the value goes to `creditAccountId` (a depot account). */
export function redeemCoupon(
  app: LedgerApp,
  input: { key: string; couponId: string; amountFen: number; creditAccountId: string; orderId?: string | null; sessionId?: string | null; memo?: string | null },
  by: By = {},
): Replayable<RedeemResult> {
  const amount = positive(input.amountFen, 'amount');
  if (!REDEEM_TARGETS.has(input.creditAccountId)) {
    throw new DepotError('invalid_input', `creditAccountId: a coupon pays into a depot account (got ${input.creditAccountId})`, { field: 'creditAccountId' });
  }
  const memo = memoOf(input.memo);
  const request = { couponId: input.couponId, amountFen: amount, creditAccountId: input.creditAccountId, orderId: input.orderId ?? null, sessionId: input.sessionId ?? null, memo };
  return runOperation(app, { key: input.key, kind: 'coupon_redeem', request, operatorId: by.operatorId }, (cx) => {
    const c = couponRow(cx, input.couponId);
    if (c.expiresAt !== null && cx.now >= c.expiresAt) {
      throw new DepotError('refused', `couponId: coupon ${c.id} expired at ${new Date(c.expiresAt).toISOString()}`, { field: 'couponId' });
    }
    applyTransfers(cx.batch, [
      { id: cx.key, debitAccountId: c.accountId, creditAccountId: input.creditAccountId, amount, code: 'coupon_redeem', orderId: request.orderId, sessionId: request.sessionId, memo },
    ]);
    return { key: cx.key, transferId: cx.key, amountFen: amount, batch: cx.batch.number, remainingFen: creditBalance(cx.batch.account(c.accountId)).available };
  });
}

/** Gives back to a coupon what a redeem took (a payment order that was cancelled or timed out). */
export function restoreCoupon(
  app: LedgerApp,
  input: { key: string; redeemId: string; amountFen?: number; memo?: string | null },
  by: By = {},
): Replayable<RedeemResult> {
  if (input.amountFen !== undefined) positive(input.amountFen, 'amount');
  const memo = memoOf(input.memo);
  const request = { redeemId: input.redeemId, amountFen: input.amountFen ?? null, memo };
  return runOperation(app, { key: input.key, kind: 'coupon_restore', request, operatorId: by.operatorId }, (cx) => {
    const s = statements(cx.batch.sqlite);
    const redeem = s.transferById.get(input.redeemId);
    if (!redeem || redeem.code !== 'coupon_redeem') throw new DepotError('not_found', `redeemId: no coupon redeem ${input.redeemId}`, { field: 'redeemId' });
    const left = redeem.amount - (s.reversedSum.get(redeem.id)?.total ?? 0);
    const amount = input.amountFen ?? left;
    if (amount <= 0) throw new DepotError('conflict', `redeemId: ${redeem.id} was already restored in full`, { field: 'redeemId' });
    applyTransfers(cx.batch, [
      {
        id: cx.key,
        debitAccountId: redeem.creditAccountId,
        creditAccountId: redeem.debitAccountId,
        amount,
        code: 'coupon_restore',
        reversesId: redeem.id,
        orderId: redeem.orderId,
        sessionId: redeem.sessionId,
        memo,
      },
    ]);
    return { key: cx.key, transferId: cx.key, amountFen: amount, batch: cx.batch.number, remainingFen: creditBalance(cx.batch.account(redeem.debitAccountId)).available };
  });
}

/** Returns what is left on an expired coupon to coupon expense (its grant is partly undone). */
export function expireCoupon(app: LedgerApp, input: { couponId: string }, by: By = {}): Replayable<RedeemResult> {
  return runOperation(app, { key: `coupon_expire:${input.couponId}`, kind: 'coupon_expire', request: { couponId: input.couponId }, operatorId: by.operatorId }, (cx) => {
    const c = couponRow(cx, input.couponId);
    if (c.expiresAt === null || cx.now < c.expiresAt) {
      throw new DepotError('refused', `couponId: coupon ${c.id} has not expired`, { field: 'couponId', expiresAt: c.expiresAt });
    }
    const left = creditBalance(cx.batch.account(c.accountId)).available;
    if (left > 0) {
      applyTransfers(cx.batch, [{ id: cx.key, debitAccountId: c.accountId, creditAccountId: DEPOT.couponExpense, amount: left, code: 'coupon_expire' }]);
    }
    return { key: cx.key, transferId: cx.key, amountFen: left, batch: cx.batch.number, remainingFen: 0 };
  });
}

// --- points --------------------------------------------------------------------------------------------

export interface PointsResult {
  key: string;
  driverId: string;
  points: number;
  transferId: string;
  batch: number | null;
  balance: number;
}

function positivePoints(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0 || value > 1_000_000_000) {
    throw new DepotError('invalid_input', `points: a whole number of points from 1 to 1000000000 (got ${JSON.stringify(value)})`, { field: 'points' });
  }
  return value;
}

function pointsBalance(cx: OperationContext, driverId: string): number {
  return creditBalance(cx.batch.account(driverAccountId(driverId, 'points'))).available;
}

/** Points (积分) are their own unit: they never mix with money in a transfer. */
export function grantPoints(
  app: LedgerApp,
  input: { key: string; driverId: string; points: number; campaignId?: string | null; sessionId?: string | null; memo?: string | null },
  by: By = {},
): Replayable<PointsResult> {
  const points = positivePoints(input.points);
  const memo = memoOf(input.memo);
  const request = { driverId: input.driverId, points, campaignId: input.campaignId ?? null, sessionId: input.sessionId ?? null, memo };
  return runOperation(app, { key: input.key, kind: 'points_grant', request, operatorId: by.operatorId }, (cx) => {
    requireDriver(app, input.driverId);
    applyTransfers(cx.batch, [
      {
        id: cx.key,
        debitAccountId: DEPOT.pointsPool,
        creditAccountId: driverAccountId(input.driverId, 'points'),
        amount: points,
        code: 'points_grant',
        campaignId: request.campaignId,
        sessionId: request.sessionId,
        memo,
      },
    ]);
    return { key: cx.key, driverId: input.driverId, points, transferId: cx.key, batch: cx.batch.number, balance: pointsBalance(cx, input.driverId) };
  });
}

export function redeemPoints(
  app: LedgerApp,
  input: { key: string; driverId: string; points: number; orderId?: string | null; sessionId?: string | null; memo?: string | null },
  by: By = {},
): Replayable<PointsResult> {
  const points = positivePoints(input.points);
  const memo = memoOf(input.memo);
  const request = { driverId: input.driverId, points, orderId: input.orderId ?? null, sessionId: input.sessionId ?? null, memo };
  return runOperation(app, { key: input.key, kind: 'points_redeem', request, operatorId: by.operatorId }, (cx) => {
    requireDriver(app, input.driverId);
    applyTransfers(cx.batch, [
      {
        id: cx.key,
        debitAccountId: driverAccountId(input.driverId, 'points'),
        creditAccountId: DEPOT.pointsPool,
        amount: points,
        code: 'points_redeem',
        orderId: request.orderId,
        sessionId: request.sessionId,
        memo,
      },
    ]);
    return { key: cx.key, driverId: input.driverId, points, transferId: cx.key, batch: cx.batch.number, balance: pointsBalance(cx, input.driverId) };
  });
}

export function restorePoints(
  app: LedgerApp,
  input: { key: string; redeemId: string; points?: number; memo?: string | null },
  by: By = {},
): Replayable<PointsResult> {
  if (input.points !== undefined) positivePoints(input.points);
  const memo = memoOf(input.memo);
  const request = { redeemId: input.redeemId, points: input.points ?? null, memo };
  return runOperation(app, { key: input.key, kind: 'points_restore', request, operatorId: by.operatorId }, (cx) => {
    const s = statements(cx.batch.sqlite);
    const redeem = s.transferById.get(input.redeemId);
    if (!redeem || redeem.code !== 'points_redeem') throw new DepotError('not_found', `redeemId: no points redeem ${input.redeemId}`, { field: 'redeemId' });
    const left = redeem.amount - (s.reversedSum.get(redeem.id)?.total ?? 0);
    const points = input.points ?? left;
    if (points <= 0) throw new DepotError('conflict', `redeemId: ${redeem.id} was already restored in full`, { field: 'redeemId' });
    applyTransfers(cx.batch, [
      {
        id: cx.key,
        debitAccountId: redeem.creditAccountId,
        creditAccountId: redeem.debitAccountId,
        amount: points,
        code: 'points_restore',
        reversesId: redeem.id,
        orderId: redeem.orderId,
        sessionId: redeem.sessionId,
        memo,
      },
    ]);
    const driverId = cx.batch.account(redeem.debitAccountId).driverId!;
    return { key: cx.key, driverId, points, transferId: cx.key, batch: cx.batch.number, balance: pointsBalance(cx, driverId) };
  });
}

// --- corrections ---------------------------------------------------------------------------------------

/** Codes with their own way back; a correction would leave their side records (debts, holds, coupons) wrong. */
/** Transfers a compensation campaign makes. */
const CAMPAIGN_CODES: ReadonlySet<TransferCode> = new Set(['compensation', 'coupon_grant', 'points_grant']);

const NOT_CORRECTABLE: Partial<Record<TransferCode, string>> = {
  hold: 'void the hold',
  hold_post: 'refund the session to the wallet (refundToWallet)',
  hold_void: 'place a new hold',
  hold_expire: 'place a new hold',
  debt: 'write the debt off',
  debt_collect: 'refund to the wallet',
  debt_write_off: 'book a new debt',
  coupon_redeem: 'restore the coupon',
  coupon_restore: 'redeem the coupon again',
  coupon_expire: 'grant a new coupon',
  points_redeem: 'restore the points',
  points_restore: 'redeem the points again',
  correction: 'make a new transfer',
};

export interface CorrectionResult {
  key: string;
  transferId: string;
  correctsId: string;
  amountFen: number;
  batch: number | null;
}

/**
 * Undoes all or part of a posted transfer with a correcting transfer between the same two
 * accounts in the other direction, referencing the original. The original is never touched, and
 * the balance flags still hold: a top-up the driver already spent cannot be taken back.
 */
export function correctTransfer(
  app: LedgerApp,
  input: { key: string; transferId: string; amountFen?: number; memo: string; reversalCampaignId?: string },
  by: By = {},
): Replayable<CorrectionResult> {
  const memo = memoOf(input.memo);
  if (!memo) throw new DepotError('invalid_input', 'memo: say what the correction is for', { field: 'memo' });
  if (input.amountFen !== undefined) positive(input.amountFen, 'amount');
  const request = { transferId: input.transferId, amountFen: input.amountFen ?? null, memo, reversalCampaignId: input.reversalCampaignId };
  return runOperation(app, { key: input.key, kind: 'correction', request, operatorId: by.operatorId }, (cx) => {
    const s = statements(cx.batch.sqlite);
    const original = s.transferById.get(input.transferId);
    if (!original) throw new DepotError('not_found', `transferId: no transfer ${input.transferId}`, { field: 'transferId' });
    const instead = NOT_CORRECTABLE[original.code];
    if (instead) throw new DepotError('refused', `transferId: a ${original.code} transfer is not corrected directly; ${instead} instead`, { field: 'transferId', code: original.code });
    // A campaign's credits were approved by a second supervisor; taking one back needs the same.
    if (original.campaignId && CAMPAIGN_CODES.has(original.code) && !input.reversalCampaignId) {
      throw new DepotError('refused', `transferId: ${original.id} is a credit of campaign ${original.campaignId}; it is taken back only by an approved reversal campaign`, {
        field: 'transferId',
        campaignId: original.campaignId,
      });
    }
    for (const accountId of [original.debitAccountId, original.creditAccountId]) {
      const type = cx.batch.account(accountId).type;
      if (type === 'held' || type === 'debt') {
        throw new DepotError('refused', `transferId: ${original.id} moves ${type} money; its hold or debt records would disagree with a correction`, { field: 'transferId' });
      }
    }
    const left = original.amount - (s.reversedSum.get(original.id)?.total ?? 0);
    const amount = input.amountFen ?? left;
    if (amount <= 0) throw new DepotError('conflict', `transferId: ${original.id} was already corrected in full`, { field: 'transferId' });
    applyTransfers(cx.batch, [
      {
        id: cx.key,
        debitAccountId: original.creditAccountId,
        creditAccountId: original.debitAccountId,
        amount,
        code: 'correction',
        reversesId: original.id,
        sessionId: original.sessionId,
        orderId: original.orderId,
        campaignId: input.reversalCampaignId ?? original.campaignId,
        memo,
      },
    ]);
    return { key: cx.key, transferId: cx.key, correctsId: original.id, amountFen: amount, batch: cx.batch.number };
  });
}

