import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { ALL_ROLES, SUPERVISORS, method, type CallContext } from '../kernel/method';
import { operatorRef } from '../operators';
import { approveCampaignInChunks } from './approval';
import { APP_CHUNK_BUDGET_MS } from '../kernel/pace';
import {
  beginExecution,
  cancelCampaign,
  createCampaign,
  dryRunCampaignOffThread,
  getCampaign,
  listCampaigns,
  countCampaigns,
  listItems,
  runCampaign,
  specOf,
  summaryOf,
  unitText,
  type CampaignRow,
} from './campaigns';
import { describeSpec, exportCampaign } from './export';
import { executeCampaignWorker } from './jobs';
import { computeReportOffThread, topRows, type Report } from './report';
import { CAMPAIGN_KINDS, CAMPAIGN_STATES, CAMPAIGN_TARGETS, ITEM_STATES, type CampaignTarget } from './schema';
import { creditSpecSchema, normalizeSpec } from './spec';

/**
 * Compensation campaigns over the contract (compensation.*). Anyone signed in drafts a campaign
 * and looks at dry runs; approving, executing and cancelling are supervisors' (and the core
 * refuses the creator's own approval whatever their role). Quantities go out as {value, text}:
 * fen for money campaigns, points for points campaigns, with the text an operator reads.
 */

const id = z.string().trim().min(1).max(200);
const quantity = z.object({ value: z.number().int(), text: z.string() });
const q = (target: CampaignTarget, value: number) => ({ value, text: unitText(target, value) });

const summarySchema = z.object({
  drivers: z.number(),
  credited: z.number(),
  already: z.number(),
  failed: z.number(),
  pending: z.number(),
  creditedTotal: quantity,
  failedTotal: quantity,
  approvedTotal: quantity,
  failures: z.array(z.object({ driverId: z.string(), amount: quantity, error: z.string() })),
});

const campaignSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(CAMPAIGN_KINDS),
  reversesId: z.string().nullable(),
  target: z.enum(CAMPAIGN_TARGETS),
  state: z.enum(CAMPAIGN_STATES),
  spec: z.record(z.string(), z.unknown()),
  /** The spec in words, as the approver's checklist shows it. */
  description: z.array(z.object({ label: z.string(), value: z.string() })),
  dryRun: z.object({ fingerprint: z.string(), at: z.number(), by: z.string().nullable(), drivers: z.number(), records: z.number(), total: quantity }).nullable(),
  createdBy: z.object({ id: z.string(), name: z.string() }),
  createdAt: z.number(),
  approvedBy: z.object({ id: z.string(), name: z.string() }).nullable(),
  approvedAt: z.number().nullable(),
  batchStamp: z.string().nullable(),
  executedBy: z.string().nullable(),
  executionStartedAt: z.number().nullable(),
  executionFinishedAt: z.number().nullable(),
  cancelledBy: z.string().nullable(),
  cancelledAt: z.number().nullable(),
  cancelNote: z.string().nullable(),
  summary: summarySchema.nullable(),
});

const rowSchema = z.object({ driverId: z.string(), name: z.string(), phone: z.string(), failures: z.number(), amount: quantity, balance: quantity });
const reportSchema = z.object({
  fingerprint: z.string(),
  records: z.number(),
  drivers: z.number(),
  total: quantity,
  distribution: z.array(z.object({ bucket: z.string(), drivers: z.number(), records: z.number(), amount: quantity })),
  top: z.array(rowSchema),
  rows: z.array(rowSchema),
  offset: z.number(),
  computedAt: z.number(),
});

function person(ctx: CallContext, operatorId: string) {
  return operatorRef(ctx.app, operatorId);
}

function campaignOut(ctx: CallContext, c: CampaignRow) {
  const t = c.target;
  const s = c.state === 'draft' || c.state === 'cancelled' ? null : summaryOf(ctx.app, c.id);
  return {
    id: c.id,
    name: c.name,
    kind: c.kind,
    reversesId: c.reversesId,
    target: t,
    state: c.state,
    spec: JSON.parse(c.spec) as Record<string, unknown>,
    description: describeSpec(specOf(c)).map(([label, value]) => ({ label, value })),
    dryRun:
      c.dryRunFingerprint && c.dryRunAt !== null
        ? {
            fingerprint: c.dryRunFingerprint,
            at: c.dryRunAt,
            by: c.dryRunBy,
            drivers: c.dryRunDrivers ?? 0,
            records: c.dryRunRecords ?? 0,
            total: q(t, c.dryRunTotal ?? 0),
          }
        : null,
    createdBy: person(ctx, c.createdBy),
    createdAt: c.createdAt,
    approvedBy: c.approvedBy ? person(ctx, c.approvedBy) : null,
    approvedAt: c.approvedAt,
    batchStamp: c.batchStamp,
    executedBy: c.executedBy,
    executionStartedAt: c.executionStartedAt,
    executionFinishedAt: c.executionFinishedAt,
    cancelledBy: c.cancelledBy,
    cancelledAt: c.cancelledAt,
    cancelNote: c.cancelNote,
    summary: s
      ? {
          ...s,
          creditedTotal: q(t, s.creditedTotal),
          failedTotal: q(t, s.failedTotal),
          approvedTotal: q(t, s.approvedTotal),
          failures: s.failures.map((f) => ({ ...f, amount: q(t, f.amount) })),
        }
      : null,
  };
}

function reportOut(target: CampaignTarget, r: Report, page: { limit: number; offset: number; top: number }) {
  const row = (x: Report['rows'][number]) => ({
    driverId: x.driverId,
    name: x.name,
    phone: x.phone,
    failures: x.failures,
    amount: q(target, x.amount),
    balance: q(target, x.balance),
  });
  return {
    fingerprint: r.fingerprint,
    records: r.records,
    drivers: r.drivers,
    total: q(target, r.total),
    distribution: r.distribution.map((d) => ({ ...d, amount: q(target, d.amount) })),
    top: topRows(r.rows, page.top).map(row),
    rows: r.rows.slice(page.offset, page.offset + page.limit).map(row),
    offset: page.offset,
    computedAt: r.computedAt,
  };
}

function by(ctx: CallContext) {
  return { operatorId: ctx.caller.operator!.id, role: ctx.caller.operator!.role, transport: ctx.caller.transport };
}

const page = { limit: z.number().int().min(0).max(1000).default(50), offset: z.number().int().min(0).default(0), top: z.number().int().min(0).max(100).default(10) };

export const compensationMethods = {
  'compensation.list': method({
    summary: 'Campaigns, newest first, optionally in one state (draft = waiting for a dry run and approval); paged, with the total.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({
      state: z.enum(CAMPAIGN_STATES).optional(),
      limit: z.number().int().min(1).max(500).default(100),
      offset: z.number().int().min(0).default(0),
    }),
    output: z.object({ total: z.number(), campaigns: z.array(campaignSchema) }),
    handler: (ctx, input) => ({
      total: countCampaigns(ctx.app, input.state),
      campaigns: listCampaigns(ctx.app, input).map((c) => campaignOut(ctx, c)),
    }),
  }),
  'compensation.get': method({
    summary: 'One campaign: its spec in words, latest dry run, approval and execution summary.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({ campaignId: id }),
    output: campaignSchema,
    handler: (ctx, input) => campaignOut(ctx, getCampaign(ctx.app, input.campaignId)),
  }),
  'compensation.preview': method({
    summary: 'The live preview of the wizard: what a credit spec would match now. Nothing is stored.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({ spec: creditSpecSchema, ...page }),
    output: reportSchema,
    handler: async (ctx, input) => {
      const spec = normalizeSpec(input.spec);
      return reportOut(input.spec.target, await computeReportOffThread(ctx.app, spec), input);
    },
  }),
  'compensation.report': method({
    summary:
      "A campaign's dry run recomputed now (credit or reversal), paged; nothing is recorded. Its fingerprint differs from the recorded dry run's when the data moved.",
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({ campaignId: id, ...page }),
    output: reportSchema,
    handler: async (ctx, input) => {
      const c = getCampaign(ctx.app, input.campaignId);
      const report = await computeReportOffThread(ctx.app, specOf(c));
      return reportOut(c.target, report, input);
    },
  }),
  'compensation.create': method({
    summary: 'Draft a campaign from a spec (criteria, rule, target, memo) or a reversal of a completed one ({name, reverses}).',
    kind: 'command',
    roles: ALL_ROLES,
    input: z.strictObject({ spec: z.record(z.string(), z.unknown()) }),
    output: campaignSchema,
    handler: (ctx, input) => campaignOut(ctx, createCampaign(ctx.app, input.spec, by(ctx))),
  }),
  'compensation.dryRun': method({
    summary: 'Run a draft campaign without writing anything to the ledger; the report is what an approver confirms.',
    kind: 'command',
    roles: ALL_ROLES,
    input: z.strictObject({ campaignId: id, ...page }),
    output: z.object({ campaign: campaignSchema, report: reportSchema }),
    handler: async (ctx, input) => {
      const report = await dryRunCampaignOffThread(ctx.app, input.campaignId, by(ctx));
      const c = getCampaign(ctx.app, input.campaignId);
      return { campaign: campaignOut(ctx, c), report: reportOut(c.target, report, input) };
    },
  }),
  'compensation.approve': method({
    summary: 'Approve a campaign someone else created, confirming the dry run (fingerprint, driver count, total) it was shown.',
    kind: 'command',
    roles: SUPERVISORS,
    input: z.strictObject({
      campaignId: id,
      fingerprint: z.string().min(1),
      drivers: z.number().int().min(0),
      /** Fen for money campaigns, points for points campaigns. */
      total: z.number().int().min(0),
      criteriaChecked: z.boolean(),
    }),
    output: campaignSchema,
    // Frozen in chunks that yield (approval.ts): the thread keeps answering during a large approval.
    handler: async (ctx, input) => campaignOut(ctx, await approveCampaignInChunks(ctx.app, input.campaignId, input, by(ctx), { budgetMs: APP_CHUNK_BUDGET_MS })),
  }),
  'compensation.execute': method({
    summary: 'Credit an approved campaign (or resume one). By default it runs as a job and this returns at once; wait: run to the end first.',
    kind: 'command',
    roles: SUPERVISORS,
    input: z.strictObject({ campaignId: id, wait: z.boolean().default(false), retryFailed: z.boolean().default(false) }),
    output: campaignSchema,
    handler: async (ctx, input) => {
      const c = beginExecution(ctx.app, input.campaignId, by(ctx), input);
      if (c.state === 'executing') {
        if (input.wait) await runCampaign(ctx.app, c.id, by(ctx));
        else executeCampaignWorker.enqueue(ctx.app, { campaignId: c.id, operatorId: by(ctx).operatorId }, { uniqueKey: `compensation.execute:${c.id}` });
      }
      return campaignOut(ctx, getCampaign(ctx.app, c.id));
    },
  }),
  'compensation.cancel': method({
    summary: 'Cancel a draft or approved campaign before it credits anyone.',
    kind: 'command',
    roles: SUPERVISORS,
    input: z.strictObject({ campaignId: id, note: z.string().trim().min(1, 'say why the campaign is cancelled').max(500) }),
    output: campaignSchema,
    handler: (ctx, input) => campaignOut(ctx, cancelCampaign(ctx.app, input.campaignId, input.note, by(ctx))),
  }),
  'compensation.items': method({
    summary: "An approved campaign's drivers with their amount and state (pending, credited, already, failed), most failures first.",
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({
      campaignId: id,
      status: z.enum(ITEM_STATES).optional(),
      limit: z.number().int().min(1).max(1000).default(50),
      offset: z.number().int().min(0).default(0),
    }),
    output: z.object({
      total: z.number(),
      items: z.array(
        z.object({
          driverId: z.string(),
          name: z.string(),
          phone: z.string(),
          failures: z.number(),
          amount: quantity,
          status: z.enum(ITEM_STATES),
          transferId: z.string(),
          batchNo: z.string(),
          error: z.string().nullable(),
          doneAt: z.number().nullable(),
        }),
      ),
    }),
    handler: (ctx, input) => {
      const c = getCampaign(ctx.app, input.campaignId);
      const r = listItems(ctx.app, c.id, input);
      return { total: r.total, items: r.items.map((i) => ({ ...i, amount: q(c.target, i.amount) })) };
    },
  }),
  'compensation.exportFile': method({
    summary: "A campaign's Excel workbook (its dry run before approval, its results after), as base64 for the browser to save.",
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({ campaignId: id, kind: z.enum(['dry_run', 'results']).optional() }),
    output: z.object({ fileName: z.string(), rows: z.number(), base64: z.string() }),
    handler: async (ctx, input) => {
      const c = getCampaign(ctx.app, input.campaignId);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'depotdesk-export-'));
      try {
        const kind = input.kind ?? (c.state === 'draft' || c.state === 'cancelled' ? 'dry_run' : 'results');
        const fileName = `compensation-${c.id}-${kind === 'dry_run' ? 'dry-run' : 'results'}.xlsx`;
        const r = await exportCampaign(ctx.app, c.id, path.join(dir, fileName), { kind });
        return { fileName, rows: r.rows, base64: fs.readFileSync(r.file).toString('base64') };
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  }),
};
