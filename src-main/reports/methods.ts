import { z } from 'zod';
import { ALL_ROLES, FINANCE, method, type CallContext } from '../kernel/method';
import { dayEnd, dayStart } from '../ledger';
import { adjustmentsReport, namesOf } from './adjustments';
import { getExport, listExports, requestExport, type ExportRow } from './exports';
import { liabilitiesReport } from './liabilities';
import { revenueReport } from './revenue';
import { EXPORT_STATES } from './schema';
import { REPORT_KINDS } from './workbooks';
import { LIST_KINDS, type ListKind } from './lists';
import { trialBalance } from '../ledger';
import { DepotError } from '../kernel/errors';

/**
 * Reports over the contract (reports.*): each report for a period as JSON for the 报表 page, and
 * as an Excel export written by a background job and downloaded (GET /download/reports/<id>).
 * Finance, supervisors and admins read the money reports; everyone sees their own exports.
 */

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date is yyyy-MM-dd');
const period = { from: date, to: date.optional() };

function bounds(ctx: CallContext, input: { from: string; to?: string }): { from: number; to: number } {
  const zone = ctx.app.clock.timeZone;
  const to = input.to ?? input.from;
  const from = dayStart(input.from, zone, 'from');
  if (to < input.from) throw new DepotError('invalid_input', `to: ${to} is before ${input.from}`, { field: 'to' });
  return { from, to: dayEnd(to, zone, 'to') };
}

const exportSchema = z.object({
  id: z.string(),
  kind: z.string(),
  params: z.record(z.string(), z.unknown()),
  state: z.enum(EXPORT_STATES),
  rows: z.number().nullable(),
  fileName: z.string(),
  bytes: z.number().nullable(),
  error: z.string().nullable(),
  jobId: z.string().nullable(),
  createdAt: z.number(),
  finishedAt: z.number().nullable(),
  /** Where to fetch it when done (HTTP; the desktop shell saves it through the save dialog). */
  downloadUrl: z.string().nullable(),
});
const exportOut = (e: ExportRow) => ({
  ...e,
  params: e.params as unknown as Record<string, unknown>,
  downloadUrl: e.state === 'done' ? `/download/reports/${e.id}` : null,
});

const money = z.number().int();

export const reportMethods = {
  'reports.revenue': method({
    summary: 'Revenue of the sessions settled in a period, by station, charger and time-of-use period (尖峰平谷), electricity and service apart, in fen.',
    kind: 'query',
    roles: FINANCE,
    input: z.strictObject({ ...period, stationId: z.string().optional() }),
    output: z.object({
      lines: z.array(
        z.object({
          stationId: z.string().nullable(),
          stationName: z.string(),
          chargerId: z.string(),
          period: z.string(),
          sessions: z.number(),
          energyWh: z.number(),
          electricityFen: money,
          serviceFen: money,
          totalFen: money,
        }),
      ),
      byPeriod: z.record(z.string(), z.object({ sessions: z.number(), energyWh: z.number(), electricityFen: money, serviceFen: money, totalFen: money })),
      totals: z.object({ sessions: z.number(), energyWh: z.number(), electricityFen: money, serviceFen: money, totalFen: money, unpaidSessions: z.number() }),
    }),
    handler: (ctx, input) => revenueReport(ctx.app, { ...bounds(ctx, input), stationId: input.stationId }),
  }),
  'reports.liabilities': method({
    summary: 'Wallets and liabilities for a period: wallet movements, held money, coupons and points outstanding, debts with ageing and collections.',
    kind: 'query',
    roles: FINANCE,
    input: z.strictObject(period),
    output: z.record(z.string(), z.unknown()),
    handler: (ctx, input) => liabilitiesReport(ctx.app, bounds(ctx, input)) as unknown as Record<string, unknown>,
  }),
  'reports.adjustments': method({
    summary: 'Campaigns, manual refunds, refund tasks and write-offs created in a period, with who created and who approved each.',
    kind: 'query',
    roles: FINANCE,
    input: z.strictObject(period),
    output: z.array(
      z.object({
        kind: z.string(),
        id: z.string(),
        description: z.string(),
        state: z.string(),
        amountFen: money,
        createdBy: z.string().nullable(),
        createdAt: z.number(),
        approvedBy: z.string().nullable(),
        approvedAt: z.number().nullable(),
      }),
    ),
    handler: (ctx, input) => {
      const lines = adjustmentsReport(ctx.app, bounds(ctx, input));
      const names = namesOf(ctx.app, lines);
      const name = (id: string | null) => (id ? (names.get(id) ?? id) : null);
      return lines.map((l) => ({ ...l, createdBy: name(l.createdBy), approvedBy: name(l.approvedBy) }));
    },
  }),
  'reports.trialBalance': method({
    summary: "The trial balance of the depot's accounts for a period (driver accounts summed by kind): opening, debits, credits, closing.",
    kind: 'query',
    roles: FINANCE,
    input: z.strictObject(period),
    output: z.array(
      z.object({ account: z.string(), type: z.string(), unit: z.string(), opening: money, debits: money, credits: money, closing: money, accounts: z.number() }),
    ),
    handler: (ctx, input) => {
      const b = bounds(ctx, input);
      return trialBalance(ctx.app, b.from, b.to);
    },
  }),
  'reports.export': method({
    summary:
      'Ask for a report, or a list with its filters (kind list: sessions, orders, statement, refund_tasks, adjustments, alerts, jobs, audit), as an Excel workbook; a background job writes it (progress on the Jobs page); fetch it from downloadUrl when done.',
    kind: 'command',
    roles: ALL_ROLES,
    input: z
      .strictObject({
        kind: z.enum(REPORT_KINDS),
        from: date.optional(),
        to: date.optional(),
        stationId: z.string().optional(),
        locale: z.enum(['zh-CN', 'en-US']).optional(),
        list: z.enum(LIST_KINDS as [ListKind, ...ListKind[]]).optional(),
        filter: z.record(z.string(), z.unknown()).optional(),
      })
      .strict(),
    output: exportSchema,
    handler: (ctx, input) => {
      // The money reports are finance's; a list export is for whoever may read that list.
      const role = ctx.caller.operator!.role;
      if (input.kind !== 'list' && !(FINANCE as readonly string[]).includes(role))
        throw new DepotError('forbidden', `kind: the ${input.kind} report is for finance`, { field: 'kind' });
      if (input.kind === 'list' && input.list === 'audit' && role !== 'admin' && role !== 'supervisor')
        throw new DepotError('forbidden', 'list: the audit log is for supervisors', { field: 'list' });
      return exportOut(requestExport(ctx.app, input, { operatorId: ctx.caller.operator!.id }));
    },
  }),
  'reports.exports': method({
    summary: 'Your exports, newest first.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({ limit: z.number().int().min(1).max(200).default(50) }),
    output: z.array(exportSchema),
    handler: (ctx, input) => listExports(ctx.app, ctx.caller.operator!.id, input.limit).map(exportOut),
  }),
  'reports.exportStatus': method({
    summary: 'One export: queued, running, done (with its download) or failed (with the error).',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({ exportId: z.string().min(1) }),
    output: exportSchema,
    handler: (ctx, input) => {
      const e = getExport(ctx.app, input.exportId);
      if (e.createdBy !== ctx.caller.operator!.id && ctx.caller.operator!.role !== 'admin')
        throw new DepotError('not_found', `exportId: no export ${input.exportId}`, { field: 'exportId' });
      return exportOut(e);
    },
  }),
};
