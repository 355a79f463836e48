import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { ALL_ROLES, FINANCE, method, type CallContext } from '../kernel/method';
import { DepotError } from '../kernel/errors';
import { amount, amountSchema } from '../money';
import { findOperator, operatorRef } from '../operators';
import { approveWriteOff, assignBreak, breakHistory, getBreak, listBreaks, lossFen, rejectWriteOff, requestWriteOff, resolveBreak, type BreakRow } from './breaks';
import { findDay, getDay, listDays, signOff, type DayRecord } from './days';
import { energyOfDay, meteringAnomalies } from './energy';
import { getStatement, importStatement, listMappings, listStatements, saveMapping, type StatementRecord } from './import';
import { addDays, runRangeInSlices, today, type DayResult } from './match';
import { checkReportRange, reconReportFileName, writeReconReport } from './report';
import { BREAK_KINDS, BREAK_RESOLUTIONS, BREAK_STATES, DAY_STATES } from './schema';
import { genericMappingSchema } from './statements';

/**
 * Reconciliation over the contract (recon.*). Anyone signed in looks; finance (and supervisors and
 * admins) import, run, resolve and sign off; a write-off is approved by a second finance user (the
 * core refuses the requester). Every command is audited by the dispatcher.
 */

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date is yyyy-MM-dd');
const id = z.string().trim().min(1).max(200);
const note = z.string().trim().min(1).max(1000);
/** A statement file as the browser or the CLI reads it: at most 64 MB of bytes. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;

const who = z.object({ id: z.string(), name: z.string() }).nullable();

function person(ctx: CallContext, operatorId: string | null) {
  return operatorId ? operatorRef(ctx.app, operatorId) : null;
}

function by(ctx: CallContext) {
  return { operatorId: ctx.caller.operator!.id };
}

const statementSchema = z.object({
  id: z.string(),
  fileSha256: z.string(),
  fileName: z.string(),
  channel: z.string(),
  layout: z.string(),
  source: z.string(),
  merchantId: z.string(),
  billDates: z.array(z.string()),
  rowCount: z.number(),
  repeatedRows: z.number(),
  paymentCount: z.number(),
  refundCount: z.number(),
  paymentTotal: amountSchema,
  refundTotal: amountSchema,
  net: amountSchema,
  fees: amountSchema,
  notes: z.array(z.string()),
  importedAt: z.number(),
  importedBy: who,
});

function statementOut(ctx: CallContext, s: StatementRecord) {
  return {
    id: s.id,
    fileSha256: s.fileSha256,
    fileName: s.fileName,
    channel: s.channel,
    layout: s.layout,
    source: s.source,
    merchantId: s.merchantId,
    billDates: s.billDates,
    rowCount: s.rowCount,
    repeatedRows: s.repeatedRows,
    paymentCount: s.paymentCount,
    refundCount: s.refundCount,
    paymentTotal: amount(s.paymentTotalFen),
    refundTotal: amount(s.refundTotalFen),
    net: amount(s.netFen),
    fees: amount(s.feeTotalFen),
    notes: s.details.notes,
    importedAt: s.importedAt,
    importedBy: person(ctx, s.importedBy),
  };
}

const breakSchema = z.object({
  id: z.string(),
  kind: z.enum(BREAK_KINDS),
  state: z.enum(BREAK_STATES),
  day: z.string(),
  channel: z.string(),
  orderNumber: z.string().nullable(),
  tradeNo: z.string().nullable(),
  refundNo: z.string().nullable(),
  orderId: z.string().nullable(),
  refundTaskId: z.string().nullable(),
  gateway: amountSchema,
  ours: amountSchema,
  diff: amountSchema,
  /** What a write-off would book as a loss (zero or less: nothing to write off). */
  loss: amountSchema,
  owner: who,
  resolution: z.enum(BREAK_RESOLUTIONS).nullable(),
  note: z.string().nullable(),
  reference: z.string().nullable(),
  requestedBy: who,
  requestedAt: z.number().nullable(),
  resolvedBy: who,
  resolvedAt: z.number().nullable(),
  openedAt: z.number(),
  updatedAt: z.number(),
});

function breakOut(ctx: CallContext, b: BreakRow) {
  return {
    id: b.id,
    kind: b.kind,
    state: b.state,
    day: b.day,
    channel: b.channel,
    orderNumber: b.orderNumber,
    tradeNo: b.tradeNo,
    refundNo: b.refundNo,
    orderId: b.orderId,
    refundTaskId: b.refundTaskId,
    gateway: amount(b.gatewayFen),
    ours: amount(b.oursFen),
    diff: amount(b.diffFen),
    loss: amount(lossFen(b)),
    owner: person(ctx, b.owner),
    resolution: b.resolution,
    note: b.note,
    reference: b.reference,
    requestedBy: person(ctx, b.requestedBy),
    requestedAt: b.requestedAt,
    resolvedBy: person(ctx, b.resolvedBy),
    resolvedAt: b.resolvedAt,
    openedAt: b.openedAt,
    updatedAt: b.updatedAt,
  };
}

const tally = z.object({ count: z.number(), amount: amountSchema });
const channelSchema = z.object({
  channel: z.string(),
  gatewayPayments: tally,
  gatewayRefunds: tally,
  fees: amountSchema,
  netSettlement: amountSchema,
  ourPayments: tally,
  ourRefunds: tally,
});
const pendingSchema = z.object({
  kind: z.enum(BREAK_KINDS),
  channel: z.string(),
  orderNumber: z.string().nullable(),
  tradeNo: z.string().nullable(),
  refundNo: z.string().nullable(),
  gateway: amountSchema,
  ours: amountSchema,
  ageDays: z.number(),
});
const daySchema = z.object({
  day: z.string(),
  state: z.enum(DAY_STATES),
  channels: z.array(channelSchema),
  matchedPayments: z.number(),
  matchedRefunds: z.number(),
  processingRefunds: z.number(),
  pendingCount: z.number(),
  pending: z.array(pendingSchema),
  windowDays: z.number(),
  breaksOpen: z.number(),
  breaksTotal: z.number(),
  energyAnomalies: z.number(),
  lastRunAt: z.number(),
  signedOffBy: who,
  signedOffAt: z.number().nullable(),
  signOffNote: z.string().nullable(),
});

function dayOut(ctx: CallContext, d: Pick<DayRecord, 'day' | 'state' | 'figures' | 'breaksOpen' | 'breaksTotal' | 'energyAnomalies' | 'lastRunAt'> & Partial<DayRecord>) {
  const t = (x: { count: number; fen: number }) => ({ count: x.count, amount: amount(x.fen) });
  return {
    day: d.day,
    state: d.state,
    channels: Object.entries(d.figures.channels).map(([channel, c]) => ({
      channel,
      gatewayPayments: t(c.gatewayPayments),
      gatewayRefunds: t(c.gatewayRefunds),
      fees: amount(c.feesFen),
      netSettlement: amount(c.netSettlementFen),
      ourPayments: t(c.ourPayments),
      ourRefunds: t(c.ourRefunds),
    })),
    matchedPayments: d.figures.matchedPayments,
    matchedRefunds: d.figures.matchedRefunds,
    processingRefunds: d.figures.processingRefunds,
    pendingCount: d.figures.pendingCount,
    pending: d.figures.pending.map((p) => ({ ...p, gateway: amount(p.gatewayFen), ours: amount(p.oursFen) })),
    windowDays: d.figures.windowDays,
    breaksOpen: d.breaksOpen,
    breaksTotal: d.breaksTotal,
    energyAnomalies: d.energyAnomalies,
    lastRunAt: d.lastRunAt,
    signedOffBy: person(ctx, d.signedOffBy ?? null),
    signedOffAt: d.signedOffAt ?? null,
    signOffNote: d.signOffNote ?? null,
  };
}

function resultOut(ctx: CallContext, r: DayResult) {
  const d = findDay(ctx.app, r.day);
  return { ...dayOut(ctx, d ?? { ...r, lastRunAt: 0, energyAnomalies: r.energy.anomalies }), breaksOpened: r.breaksOpened, matchedLate: r.matchedLate };
}

const energySchema = z.object({
  day: z.string(),
  chargerId: z.string(),
  sessions: z.number(),
  billedWh: z.number(),
  registerWh: z.number(),
  gapWh: z.number(),
  diffBp: z.number(),
  anomaly: z.boolean(),
  checkedAt: z.number(),
});

const eventSchema = z.object({ id: z.number(), at: z.number(), by: who, action: z.string(), note: z.string() });

const importInput = z.strictObject({
  fileName: z.string().trim().min(1).max(255),
  base64: z.string().min(1),
  /** A saved column mapping's name, for an aggregator's CSV. */
  mapping: z.string().trim().min(1).max(60).optional(),
  format: z.enum(['wechat', 'alipay', 'generic']).optional(),
  expectMerchantId: z.string().trim().min(1).max(64).optional(),
  /** Reconcile the finished days the file covers at once (default true). */
  run: z.boolean().default(true),
});

function decodeFile(base64: string, fileName: string): Buffer {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length === 0) throw new DepotError('invalid_input', `${fileName}: the file is empty`, { field: 'base64' });
  if (bytes.length > MAX_FILE_BYTES) throw new DepotError('invalid_input', `${fileName}: larger than ${MAX_FILE_BYTES / 1024 / 1024} MB`, { field: 'base64' });
  return bytes;
}

export const reconMethods = {
  'recon.import': method({
    summary:
      'Import a gateway statement (WeChat Pay bill, Alipay 业务明细 ZIP, or an aggregator CSV with a saved mapping); the same file imports once. Runs the finished days it covers.',
    kind: 'command',
    roles: FINANCE,
    input: importInput,
    output: z.object({
      imported: z.boolean(),
      statement: statementSchema,
      days: z.array(z.string()),
      runs: z.array(daySchema.extend({ breaksOpened: z.number(), matchedLate: z.number() })),
    }),
    handler: async (ctx, input) => {
      const bytes = decodeFile(input.base64, input.fileName);
      const r = await importStatement(
        ctx.app,
        bytes,
        input.fileName,
        { mapping: input.mapping, format: input.format, expectMerchantId: input.expectMerchantId },
        by(ctx),
      );
      const now = today(ctx.app);
      const runnable = input.run ? r.days.filter((d) => d < now && findDay(ctx.app, d)?.state !== 'signed_off') : [];
      const runs: DayResult[] = [];
      for (const d of runnable) runs.push(...(await runRangeInSlices(ctx.app, d)).days);
      return { imported: r.imported, statement: statementOut(ctx, r.statement), days: r.days, runs: runs.map((x) => resultOut(ctx, x)) };
    },
  }),
  'recon.statements': method({
    summary: 'Imported statements, newest first: file, merchant, dates, counts and totals.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({ limit: z.number().int().min(1).max(1000).default(100) }),
    output: z.array(statementSchema),
    handler: (ctx, input) => listStatements(ctx.app, input).map((s) => statementOut(ctx, s)),
  }),
  'recon.statement': method({
    summary: 'One imported statement, by id or file sha256.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({ statementId: id }),
    output: statementSchema,
    handler: (ctx, input) => statementOut(ctx, getStatement(ctx.app, input.statementId)),
  }),
  'recon.run': method({
    summary: 'Reconcile a finished day, or every day of a range (at most 366): gateway ↔ orders ↔ meters. Signed-off days are left as they are.',
    kind: 'command',
    roles: FINANCE,
    input: z.strictObject({ date, to: date.optional() }),
    output: z.array(daySchema.extend({ breaksOpened: z.number(), matchedLate: z.number() })),
    handler: async (ctx, input) => (await runRangeInSlices(ctx.app, input.date, input.to ?? input.date)).days.map((d) => resultOut(ctx, d)),
  }),
  'recon.days': method({
    summary: 'Reconciled days in a range (default: the last 35 days), newest first: the calendar of the 对账 page.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({ from: date.optional(), to: date.optional() }),
    output: z.array(daySchema),
    handler: (ctx, input) => {
      const to = input.to ?? today(ctx.app);
      return listDays(ctx.app, input.from ?? addDays(to, -34), to).map((d) => dayOut(ctx, d));
    },
  }),
  'recon.day': method({
    summary: 'One day: its figures per channel, pending items, breaks and energy check.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({ date }),
    output: z.object({ day: daySchema, breaks: z.array(breakSchema), energy: z.array(energySchema) }),
    handler: (ctx, input) => ({
      day: dayOut(ctx, getDay(ctx.app, input.date)),
      breaks: listBreaks(ctx.app, { day: input.date, limit: 1000 }).breaks.map((b) => breakOut(ctx, b)),
      energy: energyOfDay(ctx.app, input.date),
    }),
  }),
  'recon.breaks': method({
    summary: 'Breaks (差错), by state (unresolved = open or awaiting write-off approval), kind, channel and day range; paged.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({
      state: z.enum([...BREAK_STATES, 'unresolved']).optional(),
      kind: z.enum(BREAK_KINDS).optional(),
      channel: z.string().trim().min(1).max(40).optional(),
      date: date.optional(),
      from: date.optional(),
      to: date.optional(),
      limit: z.number().int().min(1).max(1000).default(100),
      offset: z.number().int().min(0).default(0),
    }),
    output: z.object({ total: z.number(), breaks: z.array(breakSchema) }),
    handler: (ctx, input) => {
      const r = listBreaks(ctx.app, { ...input, day: input.date });
      return { total: r.total, breaks: r.breaks.map((b) => breakOut(ctx, b)) };
    },
  }),
  'recon.break': method({
    summary: 'One break with its history: who did what, when.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({ breakId: id }),
    output: z.object({ break: breakSchema, history: z.array(eventSchema) }),
    handler: (ctx, input) => ({
      break: breakOut(ctx, getBreak(ctx.app, input.breakId)),
      history: breakHistory(ctx.app, input.breakId).map((e) => ({ ...e, by: person(ctx, e.by) })),
    }),
  }),
  'recon.assign': method({
    summary: 'Take a break, or hand it to someone (owner: an operator id; omit to take it yourself).',
    kind: 'command',
    roles: FINANCE,
    input: z.strictObject({ breakId: id, owner: id.optional() }),
    output: breakSchema,
    handler: (ctx, input) => {
      const owner = input.owner ?? ctx.caller.operator!.id;
      if (!findOperator(ctx.app, owner)) throw new DepotError('not_found', `owner: no operator ${owner}`, { field: 'owner' });
      return breakOut(ctx, assignBreak(ctx.app, input.breakId, owner, by(ctx)));
    },
  }),
  'recon.resolve': method({
    summary:
      'Resolve an open break: credit (补单: the 长款 to the driver’s wallet, or the amount the gateway took above the order), refund (the payer, through a refund task) or explain (a note, no money).',
    kind: 'command',
    roles: FINANCE,
    input: z.strictObject({ breakId: id, action: z.enum(['credit', 'refund', 'explain']), note, driverId: id.optional() }),
    output: breakSchema,
    handler: (ctx, input) => {
      const action = input.action === 'credit' ? { action: 'credit' as const, note: input.note, driverId: input.driverId } : { action: input.action, note: input.note };
      return breakOut(ctx, resolveBreak(ctx.app, input.breakId, action, by(ctx)));
    },
  }),
  'recon.requestWriteOff': method({
    summary: 'Ask to write off a break the depot cannot recover (a 短款, a refund the gateway paid above ours); another finance user approves.',
    kind: 'command',
    roles: FINANCE,
    input: z.strictObject({ breakId: id, note }),
    output: breakSchema,
    handler: (ctx, input) => breakOut(ctx, requestWriteOff(ctx.app, input.breakId, input.note, by(ctx))),
  }),
  'recon.approveWriteOff': method({
    summary: 'Approve a write-off someone else asked for: the ledger books the loss (write-offs ← gateway clearing).',
    kind: 'command',
    roles: FINANCE,
    input: z.strictObject({ breakId: id, note: note.optional() }),
    output: breakSchema,
    handler: (ctx, input) => breakOut(ctx, approveWriteOff(ctx.app, input.breakId, input.note, by(ctx))),
  }),
  'recon.rejectWriteOff': method({
    summary: 'Refuse a write-off with a note; the break is open again.',
    kind: 'command',
    roles: FINANCE,
    input: z.strictObject({ breakId: id, note }),
    output: breakSchema,
    handler: (ctx, input) => breakOut(ctx, rejectWriteOff(ctx.app, input.breakId, input.note, by(ctx))),
  }),
  'recon.signOff': method({
    summary: 'Finance signs off a day whose window has passed and whose breaks are all resolved; once.',
    kind: 'command',
    roles: FINANCE,
    input: z.strictObject({ date, note: note.optional() }),
    output: daySchema,
    handler: (ctx, input) => dayOut(ctx, signOff(ctx.app, input.date, input.note, by(ctx))),
  }),
  'recon.energy': method({
    summary: "Metering anomalies (billed energy vs. the meters' advance over 1 %), for one charger or all, newest first.",
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({ chargerId: id.optional(), since: date.optional(), limit: z.number().int().min(1).max(1000).default(100) }),
    output: z.array(energySchema),
    handler: (ctx, input) => meteringAnomalies(ctx.app, input),
  }),
  'recon.mappings': method({
    summary: "Saved column mappings for aggregators' CSV statements.",
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({}),
    output: z.array(z.record(z.string(), z.unknown())),
    handler: (ctx) => listMappings(ctx.app),
  }),
  'recon.saveMapping': method({
    summary: "Save (or replace) an aggregator's column mapping: which column is the order number, amount, time, type and fee.",
    kind: 'command',
    roles: FINANCE,
    input: z.strictObject({ mapping: genericMappingSchema }),
    output: z.record(z.string(), z.unknown()),
    handler: (ctx, input) => saveMapping(ctx.app, input.mapping, by(ctx)),
  }),
  'recon.reportFile': method({
    summary:
      'The daily finance report (对账报表) of a day or a range (at most 366 days) as an Excel workbook — summary per day and channel, breaks, energy check, statements — as base64 for the browser to save.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({ date, to: date.optional(), locale: z.enum(['zh-CN', 'en-US']).optional() }),
    output: z.object({ fileName: z.string(), base64: z.string(), rows: z.number() }),
    handler: async (ctx, input) => {
      const to = input.to ?? input.date;
      const locale = input.locale ?? 'zh-CN';
      checkReportRange(ctx.app, input.date, to);
      const fileName = reconReportFileName(input.date, to, locale);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'depotdesk-recon-report-'));
      try {
        const r = await writeReconReport(ctx.app, { from: input.date, to, file: path.join(dir, fileName), locale });
        return { fileName, base64: fs.readFileSync(r.file).toString('base64'), rows: r.rows };
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  }),
};
