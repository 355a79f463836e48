import { sql } from 'drizzle-orm';
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/**
 * Reconciliation (对账): the statements the gateways sent, their rows, the daily match of those rows
 * against our orders and refunds, the breaks that need someone's decision, the energy check of each
 * charger's day, and finance's sign-off. Amounts are integer fen, energy integer Wh, times UTC epoch
 * ms, days yyyy-MM-dd in the depot's zone. States change only through guarded UPDATEs whose row count
 * is checked (reconciliation/breaks.ts, reconciliation/days.ts).
 */

export const STATEMENT_CHANNELS = ['wechat', 'alipay', 'generic'] as const;
export type StatementChannelName = (typeof STATEMENT_CHANNELS)[number];

/**
 * long: the gateway has money no paid order of ours accounts for (长款). short: we show paid, the
 * gateway does not (短款). amount_mismatch: both have the payment, for different amounts.
 * refund_mismatch: a refund one side shows and the other does not, or for another amount.
 * duplicate: a second gateway payment for an order already paid by another.
 */
export const BREAK_KINDS = ['long', 'short', 'amount_mismatch', 'refund_mismatch', 'duplicate'] as const;
export type BreakKind = (typeof BREAK_KINDS)[number];

/** open → resolved | written_off; open → write_off_requested → written_off (approved) | open (rejected). */
export const BREAK_STATES = ['open', 'write_off_requested', 'resolved', 'written_off'] as const;
export type BreakState = (typeof BREAK_STATES)[number];

/** How a break was closed: credit (补单), refund (退款任务), written_off, explained, matched_late (its counterpart arrived). */
export const BREAK_RESOLUTIONS = ['credit', 'refund', 'written_off', 'explained', 'matched_late'] as const;
export type BreakResolution = (typeof BREAK_RESOLUTIONS)[number];

export const DAY_STATES = ['pending', 'matched', 'breaks', 'signed_off'] as const;
export type DayState = (typeof DAY_STATES)[number];

const inList = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(','));

/** One imported statement file, kept for as long as the books are. */
export const reconStatements = sqliteTable(
  'recon_statements',
  {
    id: text('id').primaryKey(),
    /** 1, 2, 3… in import order: what the statement's rows name it by (an integer, not the 26-character id, on a million rows). */
    seq: integer('seq').notNull(),
    /** sha256 of the file as given: the same file imports once. */
    fileSha256: text('file_sha256').notNull(),
    fileName: text('file_name').notNull(),
    channel: text('channel', { enum: STATEMENT_CHANNELS }).notNull(),
    layout: text('layout').notNull(),
    source: text('source').notNull(),
    merchantId: text('merchant_id').notNull(),
    /** JSON array of the days (yyyy-MM-dd, China time) the file covers. */
    billDates: text('bill_dates').notNull(),
    rowCount: integer('row_count').notNull(),
    paymentCount: integer('payment_count').notNull(),
    refundCount: integer('refund_count').notNull(),
    paymentTotalFen: integer('payment_total_fen').notNull(),
    refundTotalFen: integer('refund_total_fen').notNull(),
    netFen: integer('net_fen').notNull(),
    feeTotalFen: integer('fee_total_fen').notNull(),
    /** JSON: the file's declared summary figures and notes for the accountant. */
    details: text('details').notNull(),
    importedAt: integer('imported_at').notNull(),
    importedBy: text('imported_by'),
    /**
     * The statement's rows are recon_statement_rows with ids from `rowIdFrom` to `rowIdTo`: an
     * import stores them in one transaction under the write lock, so they are contiguous (an empty
     * range, to = from - 1, when every row repeated a fact kept already). A million-row import
     * then writes no index entry per row to say which statement a row came from.
     */
    rowIdFrom: integer('row_id_from').notNull().default(1),
    rowIdTo: integer('row_id_to').notNull().default(0),
    /**
     * The first and last depot-zone day (yyyyMMdd, as the rows' `day`) of the statement's stored
     * rows (0 and 0 when it stored none): a day's rows are read from the statements whose span
     * covers it, through their id ranges, without an index entry per row on the day.
     */
    dayFrom: integer('day_from').notNull().default(0),
    dayTo: integer('day_to').notNull().default(0),
  },
  (t) => [
    check('recon_statements_row_range', sql`${t.rowIdTo} >= ${t.rowIdFrom} - 1`),
    uniqueIndex('recon_statements_sha').on(t.fileSha256),
    uniqueIndex('recon_statements_seq').on(t.seq),
    check('recon_statements_channel_known', sql`${t.channel} in (${inList(STATEMENT_CHANNELS)})`),
  ],
);

/**
 * The rows of every statement, one per gateway fact: a payment (kind payment, its trade number) or a
 * refund (kind refund, its refund number), in one status. A fact seen in a second file in the same
 * status is not stored twice.
 */
export const reconStatementRows = sqliteTable(
  'recon_statement_rows',
  {
    // Not AUTOINCREMENT (a second B-tree write per row): rows are never deleted, so an id is never reused.
    id: integer('id').primaryKey(),
    statementSeq: integer('statement_seq')
      .notNull()
      .references(() => reconStatements.seq),
    line: integer('line').notNull(),
    channel: text('channel', { enum: STATEMENT_CHANNELS }).notNull(),
    kind: text('kind', { enum: ['payment', 'refund'] }).notNull(),
    tradeNo: text('trade_no').notNull(),
    orderNo: text('order_no').notNull(),
    /** Refund rows: 商户退款单号 / 退款批次号; '' on payment rows. */
    refundNo: text('refund_no').notNull(),
    /** Positive fen: a refund's amount is what left the merchant, whatever sign the file printed. */
    amountFen: integer('amount_fen').notNull(),
    feeFen: integer('fee_fen').notNull(),
    at: integer('at').notNull(),
    /** The depot-zone day of `at` as yyyyMMdd (20260301; dayKey/dayText): what a daily run matches. */
    day: integer('day').notNull(),
    status: text('status').notNull(),
  },
  (t) => [
    // A fact is stored once per status: a refund a first file showed PROCESSING and a later one
    // SUCCESS is kept both ways (the match reads only SUCCESS), never dropped as a repeat.
    uniqueIndex('recon_statement_rows_fact').on(t.channel, t.kind, t.tradeNo, t.refundNo, t.status),
    // Covering for our side's check (a paid order no statement shows paid reads only this index).
    index('recon_statement_rows_order').on(t.orderNo, t.kind, t.tradeNo),
    index('recon_statement_rows_refund')
      .on(t.refundNo)
      .where(sql`${t.kind} = 'refund'`),
    check('recon_statement_rows_amount', sql`${t.amountFen} >= 0`),
  ],
);

/**
 * A statement import under way (import.ts; at most one at a time). Its rows are written a slice at
 * a time, each slice a transaction of its own, with the statement seq and row ids claimed here;
 * no query reads a row at or above `row_id_from` while the claim exists, and the statement itself
 * is written in the same transaction that deletes the claim. A claim whose process is gone is an
 * abandoned import: the next import removes its rows first.
 */
export const reconImports = sqliteTable(
  'recon_imports',
  {
    /** The id its statement will have. */
    id: text('id').primaryKey(),
    seq: integer('seq').notNull(),
    fileSha256: text('file_sha256').notNull(),
    fileName: text('file_name').notNull(),
    /** Its rows are the ids from here up: nobody else writes statement rows while it runs. */
    rowIdFrom: integer('row_id_from').notNull(),
    startedAt: integer('started_at').notNull(),
    /** The importing process (pid on host), to tell an import that runs from one whose process died. */
    pid: integer('pid').notNull(),
    host: text('host').notNull(),
  },
  (t) => [uniqueIndex('recon_imports_sha').on(t.fileSha256)],
);

/** A column mapping for an aggregator's generic CSV, chosen once per channel (docs/reconciliation.md). */
export const reconMappings = sqliteTable('recon_mappings', {
  name: text('name').primaryKey(),
  /** JSON of the mapping (GenericMapping in statements/generic.ts). */
  mapping: text('mapping').notNull(),
  createdAt: integer('created_at').notNull(),
  createdBy: text('created_by'),
});

/** One reconciled day: its figures from the last run and finance's sign-off. */
export const reconDays = sqliteTable(
  'recon_days',
  {
    day: text('day').primaryKey(),
    state: text('state', { enum: DAY_STATES }).notNull(),
    /** JSON: the run's figures per channel (DayFigures in reconciliation/match.ts). */
    figures: text('figures').notNull(),
    matched: integer('matched').notNull(),
    /** Unmatched items still inside the window (carried over, not yet breaks). */
    pending: integer('pending').notNull(),
    breaksOpen: integer('breaks_open').notNull(),
    breaksTotal: integer('breaks_total').notNull(),
    energyAnomalies: integer('energy_anomalies').notNull(),
    lastRunAt: integer('last_run_at').notNull(),
    signedOffBy: text('signed_off_by'),
    signedOffAt: integer('signed_off_at'),
    signOffNote: text('sign_off_note'),
  },
  (t) => [check('recon_days_state_known', sql`${t.state} in (${inList(DAY_STATES)})`)],
);

export const reconBreaks = sqliteTable(
  'recon_breaks',
  {
    id: text('id').primaryKey(),
    /** What the break is about, stable across runs: a re-run or re-import finds it, never opens it twice. */
    naturalKey: text('natural_key').notNull(),
    kind: text('kind', { enum: BREAK_KINDS }).notNull(),
    state: text('state', { enum: BREAK_STATES }).notNull(),
    day: text('day').notNull(),
    channel: text('channel').notNull(),
    orderNumber: text('order_number'),
    tradeNo: text('trade_no'),
    refundNo: text('refund_no'),
    statementRowId: integer('statement_row_id').references(() => reconStatementRows.id),
    orderId: text('order_id'),
    refundTaskId: text('refund_task_id'),
    /** What the gateway shows and what our books show, in fen; diff = gateway − ours. */
    gatewayFen: integer('gateway_fen').notNull(),
    oursFen: integer('ours_fen').notNull(),
    diffFen: integer('diff_fen').notNull(),
    owner: text('owner'),
    resolution: text('resolution', { enum: BREAK_RESOLUTIONS }),
    note: text('note'),
    /** The ledger or payments record a resolution made: a top-up key, an unmatched payment id, a write-off key. */
    reference: text('reference'),
    requestedBy: text('requested_by'),
    requestedAt: integer('requested_at'),
    resolvedBy: text('resolved_by'),
    resolvedAt: integer('resolved_at'),
    openedAt: integer('opened_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('recon_breaks_natural').on(t.naturalKey),
    index('recon_breaks_state').on(t.state, t.day),
    index('recon_breaks_day').on(t.day),
    check('recon_breaks_kind_known', sql`${t.kind} in (${inList(BREAK_KINDS)})`),
    check('recon_breaks_state_known', sql`${t.state} in (${inList(BREAK_STATES)})`),
    check('recon_breaks_resolution_known', sql`${t.resolution} is null or ${t.resolution} in (${inList(BREAK_RESOLUTIONS)})`),
    check('recon_breaks_closed_has_resolution', sql`(${t.state} in ('resolved','written_off')) = (${t.resolution} is not null)`),
    check('recon_breaks_diff', sql`${t.diffFen} = ${t.gatewayFen} - ${t.oursFen}`),
  ],
);

/** Every step of a break's life: who did what, when, and why. Append-only. */
export const reconBreakEvents = sqliteTable(
  'recon_break_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    breakId: text('break_id')
      .notNull()
      .references(() => reconBreaks.id),
    at: integer('at').notNull(),
    by: text('by'),
    action: text('action').notNull(),
    note: text('note').notNull().default(''),
  },
  (t) => [index('recon_break_events_break').on(t.breakId, t.id)],
);

/** Energy check of one charger's day: energy billed in sessions vs. the register's advance. */
export const reconEnergy = sqliteTable(
  'recon_energy',
  {
    day: text('day').notNull(),
    chargerId: text('charger_id').notNull(),
    sessions: integer('sessions').notNull(),
    billedWh: integer('billed_wh').notNull(),
    registerWh: integer('register_wh').notNull(),
    /** Register advance between consecutive sessions that no session billed. */
    gapWh: integer('gap_wh').notNull(),
    /** |register − billed| / register, in basis points (1 % = 100). */
    diffBp: integer('diff_bp').notNull(),
    anomaly: integer('anomaly').notNull(),
    checkedAt: integer('checked_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.day, t.chargerId] }), index('recon_energy_charger').on(t.chargerId, t.day)],
);
