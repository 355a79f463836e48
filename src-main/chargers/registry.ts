import type { AppContext } from '../kernel/context';
import { DepotError, expectChanges } from '../kernel/errors';
import { writeTx } from '../kernel/db/connection';
import { hashPassword } from '../operators';
import type { DoctorCheck, DoctorOptions } from '../kernel/plugins';
import { CHARGER_ID_PATTERN } from './ocpp';
import { decodePayload } from './payload-codec';
import { cachedStatement } from '../kernel/db/statements';
import { allRows } from '../kernel/db/rows';

/**
 * The charger registry: stations, chargers, connectors and the message log's reading side.
 *
 * Guarantees:
 * - A charger id is unique, matches CHARGER_ID_PATTERN (it is a topic level and an MQTT login), and
 *   belongs to an existing station when an operator adds it.
 * - Charger passwords are stored only as scrypt hashes (the operators' scheme).
 * - Listing a charger lists one entry per registered connector plus the connector rows actually
 *   stored, never more, whatever a stored connector id says; connector rows outside the count are
 *   reported by `doctor` and deleted by `doctor --repair`.
 * - A charger is online from any message it sends until it has been silent for
 *   `chargers.offlineAfterMissedHeartbeats` heartbeat intervals; markOfflineChargers is the only
 *   place that takes it offline, and it reports every charger it changed.
 * - The message log reads back every message in and out as it was received or sent, decoded from
 *   its stored form (payload-codec.ts); our answer to a charger's CALL comes with the CALL (its
 *   `answer`), and rows from before migration 0015 (plain text, answers as 'out' rows of their own)
 *   read as they always did. A stored payload that does not decode is an integrity_failed error
 *   naming the message, never a guess.
 * - pruneMessageLog deletes only what is older than the retention, in bounded chunks: inbox
 *   records that were applied or resolved (a record still waiting is never deleted), and message-log
 *   rows, except a message that a record still waiting points at.
 */

export const MIN_CHARGER_PASSWORD = 8;
/** The most connectors a charger can be registered with. */
export const MAX_CONNECTORS = 32;

export interface Station {
  id: string;
  name: string;
  address: string;
  createdAt: number;
  chargerCount: number;
}

export interface ConnectorState {
  connectorId: number;
  status: string | null;
  errorCode: string | null;
  info: string | null;
  vendorErrorCode: string | null;
  faulted: boolean;
  statusAt: number | null;
  updatedAt: number | null;
}

export interface ChargerSummary {
  id: string;
  stationId: string | null;
  stationName: string | null;
  connectorCount: number;
  vendor: string | null;
  model: string | null;
  serialNumber: string | null;
  firmwareVersion: string | null;
  status: string | null;
  errorCode: string | null;
  online: boolean;
  maintenance: boolean;
  maintenanceReason: string | null;
  registered: boolean;
  heartbeatIntervalS: number;
  lastBootAt: number | null;
  lastSeenAt: number | null;
  createdAt: number;
  connectors: ConnectorState[];
}

interface ChargerRow {
  id: string;
  station_id: string | null;
  station_name: string | null;
  connector_count: number;
  vendor: string | null;
  model: string | null;
  serial_number: string | null;
  firmware_version: string | null;
  status: string | null;
  error_code: string | null;
  online: number;
  maintenance: number;
  maintenance_reason: string | null;
  registered: number;
  heartbeat_interval_s: number;
  last_boot_at: number | null;
  last_seen_at: number | null;
  created_at: number;
}

interface ConnectorRow {
  charger_id: string;
  connector_id: number;
  status: string | null;
  error_code: string | null;
  info: string | null;
  vendor_error_code: string | null;
  faulted: number;
  status_at: number | null;
  updated_at: number | null;
}

const CHARGER_SELECT = `SELECT c.id, c.station_id, s.name AS station_name, c.connector_count, c.vendor, c.model, c.serial_number,
  c.firmware_version, c.status, c.error_code, c.online, c.maintenance, c.maintenance_reason, c.registered,
  c.heartbeat_interval_s, c.last_boot_at, c.last_seen_at, c.created_at
  FROM chargers c LEFT JOIN stations s ON s.id = c.station_id`;

function toConnector(r: ConnectorRow): ConnectorState {
  return {
    connectorId: r.connector_id,
    status: r.status,
    errorCode: r.error_code,
    info: r.info,
    vendorErrorCode: r.vendor_error_code,
    faulted: r.faulted === 1,
    statusAt: r.status_at,
    updatedAt: r.updated_at,
  };
}

/**
 * The charger's connectors: one per registered connector even before it reported anything, then
 * any row stored beyond the count (written before connector ids were bounded, or left by a lower
 * count) as it is. Never more entries than the count (at most MAX_CONNECTORS) plus the rows
 * themselves, whatever a stored connector id or count says: one connectorId 99999999999 once made
 * this a loop of 10^11 steps and took the process down with it.
 */
function connectorStates(r: ChargerRow, reported: ConnectorRow[]): ConnectorState[] {
  const byId = new Map(reported.map((c) => [c.connector_id, toConnector(c)]));
  const filled = Math.min(r.connector_count, MAX_CONNECTORS);
  const out: ConnectorState[] = [];
  for (let n = 1; n <= filled; n += 1) {
    out.push(byId.get(n) ?? { connectorId: n, status: null, errorCode: null, info: null, vendorErrorCode: null, faulted: false, statusAt: null, updatedAt: null });
  }
  for (const c of reported) if (c.connector_id < 1 || c.connector_id > filled) out.push(toConnector(c));
  return out;
}

/** A connector row outside 1..its charger's count (the count a message may name: see inbound.ts). */
export interface StrayConnector {
  chargerId: string;
  connectorId: number;
  /** The highest connector the charger may have: its registered count, MAX_CONNECTORS if unconfirmed. */
  allowed: number;
  status: string | null;
}

/**
 * Connector rows no message could write today: outside 1 to the charger's registered count (for a
 * charger not confirmed yet, MAX_CONNECTORS). They come from before connector ids were bounded, or
 * from a charger confirmed later with fewer connectors than it reported.
 */
export function strayConnectors(app: AppContext): StrayConnector[] {
  return app.sqlite
    .prepare<unknown[], StrayConnector>(
      `SELECT k.charger_id AS chargerId, k.connector_id AS connectorId, k.status,
         CASE WHEN c.registered = 1 THEN c.connector_count ELSE ${MAX_CONNECTORS} END AS allowed
       FROM connectors k JOIN chargers c ON c.id = k.charger_id
       WHERE k.connector_id < 1 OR k.connector_id > (CASE WHEN c.registered = 1 THEN c.connector_count ELSE ${MAX_CONNECTORS} END)
       ORDER BY k.charger_id, k.connector_id`,
    )
    .all();
}

/** Deletes the stray connector rows (doctor --repair), each checked, and logs what it removed. */
export function deleteStrayConnectors(app: AppContext): StrayConnector[] {
  const removed = writeTx(app.sqlite, () => {
    const stray = strayConnectors(app);
    const del = app.sqlite.prepare('DELETE FROM connectors WHERE charger_id = ? AND connector_id = ?');
    for (const k of stray) expectChanges(del.run(k.chargerId, k.connectorId), 1, `delete connector ${k.connectorId} of charger ${k.chargerId}`);
    return stray;
  });
  if (removed.length > 0) app.log.warn({ removed }, "doctor --repair deleted connector rows outside their charger's connector count");
  return removed;
}

function strayText(list: StrayConnector[]): string {
  const shown = list.slice(0, 5).map((k) => `${k.chargerId} connector ${k.connectorId} (allowed 1-${k.allowed})`);
  return shown.join(', ') + (list.length > shown.length ? ` and ${list.length - shown.length} more` : '');
}

/**
 * `depotdesk doctor`: connector rows outside their charger's count are a problem (they were written
 * before bounds existed, or by a count lowered since); `doctor --repair` deletes them.
 */
export function connectorsDoctorCheck(app: AppContext, opts: DoctorOptions = {}): DoctorCheck {
  const name = 'connectors';
  if (opts.repair) {
    const removed = deleteStrayConnectors(app);
    if (removed.length > 0)
      return { name, ok: true, detail: `repaired: deleted ${removed.length} connector row(s) outside their charger's count: ${strayText(removed)}` };
  }
  const stray = strayConnectors(app);
  if (stray.length === 0) return { name, ok: true, detail: "every connector row is within its charger's connector count" };
  return {
    name,
    ok: false,
    detail: `${stray.length} connector row(s) outside their charger's count: ${strayText(stray)}; run depotdesk doctor --repair to delete them`,
  };
}

function toSummary(r: ChargerRow, reported: ConnectorRow[]): ChargerSummary {
  return {
    id: r.id,
    stationId: r.station_id,
    stationName: r.station_name,
    connectorCount: r.connector_count,
    vendor: r.vendor,
    model: r.model,
    serialNumber: r.serial_number,
    firmwareVersion: r.firmware_version,
    status: r.status,
    errorCode: r.error_code,
    online: r.online === 1,
    maintenance: r.maintenance === 1,
    maintenanceReason: r.maintenance_reason,
    registered: r.registered === 1,
    heartbeatIntervalS: r.heartbeat_interval_s,
    lastBootAt: r.last_boot_at,
    lastSeenAt: r.last_seen_at,
    createdAt: r.created_at,
    connectors: connectorStates(r, reported),
  };
}

// --- stations ---------------------------------------------------------------------------------

export function listStations(app: AppContext): Station[] {
  return app.sqlite
    .prepare<unknown[], Station>(
      `SELECT s.id, s.name, s.address, s.created_at AS createdAt, count(c.id) AS chargerCount
         FROM stations s LEFT JOIN chargers c ON c.station_id = s.id GROUP BY s.id ORDER BY s.name`,
    )
    .all();
}

/** `id` is for fixed, well-known stations (the demo); operators' stations get a ULID. */
export function addStation(app: AppContext, input: { name: string; address?: string; id?: string }): Station {
  const name = input.name.trim();
  if (!name) throw new DepotError('invalid_input', 'a station needs a name', { field: 'name' });
  return writeTx(app.sqlite, () => {
    const taken = app.sqlite.prepare('SELECT id FROM stations WHERE name_key = ?').get(name.toLowerCase());
    if (taken) throw new DepotError('conflict', `a station named ${name} already exists`, { field: 'name' });
    const row = { id: input.id ?? app.ids.next(), name, nameKey: name.toLowerCase(), address: input.address?.trim() ?? '', createdAt: app.clock.now() };
    app.sqlite.prepare('INSERT INTO stations (id, name, name_key, address, created_at) VALUES (@id, @name, @nameKey, @address, @createdAt)').run(row);
    return { id: row.id, name: row.name, address: row.address, createdAt: row.createdAt, chargerCount: 0 };
  });
}

/** A station by id or (case-insensitive) name. */
export function findStation(app: AppContext, idOrName: string): { id: string; name: string } | null {
  return (
    app.sqlite
      .prepare<unknown[], { id: string; name: string }>('SELECT id, name FROM stations WHERE id = ? OR name_key = ?')
      .get(idOrName, idOrName.trim().toLowerCase()) ?? null
  );
}

// --- chargers ---------------------------------------------------------------------------------

export function checkChargerId(id: string): void {
  if (!CHARGER_ID_PATTERN.test(id)) {
    throw new DepotError('invalid_input', `charger id "${id}" must be 1-48 letters, digits, dot, dash or underscore`, { field: 'id' });
  }
}

export async function addCharger(app: AppContext, input: { id: string; station: string; connectors: number; password: string }): Promise<ChargerSummary> {
  checkChargerId(input.id);
  if (input.password.length < MIN_CHARGER_PASSWORD) {
    throw new DepotError('invalid_input', `a charger password needs at least ${MIN_CHARGER_PASSWORD} characters`, { field: 'password' });
  }
  if (!Number.isInteger(input.connectors) || input.connectors < 1 || input.connectors > MAX_CONNECTORS) {
    throw new DepotError('invalid_input', `connectors must be a whole number from 1 to ${MAX_CONNECTORS}`, { field: 'connectors' });
  }
  const passwordHash = await hashPassword(input.password);
  writeTx(app.sqlite, () => {
    const station = findStation(app, input.station);
    if (!station) throw new DepotError('not_found', `no station "${input.station}"; add it first (station add)`, { field: 'station' });
    const existing = app.sqlite.prepare<unknown[], { registered: number }>('SELECT registered FROM chargers WHERE id = ?').get(input.id);
    const now = app.clock.now();
    if (existing && existing.registered === 1) {
      throw new DepotError('conflict', `charger ${input.id} is already registered`, { field: 'id' });
    }
    if (existing) {
      // A charger that registered itself is confirmed by the operator: it gets its station,
      // connector count and a password of the operator's choosing.
      expectChanges(
        app.sqlite
          .prepare(
            `UPDATE chargers SET station_id = ?, connector_count = ?, password_hash = ?, registered = 1, updated_at = ?
             WHERE id = ? AND registered = 0`,
          )
          .run(station.id, input.connectors, passwordHash, now, input.id),
        1,
        `confirm self-registered charger ${input.id}`,
      );
      return;
    }
    app.sqlite
      .prepare(
        `INSERT INTO chargers (id, station_id, connector_count, password_hash, registered, heartbeat_interval_s, created_at, updated_at)
         VALUES (?, ?, ?, ?, 1, ?, ?, ?)`,
      )
      .run(input.id, station.id, input.connectors, passwordHash, app.config.chargers.heartbeatIntervalS, now, now);
  });
  return getCharger(app, input.id)!;
}

export function getCharger(app: AppContext, id: string): ChargerSummary | null {
  const row = cachedStatement<ChargerRow>(app.sqlite, `${CHARGER_SELECT} WHERE c.id = ?`).get(id);
  if (!row) return null;
  const conns = cachedStatement<ConnectorRow>(app.sqlite, 'SELECT * FROM connectors WHERE charger_id = ? ORDER BY connector_id').all(id);
  return toSummary(row, conns);
}

export function requireCharger(app: AppContext, id: string): ChargerSummary {
  const c = getCharger(app, id);
  if (!c) throw new DepotError('not_found', `no charger ${id}`, { field: 'id' });
  return c;
}

export function listChargers(app: AppContext, filter: { stationId?: string } = {}): ChargerSummary[] {
  const rows = (
    filter.stationId
      ? app.sqlite.prepare(`${CHARGER_SELECT} WHERE c.station_id = ? ORDER BY c.id`).all(filter.stationId)
      : app.sqlite.prepare(`${CHARGER_SELECT} ORDER BY c.id`).all()
  ) as ChargerRow[];
  const conns = app.sqlite.prepare<unknown[], ConnectorRow>('SELECT * FROM connectors ORDER BY charger_id, connector_id').all();
  const byCharger = new Map<string, ConnectorRow[]>();
  for (const c of conns) {
    const list = byCharger.get(c.charger_id) ?? [];
    list.push(c);
    byCharger.set(c.charger_id, list);
  }
  return rows.map((r) => toSummary(r, byCharger.get(r.id) ?? []));
}

export function setMaintenance(app: AppContext, id: string, maintenance: boolean, reason?: string): ChargerSummary {
  writeTx(app.sqlite, () => {
    requireCharger(app, id);
    expectChanges(
      app.sqlite
        .prepare('UPDATE chargers SET maintenance = ?, maintenance_reason = ?, updated_at = ? WHERE id = ?')
        .run(maintenance ? 1 : 0, maintenance ? reason?.trim() || null : null, app.clock.now(), id),
      1,
      `set maintenance of charger ${id}`,
    );
  });
  return requireCharger(app, id);
}

/** What the embedded broker needs to check a charger's login. */
export function chargerCredentials(app: AppContext, id: string): { passwordHash: string | null; registered: boolean } | null {
  const row = app.sqlite.prepare<unknown[], { password_hash: string | null; registered: number }>('SELECT password_hash, registered FROM chargers WHERE id = ?').get(id);
  return row ? { passwordHash: row.password_hash, registered: row.registered === 1 } : null;
}

/**
 * Auto-registration, trust on first use: an unknown charger that logs in while
 * `chargers.autoRegister` is on is recorded (unconfirmed, no station) with the password it used,
 * so from then on only that password opens its id.
 */
export function recordSelfRegisteredCharger(app: AppContext, id: string, passwordHash: string | null): void {
  const now = app.clock.now();
  app.sqlite
    .prepare(
      `INSERT INTO chargers (id, station_id, connector_count, password_hash, registered, heartbeat_interval_s, created_at, updated_at)
       VALUES (?, NULL, 0, ?, 0, ?, ?, ?) ON CONFLICT(id) DO NOTHING`,
    )
    .run(id, passwordHash, app.config.chargers.heartbeatIntervalS, now, now);
}

export interface OfflineChange {
  chargerId: string;
  lastSeenAt: number | null;
}

/**
 * Takes offline every online charger silent for more than `offlineAfterMissedHeartbeats` of its
 * heartbeat intervals. Scheduled by the jobs domain; safe to run at any frequency.
 */
export function markOfflineChargers(app: AppContext, now: number = app.clock.now()): OfflineChange[] {
  const missed = app.config.chargers.offlineAfterMissedHeartbeats;
  const changed = writeTx(app.sqlite, () => {
    const due = app.sqlite
      .prepare<unknown[], OfflineChange>(
        `SELECT id AS chargerId, last_seen_at AS lastSeenAt FROM chargers
         WHERE online = 1 AND (last_seen_at IS NULL OR last_seen_at + heartbeat_interval_s * 1000 * ? < ?)`,
      )
      .all(missed, now);
    const update = app.sqlite.prepare('UPDATE chargers SET online = 0, updated_at = ? WHERE id = ? AND online = 1');
    const episode = app.sqlite.prepare("INSERT INTO charger_health_events (charger_id, kind, connector_id, detail, at) VALUES (?, 'offline', NULL, '', ?)");
    for (const c of due) {
      expectChanges(update.run(now, c.chargerId), 1, `mark charger ${c.chargerId} offline`);
      episode.run(c.chargerId, now);
    }
    return due;
  });
  for (const c of changed) {
    const row = getCharger(app, c.chargerId);
    app.events.emit('charger.status', {
      chargerId: c.chargerId,
      online: false,
      status: row?.status ?? null,
      connectorId: null,
      connectorStatus: null,
      errorCode: null,
      faulted: false,
    });
  }
  if (changed.length > 0) app.log.info({ chargers: changed.map((c) => c.chargerId) }, 'chargers marked offline after missed heartbeats');
  return changed;
}

// --- message log ------------------------------------------------------------------------------

export interface MessageLogEntry {
  id: number;
  chargerId: string;
  direction: 'in' | 'out';
  topic: string;
  receivedAt: number;
  chargerAt: number | null;
  messageType: number | null;
  uniqueId: string | null;
  action: string | null;
  transactionId: number | null;
  /** The message as received or sent, decoded. */
  payload: string;
  error: string | null;
  /**
   * Our answer (CALLRESULT or CALLERROR, as published on ocpp/cs/{id}) to this CALL from a charger,
   * decoded. Null on rows written before migration 0015: their answers are 'out' rows of their own.
   */
  answer: string | null;
}

type StoredMessageRow = Omit<MessageLogEntry, 'payload' | 'answer'> & { payload: string | Buffer; answer: string | Buffer | null };

const MESSAGE_SELECT = `SELECT id, charger_id AS chargerId, direction, topic, received_at AS receivedAt, charger_at AS chargerAt,
  message_type AS messageType, unique_id AS uniqueId, action, transaction_id AS transactionId, payload, error, answer
  FROM charger_messages`;

/** A stored payload or answer as text; one the codec cannot read names its row instead of showing a guess. */
function readStored(id: number, field: 'payload' | 'answer', stored: string | Buffer): string {
  try {
    return decodePayload(stored);
  } catch (e) {
    throw new DepotError('integrity_failed', `charger message ${id}: ${(e as Error).message}`, { field, messageId: id });
  }
}

function toEntry(r: StoredMessageRow): MessageLogEntry {
  return { ...r, payload: readStored(r.id, 'payload', r.payload), answer: r.answer === null ? null : readStored(r.id, 'answer', r.answer) };
}

/** One page of a charger's message log, newest first; pass `nextBeforeId` back for the next page. */
export function listMessages(
  app: AppContext,
  q: { chargerId: string; limit: number; beforeId?: number; transactionId?: number },
): { items: MessageLogEntry[]; nextBeforeId: number | null } {
  const before = q.beforeId ?? Number.MAX_SAFE_INTEGER;
  const rows = (
    q.transactionId === undefined
      ? app.sqlite.prepare(`${MESSAGE_SELECT} WHERE charger_id = ? AND id < ? ORDER BY id DESC LIMIT ?`).all(q.chargerId, before, q.limit)
      : app.sqlite
          .prepare(`${MESSAGE_SELECT} WHERE charger_id = ? AND transaction_id = ? AND id < ? ORDER BY id DESC LIMIT ?`)
          .all(q.chargerId, q.transactionId, before, q.limit)
  ) as StoredMessageRow[];
  const items = rows.map(toEntry);
  return { items, nextBeforeId: items.length === q.limit ? items[items.length - 1].id : null };
}

export interface PruneOutcome {
  /** Message-log rows deleted. */
  messages: number;
  /** Transaction-inbox records deleted. */
  records: number;
}

const PRUNE_CHUNK = 5_000;

/**
 * Deletes what is older than `now - olderThanMs` (retention: chargers.messageLogRetentionDays):
 * first the inbox records that are done with (processed, or resolved by an operator) and whose
 * last copy arrived before the cut-off, then the message-log rows received before it, except a
 * message that a record still waiting to be applied points at (its payload lives only there).
 *
 * Both tables are walked from their smallest id, a chunk per write transaction, with a turn of the
 * event loop between chunks so chargers' messages keep being written and answered meanwhile.
 *
 * Why by id: ids grow with receipt (AUTOINCREMENT, rows written in arrival order), so the rows
 * older than the cut-off are a prefix of the table and the walk stops at the first row received
 * after it. That touches only what is deleted plus the few rows kept on purpose (waiting records
 * and their messages), with no index on received_at to pay for on every insert. A row received
 * out of order (the clock stepped back) merely waits for the next run.
 */
export async function pruneMessageLog(app: AppContext, olderThanMs: number, opts: { chunk?: number; now?: number } = {}): Promise<PruneOutcome> {
  const cutoff = (opts.now ?? app.clock.now()) - olderThanMs;
  const chunk = opts.chunk ?? PRUNE_CHUNK;
  // Records first: a finished record deleted here no longer holds on to its message below.
  const records = await pruneByIdPrefix(app, cutoff, chunk, pruneRecordsChunk(app));
  const messages = await pruneByIdPrefix(app, cutoff, chunk, pruneMessagesChunk(app));
  if (messages + records > 0) app.log.info({ messages, records, cutoff }, 'message log and transaction inbox pruned');
  return { messages, records };
}

interface ChunkResult {
  deleted: number;
  /** The last id looked at; the next chunk starts after it. */
  lastId: number;
  /** A row received at or after the cut-off was reached, or the table ended. */
  done: boolean;
}

type PruneChunk = (afterId: number, cutoff: number, chunk: number) => ChunkResult;

async function pruneByIdPrefix(app: AppContext, cutoff: number, chunk: number, step: PruneChunk): Promise<number> {
  let afterId = 0;
  let total = 0;
  for (;;) {
    const r = writeTx(app.sqlite, () => step(afterId, cutoff, chunk));
    total += r.deleted;
    if (r.done) return total;
    afterId = r.lastId;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** The rows of a page received before the cut-off, up to the first one that was not. */
function oldPrefix<T extends { receivedAt: number }>(page: T[], cutoff: number): T[] {
  const firstNew = page.findIndex((r) => r.receivedAt >= cutoff);
  return firstNew === -1 ? page : page.slice(0, firstNew);
}

function pruneRecordsChunk(app: AppContext): PruneChunk {
  const page = app.sqlite.prepare(
    `SELECT id, received_at AS receivedAt, last_received_at AS lastReceivedAt, processed_at AS processedAt, resolution
     FROM charger_transactions WHERE id > ? ORDER BY id LIMIT ?`,
  );
  const del = app.sqlite.prepare('DELETE FROM charger_transactions WHERE id = ? AND (processed_at IS NOT NULL OR resolution IS NOT NULL)');
  return (afterId, cutoff, chunk) => {
    const rows = allRows<{ id: number; receivedAt: number; lastReceivedAt: number; processedAt: number | null; resolution: string | null }>(page, afterId, chunk);
    const old = oldPrefix(rows, cutoff);
    let deleted = 0;
    for (const r of old) {
      // A record still waiting is never deleted, and neither is one a charger repeated (or the
      // consumer applied) within the retention: while it is here, a replay is recognised as a repeat.
      const finished = r.processedAt !== null || r.resolution !== null;
      if (finished && r.lastReceivedAt < cutoff && (r.processedAt ?? 0) < cutoff) deleted += Number(del.run(r.id).changes);
    }
    return { deleted, lastId: old.at(-1)?.id ?? afterId, done: old.length < chunk };
  };
}

function pruneMessagesChunk(app: AppContext): PruneChunk {
  const page = app.sqlite.prepare('SELECT id, received_at AS receivedAt FROM charger_messages WHERE id > ? ORDER BY id LIMIT ?');
  // The two halves match the inbox's partial indexes (waiting, parked), so this reads only the
  // records not yet applied, never the whole inbox.
  const needed = app.sqlite
    .prepare(
      `SELECT message_id FROM charger_transactions WHERE processed_at IS NULL AND parked_at IS NULL AND message_id BETWEEN @lo AND @hi
       UNION SELECT message_id FROM charger_transactions WHERE processed_at IS NULL AND parked_at IS NOT NULL AND message_id BETWEEN @lo AND @hi`,
    )
    .pluck();
  const del = app.sqlite.prepare('DELETE FROM charger_messages WHERE id = ?');
  return (afterId, cutoff, chunk) => {
    const old = oldPrefix(allRows<{ id: number; receivedAt: number }>(page, afterId, chunk), cutoff);
    if (old.length === 0) return { deleted: 0, lastId: afterId, done: true };
    const keep = new Set(allRows<number>(needed, { lo: old[0].id, hi: old[old.length - 1].id }));
    let deleted = 0;
    for (const r of old) if (!keep.has(r.id)) deleted += Number(del.run(r.id).changes);
    return { deleted, lastId: old[old.length - 1].id, done: old.length < chunk };
  };
}
