import type { AppContext } from '../kernel/context';
import { DepotError, expectChanges } from '../kernel/errors';
import { afterCommit } from '../kernel/db/after-commit';
import { writeTx } from '../kernel/db/connection';
import type { AlertLevel } from './schema';
import { countRows, expectRow } from '../kernel/db/rows';
import { whereOf } from '../kernel/db/where';
import { announceAlert } from './delivery';
import { wordingFor } from '../../src-renderer/i18n/wording';
import { alertText } from '../../src-renderer/lib/alertText';

/**
 * Alerts.
 *
 * Guarantees:
 * - An alert is open while it is neither acknowledged nor resolved. There is at most one open alert
 *   per subject: raising the same problem again counts it on the open alert (count, last_raised_at)
 *   instead of adding a row, so a rule firing every minute does not bury the list.
 * - raiseAlert and resolveAlert work inside the caller's transaction: the alert and the fact that
 *   raised or cleared it commit together, and their events are emitted only once that is committed
 *   (a rolled-back raise or resolve announces nothing).
 * - An alert is acknowledged at most once, by a named operator; acknowledging it again, or
 *   acknowledging one that already resolved itself, is refused, not silently ignored.
 * - An alert is resolved at most once, and only while open: resolveAlert records when, by whom
 *   ('system' for a rule that found its condition cleared) and why: the English record, and for a
 *   resolution the core words itself, its code and parameters (the screens word those; issue 16).
 *   With nothing open for the subject it changes nothing and says so ({ resolved: null }); it
 *   never touches a closed alert.
 * - Acknowledged or resolved, an alert leaves the open list (and the open count) and stays in the
 *   history; the same subject raised again opens a new alert.
 */

export interface Alert {
  id: string;
  code: string;
  level: AlertLevel;
  message: string;
  subject: string;
  details: Record<string, unknown>;
  raisedAt: number;
  lastRaisedAt: number;
  count: number;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  resolvedAt: number | null;
  resolvedBy: string | null;
  resolution: string | null;
  /** The core's own resolution as a code and parameters (see AlertResolution); null for text alone. */
  resolutionCode: string | null;
  resolutionParams: ResolutionParams | null;
}

export type ResolutionParams = Record<string, string | number>;

/**
 * Why an alert resolved: the English record (the log's, the CLI's) and, for a resolution the core
 * composed, a code with its parameters that the screens word (`alerts.resolution.<code>`). An
 * operator's own text goes in `message` as typed, with the code naming what was done around it.
 */
export interface AlertResolution {
  message: string;
  code?: string;
  params?: ResolutionParams;
}

export interface RaiseAlertInput {
  code: string;
  level: AlertLevel;
  message: string;
  /** The problem's identity; defaults to the code (one open alert per code). */
  subject?: string;
  details?: Record<string, unknown>;
}

interface AlertRow {
  id: string;
  code: string;
  level: AlertLevel;
  message: string;
  subject: string;
  details: string;
  raised_at: number;
  last_raised_at: number;
  count: number;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
  resolved_at: number | null;
  resolved_by: string | null;
  resolution: string | null;
  resolution_code: string | null;
  resolution_params: string | null;
}

function toAlert(r: AlertRow): Alert {
  return {
    id: r.id,
    code: r.code,
    level: r.level,
    message: r.message,
    subject: r.subject,
    details: JSON.parse(r.details) as Record<string, unknown>,
    raisedAt: r.raised_at,
    lastRaisedAt: r.last_raised_at,
    count: r.count,
    acknowledgedAt: r.acknowledged_at,
    acknowledgedBy: r.acknowledged_by,
    resolvedAt: r.resolved_at,
    resolvedBy: r.resolved_by,
    resolution: r.resolution,
    resolutionCode: r.resolution_code,
    resolutionParams: r.resolution_params === null ? null : (JSON.parse(r.resolution_params) as ResolutionParams),
  };
}

const OPERATOR_LANGUAGES = [wordingFor('zh-CN'), wordingFor('en-US')];

/** What the alerts list shows of an alert, in each operator language: what its search looks in (alerts.words). */
function searchWords(input: RaiseAlertInput): string {
  const alert = { code: input.code, message: input.message, details: input.details ?? {} };
  return OPERATOR_LANGUAGES.map((w) => alertText(w, alert)).join('\n');
}

export function raiseAlert(app: AppContext, input: RaiseAlertInput): { alert: Alert; created: boolean } {
  const id = app.ids.next();
  const now = app.clock.now();
  const row = writeTx(app.sqlite, () =>
    expectRow<AlertRow>(
      app.sqlite.prepare(
        `INSERT INTO alerts (id, code, level, message, subject, details, words, raised_at, last_raised_at, count)
         VALUES (@id, @code, @level, @message, @subject, @details, @words, @now, @now, 1)
         ON CONFLICT (subject) WHERE acknowledged_at IS NULL AND resolved_at IS NULL DO UPDATE SET
           count = count + 1, last_raised_at = excluded.last_raised_at,
           level = excluded.level, message = excluded.message, details = excluded.details, words = excluded.words
         RETURNING *`,
      ),
      {
        id,
        code: input.code,
        level: input.level,
        message: input.message,
        subject: input.subject ?? input.code,
        details: JSON.stringify(input.details ?? {}),
        words: searchWords(input),
        now,
      },
    ),
  );
  const alert = toAlert(row);
  const created = alert.id === id;
  if (created) {
    afterCommit(app.sqlite, () => {
      const committed = app.sqlite.prepare('SELECT 1 FROM alerts WHERE id = ?').get(id);
      if (!committed) return;
      announceAlert(app, { level: alert.level, code: alert.code, message: alert.message, details: alert.details });
      app.events.emit('dashboard.changed', { reason: 'alerts' });
    });
  }
  app.log.warn({ alert: alert.subject, level: alert.level, count: alert.count }, alert.message);
  return { alert, created };
}

export function getAlert(app: AppContext, id: string): Alert | null {
  const row = app.sqlite.prepare<unknown[], AlertRow>('SELECT * FROM alerts WHERE id = ?').get(id);
  return row ? toAlert(row) : null;
}

/** Open: neither acknowledged nor resolved (the predicate of the alerts_open_subject index). */
const OPEN = 'acknowledged_at IS NULL AND resolved_at IS NULL';

export interface AlertListQuery {
  /** true: open only; false: closed (acknowledged or resolved) only; undefined: both. */
  open?: boolean;
  /** Part of the code, message or subject (case-insensitive for ASCII); % and _ match themselves. */
  search?: string;
  level?: AlertLevel;
  /** raisedAt from (included) … to (excluded), epoch ms. */
  from?: number;
  to?: number;
  /** 'newest' (the default): by last_raised_at; 'severity': urgent, then warning, then info, each newest first (the banner's one alert). */
  order?: 'newest' | 'severity';
  limit: number;
  offset: number;
}

/** The most severe first: a rank per level, so that an urgent alert is never hidden behind a newer warning. */
const SEVERITY = "CASE level WHEN 'urgent' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END";

/** A LIKE pattern matching `text` anywhere, its own \ % _ taken literally (ESCAPE '\'). */
function containing(text: string | undefined): string | undefined {
  const t = text?.trim();
  return t ? `%${t.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : undefined;
}

/**
 * A page of alerts, newest first by (last_raised_at, id) — a total order — with the filter's total;
 * by `order: 'severity'` the most severe level first, then newest (a sort over the filter's rows:
 * meant for the open alerts, which are few).
 * All and a level read the list's indexes in its order (alerts_list, alerts_list_level), a day's
 * range raised_at's; the search reads every alert the other filters leave (it looks inside texts).
 */
export function listAlerts(app: AppContext, q: AlertListQuery): { total: number; items: Alert[] } {
  const { clause, params } = whereOf([
    // Open: the two terms themselves (what the partial index alerts_list_open is defined by), not an expression over them.
    [q.open ? OPEN : `NOT (${OPEN})`, 'open', q.open === undefined ? undefined : q.open ? 1 : 0],
    [
      "(code LIKE @search ESCAPE '\\' OR message LIKE @search ESCAPE '\\' OR subject LIKE @search ESCAPE '\\' OR words LIKE @search ESCAPE '\\')",
      'search',
      containing(q.search),
    ],
    ['level = @level', 'level', q.level],
    ['raised_at >= @from', 'from', q.from],
    ['raised_at < @to', 'to', q.to],
  ]);
  // The open alerts are few, and read through their own index: without statistics SQLite would take
  // alerts_raised (acknowledged_at IS NULL), which also holds every alert a rule resolved, and sort them.
  const from = q.open ? 'alerts INDEXED BY alerts_list_open' : 'alerts';
  const total = countRows(app.sqlite.prepare(`SELECT count(*) AS n FROM ${from} ${clause}`), params);
  const rows = app.sqlite
    .prepare<unknown[], AlertRow>(
      `SELECT * FROM ${from} ${clause} ORDER BY ${q.order === 'severity' ? `${SEVERITY}, ` : ''}last_raised_at DESC, id DESC LIMIT @limit OFFSET @offset`,
    )
    .all({ ...params, limit: q.limit, offset: q.offset });
  return { total, items: rows.map(toAlert) };
}

export function openAlertCount(app: AppContext): number {
  return countRows(app.sqlite.prepare(`SELECT count(*) AS n FROM alerts WHERE ${OPEN}`));
}

/** The open alert of a subject, if any. */
export function openAlertOf(app: AppContext, subject: string): Alert | null {
  const row = app.sqlite.prepare<unknown[], AlertRow>(`SELECT * FROM alerts WHERE subject = ? AND ${OPEN}`).get(subject);
  return row ? toAlert(row) : null;
}

/** Who resolves an alert whose rule found its condition cleared. */
export const SYSTEM_RESOLVER = 'system';

/**
 * Resolves the open alert of `subject`: its condition cleared. Runs inside the caller's
 * transaction; `{ resolved: null }` when nothing was open for the subject (nothing changes).
 * `reason` is plain text (shown as written) or an AlertResolution the screens word by its code.
 */
export function resolveAlert(app: AppContext, subject: string, reason: string | AlertResolution, by: string = SYSTEM_RESOLVER): { resolved: Alert | null } {
  const r: AlertResolution = typeof reason === 'string' ? { message: reason } : reason;
  const code = r.code ?? null;
  const params = code === null ? null : (r.params ?? {});
  const resolved = writeTx(app.sqlite, () => {
    const current = openAlertOf(app, subject);
    if (!current) return null;
    const now = app.clock.now();
    expectChanges(
      app.sqlite
        .prepare(`UPDATE alerts SET resolved_at = ?, resolved_by = ?, resolution = ?, resolution_code = ?, resolution_params = ? WHERE id = ? AND ${OPEN}`)
        .run(now, by, r.message, code, params === null ? null : JSON.stringify(params), current.id),
      1,
      `resolve alert ${current.id} (${subject})`,
    );
    return { ...current, resolvedAt: now, resolvedBy: by, resolution: r.message, resolutionCode: code, resolutionParams: params };
  });
  if (resolved) {
    afterCommit(app.sqlite, () => {
      const committed = app.sqlite.prepare('SELECT 1 FROM alerts WHERE id = ? AND resolved_at IS NOT NULL').get(resolved.id);
      if (committed) app.events.emit('dashboard.changed', { reason: 'alerts' });
    });
    app.log.info({ alert: subject, by, code }, `alert resolved: ${r.message}`);
  }
  return { resolved };
}

export function acknowledgeAlert(app: AppContext, id: string, by: string): Alert {
  const alert = writeTx(app.sqlite, () => {
    const current = getAlert(app, id);
    if (!current) throw new DepotError('not_found', `no alert with id ${id}`, { field: 'id' });
    if (current.acknowledgedAt !== null) {
      throw new DepotError('conflict', `alert ${id} was already acknowledged by ${current.acknowledgedBy ?? 'someone'}`, { field: 'id' });
    }
    if (current.resolvedAt !== null) {
      throw new DepotError('conflict', `alert ${id} already resolved itself (${current.resolution ?? 'its condition cleared'}); it is in the history`, {
        field: 'id',
      });
    }
    const now = app.clock.now();
    expectChanges(
      app.sqlite.prepare('UPDATE alerts SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ? AND acknowledged_at IS NULL').run(now, by, id),
      1,
      `acknowledge alert ${id}`,
    );
    return { ...current, acknowledgedAt: now, acknowledgedBy: by };
  });
  app.events.emit('dashboard.changed', { reason: 'alerts' });
  return alert;
}
