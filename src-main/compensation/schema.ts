import { sql } from 'drizzle-orm';
import { check, index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * Compensation campaigns (批量补偿). Amounts are integer fen (points for a points campaign), times
 * UTC epoch ms. The money itself moves in the ledger; these rows say who was owed what and why.
 */

export const CAMPAIGN_STATES = ['draft', 'approved', 'executing', 'completed', 'cancelled'] as const;
export type CampaignState = (typeof CAMPAIGN_STATES)[number];

export const CAMPAIGN_KINDS = ['credit', 'reversal'] as const;
export type CampaignKind = (typeof CAMPAIGN_KINDS)[number];

export const CAMPAIGN_TARGETS = ['wallet', 'coupon', 'points'] as const;
export type CampaignTarget = (typeof CAMPAIGN_TARGETS)[number];

export const ITEM_STATES = ['pending', 'credited', 'already', 'failed'] as const;
export type ItemState = (typeof ITEM_STATES)[number];

const inList = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(','));

export const compCampaigns = sqliteTable(
  'comp_campaigns',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    kind: text('kind', { enum: CAMPAIGN_KINDS }).notNull(),
    /** For a reversal: the campaign whose credits it takes back. */
    reversesId: text('reverses_id'),
    target: text('target', { enum: CAMPAIGN_TARGETS }).notNull(),
    /** The spec as given (criteria, rule, target, memo), canonical JSON. */
    spec: text('spec').notNull(),
    state: text('state', { enum: CAMPAIGN_STATES }).notNull(),
    /** The latest dry run: what an approver confirms. */
    dryRunFingerprint: text('dry_run_fingerprint'),
    dryRunAt: integer('dry_run_at'),
    dryRunBy: text('dry_run_by'),
    dryRunDrivers: integer('dry_run_drivers'),
    dryRunRecords: integer('dry_run_records'),
    dryRunTotal: integer('dry_run_total'),
    approvedBy: text('approved_by'),
    approvedAt: integer('approved_at'),
    /** What the approver confirmed, JSON. */
    approvalChecklist: text('approval_checklist'),
    /** yyyyMMddHHmmss of the approval in the depot zone: the middle of every credit's batch number. */
    batchStamp: text('batch_stamp'),
    executedBy: text('executed_by'),
    executionStartedAt: integer('execution_started_at'),
    executionFinishedAt: integer('execution_finished_at'),
    cancelledBy: text('cancelled_by'),
    cancelledAt: integer('cancelled_at'),
    cancelNote: text('cancel_note'),
    createdBy: text('created_by').notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    index('comp_campaigns_state').on(t.state, t.createdAt),
    index('comp_campaigns_reverses')
      .on(t.reversesId)
      .where(sql`${t.reversesId} is not null`),
    check('comp_campaigns_state_known', sql`${t.state} in (${inList(CAMPAIGN_STATES)})`),
    check('comp_campaigns_kind_known', sql`${t.kind} in (${inList(CAMPAIGN_KINDS)})`),
    check('comp_campaigns_target_known', sql`${t.target} in (${inList(CAMPAIGN_TARGETS)})`),
    check('comp_campaigns_reversal', sql`(${t.kind} = 'reversal') = (${t.reversesId} is not null)`),
    check('comp_campaigns_approver', sql`${t.approvedBy} is null or ${t.approvedBy} <> ${t.createdBy}`),
  ],
);

/** One row per driver of an approved campaign: frozen at approval, so execution credits exactly what was approved. */
export const compCampaignItems = sqliteTable(
  'comp_campaign_items',
  {
    campaignId: text('campaign_id')
      .notNull()
      .references(() => compCampaigns.id),
    driverId: text('driver_id').notNull(),
    failures: integer('failures').notNull(),
    amount: integer('amount').notNull(),
    status: text('status', { enum: ITEM_STATES }).notNull(),
    /** The ledger transfer (its id is the idempotency key comp:<campaign>:<driver>). */
    transferId: text('transfer_id').notNull(),
    batchNo: text('batch_no').notNull(),
    /** For a reversal: the credit transfer it reverses. */
    reversesTransferId: text('reverses_transfer_id'),
    error: text('error'),
    doneAt: integer('done_at'),
  },
  (t) => [
    primaryKey({ columns: [t.campaignId, t.driverId] }),
    // Execution walks a campaign's pending drivers in driver order: (campaign, status, driver) serves it without a sort.
    index('comp_campaign_items_pending').on(t.campaignId, t.status, t.driverId),
    check('comp_campaign_items_status_known', sql`${t.status} in (${inList(ITEM_STATES)})`),
    check('comp_campaign_items_amount', sql`${t.amount} > 0 and ${t.failures} >= 0`),
  ],
);

/** The sessions an approved campaign compensates: a later campaign over the same failures leaves them out. */
export const compCampaignSessions = sqliteTable(
  'comp_campaign_sessions',
  {
    campaignId: text('campaign_id')
      .notNull()
      .references(() => compCampaigns.id),
    sessionId: text('session_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.campaignId] }), index('comp_campaign_sessions_campaign').on(t.campaignId)],
);
