import { z } from 'zod';
import type { AppContext } from '../kernel/context';
import { DepotError } from '../kernel/errors';
import { callCharger, ChargerTimeoutError, getCharger } from '../chargers';
import { writeTx } from '../kernel/db/connection';
import { defineWorker } from '../jobs';
import { driverBlock, findDriverByIdTag, getDriver, hasOpenDebt, listDrivers, normalizePhone, placeHold, voidHold, walletView, type Driver } from '../ledger';
import { formatFen, parsePositiveYuan } from '../money';
import { ACTIVE_STATES, addTimeline, transition } from './machine';
import { announce, notifyDriver, requireSession, type SessionRow } from './store';
import type { ChargerRefusal, SessionEventParams } from './events';

/**
 * Starting and stopping a session from DepotDesk.
 *
 * Guarantees:
 * - A start is refused, with the reason the operator sees, and nothing written, when: the driver
 *   is unknown or has an open debt; the charger is unknown, unconfirmed, in maintenance or
 *   offline; the connector does not exist, is faulted/unavailable or busy (its own status, or a
 *   session still active on it); the prepay is more than the wallet has available.
 * - The session row (PLACED), its prepaid hold and its start-timeout job commit in one
 *   transaction: there is never a hold without a session, nor a session without its timeout.
 * - RemoteStartTransaction is sent after that transaction committed, never inside it, and the
 *   start does not wait for the charger's answer: it returns with the session STARTING at once.
 *   A charger that stays silent therefore never holds the operator (or a CLI) for the CALL's
 *   timeouts and retries; the session's own start timeout decides. A crash after the session was
 *   written and before the CALL went out leaves a PLACED session whose timeout job still fails it.
 * - A start that the charger refuses, or that no StartTransaction confirms within
 *   sessions.startTimeoutMs, ends FAILED with its hold voided in full and a notification for the
 *   driver, in one transaction. The timeout job does nothing to a session that has moved on.
 */

/** Connector statuses in which a new session cannot start. */
const BUSY = new Set(['Charging', 'SuspendedEV', 'SuspendedEVSE', 'Finishing', 'Reserved']);
const DOWN = new Set(['Faulted', 'Unavailable']);

function refused(message: string, details: Record<string, unknown>): DepotError {
  return new DepotError('refused', message, details);
}

/** A driver named by id, phone number or card (id tag). */
export function resolveDriver(app: AppContext, ref: string): Driver {
  const r = ref.trim();
  try {
    return getDriver(app, r, 'driver');
  } catch (e) {
    if (!(e instanceof DepotError && e.code === 'not_found')) throw e;
  }
  let phone: string | null = null;
  try {
    phone = normalizePhone(r);
  } catch {
    phone = null;
  }
  if (phone) {
    const hit = listDrivers(app, { search: phone, limit: 10 }).drivers.find((d) => d.phone === phone);
    if (hit) return getDriver(app, hit.id, 'driver');
  }
  const byTag = findDriverByIdTag(app, r);
  if (byTag) return byTag;
  throw new DepotError('not_found', `driver: no driver with id, phone or card "${r}"`, { field: 'driver' });
}

/** The tag made for a session whose driver has no card that fits OCPP's 20 characters: no card at all. */
export function sessionIdTag(sessionId: string): string {
  return `DD${sessionId.slice(-18)}`;
}

/** The id tag a RemoteStart carries: the driver's own card if it fits OCPP's 20 characters, else one made for the session. */
export function idTagFor(driver: Pick<Driver, 'tags'>, sessionId: string): string {
  const own = driver.tags.find((t) => t.tag.length <= 20);
  return own ? own.tag : sessionIdTag(sessionId);
}

export interface StartInput {
  chargerId: string;
  connectorId: number;
  driver: string;
  /** Yuan, e.g. "100.00". */
  prepay: string;
}

export const startTimeoutWorker = defineWorker({
  kind: 'sessions.startTimeout',
  args: z.object({ sessionId: z.string().min(1) }),
  maxAttempts: 5,
  perform(app, job) {
    const outcome = failStart(app, job.args.sessionId, startTimedOut(app));
    if (!outcome) return { cancel: 'the session had already moved on' };
  },
});

/** Why a start failed: the event, what the screens word it from, and the reason in English (the record). */
export type StartFailure = { reason: string } & (
  { event: 'start_timeout'; params: SessionEventParams['start_timeout'] } | { event: 'remote_start_refused'; params: SessionEventParams['remote_start_refused'] }
);

/** The start timeout's failure: no StartTransaction within sessions.startTimeoutMs. */
export function startTimedOut(app: AppContext): StartFailure {
  const seconds = app.config.sessions.startTimeoutMs / 1000;
  return {
    event: 'start_timeout',
    params: { failureCode: 'start_timeout', timeoutSeconds: seconds },
    reason: `no StartTransaction within ${seconds} s of the RemoteStart`,
  };
}

/**
 * Ends a session that never started: FAILED, hold voided in full, the driver told. Returns false
 * (and changes nothing) when the session is no longer waiting for its start.
 */
export function failStart(app: AppContext, sessionId: string, failure: StartFailure): boolean {
  const { event, reason } = failure;
  const done = writeTx(app.sqlite, () => {
    const s = requireSession(app, sessionId);
    if (s.state !== 'PLACED' && s.state !== 'STARTING') return false;
    transition(app, { ...failure, sessionId, from: s.state, detail: reason, set: { failure_reason: reason, failure_code: event } });
    releaseHold(app, s, `start failed: ${reason}`);
    if (s.driverId) {
      notifyDriver(app, {
        driverId: s.driverId,
        sessionId,
        kind: 'start_failed',
        text: `Charging on ${s.chargerId} connector ${s.connectorId} did not start (${reason}). The ¥${formatFen(s.prepayFen)} held for it is back in your wallet.`,
      });
    }
    announce(app, sessionId);
    return true;
  });
  if (done) app.log.warn({ sessionId, event, reason }, 'session start failed; hold released');
  return done;
}

function releaseHold(app: AppContext, s: SessionRow, memo: string): void {
  if (!s.holdId) return;
  const r = voidHold(app, { key: `void:${s.id}`, holdId: s.holdId, memo });
  addTimeline(app, s.id, { kind: 'hold_voided', params: { releasedFen: r.releasedFen }, detail: `¥${formatFen(r.releasedFen)} released to the wallet (${r.key})` });
}

/** Checks a start would be allowed; throws the refusal the operator sees. */
function checkStart(app: AppContext, input: StartInput, driver: Driver, prepayFen: number) {
  const block = driverBlock(app, driver.id);
  if (block) {
    throw refused(`driver ${driver.name} is blacklisted: ${block.reason}`, {
      field: 'driver',
      reason: 'blacklisted',
      listingId: block.ref,
      driver: driver.name,
      why: block.reason,
    });
  }
  if (hasOpenDebt(app, driver.id)) {
    throw refused(`driver ${driver.name} has an open debt; it must be paid (top up) before a new session`, { field: 'driver', reason: 'open_debt', driver: driver.name });
  }
  const charger = getCharger(app, input.chargerId);
  if (!charger || !charger.registered)
    throw refused(`charger ${input.chargerId} is not registered with this depot`, { field: 'charger', reason: 'unknown_charger', charger: input.chargerId });
  if (charger.maintenance) {
    throw refused(`charger ${charger.id} is in maintenance${charger.maintenanceReason ? ` (${charger.maintenanceReason})` : ''}`, {
      field: 'charger',
      reason: 'maintenance',
      charger: charger.id,
    });
  }
  if (!charger.online) throw refused(`charger ${charger.id} is offline`, { field: 'charger', reason: 'offline', charger: charger.id });
  if (charger.status && DOWN.has(charger.status))
    throw refused(`charger ${charger.id} is ${charger.status}`, { field: 'charger', reason: 'charger_down', charger: charger.id, status: charger.status });
  if (!Number.isInteger(input.connectorId) || input.connectorId < 1 || input.connectorId > charger.connectorCount) {
    throw new DepotError('invalid_input', `connector: charger ${charger.id} has connectors 1 to ${charger.connectorCount}`, { field: 'connector' });
  }
  const conn = charger.connectors.find((c) => c.connectorId === input.connectorId);
  if (conn && (conn.faulted || (conn.status && DOWN.has(conn.status)))) {
    throw refused(
      `connector ${input.connectorId} of ${charger.id} is ${conn.status ?? 'faulted'}${conn.errorCode && conn.errorCode !== 'NoError' ? ` (${conn.errorCode})` : ''}`,
      {
        field: 'connector',
        reason: 'connector_faulted',
        charger: charger.id,
        connector: input.connectorId,
      },
    );
  }
  if (conn?.status && BUSY.has(conn.status))
    throw refused(`connector ${input.connectorId} of ${charger.id} is busy (${conn.status})`, {
      field: 'connector',
      reason: 'connector_busy',
      charger: charger.id,
      connector: input.connectorId,
    });
  const active = app.sqlite
    .prepare<unknown[], { id: string; state: string }>(
      `SELECT id, state FROM charging_sessions WHERE charger_id = ? AND connector_id = ? AND state IN (${ACTIVE_STATES.map(() => '?').join(', ')}) LIMIT 1`,
    )
    .get(charger.id, input.connectorId, ...ACTIVE_STATES);
  if (active) {
    throw refused(`connector ${input.connectorId} of ${charger.id} is busy: session ${active.id} is ${active.state}`, {
      field: 'connector',
      reason: 'connector_busy',
      sessionId: active.id,
      charger: charger.id,
      connector: input.connectorId,
    });
  }
  const available = walletView(app, driver.id).wallet.availableFen;
  if (prepayFen > available) {
    throw new DepotError('insufficient_funds', `prepay: ¥${formatFen(prepayFen)} is more than the ¥${formatFen(available)} available in ${driver.name}'s wallet`, {
      field: 'prepay',
      reason: 'insufficient_funds',
      availableFen: available,
      prepayFen,
      driver: driver.name,
    });
  }
  return charger;
}

/**
 * Sends the RemoteStartTransaction and handles the charger's answer when it comes, off the start's
 * path. Accepted: noted, the session waits for its StartTransaction. Refused (Rejected, a
 * CALLERROR, an invalid reply) or impossible to send: FAILED at once, hold released. No answer
 * (the call timed out after its retries) or the link shutting down: left to the start-timeout job,
 * which is durable and also covers the CALL that was never sent.
 */
function sendRemoteStart(app: AppContext, s: { sessionId: string; chargerId: string; connectorId: number; idTag: string }): void {
  const { sessionId } = s;
  const stillWaiting = () => {
    const state = requireSession(app, sessionId).state;
    return state === 'PLACED' || state === 'STARTING';
  };
  callCharger(app, s.chargerId, 'RemoteStartTransaction', { connectorId: s.connectorId, idTag: s.idTag })
    .then(
      (answer) => {
        if (answer.status !== 'Accepted') {
          failStart(app, sessionId, {
            event: 'remote_start_refused',
            params: { failureCode: 'remote_start_refused', refusal: 'answered', answer: String(answer.status) },
            reason: `the charger answered RemoteStartTransaction with ${String(answer.status)}`,
          });
          return;
        }
        writeTx(app.sqlite, () => addTimeline(app, sessionId, { kind: 'remote_start_accepted', params: {}, detail: 'the charger accepted the RemoteStartTransaction' }));
      },
      (e: unknown) => {
        const closing = e instanceof DepotError && (e.details as { reason?: unknown } | undefined)?.reason === 'link_closed';
        if (e instanceof ChargerTimeoutError || closing) {
          app.log.warn({ sessionId, err: (e as Error).message }, 'RemoteStartTransaction unanswered; the start timeout decides');
          if (!closing && stillWaiting()) {
            writeTx(app.sqlite, () =>
              addTimeline(app, sessionId, { kind: 'remote_start_unanswered', params: {}, detail: `${(e as Error).message}; the start timeout decides` }),
            );
          }
          return;
        }
        failStart(app, sessionId, {
          event: 'remote_start_refused',
          params: { failureCode: 'remote_start_refused', refusal: 'call_failed', answer: null },
          reason: `RemoteStartTransaction failed: ${(e as Error).message}`,
        });
      },
    )
    .catch((e: unknown) => {
      // Nothing above may escape as an unhandled rejection; the timeout job still covers the session.
      app.log.error({ err: e, sessionId }, 'handling the answer to RemoteStartTransaction failed; the start timeout decides');
    });
}

/** Places the hold, persists the session and its timeout, then asks the charger to start (without waiting for its answer). */
export async function startSession(app: AppContext, input: StartInput, by: { operatorId?: string | null } = {}): Promise<SessionRow> {
  const prepayFen = parsePositiveYuan(input.prepay, 'prepay');
  const driver = resolveDriver(app, input.driver);
  const sessionId = app.ids.next();
  const idTag = idTagFor(driver, sessionId);
  const now = app.clock.now();
  writeTx(app.sqlite, () => {
    // Checked again inside the write transaction, so two operators cannot both take one connector.
    const charger = checkStart(app, input, driver, prepayFen);
    app.sqlite
      .prepare(
        `INSERT INTO charging_sessions (id, state, origin, charger_id, connector_id, station_id, driver_id, id_tag, prepay_fen, created_at, created_by, updated_at)
         VALUES (?, 'PLACED', 'operator', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(sessionId, charger.id, input.connectorId, charger.stationId, driver.id, idTag, prepayFen, now, by.operatorId ?? null, now);
    const hold = placeHold(
      app,
      {
        key: `hold:${sessionId}`,
        driverId: driver.id,
        amountFen: prepayFen,
        expiresAt: now + app.config.sessions.holdTtlMs,
        sessionId,
        memo: `prepay for session on ${charger.id}/${input.connectorId}`,
      },
      by,
    );
    app.sqlite.prepare('UPDATE charging_sessions SET hold_id = ? WHERE id = ?').run(hold.holdId, sessionId);
    addTimeline(app, sessionId, {
      kind: 'placed',
      toState: 'PLACED',
      operatorId: by.operatorId ?? null,
      params: { prepayFen, driverName: driver.name, chargerId: charger.id, connectorId: input.connectorId, idTag },
      detail: `¥${formatFen(prepayFen)} held for ${driver.name} (${hold.holdId}); id tag ${idTag}`,
    });
    startTimeoutWorker.enqueue(app, { sessionId }, { scheduledAt: now + app.config.sessions.startTimeoutMs, uniqueKey: `sessions.startTimeout:${sessionId}` });
    announce(app, sessionId);
  });
  // Marked STARTING before the CALL goes out: a StartTransaction can come back before callCharger resolves.
  writeTx(app.sqlite, () => {
    transition(app, {
      sessionId,
      from: 'PLACED',
      event: 'remote_start_sent',
      params: { chargerId: input.chargerId, connectorId: input.connectorId },
      detail: `RemoteStartTransaction to ${input.chargerId} connector ${input.connectorId}`,
    });
    announce(app, sessionId);
  });
  sendRemoteStart(app, { sessionId, chargerId: input.chargerId, connectorId: input.connectorId, idTag });
  return requireSession(app, sessionId);
}

/**
 * Stops a session: a charging one gets RemoteStopTransaction (STOPPING until the StopTransaction
 * arrives); one that has not started yet is cancelled and its hold released.
 */
export async function stopSession(app: AppContext, sessionId: string, by: { operatorId?: string | null } = {}): Promise<SessionRow> {
  const s = requireSession(app, sessionId);
  if (s.state === 'PLACED' || s.state === 'STARTING') {
    writeTx(app.sqlite, () => {
      const cur = requireSession(app, sessionId);
      transition(app, {
        sessionId,
        from: cur.state,
        event: 'cancel',
        params: { failureCode: 'cancelled' },
        operatorId: by.operatorId,
        detail: 'cancelled by the operator before the charger confirmed the start',
        set: { failure_reason: 'cancelled by the operator', failure_code: 'cancelled' },
      });
      releaseHold(app, cur, 'session cancelled before it started');
      announce(app, sessionId);
    });
    return requireSession(app, sessionId);
  }
  if (s.state !== 'CHARGING') {
    throw refused(`session ${sessionId} is ${s.state}; only a charging session can be stopped`, { field: 'id', state: s.state });
  }
  const transactionId = s.transactionId;
  if (transactionId === null) throw new DepotError('internal', `session ${sessionId} is CHARGING without a transaction id`);
  writeTx(app.sqlite, () => {
    transition(app, {
      sessionId,
      from: 'CHARGING',
      event: 'stop_requested',
      params: { transactionId },
      operatorId: by.operatorId,
      detail: `RemoteStopTransaction for transaction ${transactionId}`,
    });
    announce(app, sessionId);
  });
  let why: string | null = null;
  let refusal: ChargerRefusal | null = null;
  try {
    const answer = await callCharger(app, s.chargerId, 'RemoteStopTransaction', { transactionId });
    if (answer.status !== 'Accepted') {
      why = `the charger answered RemoteStopTransaction with ${String(answer.status)}`;
      refusal = { refusal: 'answered', answer: String(answer.status) };
    }
  } catch (e) {
    why = `RemoteStopTransaction failed: ${(e as Error).message}`;
    refusal = { refusal: 'call_failed', answer: null };
  }
  if (why && refusal) {
    const params = refusal;
    writeTx(app.sqlite, () => {
      // The StopTransaction may have arrived meanwhile; then the session is already FINISHED.
      if (requireSession(app, sessionId).state !== 'STOPPING') return;
      transition(app, { sessionId, from: 'STOPPING', event: 'stop_refused', params, detail: why });
      announce(app, sessionId);
    });
    throw refused(`session ${sessionId} is still charging: ${why}`, { field: 'id', reason: 'stop_refused', sessionId });
  }
  return requireSession(app, sessionId);
}
