import { z } from 'zod';
import { ALL_ROLES, FINANCE, SUPERVISORS, method, type CallContext } from '../kernel/method';
import { amount, amountSchema } from '../money';
import { operatorRef } from '../operators';
import { driverContacts } from '../ledger';
import { reviewPage, reviewPageShape, sessionShape, toView } from '../sessions';
import { addListing, getListing, liftListing, listBlacklist, type Listing } from './blacklist';
import { chargerActions, chargerHealth, returnToService, type ChargerAction } from './chargers';
import { evaluate } from './evaluate';
import { approve, reject, reviews } from './reviews';
import { listRules, ruleHistory, RULE_CODES, setRule, type Rule } from './rules';
import { LISTING_STATES, WRITE_OFF_STATES } from './schema';
import { approveWriteOff, getWriteOff, listWriteOffs, rejectWriteOff, requestWriteOff, type WriteOffRequest } from './writeoffs';

/**
 * Risk control over the contract (risk.*). Everyone signed in looks; supervisors (and admins)
 * change rules, list and lift drivers, return chargers to service and decide reviews; finance asks
 * for a debt write-off and someone else (finance or a supervisor) decides it. Every command is
 * audited by the dispatcher.
 */

const id = z.string().trim().min(1).max(200);
const note = z.string().trim().min(1).max(1000);
const who = z.object({ id: z.string(), name: z.string() }).nullable();

function person(ctx: CallContext, operatorId: string | null) {
  return operatorId ? operatorRef(ctx.app, operatorId) : null;
}

const by = (ctx: CallContext) => ({ operatorId: ctx.caller.operator!.id });

const ruleSchema = z.object({
  code: z.enum(RULE_CODES as [string, ...string[]]),
  target: z.string(),
  summary: z.string(),
  version: z.number(),
  enabled: z.boolean(),
  params: z.record(z.string(), z.unknown()),
  updatedAt: z.number().nullable(),
  updatedBy: who,
});
const ruleOut = (ctx: CallContext, r: Rule) => ({ ...r, params: r.params as Record<string, unknown>, updatedBy: person(ctx, r.updatedBy) });

const listingSchema = z.object({
  id: z.string(),
  driverId: z.string(),
  driverName: z.string(),
  driverPhone: z.string(),
  state: z.enum(LISTING_STATES),
  source: z.enum(['manual', 'rule']),
  ruleCode: z.string().nullable(),
  ruleVersion: z.number().nullable(),
  facts: z.record(z.string(), z.unknown()),
  reason: z.string(),
  listedAt: z.number(),
  listedBy: who,
  expiresAt: z.number().nullable(),
  endedAt: z.number().nullable(),
  endedBy: who,
  endNote: z.string().nullable(),
});
function listingOut(ctx: CallContext, l: Listing) {
  const contact = driverContacts(ctx.app, [l.driverId]).get(l.driverId);
  return {
    ...l,
    driverName: contact?.name ?? l.driverId,
    driverPhone: contact?.phone ?? '',
    listedBy: person(ctx, l.listedBy),
    endedBy: person(ctx, l.endedBy),
  };
}

const actionSchema = z.object({
  id: z.string(),
  chargerId: z.string(),
  state: z.enum(['in_maintenance', 'returned']),
  ruleCode: z.string(),
  ruleVersion: z.number(),
  facts: z.record(z.string(), z.unknown()),
  reason: z.string(),
  at: z.number(),
  availability: z.string().nullable(),
  returnedAt: z.number().nullable(),
  returnedBy: who,
  returnNote: z.string().nullable(),
});
const actionOut = (ctx: CallContext, a: ChargerAction) => ({ ...a, returnedBy: person(ctx, a.returnedBy) });

const writeOffSchema = z.object({
  id: z.string(),
  debtId: z.string(),
  driverId: z.string(),
  driverName: z.string(),
  amount: amountSchema,
  reason: z.string(),
  state: z.enum(WRITE_OFF_STATES),
  requestedBy: who,
  requestedAt: z.number(),
  decidedBy: who,
  decidedAt: z.number().nullable(),
  decisionNote: z.string().nullable(),
  ledgerKey: z.string().nullable(),
});
function writeOffOut(ctx: CallContext, w: WriteOffRequest) {
  return {
    ...w,
    driverName: driverContacts(ctx.app, [w.driverId]).get(w.driverId)?.name ?? w.driverId,
    amount: amount(w.amountFen),
    requestedBy: person(ctx, w.requestedBy),
    decidedBy: person(ctx, w.decidedBy),
  };
}

const healthSchema = z.object({
  chargerId: z.string(),
  stationName: z.string().nullable(),
  online: z.boolean(),
  maintenance: z.boolean(),
  maintenanceReason: z.string().nullable(),
  faults: z.number(),
  offline: z.number(),
  failedStarts: z.number(),
  meteringAnomalies: z.number(),
  openAction: actionSchema.nullable(),
});

const ruleMethods = {
  'risk.rules': method({
    summary: 'The rules: what each decides, its switch, parameters and version.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({}),
    output: z.array(ruleSchema),
    handler: (ctx) => listRules(ctx.app).map((r) => ruleOut(ctx, r)),
  }),
  'risk.setRule': method({
    summary: 'Switch a rule on or off, or change its parameters; a new version is stored, the old ones kept.',
    kind: 'command',
    roles: SUPERVISORS,
    input: z
      .strictObject({
        code: id,
        enabled: z.boolean().optional(),
        params: z.record(z.string(), z.unknown()).optional(),
        note: z.string().max(500).optional(),
        expectedVersion: z.number().int().min(0).optional(),
      })
      .strict(),
    output: ruleSchema,
    handler: (ctx, input) => ruleOut(ctx, setRule(ctx.app, input.code, input, by(ctx))),
  }),
  'risk.ruleHistory': method({
    summary: "Every version of a rule, newest first: what a decision's version meant.",
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({ code: id }),
    output: z.array(
      z.object({
        code: z.string(),
        version: z.number(),
        enabled: z.boolean(),
        params: z.record(z.string(), z.unknown()),
        note: z.string(),
        changedAt: z.number(),
        changedBy: who,
      }),
    ),
    handler: (ctx, input) => ruleHistory(ctx.app, input.code).map((v) => ({ ...v, changedBy: person(ctx, v.changedBy) })),
  }),
  'risk.evaluate': method({
    summary: 'Run the rules now (they also run every 5 minutes).',
    kind: 'command',
    roles: SUPERVISORS,
    input: z.strictObject({}),
    output: z.object({ expired: z.number(), listed: z.number(), maintenance: z.number(), agingReviews: z.number() }),
    handler: async (ctx) => {
      const r = await evaluate(ctx.app);
      return { expired: r.expired, listed: r.listed.length, maintenance: r.maintenance.length, agingReviews: r.agingReviews };
    },
  }),
};

const blacklistMethods = {
  'risk.blacklist': method({
    summary: 'The blacklist (黑名单), newest first; by state and driver.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({
      state: z.enum(LISTING_STATES).optional(),
      driverId: id.optional(),
      limit: z.number().int().min(1).max(1000).default(200),
      offset: z.number().int().min(0).default(0),
    }),
    output: z.object({ total: z.number(), listings: z.array(listingSchema) }),
    handler: (ctx, input) => {
      const r = listBlacklist(ctx.app, input);
      return { total: r.total, listings: r.listings.map((l) => listingOut(ctx, l)) };
    },
  }),
  'risk.listing': method({
    summary: 'One listing with the rule, version and records it was decided on.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({ listingId: id }),
    output: listingSchema,
    handler: (ctx, input) => listingOut(ctx, getListing(ctx.app, input.listingId)),
  }),
  'risk.blacklistAdd': method({
    summary: 'Blacklist a driver with a reason, for some days or until lifted: no starts, Authorize answered Blocked, no payment orders.',
    kind: 'command',
    roles: SUPERVISORS,
    input: z.strictObject({ driverId: id, reason: note, days: z.number().int().min(0).max(3650).optional() }).strict(),
    output: listingSchema,
    handler: (ctx, input) => listingOut(ctx, addListing(ctx.app, input, by(ctx))),
  }),
  'risk.blacklistLift': method({
    summary: 'Lift a listing with a note: the driver may charge and pay again at once.',
    kind: 'command',
    roles: SUPERVISORS,
    input: z.strictObject({ listingId: id, note }).strict(),
    output: listingSchema,
    handler: (ctx, input) => listingOut(ctx, liftListing(ctx.app, input.listingId, input.note, by(ctx))),
  }),
};

const chargerMethods = {
  'risk.chargerHealth': method({
    summary: "Every charger's faults, offline episodes, failed starts and metering anomalies over the rules' windows, and any rule's maintenance.",
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({}),
    output: z.array(healthSchema),
    handler: (ctx) => chargerHealth(ctx.app).map((h) => ({ ...h, openAction: h.openAction ? actionOut(ctx, h.openAction) : null })),
  }),
  'risk.chargerActions': method({
    summary: 'Chargers the rules put in maintenance, newest first, with the evidence and the return to service.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({ chargerId: id.optional(), limit: z.number().int().min(1).max(1000).default(200) }),
    output: z.array(actionSchema),
    handler: (ctx, input) => chargerActions(ctx.app, input).map((a) => actionOut(ctx, a)),
  }),
  'risk.returnToService': method({
    summary: 'Return a charger a rule put in maintenance to service, with a note of what was checked.',
    kind: 'command',
    roles: SUPERVISORS,
    input: z.strictObject({ chargerId: id, note }).strict(),
    output: actionSchema,
    handler: async (ctx, input) => actionOut(ctx, await returnToService(ctx.app, input.chargerId, input.note, by(ctx))),
  }),
};

const queueMethods = {
  'risk.reviews': method({
    summary: 'Sessions held for review (large orders and the rest), oldest first; paged, with the total.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject(reviewPage),
    output: reviewPageShape,
    handler: (ctx, input) => {
      const r = reviews(ctx.app, input);
      return { total: r.total, sessions: r.sessions.map(toView) };
    },
  }),
  'risk.approveReview': method({
    summary: 'Approve a held session (not one you started): it is settled.',
    kind: 'command',
    roles: SUPERVISORS,
    input: z.strictObject({ sessionId: id, driverId: id.optional(), note: z.string().trim().max(500).optional() }).strict(),
    output: sessionShape,
    handler: (ctx, input) => toView(approve(ctx.app, input.sessionId, input, by(ctx))),
  }),
  'risk.rejectReview': method({
    summary: 'Reject a held charge (not one you started): it is settled as metered and a refund adjustment of the contested amount is opened for another supervisor.',
    kind: 'command',
    roles: SUPERVISORS,
    input: z.strictObject({ sessionId: id, note, contestedFen: z.number().int().min(0).optional(), driverId: id.optional() }).strict(),
    output: z.object({ session: sessionShape, adjustmentId: z.string().nullable() }),
    handler: (ctx, input) => {
      const r = reject(ctx.app, input.sessionId, input, by(ctx));
      return { session: toView(r.session), adjustmentId: r.adjustment?.id ?? null };
    },
  }),
  'risk.debtWriteOffs': method({
    summary: 'Debt write-off requests, newest first.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({ state: z.enum(WRITE_OFF_STATES).optional(), limit: z.number().int().min(1).max(1000).default(200) }),
    output: z.object({ total: z.number(), requests: z.array(writeOffSchema) }),
    handler: (ctx, input) => {
      const r = listWriteOffs(ctx.app, input);
      return { total: r.total, requests: r.requests.map((w) => writeOffOut(ctx, w)) };
    },
  }),
  'risk.requestDebtWriteOff': method({
    summary: 'Ask to write off an open debt (坏账核销); someone else approves.',
    kind: 'command',
    roles: FINANCE,
    input: z.strictObject({ debtId: id, reason: note }).strict(),
    output: writeOffSchema,
    handler: (ctx, input) => writeOffOut(ctx, requestWriteOff(ctx.app, input.debtId, input.reason, by(ctx))),
  }),
  'risk.approveDebtWriteOff': method({
    summary: 'Approve a debt write-off someone else asked for: the ledger writes off what is still owed.',
    kind: 'command',
    roles: FINANCE,
    input: z.strictObject({ requestId: id, note: z.string().trim().max(500).optional() }).strict(),
    output: writeOffSchema,
    handler: (ctx, input) => writeOffOut(ctx, approveWriteOff(ctx.app, input.requestId, input.note, by(ctx))),
  }),
  'risk.rejectDebtWriteOff': method({
    summary: 'Refuse a debt write-off with a note; the debt stays.',
    kind: 'command',
    roles: FINANCE,
    input: z.strictObject({ requestId: id, note }).strict(),
    output: writeOffSchema,
    handler: (ctx, input) => writeOffOut(ctx, rejectWriteOff(ctx.app, input.requestId, input.note, by(ctx))),
  }),
  'risk.debtWriteOff': method({
    summary: 'One debt write-off request.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({ requestId: id }),
    output: writeOffSchema,
    handler: (ctx, input) => writeOffOut(ctx, getWriteOff(ctx.app, input.requestId)),
  }),
};

export const riskMethods = { ...ruleMethods, ...blacklistMethods, ...chargerMethods, ...queueMethods };
