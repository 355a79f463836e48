import { sql } from 'drizzle-orm';
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

export const SESSION_STATES = ['PLACED', 'STARTING', 'CHARGING', 'STOPPING', 'FINISHED', 'PAID', 'UNPAID', 'FAILED', 'CANCELLED'] as const;
export type SessionState = (typeof SESSION_STATES)[number];

/** How a session that never charged ended: the event that failed it, or the operator's cancel. */
export const FAILURE_CODES = ['start_timeout', 'remote_start_refused', 'cancelled'] as const;
export type FailureCode = (typeof FAILURE_CODES)[number];

/** Why a session waits for (or was put before) a supervisor. */
export const REVIEW_REASONS = ['large_amount', 'late_start', 'unknown_id_tag', 'no_tariff', 'bad_meter'] as const;
export type ReviewReason = (typeof REVIEW_REASONS)[number];

/**
 * A charging session: one car on one connector, from the operator's start (or the charger's own
 * start with an id tag) to its settlement. `state` only changes through the state machine in
 * sessions/machine.ts (a guarded UPDATE plus a row in session_events, in one transaction).
 */
export const chargingSessions = sqliteTable(
  'charging_sessions',
  {
    id: text('id').primaryKey(),
    state: text('state', { enum: SESSION_STATES }).notNull(),
    /** 'operator': started from DepotDesk (prepaid hold, RemoteStart); 'charger': started at the charger with an id tag. */
    origin: text('origin', { enum: ['operator', 'charger'] }).notNull(),
    chargerId: text('charger_id').notNull(),
    connectorId: integer('connector_id').notNull(),
    /** The charger's station when the session began (its tariff prices the energy). */
    stationId: text('station_id'),
    /** Null only for a session started at the charger with an id tag nobody owns (kept for review). */
    driverId: text('driver_id'),
    /** The id tag the charger starts with (the driver's card, or one made for this session). */
    idTag: text('id_tag').notNull(),
    prepayFen: integer('prepay_fen').notNull().default(0),
    holdId: text('hold_id'),
    /** The transaction id the back office gave the charger's StartTransaction. */
    transactionId: integer('transaction_id'),
    meterStartWh: integer('meter_start_wh'),
    meterStopWh: integer('meter_stop_wh'),
    /** StartTransaction / StopTransaction timestamps on the charger's clock, and when we received them. */
    startedAt: integer('started_at'),
    startReceivedAt: integer('start_received_at'),
    stoppedAt: integer('stopped_at'),
    stopReceivedAt: integer('stop_received_at'),
    stopReason: text('stop_reason'),
    energyWh: integer('energy_wh'),
    amountFen: integer('amount_fen'),
    electricityFen: integer('electricity_fen'),
    serviceFen: integer('service_fen'),
    /** The quote (per-period breakdown, versions) as JSON, once priced. */
    quote: text('quote'),
    paidHoldFen: integer('paid_hold_fen'),
    paidWalletFen: integer('paid_wallet_fen'),
    debtFen: integer('debt_fen'),
    debtId: text('debt_id'),
    settlementKey: text('settlement_key'),
    settledAt: integer('settled_at'),
    failureReason: text('failure_reason'),
    /** Why a start failed, as a code compensation criteria can select on (FAILURE_CODES); the reason text says it in words. */
    failureCode: text('failure_code', { enum: FAILURE_CODES }),
    /** Flagged for a supervisor: why, and whether it is still waiting (pending) or was approved. */
    reviewReason: text('review_reason', { enum: REVIEW_REASONS }),
    reviewState: text('review_state', { enum: ['pending', 'approved'] }),
    reviewNote: text('review_note'),
    reviewedBy: text('reviewed_by'),
    reviewedAt: integer('reviewed_at'),
    createdAt: integer('created_at').notNull(),
    createdBy: text('created_by'),
    updatedAt: integer('updated_at').notNull(),
    /**
     * The session's number for people (issue 16): CD + an 8-digit depot-wide sequence (CD00001234),
     * given by the database in the insert's own transaction (trigger charging_sessions_numbered,
     * migration 0030) whatever path inserted the row, and never changed after.
     */
    number: text('number'),
  },
  (t) => [
    uniqueIndex('charging_sessions_number').on(t.number),
    uniqueIndex('charging_sessions_transaction')
      .on(t.chargerId, t.transactionId)
      .where(sql`${t.transactionId} is not null`),
    index('charging_sessions_connector').on(t.chargerId, t.connectorId, t.state),
    // A state's count reads the narrow index; a state's page reads the next one in the list's order (issue 18).
    index('charging_sessions_state').on(t.state),
    index('charging_sessions_state_created').on(t.state, t.createdAt, t.id),
    // A driver's or a charger's page reads its index in the list's order (created_at, id), never sorting them (issue 18).
    index('charging_sessions_driver').on(t.driverId, t.createdAt, t.id),
    index('charging_sessions_charger_created').on(t.chargerId, t.createdAt, t.id),
    // Newest-first lists and exports page by (created_at, id): the key a page starts after.
    index('charging_sessions_created').on(t.createdAt, t.id),
    // Compensation criteria: failed starts in a time range, covering what a dry run reads of them.
    index('charging_sessions_failed_cover')
      .on(t.createdAt, t.driverId, t.stationId, t.chargerId, t.failureCode, t.id)
      .where(sql`${t.state} = 'FAILED'`),
    index('charging_sessions_review').on(t.reviewState),
    // Reconciliation's energy check: each charger's sessions that stopped in a day, in register order.
    index('charging_sessions_stopped')
      .on(t.stoppedAt, t.chargerId, t.connectorId)
      .where(sql`${t.stoppedAt} is not null`),
    // The settlement sweeper's scan: only FINISHED sessions (a few) are in it, by when their stop arrived.
    index('charging_sessions_unsettled')
      .on(t.stopReceivedAt, t.id)
      .where(sql`${t.state} = 'FINISHED'`),
    check('charging_sessions_state', sql`${t.state} in ('PLACED','STARTING','CHARGING','STOPPING','FINISHED','PAID','UNPAID','FAILED','CANCELLED')`),
    check('charging_sessions_prepay', sql`${t.prepayFen} >= 0`),
  ],
);

/** A session's timeline: every state change and every charger record applied to it. */
export const sessionEvents = sqliteTable(
  'session_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    sessionId: text('session_id')
      .notNull()
      .references(() => chargingSessions.id),
    /** When we recorded it (our clock). */
    at: integer('at').notNull(),
    /** The charger's own time, for events caused by a charger record. */
    chargerAt: integer('charger_at'),
    kind: text('kind').notNull(),
    fromState: text('from_state'),
    toState: text('to_state'),
    detail: text('detail').notNull().default(''),
    /** The transaction-inbox record that caused it, if any. */
    recordId: integer('record_id'),
    operatorId: text('operator_id'),
    /**
     * What the screens word the event from, as JSON (sessions/events.ts: codes, fen, Wh, names);
     * null on events written before migration 0034, which are worded by their kind alone.
     */
    params: text('params'),
  },
  (t) => [index('session_events_session').on(t.sessionId, t.id)],
);

/**
 * Energy register readings of a session: charger time, receipt time, Wh. Keyed by the reading
 * itself (session, charger time, Wh) and stored WITHOUT ROWID since migration 0016: the key is the
 * table, so a reading's session id is stored once instead of in a row and again in a unique index
 * (drizzle-kit cannot say WITHOUT ROWID; a migration that rebuilds this table must keep it).
 */
export const sessionMeterSamples = sqliteTable(
  'session_meter_samples',
  {
    sessionId: text('session_id')
      .notNull()
      .references(() => chargingSessions.id),
    chargerAt: integer('charger_at').notNull(),
    receivedAt: integer('received_at').notNull(),
    wh: integer('wh').notNull(),
    /** start, meter, stop (the Start/Stop readings) or transactionData (samples carried by the Stop). */
    source: text('source').notNull(),
    recordId: integer('record_id'),
  },
  (t) => [primaryKey({ name: 'session_meter_samples_reading', columns: [t.sessionId, t.chargerAt, t.wh] })],
);

export const FORCE_CLOSE_STATES = ['requested', 'approved', 'rejected'] as const;
export type ForceCloseState = (typeof FORCE_CLOSE_STATES)[number];

/**
 * A supervisor's request to close a stuck session (no message for sessions.stuckAfterMs while its
 * charger is offline) at its last meter reading, and a second supervisor's decision on it. At most
 * one open (requested) request per session. When the charger's real StopTransaction arrives after
 * an approved force-close, the session is re-settled at the true figures (`resettled_at`).
 */
export const sessionForceCloses = sqliteTable(
  'session_force_closes',
  {
    id: text('id').primaryKey(),
    sessionId: text('session_id')
      .notNull()
      .references(() => chargingSessions.id),
    state: text('state', { enum: FORCE_CLOSE_STATES }).notNull(),
    reason: text('reason').notNull(),
    /** The last meter reading when the request was made: the session closes at it. */
    meterWh: integer('meter_wh').notNull(),
    /** That reading's time on the charger's clock. */
    readingAt: integer('reading_at').notNull(),
    requestedBy: text('requested_by').notNull(),
    requestedAt: integer('requested_at').notNull(),
    decidedBy: text('decided_by'),
    decidedAt: integer('decided_at'),
    decisionNote: text('decision_note'),
    /** The inbox record of the real StopTransaction that arrived after the force-close, and when it re-settled the session. */
    stopRecordId: integer('stop_record_id'),
    resettledAt: integer('resettled_at'),
  },
  (t) => [
    index('session_force_closes_session').on(t.sessionId),
    uniqueIndex('session_force_closes_open')
      .on(t.sessionId)
      .where(sql`${t.state} in ('requested','approved')`),
    check('session_force_closes_state', sql`${t.state} in ('requested','approved','rejected')`),
  ],
);

/** Messages for drivers (sent by SMS/app later; the record is what counts). */
export const notifications = sqliteTable(
  'notifications',
  {
    id: text('id').primaryKey(),
    driverId: text('driver_id').notNull(),
    sessionId: text('session_id'),
    kind: text('kind').notNull(),
    text: text('text').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('notifications_driver').on(t.driverId, t.createdAt)],
);

/** The last session number given (one row): the charging_sessions_numbered trigger takes the next. */
export const sessionNumberSeq = sqliteTable(
  'session_number_seq',
  {
    id: integer('id').primaryKey(),
    last: integer('last').notNull(),
  },
  (t) => [check('session_number_seq_one', sql`${t.id} = 1`), check('session_number_seq_last', sql`${t.last} >= 0`)],
);
