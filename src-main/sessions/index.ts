import { defineModule, tablesOf } from '../kernel/module';
import * as sessionsSchema from './schema';
import * as sweeperSchema from './sweeper-schema';
import type { SessionState } from './schema';
import { sessionMethods } from './methods';
import { parkedRecordMethods } from './parked-methods';
import { sessionChartMethods } from './chart-methods';
import { inboxDoctorCheck } from './parked';
import { sessionFigures } from './figures';
import { startTimeoutWorker } from './start';
import { consumeInboxCron, consumeInboxWorker, detectStuckCron, detectStuckWorker } from './jobs';
import { sweepCron, sweepWorker, sweeperFigures, sweeperMethods } from './sweeper';
import { sessionHooks } from './inbox';

/**
 * Charging sessions: the persisted state machine from the operator's start (or the charger's own)
 * to settlement. docs/sessions.md is the reference; each module opens with its guarantees:
 * machine.ts (transitions), start.ts (start, refusals, timeout), inbox.ts (charger records,
 * offline replay), settle.ts (pricing, ledger legs, review queue), force-close.ts (stuck sessions,
 * force-close, re-settlement at a late StopTransaction).
 */
export * from './schema';
export { TRANSITIONS, FINAL_SESSION_STATES, ACTIVE_STATES, SESSION_EVENTS, nextState, transition, type SessionEvent, type Transition } from './machine';
export { startSession, stopSession, failStart, resolveDriver, startTimeoutWorker, type StartInput } from './start';
export { consumeInbox, sessionHooks, authorizeIdTag, energyReadings, type ConsumeResult, type ConsumeOptions } from './inbox';
export { listParkedRecords, parkedSummary, attachRecord, discardRecord, inboxDoctorCheck, type ParkedRecord, type ParkedQuery } from './parked';
export { parkedRecordMethods, type ParkedRecordView } from './parked-methods';
export { settleSession, approveReview, reviewQueue, reviewQueuePage, priceSession, BLOCKING_REVIEWS, type Pricing } from './settle';
export {
  findSession,
  requireSession,
  listSessions,
  iterateSessions,
  type SessionListRow,
  sessionTimeline,
  sessionSamples,
  listNotifications,
  sessionNumbers,
  type SessionRow,
  type TimelineRow,
  type ListQuery,
  type SessionCursor,
} from './store';
export { sessionMethods, sessionShape, reviewPage, reviewPageShape, sessionDetail, sessionDetailShape, sessionTransfers, toView, type SessionView } from './methods';
export { consumeInboxWorker, consumeInboxCron, detectStuckWorker, detectStuckCron } from './jobs';
export {
  stuckSessions,
  stuckInfo,
  detectStuckSessions,
  requestForceClose,
  approveForceClose,
  rejectForceClose,
  applyStopAfterForceClose,
  hasApprovedForceClose,
  openForceClose,
  latestForceClose,
  resettlementOf,
  type ForceCloseRow,
  type StuckSession,
  type LateStop,
  type LateStopOutcome,
} from './force-close';
export { sessionFigures } from './figures';
export { settledPerBucket, activityByCharger, type HourBucket, type ChargerActivity } from './charts';
export { energyByCharger, type ChargerEnergy } from './energy';
export { failedStartsSince, settledSessionsBetween, type FailedStartFact, type SettledSessionFact } from './lookups';
export { recordFailedStarts, type FailedStart } from './seed';
export {
  runSweep,
  scanUnsettled,
  scanPlan,
  unsettledSummary,
  listSweeps,
  sweepDue,
  sweepWorker,
  sweepCron,
  sweeperFigures,
  sweeperMethods,
  sweepFailingStreak,
  lastSweep,
  type SweepOutcome,
  type MonitorVerdict,
  type SweepResult,
  type SweepRecord,
  type UnsettledSummary,
} from './sweeper';
export * from './sweeper-schema';

declare module '../kernel/events' {
  interface DepotEventMap {
    'session.updated': { sessionId: string; state: SessionState; chargerId: string; connectorId: number; driverId: string | null };
  }
}

// ── the module: what this domain plugs into the depot (src-main/modules.ts composes them) ──────

export const sessionsModule = defineModule({
  name: 'sessions',
  methods: { ...sessionMethods, ...sweeperMethods, ...parkedRecordMethods, ...sessionChartMethods },
  workers: [startTimeoutWorker, consumeInboxWorker, sweepWorker, detectStuckWorker],
  crons: [consumeInboxCron, sweepCron, detectStuckCron],
  figures: [sessionFigures, sweeperFigures],
  doctorChecks: [{ name: 'charger inbox', run: inboxDoctorCheck }],
  tables: tablesOf(sessionsSchema, sweeperSchema),
  chargerHooks: sessionHooks(),
});
