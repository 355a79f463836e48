import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src-main/kernel/clock';
import type { AppContext } from '../../src-main/kernel/context';
import { DepotError } from '../../src-main/kernel/errors';
import type { OperatorIdentity } from '../../src-main/kernel/method';
import {
  approveCampaign,
  beginExecution,
  cancelCampaign,
  compensationDoctorCheck,
  createCampaign,
  dryRunCampaign,
  getCampaign,
  runCampaign,
  summaryOf,
} from '../../src-main/compensation';
import { correctTransfer, driverStatement, listCoupons, postSessionCharge, topUp, verifyLedger, walletView } from '../../src-main/ledger';
import { runDueJobs } from '../../src-main/jobs';
import { depot } from '../../src-main/modules';
import { addOperator, call, makeApp, ok } from '../helpers';
import { EXPECTED_DISTRIBUTION, burstSpec, lateFailure, seedBurst, type Burst } from './fixtures';

/**
 * A supervisor's story of the 2026-01-15 morning at station ST-A: 972 failed starts, 595 drivers,
 * ¥10.00 each. Every test ends with the ledger verified.
 */

let app: AppContext;
let clock: FakeClock;
let burst: Burst;
let creator: OperatorIdentity;
let approver: OperatorIdentity;

beforeEach(async () => {
  clock = new FakeClock('2026-01-16T02:00:00Z');
  ({ app } = makeApp({ clock }));
  creator = await addOperator(app, 'supervisor', 'li.na');
  approver = await addOperator(app, 'supervisor', 'zhou.qiang');
  burst = seedBurst(app);
});

afterEach(() => {
  expect(verifyLedger(app).violations).toEqual([]);
});

const as = (op: OperatorIdentity) => ({ operatorId: op.id, role: op.role });
const transfers = () => (app.sqlite.prepare('SELECT count(*) AS n FROM ledger_transfers').get() as { n: number }).n;
const compensationCredits = (campaignId: string) =>
  app.sqlite.prepare("SELECT count(*) AS n, coalesce(sum(amount), 0) AS total FROM ledger_transfers WHERE campaign_id = ? AND code = 'compensation'").get(campaignId) as {
    n: number;
    total: number;
  };

function approveLatest(id: string, by = approver) {
  const c = getCampaign(app, id);
  return approveCampaign(app, id, { fingerprint: c.dryRunFingerprint!, drivers: c.dryRunDrivers!, total: c.dryRunTotal!, criteriaChecked: true }, as(by));
}

async function execute(id: string, by = approver) {
  beginExecution(app, id, as(by));
  return runCampaign(app, id, as(by), { chunkSize: 100 });
}

describe('campaign: the 2026-01-15 morning at ST-A', () => {
  it('the dry run finds 972 records of 595 drivers, ¥5,950.00, with the distribution by failure count — and writes nothing to the ledger', () => {
    const c = createCampaign(app, burstSpec(), as(creator));
    const before = transfers();
    const report = dryRunCampaign(app, c.id, as(creator));
    expect(transfers()).toBe(before);
    expect(report).toMatchObject({ records: 972, drivers: 595, total: 595_000 });
    expect(report.distribution.map(({ bucket, drivers, records }) => ({ bucket, drivers, records }))).toEqual(EXPECTED_DISTRIBUTION);
    expect(report.distribution.reduce((s, b) => s + b.amount, 0)).toBe(595_000);
    // Outsiders (before the window, at its end, another station, another day, a paid session) are not in it.
    const ids = new Set(report.rows.map((r) => r.driverId));
    for (const o of burst.outsiders) expect(ids.has(o)).toBe(false);
    // Each driver's current balance is shown: ¥100.00 topped up, every hold released.
    expect(report.rows.every((r) => r.balance === 10_000 && r.amount === 1_000)).toBe(true);
    expect(getCampaign(app, c.id)).toMatchObject({ state: 'draft', dryRunDrivers: 595, dryRunRecords: 972, dryRunTotal: 595_000, dryRunFingerprint: report.fingerprint });
  });

  it('the same data gives the same fingerprint; a dry run is repeatable', () => {
    const c = createCampaign(app, burstSpec(), as(creator));
    expect(dryRunCampaign(app, c.id, as(creator)).fingerprint).toBe(dryRunCampaign(app, c.id, as(approver)).fingerprint);
  });

  it('the creator cannot approve their own campaign, in the core and through the contract', async () => {
    const c = createCampaign(app, burstSpec(), as(creator));
    dryRunCampaign(app, c.id, as(creator));
    expect(() => approveLatest(c.id, creator)).toThrow(/creator of a campaign cannot approve it/);
    const r = getCampaign(app, c.id);
    const viaContract = await call(app, creator, 'compensation.approve', {
      campaignId: c.id,
      fingerprint: r.dryRunFingerprint,
      drivers: 595,
      total: 595_000,
      criteriaChecked: true,
    });
    expect(viaContract).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    // An operator is not a supervisor: refused by role before the core is asked.
    const op = await addOperator(app, 'operator', 'zhang.wei');
    expect(
      await call(app, op, 'compensation.approve', { campaignId: c.id, fingerprint: r.dryRunFingerprint, drivers: 595, total: 595_000, criteriaChecked: true }),
    ).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    expect(getCampaign(app, c.id).state).toBe('draft');
    expect(() => app.sqlite.prepare('UPDATE comp_campaigns SET approved_by = created_by WHERE id = ?').run(c.id)).toThrow(
      /CHECK constraint failed: comp_campaigns_approver/,
    );
  });

  it('approval is refused when a new failure arrived after the dry run; a new dry run can then be approved', () => {
    const c = createCampaign(app, burstSpec(), as(creator));
    dryRunCampaign(app, c.id, as(creator));
    lateFailure(app, burst.driverIds[0], 'a');
    const e = (() => {
      try {
        approveLatest(c.id);
      } catch (err) {
        return err as DepotError;
      }
      throw new Error('approval was not refused');
    })();
    expect(e.code).toBe('refused');
    expect(e.message).toMatch(/data changed since the dry run \(then 595 drivers, 972 records, ¥5950.00; now 595 drivers, 973 records/);
    expect(getCampaign(app, c.id).state).toBe('draft');
    expect(app.sqlite.prepare('SELECT count(*) AS n FROM comp_campaign_items').get()).toEqual({ n: 0 });
    const again = dryRunCampaign(app, c.id, as(approver));
    expect(again.records).toBe(973);
    expect(approveLatest(c.id).state).toBe('approved');
  });

  it('the approver confirms what the dry run showed: a stale fingerprint, a wrong count or total, or an unticked checklist is refused', () => {
    const c = createCampaign(app, burstSpec(), as(creator));
    const first = dryRunCampaign(app, c.id, as(creator));
    const fp = first.fingerprint;
    const base = { fingerprint: fp, drivers: 595, total: 595_000, criteriaChecked: true };
    expect(() => approveCampaign(app, c.id, { ...base, drivers: 594 }, as(approver))).toThrow(/dry run has 595 drivers, not 594/);
    expect(() => approveCampaign(app, c.id, { ...base, total: 594_000 }, as(approver))).toThrow(/total is ¥5950.00, not ¥5940.00/);
    expect(() => approveCampaign(app, c.id, { ...base, criteriaChecked: false }, as(approver))).toThrow(/confirm that the criteria/);
    expect(() => approveCampaign(app, c.id, { ...base, fingerprint: 'f'.repeat(64) }, as(approver))).toThrow(/not the latest dry run/);
    expect(approveCampaign(app, c.id, base, as(approver)).state).toBe('approved');
  });

  it('execution credits each of the 595 drivers ¥10.00 once (¥5,950.00), with memo and batch number on their statement; executing again credits nobody', async () => {
    const c = createCampaign(app, burstSpec(), as(creator));
    dryRunCampaign(app, c.id, as(creator));
    const approved = approveLatest(c.id);
    const progress: number[] = [];
    beginExecution(app, c.id, as(approver));
    const summary = await runCampaign(app, c.id, as(approver), { chunkSize: 100, onProgress: (p) => progress.push(p.done) });
    expect(summary).toMatchObject({ drivers: 595, credited: 595, already: 0, failed: 0, pending: 0, creditedTotal: 595_000, approvedTotal: 595_000 });
    expect(progress).toEqual([100, 200, 300, 400, 500, 595]);
    expect(compensationCredits(c.id)).toEqual({ n: 595, total: 595_000 });
    expect(getCampaign(app, c.id).state).toBe('completed');

    // The driver with 10 failures: ¥10.00, memo from the template, batch number COMP-<approval time>-<driver>.
    const tenTimes = burst.driverIds[burst.driverIds.length - 1];
    expect(walletView(app, tenTimes).wallet.availableFen).toBe(11_000);
    const line = driverStatement(app, { driverId: tenTimes }).lines.find((l) => l.code === 'compensation')!;
    expect(line).toMatchObject({
      amount: 1_000,
      memo: '系统补偿：2026-01-15 启动失败补偿（共10次）',
      campaignId: c.id,
      statementRow: `COMP-${approved.batchStamp}-${tenTimes}`,
    });
    expect(approved.batchStamp).toBe('20260116100000');

    // Executing again, through the contract as a double click would: nothing new.
    const again = await ok<{ state: string; summary: { credited: number } }>(app, approver, 'compensation.execute', { campaignId: c.id, wait: true });
    expect(again).toMatchObject({ state: 'completed', summary: { credited: 595 } });
    expect(compensationCredits(c.id)).toEqual({ n: 595, total: 595_000 });
  });

  it('two runners at once (a double click in two windows) still credit each driver once', async () => {
    const c = createCampaign(app, burstSpec(), as(creator));
    dryRunCampaign(app, c.id, as(creator));
    approveLatest(c.id);
    beginExecution(app, c.id, as(approver));
    const [a, b] = await Promise.all([runCampaign(app, c.id, as(approver), { chunkSize: 50 }), runCampaign(app, c.id, as(creator), { chunkSize: 70 })]);
    expect(a.credited + a.already).toBe(595);
    expect(b.credited + b.already).toBe(595);
    expect(compensationCredits(c.id)).toEqual({ n: 595, total: 595_000 });
  });

  it('the approval freezes the drivers: a failure arriving after it changes nothing of the execution', async () => {
    const c = createCampaign(app, burstSpec(), as(creator));
    dryRunCampaign(app, c.id, as(creator));
    approveLatest(c.id);
    lateFailure(app, burst.outsiders[0], 'b');
    const s = await execute(c.id);
    expect(s).toMatchObject({ drivers: 595, credited: 595 });
    expect(walletView(app, burst.outsiders[0]).wallet.availableFen).toBe(10_000);
  });

  it('runs as a job when started from the app, and the Jobs runner completes it', async () => {
    const c = createCampaign(app, burstSpec(), as(creator));
    dryRunCampaign(app, c.id, as(creator));
    approveLatest(c.id);
    const started = await ok<{ state: string }>(app, approver, 'compensation.execute', { campaignId: c.id });
    expect(started.state).toBe('executing');
    // A second click while it runs enqueues nothing more (unique job per campaign).
    await ok(app, approver, 'compensation.execute', { campaignId: c.id });
    expect(app.sqlite.prepare("SELECT count(*) AS n FROM jobs WHERE kind = 'compensation.execute'").get()).toEqual({ n: 1 });
    await runDueJobs(app, { workers: depot.workers });
    expect(getCampaign(app, c.id).state).toBe('completed');
    expect(compensationCredits(c.id).n).toBe(595);
  });
});

describe('campaign rules and targets', () => {
  it('per failure with a cap: ¥2.00 a failure, at most ¥6.00', async () => {
    const c = createCampaign(app, burstSpec({ rule: { kind: 'per_failure', amount: '2.00', cap: '6.00' } }), as(creator));
    const r = dryRunCampaign(app, c.id, as(creator));
    // 400×2 + 100×4 + 50×6 + 28×6 + 12×6 + 5×6 (fen ×100)
    expect(r.total).toBe((400 * 2 + 100 * 4 + 50 * 6 + 28 * 6 + 12 * 6 + 5 * 6) * 100);
    approveLatest(c.id);
    expect((await execute(c.id)).creditedTotal).toBe(r.total);
  });

  it('minimum failures per driver leaves the others out', () => {
    const c = createCampaign(app, burstSpec({ criteria: { ...burstSpec().criteria, minFailures: 4 } }), as(creator));
    expect(dryRunCampaign(app, c.id, as(creator))).toMatchObject({ drivers: 45, records: 222 });
  });

  it('a coupon campaign grants each driver one coupon of the amount, valid for the given days', async () => {
    const c = createCampaign(app, burstSpec({ target: 'coupon', couponValidDays: 30, criteria: { ...burstSpec().criteria, minFailures: 7 } }), as(creator));
    dryRunCampaign(app, c.id, as(creator));
    approveLatest(c.id);
    const s = await execute(c.id);
    expect(s).toMatchObject({ drivers: 5, credited: 5, creditedTotal: 5_000 });
    const coupons = listCoupons(app, burst.driverIds[burst.driverIds.length - 1]);
    expect(coupons).toHaveLength(1);
    expect(coupons[0]).toMatchObject({ faceFen: 1_000, expiresAt: clock.now() + 30 * 86_400_000 });
  });

  it('a points campaign credits whole points', async () => {
    const c = createCampaign(
      app,
      burstSpec({ target: 'points', rule: { kind: 'fixed', amount: '100' }, criteria: { ...burstSpec().criteria, minFailures: 7 } }),
      as(creator),
    );
    expect(dryRunCampaign(app, c.id, as(creator)).total).toBe(500);
    approveLatest(c.id);
    await execute(c.id);
    expect(walletView(app, burst.driverIds[burst.driverIds.length - 1]).points).toBe(100);
  });

  it('a later campaign over the same morning leaves out the sessions already compensated, unless asked to include them', async () => {
    const first = createCampaign(app, burstSpec(), as(creator));
    dryRunCampaign(app, first.id, as(creator));
    approveLatest(first.id);
    const second = createCampaign(app, burstSpec({ name: 'again' }), as(creator));
    expect(dryRunCampaign(app, second.id, as(creator))).toMatchObject({ drivers: 0, records: 0, total: 0 });
    const late = lateFailure(app, burst.driverIds[3], 'c');
    expect(dryRunCampaign(app, second.id, as(creator))).toMatchObject({ drivers: 1, records: 1 });
    const including = createCampaign(app, burstSpec({ name: 'incl', criteria: { ...burstSpec().criteria, includeCompensated: true } }), as(creator));
    expect(dryRunCampaign(app, including.id, as(creator))).toMatchObject({ drivers: 595, records: 973 });
    expect(late).toMatch(/^late-c-/);
  });

  it('a spec with mistakes is refused naming each field, and nothing is created', () => {
    const bad = (spec: Record<string, unknown>) => {
      try {
        createCampaign(app, spec, as(creator));
      } catch (e) {
        return (e as DepotError).message;
      }
      throw new Error('accepted a bad spec');
    };
    expect(bad(burstSpec({ criteria: { from: '2026-02-30', to: '2026-01-15' } }))).toMatch(/criteria\.from: not a calendar date/);
    expect(bad(burstSpec({ criteria: { from: '2026-01-15', to: '2026-01-14' } }))).toMatch(/criteria\.to: the range ends on or after its first date/);
    expect(bad(burstSpec({ criteria: { from: '2026-01-15', to: '2026-01-15', timeWindow: { start: '12:00', end: '09:00' } } }))).toMatch(/criteria\.timeWindow\.end/);
    expect(bad(burstSpec({ criteria: { from: '2026-01-15', to: '2026-01-15', failureCodes: ['exploded'] } }))).toMatch(/criteria\.failureCodes\.0/);
    expect(bad(burstSpec({ memo: '补偿 {driver}' }))).toMatch(/memo: a memo may use/);
    expect(bad(burstSpec({ rule: { kind: 'fixed', amount: '10.001' } }))).toMatch(/rule\.amount: has more than 2 decimals/);
    expect(bad(burstSpec({ target: 'points', rule: { kind: 'fixed', amount: '1.5' } }))).toMatch(/rule\.amount: points are a whole number/);
    expect(bad({ criteria: {} })).toMatch(/name: /);
    expect(app.sqlite.prepare('SELECT count(*) AS n FROM comp_campaigns').get()).toEqual({ n: 0 });
  });
});

describe('the list of campaigns', () => {
  type Page = { total: number; campaigns: { id: string; name: string; state: string }[] };

  it('pages newest first with the total, in one state or all, each campaign on exactly one page', async () => {
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      made.push(createCampaign(app, burstSpec({ name: `morning ${i}` }), as(creator)).id);
      clock.advance(60_000);
    }
    cancelCampaign(app, made[1], 'duplicate of morning 0', as(approver));
    const list = (input: Record<string, unknown>) => ok<Page>(app, creator, 'compensation.list', input);
    const first = await list({ limit: 2 });
    const second = await list({ limit: 2, offset: 2 });
    const last = await list({ limit: 2, offset: 4 });
    expect([first.total, second.total, last.total]).toEqual([5, 5, 5]);
    expect([...first.campaigns, ...second.campaigns, ...last.campaigns].map((c) => c.name)).toEqual(['morning 4', 'morning 3', 'morning 2', 'morning 1', 'morning 0']);
    const drafts = await list({ state: 'draft', limit: 3, offset: 3 });
    expect(drafts).toMatchObject({ total: 4, campaigns: [{ name: 'morning 0', state: 'draft' }] });
    expect(await list({ state: 'cancelled' })).toMatchObject({ total: 1, campaigns: [{ id: made[1] }] });
    expect((await list({ offset: 10 })).campaigns).toEqual([]);
  });
});

describe('reversal', () => {
  it('a campaign credit cannot be corrected directly; a reversal campaign approved by another supervisor takes it back, and one driver who spent it fails alone with the reason', async () => {
    const c = createCampaign(app, burstSpec({ criteria: { ...burstSpec().criteria, minFailures: 7 } }), as(creator));
    dryRunCampaign(app, c.id, as(creator));
    approveLatest(c.id);
    await execute(c.id);
    const [spender, ...others] = app.sqlite
      .prepare('SELECT driver_id AS d, transfer_id AS t FROM comp_campaign_items WHERE campaign_id = ? ORDER BY driver_id')
      .all(c.id) as { d: string; t: string }[];
    expect(() => correctTransfer(app, { key: 'fix-1', transferId: spender.t, memo: 'oops' })).toThrow(/taken back only by an approved reversal campaign/);

    // The spender's ¥100.00 top-up is given back at the counter; ¥10.00 of compensation is left.
    correctTransfer(app, { key: 'spend', transferId: `seed:topup:${spender.d}`, memo: 'cash back at the counter' });
    expect(walletView(app, spender.d).wallet.availableFen).toBe(1_000);

    const rev = createCampaign(app, { name: 'undo', reverses: c.id }, as(approver));
    const report = dryRunCampaign(app, rev.id, as(approver));
    expect(report).toMatchObject({ drivers: 5, total: 5_000 });
    // The page recomputes the recorded dry run's rows for a reversal too, recording nothing.
    const shown = await ok<{ fingerprint: string; drivers: number; rows: { driverId: string }[] }>(app, creator, 'compensation.report', { campaignId: rev.id });
    expect(shown).toMatchObject({ fingerprint: report.fingerprint, drivers: 5 });
    expect(shown.rows.map((r) => r.driverId)).toEqual([spender.d, ...others.map((o) => o.d)]);
    expect(() => approveLatest(rev.id, approver)).toThrow(/creator of a campaign cannot approve/);
    approveLatest(rev.id, creator);
    beginExecution(app, rev.id, as(creator));
    const s = await runCampaign(app, rev.id, as(creator));
    expect(s).toMatchObject({ drivers: 5, credited: 5, failed: 0 });
    expect(walletView(app, spender.d).wallet.availableFen).toBe(0);
    for (const o of others) expect(walletView(app, o.d).wallet.availableFen).toBe(10_000);
    // A second reversal of the same campaign finds nothing left to take back.
    const rev2 = createCampaign(app, { name: 'undo again', reverses: c.id }, as(approver));
    expect(dryRunCampaign(app, rev2.id, as(approver)).drivers).toBe(0);
  });

  it('a reversal of a driver whose wallet no longer has the credit fails for that driver, naming why', async () => {
    const c = createCampaign(app, burstSpec({ criteria: { ...burstSpec().criteria, minFailures: 7 } }), as(creator));
    dryRunCampaign(app, c.id, as(creator));
    approveLatest(c.id);
    await execute(c.id);
    const spender = (app.sqlite.prepare('SELECT driver_id AS d FROM comp_campaign_items WHERE campaign_id = ? ORDER BY driver_id LIMIT 1').get(c.id) as { d: string }).d;
    correctTransfer(app, { key: 'spend', transferId: `seed:topup:${spender}`, memo: 'cash back' });
    // Spend the ¥10.00 compensation too, by a session settled from the wallet.
    postSessionCharge(app, { key: 'spend-session', driverId: spender, sessionId: 'x', electricityFen: 800, serviceFen: 200 });
    const rev = createCampaign(app, { name: 'undo', reverses: c.id }, as(approver));
    dryRunCampaign(app, rev.id, as(approver));
    approveLatest(rev.id, creator);
    beginExecution(app, rev.id, as(creator));
    const s = await runCampaign(app, rev.id, as(creator));
    expect(s).toMatchObject({ drivers: 5, credited: 4, failed: 1 });
    expect(s.failures[0]).toMatchObject({ driverId: spender });
    expect(s.failures[0].error).toMatch(/insufficient_funds/);
    expect(summaryOf(app, rev.id).creditedTotal + summaryOf(app, rev.id).failedTotal).toBe(5_000);

    // Once the driver has the money again, the failed reversal is retried and goes through.
    topUp(app, { key: 'back', driverId: spender, amountFen: 1_000, channel: 'cash' });
    expect(beginExecution(app, rev.id, as(creator), { retryFailed: true }).state).toBe('executing');
    expect(await runCampaign(app, rev.id, as(creator))).toMatchObject({ drivers: 5, credited: 5, failed: 0, creditedTotal: 5_000 });
    expect(walletView(app, spender).wallet.availableFen).toBe(0);
  });
});

describe('doctor', () => {
  it('says the campaign items agree with the ledger, and names an item marked credited without its transfer', async () => {
    const c = createCampaign(app, burstSpec({ criteria: { ...burstSpec().criteria, minFailures: 7 } }), as(creator));
    dryRunCampaign(app, c.id, as(creator));
    approveLatest(c.id);
    expect(compensationDoctorCheck(app)).toMatchObject({ ok: true, detail: '5 campaign item(s) agree with the ledger' });
    beginExecution(app, c.id, as(approver));
    expect(compensationDoctorCheck(app).detail).toContain(`executing: ${c.id}`);
    await runCampaign(app, c.id, as(approver));
    expect(compensationDoctorCheck(app).ok).toBe(true);
    // A hand edit: an item of a new campaign marked credited though nothing was paid.
    const other = createCampaign(app, burstSpec({ name: 'x', criteria: { ...burstSpec().criteria, minFailures: 4, includeCompensated: true } }), as(creator));
    dryRunCampaign(app, other.id, as(creator));
    approveLatest(other.id);
    app.sqlite
      .prepare(
        "UPDATE comp_campaign_items SET status = 'credited' WHERE campaign_id = ? AND driver_id = (SELECT min(driver_id) FROM comp_campaign_items WHERE campaign_id = ?)",
      )
      .run(other.id, other.id);
    expect(compensationDoctorCheck(app)).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/^1 campaign credit\(s\) marked done without their ledger transfer, 0 transfer/),
    });
  });
});
