import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/**
 * Risk control (风控): the rules (data, versioned), the blacklist, the chargers the rules put in
 * maintenance, and debt write-off requests. Times UTC epoch ms, amounts integer fen. States change
 * only through guarded UPDATEs whose row count is checked (risk/*.ts).
 */

const inList = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(','));

/** The current version of each rule: its switch and parameters. */
export const riskRules = sqliteTable('risk_rules', {
  code: text('code').primaryKey(),
  version: integer('version').notNull(),
  enabled: integer('enabled', { mode: 'boolean' }).notNull(),
  /** JSON of the rule's parameters (rules.ts says which). */
  params: text('params').notNull(),
  updatedAt: integer('updated_at').notNull(),
  updatedBy: text('updated_by'),
});

/** Every version a rule has had, append-only: a decision names the version it used. */
export const riskRuleVersions = sqliteTable(
  'risk_rule_versions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    code: text('code').notNull(),
    version: integer('version').notNull(),
    enabled: integer('enabled', { mode: 'boolean' }).notNull(),
    params: text('params').notNull(),
    note: text('note').notNull().default(''),
    changedAt: integer('changed_at').notNull(),
    changedBy: text('changed_by'),
  },
  (t) => [uniqueIndex('risk_rule_versions_code').on(t.code, t.version)],
);

export const LISTING_STATES = ['active', 'lifted', 'expired'] as const;
export type ListingState = (typeof LISTING_STATES)[number];

/** The blacklist (黑名单): one row per listing; at most one active per driver. */
export const riskBlacklist = sqliteTable(
  'risk_blacklist',
  {
    id: text('id').primaryKey(),
    driverId: text('driver_id').notNull(),
    state: text('state', { enum: LISTING_STATES }).notNull(),
    /** manual (a supervisor) or rule (the evaluation job). */
    source: text('source', { enum: ['manual', 'rule'] }).notNull(),
    ruleCode: text('rule_code'),
    ruleVersion: integer('rule_version'),
    /** JSON: the records the rule counted (debt ids, adjustment ids …) and the figures. */
    facts: text('facts').notNull(),
    /** What the records are, as a stable key: a lifted listing is not made again from the same facts. */
    factsKey: text('facts_key').notNull(),
    reason: text('reason').notNull(),
    listedAt: integer('listed_at').notNull(),
    listedBy: text('listed_by'),
    /** null: until lifted. */
    expiresAt: integer('expires_at'),
    endedAt: integer('ended_at'),
    endedBy: text('ended_by'),
    endNote: text('end_note'),
  },
  (t) => [
    uniqueIndex('risk_blacklist_active')
      .on(t.driverId)
      .where(sql`${t.state} = 'active'`),
    index('risk_blacklist_driver').on(t.driverId, t.listedAt),
    index('risk_blacklist_state').on(t.state, t.listedAt),
    check('risk_blacklist_state_known', sql`${t.state} in (${inList(LISTING_STATES)})`),
    check('risk_blacklist_source', sql`(${t.source} = 'rule') = (${t.ruleCode} is not null)`),
  ],
);

export const CHARGER_ACTION_STATES = ['in_maintenance', 'returned'] as const;
export type ChargerActionState = (typeof CHARGER_ACTION_STATES)[number];

/** A charger a rule put in maintenance, and its return to service. */
export const riskChargerActions = sqliteTable(
  'risk_charger_actions',
  {
    id: text('id').primaryKey(),
    chargerId: text('charger_id').notNull(),
    state: text('state', { enum: CHARGER_ACTION_STATES }).notNull(),
    ruleCode: text('rule_code').notNull(),
    ruleVersion: integer('rule_version').notNull(),
    facts: text('facts').notNull(),
    reason: text('reason').notNull(),
    at: integer('at').notNull(),
    availability: text('availability'),
    returnedAt: integer('returned_at'),
    returnedBy: text('returned_by'),
    returnNote: text('return_note'),
  },
  (t) => [
    uniqueIndex('risk_charger_actions_open')
      .on(t.chargerId)
      .where(sql`${t.state} = 'in_maintenance'`),
    index('risk_charger_actions_charger').on(t.chargerId, t.at),
    check('risk_charger_actions_state_known', sql`${t.state} in (${inList(CHARGER_ACTION_STATES)})`),
  ],
);

export const WRITE_OFF_STATES = ['pending', 'approved', 'rejected'] as const;
export type WriteOffState = (typeof WRITE_OFF_STATES)[number];

/** A debt write-off asked for by finance and decided by a second person. */
export const riskDebtWriteOffs = sqliteTable(
  'risk_debt_write_offs',
  {
    id: text('id').primaryKey(),
    debtId: text('debt_id').notNull(),
    driverId: text('driver_id').notNull(),
    /** What was owed when asked (the ledger writes off what is owed when approved). */
    amountFen: integer('amount_fen').notNull(),
    reason: text('reason').notNull(),
    state: text('state', { enum: WRITE_OFF_STATES }).notNull(),
    requestedBy: text('requested_by').notNull(),
    requestedAt: integer('requested_at').notNull(),
    decidedBy: text('decided_by'),
    decidedAt: integer('decided_at'),
    decisionNote: text('decision_note'),
    ledgerKey: text('ledger_key'),
  },
  (t) => [
    uniqueIndex('risk_debt_write_offs_pending')
      .on(t.debtId)
      .where(sql`${t.state} = 'pending'`),
    index('risk_debt_write_offs_state').on(t.state, t.requestedAt),
    check('risk_debt_write_offs_state_known', sql`${t.state} in (${inList(WRITE_OFF_STATES)})`),
    check('risk_debt_write_offs_amount', sql`${t.amountFen} > 0`),
  ],
);
