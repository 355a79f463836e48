import type { AppContext } from '../app/context';
import { DepotError } from '../app/errors';
import { authorizeFromLedger, getCharger, type AuthorizeContext, type ChargerHooks, type IdTagInfo } from '../chargers';
import { writeTx } from '../db/connection';
import { findDriverByIdTag } from '../ledger';
import { Decimal } from '../money';
import { ACTIVE_STATES, addTimeline, transition } from './machine';
import { addSample, announce, findSession, type SessionRow } from './store';
import { settleSession } from './settle';

/**
 * Consuming the chargers' transaction inbox (charger_transactions): StartTransaction,
 * MeterValues and StopTransaction records, each applied to its session once.
 *
 * Guarantees:
 * - Each record is applied at most once: applying it and marking it processed commit together.
 *   Duplicates never reach here twice (the inbox stores one row per identity), so a repeated
 *   StopTransaction changes nothing.
 * - No record is dropped. A MeterValues or StopTransaction whose session does not exist yet (its
 *   StartTransaction not applied: offline replay out of order) stays in the inbox, marked
 *   "waiting", and is applied once its start has been. A record that fails is logged, keeps its
 *   error in the inbox and is tried again by the next pass (sessions.consumeInbox runs every minute).
 * - A StartTransaction is matched to the session DepotDesk started on that charger, connector and
 *   id tag (PLACED or STARTING). Failing that, to a session on the same charger, connector and id
 *   tag that failed or was cancelled within sessions.lateStartWindowMs: it is reopened, charged
 *   normally and flagged for review (late_start). Failing that, it is a session started at the
 *   charger: created for the driver who owns the id tag; an id tag nobody owns still gets a
 *   session (the energy was delivered), without a driver, held for review (unknown_id_tag).
 * - Readings keep the charger's time and our receipt time; prices use the charger's time.
 * - A StopTransaction finishes the session and settles it at once (settle.ts).
 */

interface RecordRow {
  id: number;
  chargerId: string;
  kind: 'start' | 'meter' | 'stop';
  transactionId: number | null;
  connectorId: number | null;
  idTag: string | null;
  chargerAt: number;
  meterWh: number | null;
  payload: string;
  receivedAt: number;
  processError: string | null;
}

type Outcome = { done: true; note?: string; settle?: string } | { done: false; wait: string };

const RECORD_SELECT = `SELECT id, charger_id AS chargerId, kind, transaction_id AS transactionId, connector_id AS connectorId, id_tag AS idTag,
  charger_at AS chargerAt, meter_wh AS meterWh, payload, received_at AS receivedAt, process_error AS processError
  FROM charger_transactions`;

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
  const row = app.sqlite.prepare('SELECT id FROM charging_sessions WHERE charger_id = ? AND transaction_id = ?').get(chargerId, transactionId) as { id: string } | undefined;
  return row ? findSession(app, row.id) : null;
}

function applyStart(app: AppContext, r: RecordRow): Outcome {
  const p = JSON.parse(r.payload) as { connectorId: number; idTag: string; meterStart: number; timestamp: string };
  if (r.transactionId === null) throw new DepotError('invalid_input', `record ${r.id}: a StartTransaction without a transaction id`);
  if (sessionByTransaction(app, r.chargerId, r.transactionId)) return { done: true, note: 'already applied' };
  const tag = p.idTag.trim().toUpperCase();
  const set = { transaction_id: r.transactionId, meter_start_wh: p.meterStart, started_at: r.chargerAt, start_received_at: r.receivedAt };
  const sample = { chargerAt: r.chargerAt, receivedAt: r.receivedAt, wh: p.meterStart, source: 'start', recordId: r.id };
  const detail = `StartTransaction: transaction ${r.transactionId}, meter ${p.meterStart} Wh, id tag ${p.idTag}`;

  const waiting = app.sqlite
    .prepare(
      `SELECT id, state FROM charging_sessions WHERE charger_id = ? AND connector_id = ? AND upper(id_tag) = ? AND state IN ('PLACED', 'STARTING')
       AND transaction_id IS NULL ORDER BY created_at DESC LIMIT 1`,
    )
    .get(r.chargerId, p.connectorId, tag) as { id: string; state: 'PLACED' | 'STARTING' } | undefined;
  if (waiting) {
    transition(app, { sessionId: waiting.id, from: waiting.state, event: 'start_transaction', chargerAt: r.chargerAt, recordId: r.id, detail, set });
    addSample(app, waiting.id, sample);
    announce(app, waiting.id);
    return { done: true };
  }

  const late = app.sqlite
    .prepare(
      `SELECT id, state FROM charging_sessions WHERE charger_id = ? AND connector_id = ? AND upper(id_tag) = ? AND state IN ('FAILED', 'CANCELLED')
       AND transaction_id IS NULL AND created_at >= ? ORDER BY created_at DESC LIMIT 1`,
    )
    .get(r.chargerId, p.connectorId, tag, r.receivedAt - app.config.sessions.lateStartWindowMs) as { id: string; state: 'FAILED' | 'CANCELLED' } | undefined;
  if (late) {
    transition(app, {
      sessionId: late.id,
      from: late.state,
      event: 'late_start',
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
  app.sqlite
    .prepare(
      `INSERT INTO charging_sessions (id, state, origin, charger_id, connector_id, station_id, driver_id, id_tag, prepay_fen, transaction_id,
         meter_start_wh, started_at, start_received_at, review_reason, review_state, created_at, updated_at)
       VALUES (?, 'CHARGING', 'charger', ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
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
    toState: 'CHARGING',
    chargerAt: r.chargerAt,
    recordId: r.id,
    detail: driver ? `${detail}; started at the charger by ${driver.name}'s id tag` : `${detail}; started at the charger with an id tag no driver owns: held for review`,
  });
  addSample(app, id, sample);
  announce(app, id);
  return { done: true };
}

function applyMeter(app: AppContext, r: RecordRow): Outcome {
  const p = JSON.parse(r.payload) as { connectorId: number; transactionId?: number; meterValue: unknown };
  let s: SessionRow | null = null;
  if (r.transactionId !== null) {
    s = sessionByTransaction(app, r.chargerId, r.transactionId);
    if (!s) return { done: false, wait: `waiting for the StartTransaction of transaction ${r.transactionId}` };
  } else {
    const row = app.sqlite
      .prepare(`SELECT id FROM charging_sessions WHERE charger_id = ? AND connector_id = ? AND state IN ('CHARGING', 'STOPPING') ORDER BY created_at DESC LIMIT 1`)
      .get(r.chargerId, p.connectorId) as { id: string } | undefined;
    // Readings outside any transaction (an idle connector's register) price nothing.
    if (!row) return { done: true, note: 'no transaction: not a session reading' };
    s = findSession(app, row.id)!;
  }
  let added = 0;
  for (const reading of energyReadings(p.meterValue)) {
    if (addSample(app, s.id, { chargerAt: reading.at, receivedAt: r.receivedAt, wh: reading.wh, source: 'meter', recordId: r.id })) added += 1;
  }
  if (s.state === 'PAID' || s.state === 'UNPAID') {
    addTimeline(app, s.id, { kind: 'late_meter', chargerAt: r.chargerAt, recordId: r.id, detail: `${added} reading(s) arrived after settlement; kept, the settled amount is unchanged` });
  }
  return { done: true };
}

function applyStop(app: AppContext, r: RecordRow): Outcome {
  const p = JSON.parse(r.payload) as { transactionId: number; meterStop: number; timestamp: string; reason?: string; transactionData?: unknown };
  const s = sessionByTransaction(app, r.chargerId, p.transactionId);
  if (!s) return { done: false, wait: `waiting for the StartTransaction of transaction ${p.transactionId}` };
  for (const reading of energyReadings(p.transactionData)) {
    addSample(app, s.id, { chargerAt: reading.at, receivedAt: r.receivedAt, wh: reading.wh, source: 'transactionData', recordId: r.id });
  }
  addSample(app, s.id, { chargerAt: r.chargerAt, receivedAt: r.receivedAt, wh: p.meterStop, source: 'stop', recordId: r.id });
  const energy = s.meterStartWh === null ? null : p.meterStop - s.meterStartWh;
  transition(app, {
    sessionId: s.id,
    from: s.state,
    event: 'stop_transaction',
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
  applied: number;
  waiting: number;
  failed: number;
  settled: number;
}

/**
 * Applies every unprocessed inbox record, oldest first, each in its own transaction; passes repeat
 * while records keep being applied (a start lets its waiting meter and stop records through).
 */
export function consumeInbox(app: AppContext, opts: { limit?: number } = {}): ConsumeResult {
  const out: ConsumeResult = { applied: 0, waiting: 0, failed: 0, settled: 0 };
  const toSettle: string[] = [];
  for (let pass = 0; pass < 10; pass += 1) {
    const rows = app.sqlite.prepare(`${RECORD_SELECT} WHERE processed_at IS NULL ORDER BY id LIMIT ?`).all(opts.limit ?? 2_000) as RecordRow[];
    let progress = 0;
    out.waiting = 0;
    out.failed = 0;
    for (const r of rows) {
      try {
        const outcome = writeTx(app.sqlite, (): Outcome => {
          const o = applyRecord(app, r);
          if (o.done) {
            const u = app.sqlite
              .prepare('UPDATE charger_transactions SET processed_at = ?, process_error = ? WHERE id = ? AND processed_at IS NULL')
              .run(app.clock.now(), o.note ?? null, r.id);
            // Another consumer got there first: roll this application back.
            if (u.changes !== 1) throw new DepotError('guard_failed', `inbox record ${r.id} was applied by someone else`);
          } else if (r.processError !== o.wait) {
            app.sqlite.prepare('UPDATE charger_transactions SET process_error = ? WHERE id = ? AND processed_at IS NULL').run(o.wait, r.id);
          }
          return o;
        });
        if (outcome.done) {
          progress += 1;
          out.applied += 1;
          if (outcome.settle) toSettle.push(outcome.settle);
        } else out.waiting += 1;
      } catch (e) {
        if (e instanceof DepotError && e.code === 'guard_failed') continue;
        out.failed += 1;
        const message = (e as Error).message;
        app.log.error({ err: e, recordId: r.id, chargerId: r.chargerId, kind: r.kind }, `applying charger transaction record ${r.id} failed; kept in the inbox`);
        app.sqlite.prepare('UPDATE charger_transactions SET process_error = ? WHERE id = ? AND processed_at IS NULL').run(`error: ${message}`.slice(0, 1000), r.id);
      }
    }
    if (progress === 0 || out.waiting + out.failed === 0) break;
  }
  for (const id of toSettle) {
    try {
      const s = settleSession(app, id);
      if (s.state === 'PAID' || s.state === 'UNPAID') out.settled += 1;
    } catch (e) {
      app.log.error({ err: e, sessionId: id }, 'settling a finished session failed; the settlement sweep will try again');
    }
  }
  return out;
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
export function authorizeIdTag(app: AppContext, idTag: string, where?: AuthorizeContext): IdTagInfo {
  const tag = idTag.trim().toUpperCase();
  const states = ACTIVE_STATES.map(() => '?').join(', ');
  if (where?.action === 'Authorize') {
    const elsewhere = app.sqlite
      .prepare(
        `SELECT 1 FROM charging_sessions s JOIN chargers c ON c.id = s.charger_id
         WHERE s.state IN (${states}) AND upper(s.id_tag) = ? AND s.charger_id <> ? AND c.online = 1 LIMIT 1`,
      )
      .get(...ACTIVE_STATES, tag, where.chargerId);
    if (elsewhere) return { status: 'ConcurrentTx' };
  }
  const own = app.sqlite
    .prepare(
      `SELECT 1 FROM charging_sessions WHERE upper(id_tag) = ? AND origin = 'operator'
       AND (state IN (${states}) OR (state IN ('FAILED', 'CANCELLED') AND created_at >= ?)) LIMIT 1`,
    )
    .get(tag, ...ACTIVE_STATES, app.clock.now() - app.config.sessions.lateStartWindowMs);
  if (own) return { status: 'Accepted' };
  return authorizeFromLedger(app, idTag);
}

export function sessionHooks(): ChargerHooks {
  return {
    authorizeIdTag,
    onTransactionRecords(app) {
      consumeInbox(app);
    },
  };
}
