import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from '@playwright/test';
import { SimCharger } from '../../src-main/chargers/simulator';
import { docsScreenshot, expect, test } from './fixtures';
import { rpc, startDepot, stopDepot, type Depot } from './own-depot';

/**
 * Force-closing a stuck session in the browser. A session is stuck only after its charger has
 * been offline and silent for sessions.stuckAfterMs (6 h by default, at least 1 min), on the real
 * clock `depotdesk serve` runs with. The shared e2e depot keeps the defaults, so this spec starts
 * its own `depotdesk serve` on its own data directory with the shortest honest settings:
 * sessions.stuckAfterMs = 60 s, a 10 s heartbeat and one missed heartbeat to be offline. Nothing
 * is written behind the app's back: a simulated charger starts the session and then loses its
 * network, the app's own crons mark it offline, and the session becomes stuck by itself.
 *
 * Story: supervisor A sees the stuck tag, requests 强制结束 with a reason and finds approve
 * disabled on their own request (with the reason shown); supervisor B approves in another
 * browser and the session is PAID at the last reading; the charger comes back with its real
 * StopTransaction and the session is re-settled at the true figures.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const TARIFF = JSON.parse(fs.readFileSync(path.join(root, 'docs/examples/tariff-guangdong.json'), 'utf8')) as unknown;
const ADMIN = { name: 'fcadmin', password: 'force-close-admin-1' };
const SUP_A = { name: 'sup-a', displayName: '王主管', password: 'force-close-sup-a-1' };
const SUP_B = { name: 'sup-b', displayName: '李主管', password: 'force-close-sup-b-1' };
const SETTINGS = ['broker.port=0', 'sessions.stuckAfterMs=60000', 'chargers.heartbeatIntervalS=10', 'chargers.offlineAfterMissedHeartbeats=1'];

/** Opens this depot's app in `page` (its instance cookie) and signs `who` in. */
async function signInAs(page: Page, d: Depot, who: { name: string; password: string }, displayName: string): Promise<void> {
  await page.goto(d.loginUrl);
  await expect(page.getByTestId('app-ready')).toBeVisible();
  await rpc(page, d, 'auth.login', { name: who.name, password: who.password });
  await page.reload();
  await expect(page.getByTestId('operator')).toContainText(displayName);
}

async function newPage(browser: Browser): Promise<Page> {
  return (await browser.newContext({ viewport: { width: 1366, height: 800 } })).newPage();
}

test('a stuck session is force-closed by one supervisor and approved by another; it is PAID, then re-settled at the real stop', async ({ page, browser }) => {
  // Waits on the real clock: the charger must be marked offline (a minute cron) and silent for a minute.
  test.setTimeout(300_000);
  const d = await startDepot(SETTINGS);
  const sim = new SimCharger({ id: 'FC-1', password: 'fc-charger-secret', brokerUrl: d.broker, connectors: 2 });
  const pages: Page[] = [];
  try {
    // Arrange through the contract, as the admin.
    await page.goto(d.loginUrl);
    await expect(page.getByTestId('app-ready')).toBeVisible();
    await rpc(page, d, 'setup.createAdmin', ADMIN);
    await rpc(page, d, 'auth.login', { name: ADMIN.name, password: ADMIN.password });
    for (const s of [SUP_A, SUP_B]) await rpc(page, d, 'operators.create', { ...s, role: 'supervisor' });
    const station = await rpc<{ id: string }>(page, d, 'stations.add', { name: '强制结束站' });
    await rpc(page, d, 'chargers.add', { id: 'FC-1', station: station.id, connectors: 2, password: 'fc-charger-secret' });
    const plan = await rpc<{ planId: string }>(page, d, 'tariffs.import', { file: TARIFF });
    await rpc(page, d, 'tariffs.assign', { stationId: station.id, planId: plan.planId });
    const driver = await rpc<{ id: string }>(page, d, 'drivers.add', { name: '赵师傅', phone: '13912345678', tags: ['CARDFC1'] });
    await rpc(page, d, 'wallet.topup', { driverId: driver.id, amount: '200.00', key: 'e2e-fc-topup' });

    let remoteIdTag: string | null = null;
    sim.onCall('RemoteStartTransaction', (p) => {
      remoteIdTag = String(p.idTag);
      return { status: 'Accepted' };
    });
    await sim.connect();
    await sim.boot();
    await sim.status(1, 'Available');
    const started = await rpc<{ id: string }>(page, d, 'sessions.start', { chargerId: 'FC-1', connectorId: 1, driver: driver.id, prepay: '50.00' });
    await expect.poll(() => remoteIdTag, { timeout: 15_000 }).not.toBeNull();
    const t0 = Date.now();
    await sim.status(1, 'Charging');
    const tx = await sim.startTransaction(1, remoteIdTag!, 100_000, t0);
    await sim.meterValues(1, tx, 106_000, t0 + 1_000);
    // The charger loses its network mid-session.
    sim.drop();

    // The app marks it offline and, a minute of silence later, the session is stuck.
    await expect
      .poll(async () => (await rpc<{ session: { id: string } }[]>(page, d, 'sessions.stuck')).map((x) => x.session.id), { timeout: 200_000, intervals: [2_000] })
      .toEqual([started.id]);

    // Supervisor A: the list shows the stuck tag; 强制结束 with a reason; A cannot approve it.
    const a = await newPage(browser);
    pages.push(a);
    await signInAs(a, d, SUP_A, SUP_A.displayName);
    await a.getByTestId('nav').getByText('充电订单', { exact: true }).click();
    const row = a.getByTestId('sessions-table').locator('.ant-table-row').filter({ hasText: 'FC-1' }).first();
    await expect(row.getByTestId('session-stuck-tag')).toHaveText('卡单');
    await a.getByTestId('sessions-filter-stuck').click();
    await expect(a.getByTestId('sessions-table').locator('.ant-table-row')).toHaveCount(1);
    await row.click();
    const drawerA = a.getByTestId('session-drawer');
    await expect(drawerA.getByTestId('session-stuck')).toBeVisible();
    await expect(drawerA.getByTestId('session-stuck-hint')).toContainText('充电桩已离线');
    await drawerA.getByTestId('force-close-open').click();
    await a.getByTestId('force-close-submit').click();
    await expect(a.getByTestId('force-close-form')).toContainText('请填写强制结束的原因');
    await a.getByTestId('force-close-form').locator('textarea').fill('充电桩断网，车辆已离开');
    await a.getByTestId('force-close-submit').click();
    const panelA = drawerA.getByTestId('force-close-panel');
    await expect(panelA.getByTestId('force-close-state')).toHaveText('待批准');
    await expect(panelA).toContainText('充电桩断网，车辆已离开');
    await expect(panelA).toContainText('106.000 kWh');
    await expect(panelA.getByTestId('force-close-approve')).toBeDisabled();
    await expect(panelA.getByTestId('force-close-reject')).toBeDisabled();
    await expect(panelA.getByTestId('force-close-own')).toHaveText('这是您提交的申请，需由另一位主管批准或驳回');
    await expect(drawerA.getByTestId('session-timeline')).toContainText('申请强制结束');
    await a.screenshot({ path: path.join(os.tmpdir(), 'force-close-requested.png') });

    // Supervisor B, in another browser, approves: the session is settled at the last reading.
    const b = await newPage(browser);
    pages.push(b);
    await signInAs(b, d, SUP_B, SUP_B.displayName);
    await b.getByTestId('nav').getByText('充电订单', { exact: true }).click();
    await b.getByTestId('sessions-table').locator('.ant-table-row').filter({ hasText: 'FC-1' }).first().click();
    const drawerB = b.getByTestId('session-drawer');
    const panelB = drawerB.getByTestId('force-close-panel');
    await expect(panelB).toContainText(`${SUP_A.displayName} 于`);
    await panelB.getByTestId('force-close-approve').click();
    await b.getByTestId('force-close-note').fill('已电话确认现场');
    await b.getByTestId('force-close-decide').click();
    await expect(drawerB.getByTestId('session-state')).toHaveText('已支付');
    await expect(panelB.getByTestId('force-close-state')).toHaveText('已批准');
    await expect(panelB).toContainText(`${SUP_B.displayName} 于`);
    await expect(drawerB.getByTestId('session-timeline')).toContainText('强制结束');
    await expect(drawerB).toContainText('ForceClosed');
    const paid = await rpc<{ session: { state: string; amountFen: number; energyWh: number } }>(page, d, 'sessions.get', { id: started.id });
    expect(paid.session).toMatchObject({ state: 'PAID', energyWh: 6_000 });

    // The charger's network is back; it sends the StopTransaction it kept: 110 kWh.
    await sim.connect();
    await sim.boot();
    await sim.stopTransaction(tx, 110_000, t0 + 2_000, 'EVDisconnected');
    await expect(panelB.getByTestId('force-close-resettle')).toContainText('按真实数据重新结算');
    await expect(drawerB.getByTestId('timeline-resettled')).toBeVisible();
    const after = await rpc<{ session: { state: string; energyWh: number; amountFen: number } }>(page, d, 'sessions.get', { id: started.id });
    expect(after.session).toMatchObject({ state: 'PAID', energyWh: 10_000 });
    expect(after.session.amountFen).toBeGreaterThan(paid.session.amountFen);
    await expect(panelB.getByTestId('force-close-resettle')).toContainText(`¥${(after.session.amountFen / 100).toFixed(2)}`);
    const verify = await rpc<{ ok: boolean }>(page, d, 'ledger.verify');
    expect(verify.ok).toBe(true);

    await b.screenshot({ path: path.join(os.tmpdir(), 'force-close-approved.png') });
    await drawerB.getByTestId('session-timeline').scrollIntoViewIfNeeded();
    await b.screenshot({ path: path.join(os.tmpdir(), 'force-close-timeline.png') });
    await docsScreenshot(b, 'force-close-zh.png');
  } finally {
    await sim.close();
    for (const p of pages) await p.context().close();
    await stopDepot(d);
  }
});
