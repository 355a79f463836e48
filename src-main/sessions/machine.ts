import type { AppContext } from '../kernel/context';
import { DepotError, expectChanges } from '../kernel/errors';
import type { SessionState } from './schema';
import { cachedStatement } from '../kernel/db/statements';
import type { SessionEventParams, TimelineKind, TimelineParams } from './events';

/**
 * The charging-session state machine.
 *
 * Guarantees:
 * - Every state change is one row of TRANSITIONS (from, event → to); anything else is an
 *   `illegal_transition` DepotError, logged with the session, the state and the event, and
 *   nothing changes. Nothing is ever silently ignored.
 * - A state change is a guarded UPDATE (`WHERE id = ? AND state = <from>`, checked with
 *   expectChanges) plus a timeline row in session_events, in the caller's transaction: two
 *   writers racing on one session cannot both move it, and the timeline never disagrees with
 *   the state.
 * - PAID, UNPAID are final. FAILED and CANCELLED are final except for `late_start`: a
 *   StartTransaction that arrives after them means a car is charging, so the session reopens.
 */

export const SESSION_EVENTS = [
  'remote_start_sent',
  'remote_start_refused',
  'start_timeout',
  'start_transaction',
  'late_start',
  'stop_requested',
  'stop_refused',
  'stop_transaction',
  'force_close',
  'cancel',
  'settled_paid',
  'settled_unpaid',
] as const;
export type SessionEvent = (typeof SESSION_EVENTS)[number];

export interface Transition {
  from: SessionState;
  event: SessionEvent;
  to: SessionState;
}

/** The one table of legal transitions (sessions are born PLACED by an operator, or CHARGING by a charger's own start). */
export const TRANSITIONS: readonly Transition[] = [
  { from: 'PLACED', event: 'remote_start_sent', to: 'STARTING' },
  { from: 'PLACED', event: 'remote_start_refused', to: 'FAILED' },
  { from: 'PLACED', event: 'start_timeout', to: 'FAILED' },
  { from: 'PLACED', event: 'cancel', to: 'CANCELLED' },
  { from: 'PLACED', event: 'start_transaction', to: 'CHARGING' },
  { from: 'STARTING', event: 'start_transaction', to: 'CHARGING' },
  { from: 'STARTING', event: 'remote_start_refused', to: 'FAILED' },
  { from: 'STARTING', event: 'start_timeout', to: 'FAILED' },
  { from: 'STARTING', event: 'cancel', to: 'CANCELLED' },
  { from: 'FAILED', event: 'late_start', to: 'CHARGING' },
  { from: 'CANCELLED', event: 'late_start', to: 'CHARGING' },
  { from: 'CHARGING', event: 'stop_requested', to: 'STOPPING' },
  { from: 'CHARGING', event: 'stop_transaction', to: 'FINISHED' },
  { from: 'STOPPING', event: 'stop_refused', to: 'CHARGING' },
  { from: 'STOPPING', event: 'stop_transaction', to: 'FINISHED' },
  // A stuck session (its charger offline, silent for sessions.stuckAfterMs) closed at its last
  // reading once a second supervisor approved it (force-close.ts).
  { from: 'CHARGING', event: 'force_close', to: 'FINISHED' },
  { from: 'STOPPING', event: 'force_close', to: 'FINISHED' },
  { from: 'FINISHED', event: 'settled_paid', to: 'PAID' },
  { from: 'FINISHED', event: 'settled_unpaid', to: 'UNPAID' },
];

/** States a session ends in: only a late start report (late_start) leads out of them. */
export const FINAL_SESSION_STATES: readonly SessionState[] = ['PAID', 'UNPAID', 'FAILED', 'CANCELLED'];
/** States in which a session occupies its connector. */
export const ACTIVE_STATES: readonly SessionState[] = ['PLACED', 'STARTING', 'CHARGING', 'STOPPING'];

export function nextState(from: SessionState, event: SessionEvent): SessionState | null {
  return TRANSITIONS.find((t) => t.from === from && t.event === event)?.to ?? null;
}

/** A timeline row: its kind, the params the screens word it from (events.ts), and the English record. */
export type TimelineInput<K extends TimelineKind = TimelineKind> = {
  [k in K]: TimelineRowInput<k>;
}[K];

interface TimelineRowInput<K extends TimelineKind> {
  kind: K;
  params: SessionEventParams[K];
  detail?: string;
  chargerAt?: number | null;
  recordId?: number | null;
  operatorId?: string | null;
  fromState?: SessionState | null;
  toState?: SessionState | null;
}

/** Appends a row to a session's timeline (inside the caller's transaction). */
export function addTimeline(app: AppContext, sessionId: string, e: TimelineInput): void {
  insertEvent(app, sessionId, e);
}

// Untyped below the two typed doors (addTimeline, transition): each checks a kind's params.
function insertEvent(app: AppContext, sessionId: string, e: Omit<TimelineRowInput<TimelineKind>, 'params'> & { params: TimelineParams }): void {
  cachedStatement(
    app.sqlite,
    `INSERT INTO session_events (session_id, at, charger_at, kind, from_state, to_state, detail, record_id, operator_id, params)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    sessionId,
    app.clock.now(),
    e.chargerAt ?? null,
    e.kind,
    e.fromState ?? null,
    e.toState ?? null,
    e.detail ?? '',
    e.recordId ?? null,
    e.operatorId ?? null,
    JSON.stringify(e.params),
  );
}

export type TransitionInput<E extends SessionEvent = SessionEvent> = {
  [k in E]: TransitionRowInput<k>;
}[E];

interface TransitionRowInput<E extends SessionEvent> {
  sessionId: string;
  from: SessionState;
  event: E;
  /** What the screens word the event from (events.ts). */
  params: SessionEventParams[E];
  detail?: string;
  chargerAt?: number | null;
  recordId?: number | null;
  operatorId?: string | null;
  /** Other columns to set in the same guarded UPDATE (snake_case column → value). */
  set?: Record<string, string | number | null>;
}

const COLUMN = /^[a-z_]+$/;

/**
 * Moves a session from `from` by `event`. Must run inside the caller's write transaction, with
 * whatever else the change implies (hold, ledger, job), so all of it commits or none does.
 */
export function transition(app: AppContext, t: TransitionInput): SessionState {
  const to = nextState(t.from, t.event);
  if (!to) {
    const err = new DepotError('illegal_transition', `session ${t.sessionId}: ${t.event} is not allowed in state ${t.from}`, {
      sessionId: t.sessionId,
      state: t.from,
      event: t.event,
    });
    app.log.error({ sessionId: t.sessionId, state: t.from, event: t.event }, err.message);
    throw err;
  }
  const set = t.set ?? {};
  const cols = Object.keys(set);
  for (const c of cols) if (!COLUMN.test(c)) throw new DepotError('internal', `bad column name ${c}`);
  const now = app.clock.now();
  const assignments = ['state = @to', 'updated_at = @now', ...cols.map((c) => `${c} = @c_${c}`)].join(', ');
  const params: Record<string, string | number | null> = { to, now, id: t.sessionId, from: t.from };
  for (const c of cols) params[`c_${c}`] = set[c];
  expectChanges(
    cachedStatement(app.sqlite, `UPDATE charging_sessions SET ${assignments} WHERE id = @id AND state = @from`).run(params),
    1,
    `session ${t.sessionId} ${t.from} → ${to} (${t.event})`,
  );
  insertEvent(app, t.sessionId, {
    kind: t.event,
    params: t.params,
    detail: t.detail,
    chargerAt: t.chargerAt,
    recordId: t.recordId,
    operatorId: t.operatorId,
    fromState: t.from,
    toState: to,
  });
  return to;
}
