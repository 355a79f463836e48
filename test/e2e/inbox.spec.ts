import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from '@playwright/test';
import { SimCharger } from '../../src-main/chargers/simulator';
import { brokerUrl, expect, openApp, rpc, signIn, test } from './fixtures';

/**
 * The charger records tab (充电桩记录) against the served depot. A simulated charger that lost its
 * transaction numbering sends two StopTransactions for transactions the back office never gave
 * out, while one of its sessions is still charging; the consumer parks both. An operator sees the
 * queue with attach and discard disabled and told why; a supervisor discards one with a reason and
 * attaches the other to the charging session, which finishes at that reading and is PAID.
 */
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const TARIFF = JSON.parse(fs.readFileSync(path.join(root, 'docs/examples/tariff-guangdong.json'), 'utf8')) as unknown;
const PASSWORD = 'inbox-e2e-secret-1';

interface Parked {
  items: { id: number; transactionId: number | null }[];
  total: number;
}

/** A fresh browser context with `name` signed in (the login is the contract's; the screen is what is tested). */
async function signInAs(browser: Browser, name: string, displayName: string): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
  await openApp(page);
  await rpc(page, 'auth.login', { name, password: PASSWORD });
  await page.reload();
  await expect(page.getByTestId('operator')).toContainText(displayName);
  return page;
}

async function openRecords(page: Page, chargerId: string) {
  await page.getByTestId('nav').getByText('充电订单', { exact: true }).click();
  await page.getByRole('tab', { name: /充电桩记录/ }).click();
  const records = page.getByTestId('charger-records');
  await records.getByTestId('records-filter-charger').click();
  await page.locator('.ant-select-dropdown:visible').getByTitle(chargerId).click();
  return records;
}

test('a supervisor discards one parked StopTransaction with a reason and attaches the other to its charging session, which is PAID; an operator only looks', async ({
  page,
  browser,
}) => {
  // About 30 s on a quiet machine; three sign-ins (a deliberate scrypt each) and three page loads
  // on a shared, busy two-core box have taken three times that. An upper bound, not a speed claim.
  test.setTimeout(180_000);
  const tag = Date.now().toString(36).toUpperCase();
  const chargerId = `E2E-IN-${tag}`;
  const card = `CARDIN${tag}`;
  const sup = { name: `insup${tag.toLowerCase()}`, displayName: `周主管${tag}` };
  const op = { name: `inop${tag.toLowerCase()}`, displayName: `吴值班${tag}` };

  await signIn(page);
  for (const [who, role] of [
    [sup, 'supervisor'],
    [op, 'operator'],
  ] as const)
    await rpc(page, 'operators.create', { ...who, role, password: PASSWORD });
  const station = await rpc<{ id: string }>(page, 'stations.add', { name: `搁置站-${tag}` });
  await rpc(page, 'chargers.add', { id: chargerId, station: station.id, connectors: 2, password: PASSWORD });
  const plan = await rpc<{ planId: string }>(page, 'tariffs.import', { file: TARIFF });
  await rpc(page, 'tariffs.assign', { stationId: station.id, planId: plan.planId });
  const driver = await rpc<{ id: string }>(page, 'drivers.add', { name: `孙师傅${tag}`, phone: `137${String(Date.now()).slice(-8)}`, tags: [card] });
  await rpc(page, 'wallet.topup', { driverId: driver.id, amount: '100.00', key: `e2e-inbox-topup-${tag}` });

  const sim = new SimCharger({ id: chargerId, password: PASSWORD, brokerUrl: brokerUrl(), connectors: 2 });
  const pages: Page[] = [];
  try {
    await sim.connect();
    expect((await sim.boot()).status).toBe('Accepted');
    await sim.status(1, 'Charging');
    // The session started at the charger, then two stops for transactions nobody gave out. Charger
    // time is now: the plan imported above prices energy from its import on.
    const t0 = Date.now();
    const tx = await sim.startTransaction(1, card, 100_000, t0);
    await sim.stopTransaction(777_001, 104_000, t0 + 1_000);
    await sim.stopTransaction(777_002, 999_000, t0 + 2_000);
    await expect.poll(async () => (await rpc<Parked>(page, 'sessions.parkedRecords', { chargerId })).total).toBe(2);
    const parked = (await rpc<Parked>(page, 'sessions.parkedRecords', { chargerId })).items;
    const [toAttach, toDiscard] = [777_001, 777_002].map((t) => parked.find((r) => r.transactionId === t)!.id);
    const sessions = await rpc<{ items: { id: string; number: string; state: string; transactionId: number | null }[] }>(page, 'sessions.list', { chargerId });
    const charging = sessions.items.find((s) => s.transactionId === tx)!;
    expect(charging.state).toBe('CHARGING');

    // The operator sees the queue, with the actions disabled and the reason on hover.
    const o = await signInAs(browser, op.name, op.displayName);
    pages.push(o);
    const ro = await openRecords(o, chargerId);
    await expect(ro.getByTestId('records-table').locator('.ant-table-row')).toHaveCount(2);
    await expect(ro.getByTestId(`record-attach-${toAttach}`)).toBeDisabled();
    await expect(ro.getByTestId(`record-discard-${toDiscard}`)).toBeDisabled();
    await ro.getByTestId(`record-discard-${toDiscard}`).hover();
    await expect(o.locator('.ant-tooltip:visible')).toHaveText('只有主管可以处理充电桩记录');

    // The supervisor: both records, oldest first, with their reading and the reason.
    const s = await signInAs(browser, sup.name, sup.displayName);
    pages.push(s);
    const records = await openRecords(s, chargerId);
    const total = (await rpc<Parked>(s, 'sessions.parkedRecords')).total;
    await expect(s.getByTestId('records-tab-count')).toContainText(String(total));
    const rows = records.getByTestId('records-table').locator('.ant-table-row');
    await expect(rows).toHaveCount(2);
    await expect(rows.nth(0)).toContainText(String(toAttach));
    await expect(rows.nth(0)).toContainText('停止记录');
    await expect(rows.nth(0)).toContainText('777001');
    await expect(rows.nth(0)).toContainText('104.000 kWh');
    await expect(rows.nth(0)).toContainText('等待交易 777001 的开始记录');
    await expect(rows.nth(1)).toContainText('999.000 kWh');
    await expect(rows.nth(0).getByTestId(`record-attach-${toAttach}`)).toBeEnabled();
    await s.screenshot({ path: path.join(os.tmpdir(), 'inbox-records-zh.png') });

    // Discard the 999 kWh one: a reason is required.
    await records.getByTestId(`record-discard-${toDiscard}`).click();
    await s.getByTestId('record-discard-submit').click();
    await expect(s.getByTestId('record-discard-form')).toContainText('请填写丢弃原因（至少 3 个字）');
    await s.getByTestId('record-discard-form').locator('textarea').fill('安装调试时的测试报文');
    await s.getByTestId('record-discard-submit').click();
    await expect(s.locator('.ant-message')).toContainText(`记录 ${toDiscard} 已丢弃`);
    await expect(rows).toHaveCount(1);

    // Attach the other to the charging session: choose it among the charger's sessions, with a note.
    await records.getByTestId(`record-attach-${toAttach}`).click();
    const form = s.getByTestId('record-attach-form');
    await s.getByTestId('record-attach-submit').click();
    await expect(form).toContainText('请选择或输入订单号');
    await expect(form).toContainText('请说明为什么关联到这笔订单');
    await form.locator('#sessionId').click();
    await s.locator('.ant-select-dropdown:visible').getByTestId('record-attach-option').filter({ hasText: charging.number }).click();
    await expect(form.locator('#sessionId')).toHaveValue(charging.number);
    await form.locator('#note').fill('充电桩重启后交易号错乱，属于此订单');
    await s.screenshot({ path: path.join(os.tmpdir(), 'inbox-attach-zh.png') });
    await s.getByTestId('record-attach-submit').click();
    await expect(s.locator('.ant-message')).toContainText(`记录 ${toAttach} 已关联到订单 ${charging.number}，订单已结算`);
    await expect(records.getByTestId('records-table')).toContainText('没有待处理的充电桩记录');
    expect((await rpc<Parked>(s, 'sessions.parkedRecords', { chargerId })).total).toBe(0);

    // The session finished at the attached reading and was settled; its timeline says how.
    await s.getByRole('tab', { name: '订单列表' }).click();
    await s.getByTestId('sessions-table').locator('.ant-table-row').filter({ hasText: chargerId }).first().click();
    const drawer = s.getByTestId('session-drawer');
    await expect(drawer.getByTestId('session-state')).toHaveText('已支付');
    await expect(drawer.getByTestId('session-timeline')).toContainText('关联充电桩记录');
    const detail = await rpc<{ session: { state: string; energyWh: number } }>(s, 'sessions.get', { id: charging.id });
    expect(detail.session).toMatchObject({ state: 'PAID', energyWh: 4_000 });
  } finally {
    await sim.close();
    for (const p of pages) await p.context().close();
  }
});
