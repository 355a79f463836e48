import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src-main/kernel/clock';
import type { AppContext } from '../../src-main/kernel/context';
import {
  approveCampaign,
  approveCampaignInChunks,
  beginExecution,
  createCampaign,
  dryRunCampaign,
  dryRunCampaignOffThread,
  getCampaign,
  runCampaign,
  type Checklist,
} from '../../src-main/compensation';
import { verifyLedger, verifyLedgerOffThread } from '../../src-main/ledger';
import { recordFailedStarts } from '../../src-main/sessions';
import { addOperator, makeApp } from '../helpers';
import { CRITERIA, WINDOW_START, burstSpec, seedBurst } from './fixtures';

/**
 * approval.ts: the approval the app runs freezes a campaign's rows in chunks of drivers, yielding
 * between them, with the guarantees of the one-shot approveCampaign. Real SQLite files; the dry run
 * and the approval's recompute run in a worker thread on a read-only connection.
 */

const clock = () => new FakeClock('2026-01-16T02:00:00Z');
type Item = { driverId: string; failures: number; amount: number; status: string; reverses: string | null };

const itemsOf = (app: AppContext, id: string): Item[] =>
  app.sqlite
    .prepare('SELECT driver_id AS driverId, failures, amount, status, reverses_transfer_id AS reverses FROM comp_campaign_items WHERE campaign_id = ? ORDER BY driver_id')
    .all(id) as Item[];
const sessionsOf = (app: AppContext, id: string): string[] =>
  (app.sqlite.prepare('SELECT session_id AS s FROM comp_campaign_sessions WHERE campaign_id = ? ORDER BY session_id').all(id) as { s: string }[]).map((r) => r.s);
const transfersOf = (app: AppContext, id: string) =>
  app.sqlite.prepare("SELECT count(*) AS n, coalesce(sum(amount), 0) AS total FROM ledger_transfers WHERE campaign_id = ? AND code = 'compensation'").get(id);

async function setup() {
  const t = makeApp({ clock: clock() });
  const creator = await addOperator(t.app, 'supervisor', 'li.na');
  const approver = await addOperator(t.app, 'supervisor', 'zhou.qiang');
  const burst = seedBurst(t.app);
  return { ...t, creator, approver, burst };
}

/** A drafted and dry-run campaign, and the checklist an approver confirms for it. */
async function drafted(app: AppContext, creatorId: string, extra: Record<string, unknown> = {}): Promise<{ id: string; checklist: Checklist }> {
  const c = createCampaign(app, burstSpec(extra), { operatorId: creatorId });
  const r = await dryRunCampaignOffThread(app, c.id, { operatorId: creatorId });
  return { id: c.id, checklist: { fingerprint: r.fingerprint, drivers: r.drivers, total: r.total, criteriaChecked: true } };
}

/** The same criteria approved the one-shot way (including the sessions the first campaign took). */
function oneShot(app: AppContext, creatorId: string, approverId: string): string {
  const c = createCampaign(app, burstSpec({ name: 'one-shot twin', criteria: { ...CRITERIA, includeCompensated: true } }), { operatorId: creatorId });
  const r = dryRunCampaign(app, c.id, { operatorId: creatorId });
  approveCampaign(app, c.id, { fingerprint: r.fingerprint, drivers: r.drivers, total: r.total, criteriaChecked: true }, { operatorId: approverId });
  return c.id;
}

describe('approving a campaign in chunks', () => {
  it('freezes in several chunks exactly the items and sessions the one-shot approval freezes: same drivers, failures, amounts', async () => {
    const { app, creator, approver } = await setup();
    const { id, checklist } = await drafted(app, creator.id);
    const chunks: number[] = [];
    const c = await approveCampaignInChunks(app, id, checklist, { operatorId: approver.id }, { chunkSize: 64, onChunk: (p) => chunks.push(p.done) });
    expect(chunks.length).toBe(Math.ceil(595 / 64));
    expect(c).toMatchObject({ state: 'approved', approvedBy: approver.id, approvedAt: app.clock.now() });
    expect(JSON.parse(c.approvalChecklist!)).toEqual({ ...checklist, records: 972 });

    const twin = oneShot(app, creator.id, approver.id);
    const items = itemsOf(app, id);
    expect(items).toHaveLength(595);
    expect(items).toEqual(itemsOf(app, twin));
    expect(items.reduce((s, i) => s + i.amount, 0)).toBe(595_000);
    expect(sessionsOf(app, id)).toHaveLength(972);
    expect(sessionsOf(app, id)).toEqual(sessionsOf(app, twin));
    const batch = app.sqlite.prepare('SELECT transfer_id AS t, batch_no AS b, driver_id AS d FROM comp_campaign_items WHERE campaign_id = ? LIMIT 1').get(id) as {
      t: string;
      b: string;
      d: string;
    };
    expect(batch).toEqual({ t: `comp:${id}:${batch.d}`, b: `COMP-${c.batchStamp}-${batch.d}`, d: batch.d });
    expect(transfersOf(app, id)).toEqual({ n: 0, total: 0 });
  });

  it('keeps the one-shot checks: the creator, an unticked checklist, a stale dry run and wrong figures are refused before anything is frozen', async () => {
    const { app, creator, approver } = await setup();
    const { id, checklist } = await drafted(app, creator.id);
    const as = (op: { id: string }) => ({ operatorId: op.id });
    await expect(approveCampaignInChunks(app, id, checklist, as(creator))).rejects.toThrow(/creator of a campaign cannot approve it/);
    await expect(approveCampaignInChunks(app, id, { ...checklist, criteriaChecked: false }, as(approver))).rejects.toThrow(/confirm that the criteria/);
    await expect(approveCampaignInChunks(app, id, { ...checklist, fingerprint: 'f'.repeat(64) }, as(approver))).rejects.toThrow(/not the latest dry run/);
    await expect(approveCampaignInChunks(app, id, { ...checklist, drivers: 594 }, as(approver))).rejects.toThrow(/dry run has 595 drivers, not 594/);
    await expect(approveCampaignInChunks(app, id, { ...checklist, total: 594_000 }, as(approver))).rejects.toThrow(/total is ¥5950.00, not ¥5940.00/);
    expect(getCampaign(app, id).state).toBe('draft');
    expect(itemsOf(app, id)).toEqual([]);
  });

  it('a database closed part-way leaves whole chunks, nothing credited and execution refused; approving again resumes to the one-shot result, each driver credited once', async () => {
    const { app, dir, creator, approver } = await setup();
    const { id, checklist } = await drafted(app, creator.id);
    let chunks = 0;
    const stopped = approveCampaignInChunks(
      app,
      id,
      checklist,
      { operatorId: approver.id },
      {
        chunkSize: 50,
        onChunk: () => {
          chunks += 1;
          // The process goes away between chunks: its connection is closed under the running approval.
          if (chunks === 3) app.close();
        },
      },
    );
    await expect(stopped).rejects.toThrow(/not open/);

    const { app: again } = makeApp({ dir, clock: clock() });
    const half = getCampaign(again, id);
    expect(half).toMatchObject({ state: 'approved', approvedBy: approver.id, approvedAt: null });
    const partial = itemsOf(again, id);
    expect(partial).toHaveLength(150);
    expect(sessionsOf(again, id)).toHaveLength(partial.reduce((s, i) => s + i.failures, 0));
    expect(transfersOf(again, id)).toEqual({ n: 0, total: 0 });
    expect(() => beginExecution(again, id, { operatorId: approver.id })).toThrow(/still being approved \(150 of 595 drivers frozen\)/);

    // Resumed by another supervisor than the creator; the creator still cannot.
    await expect(approveCampaignInChunks(again, id, checklist, { operatorId: creator.id })).rejects.toThrow(/creator of a campaign cannot approve it/);
    await expect(approveCampaignInChunks(again, id, { ...checklist, fingerprint: 'f'.repeat(64) }, { operatorId: approver.id })).rejects.toThrow(
      /not the dry run this campaign is being approved with/,
    );
    const resumed = await approveCampaignInChunks(again, id, checklist, { operatorId: approver.id }, { chunkSize: 50 });
    expect(resumed).toMatchObject({ state: 'approved', approvedBy: approver.id });
    expect(resumed.approvedAt).not.toBeNull();
    const items = itemsOf(again, id);
    expect(items.slice(0, 150)).toEqual(partial);
    const twin = oneShot(again, creator.id, approver.id);
    expect(items).toEqual(itemsOf(again, twin));
    expect(sessionsOf(again, id)).toEqual(sessionsOf(again, twin));

    beginExecution(again, id, { operatorId: approver.id });
    const summary = await runCampaign(again, id, { operatorId: approver.id });
    expect(summary).toMatchObject({ drivers: 595, credited: 595, already: 0, failed: 0, pending: 0, creditedTotal: 595_000 });
    expect(transfersOf(again, id)).toEqual({ n: 595, total: 595_000 });
    expect(verifyLedger(again).violations).toEqual([]);
    const offThread = await verifyLedgerOffThread(again);
    expect(offThread.ok).toBe(true);
    expect(offThread.counts).toEqual(verifyLedger(again).counts);
  }, 120_000);

  it('a failure recorded during the freeze for a driver not yet frozen: the approval is refused, the items removed and the campaign back to draft', async () => {
    const { app, creator, approver } = await setup();
    const { id, checklist } = await drafted(app, creator.id);
    const last = itemsLastDriver(app, id);
    let chunks = 0;
    const approving = approveCampaignInChunks(
      app,
      id,
      checklist,
      { operatorId: approver.id },
      {
        chunkSize: 100,
        onChunk: () => {
          chunks += 1;
          if (chunks === 1)
            recordFailedStarts(app, [{ driverId: last, chargerId: 'CP-A0', connectorId: 1, stationId: 'ST-A', at: WINDOW_START + 5_000, prepayFen: 3_000 }], 'late-');
        },
      },
    );
    await expect(approving).rejects.toThrow(/the data changed since the dry run \(then 595 drivers, 972 records, ¥5950.00; now 595 drivers, 973 records/);
    expect(getCampaign(app, id)).toMatchObject({ state: 'draft', approvedBy: null, approvedAt: null, batchStamp: null });
    expect(itemsOf(app, id)).toEqual([]);
    expect(sessionsOf(app, id)).toEqual([]);

    // A new dry run (973 records now) is approved as usual.
    const fresh = await dryRunCampaignOffThread(app, id, { operatorId: creator.id });
    const c = await approveCampaignInChunks(
      app,
      id,
      { fingerprint: fresh.fingerprint, drivers: fresh.drivers, total: fresh.total, criteriaChecked: true },
      { operatorId: approver.id },
    );
    expect(c.state).toBe('approved');
    expect(sessionsOf(app, id)).toHaveLength(973);
  });
});

/** The driver the freeze reaches last (the largest id among the campaign's drivers). */
function itemsLastDriver(app: AppContext, id: string): string {
  const c = getCampaign(app, id);
  expect(c.state).toBe('draft');
  const r = app.sqlite
    .prepare("SELECT max(driver_id) AS d FROM charging_sessions WHERE state = 'FAILED' AND station_id = 'ST-A' AND created_at >= ? AND created_at < ?")
    .get(WINDOW_START, WINDOW_START + 3 * 3_600_000) as { d: string };
  return r.d;
}
