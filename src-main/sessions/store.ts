import type { AppContext } from '../kernel/context';
import { DepotError } from '../kernel/errors';
import { afterCommit } from '../kernel/db/after-commit';
import type { ReviewReason, SessionState } from './schema';
import { whereOf } from '../kernel/db/where';
import { cachedStatement } from '../kernel/db/statements';
import { countRows } from '../kernel/db/rows';
import { operatorNames } from '../operators';
import { OPERATOR_PARAMS, type TimelineParams } from './events';

/** Reading sessions, their timelines and samples; the driver notifications. */

export interface SessionRow {
  id: string;
  /** For people: CD + 8 digits, given by the database at insert (migration 0030). */
  number: string;
  state: SessionState;
  origin: 'operator' | 'charger';
  chargerId: string;
  connectorId: number;
  stationId: string | null;
  driverId: string | null;
  idTag: string;
  prepayFen: number;
  holdId: string | null;
  transactionId: number | null;
  meterStartWh: number | null;
  meterStopWh: number | null;
  startedAt: number | null;
  startReceivedAt: number | null;
  stoppedAt: number | null;
  stopReceivedAt: number | null;
  stopReason: string | null;
  energyWh: number | null;
  amountFen: number | null;
  electricityFen: number | null;
  serviceFen: number | null;
  quote: string | null;
  paidHoldFen: number | null;
  paidWalletFen: number | null;
  debtFen: number | null;
  debtId: string | null;
  settlementKey: string | null;
  settledAt: number | null;
  failureReason: string | null;
  reviewReason: ReviewReason | null;
  reviewState: 'pending' | 'approved' | null;
  reviewNote: string | null;
  reviewedBy: string | null;
  reviewedAt: number | null;
  createdAt: number;
  createdBy: string | null;
  updatedAt: number;
}

export const SESSION_SELECT = `SELECT id, number, state, origin, charger_id AS chargerId, connector_id AS connectorId, station_id AS stationId,
  driver_id AS driverId, id_tag AS idTag, prepay_fen AS prepayFen, hold_id AS holdId, transaction_id AS transactionId,
  meter_start_wh AS meterStartWh, meter_stop_wh AS meterStopWh, started_at AS startedAt, start_received_at AS startReceivedAt,
  stopped_at AS stoppedAt, stop_received_at AS stopReceivedAt, stop_reason AS stopReason, energy_wh AS energyWh,
  amount_fen AS amountFen, electricity_fen AS electricityFen, service_fen AS serviceFen, quote,
  paid_hold_fen AS paidHoldFen, paid_wallet_fen AS paidWalletFen, debt_fen AS debtFen, debt_id AS debtId,
  settlement_key AS settlementKey, settled_at AS settledAt, failure_reason AS failureReason,
  review_reason AS reviewReason, review_state AS reviewState, review_note AS reviewNote, reviewed_by AS reviewedBy, reviewed_at AS reviewedAt,
  created_at AS createdAt, created_by AS createdBy, updated_at AS updatedAt
  FROM charging_sessions`;

export function findSession(app: AppContext, id: string): SessionRow | null {
  return cachedStatement<SessionRow>(app.sqlite, `${SESSION_SELECT} WHERE id = ?`).get(id) ?? null;
}

export function requireSession(app: AppContext, id: string): SessionRow {
  const s = findSession(app, id);
  if (!s) throw new DepotError('not_found', `no session ${id}`, { field: 'id', sessionId: id });
  return s;
}

export interface TimelineRow {
  id: number;
  at: number;
  chargerAt: number | null;
  kind: string;
  fromState: string | null;
  toState: string | null;
  /** The core's English record of the event (the CLI and the audit read it; the screens word params). */
  detail: string;
  /** What the screens word the event from (events.ts), plus `<key>Name` for each operator it names; null before migration 0034. */
  params: TimelineParams | null;
  recordId: number | null;
  operatorId: string | null;
  /** The operator's display name (张伟), when the event was an operator's. */
  operatorName: string | null;
}

/** A session's timeline, oldest first, with its params read and the operators it names by display name. */
export function sessionTimeline(app: AppContext, id: string): TimelineRow[] {
  const rows = app.sqlite
    .prepare<unknown[], Omit<TimelineRow, 'params' | 'operatorName'> & { params: string | null }>(
      `SELECT id, at, charger_at AS chargerAt, kind, from_state AS fromState, to_state AS toState, detail, record_id AS recordId,
         operator_id AS operatorId, params
       FROM session_events WHERE session_id = ? ORDER BY id`,
    )
    .all(id)
    .map((r) => ({ ...r, params: r.params === null ? null : (JSON.parse(r.params) as TimelineParams) }));
  const ids = new Set<string>();
  for (const r of rows) {
    if (r.operatorId) ids.add(r.operatorId);
    for (const key of OPERATOR_PARAMS) if (typeof r.params?.[key] === 'string') ids.add(r.params[key]);
  }
  const names = operatorNames(app, [...ids]);
  const nameOf = (opId: string) => names.get(opId) ?? opId;
  return rows.map((r) => {
    let params = r.params;
    for (const key of OPERATOR_PARAMS) {
      const opId = params?.[key];
      if (typeof opId === 'string') params = { ...params, [`${key}Name`]: nameOf(opId) };
    }
    return { ...r, params, operatorName: r.operatorId ? nameOf(r.operatorId) : null };
  });
}

export interface SampleRow {
  chargerAt: number;
  receivedAt: number;
  wh: number;
  source: string;
}

export function sessionSamples(app: AppContext, id: string): SampleRow[] {
  return cachedStatement<SampleRow>(
    app.sqlite,
    'SELECT charger_at AS chargerAt, received_at AS receivedAt, wh, source FROM session_meter_samples WHERE session_id = ? ORDER BY charger_at, wh',
  ).all(id);
}

/** Adds a reading; the same reading twice (a duplicate, or a Stop repeating a sample) is kept once. */
export function addSample(
  app: AppContext,
  sessionId: string,
  s: { chargerAt: number; receivedAt: number; wh: number; source: string; recordId?: number | null },
): boolean {
  const r = cachedStatement(
    app.sqlite,
    `INSERT INTO session_meter_samples (session_id, charger_at, received_at, wh, source, record_id) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT(session_id, charger_at, wh) DO NOTHING`,
  ).run(sessionId, s.chargerAt, s.receivedAt, s.wh, s.source, s.recordId ?? null);
  return r.changes === 1;
}

/** Where a page starts: the sort key (created_at, id) of the last row of the page before it. */
export interface SessionCursor {
  createdAt: number;
  id: string;
}

export interface ListQuery {
  state?: SessionState;
  chargerId?: string;
  driverId?: string;
  /** One session by its number (CD00001234). */
  number?: string;
  /** created_at range, epoch ms, [from, to). */
  from?: number;
  to?: number;
  limit?: number;
  /** Rows to skip: from the top, or after `after` when it is given. */
  offset?: number;
  /** Keyset paging: the page starts after this row (the previous page's nextCursor). */
  after?: SessionCursor;
}

function listFilters(q: Omit<ListQuery, 'limit' | 'offset' | 'after'>): [string, string, unknown][] {
  return [
    ['state = @state', 'state', q.state],
    ['charger_id = @chargerId', 'chargerId', q.chargerId],
    ['driver_id = @driverId', 'driverId', q.driverId],
    ['number = @number', 'number', q.number],
    ['created_at >= @from', 'from', q.from],
    ['created_at < @to', 'to', q.to],
  ];
}

/** After the cursor in the list's order (created_at DESC, id DESC: ids are unique, so the order is total). */
const AFTER = '(created_at < @afterAt OR (created_at = @afterAt AND id < @afterId))';

/** Past this many, a state's sessions are counted as the whole table less the other states'. */
const STATE_COUNT_CAP = 50_000;

/**
 * How many sessions are in a state, through the narrow (state) index. Counting steps through the
 * state's entries: cheap for a rare state, not for the one nearly every session ends in (PAID,
 * 970,000 of a million). So at most STATE_COUNT_CAP are counted; a state with more is the table's
 * count (which reads the smallest index's pages, not its entries) less the states before and after it.
 */
function countOfState(app: AppContext, state: SessionState): number {
  const n = (sql: string) => countRows(app.sqlite.prepare(sql), { state, cap: STATE_COUNT_CAP });
  const some = n('SELECT count(*) AS n FROM (SELECT 1 FROM charging_sessions WHERE state = @state LIMIT @cap)');
  if (some < STATE_COUNT_CAP) return some;
  const others = n('SELECT count(*) AS n FROM charging_sessions WHERE state < @state') + n('SELECT count(*) AS n FROM charging_sessions WHERE state > @state');
  return n('SELECT count(*) AS n FROM charging_sessions') - others;
}

/**
 * A page of sessions, newest first, with the filter's total and the cursor of the page after it
 * (null when this page is the last). Every filter reads an index in the list's order — (created_at,
 * id), (state|charger_id|driver_id, created_at, id) — so a page never sorts. A page starts at the
 * top, after a cursor (keyset: as fast at the millionth row as at the first), or at an offset; an
 * offset past the middle is read from the oldest end and turned around, so no walk is longer than
 * half the list.
 */
export function listSessions(app: AppContext, q: ListQuery): { items: SessionRow[]; total: number; nextCursor: SessionCursor | null } {
  const { clause, params } = whereOf(listFilters(q));
  const onlyState = q.state !== undefined && Object.keys(params).length === 1;
  const total = onlyState ? countOfState(app, q.state!) : countRows(app.sqlite.prepare(`SELECT count(*) AS n FROM charging_sessions ${clause}`), params);
  const limit = q.limit ?? 50;
  const offset = q.offset ?? 0;
  let items: SessionRow[];
  if (!q.after && offset > total / 2) {
    const take = Math.min(limit, total - offset);
    items =
      take <= 0
        ? []
        : app.sqlite
            .prepare<unknown[], SessionRow>(`${SESSION_SELECT} ${clause} ORDER BY created_at ASC, id ASC LIMIT @take OFFSET @skip`)
            .all({ ...params, take, skip: total - offset - take })
            .reverse();
  } else {
    const w = whereOf([...listFilters(q), [AFTER, 'afterAt', q.after?.createdAt]]);
    items = app.sqlite
      .prepare<unknown[], SessionRow>(`${SESSION_SELECT} ${w.clause} ORDER BY created_at DESC, id DESC LIMIT @limit OFFSET @offset`)
      .all({ ...w.params, ...(q.after ? { afterId: q.after.id } : {}), limit, offset });
  }
  const last = items.at(-1);
  const more = q.after ? items.length === limit : offset + items.length < total;
  return { items, total, nextCursor: last && more ? { createdAt: last.createdAt, id: last.id } : null };
}

/**
 * Every session a list filter matches, newest first, read a page at a time by key (never OFFSET,
 * never an open cursor between pages): an export of a million sessions can yield to the event
 * loop between pages while other work writes to the database.
 */
export type SessionListRow = Pick<
  SessionRow,
  | 'id'
  | 'number'
  | 'state'
  | 'chargerId'
  | 'connectorId'
  | 'driverId'
  | 'startedAt'
  | 'stoppedAt'
  | 'energyWh'
  | 'amountFen'
  | 'electricityFen'
  | 'serviceFen'
  | 'debtFen'
  | 'createdAt'
>;

/** The columns a list export writes (not the quote or the review fields): a million rows read fast. */
const LIST_SELECT = `SELECT id, number, state, charger_id AS chargerId, connector_id AS connectorId, driver_id AS driverId, started_at AS startedAt, stopped_at AS stoppedAt,
  energy_wh AS energyWh, amount_fen AS amountFen, electricity_fen AS electricityFen, service_fen AS serviceFen, debt_fen AS debtFen, created_at AS createdAt
  FROM charging_sessions`;

/** A LIST_SELECT row read as an array (better-sqlite3's raw mode), in LIST_SELECT's order. */
type ListTuple = [
  string,
  string,
  SessionState,
  string,
  number,
  string | null,
  number | null,
  number | null,
  number | null,
  number | null,
  number | null,
  number | null,
  number | null,
  number,
];

/**
 * The row object built here, in one shape: reading the page as arrays and building the objects in
 * JavaScript costs half of what better-sqlite3's objects do (0.33 against 0.6–0.8 s per 200,000
 * rows, docs/performance.md), and a list export reads a million of them.
 */
function listRow(r: ListTuple): SessionListRow {
  return {
    id: r[0],
    number: r[1],
    state: r[2],
    chargerId: r[3],
    connectorId: r[4],
    driverId: r[5],
    startedAt: r[6],
    stoppedAt: r[7],
    energyWh: r[8],
    amountFen: r[9],
    electricityFen: r[10],
    serviceFen: r[11],
    debtFen: r[12],
    createdAt: r[13],
  };
}

export function* iterateSessions(app: AppContext, q: Omit<ListQuery, 'limit' | 'offset' | 'after'>, pageSize = 1000): Generator<SessionListRow> {
  const first = whereOf(listFilters(q));
  const next = whereOf([...listFilters(q), [AFTER, 'afterAt', 0]]);
  // Prepared once for the whole walk, in raw mode (so not through cachedStatement, whose statements stay in object mode).
  const firstPage = app.sqlite.prepare<unknown[], ListTuple>(`${LIST_SELECT} ${first.clause} ORDER BY created_at DESC, id DESC LIMIT @limit`).raw(true);
  const nextPage = app.sqlite.prepare<unknown[], ListTuple>(`${LIST_SELECT} ${next.clause} ORDER BY created_at DESC, id DESC LIMIT @limit`).raw(true);
  let after: SessionCursor | null = null;
  for (;;) {
    const page: ListTuple[] = after
      ? nextPage.all({ ...next.params, afterAt: after.createdAt, afterId: after.id, limit: pageSize })
      : firstPage.all({ ...first.params, limit: pageSize });
    for (const r of page) yield listRow(r);
    if (page.length < pageSize) return;
    const last = page[page.length - 1];
    after = { createdAt: last[13], id: last[0] };
  }
}

/** The numbers of the sessions among `ids` (ids that are no session are left out): one indexed read. */
export function sessionNumbers(app: AppContext, ids: readonly string[]): Record<string, string> {
  if (ids.length === 0) return {};
  const rows = cachedStatement<{ id: string; number: string }>(app.sqlite, 'SELECT s.id, s.number FROM json_each(?) j JOIN charging_sessions s ON s.id = j.value').all(
    JSON.stringify(ids),
  );
  return Object.fromEntries(rows.map((r) => [r.id, r.number]));
}

/** A record for the driver (the SMS/app push is a later step; the row is what counts). */
export function notifyDriver(app: AppContext, n: { driverId: string; sessionId: string | null; kind: string; text: string }): void {
  app.sqlite
    .prepare('INSERT INTO notifications (id, driver_id, session_id, kind, text, created_at) VALUES (?, ?, ?, ?, ?, ?)')
    .run(app.ids.next(), n.driverId, n.sessionId, n.kind, n.text, app.clock.now());
}

export function listNotifications(app: AppContext, driverId: string): { id: string; sessionId: string | null; kind: string; text: string; createdAt: number }[] {
  return app.sqlite
    .prepare<unknown[], { id: string; sessionId: string | null; kind: string; text: string; createdAt: number }>(
      'SELECT id, session_id AS sessionId, kind, text, created_at AS createdAt FROM notifications WHERE driver_id = ? ORDER BY created_at, id',
    )
    .all(driverId);
}

/** Announces a session change once the surrounding transaction has committed (re-reading the row). */
export function announce(app: AppContext, sessionId: string): void {
  afterCommit(app.sqlite, () => {
    const s = findSession(app, sessionId);
    if (s) app.events.emit('session.updated', { sessionId, state: s.state, chargerId: s.chargerId, connectorId: s.connectorId, driverId: s.driverId });
  });
}
