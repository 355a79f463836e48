import type { AppContext } from '../kernel/context';
import { DepotError, expectChanges } from '../kernel/errors';
import { writeTx } from '../kernel/db/connection';
import { canonicalJson } from '../kernel/json';
import { correctTransfer, creditCampaign, driverContacts, grantCoupon } from '../ledger';
import type { Transport } from '../kernel/method';
import { formatFen } from '../money';
import { appendAudit, findOperator } from '../operators';
import { isoInZone } from '../tariffs';
import { computeReport, computeReportOffThread, matchingSessionsSql, type Report, type ReportRow } from './report';
import type { CampaignState, CampaignTarget, ItemState } from './schema';
import { creditSpecSchema, normalizeSpec, renderMemo, reversalSpecSchema, type CampaignSpec } from './spec';
import { allRows, countRows } from '../kernel/db/rows';
import { pace } from '../kernel/pace';

/**
 * Compensation campaigns (批量补偿): criteria → dry run → approval by another supervisor →
 * execution in chunks.
 *
 * Guarantees (each has a test in test/compensation/campaigns.test.ts):
 *  1. Nothing moves before an approval: creating a campaign and dry-running it write no ledger
 *     entry, and the dry run runs the same selection code the approval freezes.
 *  2. The approver is a supervisor who did not create the campaign (checked here and by a CHECK
 *     constraint on the table), and confirms the driver count and total of the dry run, bound to
 *     its fingerprint. If the data changed since that dry run (a new failure arrived, a driver
 *     dropped out), the approval is refused and a new dry run is needed.
 *  3. The approval freezes the rows: execution credits exactly the approved drivers and amounts,
 *     whatever arrives later. approveCampaign freezes them in one transaction (the simulator,
 *     the tests, bench/campaign.ts); the `compensation.approve` method (the app, the CLI)
 *     freezes the same rows in chunks that yield (approval.ts, with its own guarantees), and a
 *     campaign whose freeze has not ended (`approved` without an approval time) is not executed.
 *  4. Each driver is credited at most once per campaign: the ledger transfer's id is
 *     comp:<campaign>:<driver>, and the ledger refuses a second transfer with that id. A double
 *     click, a second process, a resume after a crash: none credits anyone twice.
 *  5. Execution is resumable: a chunk's credits and its items' states commit in one transaction,
 *     so a crash loses at most the chunk in flight, which the next run does again.
 *  6. The summary equals the dry run: credited + already credited + failed = the approved drivers,
 *     and the credited amounts add up to the approved total minus the failed ones.
 *  7. A credit is irreversible except by a reversal campaign, which needs the same approval; the
 *     ledger refuses a direct correction of a campaign credit.
 *  8. A session compensated by a campaign (approved, running or completed, not reversed) is left
 *     out of later campaigns unless their criteria include it on purpose.
 */

type App = AppContext;
export interface By {
  operatorId: string;
  role?: string;
  /** The door the action came through, for the audit rows of an execution's chunks (default `job`). */
  transport?: Transport;
}

export interface CampaignRow {
  id: string;
  name: string;
  kind: 'credit' | 'reversal';
  reversesId: string | null;
  target: CampaignTarget;
  spec: string;
  state: CampaignState;
  dryRunFingerprint: string | null;
  dryRunAt: number | null;
  dryRunBy: string | null;
  dryRunDrivers: number | null;
  dryRunRecords: number | null;
  dryRunTotal: number | null;
  approvedBy: string | null;
  approvedAt: number | null;
  approvalChecklist: string | null;
  batchStamp: string | null;
  executedBy: string | null;
  executionStartedAt: number | null;
  executionFinishedAt: number | null;
  cancelledBy: string | null;
  cancelledAt: number | null;
  cancelNote: string | null;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
}

const COLUMNS = `id, name, kind, reverses_id AS reversesId, target, spec, state,
  dry_run_fingerprint AS dryRunFingerprint, dry_run_at AS dryRunAt, dry_run_by AS dryRunBy, dry_run_drivers AS dryRunDrivers,
  dry_run_records AS dryRunRecords, dry_run_total AS dryRunTotal, approved_by AS approvedBy, approved_at AS approvedAt,
  approval_checklist AS approvalChecklist, batch_stamp AS batchStamp, executed_by AS executedBy,
  execution_started_at AS executionStartedAt, execution_finished_at AS executionFinishedAt,
  cancelled_by AS cancelledBy, cancelled_at AS cancelledAt, cancel_note AS cancelNote,
  created_by AS createdBy, created_at AS createdAt, updated_at AS updatedAt`;

export function getCampaign(app: Pick<App, 'sqlite'>, id: string): CampaignRow {
  const c = app.sqlite.prepare<unknown[], CampaignRow>(`SELECT ${COLUMNS} FROM comp_campaigns WHERE id = ?`).get(id);
  if (!c) throw new DepotError('not_found', `campaignId: no campaign ${id}`, { field: 'campaignId' });
  return c;
}

export function specOf(c: CampaignRow): CampaignSpec {
  return JSON.parse(c.spec) as CampaignSpec;
}

export function listCampaigns(app: Pick<App, 'sqlite'>, opts: { state?: CampaignState; limit?: number; offset?: number } = {}): CampaignRow[] {
  return app.sqlite
    .prepare<unknown[], CampaignRow>(
      `SELECT ${COLUMNS} FROM comp_campaigns ${opts.state ? 'WHERE state = @state' : ''} ORDER BY created_at DESC, id DESC LIMIT @limit OFFSET @offset`,
    )
    .all({ state: opts.state, limit: opts.limit ?? 200, offset: opts.offset ?? 0 });
}

/** How many campaigns listCampaigns pages through (in one state, or all). */
export function countCampaigns(app: Pick<App, 'sqlite'>, state?: CampaignState): number {
  return countRows(app.sqlite.prepare(`SELECT count(*) AS n FROM comp_campaigns ${state ? 'WHERE state = @state' : ''}`), { state });
}

export function changed(app: App, campaignId: string, reason: string, driverIds: string[] = []): void {
  app.events.emit('compensation.changed', { campaignId, reason });
  if (driverIds.length > 0) app.events.emit('ledger.changed', { driverIds, reason: `compensation:${reason}` });
  app.events.emit('dashboard.changed', { reason: 'compensation' });
}

// --- create and dry run ---------------------------------------------------------------------------

/**
 * Creates a campaign in draft from a spec (as the wizard or a spec file gives it). The spec is
 * validated whole (every field named on error) and checked against the data it names: a reversal
 * must name a completed credit campaign.
 */
export function createCampaign(app: App, input: unknown, by: By): CampaignRow {
  // A reversal names the campaign it reverses; anything else is a credit spec (whose errors are the useful ones).
  const isReversal = typeof input === 'object' && input !== null && 'reverses' in input;
  const parsed = (isReversal ? reversalSpecSchema : creditSpecSchema).safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ field: i.path.join('.') || 'spec', message: i.message }));
    throw new DepotError('invalid_input', issues.map((i) => `${i.field}: ${i.message}`).join('; '), { field: issues[0]?.field, issues });
  }
  const spec = normalizeSpec(parsed.data);
  return writeTx(app.sqlite, () => {
    let target: CampaignTarget;
    if (spec.kind === 'reversal') {
      // Computing the rows checks the original exists, is a credit campaign and has completed.
      computeReport(app, spec);
      target = getCampaign(app, spec.reverses).target;
      const open = app.sqlite
        .prepare<unknown[], { id: string }>("SELECT id FROM comp_campaigns WHERE reverses_id = ? AND state IN ('draft', 'approved', 'executing')")
        .get(spec.reverses);
      if (open) throw new DepotError('conflict', `reverses: reversal ${open.id} of this campaign is still open; finish or cancel it first`, { field: 'reverses' });
    } else target = spec.target;
    const id = app.ids.next();
    const now = app.clock.now();
    app.sqlite
      .prepare(
        `INSERT INTO comp_campaigns (id, name, kind, reverses_id, target, spec, state, created_by, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, 'draft', ?, ?, ?)`,
      )
      .run(id, spec.name, spec.kind, spec.kind === 'reversal' ? spec.reverses : null, target, canonicalJson(spec), by.operatorId, now, now);
    changed(app, id, 'created');
    return getCampaign(app, id);
  });
}

/**
 * The dry run of a draft campaign: the report, and its fingerprint stored as the one an approver
 * confirms. Writes only that (no ledger entry, no item). A campaign past its draft has frozen rows:
 * see showCampaign.
 */
export function dryRunCampaign(app: App, id: string, by: By): Report {
  const before = draftOf(app, id);
  // Computed in a read transaction (one consistent snapshot) without holding the write lock, so a
  // large dry run never makes the chargers' records wait; the approval recomputes under the lock.
  const report = app.sqlite.transaction(() => computeReport(app, specOf(before))).deferred();
  return recordDryRun(app, id, report, by);
}

/**
 * The dry run as the app runs it (the `compensation.dryRun` method): the report is computed by a
 * worker thread on a read-only connection (about a second at 100,000 drivers, which must not hold
 * the thread that answers the operator), then recorded here as dryRunCampaign records it.
 */
export async function dryRunCampaignOffThread(app: App, id: string, by: By): Promise<Report> {
  const before = draftOf(app, id);
  const report = await computeReportOffThread(app, specOf(before));
  return recordDryRun(app, id, report, by);
}

function notDraft(c: CampaignRow): DepotError {
  return new DepotError('conflict', `campaignId: campaign ${c.id} is ${c.state}; its drivers were frozen at approval (campaign show lists them)`, {
    field: 'campaignId',
    state: c.state,
  });
}

function draftOf(app: App, id: string): CampaignRow {
  const c = getCampaign(app, id);
  if (c.state !== 'draft') throw notDraft(c);
  return c;
}

function recordDryRun(app: App, id: string, report: Report, by: By): Report {
  return writeTx(app.sqlite, () => {
    draftOf(app, id);
    expectChanges(
      app.sqlite
        .prepare(
          `UPDATE comp_campaigns SET dry_run_fingerprint = ?, dry_run_at = ?, dry_run_by = ?, dry_run_drivers = ?, dry_run_records = ?, dry_run_total = ?, updated_at = ?
           WHERE id = ? AND state = 'draft'`,
        )
        .run(report.fingerprint, report.computedAt, by.operatorId, report.drivers, report.records, report.total, report.computedAt, id),
      1,
      `record the dry run of campaign ${id}`,
    );
    changed(app, id, 'dry_run');
    return report;
  });
}

// --- approval -------------------------------------------------------------------------------------

export interface Checklist {
  /** The fingerprint of the dry run the approver looked at. */
  fingerprint: string;
  drivers: number;
  /** Fen (points for a points campaign). */
  total: number;
  /** The approver ticked "criteria and rule checked". */
  criteriaChecked: boolean;
}

/**
 * Approves a draft campaign: the approver is not its creator, confirms the dry run they saw, and
 * the data still gives that dry run. Freezes the rows as items (pending) and records the sessions
 * the campaign compensates, in the same transaction as the check, so nothing can slip in between.
 */
export function approveCampaign(app: App, id: string, checklist: Checklist, by: By): CampaignRow {
  const r = writeTx(app.sqlite, () => {
    const c = getCampaign(app, id);
    checkApproval(c, checklist, by);
    const spec = specOf(c);
    const report = computeReport(app, spec, { details: false });
    checkStillTheDryRun(c, checklist, report);
    const now = app.clock.now();
    const stamp = batchStamp(now, app.config.timeZone);
    insertItems(app, id, spec, stamp, report.rows);
    if (spec.kind === 'credit') {
      const m = matchingSessionsSql(app, spec);
      app.sqlite
        .prepare(
          `INSERT INTO comp_campaign_sessions (campaign_id, session_id) SELECT ?, m.sessionId FROM (${m.sql}) m WHERE m.driverId IN (SELECT driver_id FROM comp_campaign_items WHERE campaign_id = ?)`,
        )
        .run(id, ...m.params, id);
    }
    expectChanges(
      app.sqlite
        .prepare(
          "UPDATE comp_campaigns SET state = 'approved', approved_by = ?, approved_at = ?, approval_checklist = ?, batch_stamp = ?, updated_at = ? WHERE id = ? AND state = 'draft'",
        )
        .run(by.operatorId, now, canonicalJson({ ...checklist, records: report.records }), stamp, now, id),
      1,
      `approve campaign ${id}`,
    );
    return getCampaign(app, id);
  });
  changed(app, id, 'approved');
  app.log.info({ campaignId: id, approvedBy: by.operatorId, drivers: r.dryRunDrivers, total: r.dryRunTotal }, 'compensation campaign approved');
  return r;
}

/** Who may approve, and what they must confirm: checked before anything is computed. */
export function checkApproval(c: CampaignRow, checklist: Checklist, by: By): void {
  const id = c.id;
  if (c.state !== 'draft')
    throw new DepotError('conflict', `campaignId: campaign ${id} is ${c.state}, not waiting for approval`, { field: 'campaignId', state: c.state });
  if (c.createdBy === by.operatorId) {
    throw new DepotError('forbidden', 'campaignId: the creator of a campaign cannot approve it; another supervisor must', {
      field: 'campaignId',
      reason: 'creator_cannot_approve',
    });
  }
  if (!c.dryRunFingerprint)
    throw new DepotError('refused', `campaignId: campaign ${id} has no dry run yet; run one and approve what it shows`, { field: 'campaignId', reason: 'no_dry_run' });
  if (!checklist.criteriaChecked)
    throw new DepotError('invalid_input', 'criteriaChecked: confirm that the criteria and the amount rule are right', { field: 'criteriaChecked' });
  if (checklist.fingerprint !== c.dryRunFingerprint) {
    throw new DepotError('refused', 'fingerprint: this is not the latest dry run of the campaign; reload it and check again', {
      field: 'fingerprint',
      reason: 'stale_dry_run',
    });
  }
}

/** The data, recomputed at approval, still gives the dry run the approver confirmed. */
export function checkStillTheDryRun(c: CampaignRow, checklist: Checklist, report: Report): void {
  if (report.fingerprint !== c.dryRunFingerprint) throw dataChanged(c, report);
  if (checklist.drivers !== report.drivers) {
    throw new DepotError('invalid_input', `drivers: the dry run has ${report.drivers} drivers, not ${checklist.drivers}`, { field: 'drivers' });
  }
  if (checklist.total !== report.total) {
    throw new DepotError('invalid_input', `total: the dry run's total is ${unitText(c.target, report.total)}, not ${unitText(c.target, checklist.total)}`, {
      field: 'total',
    });
  }
  if (report.drivers === 0) throw new DepotError('refused', 'campaignId: the campaign matches no driver; nothing to approve', { field: 'campaignId', reason: 'empty' });
}

export function dataChanged(c: CampaignRow, now: { drivers: number; records: number; total: number }): DepotError {
  return new DepotError(
    'refused',
    `the data changed since the dry run (then ${c.dryRunDrivers} drivers, ${c.dryRunRecords} records, ${unitText(c.target, c.dryRunTotal ?? 0)}; now ${now.drivers} drivers, ${now.records} records, ${unitText(c.target, now.total)}): run a new dry run and approve that`,
    {
      field: 'fingerprint',
      reason: 'data_changed',
      then: { drivers: c.dryRunDrivers, records: c.dryRunRecords, total: c.dryRunTotal },
      now: { drivers: now.drivers, records: now.records, total: now.total },
    },
  );
}

/** The frozen rows as pending items, each with its transfer id (the ledger's idempotency key) and batch number. */
export function insertItems(app: App, id: string, spec: CampaignSpec, stamp: string, rows: readonly ReportRow[]): void {
  const prefix = spec.kind === 'reversal' ? 'comp-rev' : 'comp';
  const batchPrefix = spec.kind === 'reversal' ? 'COMPR' : 'COMP';
  const insert = app.sqlite.prepare(
    `INSERT INTO comp_campaign_items (campaign_id, driver_id, failures, amount, status, transfer_id, batch_no, reverses_transfer_id)
     VALUES (?, ?, ?, ?, 'pending', ?, ?, ?)`,
  );
  for (const row of rows) {
    insert.run(id, row.driverId, row.failures, row.amount, `${prefix}:${id}:${row.driverId}`, `${batchPrefix}-${stamp}-${row.driverId}`, row.reversesTransferId);
  }
}

/** Cancels a campaign that has not started crediting. Its sessions become available to other campaigns. */
export function cancelCampaign(app: App, id: string, note: string, by: By): CampaignRow {
  const text = note.trim();
  if (!text) throw new DepotError('invalid_input', 'note: say why the campaign is cancelled', { field: 'note' });
  const r = writeTx(app.sqlite, () => {
    const c = getCampaign(app, id);
    if (c.state !== 'draft' && c.state !== 'approved') {
      throw new DepotError(
        'conflict',
        `campaignId: campaign ${id} is ${c.state}; only a draft or approved campaign is cancelled (a completed one is undone by a reversal campaign)`,
        {
          field: 'campaignId',
          state: c.state,
        },
      );
    }
    const now = app.clock.now();
    expectChanges(
      app.sqlite
        .prepare("UPDATE comp_campaigns SET state = 'cancelled', cancelled_by = ?, cancelled_at = ?, cancel_note = ?, updated_at = ? WHERE id = ? AND state = ?")
        .run(by.operatorId, now, text, now, id, c.state),
      1,
      `cancel campaign ${id}`,
    );
    return getCampaign(app, id);
  });
  changed(app, id, 'cancelled');
  return r;
}

// --- execution ------------------------------------------------------------------------------------

export interface Summary {
  drivers: number;
  credited: number;
  already: number;
  failed: number;
  pending: number;
  /** Fen (points): what this campaign's credited and already-credited items moved. */
  creditedTotal: number;
  failedTotal: number;
  approvedTotal: number;
  failures: { driverId: string; amount: number; error: string }[];
}

export function summaryOf(app: Pick<App, 'sqlite'>, id: string): Summary {
  const rows = app.sqlite
    .prepare<unknown[], { status: ItemState; n: number; total: number }>(
      'SELECT status, count(*) AS n, coalesce(sum(amount), 0) AS total FROM comp_campaign_items WHERE campaign_id = ? GROUP BY status',
    )
    .all(id);
  const by = Object.fromEntries(rows.map((r) => [r.status, r])) as Partial<Record<ItemState, { n: number; total: number }>>;
  const failures = app.sqlite
    .prepare<unknown[], Summary['failures'][number]>(
      "SELECT driver_id AS driverId, amount, coalesce(error, '') AS error FROM comp_campaign_items WHERE campaign_id = ? AND status = 'failed' ORDER BY driver_id LIMIT 200",
    )
    .all(id);
  return {
    drivers: rows.reduce((s, r) => s + r.n, 0),
    credited: by.credited?.n ?? 0,
    already: by.already?.n ?? 0,
    failed: by.failed?.n ?? 0,
    pending: by.pending?.n ?? 0,
    creditedTotal: (by.credited?.total ?? 0) + (by.already?.total ?? 0),
    failedTotal: by.failed?.total ?? 0,
    approvedTotal: rows.reduce((s, r) => s + r.total, 0),
    failures,
  };
}

export interface ExecuteOptions {
  chunkSize?: number;
  /** After every committed chunk. */
  onProgress?: (p: { done: number; drivers: number }) => void;
  /** Aborts between chunks (the scheduler stopping); what committed stays, a later run resumes. */
  signal?: AbortSignal;
  /** Sizes each chunk to take about this long, up to chunkSize (pace.ts); without it every chunk is chunkSize. */
  budgetMs?: number;
}

interface ItemRow {
  driverId: string;
  failures: number;
  amount: number;
  transferId: string;
  batchNo: string;
  reversesTransferId: string | null;
}

/**
 * Starts (approved → executing) or resumes (executing) a campaign's execution, and returns the
 * campaign as it is now. Nothing is credited here; `runCampaign` does that.
 */
export function beginExecution(app: App, id: string, by: By, opts: { retryFailed?: boolean } = {}): CampaignRow {
  return writeTx(app.sqlite, () => {
    const c = getCampaign(app, id);
    const now = app.clock.now();
    if (c.state === 'approved' && c.approvedAt === null) {
      // Its approval is freezing the rows in chunks (approval.ts), or stopped part-way: nothing is credited before all are frozen.
      const frozen = summaryOf(app, id).drivers;
      throw new DepotError(
        'conflict',
        `campaignId: campaign ${id} is still being approved (${frozen} of ${c.dryRunDrivers ?? '?'} drivers frozen); wait for the approval to end, or approve it again to resume an interrupted one`,
        { field: 'campaignId', state: c.state, reason: 'freezing' },
      );
    }
    if (c.state === 'approved') {
      expectChanges(
        app.sqlite
          .prepare("UPDATE comp_campaigns SET state = 'executing', executed_by = ?, execution_started_at = ?, updated_at = ? WHERE id = ? AND state = 'approved'")
          .run(by.operatorId, now, now, id),
        1,
        `start executing campaign ${id}`,
      );
      changed(app, id, 'executing');
    } else if (c.state === 'completed' && opts.retryFailed && summaryOf(app, id).failed > 0) {
      app.sqlite.prepare("UPDATE comp_campaign_items SET status = 'pending', error = NULL WHERE campaign_id = ? AND status = 'failed'").run(id);
      expectChanges(
        app.sqlite
          .prepare("UPDATE comp_campaigns SET state = 'executing', execution_finished_at = NULL, updated_at = ? WHERE id = ? AND state = 'completed'")
          .run(now, id),
        1,
        `retry the failed credits of campaign ${id}`,
      );
      changed(app, id, 'executing');
    } else if (c.state !== 'executing' && c.state !== 'completed') {
      throw new DepotError('conflict', `campaignId: campaign ${id} is ${c.state}; only an approved campaign is executed`, { field: 'campaignId', state: c.state });
    }
    return getCampaign(app, id);
  });
}

/**
 * Credits the pending items of an executing campaign, chunk by chunk, until none is left, then
 * completes it. Safe to run twice at once or after a crash (guarantees 4 and 5). Yields to the
 * event loop between chunks so the app stays responsive during a large campaign.
 */
export async function runCampaign(app: App, id: string, by: By, opts: ExecuteOptions = {}): Promise<Summary> {
  const c = getCampaign(app, id);
  if (c.state === 'completed') return summaryOf(app, id);
  if (c.state !== 'executing') throw new DepotError('conflict', `campaignId: campaign ${id} is ${c.state}, not executing`, { field: 'campaignId', state: c.state });
  const spec = specOf(c);
  const chunks = pace(opts.chunkSize ?? app.config.compensation.chunkSize, opts.budgetMs);
  const next = app.sqlite.prepare(
    `SELECT driver_id AS driverId, failures, amount, transfer_id AS transferId, batch_no AS batchNo, reverses_transfer_id AS reversesTransferId
     FROM comp_campaign_items WHERE campaign_id = ? AND status = 'pending' AND driver_id > ? ORDER BY driver_id LIMIT ?`,
  );
  const markOne = app.sqlite.prepare("UPDATE comp_campaign_items SET status = ?, error = ?, done_at = ? WHERE campaign_id = ? AND driver_id = ? AND status = 'pending'");
  // One statement for a chunk's usual outcome: json_each walks the driver ids given as one JSON array.
  const markMany = app.sqlite.prepare(
    "UPDATE comp_campaign_items SET status = ?, done_at = ? WHERE campaign_id = ? AND status = 'pending' AND driver_id IN (SELECT value FROM json_each(?))",
  );
  // Counted from the (campaign, status, driver) index alone: the full summary reads every item's
  // amount, a long task at 100,000 items, and the thread running this also answers the operator.
  const drivers = countRows(app.sqlite.prepare('SELECT count(*) AS n FROM comp_campaign_items WHERE campaign_id = ?'), id);
  const pendingNow = () => countRows(app.sqlite.prepare("SELECT count(*) AS n FROM comp_campaign_items WHERE campaign_id = ? AND status = 'pending'"), id);
  let pending = pendingNow();
  let after = '';
  for (;;) {
    if (opts.signal?.aborted) throw new DepotError('unavailable', `execution of campaign ${id} stopped; run it again to resume`, { campaignId: id });
    const items = allRows<ItemRow>(next, id, after, chunks.size());
    if (items.length === 0) break;
    after = items[items.length - 1].driverId;
    const moved = chunks.time(() =>
      writeTx(app.sqlite, () => {
        const outcomes = creditChunk(app, c, spec, items, by);
        const now = app.clock.now();
        const byStatus: Record<'credited' | 'already', string[]> = { credited: [], already: [] };
        let changes = 0;
        for (const item of items) {
          const o = outcomes.get(item.driverId)!;
          if (o.status === 'failed') changes += markOne.run('failed', o.error, now, id, item.driverId).changes;
          else byStatus[o.status].push(item.driverId);
        }
        for (const status of ['credited', 'already'] as const) {
          if (byStatus[status].length > 0) changes += markMany.run(status, now, id, JSON.stringify(byStatus[status])).changes;
        }
        auditChunk(app, id, by, items, { ...countOutcomes(outcomes), marked: changes });
        // Fewer changes than items: another runner took some of them first; the ledger kept it to one credit each.
        return { changes, driverIds: [...byStatus.credited, ...byStatus.already] };
      }),
    );
    pending -= moved.changes;
    changed(app, id, 'progress', moved.driverIds);
    const done = drivers - Math.max(0, pending);
    app.events.emit('compensation.progress', { campaignId: id, done, drivers });
    opts.onProgress?.({ done, drivers });
    await new Promise((resolve) => setImmediate(resolve));
  }
  const finished = writeTx(app.sqlite, () => {
    if (pendingNow() > 0) return false;
    const now = app.clock.now();
    return (
      app.sqlite
        .prepare("UPDATE comp_campaigns SET state = 'completed', execution_finished_at = ?, updated_at = ? WHERE id = ? AND state = 'executing'")
        .run(now, now, id).changes === 1
    );
  });
  const summary = summaryOf(app, id);
  if (finished) {
    changed(app, id, 'completed');
    app.log.info({ campaignId: id, summary: { ...summary, failures: summary.failures.length } }, 'compensation campaign completed');
  }
  return summary;
}

type Outcome = { status: 'credited' | 'already' | 'failed'; error: string | null };

function countOutcomes(outcomes: Map<string, Outcome>): { credited: number; already: number; failed: number } {
  const n = { credited: 0, already: 0, failed: 0 };
  for (const o of outcomes.values()) n[o.status] += 1;
  return n;
}

/**
 * The audit row of one credited chunk, written in the chunk's own transaction (issue 19): a run
 * killed part-way leaves an audit row for every chunk it committed, and none for one it did not.
 * The command's own row (compensation.execute) is still written when the command returns.
 */
function auditChunk(app: App, campaignId: string, by: By, items: ItemRow[], counts: Record<string, number>): void {
  const op = findOperator(app, by.operatorId);
  appendAudit(app, {
    operator: op ? { id: op.id, name: op.name, displayName: op.displayName, role: op.role } : null,
    transport: by.transport ?? 'job',
    method: 'compensation.credit',
    input: { campaignId, firstDriverId: items[0].driverId, lastDriverId: items[items.length - 1].driverId, items: items.length, ...counts },
    result: 'ok',
  });
}

/**
 * Credits one chunk inside the caller's transaction. Wallet and points credits go to the ledger as
 * one batch; if the batch is refused, each item is tried on its own so one bad driver fails alone
 * with its reason. Coupons and reversals are per-driver ledger operations.
 */
function creditChunk(app: App, c: CampaignRow, spec: CampaignSpec, items: ItemRow[], by: By): Map<string, Outcome> {
  const out = new Map<string, Outcome>();
  const attempt = (item: ItemRow, act: () => boolean) => {
    try {
      out.set(item.driverId, { status: act() ? 'already' : 'credited', error: null });
    } catch (e) {
      if (!(e instanceof DepotError)) throw e;
      out.set(item.driverId, { status: 'failed', error: `${e.code}: ${e.message}` });
    }
  };
  const memoFor = (item: ItemRow) =>
    renderMemo(spec.memo, {
      date: spec.kind === 'credit' ? (spec.criteria.from === spec.criteria.to ? spec.criteria.from : `${spec.criteria.from}至${spec.criteria.to}`) : '',
      count: String(item.failures),
      amount: unitText(c.target, item.amount),
      name: spec.kind === 'reversal' ? getCampaign(app, spec.reverses).name : spec.name,
      batch: item.batchNo,
    });

  if (spec.kind === 'reversal') {
    for (const item of items) {
      attempt(
        item,
        () =>
          correctTransfer(app, { key: item.transferId, transferId: item.reversesTransferId!, memo: `${memoFor(item)} (${item.batchNo})`, reversalCampaignId: c.id }, by)
            .replayed,
      );
    }
    return out;
  }
  if (spec.target === 'coupon') {
    // From when execution started, not from now: every chunk, resume and concurrent runner asks the
    // ledger for the same grant, so a repeated one is a replay rather than a conflict.
    const expiresAt = (c.executionStartedAt ?? app.clock.now()) + spec.couponValidDays * 86_400_000;
    for (const item of items) {
      attempt(
        item,
        () =>
          grantCoupon(
            app,
            { key: item.transferId, driverId: item.driverId, amountFen: item.amount, expiresAt, campaignId: c.id, memo: `${memoFor(item)} (${item.batchNo})` },
            by,
          ).replayed,
      );
    }
    return out;
  }
  const unit = spec.target === 'points' ? ('points' as const) : ('money' as const);
  const credit = (item: ItemRow) => ({ key: item.transferId, driverId: item.driverId, amount: item.amount, memo: memoFor(item), batchNo: item.batchNo });
  try {
    const results = creditCampaign(app, { campaignId: c.id, unit, credits: items.map(credit) }, by);
    items.forEach((item, i) => out.set(item.driverId, { status: results[i], error: null }));
  } catch (e) {
    if (!(e instanceof DepotError)) throw e;
    for (const item of items) attempt(item, () => creditCampaign(app, { campaignId: c.id, unit, credits: [credit(item)] }, by)[0] === 'already');
  }
  return out;
}

// --- reading --------------------------------------------------------------------------------------

export interface ItemView {
  driverId: string;
  name: string;
  phone: string;
  failures: number;
  amount: number;
  status: ItemState;
  transferId: string;
  batchNo: string;
  error: string | null;
  doneAt: number | null;
}

export function listItems(
  app: Pick<App, 'sqlite'>,
  id: string,
  opts: { status?: ItemState; limit?: number; offset?: number } = {},
): { total: number; items: ItemView[] } {
  const where = `campaign_id = @id ${opts.status ? 'AND status = @status' : ''}`;
  const total = countRows(app.sqlite.prepare(`SELECT count(*) AS n FROM comp_campaign_items WHERE ${where}`), { id, status: opts.status });
  const rows = app.sqlite
    .prepare<unknown[], Omit<ItemView, 'name' | 'phone'>>(
      `SELECT driver_id AS driverId, failures, amount, status, transfer_id AS transferId, batch_no AS batchNo, error, done_at AS doneAt
       FROM comp_campaign_items WHERE ${where}
       ORDER BY failures DESC, driver_id LIMIT @limit OFFSET @offset`,
    )
    .all({ id, status: opts.status, limit: opts.limit ?? 100, offset: opts.offset ?? 0 });
  const contacts = driverContacts(
    app,
    rows.map((r) => r.driverId),
  );
  // A driver the ledger does not know is left out, as the join on drivers always did.
  const items = rows.flatMap((r) => {
    const c = contacts.get(r.driverId);
    return c
      ? [
          {
            driverId: r.driverId,
            name: c.name,
            phone: c.phone,
            failures: r.failures,
            amount: r.amount,
            status: r.status,
            transferId: r.transferId,
            batchNo: r.batchNo,
            error: r.error,
            doneAt: r.doneAt,
          },
        ]
      : [];
  });
  return { total, items };
}

/** "¥10.00" or "100 积分". */
export function unitText(target: CampaignTarget, amount: number): string {
  return target === 'points' ? `${amount} 积分` : `¥${formatFen(amount)}`;
}

/** yyyyMMddHHmmss in the depot's zone. */
export function batchStamp(at: number, zone: string): string {
  return isoInZone(at, zone).slice(0, 19).replace(/[-T:]/g, '');
}
