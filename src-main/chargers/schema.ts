import { sql } from 'drizzle-orm';
import { blob, check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** A place with chargers (one depot may have several yards). */
export const stations = sqliteTable('stations', {
  id: text('id').primaryKey(),
  /** Unique, case-insensitively (stored as typed, compared lower-case through name_key). */
  name: text('name').notNull(),
  nameKey: text('name_key').notNull().unique(),
  address: text('address').notNull().default(''),
  createdAt: integer('created_at').notNull(),
});

/**
 * A charge point, keyed by its OCPP chargePointId (also its MQTT username and topic level).
 * `registered` is true when an operator added it; a charger that registered itself through
 * auto-registration is false until an operator confirms it.
 */
export const chargers = sqliteTable(
  'chargers',
  {
    id: text('id').primaryKey(),
    stationId: text('station_id').references(() => stations.id),
    connectorCount: integer('connector_count').notNull(),
    /** scrypt hash of the charger's MQTT password; null for chargers behind an external broker's own auth. */
    passwordHash: text('password_hash'),
    vendor: text('vendor'),
    model: text('model'),
    serialNumber: text('serial_number'),
    firmwareVersion: text('firmware_version'),
    /** OCPP status of connector 0 (the charger as a whole): Available, Unavailable, Faulted. */
    status: text('status'),
    errorCode: text('error_code'),
    online: integer('online', { mode: 'boolean' }).notNull().default(false),
    maintenance: integer('maintenance', { mode: 'boolean' }).notNull().default(false),
    maintenanceReason: text('maintenance_reason'),
    registered: integer('registered', { mode: 'boolean' }).notNull().default(true),
    heartbeatIntervalS: integer('heartbeat_interval_s').notNull().default(60),
    lastBootAt: integer('last_boot_at'),
    lastSeenAt: integer('last_seen_at'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('chargers_station').on(t.stationId), check('chargers_connector_count', sql`${t.connectorCount} >= 0`)],
);

export const connectors = sqliteTable(
  'connectors',
  {
    chargerId: text('charger_id')
      .notNull()
      .references(() => chargers.id),
    connectorId: integer('connector_id').notNull(),
    /** OCPP ChargePointStatus; null until the charger reports it. */
    status: text('status'),
    errorCode: text('error_code'),
    info: text('info'),
    vendorErrorCode: text('vendor_error_code'),
    faulted: integer('faulted', { mode: 'boolean' }).notNull().default(false),
    /** The charger's own time of the status (its clock), and when we received it (ours). */
    statusAt: integer('status_at'),
    updatedAt: integer('updated_at'),
  },
  (t) => [primaryKey({ columns: [t.chargerId, t.connectorId] }), check('connectors_id_positive', sql`${t.connectorId} >= 1`)],
);

/**
 * Every raw MQTT message in and out, as received or sent. No foreign key to chargers: messages
 * from unknown charger ids are exactly the ones worth keeping.
 *
 * `payload` (and `answer`) hold the text as received, or a BLOB: the same text deflated with the
 * message-log dictionary (chargers/payload-codec.ts), which keeps a MeterValues at ~35 bytes
 * instead of ~250. Read them through the codec, never directly. Our answer to a charger's CALL is
 * stored on the CALL's own row (`answer`), not as a row of its own.
 */
export const chargerMessages = sqliteTable(
  'charger_messages',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    chargerId: text('charger_id').notNull(),
    direction: text('direction', { enum: ['in', 'out'] }).notNull(),
    topic: text('topic').notNull(),
    /** When we received (in) or published (out) it, our clock. */
    receivedAt: integer('received_at').notNull(),
    /** The charger's timestamp from the payload, when it carries one (its clock). */
    chargerAt: integer('charger_at'),
    messageType: integer('message_type'),
    uniqueId: text('unique_id'),
    action: text('action'),
    transactionId: integer('transaction_id'),
    payload: text('payload').notNull(),
    /** Why the message was refused (OCPP error code and description), null when it was fine. */
    error: text('error'),
    /** Our answer (CALLRESULT or CALLERROR frame, as published) to this CALL from a charger. */
    answer: text('answer'),
  },
  (t) => [
    index('charger_messages_charger').on(t.chargerId, t.id),
    index('charger_messages_transaction').on(t.chargerId, t.transactionId),
    check('charger_messages_direction', sql`${t.direction} in ('in','out')`),
  ],
);

/**
 * Transaction ids handed to chargers in StartTransaction.conf. One row per distinct start: the
 * same StartTransaction (charger, connector, idTag, timestamp, meterStart) always maps to the same id.
 */
export const chargerTransactionIds = sqliteTable(
  'charger_transaction_ids',
  {
    transactionId: integer('transaction_id').primaryKey({ autoIncrement: true }),
    chargerId: text('charger_id').notNull(),
    startKey: text('start_key').notNull(),
    connectorId: integer('connector_id').notNull(),
    idTag: text('id_tag').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [uniqueIndex('charger_transaction_ids_start').on(t.chargerId, t.startKey)],
);

export const TRANSACTION_RECORD_KINDS = ['start', 'meter', 'stop'] as const;
export type TransactionRecordKind = (typeof TRANSACTION_RECORD_KINDS)[number];

/** How an operator resolved a charger record that could not be applied by itself. */
export const RECORD_RESOLUTIONS = ['attached', 'discarded'] as const;
export type RecordResolution = (typeof RECORD_RESOLUTIONS)[number];

/**
 * The transaction inbox: each distinct StartTransaction, MeterValues and StopTransaction once, in
 * arrival order, for the session state machine to consume. Repeats are counted, not stored again.
 *
 * The record's payload is not copied here: `message_id` points at the message-log row that carried
 * it (rows from before migration 0015 keep their own `payload`). A record that cannot be applied
 * yet is parked (`parked_at`, reason in `process_error`) and never holds up the records behind it.
 */
export const chargerTransactions = sqliteTable(
  'charger_transactions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    chargerId: text('charger_id').notNull(),
    kind: text('kind', { enum: TRANSACTION_RECORD_KINDS }).notNull(),
    transactionId: integer('transaction_id'),
    connectorId: integer('connector_id'),
    idTag: text('id_tag'),
    /** The record's own time on the charger's clock (start/stop timestamp, earliest meter sample). */
    chargerAt: integer('charger_at').notNull(),
    /** meterStart, meterStop, or the last Energy.Active.Import.Register sample, in Wh. */
    meterWh: integer('meter_wh'),
    /** The record's identity: `start|…`/`stop|…` text, or for a meter record the first 16 bytes of its content hash. */
    dedupKey: blob('dedup_key', { mode: 'buffer' }).notNull(),
    /** First 16 bytes of the SHA-256 of the canonical payload (start and stop records: repeats are compared with it). */
    contentHash: blob('content_hash', { mode: 'buffer' }),
    /** Only on records from before migration 0015; newer ones are read from their message. */
    payload: text('payload'),
    /** The message that carried the record (its UniqueId, action and payload are there). */
    messageId: integer('message_id'),
    receivedAt: integer('received_at').notNull(),
    lastReceivedAt: integer('last_received_at').notNull(),
    copies: integer('copies').notNull().default(1),
    /** Repeats under the same key whose content differed (first copy kept). */
    conflictingCopies: integer('conflicting_copies').notNull().default(0),
    /** Set by the consumer (the session state machine) once it has applied the record. */
    processedAt: integer('processed_at'),
    /** Why the record is parked (or was resolved by an operator). */
    processError: text('process_error'),
    /** When the record was first found not applicable; null while it is new or once it is applied. */
    parkedAt: integer('parked_at'),
    /** When the parked record was raised to the operators (alert), after chargers.parkedAttentionMs. */
    attentionAt: integer('attention_at'),
    resolution: text('resolution', { enum: RECORD_RESOLUTIONS }),
    resolvedBy: text('resolved_by'),
    resolutionNote: text('resolution_note'),
    /** The session an operator attached the record to. */
    attachedSessionId: text('attached_session_id'),
  },
  (t) => [
    uniqueIndex('charger_transactions_dedup').on(t.chargerId, t.dedupKey),
    // Only parked records are looked up by transaction (a start that was applied unblocks them).
    index('charger_transactions_parked_tx')
      .on(t.chargerId, t.transactionId)
      .where(sql`${t.processedAt} is null and ${t.parkedAt} is not null`),
    index('charger_transactions_pending')
      .on(t.id)
      .where(sql`${t.processedAt} is null and ${t.parkedAt} is null`),
    index('charger_transactions_parked')
      .on(t.parkedAt)
      .where(sql`${t.processedAt} is null and ${t.parkedAt} is not null`),
    check('charger_transactions_kind', sql`${t.kind} in ('start','meter','stop')`),
    check('charger_transactions_resolution', sql`${t.resolution} is null or ${t.resolution} in ('attached','discarded')`),
  ],
);

/**
 * Device health facts, one row per episode: a fault (a StatusNotification whose errorCode turned
 * from NoError, or from another code, to this one, for the charger or a connector) or going offline
 * (missed heartbeats). Written in the transaction that learns the fact; risk control counts them.
 */
export const chargerHealthEvents = sqliteTable(
  'charger_health_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    chargerId: text('charger_id').notNull(),
    kind: text('kind', { enum: ['fault', 'offline'] }).notNull(),
    connectorId: integer('connector_id'),
    /** The OCPP errorCode (and vendor code) of a fault; empty for offline. */
    detail: text('detail').notNull().default(''),
    at: integer('at').notNull(),
  },
  (t) => [
    index('charger_health_events_charger').on(t.chargerId, t.at),
    index('charger_health_events_at').on(t.at),
    check('charger_health_events_kind', sql`${t.kind} in ('fault','offline')`),
  ],
);
