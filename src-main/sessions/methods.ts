import { z } from 'zod';
import type { AppContext } from '../kernel/context';
import { ALL_ROLES, SUPERVISORS, method } from '../kernel/method';
import { dayEnd, dayStart, transfersOfSession } from '../ledger';
import { findOperator } from '../operators';
import { formatFen } from '../money';
import { approveForceClose, latestForceClose, rejectForceClose, requestForceClose, resettlementOf, stuckInfo, stuckSessions, type ForceCloseRow } from './force-close';
import { FORCE_CLOSE_STATES, SESSION_STATES } from './schema';
import { approveReview, reviewQueuePage } from './settle';
import { sessionIdTag, startSession, stopSession } from './start';
import { listNotifications, listSessions, requireSession, sessionNumbers, sessionSamples, sessionTimeline, type SessionRow } from './store';

const yuan = (fen: number | null) => (fen === null ? null : formatFen(fen));

export const sessionShape = z.object({
  id: z.string(),
  /** For people: CD + 8 digits (receipts, exports, the phone call about it). */
  number: z.string(),
  state: z.enum(SESSION_STATES),
  origin: z.enum(['operator', 'charger']),
  chargerId: z.string(),
  connectorId: z.number(),
  stationId: z.string().nullable(),
  driverId: z.string().nullable(),
  idTag: z.string(),
  /** The driver's card the session ran on (the idTag); null when the tag was made for the session (a driver without a card). */
  card: z.string().nullable(),
  transactionId: z.number().nullable(),
  prepay: z.string(),
  holdId: z.string().nullable(),
  meterStartWh: z.number().nullable(),
  meterStopWh: z.number().nullable(),
  startedAt: z.number().nullable(),
  startReceivedAt: z.number().nullable(),
  stoppedAt: z.number().nullable(),
  stopReceivedAt: z.number().nullable(),
  stopReason: z.string().nullable(),
  energyWh: z.number().nullable(),
  amountFen: z.number().nullable(),
  amount: z.string().nullable(),
  electricityFen: z.number().nullable(),
  serviceFen: z.number().nullable(),
  paidHoldFen: z.number().nullable(),
  paidWalletFen: z.number().nullable(),
  debtFen: z.number().nullable(),
  debtId: z.string().nullable(),
  settlementKey: z.string().nullable(),
  settledAt: z.number().nullable(),
  failureReason: z.string().nullable(),
  reviewReason: z.string().nullable(),
  reviewState: z.enum(['pending', 'approved']).nullable(),
  reviewNote: z.string().nullable(),
  reviewedBy: z.string().nullable(),
  reviewedAt: z.number().nullable(),
  createdAt: z.number(),
  createdBy: z.string().nullable(),
  updatedAt: z.number(),
});
export type SessionView = z.infer<typeof sessionShape>;

/**
 * A session's timeline as the screens word it: a tag made for a driver without a card
 * (sessionIdTag) is no card, so the events' params carry none (the screens then say 无卡) while the
 * English detail keeps the tag as the charger was sent it.
 */
function timelineView(app: AppContext, sessionId: string): ReturnType<typeof sessionTimeline> {
  const made = sessionIdTag(sessionId);
  return sessionTimeline(app, sessionId).map((e) => (e.params?.idTag === made ? { ...e, params: { ...e.params, idTag: null } } : e));
}

export function toView(s: SessionRow): SessionView {
  const { quote: _quote, prepayFen, ...rest } = s;
  return { ...rest, card: s.idTag === sessionIdTag(s.id) ? null : s.idTag, prepay: formatFen(prepayFen), amount: yuan(s.amountFen) };
}

const timelineShape = z.object({
  id: z.number(),
  at: z.number(),
  chargerAt: z.number().nullable(),
  kind: z.string(),
  fromState: z.string().nullable(),
  toState: z.string().nullable(),
  /** The core's English record of the event (kept for the CLI and the audit; the screens word params). */
  detail: z.string(),
  /** Codes and figures the screens word the event from (sessions/events.ts); null on events from before migration 0034. */
  params: z.record(z.string(), z.union([z.string(), z.number(), z.null()])).nullable(),
  recordId: z.number().nullable(),
  operatorId: z.string().nullable(),
  operatorName: z.string().nullable(),
});

const transferShape = z.object({
  id: z.string(),
  debitAccountId: z.string(),
  creditAccountId: z.string(),
  amountFen: z.number(),
  code: z.string(),
  phase: z.string(),
  createdAt: z.number(),
});

/** The ledger's transfers that name this session (hold, post, legs, release, debt), in order. */
export function sessionTransfers(app: AppContext, sessionId: string): z.infer<typeof transferShape>[] {
  return transfersOfSession(app, sessionId);
}

const who = z.object({ id: z.string(), name: z.string() });

function operatorRef(app: AppContext, operatorId: string | null): z.infer<typeof who> | null {
  if (!operatorId) return null;
  const o = findOperator(app, operatorId);
  return { id: operatorId, name: o ? o.displayName || o.name : operatorId };
}

/** A force-close request, its decision, and what a late StopTransaction re-settled. */
export const forceCloseShape = z.object({
  id: z.string(),
  sessionId: z.string(),
  state: z.enum(FORCE_CLOSE_STATES),
  reason: z.string(),
  /** The reading the session closes (closed) at, and its time on the charger's clock. */
  meterWh: z.number(),
  readingAt: z.number(),
  requestedBy: who,
  requestedAt: z.number(),
  decidedBy: who.nullable(),
  decidedAt: z.number().nullable(),
  decisionNote: z.string().nullable(),
  stopRecordId: z.number().nullable(),
  resettledAt: z.number().nullable(),
  /** The ledger's re-settlement (resettle:<session>), once the real StopTransaction arrived. */
  resettle: z
    .object({
      beforeFen: z.number(),
      afterFen: z.number(),
      differenceFen: z.number(),
      walletFen: z.number(),
      debtFen: z.number(),
      returnedFen: z.number(),
    })
    .nullable(),
});

export function forceCloseView(app: AppContext, fc: ForceCloseRow): z.infer<typeof forceCloseShape> {
  const r = fc.resettledAt !== null ? resettlementOf(app, fc.sessionId) : null;
  return {
    ...fc,
    requestedBy: operatorRef(app, fc.requestedBy)!,
    decidedBy: operatorRef(app, fc.decidedBy),
    resettle: r
      ? {
          beforeFen: r.before.totalFen,
          afterFen: r.after.totalFen,
          differenceFen: r.differenceFen,
          walletFen: r.charged.walletFen,
          debtFen: r.charged.debtFen,
          returnedFen: r.returnedFen,
        }
      : null,
  };
}

const stuckShape = z.object({ lastMessageAt: z.number(), silentForMs: z.number() });

export const sessionDetailShape = z.object({
  session: sessionShape,
  /** The price breakdown by period (and by tariff version), once priced. */
  quote: z.unknown().nullable(),
  samples: z.array(z.object({ chargerAt: z.number(), receivedAt: z.number(), wh: z.number(), source: z.string() })),
  timeline: z.array(timelineShape),
  transfers: z.array(transferShape),
  notifications: z.array(z.object({ id: z.string(), sessionId: z.string().nullable(), kind: z.string(), text: z.string(), createdAt: z.number() })),
  /** Set while the session is stuck (charger offline and silent for sessions.stuckAfterMs). */
  stuck: stuckShape.nullable(),
  /** The session's latest force-close request, whatever became of it. */
  forceClose: forceCloseShape.nullable(),
});

export function sessionDetail(app: AppContext, id: string): z.infer<typeof sessionDetailShape> {
  const s = requireSession(app, id);
  const fc = latestForceClose(app, id);
  return {
    session: toView(s),
    quote: s.quote ? (JSON.parse(s.quote) as unknown) : null,
    samples: sessionSamples(app, id),
    timeline: timelineView(app, id),
    transfers: sessionTransfers(app, id),
    notifications: s.driverId ? listNotifications(app, s.driverId).filter((n) => n.sessionId === id) : [],
    stuck: stuckInfo(app, s),
    forceClose: fc ? forceCloseView(app, fc) : null,
  };
}

const dateText = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date written yyyy-MM-dd');
const sessionNumberText = z
  .string()
  .transform((v) => v.replace(/\s+/g, '').toUpperCase())
  .pipe(z.string().regex(/^CD\d{8,}$/, 'a session number is CD and 8 digits, e.g. CD00001234'));
/** A row's place in the list (its sort key): where the next page starts. */
const sessionCursor = z.strictObject({ createdAt: z.number().int(), id: z.string().min(1) });
/** A page of the review queue (sessions.reviewQueue, risk.reviews): oldest first, with the total. */
export const reviewPage = { limit: z.number().int().min(1).max(1000).default(100), offset: z.number().int().min(0).default(0) };
export const reviewPageShape = z.object({ total: z.number(), sessions: z.array(sessionShape) });

export const sessionMethods = {
  'sessions.start': method({
    summary:
      "Start a session: hold the prepay in the driver's wallet and ask the charger to start (RemoteStartTransaction); returns STARTING without waiting for the charger's answer.",
    kind: 'command',
    roles: ALL_ROLES,
    input: z.strictObject({
      chargerId: z.string().trim().min(1),
      connectorId: z.number().int().min(1),
      /** Driver id, phone number or card (id tag). */
      driver: z.string().trim().min(1),
      /** Yuan, e.g. "100.00". */
      prepay: z.string().trim().min(1),
    }),
    output: sessionShape,
    handler: async ({ app, caller }, input) => toView(await startSession(app, input, { operatorId: caller.operator?.id ?? null })),
  }),
  'sessions.stop': method({
    summary: 'Stop a session: RemoteStopTransaction when charging; cancel (hold released) when not started yet.',
    kind: 'command',
    roles: ALL_ROLES,
    input: z.strictObject({ id: z.string().min(1) }),
    output: sessionShape,
    handler: async ({ app, caller }, input) => toView(await stopSession(app, input.id, { operatorId: caller.operator?.id ?? null })),
  }),
  'sessions.get': method({
    summary: 'One session: state, energy, per-period price breakdown, amounts, ledger transfers, readings and timeline.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({ id: z.string().min(1) }),
    output: sessionDetailShape,
    handler: ({ app }, input) => sessionDetail(app, input.id),
  }),
  'sessions.numbers': method({
    summary: 'The numbers (CD…) of up to 500 sessions by id, for screens that hold only ids (a ledger line, a debt); an id that is no session is left out.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({ ids: z.array(z.string().min(1)).max(500) }),
    output: z.record(z.string(), z.string()),
    handler: ({ app }, input) => sessionNumbers(app, input.ids),
  }),
  'sessions.list': method({
    summary:
      'Sessions, newest first, filtered by state, charger, driver, number and creation date (depot dates, inclusive), a page at a time: by offset, or after a cursor (the nextCursor of the page before).',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({
      state: z.enum(SESSION_STATES).optional(),
      chargerId: z.string().optional(),
      driverId: z.string().optional(),
      /** A session's number as people quote it: CD00001234 (case and spaces forgiven). */
      number: sessionNumberText.optional(),
      from: dateText.optional(),
      to: dateText.optional(),
      limit: z.number().int().min(1).max(500).default(50),
      /** Rows to skip: from the top, or after `after`. */
      offset: z.number().int().min(0).default(0),
      /** Keyset paging: start after this row (the previous page's nextCursor). */
      after: sessionCursor.optional(),
    }),
    output: z.object({ items: z.array(sessionShape), total: z.number(), nextCursor: sessionCursor.nullable() }),
    handler: ({ app }, input) => {
      const zone = app.clock.timeZone;
      const from = input.from ? dayStart(input.from, zone, 'from') : undefined;
      // "to" is inclusive: everything before the start of the next day (not +24 h: a day with a clock change is not 24 h).
      const to = input.to ? dayEnd(input.to, zone, 'to') : undefined;
      const page = listSessions(app, { ...input, from, to });
      return { items: page.items.map(toView), total: page.total, nextCursor: page.nextCursor };
    },
  }),
  'sessions.timeline': method({
    summary: "A session's timeline: every state change and charger record, with our time and the charger's.",
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({ id: z.string().min(1) }),
    output: z.array(timelineShape),
    handler: ({ app }, input) => {
      requireSession(app, input.id);
      return timelineView(app, input.id);
    },
  }),
  'sessions.reviewQueue': method({
    summary:
      'Sessions waiting for a supervisor: large amounts (not charged yet), late starts, unknown id tags, unpriceable readings; oldest first, paged, with the total.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject(reviewPage),
    output: reviewPageShape,
    handler: ({ app }, input) => {
      const r = reviewQueuePage(app, input);
      return { total: r.total, sessions: r.sessions.map(toView) };
    },
  }),
  'sessions.stuck': method({
    summary:
      'Stuck sessions: charging or stopping while their charger is offline and silent for sessions.stuckAfterMs, longest silent first, with any force-close request.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({}),
    output: z.array(z.object({ session: sessionShape, lastMessageAt: z.number(), silentForMs: z.number(), forceClose: forceCloseShape.nullable() })),
    handler: ({ app }) => stuckSessions(app).map((x) => ({ ...x, session: toView(x.session), forceClose: x.forceClose ? forceCloseView(app, x.forceClose) : null })),
  }),
  'sessions.requestForceClose': method({
    summary: 'Ask to close a stuck session at its last meter reading (a second supervisor approves); refused unless the session is stuck.',
    kind: 'command',
    roles: SUPERVISORS,
    input: z.strictObject({ sessionId: z.string().min(1), reason: z.string().trim().min(1, 'say why the session is to be closed without its charger').max(500) }),
    output: forceCloseShape,
    handler: ({ app, caller }, input) => forceCloseView(app, requestForceClose(app, input, { operatorId: caller.operator?.id ?? null })),
  }),
  'sessions.approveForceClose': method({
    summary: "Approve another supervisor's force-close: the session closes at the recorded reading and is settled through the normal path.",
    kind: 'command',
    roles: SUPERVISORS,
    input: z.strictObject({ sessionId: z.string().min(1), note: z.string().trim().max(500).optional() }),
    output: sessionShape,
    handler: ({ app, caller }, input) => toView(approveForceClose(app, input, { operatorId: caller.operator?.id ?? null })),
  }),
  'sessions.rejectForceClose': method({
    summary: "Reject another supervisor's force-close, with a note; the session is left as it is.",
    kind: 'command',
    roles: SUPERVISORS,
    input: z.strictObject({ sessionId: z.string().min(1), note: z.string().trim().min(1, 'say why the force-close is rejected').max(500) }),
    output: forceCloseShape,
    handler: ({ app, caller }, input) => forceCloseView(app, rejectForceClose(app, input, { operatorId: caller.operator?.id ?? null })),
  }),
  'sessions.approveReview': method({
    summary: 'Approve a session in the review queue; a finished one is then settled (name the driver for an unknown id tag).',
    kind: 'command',
    roles: SUPERVISORS,
    input: z.strictObject({ sessionId: z.string().min(1), driverId: z.string().min(1).optional(), note: z.string().trim().max(500).optional() }),
    output: sessionShape,
    handler: ({ app, caller }, input) => toView(approveReview(app, input, { operatorId: caller.operator?.id ?? null })),
  }),
};
