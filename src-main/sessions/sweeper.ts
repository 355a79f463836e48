import { z } from 'zod';
import { raiseAlert, resolveAlert, type AlertResolution } from '../alerts';
import type { AppContext } from '../kernel/context';
import { DepotError, expectChanges } from '../kernel/errors';
import { writeTx } from '../kernel/db/connection';
import { FINANCE, method } from '../kernel/method';
import { defineCron, defineWorker } from '../jobs';
import { formatFen } from '../money';
import { BLOCKING_REVIEWS, settleSession } from './settle';
import { requireSession } from './store';
import { allRows, countRows, expectRow } from '../kernel/db/rows';
import { DAY_MS } from '../kernel/clock';

/**
 * The settlement sweeper: the safety net under real-time settlement. A session can reach FINISHED
 * and stay there — stopped at the charger's own button while the back office was busy, replayed
 * offline, or the process died between the stop's commit and the settlement's.
 *
 * Guarantees:
 * - Every sweep settles each FINISHED session whose stop arrived within `sessions.sweepWindowDays`
 *   through settleSession, the real-time path itself: same pricing, same ledger operation keyed
 *   `settle:<session>`. A session is never charged twice, whichever path gets there first; one the
 *   real-time path settled meanwhile is found settled and counted as such, not settled again.
 * - A shortfall becomes a debt (the session ends UNPAID), exactly as in real time.
 * - A session older than the window is left alone (an operator settles it, see docs/sessions.md);
 *   it still shows in the unsettled figures.
 * - One session that fails does not stop the others: its settlement is rolled back whole (a
 *   savepoint), its error is logged and recorded in the sweep with its reason.
 * - Every sweep, dry or not, leaves one row in settlement_sweeps: window, found, settled, unpaid,
 *   held for review, failed with reasons, total amount and debt. A sweep cut short (crash) keeps its
 *   row with finished_at NULL; the next sweep simply does the rest.
 * - A dry run runs the very same code in transactions that are rolled back: no money moves, no
 *   session changes, no alert is raised; only its sweep row (dry_run = 1) is written, with what
 *   would have been settled.
 * - At most sessions.sweepChunkSize sessions are settled per transaction, and the sweep yields to
 *   the event loop between chunks, so the app stays responsive during a large sweep.
 * - A sweep that fails as a whole (throws: the scan, a chunk's transaction) completes its row with
 *   the error and what it did until then, and the error goes on to its caller (the job retries).
 *
 * The settlement monitor (docs/alerts.md), evaluated after every real sweep in the transaction
 * that completes its row; a dry run raises and resolves nothing:
 * - more unsettled finished sessions than sessions.unsettledAlertCount → warning
 *   `sessions_unsettled:count`; an estimated unsettled amount above sessions.unsettledAlertFen →
 *   urgent `sessions_unsettled:amount`; a session the sweep could not settle → urgent
 *   `sessions_sweep:failed`.
 * - the last sessions.sweepFailingAlertStreak real sweeps all failed as a whole → urgent
 *   `sessions_sweep:failing`. A sweep failed as a whole when its row holds an error, or when it was
 *   cut short (no finished_at) and began longer ago than the sweep job may run; one still running
 *   neither counts nor breaks the streak. A sweep that merely could not settle some sessions did
 *   not fail as a whole (that is `sessions_sweep:failed`).
 * - A rule whose condition is found cleared resolves its open alert (by 'system', with the figures
 *   that cleared it): the count or amount back at or under its threshold, a sweep that settled every
 *   session it tried, a sweep that ran through. The same condition coming back opens a new alert.
 */

export interface SweepFailure {
  sessionId: string;
  code: string;
  message: string;
}

export interface SweepResult {
  id: string;
  trigger: 'cron' | 'operator';
  dryRun: boolean;
  startedAt: number;
  finishedAt: number;
  windowFrom: number;
  found: number;
  settled: number;
  unpaid: number;
  held: number;
  /** Settled by someone else (the real-time path) between the scan and the sweep's turn. */
  alreadySettled: number;
  failed: number;
  failures: SweepFailure[];
  totalAmountFen: number;
  debtFen: number;
  /** The sessions settled (or, dry, that would be), with their amounts; at most 1,000 listed. */
  sessions: { sessionId: string; state: 'PAID' | 'UNPAID'; amountFen: number; debtFen: number }[];
  /** Subjects of the alerts this sweep raised (or counted again). */
  alerts: string[];
  /** Subjects of the open alerts this sweep found cleared and resolved. */
  resolved: string[];
}

/**
 * The scan's statement. The partial index charging_sessions_unsettled holds only FINISHED sessions
 * (about 1 % of a busy depot's), ordered as the scan reads them. INDEXED BY because with no
 * statistics the planner prefers charging_sessions_state and sorts; and should the index ever stop
 * matching the query, preparing it fails loudly instead of silently scanning a million rows.
 */
const SCAN_SQL = `SELECT id, stop_received_at AS at FROM charging_sessions INDEXED BY charging_sessions_unsettled
  WHERE state = 'FINISHED' AND stop_received_at >= @lo AND stop_received_at <= @until
    AND (stop_received_at, id) > (@afterAt, @afterId)
  ORDER BY stop_received_at, id LIMIT @limit`;

/**
 * The finished sessions in [from, until] by when their stop arrived, a chunk at a time (keyset
 * pagination, so settling a chunk — which removes its rows from the index — never skips or
 * repeats one).
 */
export function* scanUnsettled(app: AppContext, opts: { from: number; until: number; chunkSize: number }): Generator<string[]> {
  // Rows as [id, at] arrays, bound by position: the scan's cost is then the index walk, not objects.
  const stmt = app.sqlite.prepare(SCAN_SQL).raw(true);
  let afterAt = -1;
  let afterId = '';
  for (;;) {
    // SQLite seeks the index on the plain lower bound only, not on the row value: without max()
    // each chunk would walk again every entry the previous chunks returned (quadratic in the backlog).
    const lo = Math.max(opts.from, afterAt);
    const rows = allRows<[string, number]>(stmt, { lo, until: opts.until, afterAt, afterId, limit: opts.chunkSize });
    if (rows.length === 0) return;
    yield rows.map((r) => r[0]);
    const last = rows[rows.length - 1];
    afterAt = last[1];
    afterId = last[0];
    if (rows.length < opts.chunkSize) return;
  }
}

/** What EXPLAIN QUERY PLAN says about the scan (for the benchmark and the docs). */
export function scanPlan(app: AppContext): string[] {
  return app.sqlite
    .prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${SCAN_SQL}`)
    .all({ lo: 0, until: 0, afterAt: 0, afterId: '', limit: 1 })
    .map((r) => r.detail);
}

class DryRunRollback extends Error {}

const LISTED = 1_000;

interface ChunkOutcome {
  settled: number;
  unpaid: number;
  held: number;
  already: number;
  amount: number;
  debt: number;
  listed: SweepResult['sessions'];
  failures: SweepFailure[];
}

/**
 * Settles one chunk of sessions in one transaction (rolled back whole on a dry run), each in a
 * savepoint of its own, so one that fails is logged, counted and leaves the others settled.
 */
function sweepChunk(app: AppContext, chunk: string[], sweepId: string, dryRun: boolean): ChunkOutcome {
  const outcome: ChunkOutcome = { settled: 0, unpaid: 0, held: 0, already: 0, amount: 0, debt: 0, listed: [], failures: [] };
  try {
    writeTx(app.sqlite, () => {
      for (const sessionId of chunk) {
        // Re-read under the write lock: the real-time path may have settled it since the scan.
        if (requireSession(app, sessionId).state !== 'FINISHED') {
          outcome.already += 1;
          continue;
        }
        try {
          // settleSession's own transaction is a savepoint inside this one: a failure undoes only this session.
          const s = settleSession(app, sessionId);
          if (s.state === 'PAID' || s.state === 'UNPAID') {
            outcome.settled += 1;
            outcome.amount += s.amountFen ?? 0;
            outcome.debt += s.debtFen ?? 0;
            if (s.state === 'UNPAID') outcome.unpaid += 1;
            outcome.listed.push({ sessionId, state: s.state, amountFen: s.amountFen ?? 0, debtFen: s.debtFen ?? 0 });
          } else {
            outcome.held += 1;
          }
        } catch (e) {
          const code = e instanceof DepotError ? e.code : 'internal';
          const message = (e as Error).message;
          app.log.error({ err: e, sessionId, sweepId }, `the settlement sweep could not settle session ${sessionId}: ${message}`);
          outcome.failures.push({ sessionId, code, message });
        }
      }
      if (dryRun) throw new DryRunRollback();
    });
  } catch (e) {
    if (!(e instanceof DryRunRollback)) throw e;
  }
  return outcome;
}

/** Adds a chunk's outcome to the sweep's totals. */
function addChunk(r: SweepResult, outcome: ChunkOutcome): void {
  r.settled += outcome.settled;
  r.unpaid += outcome.unpaid;
  r.held += outcome.held;
  r.alreadySettled += outcome.already;
  r.totalAmountFen += outcome.amount;
  r.debtFen += outcome.debt;
  r.failures.push(...outcome.failures);
  r.failed = r.failures.length;
  for (const x of outcome.listed) if (r.sessions.length < LISTED) r.sessions.push(x);
}

/**
 * The sweep's row once it is done: a dry run's written now (dry_run = 1); a real one's completed,
 * with the alert rules evaluated in the same transaction and the dashboard told.
 */
function recordSweep(app: AppContext, r: SweepResult, operatorId: string | null): void {
  const failuresJson = JSON.stringify(r.failures);
  if (r.dryRun) {
    app.sqlite
      .prepare(
        `INSERT INTO settlement_sweeps (id, trigger, dry_run, started_at, finished_at, window_from, found, settled, unpaid, held, failed, failures, total_amount_fen, debt_fen, operator_id)
         VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        r.id,
        r.trigger,
        r.startedAt,
        r.finishedAt,
        r.windowFrom,
        r.found,
        r.settled,
        r.unpaid,
        r.held,
        r.failed,
        failuresJson,
        r.totalAmountFen,
        r.debtFen,
        operatorId,
      );
    return;
  }
  writeTx(app.sqlite, () => {
    app.sqlite
      .prepare(
        `UPDATE settlement_sweeps SET finished_at = ?, found = ?, settled = ?, unpaid = ?, held = ?, failed = ?, failures = ?, total_amount_fen = ?, debt_fen = ?
         WHERE id = ? AND finished_at IS NULL`,
      )
      .run(r.finishedAt, r.found, r.settled, r.unpaid, r.held, r.failed, failuresJson, r.totalAmountFen, r.debtFen, r.id);
    const verdict = evaluateSweepAlerts(app, r);
    r.alerts = verdict.raised;
    r.resolved = verdict.resolved;
  });
  app.events.emit('dashboard.changed', { reason: 'sessions.sweep' });
}

/**
 * A real sweep that threw: its row is completed with the error and what it did until then, and the
 * failing-streak rule is evaluated. Should the database refuse even that, the failure is logged and
 * the row stays unfinished (it then counts as cut short once stale).
 */
function recordSweepFailure(app: AppContext, r: SweepResult, error: unknown): void {
  const code = error instanceof DepotError ? error.code : 'internal';
  const message = `[${code}] ${error instanceof Error ? error.message : String(error)}`.slice(0, 2000);
  r.finishedAt = app.clock.now();
  try {
    writeTx(app.sqlite, () => {
      expectChanges(
        app.sqlite
          .prepare(
            `UPDATE settlement_sweeps SET finished_at = ?, error = ?, found = ?, settled = ?, unpaid = ?, held = ?, failed = ?, failures = ?, total_amount_fen = ?, debt_fen = ?
             WHERE id = ? AND finished_at IS NULL`,
          )
          .run(r.finishedAt, message, r.found, r.settled, r.unpaid, r.held, r.failed, JSON.stringify(r.failures), r.totalAmountFen, r.debtFen, r.id),
        1,
        `record the failure of settlement sweep ${r.id}`,
      );
      r.alerts = evaluateFailingStreak(app, r.id).raised;
    });
  } catch (e) {
    app.log.error({ err: e, sweepId: r.id }, `could not record the failure of settlement sweep ${r.id}`);
  }
  app.log.error({ err: error, sweepId: r.id }, `the settlement sweep failed: ${message}`);
  app.events.emit('dashboard.changed', { reason: 'sessions.sweep' });
}

/** Runs one sweep now. */
export async function runSweep(app: AppContext, opts: { dryRun?: boolean; trigger?: 'cron' | 'operator'; operatorId?: string | null } = {}): Promise<SweepResult> {
  const dryRun = opts.dryRun ?? false;
  const trigger = opts.trigger ?? 'operator';
  const cfg = app.config.sessions;
  const startedAt = app.clock.now();
  const windowFrom = startedAt - cfg.sweepWindowDays * DAY_MS;
  const id = app.ids.next();
  const r: SweepResult = {
    id,
    trigger,
    dryRun,
    startedAt,
    finishedAt: startedAt,
    windowFrom,
    found: 0,
    settled: 0,
    unpaid: 0,
    held: 0,
    alreadySettled: 0,
    failed: 0,
    failures: [],
    totalAmountFen: 0,
    debtFen: 0,
    sessions: [],
    alerts: [],
    resolved: [],
  };
  // A real sweep is recorded before it starts, so one cut short is visible (finished_at NULL).
  if (!dryRun) {
    app.sqlite
      .prepare('INSERT INTO settlement_sweeps (id, trigger, dry_run, started_at, window_from, operator_id) VALUES (?, ?, 0, ?, ?, ?)')
      .run(id, trigger, startedAt, windowFrom, opts.operatorId ?? null);
  }

  try {
    for (const chunk of scanUnsettled(app, { from: windowFrom, until: startedAt, chunkSize: cfg.sweepChunkSize })) {
      r.found += chunk.length;
      addChunk(r, sweepChunk(app, chunk, id, dryRun));
      // Let IPC, HTTP and the charger link in between chunks.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } catch (e) {
    if (!dryRun) recordSweepFailure(app, r, e);
    throw e;
  }

  r.finishedAt = app.clock.now();
  recordSweep(app, r, opts.operatorId ?? null);
  const level = r.failed > 0 ? 'warn' : 'info';
  if (r.found > 0 || dryRun) {
    app.log[level](
      { sweepId: id, dryRun, found: r.found, settled: r.settled, unpaid: r.unpaid, held: r.held, failed: r.failed, totalAmountFen: r.totalAmountFen },
      `${dryRun ? 'dry-run ' : ''}settlement sweep: ${r.found} found, ${r.settled} ${dryRun ? 'would be ' : ''}settled (¥${formatFen(r.totalAmountFen)}), ${r.held} held for review, ${r.failed} failed`,
    );
  }
  return r;
}

export interface UnsettledSummary {
  /** FINISHED sessions not waiting for a supervisor (those are in the review queue). */
  count: number;
  /** Their amount: the priced amount where known, else energy × sessions.unsettledEstimateFenPerKwh. */
  estimatedFen: number;
  /** Of them, stopped before the sweep window: the sweeper leaves these to an operator. */
  outsideWindow: number;
}

export function unsettledSummary(app: AppContext): UnsettledSummary {
  const cfg = app.config.sessions;
  const windowFrom = app.clock.now() - cfg.sweepWindowDays * DAY_MS;
  const row = expectRow<{ n: number; fen: number; old: number }>(
    app.sqlite.prepare(
      `SELECT count(*) AS n,
              coalesce(sum(coalesce(amount_fen, (max(coalesce(energy_wh, 0), 0) * CAST(@perKwh AS INTEGER) + 500) / 1000)), 0) AS fen,
              coalesce(sum(coalesce(stop_received_at, 0) < @from), 0) AS old
       FROM charging_sessions
       WHERE state = 'FINISHED' AND NOT (coalesce(review_state, '') = 'pending' AND coalesce(review_reason, '') IN (${BLOCKING_REVIEWS.map((x) => `'${x}'`).join(', ')}))`,
    ),
    { perKwh: cfg.unsettledEstimateFenPerKwh, from: windowFrom },
  );
  return { count: row.n, estimatedFen: row.fen, outsideWindow: row.old };
}

/** What one rule of the monitor did: the subjects it raised and those it resolved. */
export interface MonitorVerdict {
  raised: string[];
  resolved: string[];
}

/**
 * One rule of the monitor: raise its alert while the condition holds, resolve the open one (if
 * any) once it is found cleared.
 */
function watch(app: AppContext, v: MonitorVerdict, holds: boolean, alert: Parameters<typeof raiseAlert>[1] & { subject: string }, cleared: AlertResolution): void {
  if (holds) v.raised.push(raiseAlert(app, alert).alert.subject);
  else if (resolveAlert(app, alert.subject, cleared).resolved) v.resolved.push(alert.subject);
}

/**
 * The monitor's rules after a sweep that ran through; runs in the transaction that completes its
 * row. Returns the alert subjects raised and resolved.
 */
export function evaluateSweepAlerts(app: AppContext, sweep: Pick<SweepResult, 'id' | 'failed' | 'failures'>): MonitorVerdict {
  const cfg = app.config.sessions;
  const u = unsettledSummary(app);
  const v: MonitorVerdict = { raised: [], resolved: [] };
  watch(
    app,
    v,
    u.count > cfg.unsettledAlertCount,
    {
      code: 'sessions_unsettled',
      level: 'warning',
      subject: 'sessions_unsettled:count',
      message: `${u.count} finished sessions are still unsettled after the settlement sweep (alert above ${cfg.unsettledAlertCount})`,
      details: { ...u, threshold: cfg.unsettledAlertCount, sweepId: sweep.id },
    },
    {
      message: `sweep ${sweep.id} found ${u.count} unsettled finished session(s), not above ${cfg.unsettledAlertCount}`,
      code: 'unsettled_count_below',
      params: { sweepId: sweep.id, count: u.count, threshold: cfg.unsettledAlertCount },
    },
  );
  watch(
    app,
    v,
    u.estimatedFen > cfg.unsettledAlertFen,
    {
      code: 'sessions_unsettled_amount',
      level: 'urgent',
      subject: 'sessions_unsettled:amount',
      message: `about ¥${formatFen(u.estimatedFen)} of finished sessions is unsettled (alert above ¥${formatFen(cfg.unsettledAlertFen)})`,
      details: { ...u, thresholdFen: cfg.unsettledAlertFen, sweepId: sweep.id },
    },
    {
      message: `sweep ${sweep.id} found about ¥${formatFen(u.estimatedFen)} unsettled, not above ¥${formatFen(cfg.unsettledAlertFen)}`,
      code: 'unsettled_amount_below',
      params: { sweepId: sweep.id, amountFen: u.estimatedFen, thresholdFen: cfg.unsettledAlertFen },
    },
  );
  watch(
    app,
    v,
    sweep.failed > 0,
    {
      code: 'sweep_failed',
      level: 'urgent',
      subject: 'sessions_sweep:failed',
      message:
        sweep.failed > 0 ? `the settlement sweep could not settle ${sweep.failed} session(s); first: ${sweep.failures[0].sessionId}: ${sweep.failures[0].message}` : '',
      details: { sweepId: sweep.id, failures: sweep.failures.slice(0, 20) },
    },
    { message: `sweep ${sweep.id} settled every session it tried`, code: 'sweep_settled_all', params: { sweepId: sweep.id } },
  );
  const streak = evaluateFailingStreak(app, sweep.id);
  v.raised.push(...streak.raised);
  v.resolved.push(...streak.resolved);
  return v;
}

/** How a recorded sweep ended, as the monitor and the dashboard read it. */
export type SweepOutcome = 'ok' | 'partial' | 'failed' | 'cut_short' | 'running';

/** How long the sweep job may run; a real sweep unfinished for longer was cut short (a crash, a kill). */
const SWEEP_TIMEOUT_MS = 15 * 60_000;

function outcomeOf(row: { finished_at: number | null; error: string | null; failed: number; started_at: number }, now: number): SweepOutcome {
  if (row.error !== null) return 'failed';
  if (row.finished_at === null) return now - row.started_at > SWEEP_TIMEOUT_MS ? 'cut_short' : 'running';
  return row.failed > 0 ? 'partial' : 'ok';
}

/**
 * How many of the latest real sweeps in a row failed as a whole (recorded error, or cut short);
 * sweeps still running are skipped. Looks no further back than `limit` sweeps.
 */
export function sweepFailingStreak(app: AppContext, limit = 100): number {
  const now = app.clock.now();
  const rows = app.sqlite
    .prepare<unknown[], { finished_at: number | null; error: string | null; failed: number; started_at: number }>(
      'SELECT finished_at, error, failed, started_at FROM settlement_sweeps WHERE dry_run = 0 ORDER BY started_at DESC, id DESC LIMIT ?',
    )
    .all(limit);
  let streak = 0;
  for (const row of rows) {
    const outcome = outcomeOf(row, now);
    if (outcome === 'running') continue;
    if (outcome !== 'failed' && outcome !== 'cut_short') break;
    streak += 1;
  }
  return streak;
}

/** The failing-streak rule: urgent once sessions.sweepFailingAlertStreak sweeps in a row failed. */
function evaluateFailingStreak(app: AppContext, sweepId: string): MonitorVerdict {
  const threshold = app.config.sessions.sweepFailingAlertStreak;
  const streak = sweepFailingStreak(app, threshold + 20);
  const v: MonitorVerdict = { raised: [], resolved: [] };
  watch(
    app,
    v,
    streak >= threshold,
    {
      code: 'sweep_failing',
      level: 'urgent',
      subject: 'sessions_sweep:failing',
      message: `the settlement sweep has failed ${streak} times in a row; finished sessions are not being settled (alert at ${threshold})`,
      details: { streak, threshold, sweepId },
    },
    { message: `sweep ${sweepId} ran through`, code: 'sweep_ran_through', params: { sweepId } },
  );
  return v;
}

export interface SweepRecord {
  id: string;
  trigger: 'cron' | 'operator';
  dryRun: boolean;
  startedAt: number;
  finishedAt: number | null;
  windowFrom: number;
  found: number;
  settled: number;
  unpaid: number;
  held: number;
  failed: number;
  failures: SweepFailure[];
  totalAmountFen: number;
  debtFen: number;
  operatorId: string | null;
  /** Set when the sweep failed as a whole (threw): `[code] message`. */
  error: string | null;
}

export function listSweeps(app: AppContext, q: { limit: number; offset: number; includeDryRuns?: boolean }): { total: number; items: SweepRecord[] } {
  const where = q.includeDryRuns ? '' : 'WHERE dry_run = 0';
  const total = countRows(app.sqlite.prepare(`SELECT count(*) AS n FROM settlement_sweeps ${where}`));
  const rows = app.sqlite
    .prepare<unknown[], Omit<SweepRecord, 'dryRun' | 'failures'> & { dryRun: number; failures: string }>(
      `SELECT id, trigger, dry_run AS dryRun, started_at AS startedAt, finished_at AS finishedAt, window_from AS windowFrom, found, settled, unpaid, held, failed,
              failures, total_amount_fen AS totalAmountFen, debt_fen AS debtFen, operator_id AS operatorId, error
       FROM settlement_sweeps ${where} ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?`,
    )
    .all(q.limit, q.offset);
  return { total, items: rows.map((x) => ({ ...x, dryRun: x.dryRun === 1, failures: JSON.parse(x.failures) as SweepFailure[] })) };
}

/** Whether the scheduled sweep is due: sessions.sweepIntervalMinutes since the last real sweep began. */
export function sweepDue(app: AppContext): boolean {
  const last = expectRow<{ at: number | null }>(app.sqlite.prepare('SELECT max(started_at) AS at FROM settlement_sweeps WHERE dry_run = 0'));
  if (last.at === null) return true;
  // Half a minute of slack: the per-minute tick must not miss a slot by a few milliseconds.
  return app.clock.now() - last.at >= app.config.sessions.sweepIntervalMinutes * 60_000 - 30_000;
}

/**
 * The scheduled sweep. The cron ticks every minute and the worker sweeps only when
 * sessions.sweepIntervalMinutes have passed: crons are fixed at build time, the interval is config.
 */
export const sweepWorker = defineWorker({
  kind: 'sessions.sweep',
  queue: 'maintenance',
  args: z.object({}),
  maxAttempts: 3,
  // A large backlog (thousands of sessions) takes a while; the sweep is idempotent if cut short.
  timeoutMs: SWEEP_TIMEOUT_MS,
  async perform(app) {
    if (!sweepDue(app)) return;
    await runSweep(app, { trigger: 'cron' });
  },
});

export const sweepCron = defineCron({ name: 'sessions.sweep', expression: '* * * * *', kind: sweepWorker.kind });

/** The latest real sweep that is not still running, and how it ended. */
export function lastSweep(app: AppContext): { id: string; startedAt: number; finishedAt: number | null; outcome: SweepOutcome; failed: number } | null {
  const now = app.clock.now();
  const rows = app.sqlite
    .prepare<unknown[], { id: string; started_at: number; finished_at: number | null; error: string | null; failed: number }>(
      'SELECT id, started_at, finished_at, error, failed FROM settlement_sweeps WHERE dry_run = 0 ORDER BY started_at DESC, id DESC LIMIT 20',
    )
    .all();
  for (const row of rows) {
    const outcome = outcomeOf(row, now);
    if (outcome !== 'running') return { id: row.id, startedAt: row.started_at, finishedAt: row.finished_at, outcome, failed: row.failed };
  }
  return null;
}

/** The result of a sweep as one dashboard number: 0 ran through, 1 some sessions failed, 2 failed as a whole or cut short. */
const OUTCOME_FIGURE: Record<Exclude<SweepOutcome, 'running'>, number> = { ok: 0, partial: 1, failed: 2, cut_short: 2 };

/**
 * Dashboard figures of the settlement monitor: unsettled finished sessions, their estimated amount,
 * those outside the sweep window; what real sweeps settled since the business day began; and the
 * last sweep that is not still running — when it began, its result (sessions.lastSweepResult: 0 ran
 * through, 1 could not settle some sessions, 2 failed as a whole) and the failing streak. With no
 * sweep yet, the last-sweep figures are left out.
 */
export function sweeperFigures(app: AppContext, dayStart: number): { key: string; value: number; unit: 'count' | 'fen' | 'time' }[] {
  const u = unsettledSummary(app);
  const today = expectRow<{ n: number; fen: number }>(
    app.sqlite.prepare('SELECT coalesce(sum(settled), 0) AS n, coalesce(sum(total_amount_fen), 0) AS fen FROM settlement_sweeps WHERE dry_run = 0 AND started_at >= ?'),
    dayStart,
  );
  const figures: { key: string; value: number; unit: 'count' | 'fen' | 'time' }[] = [
    { key: 'sessions.unsettled', value: u.count, unit: 'count' },
    { key: 'sessions.unsettledAmount', value: u.estimatedFen, unit: 'fen' },
    { key: 'sessions.unsettledOutsideWindow', value: u.outsideWindow, unit: 'count' },
    { key: 'sessions.settledBySweepToday', value: today.n, unit: 'count' },
    { key: 'sessions.settledBySweepTodayAmount', value: today.fen, unit: 'fen' },
  ];
  const last = lastSweep(app);
  if (last && last.outcome !== 'running') {
    figures.push(
      { key: 'sessions.lastSweepAt', value: last.startedAt, unit: 'time' },
      { key: 'sessions.lastSweepResult', value: OUTCOME_FIGURE[last.outcome], unit: 'count' },
      { key: 'sessions.sweepFailingStreak', value: sweepFailingStreak(app), unit: 'count' },
    );
  }
  return figures;
}

const failureShape = z.object({ sessionId: z.string(), code: z.string(), message: z.string() });

export const sweepResultShape = z.object({
  id: z.string(),
  trigger: z.enum(['cron', 'operator']),
  dryRun: z.boolean(),
  startedAt: z.number(),
  finishedAt: z.number(),
  windowFrom: z.number(),
  found: z.number(),
  settled: z.number(),
  unpaid: z.number(),
  held: z.number(),
  alreadySettled: z.number(),
  failed: z.number(),
  failures: z.array(failureShape),
  totalAmountFen: z.number(),
  debtFen: z.number(),
  sessions: z.array(z.object({ sessionId: z.string(), state: z.enum(['PAID', 'UNPAID']), amountFen: z.number(), debtFen: z.number() })),
  alerts: z.array(z.string()),
  resolved: z.array(z.string()),
});

export const sweepRecordShape = z.object({
  id: z.string(),
  trigger: z.enum(['cron', 'operator']),
  dryRun: z.boolean(),
  startedAt: z.number(),
  finishedAt: z.number().nullable(),
  windowFrom: z.number(),
  found: z.number(),
  settled: z.number(),
  unpaid: z.number(),
  held: z.number(),
  failed: z.number(),
  failures: z.array(failureShape),
  totalAmountFen: z.number(),
  debtFen: z.number(),
  operatorId: z.string().nullable(),
  error: z.string().nullable(),
});

export const sweeperMethods = {
  'sessions.sweep': method({
    summary:
      'Run the settlement sweep now: settle finished sessions of the sweep window through the real-time path; dryRun shows what it would settle and moves nothing.',
    kind: 'command',
    roles: FINANCE,
    input: z.strictObject({ dryRun: z.boolean().default(false) }),
    output: sweepResultShape,
    handler: ({ app, caller }, input) => runSweep(app, { dryRun: input.dryRun, trigger: 'operator', operatorId: caller.operator?.id ?? null }),
  }),
  'sessions.sweeps': method({
    summary: 'Past settlement sweeps, newest first: found, settled, failed with reasons, amounts.',
    kind: 'query',
    roles: FINANCE,
    input: z.strictObject({
      includeDryRuns: z.boolean().default(false),
      limit: z.number().int().min(1).max(500).default(20),
      offset: z.number().int().min(0).default(0),
    }),
    output: z.object({ total: z.number(), items: z.array(sweepRecordShape) }),
    handler: ({ app }, input) => listSweeps(app, input),
  }),
};
