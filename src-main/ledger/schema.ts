import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/**
 * The money ledger's tables. Amounts are integer fen (points accounts: integer points). Times are
 * UTC epoch ms. Transfers, batches and operations are append-only (triggers in the
 * ledger_append_only migration refuse UPDATE and DELETE); an account's four counters are a cache
 * of its transfers that `verifyLedger` recomputes.
 */

export const ACCOUNT_TYPES = [
  // a driver's
  'wallet',
  'held',
  'debt',
  'coupon',
  'points',
  // the depot's
  'electricity_revenue',
  'service_revenue',
  'cash_drawer',
  'gateway_clearing',
  'refunds_payable',
  'compensation_expense',
  'coupon_expense',
  'write_offs',
  'points_pool',
] as const;
export type AccountType = (typeof ACCOUNT_TYPES)[number];

export const UNITS = ['CNY', 'points'] as const;
export type Unit = (typeof UNITS)[number];

/** Balance flags, as in TigerBeetle: a flagged account can never be overdrawn on that side. */
export const DEBITS_MUST_NOT_EXCEED_CREDITS = 1;
export const CREDITS_MUST_NOT_EXCEED_DEBITS = 2;

export const TRANSFER_CODES = [
  'topup',
  'hold',
  'hold_post',
  'hold_void',
  'hold_expire',
  'settle_electricity',
  'settle_service',
  'debt',
  'debt_collect',
  'debt_write_off',
  'refund',
  'refund_paid',
  'compensation',
  'coupon_grant',
  'coupon_redeem',
  'coupon_restore',
  'coupon_expire',
  'points_grant',
  'points_redeem',
  'points_restore',
  'correction',
  'transfer',
] as const;
export type TransferCode = (typeof TRANSFER_CODES)[number];

/** single: posts at once; pending: reserves (a hold); post / void: resolves a pending transfer. */
export const PHASES = ['single', 'pending', 'post', 'void'] as const;
export type Phase = (typeof PHASES)[number];

const inList = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(','));

export const drivers = sqliteTable(
  'drivers',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    phone: text('phone').notNull(),
    note: text('note'),
    createdAt: integer('created_at').notNull(),
    createdBy: text('created_by'),
    /**
     * Set while the driver is on risk control's blacklist (risk/), cleared when lifted: what a
     * start, an Authorize or a payment order is refused with. blockedUntil null = until lifted.
     */
    blockedReason: text('blocked_reason'),
    blockedUntil: integer('blocked_until'),
    /** The listing that set it (risk_blacklist.id). */
    blockedRef: text('blocked_ref'),
  },
  (t) => [uniqueIndex('drivers_phone_unique').on(t.phone), index('drivers_name').on(t.name)],
);

/** RFID card numbers and app ids a driver starts sessions with; one tag belongs to one driver. */
export const driverIdTags = sqliteTable(
  'driver_id_tags',
  {
    tag: text('tag').primaryKey(),
    driverId: text('driver_id')
      .notNull()
      .references(() => drivers.id),
    kind: text('kind', { enum: ['rfid', 'app'] }).notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('driver_id_tags_driver').on(t.driverId), check('driver_id_tags_kind', sql`${t.kind} in ('rfid','app')`)],
);

export const driverVehicles = sqliteTable(
  'driver_vehicles',
  {
    vin: text('vin').primaryKey(),
    driverId: text('driver_id')
      .notNull()
      .references(() => drivers.id),
    plate: text('plate'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('driver_vehicles_driver').on(t.driverId)],
);

export const ledgerAccounts = sqliteTable(
  'ledger_accounts',
  {
    id: text('id').primaryKey(),
    type: text('type', { enum: ACCOUNT_TYPES }).notNull(),
    unit: text('unit', { enum: UNITS }).notNull(),
    driverId: text('driver_id').references(() => drivers.id),
    flags: integer('flags').notNull().default(0),
    debitsPending: integer('debits_pending').notNull().default(0),
    debitsPosted: integer('debits_posted').notNull().default(0),
    creditsPending: integer('credits_pending').notNull().default(0),
    creditsPosted: integer('credits_posted').notNull().default(0),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    index('ledger_accounts_driver').on(t.driverId),
    index('ledger_accounts_type').on(t.type),
    check('ledger_accounts_type_known', sql`${t.type} in (${inList(ACCOUNT_TYPES)})`),
    check('ledger_accounts_unit_known', sql`${t.unit} in (${inList(UNITS)})`),
    check('ledger_accounts_flags_known', sql`${t.flags} in (0, 1, 2)`),
    check('ledger_accounts_counters_not_negative', sql`${t.debitsPending} >= 0 and ${t.debitsPosted} >= 0 and ${t.creditsPending} >= 0 and ${t.creditsPosted} >= 0`),
    // The last line of defence for "a wallet never goes below zero": even a bug in the engine
    // cannot commit an overdrawn flagged account.
    check('ledger_accounts_debits_within_credits', sql`(${t.flags} & 1) = 0 or ${t.debitsPending} + ${t.debitsPosted} <= ${t.creditsPosted}`),
    check('ledger_accounts_credits_within_debits', sql`(${t.flags} & 2) = 0 or ${t.creditsPending} + ${t.creditsPosted} <= ${t.debitsPosted}`),
  ],
);

/** One row per committed batch: the batch number printed on statements and receipts. */
export const ledgerBatches = sqliteTable('ledger_batches', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  at: integer('at').notNull(),
  operatorId: text('operator_id'),
  /** The business operation that made the batch (its idempotency key), if any. */
  operationKey: text('operation_key'),
});

export const ledgerTransfers = sqliteTable(
  'ledger_transfers',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    /** The caller's idempotency key. */
    id: text('id').notNull(),
    debitAccountId: text('debit_account_id')
      .notNull()
      .references(() => ledgerAccounts.id),
    creditAccountId: text('credit_account_id')
      .notNull()
      .references(() => ledgerAccounts.id),
    amount: integer('amount').notNull(),
    code: text('code', { enum: TRANSFER_CODES }).notNull(),
    phase: text('phase', { enum: PHASES }).notNull(),
    pendingId: text('pending_id'),
    expiresAt: integer('expires_at'),
    /** The transfer this one reverses: a correction, a coupon or points restore. */
    reversesId: text('reverses_id'),
    batch: integer('batch')
      .notNull()
      .references(() => ledgerBatches.id),
    memo: text('memo'),
    sessionId: text('session_id'),
    orderId: text('order_id'),
    campaignId: text('campaign_id'),
    statementRow: text('statement_row'),
    debtId: text('debt_id'),
    operatorId: text('operator_id'),
    createdAt: integer('created_at').notNull(),
    /** The keyed chain value (ledger/chain.ts): HMAC over the previous transfer's mac and this one's content. Null only for transfers sealed at the upgrade. */
    mac: text('mac'),
  },
  (t) => [
    uniqueIndex('ledger_transfers_id_unique').on(t.id),
    index('ledger_transfers_debit').on(t.debitAccountId, t.seq),
    index('ledger_transfers_credit').on(t.creditAccountId, t.seq),
    // A pending transfer resolves at most once: at most one post or void names it.
    uniqueIndex('ledger_transfers_pending_once')
      .on(t.pendingId)
      .where(sql`${t.pendingId} is not null`),
    index('ledger_transfers_reverses')
      .on(t.reversesId)
      .where(sql`${t.reversesId} is not null`),
    index('ledger_transfers_session')
      .on(t.sessionId)
      .where(sql`${t.sessionId} is not null`),
    check('ledger_transfers_amount_positive', sql`${t.amount} > 0`),
    check('ledger_transfers_two_accounts', sql`${t.debitAccountId} <> ${t.creditAccountId}`),
    check('ledger_transfers_code_known', sql`${t.code} in (${inList(TRANSFER_CODES)})`),
    check('ledger_transfers_phase_known', sql`${t.phase} in (${inList(PHASES)})`),
    check(
      'ledger_transfers_phase_fields',
      sql`(${t.phase} in ('post','void')) = (${t.pendingId} is not null) and (${t.phase} = 'pending') = (${t.expiresAt} is not null)`,
    ),
  ],
);

export const HOLD_STATUSES = ['pending', 'posted', 'voided', 'expired'] as const;
export type HoldStatus = (typeof HOLD_STATUSES)[number];

/**
 * Every pending transfer, with its state: the index the expiry job and the holds screen read.
 * id = the pending transfer's id. Its status changes once, by a guarded UPDATE, in the same
 * transaction as the post or void transfer that resolves it.
 */
export const ledgerHolds = sqliteTable(
  'ledger_holds',
  {
    id: text('id').primaryKey(),
    debitAccountId: text('debit_account_id').notNull(),
    creditAccountId: text('credit_account_id').notNull(),
    driverId: text('driver_id'),
    amount: integer('amount').notNull(),
    expiresAt: integer('expires_at').notNull(),
    status: text('status', { enum: HOLD_STATUSES }).notNull(),
    postedAmount: integer('posted_amount'),
    resolvedBy: text('resolved_by'),
    resolvedAt: integer('resolved_at'),
    sessionId: text('session_id'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    index('ledger_holds_open').on(t.status, t.expiresAt),
    index('ledger_holds_driver').on(t.driverId, t.status),
    check('ledger_holds_status_known', sql`${t.status} in (${inList(HOLD_STATUSES)})`),
    check('ledger_holds_resolution', sql`(${t.status} = 'pending') = (${t.resolvedBy} is null)`),
  ],
);

export const DEBT_STATUSES = ['open', 'settled', 'written_off'] as const;
export type DebtStatus = (typeof DEBT_STATUSES)[number];

/** What a driver owes for one session or order (欠费), and how much of it came back. */
export const ledgerDebts = sqliteTable(
  'ledger_debts',
  {
    id: text('id').primaryKey(),
    driverId: text('driver_id')
      .notNull()
      .references(() => drivers.id),
    amount: integer('amount').notNull(),
    collected: integer('collected').notNull().default(0),
    writtenOff: integer('written_off').notNull().default(0),
    status: text('status', { enum: DEBT_STATUSES }).notNull(),
    sessionId: text('session_id'),
    orderId: text('order_id'),
    operationKey: text('operation_key').notNull(),
    createdAt: integer('created_at').notNull(),
    closedAt: integer('closed_at'),
  },
  (t) => [
    index('ledger_debts_driver').on(t.driverId, t.status, t.createdAt),
    check('ledger_debts_status_known', sql`${t.status} in (${inList(DEBT_STATUSES)})`),
    check('ledger_debts_amounts', sql`${t.amount} > 0 and ${t.collected} >= 0 and ${t.writtenOff} >= 0 and ${t.collected} + ${t.writtenOff} <= ${t.amount}`),
    check('ledger_debts_open_iff_owing', sql`(${t.status} = 'open') = (${t.collected} + ${t.writtenOff} < ${t.amount})`),
  ],
);

/** An amount coupon (金额券): its remaining value is the balance of its own ledger account. */
export const ledgerCoupons = sqliteTable(
  'ledger_coupons',
  {
    id: text('id').primaryKey(),
    driverId: text('driver_id')
      .notNull()
      .references(() => drivers.id),
    accountId: text('account_id')
      .notNull()
      .references(() => ledgerAccounts.id),
    face: integer('face').notNull(),
    expiresAt: integer('expires_at'),
    campaignId: text('campaign_id'),
    grantKey: text('grant_key').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('ledger_coupons_driver').on(t.driverId), uniqueIndex('ledger_coupons_grant_key').on(t.grantKey)],
);

/**
 * The idempotency record of a business operation (a top-up, a settlement …): the same key with
 * the same request returns `result` again and moves nothing; with another request it is refused.
 */
export const ledgerOperations = sqliteTable('ledger_operations', {
  key: text('key').primaryKey(),
  kind: text('kind').notNull(),
  request: text('request').notNull(),
  result: text('result').notNull(),
  batch: integer('batch'),
  operatorId: text('operator_id'),
  createdAt: integer('created_at').notNull(),
});
