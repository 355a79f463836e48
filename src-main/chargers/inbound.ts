import crypto from 'node:crypto';
import Decimal from 'decimal.js';
import type { AppContext } from '../kernel/context';
import type { AlertNotice, DepotEventMap } from '../kernel/events';
import { announceAlert } from '../alerts';
import { afterCommit } from '../kernel/db/after-commit';
import { writeTx, type Sqlite } from '../kernel/db/connection';
import { canonicalJson } from '../kernel/json';
import {
  CALL,
  CALLERROR,
  CALLRESULT,
  CHARGER_ACTIONS,
  callError,
  checkConnector,
  encodeFrame,
  isKnownAction,
  parseFrame,
  parseUpstreamTopic,
  topics,
  validatePayload,
  type CallFrame,
  type ConnectorBound,
  type Frame,
  type FrameForm,
  type OcppFault,
  type Payload,
  type PendingCalls,
} from './ocpp';
import { encodePayload } from './payload-codec';
import { MAX_CONNECTORS, recordSelfRegisteredCharger } from './registry';
import type { TransactionRecordKind } from './schema';
import type { AuthorizeContext, ChargerHooks, IdTagInfo, TransactionRecordNotice } from '../kernel/plugins';
import { expectRow, getRow } from '../kernel/db/rows';

export type { AuthorizeContext, ChargerHooks, IdTagInfo, TransactionRecordNotice };

/**
 * What the back office does with each message a charger publishes.
 *
 * Guarantees:
 * - Every message received is written to the message log as received (compressed, byte-exact:
 *   payload-codec.ts), with its receipt time and (when the payload has one) the charger's own time,
 *   and the answer we publish to it is kept on the same row; both in the same transaction as the
 *   change the message caused.
 * - A CALL that cannot be read, names an unknown action, breaks its OCPP 1.6 schema or DepotDesk's
 *   bounds (ocpp.ts LIMITS; a connector above the charger's registered count, which also raises
 *   `charger.unknown_connector`), or comes from a charger id the back office does not know
 *   (anything but BootNotification) changes nothing but
 *   the message log (and the sender's last-seen time: it is alive), and is answered with a
 *   CALLERROR carrying the OCPP error code. So does a CALL whose handling fails, hook included:
 *   its changes are rolled back and it is answered InternalError.
 * - A CALL's effects and its log rows commit before its answer is published, so a charger never
 *   holds an acknowledgement for something the back office could still lose.
 * - StartTransaction, MeterValues and StopTransaction land once each in the transaction inbox
 *   (charger_transactions), keyed by their identity; repeats are counted and acknowledged the same
 *   way. The same StartTransaction always gets the same transactionId back. The inbox row points
 *   at the message that carried the record (message_id): the payload is stored once.
 * - An unknown charger's BootNotification is Rejected unless `chargers.autoRegister` is on.
 * - Answers to our CALLs settle the waiting call (see PendingCalls); answers nobody waits for are
 *   logged and otherwise ignored, and are never answered.
 */

/**
 * The charger link is transport only: who may charge is the sessions domain's answer, plugged in
 * through its module's chargerHooks. Without it (a bare link in a test), no id tag is accepted.
 */
export const defaultHooks: ChargerHooks = { authorizeIdTag: () => ({ status: 'Invalid' }) };

export interface InboundMessage {
  topic: string;
  payload: Buffer;
  receivedAt: number;
}

export interface OutgoingMessage {
  chargerId: string;
  topic: string;
  text: string;
}

export interface BatchOutcome {
  replies: OutgoingMessage[];
  statusEvents: DepotEventMap['charger.status'][];
  records: TransactionRecordNotice[];
  alerts: AlertNotice[];
}

/** Actions whose handler writes at most one statement and calls no hook. */
const SINGLE_STATEMENT = new Set(['Heartbeat', 'MeterValues', 'StatusNotification', 'DataTransfer']);

/** A BootNotification from an unknown charger is told to come back in five minutes. */
export const REJECTED_BOOT_RETRY_S = 300;

interface ChargerRow {
  id: string;
  registered: number;
  connector_count: number;
}

class Fault extends Error {
  constructor(readonly fault: OcppFault) {
    super(fault.description);
  }
}

function statements(sqlite: Sqlite) {
  return {
    insertMessage: sqlite.prepare(
      `INSERT INTO charger_messages (charger_id, direction, topic, received_at, charger_at, message_type, unique_id, action, transaction_id, payload, error, answer)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    linkRecord: sqlite.prepare('UPDATE charger_transactions SET message_id = ? WHERE id = ? AND message_id IS NULL'),
    charger: sqlite.prepare('SELECT id, registered, connector_count FROM chargers WHERE id = ?'),
    wakeCharger: sqlite.prepare('UPDATE chargers SET online = 1, last_seen_at = ?, updated_at = ? WHERE id = ? AND online = 0'),
    touchCharger: sqlite.prepare('UPDATE chargers SET last_seen_at = ? WHERE id = ?'),
    chargerStatus: sqlite.prepare('SELECT status FROM chargers WHERE id = ?'),
    boot: sqlite.prepare(
      `UPDATE chargers SET vendor = ?, model = ?, serial_number = ?, firmware_version = ?, last_boot_at = ?, heartbeat_interval_s = ?,
         online = 1, last_seen_at = ?, updated_at = ? WHERE id = ?`,
    ),
    chargerLevelStatus: sqlite.prepare('UPDATE chargers SET status = ?, error_code = ?, updated_at = ? WHERE id = ?'),
    chargerErrorCode: sqlite.prepare<unknown[], { errorCode: string | null }>('SELECT error_code AS errorCode FROM chargers WHERE id = ?'),
    connectorErrorCode: sqlite.prepare<unknown[], { errorCode: string | null }>(
      'SELECT error_code AS errorCode FROM connectors WHERE charger_id = ? AND connector_id = ?',
    ),
    healthEvent: sqlite.prepare("INSERT INTO charger_health_events (charger_id, kind, connector_id, detail, at) VALUES (?, 'fault', ?, ?, ?)"),
    connectorStatus: sqlite.prepare(
      `INSERT INTO connectors (charger_id, connector_id, status, error_code, info, vendor_error_code, faulted, status_at, updated_at)
       VALUES (@chargerId, @connectorId, @status, @errorCode, @info, @vendorErrorCode, @faulted, @statusAt, @updatedAt)
       ON CONFLICT(charger_id, connector_id) DO UPDATE SET
         status = excluded.status, error_code = excluded.error_code, info = excluded.info, vendor_error_code = excluded.vendor_error_code,
         faulted = excluded.faulted, status_at = excluded.status_at, updated_at = excluded.updated_at
       WHERE excluded.status_at IS NULL OR connectors.status_at IS NULL OR excluded.status_at >= connectors.status_at`,
    ),
    findTransactionId: sqlite.prepare('SELECT transaction_id AS id FROM charger_transaction_ids WHERE charger_id = ? AND start_key = ?'),
    allocateTransactionId: sqlite.prepare('INSERT INTO charger_transaction_ids (charger_id, start_key, connector_id, id_tag, created_at) VALUES (?, ?, ?, ?, ?)'),
    // A meter record's key is its content hash, so its content_hash is null and never conflicts.
    record: sqlite.prepare(
      `INSERT INTO charger_transactions (charger_id, kind, transaction_id, connector_id, id_tag, charger_at, meter_wh, dedup_key, content_hash,
         received_at, last_received_at)
       VALUES (@chargerId, @kind, @transactionId, @connectorId, @idTag, @chargerAt, @meterWh, @dedupKey, @contentHash, @receivedAt, @receivedAt)
       ON CONFLICT(charger_id, dedup_key) DO UPDATE SET
         copies = copies + 1,
         last_received_at = max(last_received_at, excluded.last_received_at),
         conflicting_copies = conflicting_copies + coalesce(excluded.content_hash <> charger_transactions.content_hash, 0)
       RETURNING id, copies, content_hash AS contentHash`,
    ),
  };
}

type Statements = ReturnType<typeof statements>;
const statementCache = new WeakMap<Sqlite, Statements>();
function stmts(sqlite: Sqlite): Statements {
  let s = statementCache.get(sqlite);
  if (!s) {
    s = statements(sqlite);
    statementCache.set(sqlite, s);
  }
  return s;
}

/**
 * The payload's identity: the first 16 bytes of the SHA-256 of its canonical JSON (sorted keys),
 * however it was written. 128 bits keep accidental collisions out of reach for any depot's lifetime
 * and halve the key the inbox's unique index stores. Rows from before migration 0015 were converted
 * to the same form, so their replays are still recognised.
 */
function contentKey(text: string): Buffer {
  return (crypto.hash('sha256', text, 'buffer') as Buffer).subarray(0, 16);
}

function parseTime(v: unknown): number | null {
  if (typeof v !== 'string') return null;
  const t = Date.parse(v);
  return Number.isFinite(t) ? t : null;
}

interface SampledValue {
  value: string;
  measurand?: string;
  unit?: string;
  phase?: string;
}
interface MeterValue {
  timestamp: string;
  sampledValue: SampledValue[];
}

/** The last Energy.Active.Import.Register reading (no phase) in whole Wh, or null if none. */
export function lastEnergyRegisterWh(meterValue: MeterValue[]): number | null {
  let best: { at: number; wh: number } | null = null;
  for (const mv of meterValue) {
    const at = parseTime(mv.timestamp);
    if (at === null) continue;
    for (const sv of mv.sampledValue) {
      // A sample without a measurand is, per OCPP 1.6, the energy register.
      if ((sv.measurand ?? 'Energy.Active.Import.Register') !== 'Energy.Active.Import.Register' || sv.phase) continue;
      let wh: number;
      if (sv.unit !== 'kWh' && /^\d{1,15}$/.test(sv.value)) {
        wh = Number(sv.value); // the common case, whole Wh: no decimal arithmetic needed
      } else {
        let d: Decimal;
        try {
          d = new Decimal(sv.value.trim());
        } catch {
          continue;
        }
        if (!d.isFinite()) continue;
        wh = (sv.unit === 'kWh' ? d.times(1000) : d).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber();
      }
      if (!best || at >= best.at) best = { at, wh };
    }
  }
  return best?.wh ?? null;
}

/** The charger's own time in a payload (read defensively: the payload may be the invalid one). */
function chargerTime(action: string, payload: Payload): number | null {
  if (action === 'MeterValues') {
    const list: unknown[] = Array.isArray(payload.meterValue) ? payload.meterValue : [];
    const times = list.map((m) => (m && typeof m === 'object' ? parseTime((m as { timestamp?: unknown }).timestamp) : null)).filter((t): t is number => t !== null);
    return times.length > 0 ? Math.min(...times) : null;
  }
  return parseTime(payload.timestamp);
}

function faultText(f: OcppFault): string {
  return `${f.code}: ${f.description}`;
}

export interface InboundContext {
  app: AppContext;
  hooks: ChargerHooks;
  pending: PendingCalls;
  /** The frame form each charger last used, so our CALLs go out in the form it speaks. */
  forms: Map<string, FrameForm>;
}

type CallResult = { payload: Payload; transactionId: number | null };
type SavepointCall = (ctx: InboundContext, s: Statements, chargerId: string, frame: CallFrame, at: number, out: BatchOutcome) => CallResult;
// One savepoint wrapper per connection, built once: building it per message showed in profiles.
const savepointCalls = new WeakMap<Sqlite, SavepointCall>();
function inSavepoint(sqlite: Sqlite): SavepointCall {
  let fn = savepointCalls.get(sqlite);
  if (!fn) {
    fn = sqlite.transaction(handleCall);
    savepointCalls.set(sqlite, fn);
  }
  return fn;
}

/**
 * Handles one batch of received messages in one write transaction (group commit: the batch is
 * whatever arrived while the previous batch was being written). Returns what to publish and
 * announce once the transaction has committed.
 */
export function processBatch(ctx: InboundContext, batch: InboundMessage[]): BatchOutcome {
  const { app } = ctx;
  const s = stmts(app.sqlite);
  const out: BatchOutcome = { replies: [], statusEvents: [], records: [], alerts: [] };
  writeTx(app.sqlite, () => {
    const touched = new Set<string>();
    for (const msg of batch) handleOne(ctx, s, msg, out, touched);
  });
  return out;
}

function logMessage(
  s: Statements,
  m: {
    chargerId: string;
    direction: 'in' | 'out';
    topic: string;
    at: number;
    chargerAt?: number | null;
    messageType?: number | null;
    uniqueId?: string | null;
    action?: string | null;
    transactionId?: number | null;
    payload: string;
    error?: string | null;
    /** Our answer to this CALL, as published. */
    answer?: string | null;
  },
): number {
  return Number(
    s.insertMessage.run(
      m.chargerId,
      m.direction,
      m.topic,
      m.at,
      m.chargerAt ?? null,
      m.messageType ?? null,
      m.uniqueId ?? null,
      m.action ?? null,
      m.transactionId ?? null,
      encodePayload(m.payload),
      m.error ?? null,
      m.answer == null ? null : encodePayload(m.answer),
    ).lastInsertRowid,
  );
}

/** Queues our answer to a charger's CALL for publishing after the commit; returns its text for the log. */
function reply(out: BatchOutcome, chargerId: string, frame: Frame, form: FrameForm): string {
  const topic = topics.downstream(chargerId);
  const text = encodeFrame(frame, form);
  out.replies.push({ chargerId, topic, text });
  return text;
}

/** The first message from a charger in a batch marks it seen, and online again if it was not. */
function wakeOnce(s: Statements, chargerId: string, at: number, out: BatchOutcome, touched: Set<string>): void {
  if (touched.has(chargerId)) return;
  touched.add(chargerId);
  if (s.wakeCharger.run(at, at, chargerId).changes === 1) {
    const row = expectRow<{ status: string | null }>(s.chargerStatus, chargerId);
    out.statusEvents.push({ chargerId, online: true, status: row.status, connectorId: null, connectorStatus: null, errorCode: null, faulted: false });
  } else {
    s.touchCharger.run(at, chargerId);
  }
}

type Unreadable = Extract<ReturnType<typeof parseFrame>, { ok: false }>;

/** A message that is not a readable frame: logged, and refused with a CALLERROR when it may have been a CALL. */
function refuseUnreadable(ctx: InboundContext, s: Statements, msg: InboundMessage, chargerId: string, text: string, parsed: Unreadable, out: BatchOutcome): void {
  ctx.app.log.warn({ chargerId, topic: msg.topic, raw: text.slice(0, 2000), fault: parsed.fault }, 'unreadable charger message refused');
  // Answers are never answered; only something that may have been a CALL gets a CALLERROR.
  const answerable = parsed.messageType !== CALLRESULT && parsed.messageType !== CALLERROR;
  logMessage(s, {
    chargerId,
    direction: 'in',
    topic: msg.topic,
    at: msg.receivedAt,
    messageType: parsed.messageType,
    uniqueId: parsed.uniqueId,
    action: parsed.action,
    payload: text,
    error: faultText(parsed.fault),
    answer: answerable ? reply(out, chargerId, callError(parsed.uniqueId, parsed.fault), parsed.form) : null,
  });
}

/** A charger's CALLRESULT or CALLERROR: settles the CALL waiting for it, if any, and is logged either way. */
function takeAnswer(ctx: InboundContext, s: Statements, msg: InboundMessage, chargerId: string, text: string, frame: Exclude<Frame, CallFrame>): void {
  const settled = ctx.pending.answer(chargerId, frame);
  const error = !settled ? 'no call is waiting for this answer (late or unsolicited); ignored' : settled.fault ? faultText(settled.fault) : null;
  logMessage(s, {
    chargerId,
    direction: 'in',
    topic: msg.topic,
    at: msg.receivedAt,
    messageType: frame.type,
    uniqueId: frame.uniqueId,
    action: settled?.action ?? null,
    payload: text,
    error: error ?? (frame.type === CALLERROR ? `${frame.errorCode}: ${frame.errorDescription}` : null),
  });
  if (!settled) ctx.app.log.info({ chargerId, uniqueId: frame.uniqueId }, 'charger answer with no waiting call ignored');
}

/** Runs a CALL's handler; its result and what it announces, or the fault to answer with. */
function runCall(ctx: InboundContext, s: Statements, chargerId: string, frame: CallFrame, at: number, text: string, out: BatchOutcome) {
  const { app } = ctx;
  let result: CallResult | null = null;
  let fault: OcppFault | null = null;
  const effects: BatchOutcome = { replies: [], statusEvents: [], records: [], alerts: [] };
  try {
    // A handler that fails leaves nothing behind (not even the events it meant to announce) and
    // the rest of the batch commits: multi-statement handlers run in a savepoint, and a handler
    // that writes one statement or none needs none (a statement is atomic).
    result = SINGLE_STATEMENT.has(frame.action) ? handleCall(ctx, s, chargerId, frame, at, effects) : inSavepoint(app.sqlite)(ctx, s, chargerId, frame, at, effects);
    out.statusEvents.push(...effects.statusEvents);
    out.records.push(...effects.records);
    out.alerts.push(...effects.alerts);
  } catch (e) {
    if (e instanceof Fault) fault = e.fault;
    else {
      app.log.error({ err: e, chargerId, action: frame.action, raw: text.slice(0, 2000) }, 'handling a charger CALL failed');
      fault = { code: 'InternalError', description: `the back office could not handle ${frame.action} (logged)` };
    }
  }
  return { result, fault, effects };
}

function handleOne(ctx: InboundContext, s: Statements, msg: InboundMessage, out: BatchOutcome, touched: Set<string>): void {
  const { app } = ctx;
  const where = parseUpstreamTopic(msg.topic);
  if (!where) {
    app.log.warn({ topic: msg.topic }, 'message on a topic that is not a charger topic ignored');
    return;
  }
  const { chargerId } = where;
  const text = msg.payload.toString('utf8');
  const at = msg.receivedAt;
  wakeOnce(s, chargerId, at, out, touched);

  const parsed = parseFrame(text);
  if (!parsed.ok) return refuseUnreadable(ctx, s, msg, chargerId, text, parsed, out);
  const frame = parsed.frame;
  if (frame.type !== CALL) return takeAnswer(ctx, s, msg, chargerId, text, frame);

  ctx.forms.set(chargerId, parsed.form);
  const { result, fault, effects } = runCall(ctx, s, chargerId, frame, at, text, out);
  const payloadTxId = typeof frame.payload.transactionId === 'number' ? frame.payload.transactionId : null;
  if (fault) app.log.warn({ chargerId, action: frame.action, raw: text.slice(0, 2000), fault }, 'charger CALL refused');
  const answer = fault ? callError(frame.uniqueId, fault) : ({ type: CALLRESULT, uniqueId: frame.uniqueId, payload: result!.payload } satisfies Frame);
  const messageId = logMessage(s, {
    chargerId,
    direction: 'in',
    topic: msg.topic,
    at,
    chargerAt: chargerTime(frame.action, frame.payload),
    messageType: CALL,
    uniqueId: frame.uniqueId,
    action: frame.action,
    transactionId: result?.transactionId ?? payloadTxId,
    payload: text,
    error: fault ? faultText(fault) : null,
    answer: reply(out, chargerId, answer, parsed.form),
  });
  // The record this CALL put in the inbox points at the message that carries its payload.
  for (const r of fault ? [] : effects.records) if (!r.duplicate) s.linkRecord.run(messageId, r.recordId);
}

function handleCall(ctx: InboundContext, s: Statements, chargerId: string, frame: CallFrame, at: number, out: BatchOutcome): CallResult {
  const { app } = ctx;
  const action = frame.action;
  if (!isKnownAction(action)) throw new Fault({ code: 'NotImplemented', description: `${action} is not an OCPP 1.6 action` });
  if (!(CHARGER_ACTIONS as readonly string[]).includes(action)) {
    throw new Fault({ code: 'NotSupported', description: `${action} is sent by a central system, not by a charger` });
  }
  const invalid = validatePayload(action, 'req', frame.payload);
  if (invalid) throw new Fault(invalid);

  let charger = getRow<ChargerRow>(s.charger, chargerId);
  const autoRegister = app.config.chargers.autoRegister;
  if (action === 'BootNotification') {
    if (!charger && autoRegister) {
      recordSelfRegisteredCharger(app, chargerId, null);
      charger = expectRow<ChargerRow>(s.charger, chargerId);
      app.log.warn({ chargerId }, 'unknown charger booted and registered itself (auto-registration is on)');
    }
    if (!charger || (charger.registered === 0 && !autoRegister)) {
      app.log.warn({ chargerId }, 'BootNotification from an unregistered charger rejected');
      return { payload: { status: 'Rejected', currentTime: new Date(at).toISOString(), interval: REJECTED_BOOT_RETRY_S }, transactionId: null };
    }
    return { payload: boot(app, s, chargerId, frame.payload, at), transactionId: null };
  }
  if (!charger || (charger.registered === 0 && !autoRegister)) {
    throw new Fault({ code: 'SecurityError', description: `charger ${chargerId} is not registered with this back office; it must boot and be accepted first` });
  }

  const p = frame.payload;
  const badConnector = checkConnector(action, p, connectorBound(chargerId, charger));
  if (badConnector) {
    if (charger.registered === 1) unknownConnectorAlert(app, chargerId, p.connectorId as number, charger.connector_count);
    throw new Fault(badConnector);
  }
  switch (action) {
    case 'Heartbeat':
      return { payload: { currentTime: new Date(at).toISOString() }, transactionId: null };
    case 'StatusNotification':
      statusNotification(s, chargerId, p, at, out);
      return { payload: {}, transactionId: null };
    case 'Authorize':
      return { payload: checkedAnswer(action, { idTagInfo: ctx.hooks.authorizeIdTag(app, p.idTag as string, { chargerId, action }) }), transactionId: null };
    case 'StartTransaction': {
      const transactionId = startTransaction(s, chargerId, frame, at, out);
      const chargerAt = parseTime(p.timestamp);
      return {
        payload: checkedAnswer(action, { transactionId, idTagInfo: ctx.hooks.authorizeIdTag(app, p.idTag as string, { chargerId, action, chargerAt }) }),
        transactionId,
      };
    }
    case 'MeterValues':
      meterValues(s, chargerId, frame, at, out);
      return { payload: {}, transactionId: typeof p.transactionId === 'number' ? p.transactionId : null };
    case 'StopTransaction': {
      stopTransaction(app, s, chargerId, frame, at, out);
      const idTag = typeof p.idTag === 'string' ? p.idTag : null;
      return {
        payload: checkedAnswer(action, idTag ? { idTagInfo: ctx.hooks.authorizeIdTag(app, idTag, { chargerId, action }) } : {}),
        transactionId: p.transactionId as number,
      };
    }
    case 'DataTransfer':
      return { payload: { status: 'UnknownVendorId' }, transactionId: null };
    case 'SignCertificate':
      return { payload: { status: 'Rejected' }, transactionId: null };
    default:
      // Diagnostics/firmware/log status and security events: the message log is their record.
      return { payload: {}, transactionId: null };
  }
}

/** An answer built from a hook's output is checked against the .conf schema before it is sent. */
function checkedAnswer(action: string, payload: Payload): Payload {
  const fault = validatePayload(action, 'conf', payload);
  if (fault) throw new Error(`our ${action} answer breaks the OCPP schema (${fault.description}); check the authorizeIdTag hook`);
  return payload;
}

function boot(app: AppContext, s: Statements, chargerId: string, p: Payload, at: number): Payload {
  const interval = app.config.chargers.heartbeatIntervalS;
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  s.boot.run(
    str(p.chargePointVendor),
    str(p.chargePointModel),
    str(p.chargePointSerialNumber) ?? str(p.chargeBoxSerialNumber),
    str(p.firmwareVersion),
    at,
    interval,
    at,
    at,
    chargerId,
  );
  return { status: 'Accepted', currentTime: new Date(at).toISOString(), interval };
}

/**
 * The highest connector a charger may name: its registered count, or for a charger that registered
 * itself and is not confirmed yet (count unknown) the most `charger add` accepts.
 */
function connectorBound(chargerId: string, charger: ChargerRow): ConnectorBound {
  return charger.registered === 1
    ? { max: charger.connector_count, reason: `charger ${chargerId} is registered with ${charger.connector_count} connector(s)` }
    : { max: MAX_CONNECTORS, reason: `charger ${chargerId} is not confirmed yet, and a charger has at most ${MAX_CONNECTORS}` };
}

/**
 * A registered charger naming a connector above its count is refused, and the operators hear of it:
 * either the count is wrong or the charger is. The alert is announced once the batch's transaction
 * has ended, since the refusal throws away the handler's own events; it is about a message received,
 * not a row written, so a rolled-back batch (the charger then sends it again) does not retract it.
 */
function unknownConnectorAlert(app: AppContext, chargerId: string, connectorId: number, count: number): void {
  const alert: AlertNotice = {
    level: 'warning',
    code: 'charger.unknown_connector',
    message: `charger ${chargerId} reported connector ${connectorId}, but is registered with ${count}; the message was refused (check the charger's connector count)`,
  };
  afterCommit(app.sqlite, () => announceAlert(app, alert));
}

function statusNotification(s: Statements, chargerId: string, p: Payload, at: number, out: BatchOutcome): void {
  const connectorId = p.connectorId as number;
  const status = p.status as string;
  const errorCode = p.errorCode as string;
  const faulted = status === 'Faulted';
  const before = (connectorId === 0 ? s.chargerErrorCode.get(chargerId) : s.connectorErrorCode.get(chargerId, connectorId))?.errorCode ?? 'NoError';
  if (errorCode !== 'NoError' && errorCode !== before) {
    // A new fault episode (a repeated report of the same code is not a second one).
    const vendor = typeof p.vendorErrorCode === 'string' && p.vendorErrorCode ? ` (${p.vendorErrorCode})` : '';
    s.healthEvent.run(chargerId, connectorId === 0 ? null : connectorId, `${errorCode}${vendor}`, at);
  }
  if (connectorId === 0) {
    s.chargerLevelStatus.run(status, errorCode, at, chargerId);
  } else {
    s.connectorStatus.run({
      chargerId,
      connectorId,
      status,
      errorCode,
      info: typeof p.info === 'string' ? p.info : null,
      vendorErrorCode: typeof p.vendorErrorCode === 'string' ? p.vendorErrorCode : null,
      faulted: faulted ? 1 : 0,
      statusAt: parseTime(p.timestamp),
      updatedAt: at,
    });
  }
  out.statusEvents.push({ chargerId, online: true, status: connectorId === 0 ? status : null, connectorId, connectorStatus: status, errorCode, faulted });
  if (faulted) {
    out.alerts.push({
      level: 'urgent',
      code: 'charger.faulted',
      message: `charger ${chargerId}${connectorId === 0 ? '' : ` connector ${connectorId}`} is Faulted (${errorCode}${typeof p.vendorErrorCode === 'string' ? `, vendor ${p.vendorErrorCode}` : ''})`,
    });
  }
}

interface RecordInput {
  chargerId: string;
  kind: TransactionRecordKind;
  transactionId: number | null;
  connectorId: number | null;
  idTag: string | null;
  chargerAt: number;
  meterWh: number | null;
  /** The record's identity; null for records identified by their content (the content hash). */
  dedupKey: string | null;
  payload: Payload;
  receivedAt: number;
}

function record(s: Statements, r: RecordInput, out: BatchOutcome): { duplicate: boolean; conflicting: boolean } {
  const contentHash = contentKey(canonicalJson(r.payload));
  const dedupKey = r.dedupKey ?? contentHash;
  const row = expectRow<{ id: number; copies: number; contentHash: Buffer | null }>(s.record, {
    chargerId: r.chargerId,
    kind: r.kind,
    transactionId: r.transactionId,
    connectorId: r.connectorId,
    idTag: r.idTag,
    chargerAt: r.chargerAt,
    meterWh: r.meterWh,
    dedupKey,
    contentHash: r.dedupKey === null ? null : contentHash,
    receivedAt: r.receivedAt,
  });
  const duplicate = row.copies > 1;
  out.records.push({ recordId: row.id, chargerId: r.chargerId, kind: r.kind, transactionId: r.transactionId, duplicate });
  return { duplicate, conflicting: duplicate && row.contentHash !== null && !row.contentHash.equals(contentHash) };
}

function startTransaction(s: Statements, chargerId: string, frame: CallFrame, at: number, out: BatchOutcome): number {
  const p = frame.payload;
  const connectorId = p.connectorId as number;
  const idTag = p.idTag as string;
  const timestamp = parseTime(p.timestamp)!;
  const meterStart = p.meterStart as number;
  const startKey = `${connectorId}|${idTag}|${timestamp}|${meterStart}`;
  const found = getRow<{ id: number }>(s.findTransactionId, chargerId, startKey);
  const transactionId = found?.id ?? Number(s.allocateTransactionId.run(chargerId, startKey, connectorId, idTag, at).lastInsertRowid);
  record(
    s,
    {
      chargerId,
      kind: 'start',
      transactionId,
      connectorId,
      idTag,
      chargerAt: timestamp,
      meterWh: meterStart,
      dedupKey: `start|${startKey}`,
      payload: p,
      receivedAt: at,
    },
    out,
  );
  return transactionId;
}

function meterValues(s: Statements, chargerId: string, frame: CallFrame, at: number, out: BatchOutcome): void {
  const p = frame.payload;
  const connectorId = p.connectorId as number;
  const transactionId = typeof p.transactionId === 'number' ? p.transactionId : null;
  const samples = p.meterValue as MeterValue[];
  record(
    s,
    {
      chargerId,
      kind: 'meter',
      transactionId,
      connectorId,
      idTag: null,
      chargerAt: chargerTime('MeterValues', p) ?? at,
      meterWh: lastEnergyRegisterWh(samples),
      // A meter record is its content (connector and transaction included): the same samples again are a repeat.
      dedupKey: null,
      payload: p,
      receivedAt: at,
    },
    out,
  );
}

function stopTransaction(app: AppContext, s: Statements, chargerId: string, frame: CallFrame, at: number, out: BatchOutcome): void {
  const p = frame.payload;
  const transactionId = p.transactionId as number;
  const { conflicting } = record(
    s,
    {
      chargerId,
      kind: 'stop',
      transactionId,
      connectorId: null,
      idTag: typeof p.idTag === 'string' ? p.idTag : null,
      chargerAt: parseTime(p.timestamp)!,
      meterWh: p.meterStop as number,
      dedupKey: `stop|${transactionId}`,
      payload: p,
      receivedAt: at,
    },
    out,
  );
  if (conflicting) {
    app.log.warn({ chargerId, transactionId, uniqueId: frame.uniqueId }, 'a second, different StopTransaction for the same transaction; the first one is kept');
    out.alerts.push({
      level: 'warning',
      code: 'charger.conflicting_stop',
      message: `charger ${chargerId} sent a different StopTransaction for transaction ${transactionId}; the first one is kept`,
    });
  }
}
