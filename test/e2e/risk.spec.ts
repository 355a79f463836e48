import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { SimCharger } from '../../src-main/chargers/simulator';
import { brokerUrl, docsScreenshot, expect, loginUrl, modal, rpc, signIn, signInAs, test } from './fixtures';

/**
 * The Risk page (风控) against the served depot, with its state made the way the depot makes it:
 * sessions on a simulated charger over the broker (debts, large sessions held for review), fault
 * StatusNotifications, and the risk.* contract. A supervisor lists a driver by hand and a start is
 * refused with the reason until the listing is lifted; a charger the faults rule put in maintenance
 * is returned to service; a large session is approved by a supervisor other than the one who
 * started it, and another is rejected into a refund adjustment; a debt write-off is asked for by
 * one finance user (who is refused deciding it) and approved by another; a rule's parameters and
 * switch are changed and its version grows, and the rule then lists the driver, explained in the
 * "why" drawer. Each tab is photographed in zh-CN (DEPOTDESK_SCREENSHOTS=1).
 */
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const TARIFF = JSON.parse(fs.readFileSync(path.join(root, 'docs/examples/tariff-guangdong.json'), 'utf8')) as unknown;
const PASSWORD = 'risk-e2e-secret-1';

interface Depot {
  tag: string;
  chargerId: string;
  sim: SimCharger;
  /** Starts a session through the contract as `as` and drives it on the charger from `fromWh` to `toWh`. */
  charge(as: Page, o: { driverId: string; connectorId: number; prepay: string; fromWh: number; toWh: number }): Promise<string>;
}

/** A station with the Guangdong tariff and one simulated charger, online with both connectors free. */
async function prepareDepot(page: Page, prefix: string): Promise<Depot> {
  const tag = Date.now().toString(36).toUpperCase();
  const chargerId = `E2E-${prefix}-${tag}`;
  const station = await rpc<{ id: string }>(page, 'stations.add', { name: `风控站-${prefix}-${tag}` });
  await rpc(page, 'chargers.add', { id: chargerId, station: station.id, connectors: 2, password: PASSWORD });
  const plan = await rpc<{ planId: string }>(page, 'tariffs.import', { file: TARIFF });
  await rpc(page, 'tariffs.assign', { stationId: station.id, planId: plan.planId });
  const sim = new SimCharger({ id: chargerId, password: PASSWORD, brokerUrl: brokerUrl(), connectors: 2 });
  const starts: { connectorId: number; idTag: string }[] = [];
  sim.onCall('RemoteStartTransaction', (p) => {
    starts.push({ connectorId: Number(p.connectorId ?? 1), idTag: String(p.idTag) });
    return { status: 'Accepted' };
  });
  await sim.connect();
  expect((await sim.boot()).status).toBe('Accepted');
  await sim.status(1, 'Available');
  await sim.status(2, 'Available');
  const charge: Depot['charge'] = async (as, o) => {
    const s = await rpc<{ id: string }>(as, 'sessions.start', { chargerId, connectorId: o.connectorId, driver: o.driverId, prepay: o.prepay });
    await expect.poll(() => starts.length, { message: 'the charger is asked to start' }).toBeGreaterThan(0);
    const rs = starts.shift()!;
    const t0 = Date.now();
    await sim.status(rs.connectorId, 'Charging');
    const tx = await sim.startTransaction(rs.connectorId, rs.idTag, o.fromWh, t0);
    await sim.stopTransaction(tx, o.toWh, t0 + 2_000);
    await sim.status(rs.connectorId, 'Available');
    await expect
      .poll(async () => (await rpc<{ session: { state: string } }>(as, 'sessions.get', { id: s.id })).session.state, { message: `session ${s.id} ends` })
      .toMatch(/FINISHED|PAID|UNPAID/);
    return s.id;
  };
  return { tag, chargerId, sim, charge };
}

/** A contract call that must be refused; returns "code: message". */
async function refusal(page: Page, method: string, params: unknown): Promise<string> {
  const res = await page.request.post(new URL('/rpc', loginUrl()).toString(), { data: { method, params } });
  const body = (await res.json()) as { ok: boolean; error?: { code: string; message: string } };
  expect(body.ok, `${method} should have been refused`).toBe(false);
  return `${body.error?.code}: ${body.error?.message}`;
}

async function openRisk(page: Page, tab: string | RegExp) {
  await page.getByTestId('nav').getByText('风控', { exact: true }).click();
  await expect(page.getByTestId('risk-page')).toBeVisible();
  await page.getByRole('tab', { name: tab }).click();
}

/** Runs the rules from the page header, as a supervisor does after changing something. */
async function runRules(page: Page) {
  const toast = page.locator('.ant-message-notice', { hasText: '规则已运行' });
  // An earlier run's toast stays for its 3 s (longer under the pointer): let it go, so the one
  // awaited below is this run's.
  await page.mouse.move(0, 0);
  await expect(toast).toHaveCount(0);
  await page.getByTestId('risk-evaluate').click();
  await page.getByTestId('risk-evaluate-confirm').click();
  await expect(toast).toHaveCount(1);
}

test('a supervisor blacklists a driver: a start is refused with the reason, the drawer says who listed them, and lifting lets them charge again', async ({ page }) => {
  test.setTimeout(180_000);
  await signIn(page);
  const depot = await prepareDepot(page, 'BL');
  const phone = `137${String(Date.now()).slice(-8)}`;
  const name = `黑名单司机${depot.tag}`;
  const driver = await rpc<{ id: string }>(page, 'drivers.add', { name, phone });
  await rpc(page, 'wallet.topup', { driverId: driver.id, amount: '100.00', key: `e2e-risk-bl-${depot.tag}` });
  try {
    await openRisk(page, '黑名单');
    await page.getByTestId('bl-add-open').click();
    const add = await modal(page, '拉黑用户');
    const picker = add.locator('.ant-form-item').filter({ has: page.locator('#driverId') });
    await picker.locator('.ant-select-selector').click();
    await picker.locator('input').fill(phone);
    // The options show the phone masked (138****5678), as every screen does; the search takes the whole number.
    await page
      .locator('.ant-select-dropdown:visible')
      .getByText(`${phone.slice(0, 3)}****${phone.slice(-4)}`)
      .click();
    await add.getByTestId('bl-add-reason').fill('盗刷嫌疑，卡已挂失');
    // The confirmation says what happens to whom before anything is saved.
    await expect(add.getByTestId('bl-add-effect')).toContainText(`${name} 不能再启动充电`);
    await expect(add.getByTestId('bl-add-effect')).toContainText('直到主管解除');
    await add.getByTestId('bl-add-submit').click();

    const row = page.getByTestId('bl-table').locator('tr', { hasText: name });
    await expect(row).toContainText('生效中');
    await expect(row).toContainText('手动');
    await expect(row).toContainText('直到解除');
    await expect(row).toContainText(`${phone.slice(0, 3)}****${phone.slice(-4)}`);
    await expect(row).not.toContainText(phone);

    // While listed, the core refuses a start at every door, with the reason.
    const refused = await refusal(page, 'sessions.start', { chargerId: depot.chargerId, connectorId: 1, driver: driver.id, prepay: '10.00' });
    expect(refused).toContain('refused');
    expect(refused).toContain(`${name} is blacklisted: 盗刷嫌疑，卡已挂失`);

    await row.getByText('为何被拒').click();
    const drawer = page.getByTestId('listing-drawer');
    await expect(drawer.getByTestId('why-reason')).toHaveText('盗刷嫌疑，卡已挂失');
    await expect(drawer.getByTestId('why-source')).toHaveText('手动');
    await expect(drawer).toContainText('由 张伟 手动拉黑');
    await drawer.locator('.ant-drawer-close').click();
    await docsScreenshot(page, 'risk-blacklist-zh.png');

    await row.locator('[data-testid^="bl-lift-"]').click();
    const lift = await modal(page, '解除说明');
    await expect(lift).toContainText(`解除后 ${name} 立即可以充电和支付`);
    await expect(lift.getByTestId('bl-lift-submit')).toBeDisabled();
    await lift.getByTestId('bl-lift-note').fill('卡已找回，核实本人');
    await lift.getByTestId('bl-lift-submit').click();
    await expect(row).toContainText('已解除');
    await expect(row.locator('[data-testid^="bl-lift-"]')).toHaveCount(0);

    // Lifted: the same start is accepted at once and goes to the charger.
    const started = await rpc<{ id: string; state: string }>(page, 'sessions.start', { chargerId: depot.chargerId, connectorId: 1, driver: driver.id, prepay: '10.00' });
    expect(started.state).toMatch(/PLACED|STARTING/);
    await rpc(page, 'sessions.stop', { id: started.id });
  } finally {
    await depot.sim.close();
  }
});

test('three fault episodes put a charger in maintenance by the faults rule; the health table shows the evidence and a supervisor returns it to service', async ({
  page,
}) => {
  test.setTimeout(180_000);
  await signIn(page);
  const depot = await prepareDepot(page, 'HL');
  const driver = await rpc<{ id: string }>(page, 'drivers.add', { name: `健康司机${depot.tag}`, phone: `135${String(Date.now()).slice(-8)}` });
  await rpc(page, 'wallet.topup', { driverId: driver.id, amount: '50.00', key: `e2e-risk-hl-${depot.tag}` });
  try {
    // Three episodes: a repeated report of the same fault is one, a recovery in between ends it.
    await depot.sim.status(1, 'Faulted', 'GroundFailure');
    await depot.sim.status(1, 'Faulted', 'GroundFailure');
    await depot.sim.status(1, 'Available', 'NoError');
    await depot.sim.status(2, 'Faulted', 'OverCurrentFailure');
    await depot.sim.status(0, 'Faulted', 'PowerMeterFailure');

    // The rules run now from the page (the 5-minute job may have got there first: the same decision).
    await openRisk(page, '设备健康');
    const row = page.getByTestId('health-table').locator('tr.ant-table-row', { hasText: depot.chargerId });
    await runRules(page);
    await expect(row.getByTestId(`health-state-${depot.chargerId}`)).toContainText('规则维护');
    await expect(row).toContainText('充电桩频繁故障 v');
    // The charger's answer and the rule are in words; the codes behind them are not shown (issue 16).
    await expect(row.getByTestId(`health-told-${depot.chargerId}`)).toHaveText('充电桩已确认');
    await expect(row).not.toContainText('Accepted');
    await expect(row.locator('td').nth(3)).toHaveText('3');
    await row.locator('.ant-table-row-expand-icon').click();
    const evidence = page.getByTestId(`health-evidence-${depot.chargerId}`);
    // Faults by their OCPP code in words (接地故障, not GroundFailure: issue 16).
    for (const words of ['接地故障', '过流故障', '电表故障']) await expect(evidence).toContainText(words);
    await expect(evidence).not.toContainText('GroundFailure');
    await expect(evidence).toContainText('24 小时内故障 3 次（规则阈值 3 次）');
    await expect(evidence).not.toContainText('charger.faults');
    await docsScreenshot(page, 'risk-health-zh.png');

    // In maintenance, a start on it is refused with the rule's reason.
    expect(await refusal(page, 'sessions.start', { chargerId: depot.chargerId, connectorId: 1, driver: driver.id, prepay: '10.00' })).toContain('is in maintenance');

    await row.getByTestId(`health-return-${depot.chargerId}`).click();
    const back = await modal(page, '检修说明');
    // The OCPP call is named in the operator's words (issue 16).
    await expect(back).toContainText('恢复可用');
    await back.getByTestId('health-return-note').fill('更换漏电保护器，测试绝缘正常');
    await back.getByTestId('health-return-submit').click();
    await expect(row.getByTestId(`health-state-${depot.chargerId}`)).toHaveText('正常运行');
    // Evidence before the return no longer counts, and the rules do not put it straight back.
    await expect(row.locator('td').nth(3)).toHaveText('0');
    await runRules(page);
    await expect(row.getByTestId(`health-state-${depot.chargerId}`)).toHaveText('正常运行');
    const [action] = await rpc<{ state: string; returnNote: string; returnedBy: { name: string } }[]>(page, 'risk.chargerActions', { chargerId: depot.chargerId });
    expect(action).toMatchObject({ state: 'returned', returnNote: '更换漏电保护器，测试绝缘正常', returnedBy: { name: '张伟' } });
  } finally {
    await depot.sim.close();
  }
});

test('a large session started by one supervisor is approved by another; the admin cannot decide the one they started, which a supervisor rejects into a refund adjustment', async ({
  page,
  browser,
}) => {
  test.setTimeout(240_000);
  await signIn(page);
  const depot = await prepareDepot(page, 'RV');
  const sup = { name: `rvsup${depot.tag.toLowerCase()}`, displayName: `孙主管${depot.tag}` };
  await rpc(page, 'operators.create', { ...sup, role: 'supervisor', password: PASSWORD });
  const name = `大额司机${depot.tag}`;
  const driver = await rpc<{ id: string }>(page, 'drivers.add', { name, phone: `136${String(Date.now()).slice(-8)}` });
  await rpc(page, 'wallet.topup', { driverId: driver.id, amount: '1000.00', key: `e2e-risk-rv-${depot.tag}` });
  const other = await signInAs(browser, sup, PASSWORD);
  try {
    // 200 kWh is more than ¥200 at any hour: both sessions are held for review, not charged.
    const bySup = await depot.charge(other.page, { driverId: driver.id, connectorId: 1, prepay: '50.00', fromWh: 100_000, toWh: 300_000 });
    const byAdmin = await depot.charge(page, { driverId: driver.id, connectorId: 2, prepay: '50.00', fromWh: 500_000, toWh: 700_000 });

    await openRisk(page, /大额订单审核/);
    const table = page.getByTestId('rv-table');
    const supRow = table.locator('tr.ant-table-row').filter({ has: page.getByTestId(`rv-approve-${bySup}`) });
    const adminRow = table.locator('tr.ant-table-row').filter({ has: page.getByTestId(`rv-approve-${byAdmin}`) });
    await expect(supRow).toContainText(name);
    await expect(supRow).toContainText('大额订单');
    await expect(supRow).toContainText(depot.chargerId);
    await expect(adminRow).toContainText('您发起的');
    await expect(adminRow.getByTestId(`rv-approve-${byAdmin}`)).toBeDisabled();
    await expect(adminRow.getByTestId(`rv-reject-${byAdmin}`)).toBeDisabled();
    await docsScreenshot(page, 'risk-reviews-zh.png');

    const amount = (await rpc<{ session: { amount: string } }>(page, 'sessions.get', { id: bySup })).session.amount;
    await supRow.getByTestId(`rv-approve-${bySup}`).click();
    const approve = await modal(page, '通过审核');
    await expect(approve).toContainText(`按计量立即结算 ¥${amount}`);
    await approve.getByTestId('rv-note').fill('电量与桩上读数一致');
    await approve.getByTestId('rv-decide-submit').click();
    await expect(supRow).toHaveCount(0);
    const approved = (await rpc<{ session: { state: string; reviewedBy: string; reviewNote: string } }>(page, 'sessions.get', { id: bySup })).session;
    expect(approved.state).toMatch(/PAID|UNPAID/);
    expect(approved.reviewNote).toBe('电量与桩上读数一致');

    // The supervisor, in their own browser, rejects the admin's session: settled, and ¥10.00 contested.
    await openRisk(other.page, /大额订单审核/);
    await other.page.getByTestId(`rv-reject-${byAdmin}`).click();
    const reject = await modal(other.page, '拒绝扣款');
    await expect(reject.getByTestId('rv-reject-effect')).toContainText('订单仍按计量结算');
    await reject.getByTestId('rv-contested').fill('10.00');
    await expect(reject.getByTestId('rv-reject-effect')).toContainText('¥10.00 的售后退款');
    await expect(reject.getByTestId('rv-reject-effect')).toContainText('另一位主管批准后才会退钱');
    await reject.getByTestId('rv-note').fill('用户称中途离开，多计电量');
    await reject.getByTestId('rv-decide-submit').click();
    await expect(other.page.getByTestId(`rv-reject-${byAdmin}`)).toHaveCount(0);
    await expect(adminRow).toHaveCount(0);
    const { adjustments } = await rpc<{ adjustments: { sessionId: string | null; amount: { yuan: string }; state: string; createdBy: { name: string } | null }[] }>(
      page,
      'adjustments.list',
      { state: 'pending' },
    );
    expect(adjustments.find((a) => a.sessionId === byAdmin)).toMatchObject({ amount: { yuan: '10.00' }, state: 'pending', createdBy: { name: sup.displayName } });
  } finally {
    await other.done();
    await depot.sim.close();
  }
});

test("a debt write-off is asked for by one finance user, refused to them, approved by another; a rule changed twice lists the driver, and the drawer shows the rule's version and the debt", async ({
  page,
  browser,
}) => {
  test.setTimeout(240_000);
  await signIn(page);
  const depot = await prepareDepot(page, 'WO');
  const finA = { name: `fina${depot.tag.toLowerCase()}`, displayName: `钱会计${depot.tag}` };
  const finB = { name: `finb${depot.tag.toLowerCase()}`, displayName: `赵出纳${depot.tag}` };
  for (const f of [finA, finB]) await rpc(page, 'operators.create', { ...f, role: 'finance', password: PASSWORD });
  const name = `欠费司机${depot.tag}`;
  const driver = await rpc<{ id: string }>(page, 'drivers.add', { name, phone: `134${String(Date.now()).slice(-8)}` });
  await rpc(page, 'wallet.topup', { driverId: driver.id, amount: '20.00', key: `e2e-risk-wo-${depot.tag}` });
  // 30 kWh costs more than the ¥20 in the wallet at any hour: the rest is a debt.
  await depot.charge(page, { driverId: driver.id, connectorId: 1, prepay: '10.00', fromWh: 0, toWh: 30_000 });
  const [debt] = await rpc<{ debtId: string; owed: { yuan: string } }[]>(page, 'ledger.debts', { driverId: driver.id });
  expect(Number(debt.owed.yuan)).toBeGreaterThan(0);

  const a = await signInAs(browser, finA, PASSWORD);
  const b = await signInAs(browser, finB, PASSWORD);
  try {
    await openRisk(a.page, '坏账核销');
    await a.page.getByTestId('wo-request-open').click();
    const ask = await modal(a.page, '申请坏账核销');
    await ask.locator('.ant-select-selector').click();
    await a.page.locator('.ant-select-dropdown:visible').getByText(name).click();
    await expect(ask.getByTestId('wo-request-effect')).toContainText(`申请核销 ${name} 尚欠的 ¥${debt.owed.yuan}`);
    await ask.getByTestId('wo-reason').fill('用户失联三个月，催收无果');
    await ask.getByTestId('wo-request-submit').click();
    const mine = a.page.getByTestId('wo-table').locator('tr.ant-table-row', { hasText: name });
    await expect(mine).toContainText('待批准');
    await expect(mine).toContainText('您申请的');

    // The one who asked may press approve; the core refuses, and the refusal is shown in place.
    await mine.locator('[data-testid^="wo-approve-"]').click();
    const own = await modal(a.page, '批准核销');
    await expect(own).toContainText('这是您提交的申请');
    await own.getByTestId('wo-decide-submit').click();
    await expect(own.getByTestId('wo-refusal')).toContainText('decided by someone other than who asked for it');
    await own.getByRole('button', { name: /取\s*消/ }).click();
    await expect(mine).toContainText('待批准');

    await openRisk(b.page, '坏账核销');
    const theirs = b.page.getByTestId('wo-table').locator('tr.ant-table-row', { hasText: name });
    await expect(theirs).toContainText(finA.displayName);
    await theirs.locator('[data-testid^="wo-approve-"]').click();
    const approve = await modal(b.page, '批准核销');
    await expect(approve).toContainText(`账本将核销 ${name} 此刻仍欠的金额（申请时为 ¥${debt.owed.yuan}）`);
    await approve.getByTestId('wo-note').fill('同意核销');
    await approve.getByTestId('wo-decide-submit').click();
    await expect(theirs).toContainText('已核销');
    await expect(theirs).toContainText(`${finB.displayName}`);
    await expect(mine).toContainText('已核销');
    const [closed] = await rpc<{ status: string }[]>(page, 'ledger.debts', { driverId: driver.id, status: 'all' });
    expect(closed.status).toBe('written_off');
    await openRisk(page, '坏账核销');
    await docsScreenshot(page, 'risk-writeoffs-zh.png');
  } finally {
    await a.done();
    await b.done();
  }

  try {
    await changeRuleAndSeeTheListing(page, { id: driver.id, name });
  } finally {
    await depot.sim.close();
  }
});

test('a charger refusing every start goes into maintenance; the evidence names the sessions by number and the failure in words', async ({ page }) => {
  test.setTimeout(180_000);
  await signIn(page);
  const depot = await prepareDepot(page, 'FS');
  depot.sim.onCall('RemoteStartTransaction', () => ({ status: 'Rejected' }));
  const driver = await rpc<{ id: string }>(page, 'drivers.add', { name: `拒启司机${depot.tag}`, phone: `136${String(Date.now()).slice(-8)}` });
  await rpc(page, 'wallet.topup', { driverId: driver.id, amount: '50.00', key: `e2e-risk-fs-${depot.tag}` });
  try {
    // The rule's default: five failed starts within 24 hours.
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const s = await rpc<{ id: string }>(page, 'sessions.start', { chargerId: depot.chargerId, connectorId: 1, driver: driver.id, prepay: '5.00' });
      await expect
        .poll(async () => (await rpc<{ session: { state: string } }>(page, 'sessions.get', { id: s.id })).session.state, { message: `session ${s.id} fails` })
        .toBe('FAILED');
      ids.push(s.id);
    }
    const numbers = await rpc<Record<string, string>>(page, 'sessions.numbers', { ids });

    await openRisk(page, '设备健康');
    const row = page.getByTestId('health-table').locator('tr.ant-table-row', { hasText: depot.chargerId });
    await runRules(page);
    await expect(row.getByTestId(`health-state-${depot.chargerId}`)).toContainText('充电桩频繁启动失败 v');
    await row.locator('.ant-table-row-expand-icon').click();
    const evidence = page.getByTestId(`health-evidence-${depot.chargerId}`);
    await expect(evidence).toContainText('24 小时内启动失败 5 次（规则阈值 5 次）');
    for (const id of ids) {
      expect(numbers[id]).toMatch(/^CD\d{8}$/);
      await expect(evidence).toContainText(`启动失败：订单 ${numbers[id]}（桩拒绝启动）`);
      await expect(evidence).not.toContainText(id);
    }
    await expect(evidence).not.toContainText('remote_start_refused');
    await expect(evidence).not.toContainText('charger.failed_starts');
  } finally {
    // Out of maintenance again, so the shared depot's chargers are left as the other specs expect.
    await rpc(page, 'risk.returnToService', { chargerId: depot.chargerId, note: 'e2e: cleaned up' }).catch(() => undefined);
    await depot.sim.close();
  }
});

/**
 * The admin lowers driver.written_off_debts to one write-off and switches it on (two new versions),
 * runs the rules, and the driver whose debt was just written off is listed by that rule; the
 * drawer names the rule, its version and the debt it counted. The rule is switched off again and
 * the listing lifted, so the shared depot is left as other specs expect it.
 */
async function changeRuleAndSeeTheListing(page: Page, driver: { id: string; name: string }) {
  const name = driver.name;
  const code = 'driver.written_off_debts';
  await openRisk(page, '规则');
  const before = Number((await page.getByTestId(`rule-version-${code}`).innerText()).slice(1));
  await page.getByTestId(`rule-edit-${code}`).click();
  const edit = await modal(page, '修改规则');
  await edit.getByTestId('rule-param-count').fill('1');
  await expect(edit.getByTestId('rule-change-effect')).toContainText(`规则将从 v${before} 变为 v${before + 1}`);
  await expect(edit.getByTestId('rule-change-effect')).toContainText('次数: 2 → 1');
  await edit.getByTestId('rule-change-note').fill('一次核销即拉黑');
  await edit.getByTestId('rule-change-submit').click();
  await expect(page.getByTestId(`rule-version-${code}`)).toHaveText(`v${before + 1}`);

  await page.getByTestId(`rule-switch-${code}`).click();
  const on = await modal(page, '开启规则');
  await expect(on.getByTestId('rule-change-effect')).toContainText('记录已命中的所有用户都会被拉黑');
  await on.getByTestId('rule-change-note').fill('财务会议决定开启');
  await on.getByTestId('rule-change-submit').click();
  await expect(page.getByTestId(`rule-version-${code}`)).toHaveText(`v${before + 2}`);
  await expect(page.getByTestId(`rule-switch-${code}`)).toHaveAttribute('aria-checked', 'true');
  await page.getByTestId(`rule-history-${code}`).click();
  const history = page.getByTestId('rule-history');
  await expect(history.locator('tr.ant-table-row')).toHaveCount(before + 2);
  await expect(history.locator('tr.ant-table-row').first()).toContainText(`v${before + 2}`);
  await expect(history).toContainText('一次核销即拉黑');
  await history.locator('.ant-drawer-close').click();
  await docsScreenshot(page, 'risk-rules-zh.png');

  await runRules(page);
  await page.getByRole('tab', { name: '黑名单' }).click();
  const row = page.getByTestId('bl-table').locator('tr', { hasText: name });
  await expect(row).toContainText(`规则：多次坏账核销 v${before + 2}`);
  await expect(row).toContainText('系统规则');
  await row.getByText('为何被拒').click();
  const drawer = page.getByTestId('listing-drawer');
  await expect(drawer.getByTestId('why-rule')).toContainText(`规则判定：多次坏账核销（版本 v${before + 2}）`);
  // The version it decided under is explained by its own record: who switched it on, and why.
  await expect(drawer.getByTestId('why-rule')).toContainText('由 张伟 于');
  await expect(drawer.getByTestId('why-rule')).toContainText('财务会议决定开启');
  await expect(drawer.getByTestId('why-rule')).toContainText('1 笔的用户被拉黑，直到主管解除');
  await expect(drawer.getByTestId('why-records').locator('tr.ant-table-row')).toHaveCount(1);
  await expect(drawer.getByTestId('why-records')).toContainText('已核销');
  await docsScreenshot(page, 'risk-why-zh.png');
  await drawer.locator('.ant-drawer-close').click();

  const { listings } = await rpc<{ listings: { id: string; ruleCode: string; ruleVersion: number }[] }>(page, 'risk.blacklist', { state: 'active', driverId: driver.id });
  expect(listings).toMatchObject([{ ruleCode: code, ruleVersion: before + 2 }]);
  await rpc(page, 'risk.setRule', { code, enabled: false, params: { count: 2 }, note: 'e2e: back to the default', expectedVersion: before + 2 });
  await rpc(page, 'risk.blacklistLift', { listingId: listings[0].id, note: 'e2e: cleaned up' });
}
