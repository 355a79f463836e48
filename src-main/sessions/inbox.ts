import type { AppContext } from '../kernel/context';
import { DepotError } from '../kernel/errors';
import {
  decodePayload,
  flagParkedRecords,
  getCharger,
  hasParkedRecords,
  markRecordApplied,
  parkedRecords,
  parkRecord,
  parseFrame,
  pendingRecords,
  recordsNeedingAttention,
  type AuthorizeContext,
  type ChargerHooks,
  type IdTagInfo,
  type ParkedKey,
  type TransactionRecord,
} from '../chargers';
import type { Sqlite } from '../kernel/db/connection';
import { writeTx } from '../kernel/db/connection';
import { raiseAlert } from '../alerts';
import { driverBlock, findDriverByIdTag, hasOpenDebt } from '../ledger';
import { Decimal } from '../money';
import { ACTIVE_STATES, addTimeline, transition } from './machine';
import { addSample, announce, findSession, type SessionRow } from './store';
import { settleSession } from './settle';
import { applyStopAfterForceClose, hasApprovedForceClose } from './force-close';
import { cachedStatement } from '../kernel/db/statements';
import { getRow } from '../kernel/db/rows';

/**
 * Consuming the chargers' transaction inbox (charger_transactions): StartTransaction,
 * MeterValues and StopTransaction records, each applied to its session once.
 *
 * Guarantees:
 * - Each record is applied at most once: applying it and marking it processed commit together.
 *   Duplicates never reach here twice (the inbox stores one row per identity), so a repeated
 *   StopTransaction changes nothing; a record replayed after its inbox row was pruned finds its
 *   session already started, finished or holding the reading, and changes nothing either.
 * - Nothing waits behind anything. A record that cannot be applied yet (a MeterValues or
 *   StopTransaction whose StartTransaction has not been applied: offline replay out of order, or
 *   a transaction id nobody started) is parked with its reason and the time it was first parked,
 *   and the consumer moves on: new records are read by id past the parked ones, so 2,000 orphans
 *   cost 2,000 parkings once, never a delay to the records behind them. A record whose applying
 *   throws is parked the same way (reason "error: …"), its changes rolled back alone.
 * - A parked record is applied as soon as it can be: when its transaction's start is applied (in
 *   the same pass), and by the minute job (sessions.consumeInbox), which also retries failed ones.
 *   A record parked longer than chargers.parkedAttentionMs raises an alert and waits in the queue
 *   of charger records needing attention, where a supervisor attaches it to a session or discards
 *   it with a reason (parked.ts).
 * - Records are applied in batches, one write transaction per batch (chargers.inboxBatchSize),
 *   each record in its own savepoint; the sessions a batch finishes are settled in the same
 *   transaction, each in its own savepoint (a settlement that fails is left to the sweeper).
 * - A StartTransaction is matched to the session DepotDesk started on that charger, connector and
 *   id tag (PLACED or STARTING). Failing that, to a session on the same charger, connector and id
 *   tag that failed or was cancelled within sessions.lateStartWindowMs: it is reopened, charged
 *   normally and flagged for review (late_start). Failing that, it is a session started at the
 *   charger: created for the driver who owns the id tag; an id tag nobody owns still gets a
 *   session (the energy was delivered), without a driver, held for review (unknown_id_tag).
 * - Readings keep the charger's time and our receipt time; prices use the charger's time.
 * - A StopTransaction finishes the session and settles it at once (settle.ts).
 */

/** An inbox record, as the chargers domain stores it. */
export type RecordRow = TransactionRecord;

export type Outcome = { done: true; note?: string; settle?: string } | { done: false; wait: string };

function statements(sqlite: Sqlite) {
  return {
    sessionByTransaction: sqlite.prepare('SELECT id FROM charging_sessions WHERE charger_id = ? AND transaction_id = ?'),
  };
}
type Statements = ReturnType<typeof statements>;
const statementCache = new WeakMap<Sqlite, Statements>();
function stmts(sqlite: Sqlite): Statements {
  let st = statementCache.get(sqlite);
  if (!st) {
    st = statements(sqlite);
    statementCache.set(sqlite, st);
  }
  return st;
}

/** The record's OCPP payload: from its message (the frame as the charger sent it), or the copy older rows kept. */
export function recordPayload(r: RecordRow): Record<string, unknown> {
  if (r.legacyPayload !== null) return JSON.parse(r.legacyPayload) as Record<string, unknown>;
  if (r.message === null) throw new DepotError('internal', `inbox record ${r.id} has neither a payload nor a message (was its message pruned?)`, { recordId: r.id });
  const parsed = parseFrame(decodePayload(r.message));
  if (!parsed.ok || parsed.frame.type !== 2) throw new DepotError('internal', `inbox record ${r.id}: its message is not a readable CALL`, { recordId: r.id });
  return parsed.frame.payload;
}

interface SampledValue {
  value?: unknown;
  measurand?: unknown;
  unit?: unknown;
  phase?: unknown;
}

/** Every Energy.Active.Import.Register reading (no phase) of a meterValue list, in whole Wh. */
export function energyReadings(meterValue: unknown): { at: number; wh: number }[] {
  const out: { at: number; wh: number }[] = [];
  if (!Array.isArray(meterValue)) return out;
  for (const mv of meterValue as { timestamp?: unknown; sampledValue?: unknown }[]) {
    const at = typeof mv?.timestamp === 'string' ? Date.parse(mv.timestamp) : NaN;
    if (!Number.isFinite(at) || !Array.isArray(mv.sampledValue)) continue;
    for (const sv of mv.sampledValue as SampledValue[]) {
      // A sample without a measurand is, per OCPP 1.6, the energy register.
      if ((sv.measurand ?? 'Energy.Active.Import.Register') !== 'Energy.Active.Import.Register' || sv.phase) continue;
      if (typeof sv.value !== 'string') continue;
      let d: Decimal;
      try {
        d = new Decimal(sv.value.trim());
      } catch {
        continue;
      }
      if (!d.isFinite() || d.isNegative()) continue;
      const wh = (sv.unit === 'kWh' ? d.times(1000) : d).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber();
      out.push({ at, wh });
    }
  }
  return out;
}

function sessionByTransaction(app: AppContext, chargerId: string, transactionId: number): SessionRow | null {
  const row = getRow<{ id: string }>(stmts(app.sqlite).sessionByTransaction, chargerId, transactionId);
  return row ? findSession(app, row.id) : null;
}

function applyStart(app: AppContext, r: RecordRow): Outcome {
  const p = recordPayload(r) as { connectorId: number; idTag: string; meterStart: number; timestamp: string };
  if (r.transactionId === null) throw new DepotError('invalid_input', `record ${r.id}: a StartTransaction without a transaction id`);
  if (sessionByTransaction(app, r.chargerId, r.transactionId)) return { done: true, note: 'already applied' };
  const tag = p.idTag.trim().toUpperCase();
  const set = { transaction_id: r.transactionId, meter_start_wh: p.meterStart, started_at: r.chargerAt, start_received_at: r.receivedAt };
  const sample = { chargerAt: r.chargerAt, receivedAt: r.receivedAt, wh: p.meterStart, source: 'start', recordId: r.id };
  const detail = `StartTransaction: transaction ${r.transactionId}, meter ${p.meterStart} Wh, id tag ${p.idTag}`;
  const started = { transactionId: r.transactionId, meterStartWh: p.meterStart, idTag: p.idTag };

  const waiting = cachedStatement<{ id: string; state: 'PLACED' | 'STARTING' }>(
    app.sqlite,
    `SELECT id, state FROM charging_sessions WHERE charger_id = ? AND connector_id = ? AND upper(id_tag) = ? AND state IN ('PLACED', 'STARTING')
     AND transaction_id IS NULL ORDER BY created_at DESC LIMIT 1`,
  ).get(r.chargerId, p.connectorId, tag);
  if (waiting) {
    transition(app, { sessionId: waiting.id, from: waiting.state, event: 'start_transaction', params: started, chargerAt: r.chargerAt, recordId: r.id, detail, set });
    addSample(app, waiting.id, sample);
    announce(app, waiting.id);
    return { done: true };
  }

  const late = cachedStatement<{ id: string; state: 'FAILED' | 'CANCELLED' }>(
    app.sqlite,
    `SELECT id, state FROM charging_sessions WHERE charger_id = ? AND connector_id = ? AND upper(id_tag) = ? AND state IN ('FAILED', 'CANCELLED')
     AND transaction_id IS NULL AND created_at >= ? ORDER BY created_at DESC LIMIT 1`,
  ).get(r.chargerId, p.connectorId, tag, r.receivedAt - app.config.sessions.lateStartWindowMs);
  if (late) {
    transition(app, {
      sessionId: late.id,
      from: late.state,
      event: 'late_start',
      params: { ...started, previousState: late.state },
      chargerAt: r.chargerAt,
      recordId: r.id,
      detail: `${detail}; arrived after the session was ${late.state}: reopened, charged from the wallet, flagged for review`,
      set: { ...set, review_reason: 'late_start', review_state: 'pending' },
    });
    addSample(app, late.id, sample);
    announce(app, late.id);
    app.log.warn({ sessionId: late.id, chargerId: r.chargerId, transactionId: r.transactionId }, 'StartTransaction after the start failed: session reopened and flagged');
    return { done: true };
  }

  const driver = findDriverByIdTag(app, p.idTag);
  const charger = getCharger(app, r.chargerId);
  const id = app.ids.next();
  const now = app.clock.now();
  cachedStatement(
    app.sqlite,
    `INSERT INTO charging_sessions (id, state, origin, charger_id, connector_id, station_id, driver_id, id_tag, prepay_fen, transaction_id,
       meter_start_wh, started_at, start_received_at, review_reason, review_state, created_at, updated_at)
     VALUES (?, 'CHARGING', 'charger', ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    id,
    r.chargerId,
    p.connectorId,
    charger?.stationId ?? null,
    driver?.id ?? null,
    p.idTag,
    r.transactionId,
    p.meterStart,
    r.chargerAt,
    r.receivedAt,
    driver ? null : 'unknown_id_tag',
    driver ? null : 'pending',
    now,
    now,
  );
  addTimeline(app, id, {
    kind: 'charger_start',
    params: { ...started, driverName: driver?.name ?? null },
    toState: 'CHARGING',
    chargerAt: r.chargerAt,
    recordId: r.id,
    detail: driver ? `${detail}; started at the charger by ${driver.name}'s id tag` : `${detail}; started at the charger with an id tag no driver owns: held for review`,
  });
  flagBlacklisted(app, id, driver, r);
  addSample(app, id, sample);
  announce(app, id);
  return { done: true };
}

/**
 * A charge by a blacklisted driver that happened anyway (a charger's own start, often replayed
 * after an outage) is settled as any other and flagged, so the operator sees who charged.
 */
function flagBlacklisted(app: AppContext, sessionId: string, driver: { id: string; name: string } | null | undefined, r: RecordRow): void {
  const block = driver ? driverBlock(app, driver.id) : null;
  if (!block || !driver) return;
  addTimeline(app, sessionId, {
    kind: 'blacklisted_driver',
    params: { driverName: driver.name, blacklistReason: block.reason },
    chargerAt: r.chargerAt,
    recordId: r.id,
    detail: `${driver.name} is blacklisted (${block.reason}); charged at the charger`,
  });
}

function applyMeter(app: AppContext, r: RecordRow): Outcome {
  const p = recordPayload(r) as { connectorId: number; transactionId?: number; meterValue: unknown };
  let s: SessionRow | null = null;
  if (r.transactionId !== null) {
    s = sessionByTransaction(app, r.chargerId, r.transactionId);
    if (!s) return { done: false, wait: `waiting for the StartTransaction of transaction ${r.transactionId}` };
  } else {
    const row = cachedStatement<{ id: string }>(
      app.sqlite,
      `SELECT id FROM charging_sessions WHERE charger_id = ? AND connector_id = ? AND state IN ('CHARGING', 'STOPPING') ORDER BY created_at DESC LIMIT 1`,
    ).get(r.chargerId, p.connectorId);
    // Readings outside any transaction (an idle connector's register) price nothing.
    if (!row) return { done: true, note: 'no transaction: not a session reading' };
    s = findSession(app, row.id)!;
  }
  return addMeterReadings(app, s, r, p.meterValue);
}

/** Adds a MeterValues record's energy readings to a session (the consumer's, or an operator's attach). */
export function addMeterReadings(app: AppContext, s: SessionRow, r: RecordRow, meterValue: unknown): Outcome {
  let added = 0;
  for (const reading of energyReadings(meterValue)) {
    if (addSample(app, s.id, { chargerAt: reading.at, receivedAt: r.receivedAt, wh: reading.wh, source: 'meter', recordId: r.id })) added += 1;
  }
  if (added > 0 && (s.state === 'PAID' || s.state === 'UNPAID')) {
    addTimeline(app, s.id, {
      kind: 'late_meter',
      params: { readings: added },
      chargerAt: r.chargerAt,
      recordId: r.id,
      detail: `${added} reading(s) arrived after settlement; kept, the settled amount is unchanged`,
    });
  }
  return { done: true, note: added === 0 ? 'readings already recorded' : undefined };
}

function applyStop(app: AppContext, r: RecordRow): Outcome {
  const p = recordPayload(r) as unknown as StopPayload;
  const s = sessionByTransaction(app, r.chargerId, p.transactionId);
  if (!s) return { done: false, wait: `waiting for the StartTransaction of transaction ${p.transactionId}` };
  return finishWithStop(app, s, r, p);
}

export interface StopPayload {
  transactionId: number;
  meterStop: number;
  timestamp: string;
  reason?: string;
  transactionData?: unknown;
}

/** Applies a StopTransaction record to its session (the consumer's, or an operator's attach). */
export function finishWithStop(app: AppContext, s: SessionRow, r: RecordRow, p: StopPayload): Outcome {
  if (hasApprovedForceClose(app, s.id))
    return applyStopAfterForceClose(app, s, {
      recordId: r.id,
      meterStopWh: p.meterStop,
      chargerAt: r.chargerAt,
      receivedAt: r.receivedAt,
      reason: p.reason ?? 'Local',
      readings: energyReadings(p.transactionData),
    });
  if (s.state === 'FINISHED' || s.state === 'PAID' || s.state === 'UNPAID') {
    // Replayed after its inbox row was pruned: the session already has its stop.
    return { done: true, note: `session ${s.id} is already ${s.state}` };
  }
  for (const reading of energyReadings(p.transactionData)) {
    addSample(app, s.id, { chargerAt: reading.at, receivedAt: r.receivedAt, wh: reading.wh, source: 'transactionData', recordId: r.id });
  }
  addSample(app, s.id, { chargerAt: r.chargerAt, receivedAt: r.receivedAt, wh: p.meterStop, source: 'stop', recordId: r.id });
  const energy = s.meterStartWh === null ? null : p.meterStop - s.meterStartWh;
  transition(app, {
    sessionId: s.id,
    from: s.state,
    event: 'stop_transaction',
    params: { meterStopWh: p.meterStop, energyWh: energy, stopReason: p.reason ?? 'Local' },
    chargerAt: r.chargerAt,
    recordId: r.id,
    detail: `StopTransaction: meter ${p.meterStop} Wh${energy === null ? '' : `, ${energy} Wh delivered`}, reason ${p.reason ?? 'Local'}${energy === 0 ? ' (no energy: nothing to charge)' : ''}`,
    set: { meter_stop_wh: p.meterStop, stopped_at: r.chargerAt, stop_received_at: r.receivedAt, stop_reason: p.reason ?? 'Local', energy_wh: energy },
  });
  announce(app, s.id);
  return { done: true, settle: s.id };
}

function applyRecord(app: AppContext, r: RecordRow): Outcome {
  switch (r.kind) {
    case 'start':
      return applyStart(app, r);
    case 'meter':
      return applyMeter(app, r);
    case 'stop':
      return applyStop(app, r);
  }
}

export interface ConsumeResult {
  /** Records applied in this call. */
  applied: number;
  /** Records parked in this call (waiting for their start, or failed). */
  parked: number;
  /** Of those, records whose applying threw. */
  failed: number;
  /** Sessions settled in this call. */
  settled: number;
  /** Parked records newly past chargers.parkedAttentionMs (only with retryParked). */
  needAttention: number;
}

export interface ConsumeOptions {
  /** Records per write transaction (default chargers.inboxBatchSize). */
  batchSize?: number;
  /** Also retry every parked record that failed, and raise the attention alert (the minute job). */
  retryParked?: boolean;
}

// One savepoint runner per connection, built once: building a transaction function per record
// showed in the catch-up's profiles. Inside the batch's transaction it runs fn in a savepoint.
const savepointRunners = new WeakMap<Sqlite, <T>(fn: () => T) => T>();
function inSavepoint<T>(sqlite: Sqlite, fn: () => T): T {
  let run = savepointRunners.get(sqlite);
  if (!run) {
    run = sqlite.transaction(<U>(f: () => U): U => f()) as <U>(f: () => U) => U;
    savepointRunners.set(sqlite, run);
  }
  return run(fn);
}

/** Applies one record in its own savepoint: a record that throws rolls back alone and is parked. */
function applyInSavepoint(app: AppContext, r: RecordRow): Outcome | { done: false; error: string } {
  try {
    return inSavepoint(app.sqlite, () => applyRecord(app, r));
  } catch (e) {
    const message = (e as Error).message;
    app.log.error({ err: e, recordId: r.id, chargerId: r.chargerId, kind: r.kind }, `applying charger transaction record ${r.id} failed; parked`);
    return { done: false, error: `error: ${message}`.slice(0, 1000) };
  }
}

/** Settles a session the batch finished, in its own savepoint; a failure is the sweeper's to retry. */
function settleInSavepoint(app: AppContext, sessionId: string): boolean {
  try {
    const s = inSavepoint(app.sqlite, () => settleSession(app, sessionId));
    return s.state === 'PAID' || s.state === 'UNPAID';
  } catch (e) {
    app.log.error({ err: e, sessionId }, 'settling a finished session failed; the settlement sweep will try again');
    return false;
  }
}

/**
 * One batch in one write transaction: reads up to `limit` records past `cursor` (inside the
 * transaction, so no other consumer can apply them in between), applies or parks each, settles
 * what finished. Returns the last id read (the next cursor) and whether a start was applied for a
 * transaction that has parked records.
 */
function consumeBatch(app: AppContext, read: (cursor: number, limit: number) => RecordRow[], cursor: number, limit: number, out: ConsumeResult) {
  return writeTx(app.sqlite, () => {
    const rows = read(cursor, limit);
    const toSettle: string[] = [];
    let unblocked = false;
    const now = app.clock.now();
    for (const r of rows) {
      const o = applyInSavepoint(app, r);
      if (o.done) {
        expectOne(markRecordApplied(app, r.id, now, o.note ?? null), r.id);
        out.applied += 1;
        if (o.settle) toSettle.push(o.settle);
        if (r.kind === 'start' && r.transactionId !== null && hasParkedRecords(app, r.chargerId, r.transactionId)) unblocked = true;
      } else {
        const reason = 'wait' in o ? o.wait : o.error;
        expectOne(parkRecord(app, r.id, now, reason), r.id);
        out.parked += 1;
        if ('error' in o) out.failed += 1;
      }
    }
    for (const id of toSettle) if (settleInSavepoint(app, id)) out.settled += 1;
    return { read: rows.length, cursor: rows.length > 0 ? rows[rows.length - 1].id : cursor, unblocked };
  });
}

function expectOne(changes: number, recordId: number): void {
  // The batch read the record inside this transaction, so it cannot have been applied since.
  if (changes !== 1) throw new DepotError('guard_failed', `inbox record ${recordId} changed under the consumer`, { recordId });
}

/**
 * Applies every new inbox record, oldest first, in batches; then the parked records that can now
 * be applied (their start arrived), and with retryParked the failed ones too, and raises the
 * attention alert for records parked too long.
 */
export function consumeInbox(app: AppContext, opts: ConsumeOptions = {}): ConsumeResult {
  const out: ConsumeResult = { applied: 0, parked: 0, failed: 0, settled: 0, needAttention: 0 };
  const limit = opts.batchSize ?? app.config.chargers.inboxBatchSize;
  let retry = opts.retryParked === true;
  const fresh = (cursor: number, n: number) => pendingRecords(app, cursor, n);
  // Parked records whose transaction now has a session (or, on the minute job, that failed):
  // read in id order past a cursor, so one pass never meets the same record twice.
  const sessions = stmts(app.sqlite).sessionByTransaction;
  const worthRetrying = (k: ParkedKey) =>
    (k.transactionId !== null && sessions.get(k.chargerId, k.transactionId) !== undefined) || (opts.retryParked === true && /^error:/i.test(k.processError ?? ''));
  const retryable = (cursor: number, n: number) => parkedRecords(app, cursor, n, worthRetrying);
  for (let cursor = 0; ;) {
    const b = consumeBatch(app, fresh, cursor, limit, out);
    cursor = b.cursor;
    retry ||= b.unblocked;
    if (b.read < limit) break;
  }
  if (retry) {
    for (let cursor = 0; ;) {
      const b = consumeBatch(app, retryable, cursor, limit, out);
      cursor = b.cursor;
      if (b.read < limit) break;
    }
  }
  if (opts.retryParked) out.needAttention = flagParkedForAttention(app);
  return out;
}

/**
 * Marks the records parked longer than chargers.parkedAttentionMs as needing attention and raises
 * one alert for them (the alert counts repeats while it is open). Returns how many were newly marked.
 */
function flagParkedForAttention(app: AppContext): number {
  const now = app.clock.now();
  return writeTx(app.sqlite, () => {
    const marked = flagParkedRecords(app, now, now - app.config.chargers.parkedAttentionMs);
    if (marked > 0) {
      const waiting = recordsNeedingAttention(app);
      raiseAlert(app, {
        code: 'inbox.parked',
        level: 'warning',
        message: `${waiting} charger record(s) could not be applied for more than ${Math.round(app.config.chargers.parkedAttentionMs / 3_600_000)} h: attach each to its session or discard it (Sessions → charger records)`,
        details: { waiting, newlyParked: marked, hours: Math.round(app.config.chargers.parkedAttentionMs / 3_600_000) },
      });
      app.log.warn({ waiting, marked }, 'charger records parked too long need an operator');
    }
    return marked;
  });
}

/**
 * What the charger link asks the session step: id tags, and every committed batch of transaction
 * records. For an id tag, in this order:
 * - ConcurrentTx, for Authorize only, when the tag is in an active session on another charger that
 *   is online (OCPP: "already involved in another transaction"). Not for Start/StopTransaction:
 *   those may be replays of what already happened, and an answer cannot undo a charge. Not when
 *   that other charger is offline: it may have finished long ago without being able to say so, and
 *   a driver must not be locked out by a charger that lost its network.
 * - Accepted for a session's own tag while the session is active, or failed/cancelled within the
 *   late-start window, so a late start keeps the car charging. A finished session's tag is not, so
 *   a driver's own card used for a session that ended in debt is Blocked by the ledger right after.
 * - Otherwise what the ledger says (Accepted, Blocked for an open debt, Invalid).
 */
/**
 * An id tag is Accepted when it belongs to a driver in the ledger, Blocked while that driver has an
 * open debt or is blacklisted (risk control), Invalid otherwise. (ConcurrentTx: see authorizeIdTag.)
 */
/**
 * A StartTransaction stamped this long before it reached us is a record the charger kept while
 * offline (a live start is stamped within seconds; chargers' clocks are set by Heartbeat).
 */
const REPLAY_AFTER_MS = 10 * 60_000;

function authorizeFromLedger(app: AppContext, idTag: string, where?: AuthorizeContext): IdTagInfo {
  const driver = findDriverByIdTag(app, idTag);
  if (!driver) return { status: 'Invalid' };
  if (hasOpenDebt(app, driver.id)) return { status: 'Blocked' };
  // A blacklisted driver is Blocked, except in the answer to a StartTransaction replayed from the
  // past: that charge already happened, and the session is settled and flagged instead.
  const replay = where?.action === 'StartTransaction' && where.chargerAt != null && app.clock.now() - where.chargerAt > REPLAY_AFTER_MS;
  return { status: driverBlock(app, driver.id) && !replay ? 'Blocked' : 'Accepted' };
}

export function authorizeIdTag(app: AppContext, idTag: string, where?: AuthorizeContext): IdTagInfo {
  const tag = idTag.trim().toUpperCase();
  const states = ACTIVE_STATES.map(() => '?').join(', ');
  if (where?.action === 'Authorize') {
    const others = app.sqlite
      .prepare<unknown[], string>(`SELECT DISTINCT charger_id FROM charging_sessions WHERE state IN (${states}) AND upper(id_tag) = ? AND charger_id <> ?`)
      .pluck()
      .all(...ACTIVE_STATES, tag, where.chargerId);
    if (others.some((id) => getCharger(app, id)?.online === true)) return { status: 'ConcurrentTx' };
  }
  const own = app.sqlite
    .prepare(
      `SELECT 1 FROM charging_sessions WHERE upper(id_tag) = ? AND origin = 'operator'
       AND (state IN (${states}) OR (state IN ('FAILED', 'CANCELLED') AND created_at >= ?)) LIMIT 1`,
    )
    .get(tag, ...ACTIVE_STATES, app.clock.now() - app.config.sessions.lateStartWindowMs);
  if (own) return { status: 'Accepted' };
  return authorizeFromLedger(app, idTag, where);
}

export function sessionHooks(): ChargerHooks {
  return {
    authorizeIdTag,
    onTransactionRecords(app) {
      consumeInbox(app);
    },
  };
}
