import { raiseAlert } from '../alerts';
import type { AppContext } from '../kernel/context';
import { DepotError, expectChanges } from '../kernel/errors';
import { writeTx } from '../kernel/db/connection';
import { resettlementResult, resettleSession, type ResettleResult } from '../ledger';
import { getCharger } from '../chargers';
import { formatFen } from '../money';
import { addTimeline, transition } from './machine';
import type { ForceCloseState } from './schema';
import { priceSession, settleSession, type Pricing } from './settle';
import { addSample, announce, notifyDriver, requireSession, type SessionRow } from './store';
import { cachedStatement } from '../kernel/db/statements';
import { expectRow } from '../kernel/db/rows';

/**
 * Stuck sessions and force-close: a session whose StopTransaction never comes (its charger lost
 * its network mid-session) would otherwise stay CHARGING forever, keep its connector busy and
 * never be settled.
 *
 * Guarantees (each has a test in test/sessions/force-close.test.ts):
 * - A session is stuck when it is CHARGING or STOPPING, its charger is offline, and nothing has
 *   come from that charger for sessions.stuckAfterMs (6 h): the latest of the charger's
 *   last_seen_at and the session's start receipt. Every charger message, session records
 *   included, sets last_seen_at when it arrives, so no scan of the readings is needed. A session
 *   whose charger is online is never stuck, however long it has been silent.
 * - The detection job raises one alert per stuck session (code session.stuck, subject
 *   session.stuck:<id>; raiseAlert counts repeats on the open alert), except for a session whose
 *   force-close is already requested or approved: someone is on it.
 * - A force-close is requested only for a stuck session, by a signed-in operator with a reason,
 *   and records the session's last reading (its largest charger-time sample). There is at most one
 *   open (requested or approved) force-close per session (a unique index).
 * - The requester can neither approve nor reject their own request; the core refuses it at every
 *   door. A decision resolves the request once (guarded UPDATE, checked).
 * - Approval closes the session at the recorded reading (CHARGING/STOPPING → FINISHED by the
 *   machine's force_close: meter_stop_wh, stopped_at = the reading's time, stop_reason
 *   ForceClosed) and settles it through the normal path (settle.ts, settle:<session>), all in
 *   one transaction, so the connector is free and the money moved, or nothing changed. The session
 *   must still be stuck when approved: a charger heard from since will send its own stop.
 * - A real StopTransaction arriving after an approved force-close (applyStopAfterForceClose, in
 *   the inbox consumer's transaction) adds its readings, prices the session again at the true
 *   figures and moves only the difference through the ledger's resettleSession (resettle:<session>):
 *   more due from the wallet and then as a debt, less due back to the wallet. The settlement's own
 *   transfers are never touched. It re-settles at most once: a repeated late stop changes nothing.
 *   Afterwards the session's amount, electricity and service equal the revenue the ledger booked
 *   for it in total (settlement plus re-settlement).
 */

export interface ForceCloseRow {
  id: string;
  sessionId: string;
  state: ForceCloseState;
  reason: string;
  meterWh: number;
  readingAt: number;
  requestedBy: string;
  requestedAt: number;
  decidedBy: string | null;
  decidedAt: number | null;
  decisionNote: string | null;
  stopRecordId: number | null;
  resettledAt: number | null;
}

const FORCE_CLOSE_SELECT = `SELECT id, session_id AS sessionId, state, reason, meter_wh AS meterWh, reading_at AS readingAt,
  requested_by AS requestedBy, requested_at AS requestedAt, decided_by AS decidedBy, decided_at AS decidedAt,
  decision_note AS decisionNote, stop_record_id AS stopRecordId, resettled_at AS resettledAt
  FROM session_force_closes`;

/** The session's open force-close (requested or approved), if any. */
export function openForceClose(app: AppContext, sessionId: string): ForceCloseRow | null {
  return app.sqlite.prepare<unknown[], ForceCloseRow>(`${FORCE_CLOSE_SELECT} WHERE session_id = ? AND state IN ('requested', 'approved')`).get(sessionId) ?? null;
}

/** The session's latest force-close, whatever its state (for the detail view). */
export function latestForceClose(app: AppContext, sessionId: string): ForceCloseRow | null {
  return app.sqlite.prepare<unknown[], ForceCloseRow>(`${FORCE_CLOSE_SELECT} WHERE session_id = ? ORDER BY requested_at DESC, id DESC LIMIT 1`).get(sessionId) ?? null;
}

export function hasApprovedForceClose(app: AppContext, sessionId: string): boolean {
  return cachedStatement(app.sqlite, "SELECT 1 FROM session_force_closes WHERE session_id = ? AND state = 'approved'").get(sessionId) !== undefined;
}

/** What the ledger's re-settlement of a session did, if it was re-settled. */
export function resettlementOf(app: AppContext, sessionId: string): ResettleResult | null {
  return resettlementResult(app, sessionId);
}

// --- stuck sessions ----------------------------------------------------------------------------

export interface StuckSession {
  session: SessionRow;
  /** The last time anything came from the session's charger (our clock). */
  lastMessageAt: number;
  silentForMs: number;
  forceClose: ForceCloseRow | null;
}

/**
 * Whether the session's charger is online and when anything last came from it (our clock): the
 * later of the charger's last message and the session's StartTransaction. Null for a charger that
 * is not registered.
 */
function chargerSilence(app: AppContext, s: Pick<SessionRow, 'chargerId' | 'startReceivedAt'>): { online: boolean; lastMessageAt: number } | null {
  const c = getCharger(app, s.chargerId);
  if (!c) return null;
  return { online: c.online, lastMessageAt: Math.max(c.lastSeenAt ?? 0, s.startReceivedAt ?? 0) };
}

/** Sessions that are stuck now, longest silent first. */
export function stuckSessions(app: AppContext, now: number = app.clock.now()): StuckSession[] {
  const active = app.sqlite
    .prepare<unknown[], { id: string; chargerId: string; startReceivedAt: number | null }>(
      "SELECT id, charger_id AS chargerId, start_received_at AS startReceivedAt FROM charging_sessions WHERE state IN ('CHARGING', 'STOPPING')",
    )
    .all();
  const cutoff = now - app.config.sessions.stuckAfterMs;
  const rows: { id: string; lastMessageAt: number }[] = [];
  for (const s of active) {
    const c = chargerSilence(app, s);
    if (c && !c.online && c.lastMessageAt <= cutoff) rows.push({ id: s.id, lastMessageAt: c.lastMessageAt });
  }
  rows.sort((a, b) => a.lastMessageAt - b.lastMessageAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return rows.map((r) => ({
    session: requireSession(app, r.id),
    lastMessageAt: r.lastMessageAt,
    silentForMs: now - r.lastMessageAt,
    forceClose: openForceClose(app, r.id),
  }));
}

/** When the session's charger was last heard from, if the session is stuck now. */
export function stuckInfo(app: AppContext, s: SessionRow, now: number = app.clock.now()): { lastMessageAt: number; silentForMs: number } | null {
  if (notStuckBecause(app, s, now)) return null;
  const { lastMessageAt } = chargerSilence(app, s)!;
  return { lastMessageAt, silentForMs: now - lastMessageAt };
}

/** Why a session is not stuck now (null: it is), in words an operator acts on, with a code. */
export function notStuckBecause(app: AppContext, s: SessionRow, now: number = app.clock.now()): { reason: string; message: string } | null {
  if (s.state !== 'CHARGING' && s.state !== 'STOPPING') return { reason: 'not_active', message: `session ${s.id} is ${s.state}, not charging` };
  const c = chargerSilence(app, s);
  if (!c) return { reason: 'no_charger', message: `session ${s.id}: charger ${s.chargerId} is not registered` };
  if (c.online) return { reason: 'charger_online', message: `charger ${s.chargerId} is online: it will send the session's StopTransaction; stop the session instead` };
  const limit = app.config.sessions.stuckAfterMs;
  if (now - c.lastMessageAt < limit) {
    return {
      reason: 'not_silent_long_enough',
      message: `charger ${s.chargerId} was last heard from ${Math.round((now - c.lastMessageAt) / 60_000)} min ago; a session is stuck after ${Math.round(limit / 60_000)} min of silence`,
    };
  }
  return null;
}

/**
 * The detection job's work: an alert per stuck session that nobody has asked to force-close yet.
 * Returns how many sessions are stuck and how many alerts were raised (new or counted again).
 */
export function detectStuckSessions(app: AppContext): { stuck: number; alerted: number } {
  const stuck = stuckSessions(app);
  let alerted = 0;
  for (const x of stuck) {
    if (x.forceClose) continue;
    const s = x.session;
    const hours = (x.silentForMs / 3_600_000).toFixed(1);
    raiseAlert(app, {
      code: 'session.stuck',
      level: 'warning',
      subject: `session.stuck:${s.id}`,
      message: `session ${s.number} on ${s.chargerId}/${s.connectorId} is stuck: ${s.state}, and its charger has been offline and silent for ${hours} h; a supervisor can force-close it at its last reading`,
      details: { sessionId: s.id, sessionNumber: s.number, chargerId: s.chargerId, connectorId: s.connectorId, state: s.state, hours, lastMessageAt: x.lastMessageAt },
    });
    alerted += 1;
  }
  return { stuck: stuck.length, alerted };
}

// --- request and decision ----------------------------------------------------------------------

export interface By {
  operatorId?: string | null;
}

function signedIn(by: By, what: string): string {
  if (!by.operatorId) throw new DepotError('unauthenticated', `a signed-in supervisor ${what} a force-close`, { field: 'operator' });
  return by.operatorId;
}

function text(value: string | undefined, field: string, opts: { required: boolean; what: string }): string | null {
  const v = value?.trim() ?? '';
  if (!v) {
    if (opts.required) throw new DepotError('invalid_input', `${field}: ${opts.what}`, { field });
    return null;
  }
  if (v.length > 500) throw new DepotError('invalid_input', `${field}: at most 500 characters`, { field });
  return v;
}

/** The session's last meter reading: its largest charger-time sample. */
function lastReading(app: AppContext, sessionId: string): { chargerAt: number; wh: number } | null {
  return (
    app.sqlite
      .prepare<unknown[], { chargerAt: number; wh: number }>(
        'SELECT charger_at AS chargerAt, wh FROM session_meter_samples WHERE session_id = ? ORDER BY charger_at DESC, wh DESC LIMIT 1',
      )
      .get(sessionId) ?? null
  );
}

/** A supervisor asks to close a stuck session at its last reading; a second supervisor decides. */
export function requestForceClose(app: AppContext, input: { sessionId: string; reason: string }, by: By): ForceCloseRow {
  const operatorId = signedIn(by, 'requests');
  const reason = text(input.reason, 'reason', { required: true, what: 'say why the session is to be closed without its charger' })!;
  const row = writeTx(app.sqlite, () => {
    const s = requireSession(app, input.sessionId);
    const open = openForceClose(app, s.id);
    if (open) {
      throw new DepotError('conflict', `sessionId: session ${s.id} already has a force-close ${open.state === 'requested' ? 'waiting for approval' : 'approved'}`, {
        field: 'sessionId',
        state: open.state,
      });
    }
    const why = notStuckBecause(app, s);
    if (why) throw new DepotError('refused', `sessionId: ${why.message}; only a stuck session can be force-closed`, { field: 'sessionId', reason: why.reason });
    const reading = lastReading(app, s.id);
    if (!reading) throw new DepotError('refused', `sessionId: session ${s.id} has no meter reading to close at`, { field: 'sessionId', reason: 'no_reading' });
    const id = app.ids.next();
    const now = app.clock.now();
    app.sqlite
      .prepare(
        `INSERT INTO session_force_closes (id, session_id, state, reason, meter_wh, reading_at, requested_by, requested_at)
         VALUES (?, ?, 'requested', ?, ?, ?, ?, ?)`,
      )
      .run(id, s.id, reason, reading.wh, reading.chargerAt, operatorId, now);
    addTimeline(app, s.id, {
      kind: 'force_close_requested',
      params: { meterWh: reading.wh, readingAt: reading.chargerAt, reason },
      operatorId,
      detail: `force-close requested at the last reading, ${reading.wh} Wh (charger time ${new Date(reading.chargerAt).toISOString()}): ${reason}; another supervisor must approve it`,
    });
    announce(app, s.id);
    return openForceClose(app, s.id)!;
  });
  app.log.warn({ sessionId: row.sessionId, by: operatorId }, 'force-close of a stuck session requested');
  return row;
}

function pendingRequest(app: AppContext, sessionId: string, operatorId: string, what: 'approve' | 'reject'): ForceCloseRow {
  requireSession(app, sessionId);
  const fc = openForceClose(app, sessionId);
  if (!fc || fc.state !== 'requested') {
    throw new DepotError('conflict', `sessionId: session ${sessionId} has no force-close waiting for approval${fc ? ` (it was already ${fc.state})` : ''}`, {
      field: 'sessionId',
      state: fc?.state ?? null,
    });
  }
  if (fc.requestedBy === operatorId) {
    throw new DepotError('forbidden', `sessionId: you requested this force-close, so another supervisor must ${what} it`, {
      field: 'sessionId',
      reason: 'requester_cannot_decide',
      requestedBy: fc.requestedBy,
    });
  }
  return fc;
}

function decide(app: AppContext, fc: ForceCloseRow, state: 'approved' | 'rejected', operatorId: string, note: string | null): void {
  expectChanges(
    app.sqlite
      .prepare("UPDATE session_force_closes SET state = ?, decided_by = ?, decided_at = ?, decision_note = ? WHERE id = ? AND state = 'requested'")
      .run(state, operatorId, app.clock.now(), note, fc.id),
    1,
    `${state === 'approved' ? 'approve' : 'reject'} force-close ${fc.id}`,
  );
}

/**
 * A second supervisor approves: the session closes at the recorded reading and is settled through
 * the normal path, in one transaction. Returns the session as settlement left it (PAID, UNPAID, or
 * FINISHED when held for review, e.g. above the review limit).
 */
export function approveForceClose(app: AppContext, input: { sessionId: string; note?: string }, by: By): SessionRow {
  const operatorId = signedIn(by, 'approves');
  const note = text(input.note, 'note', { required: false, what: '' });
  writeTx(app.sqlite, () => {
    const fc = pendingRequest(app, input.sessionId, operatorId, 'approve');
    const s = requireSession(app, fc.sessionId);
    const why = notStuckBecause(app, s);
    if (why) throw new DepotError('refused', `sessionId: ${why.message}; reject this force-close`, { field: 'sessionId', reason: why.reason });
    decide(app, fc, 'approved', operatorId, note);
    const energy = s.meterStartWh === null ? null : fc.meterWh - s.meterStartWh;
    transition(app, {
      sessionId: s.id,
      from: s.state,
      event: 'force_close',
      params: { meterWh: fc.meterWh, energyWh: energy, readingAt: fc.readingAt, reason: fc.reason, requestedBy: fc.requestedBy, note },
      operatorId,
      chargerAt: fc.readingAt,
      detail: `force-closed at the last reading, ${fc.meterWh} Wh${energy === null ? '' : `, ${energy} Wh delivered`}: requested for "${fc.reason}", approved${note ? `: ${note}` : ''}`,
      set: { meter_stop_wh: fc.meterWh, stopped_at: fc.readingAt, stop_received_at: app.clock.now(), stop_reason: 'ForceClosed', energy_wh: energy },
    });
    settleSession(app, s.id);
    announce(app, s.id);
  });
  app.log.warn({ sessionId: input.sessionId, by: operatorId }, 'stuck session force-closed and settled');
  return requireSession(app, input.sessionId);
}

/** A second supervisor rejects the request (with a note): nothing else changes. */
export function rejectForceClose(app: AppContext, input: { sessionId: string; note: string }, by: By): ForceCloseRow {
  const operatorId = signedIn(by, 'rejects');
  const note = text(input.note, 'note', { required: true, what: 'say why the force-close is rejected' })!;
  return writeTx(app.sqlite, () => {
    const fc = pendingRequest(app, input.sessionId, operatorId, 'reject');
    decide(app, fc, 'rejected', operatorId, note);
    addTimeline(app, fc.sessionId, { kind: 'force_close_rejected', params: { note }, operatorId, detail: `force-close rejected: ${note}` });
    announce(app, fc.sessionId);
    return expectRow<ForceCloseRow>(app.sqlite.prepare(`${FORCE_CLOSE_SELECT} WHERE id = ?`), fc.id);
  });
}

// --- the real StopTransaction, after all -------------------------------------------------------

export interface LateStop {
  /** The inbox record of the StopTransaction. */
  recordId: number;
  meterStopWh: number;
  /** The stop's time on the charger's clock, and when we received it. */
  chargerAt: number;
  receivedAt: number;
  reason: string;
  /** The StopTransaction's transactionData energy readings. */
  readings: { at: number; wh: number }[];
}

/** The inbox consumer's outcome shape: applied (with a note), or parked with its reason. */
export type LateStopOutcome = { done: true; note: string } | { done: false; wait: string };

class Unpriceable extends Error {}

/**
 * Applies the real StopTransaction of a session that was force-closed, inside the caller's write
 * transaction (the inbox consumer's; its own writes are a savepoint, so a stop whose readings
 * cannot be priced changes nothing and is parked with the reason).
 * - Settled (PAID/UNPAID): the readings are added and the session re-settled at the true figures
 *   (only the difference moves, resettle:<session>); the session's figures, a `resettled` timeline
 *   row naming the old and new amounts, and the force-close's stop_record_id/resettled_at follow.
 * - Still FINISHED (the force-close settlement is held for review): the readings are added and the
 *   stop recorded; the settlement, when approved, prices them all.
 * - Already re-settled (a repeated late stop): nothing changes.
 */
export function applyStopAfterForceClose(app: AppContext, session: SessionRow, stop: LateStop): LateStopOutcome {
  const fc = app.sqlite.prepare<unknown[], ForceCloseRow>(`${FORCE_CLOSE_SELECT} WHERE session_id = ? AND state = 'approved'`).get(session.id);
  if (!fc) throw new DepotError('internal', `session ${session.id} has no approved force-close to apply a late StopTransaction to`, { sessionId: session.id });
  if (fc.stopRecordId !== null) {
    if (fc.stopRecordId !== stop.recordId) {
      app.log.warn(
        { sessionId: session.id, recordId: stop.recordId, appliedRecordId: fc.stopRecordId },
        'another StopTransaction for a force-closed session that was already re-settled; ignored',
      );
    }
    return { done: true, note: `session ${session.id} was already re-settled from record ${fc.stopRecordId}` };
  }
  try {
    // A savepoint of the caller's transaction: rolled back alone when the readings cannot be priced.
    return app.sqlite.transaction(() => applyLateStop(app, session.id, fc, stop))();
  } catch (e) {
    if (!(e instanceof Unpriceable)) throw e;
    app.log.warn({ sessionId: session.id, recordId: stop.recordId, err: e.message }, 'late StopTransaction of a force-closed session parked');
    return { done: false, wait: e.message };
  }
}

/** Records the late stop on its force-close, with when the session was re-settled (null: not yet). */
function markForceClose(app: AppContext, fc: ForceCloseRow, stop: LateStop, resettledAt: number | null): void {
  expectChanges(
    app.sqlite
      .prepare("UPDATE session_force_closes SET stop_record_id = ?, resettled_at = ? WHERE id = ? AND state = 'approved' AND stop_record_id IS NULL")
      .run(stop.recordId, resettledAt, fc.id),
    1,
    `record the late stop on force-close ${fc.id}`,
  );
}

/** A force-closed session not settled yet takes the stop's figures; its settlement will price them. */
function recordLateStopUnsettled(app: AppContext, s: SessionRow, fc: ForceCloseRow, stop: LateStop, energy: number | null, stopText: string): LateStopOutcome {
  expectChanges(
    app.sqlite
      .prepare(
        "UPDATE charging_sessions SET meter_stop_wh = ?, stopped_at = ?, stop_received_at = ?, stop_reason = ?, energy_wh = ?, updated_at = ? WHERE id = ? AND state = 'FINISHED'",
      )
      .run(stop.meterStopWh, stop.chargerAt, stop.receivedAt, stop.reason, energy, app.clock.now(), s.id),
    1,
    `record the late stop of session ${s.id}`,
  );
  markForceClose(app, fc, stop, null);
  addTimeline(app, s.id, {
    kind: 'late_stop',
    params: { meterStopWh: stop.meterStopWh, energyWh: energy, stopReason: stop.reason },
    chargerAt: stop.chargerAt,
    recordId: stop.recordId,
    detail: `${stopText}; not settled yet: its settlement will price these readings`,
  });
  announce(app, s.id);
  return { done: true, note: `late stop recorded on ${s.id}, which waits for its settlement` };
}

/** The session priced with the stop's readings; a pricing refusal waits for an operator (Unpriceable). */
function priceLateStop(app: AppContext, s: SessionRow): Pricing {
  try {
    return priceSession(app, s);
  } catch (e) {
    if (e instanceof DepotError)
      throw new Unpriceable(`the StopTransaction's readings cannot be priced for session ${s.id} (${e.message}); not re-settled, waiting for an operator`);
    throw e;
  }
}

/** The settled session's row at the true figures: amounts, what the ledger charged or returned, the stop. */
function writeResettled(app: AppContext, s: SessionRow, pricing: Pricing, r: ResettleResult, stop: LateStop, now: number): void {
  expectChanges(
    app.sqlite
      .prepare(
        `UPDATE charging_sessions SET energy_wh = @energy, amount_fen = @amount, electricity_fen = @electricity, service_fen = @service, quote = @quote,
           paid_wallet_fen = coalesce(paid_wallet_fen, 0) + @wallet, debt_fen = coalesce(debt_fen, 0) + @debt, debt_id = coalesce(debt_id, @debtId),
           meter_stop_wh = @meterStop, stopped_at = @stoppedAt, stop_received_at = @stopReceivedAt, stop_reason = @stopReason, updated_at = @now
         WHERE id = @id AND state = @state AND amount_fen IS @before`,
      )
      .run({
        energy: pricing.energyWh,
        amount: pricing.amountFen,
        electricity: pricing.electricityFen,
        service: pricing.serviceFen,
        quote: JSON.stringify(pricing.quote),
        wallet: r.charged.walletFen,
        debt: r.charged.debtFen,
        debtId: r.debtId,
        meterStop: stop.meterStopWh,
        stoppedAt: stop.chargerAt,
        stopReceivedAt: stop.receivedAt,
        stopReason: stop.reason,
        now,
        id: s.id,
        state: s.state,
        before: s.amountFen,
      }),
    1,
    `re-settle session ${s.id}`,
  );
}

/** The re-settlement told: on the session's timeline, and to its driver when the amount changed. */
function tellResettled(app: AppContext, s: SessionRow & { driverId: string }, stop: LateStop, stopText: string, pricing: Pricing, r: ResettleResult, key: string): void {
  const diff = r.differenceFen;
  const moved =
    diff > 0
      ? `¥${formatFen(diff)} more: wallet ¥${formatFen(r.charged.walletFen)}${r.charged.debtFen > 0 ? `, debt ¥${formatFen(r.charged.debtFen)}` : ''}`
      : diff < 0
        ? `¥${formatFen(-diff)} less`
        : 'no difference';
  const back = r.returnedFen > 0 ? `; ¥${formatFen(r.returnedFen)} back to the wallet` : '';
  addTimeline(app, s.id, {
    kind: 'resettled',
    params: {
      meterStopWh: stop.meterStopWh,
      stopReason: stop.reason,
      energyWh: pricing.energyWh,
      beforeFen: r.before.totalFen,
      afterFen: r.after.totalFen,
      differenceFen: diff,
      walletFen: r.charged.walletFen,
      debtFen: r.charged.debtFen,
      returnedFen: r.returnedFen,
    },
    chargerAt: stop.chargerAt,
    recordId: stop.recordId,
    detail: `${stopText}. Re-settled at the true figures: ¥${formatFen(r.before.totalFen)} → ¥${formatFen(r.after.totalFen)} for ${pricing.quote.totals.kwh} kWh (${moved}${back}) (${key})`,
  });
  if (diff !== 0) {
    notifyDriver(app, {
      driverId: s.driverId,
      sessionId: s.id,
      kind: 'resettled',
      text:
        `Your charging session on ${s.chargerId} was closed without the charger's final reading and has now been re-settled at the true figures: ` +
        `¥${formatFen(r.before.totalFen)} → ¥${formatFen(r.after.totalFen)}.` +
        (r.charged.debtFen > 0 ? ` ¥${formatFen(r.charged.debtFen)} could not be paid from your wallet and is owed.` : '') +
        (r.returnedFen > 0 ? ` ¥${formatFen(r.returnedFen)} is back in your wallet.` : ''),
    });
  }
}

function applyLateStop(app: AppContext, sessionId: string, fc: ForceCloseRow, stop: LateStop): LateStopOutcome {
  const s = requireSession(app, sessionId);
  for (const r of stop.readings) addSample(app, s.id, { chargerAt: r.at, receivedAt: stop.receivedAt, wh: r.wh, source: 'transactionData', recordId: stop.recordId });
  addSample(app, s.id, { chargerAt: stop.chargerAt, receivedAt: stop.receivedAt, wh: stop.meterStopWh, source: 'stop', recordId: stop.recordId });
  const energy = s.meterStartWh === null ? null : stop.meterStopWh - s.meterStartWh;
  const stopText = `StopTransaction after the force-close: meter ${stop.meterStopWh} Wh${energy === null ? '' : `, ${energy} Wh delivered`}, reason ${stop.reason}`;

  if (s.state === 'FINISHED') return recordLateStopUnsettled(app, s, fc, stop, energy, stopText);
  if (s.state !== 'PAID' && s.state !== 'UNPAID') {
    throw new DepotError('illegal_transition', `session ${s.id} is ${s.state}; a force-closed session is FINISHED, PAID or UNPAID`, { sessionId: s.id, state: s.state });
  }
  const driverId = s.driverId;
  if (!driverId) throw new DepotError('internal', `settled session ${s.id} has no driver`, { sessionId: s.id });

  const now = app.clock.now();
  const pricing = priceLateStop(app, s);
  const key = `resettle:${s.id}`;
  const r = resettleSession(app, {
    key,
    driverId,
    sessionId: s.id,
    electricityFen: pricing.electricityFen,
    serviceFen: pricing.serviceFen,
    memo: `session ${s.id} re-settled at its real StopTransaction: ${pricing.quote.totals.kwh} kWh`,
  });
  writeResettled(app, s, pricing, r, stop, now);
  markForceClose(app, fc, stop, now);
  tellResettled(app, { ...s, driverId }, stop, stopText, pricing, r, key);
  announce(app, s.id);
  app.log.info({ sessionId: s.id, before: r.before.totalFen, after: r.after.totalFen }, 'force-closed session re-settled at its real StopTransaction');
  return { done: true, note: `re-settled ${s.id}: ¥${formatFen(r.before.totalFen)} → ¥${formatFen(r.after.totalFen)}` };
}
