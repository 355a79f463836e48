import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src-main/kernel/clock';
import { approveCampaign, beginExecution, createCampaign, dryRunCampaign, getCampaign, runCampaign } from '../../src-main/compensation';
import { verifyLedger } from '../../src-main/ledger';
import { verifyAudit } from '../../src-main/operators';
import { REPO_ROOT, addOperator, makeApp } from '../helpers';
import { burstSpec, seedBurst } from './fixtures';

/**
 * Guarantee 5 of campaigns.ts with a real crash: a child process executing the campaign is killed
 * with SIGKILL part-way; running the campaign again ends with exactly 595 credits, ¥5,950.00.
 */

const credited = (app: ReturnType<typeof makeApp>['app'], id: string) =>
  (app.sqlite.prepare("SELECT count(*) AS n FROM comp_campaign_items WHERE campaign_id = ? AND status = 'credited'").get(id) as { n: number }).n;

describe('campaign execution survives a crash', () => {
  it('a process killed part-way through leaves whole chunks only, and the resumed run credits exactly the 595 drivers once', async () => {
    const { app } = makeApp({ clock: new FakeClock('2026-01-16T02:00:00Z') });
    const creator = await addOperator(app, 'supervisor', 'li.na');
    const approver = await addOperator(app, 'supervisor', 'zhou.qiang');
    seedBurst(app);
    const c = createCampaign(app, burstSpec(), { operatorId: creator.id });
    const r = dryRunCampaign(app, c.id, { operatorId: creator.id });
    approveCampaign(app, c.id, { fingerprint: r.fingerprint, drivers: r.drivers, total: r.total, criteriaChecked: true }, { operatorId: approver.id });

    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'test/compensation/execute-child.ts'), app.paths.dataDir, c.id, approver.id], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    // Kill it once a good part, but not all, is credited.
    let atKill = 0;
    for (;;) {
      atKill = credited(app, c.id);
      if (atKill >= 60) break;
      if (child.exitCode !== null) throw new Error(`the child ended before it could be killed: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    child.kill('SIGKILL');
    const end = await exited;
    expect(end.signal).toBe('SIGKILL');
    const afterKill = credited(app, c.id);
    expect(afterKill, 'the child must be killed before it finished (a faster machine would need a larger campaign)').toBeLessThan(595);
    // What was committed is whole: every credited item has its transfer, and no transfer lacks its item.
    const transfers = (app.sqlite.prepare("SELECT count(*) AS n FROM ledger_transfers WHERE campaign_id = ? AND code = 'compensation'").get(c.id) as { n: number }).n;
    expect(transfers).toBe(afterKill);
    expect(getCampaign(app, c.id).state).toBe('executing');
    // Every committed chunk left its audit row in its own transaction (issue 19: 22 killed runs used
    // to leave 0 audit rows for 11,050 credits), naming the approver, and the chain is intact.
    const audited = () =>
      (
        app.sqlite.prepare("SELECT input_summary AS s, operator_name AS who FROM audit_log WHERE method = 'compensation.credit'").all() as { s: string; who: string }[]
      ).map((r) => ({
        ...(JSON.parse(r.s) as { campaignId: string; credited: number; marked: number }),
        who: r.who,
      }));
    expect(audited().length).toBeGreaterThan(0);
    expect(audited().every((a) => a.campaignId === c.id && a.who === 'zhou.qiang')).toBe(true);
    expect(audited().reduce((n, a) => n + a.credited, 0)).toBe(afterKill);
    expect(verifyAudit(app).ok).toBe(true);

    beginExecution(app, c.id, { operatorId: approver.id });
    const summary = await runCampaign(app, c.id, { operatorId: approver.id });
    expect(summary).toMatchObject({ drivers: 595, credited: 595, already: 0, failed: 0, pending: 0, creditedTotal: 595_000 });
    expect(app.sqlite.prepare("SELECT count(*) AS n, sum(amount) AS total FROM ledger_transfers WHERE campaign_id = ? AND code = 'compensation'").get(c.id)).toEqual({
      n: 595,
      total: 595_000,
    });
    expect(getCampaign(app, c.id).state).toBe('completed');
    expect(audited().reduce((n, a) => n + a.credited, 0)).toBe(595);
    expect(verifyLedger(app).violations).toEqual([]);
  }, 180_000);
});
