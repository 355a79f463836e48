import type { AppContext } from '../app/context';
import { DepotError, expectChanges } from '../app/errors';
import { writeTx } from '../db/connection';
import { hashPassword } from '../operators';
import { CHARGER_ID_PATTERN } from './ocpp';

/**
 * The charger registry: stations, chargers, connectors and the message log's reading side.
 *
 * Guarantees:
 * - A charger id is unique, matches CHARGER_ID_PATTERN (it is a topic level and an MQTT login), and
 *   belongs to an existing station when an operator adds it.
 * - Charger passwords are stored only as scrypt hashes (the operators' scheme).
 * - A charger is online from any message it sends until it has been silent for
 *   `chargers.offlineAfterMissedHeartbeats` heartbeat intervals; markOfflineChargers is the only
 *   place that takes it offline, and it reports every charger it changed.
 * - pruneMessageLog deletes only message-log rows older than the cut-off, in bounded chunks.
 */

export const MIN_CHARGER_PASSWORD = 8;

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

/** Connector rows for the charger, one per configured connector even before it reported anything. */
function connectorStates(r: ChargerRow, reported: ConnectorRow[]): ConnectorState[] {
  const byId = new Map(reported.map((c) => [c.connector_id, toConnector(c)]));
  const max = Math.max(r.connector_count, ...reported.map((c) => c.connector_id), 0);
  const out: ConnectorState[] = [];
  for (let n = 1; n <= max; n += 1) {
    out.push(
      byId.get(n) ?? { connectorId: n, status: null, errorCode: null, info: null, vendorErrorCode: null, faulted: false, statusAt: null, updatedAt: null },
    );
  }
  return out;
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
  return (
    app.sqlite
      .prepare(
        `SELECT s.id, s.name, s.address, s.created_at AS createdAt, count(c.id) AS chargerCount
         FROM stations s LEFT JOIN chargers c ON c.station_id = s.id GROUP BY s.id ORDER BY s.name`,
      )
      .all() as Station[]
  );
}

/** `id` is for fixed, well-known stations (the demo); operators' stations get a ULID. */
export function addStation(app: AppContext, input: { name: string; address?: string; id?: string }): Station {
  const name = input.name.trim();
  if (!name) throw new DepotError('invalid_input', 'a station needs a name', { field: 'name' });
  return writeTx(app.sqlite, () => {
    const taken = app.sqlite.prepare('SELECT id FROM stations WHERE name_key = ?').get(name.toLowerCase());
    if (taken) throw new DepotError('conflict', `a station named ${name} already exists`, { field: 'name' });
    const row = { id: input.id ?? app.ids.next(), name, nameKey: name.toLowerCase(), address: input.address?.trim() ?? '', createdAt: app.clock.now() };
    app.sqlite
      .prepare('INSERT INTO stations (id, name, name_key, address, created_at) VALUES (@id, @name, @nameKey, @address, @createdAt)')
      .run(row);
    return { id: row.id, name: row.name, address: row.address, createdAt: row.createdAt, chargerCount: 0 };
  });
}

/** A station by id or (case-insensitive) name. */
export function findStation(app: AppContext, idOrName: string): { id: string; name: string } | null {
  return (
    (app.sqlite.prepare('SELECT id, name FROM stations WHERE id = ? OR name_key = ?').get(idOrName, idOrName.trim().toLowerCase()) as
      | { id: string; name: string }
      | undefined) ?? null
  );
}

// --- chargers ---------------------------------------------------------------------------------

export function checkChargerId(id: string): void {
  if (!CHARGER_ID_PATTERN.test(id)) {
    throw new DepotError('invalid_input', `charger id "${id}" must be 1-48 letters, digits, dot, dash or underscore`, { field: 'id' });
  }
}

export async function addCharger(
  app: AppContext,
  input: { id: string; station: string; connectors: number; password: string },
): Promise<ChargerSummary> {
  checkChargerId(input.id);
  if (input.password.length < MIN_CHARGER_PASSWORD) {
    throw new DepotError('invalid_input', `a charger password needs at least ${MIN_CHARGER_PASSWORD} characters`, { field: 'password' });
  }
  if (!Number.isInteger(input.connectors) || input.connectors < 1 || input.connectors > 32) {
    throw new DepotError('invalid_input', 'connectors must be a whole number from 1 to 32', { field: 'connectors' });
  }
  const passwordHash = await hashPassword(input.password);
  writeTx(app.sqlite, () => {
    const station = findStation(app, input.station);
    if (!station) throw new DepotError('not_found', `no station "${input.station}"; add it first (station add)`, { field: 'station' });
    const existing = app.sqlite.prepare('SELECT registered FROM chargers WHERE id = ?').get(input.id) as { registered: number } | undefined;
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
  const row = app.sqlite.prepare(`${CHARGER_SELECT} WHERE c.id = ?`).get(id) as ChargerRow | undefined;
  if (!row) return null;
  const conns = app.sqlite.prepare('SELECT * FROM connectors WHERE charger_id = ? ORDER BY connector_id').all(id) as ConnectorRow[];
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
  const conns = app.sqlite.prepare('SELECT * FROM connectors ORDER BY charger_id, connector_id').all() as ConnectorRow[];
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
        .run(maintenance ? 1 : 0, maintenance ? (reason?.trim() || null) : null, app.clock.now(), id),
      1,
      `set maintenance of charger ${id}`,
    );
  });
  return requireCharger(app, id);
}

/** What the embedded broker needs to check a charger's login. */
export function chargerCredentials(app: AppContext, id: string): { passwordHash: string | null; registered: boolean } | null {
  const row = app.sqlite.prepare('SELECT password_hash, registered FROM chargers WHERE id = ?').get(id) as
    | { password_hash: string | null; registered: number }
    | undefined;
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
      .prepare(
        `SELECT id AS chargerId, last_seen_at AS lastSeenAt FROM chargers
         WHERE online = 1 AND (last_seen_at IS NULL OR last_seen_at + heartbeat_interval_s * 1000 * ? < ?)`,
      )
      .all(missed, now) as OfflineChange[];
    const update = app.sqlite.prepare('UPDATE chargers SET online = 0, updated_at = ? WHERE id = ? AND online = 1');
    for (const c of due) expectChanges(update.run(now, c.chargerId), 1, `mark charger ${c.chargerId} offline`);
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
  payload: string;
  error: string | null;
}

const MESSAGE_SELECT = `SELECT id, charger_id AS chargerId, direction, topic, received_at AS receivedAt, charger_at AS chargerAt,
  message_type AS messageType, unique_id AS uniqueId, action, transaction_id AS transactionId, payload, error
  FROM charger_messages`;

/** One page of a charger's message log, newest first; pass `nextBeforeId` back for the next page. */
export function listMessages(
  app: AppContext,
  q: { chargerId: string; limit: number; beforeId?: number; transactionId?: number },
): { items: MessageLogEntry[]; nextBeforeId: number | null } {
  const before = q.beforeId ?? Number.MAX_SAFE_INTEGER;
  const items = (
    q.transactionId === undefined
      ? app.sqlite.prepare(`${MESSAGE_SELECT} WHERE charger_id = ? AND id < ? ORDER BY id DESC LIMIT ?`).all(q.chargerId, before, q.limit)
      : app.sqlite
          .prepare(`${MESSAGE_SELECT} WHERE charger_id = ? AND transaction_id = ? AND id < ? ORDER BY id DESC LIMIT ?`)
          .all(q.chargerId, q.transactionId, before, q.limit)
  ) as MessageLogEntry[];
  return { items, nextBeforeId: items.length === q.limit ? items[items.length - 1].id : null };
}

/**
 * Deletes message-log rows received before `now - olderThanMs`, a chunk per transaction so the
 * writer never holds the database for long. The transaction inbox keeps its own copy of each
 * record, so pruning the log never loses a transaction. Returns the number of rows deleted.
 */
export function pruneMessageLog(app: AppContext, olderThanMs: number, opts: { chunk?: number; now?: number } = {}): number {
  const cutoff = (opts.now ?? app.clock.now()) - olderThanMs;
  const chunk = opts.chunk ?? 5_000;
  const del = app.sqlite.prepare(
    'DELETE FROM charger_messages WHERE id IN (SELECT id FROM charger_messages WHERE received_at < ? ORDER BY received_at LIMIT ?)',
  );
  let total = 0;
  for (;;) {
    const n = writeTx(app.sqlite, () => Number(del.run(cutoff, chunk).changes));
    total += n;
    if (n < chunk) break;
  }
  if (total > 0) app.log.info({ deleted: total, cutoff }, 'message log pruned');
  return total;
}
