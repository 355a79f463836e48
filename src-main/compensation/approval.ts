import type { AppContext } from '../kernel/context';
import { DepotError, expectChanges } from '../kernel/errors';
import { writeTx } from '../kernel/db/connection';
import { canonicalJson } from '../kernel/json';
import { allRows } from '../kernel/db/rows';
import { appendAudit, findOperator } from '../operators';
import { computeReportOffThread, creditRowsOf, fingerprinter, matchingSessionsSql, type ReportRow } from './report';
import {
  batchStamp,
  changed,
  checkApproval,
  checkStillTheDryRun,
  dataChanged,
  getCampaign,
  insertItems,
  specOf,
  type By,
  type CampaignRow,
  type Checklist,
} from './campaigns';
import type { CampaignSpec } from './spec';
import { pace } from '../kernel/pace';

/**
 * The approval as the app runs it (issue 18): the same approval as approveCampaign, with the rows
 * frozen in chunks of drivers between which the thread answers the operator, instead of one
 * transaction of about 3 s at 100,000 drivers.
 *
 * Guarantees (each has a test in test/compensation/approval.test.ts):
 *  1. The same checks as approveCampaign, in the same words: a supervisor who did not create the
 *     campaign, the criteria ticked, the latest dry run's fingerprint, driver count and total, and
 *     the data, recomputed at approval (in a worker thread, one snapshot), still giving that dry run.
 *  2. While its rows freeze, the campaign is `approved` without an approval time ("freezing"; the
 *     table's CHECK constraint knows no other state and no migration is made for one). Execution
 *     refuses a freezing campaign; its sessions already count as compensated, so no other campaign
 *     can take them meanwhile; it can be cancelled.
 *  3. Each chunk is one short write transaction over a range of drivers in id order: it computes
 *     those drivers' items from their own sessions (a session never moves between drivers, so each
 *     driver's item is consistent) and records the sessions they compensate.
 *  4. The frozen items are the dry run the approver confirmed: after the last chunk their
 *     fingerprint is recomputed from the items themselves and must equal it. If the data moved
 *     during the freeze (a failure arrived for a driver not yet frozen), the items are removed, the
 *     campaign goes back to draft and the approval is refused as approveCampaign refuses it.
 *  5. A stop part-way (a crash, a closed database) leaves whole chunks. Approving again (any
 *     supervisor but the creator) resumes after the last frozen driver: no driver is frozen twice
 *     (the next chunk starts after the last frozen driver, read inside its own transaction), and the
 *     result is the one an uninterrupted approval gives.
 *  6. The approval time is set in the transaction that ends the freeze; nothing is credited before.
 */

type App = AppContext;

export interface FreezeOptions {
  /** Drivers per chunk (default: the config's compensation.chunkSize). */
  chunkSize?: number;
  /** After every committed chunk. */
  onChunk?: (p: { done: number; drivers: number }) => void;
  /** Stops between chunks; what committed stays, approving again resumes. */
  signal?: AbortSignal;
  /** Sizes each chunk to take about this long, up to chunkSize (pace.ts). */
  budgetMs?: number;
}

/** A campaign whose approval started and whose rows are not all frozen yet. */
export function isFreezing(c: CampaignRow): boolean {
  return c.state === 'approved' && c.approvedAt === null;
}

/** Approves a draft campaign (or resumes a freezing one), freezing its rows in chunks; resolves with the approved campaign. */
export async function approveCampaignInChunks(app: App, id: string, checklist: Checklist, by: By, opts: FreezeOptions = {}): Promise<CampaignRow> {
  const c = getCampaign(app, id);
  if (isFreezing(c)) return resumeFreeze(app, c, checklist, by, opts);
  checkApproval(c, checklist, by);
  const report = await computeReportOffThread(app, specOf(c), { details: false });
  checkStillTheDryRun(c, checklist, report);
  beginFreeze(app, id, checklist, report.records, by);
  return freeze(app, id, report.rows, by, opts);
}

async function resumeFreeze(app: App, c: CampaignRow, checklist: Checklist, by: By, opts: FreezeOptions): Promise<CampaignRow> {
  if (c.createdBy === by.operatorId) {
    throw new DepotError('forbidden', 'campaignId: the creator of a campaign cannot approve it; another supervisor must', {
      field: 'campaignId',
      reason: 'creator_cannot_approve',
    });
  }
  // Whoever resumes confirms the dry run being frozen, as the approver did.
  if (checklist.fingerprint !== c.dryRunFingerprint) {
    throw new DepotError('refused', 'fingerprint: this is not the dry run this campaign is being approved with; reload it and check again', {
      field: 'fingerprint',
      reason: 'stale_dry_run',
    });
  }
  // The drivers after the last frozen one; those already frozen drop out of a report that leaves
  // compensated sessions out, which does not matter: the freeze goes on after them.
  const report = await computeReportOffThread(app, specOf(c), { details: false });
  app.log.info({ campaignId: c.id, by: by.operatorId }, 'compensation campaign: resuming an interrupted freeze');
  return freeze(app, c.id, report.rows, by, opts);
}

/** draft → approved (freezing): the approver, what they confirmed and the batch stamp, with its audit row. */
function beginFreeze(app: App, id: string, checklist: Checklist, records: number, by: By): void {
  writeTx(app.sqlite, () => {
    const c = getCampaign(app, id);
    // Again under the lock: a new dry run or another approval may have come in meanwhile.
    checkApproval(c, checklist, by);
    const now = app.clock.now();
    const stamp = batchStamp(now, app.config.timeZone);
    expectChanges(
      app.sqlite
        .prepare(
          "UPDATE comp_campaigns SET state = 'approved', approved_by = ?, approved_at = NULL, approval_checklist = ?, batch_stamp = ?, updated_at = ? WHERE id = ? AND state = 'draft' AND dry_run_fingerprint = ?",
        )
        .run(by.operatorId, canonicalJson({ ...checklist, records }), stamp, now, id, checklist.fingerprint),
      1,
      `start approving campaign ${id}`,
    );
    const op = findOperator(app, by.operatorId);
    appendAudit(app, {
      operator: op ? { id: op.id, name: op.name, displayName: op.displayName, role: op.role } : null,
      transport: by.transport ?? 'job',
      method: 'compensation.freeze',
      input: { campaignId: id, fingerprint: checklist.fingerprint, drivers: checklist.drivers, total: checklist.total },
      result: 'ok',
    });
  });
  changed(app, id, 'approving');
}

const yieldNow = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Freezes `rows` (the report, by driver id) chunk by chunk, checks the result, and ends the approval. */
async function freeze(app: App, id: string, rows: readonly ReportRow[], by: By, opts: FreezeOptions): Promise<CampaignRow> {
  const c = getCampaign(app, id);
  const spec = specOf(c);
  const chunks = pace(opts.chunkSize ?? app.config.compensation.chunkSize, opts.budgetMs);
  const lastFrozen = app.sqlite.prepare<unknown[], string | null>('SELECT max(driver_id) FROM comp_campaign_items WHERE campaign_id = ?').pluck();
  let p = 0;
  for (;;) {
    if (opts.signal?.aborted) throw new DepotError('unavailable', `the approval of campaign ${id} stopped part-way; approve it again to resume`, { campaignId: id });
    const frozen = chunks.time(() =>
      writeTx(app.sqlite, () => {
        const now = getCampaign(app, id);
        if (!isFreezing(now))
          throw new DepotError('conflict', `campaignId: campaign ${id} is ${now.state} while its rows were being frozen`, { field: 'campaignId', state: now.state });
        const after = lastFrozen.get(id) ?? null;
        while (p < rows.length && after !== null && rows[p].driverId <= after) p += 1;
        const chunk = rows.slice(p, p + chunks.size());
        p += chunk.length;
        if (chunk.length > 0) freezeChunk(app, id, spec, c.batchStamp!, chunk);
        return chunk.length;
      }),
    );
    if (frozen === 0) break;
    app.events.emit('compensation.progress', { campaignId: id, done: p, drivers: rows.length });
    opts.onChunk?.({ done: p, drivers: rows.length });
    await yieldNow();
  }
  return endFreeze(app, c, spec, by);
}

/** One chunk's items, computed from those drivers' own sessions, and the sessions they compensate. */
function freezeChunk(app: App, id: string, spec: CampaignSpec, stamp: string, chunk: readonly ReportRow[]): void {
  // A reversal's rows are the completed original's credited items, which nothing changes any more.
  if (spec.kind === 'reversal') return insertItems(app, id, spec, stamp, chunk);
  const rows = creditRowsOf(
    app,
    spec,
    chunk.map((r) => r.driverId),
  );
  insertItems(app, id, spec, stamp, rows);
  if (rows.length === 0) return;
  const m = matchingSessionsSql(app, spec, { drivers: rows.map((r) => r.driverId) });
  app.sqlite.prepare(`INSERT INTO comp_campaign_sessions (campaign_id, session_id) SELECT ?, m.sessionId FROM (${m.sql}) m`).run(id, ...m.params);
}

const CHECK_PAGE = 5_000;

/** The fingerprint, drivers, records and total of the frozen items, read a page at a time in driver order. */
async function frozenFacts(app: App, c: CampaignRow, spec: CampaignSpec): Promise<{ fingerprint: string; drivers: number; records: number; total: number }> {
  const page = app.sqlite
    .prepare('SELECT driver_id, failures, amount, reverses_transfer_id FROM comp_campaign_items WHERE campaign_id = ? AND driver_id > ? ORDER BY driver_id LIMIT ?')
    .raw();
  const hash = fingerprinter(spec);
  const facts = { drivers: 0, records: 0, total: 0 };
  for (let after = ''; ;) {
    const rows = allRows<[string, number, number, string | null]>(page, c.id, after, CHECK_PAGE);
    for (const [driverId, failures, amount, reversesTransferId] of rows) {
      hash.add({ driverId, failures, amount, reversesTransferId });
      facts.drivers += 1;
      facts.records += failures;
      facts.total += amount;
    }
    if (rows.length < CHECK_PAGE) return { fingerprint: hash.digest(), ...facts };
    after = rows[rows.length - 1][0];
    await yieldNow();
  }
}

/** Approved if the frozen items are the dry run (guarantee 4); otherwise unfrozen, back to draft, and refused. */
async function endFreeze(app: App, c: CampaignRow, spec: CampaignSpec, by: By): Promise<CampaignRow> {
  const facts = await frozenFacts(app, c, spec);
  if (facts.fingerprint !== c.dryRunFingerprint) {
    await unfreeze(app, c.id);
    throw dataChanged(c, facts);
  }
  const r = writeTx(app.sqlite, () => {
    const now = getCampaign(app, c.id);
    // Another runner of the same freeze (a second click, a resume) may have ended it first.
    if (!isFreezing(now)) return now;
    const at = app.clock.now();
    expectChanges(
      app.sqlite.prepare("UPDATE comp_campaigns SET approved_at = ?, updated_at = ? WHERE id = ? AND state = 'approved' AND approved_at IS NULL").run(at, at, c.id),
      1,
      `approve campaign ${c.id}`,
    );
    return getCampaign(app, c.id);
  });
  changed(app, c.id, 'approved');
  app.log.info({ campaignId: c.id, approvedBy: r.approvedBy, by: by.operatorId, drivers: facts.drivers, total: facts.total }, 'compensation campaign approved');
  return r;
}

/** Removes a freezing campaign's items and sessions a page at a time, then puts it back to draft. */
async function unfreeze(app: App, id: string): Promise<void> {
  const del = (table: string) => app.sqlite.prepare(`DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} WHERE campaign_id = ? LIMIT ${CHECK_PAGE})`);
  const sessions = del('comp_campaign_sessions');
  const items = del('comp_campaign_items');
  for (;;) {
    const left = writeTx(app.sqlite, () => {
      if (!isFreezing(getCampaign(app, id))) return 0;
      const removed = sessions.run(id).changes + items.run(id).changes;
      if (removed > 0) return removed;
      expectChanges(
        app.sqlite
          .prepare(
            "UPDATE comp_campaigns SET state = 'draft', approved_by = NULL, approval_checklist = NULL, batch_stamp = NULL, updated_at = ? WHERE id = ? AND state = 'approved' AND approved_at IS NULL",
          )
          .run(app.clock.now(), id),
        1,
        `put campaign ${id} back to draft`,
      );
      return 0;
    });
    if (left === 0) break;
    await yieldNow();
  }
  changed(app, id, 'unfrozen');
}
