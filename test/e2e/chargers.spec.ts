import { SimCharger } from '../../src-main/chargers/simulator';
import { brokerUrl, docsScreenshot, expect, modal, rpc, signIn, test } from './fixtures';

/**
 * The Chargers page against the served depot and its embedded broker: a supervisor adds a
 * station and a charger through the forms, a simulated charger (the same code as
 * `depotdesk simulate`) logs in with the password typed there and shows up online without a
 * reload, maintenance goes on and off, and the message log shows the frames, the refused one
 * highlighted with its reason.
 */

test('a supervisor adds a station and a charger, sees it come online live, switches maintenance and reads its message log', async ({ page }) => {
  const tag = Date.now().toString(36).toUpperCase();
  const station = `北区站-${tag}`;
  const chargerId = `E2E-CP-${tag}`;
  const password = `pw-${tag}-secret`;

  await signIn(page);
  await page.getByRole('menuitem', { name: '充电桩' }).click();
  await expect(page.getByTestId('chargers-page')).toBeVisible();

  await page.getByTestId('add-station').click();
  const stationForm = page.getByTestId('add-station-form');
  await stationForm.locator('#name').fill(station);
  await stationForm.locator('#address').fill('深圳市南山区科技园 1 号');
  await page.getByTestId('add-station-submit').click();
  await expect(page.getByTestId(`station-${station}`)).toBeVisible();

  await page.getByTestId('add-charger').click();
  const chargerForm = page.getByTestId('add-charger-form');
  await chargerForm.locator('#id').fill(chargerId);
  await chargerForm
    .locator('.ant-form-item')
    .filter({ has: page.locator('#station') })
    .locator('.ant-select-selector')
    .click();
  await page.locator('.ant-select-dropdown:visible').getByTitle(station).click();
  await chargerForm.locator('#password').fill(password);
  await page.getByTestId('add-charger-submit').click();

  const card = page.getByTestId(`station-${station}`).getByTestId(`charger-card-${chargerId}`);
  await expect(card).toBeVisible();
  await expect(card).toHaveAttribute('data-condition', 'offline');
  await expect(card.getByTestId('charger-last-seen')).toHaveText('从未');

  // Maintenance on and off (the charger is offline, so only the back office flag changes). Each
  // switch is confirmed, saying what it does; going in needs a reason, which the card then shows.
  await card.getByTestId('charger-maintenance').click();
  const into = await modal(page, `${chargerId} 转入维护`);
  await expect(into.getByTestId('maintenance-effect')).toContainText('不能再开始新的充电');
  await expect(into.getByTestId('maintenance-confirm')).toBeDisabled();
  await into.getByTestId('maintenance-reason').fill('更换枪线');
  await into.getByTestId('maintenance-confirm').click();
  await expect(card).toHaveAttribute('data-condition', 'maintenance');
  await expect(card).toContainText('更换枪线');
  await card.getByTestId('charger-maintenance').click();
  await (await modal(page, `${chargerId} 恢复可用`)).getByTestId('maintenance-confirm').click();
  await expect(card).toHaveAttribute('data-condition', 'offline');

  // A real MQTT charger logs in with the password typed above; the card follows the push events.
  const sim = new SimCharger({ id: chargerId, password, brokerUrl: brokerUrl(), connectors: 2, vendor: 'DepotSim', model: 'DC-120', firmware: '2.4.1' });
  try {
    await sim.connect();
    expect((await sim.boot()).status).toBe('Accepted');
    await sim.status(1, 'Available');
    await sim.status(2, 'Faulted', 'GroundFailure');
    await expect(card).toHaveAttribute('data-condition', 'faulted');
    await expect(card.getByTestId('connector-1').getByTestId('connector-status')).toHaveText('空闲');
    await expect(card.getByTestId('connector-2').getByTestId('connector-status')).toHaveText('故障');
    // The OCPP error code in the operator's words (issue 16).
    await expect(card.getByTestId('charger-faults')).toContainText('接地故障');
    await expect(card.getByTestId('charger-faults')).not.toContainText('GroundFailure');
    await expect(card).toContainText('DepotSim DC-120');
    await expect(card).toContainText('2.4.1');

    await sim.status(2, 'Available');
    await expect(card).toHaveAttribute('data-condition', 'online');

    // Neighbours on the same station: one never seen, one taken out for maintenance.
    const stationId = (await rpc<{ id: string; name: string }[]>(page, 'stations.list')).find((x) => x.name === station)!.id;
    for (const n of ['B', 'C']) await rpc(page, 'chargers.add', { id: `${chargerId}-${n}`, station: stationId, connectors: 2, password });
    await rpc(page, 'chargers.setMaintenance', { id: `${chargerId}-C`, maintenance: true, reason: '更换枪线' });
    await page.getByRole('button', { name: /刷新/ }).click();
    const group = page.getByTestId(`station-${station}`);
    await expect(group.getByTestId(`charger-card-${chargerId}-B`)).toHaveAttribute('data-condition', 'offline');
    await expect(group.getByTestId(`charger-card-${chargerId}-C`)).toHaveAttribute('data-condition', 'maintenance');
    await docsScreenshot(page, 'chargers-zh.png');

    // A frame that breaks the OCPP schema is refused and logged with the reason.
    await sim.send('StatusNotification', { connectorId: 1, status: 'Sleeping', errorCode: 'NoError' });

    await card.getByTestId('charger-messages').click();
    const log = page.getByTestId('message-log');
    await expect(log).toBeVisible();
    const table = log.getByTestId('message-log-table');
    await expect(table.getByRole('row').filter({ hasText: 'BootNotification' }).first()).toBeVisible();
    await expect(table.getByTestId('message-invalid').first()).toBeVisible();
    // Our answer is stored on the charger's CALL and shown right under it: out, at the same time.
    const bootCall = table.locator('tr[data-testid="message-row"]').filter({ hasText: 'BootNotification' }).first();
    const bootAnswer = table.locator('tr[data-testid="message-row"]:has-text("BootNotification") + tr[data-testid="message-answer"]').first();
    await expect(bootAnswer).toContainText('下行');
    await expect(bootAnswer).toContainText('我方应答');
    await expect(bootAnswer).toContainText('CALLRESULT');
    expect(await bootAnswer.locator('td').nth(2).textContent()).toBe(await bootCall.locator('td').nth(2).textContent());
    await bootAnswer.click();
    await expect(log.getByTestId('message-payload').first()).toContainText('"status": "Accepted"');
    await bootAnswer.click();
    await table.getByRole('row').filter({ hasText: 'BootNotification' }).filter({ hasText: '上行' }).first().click();
    await expect(log.getByTestId('message-payload').first()).toContainText('"chargePointVendor": "DepotSim"');
    await log.locator('.ant-drawer-close').click();
    await expect(log).toBeHidden();

    // With the charger online, maintenance is also sent to it (ChangeAvailability).
    await card.getByTestId('charger-maintenance').click();
    const again = await modal(page, `${chargerId} 转入维护`);
    await again.getByTestId('maintenance-reason').fill('检查绝缘');
    await again.getByTestId('maintenance-confirm').click();
    await expect(card).toHaveAttribute('data-condition', 'maintenance');
    await expect(page.locator('.ant-message')).toContainText('充电桩已确认');
    await card.getByTestId('charger-maintenance').click();
    await (await modal(page, `${chargerId} 恢复可用`)).getByTestId('maintenance-confirm').click();
    await expect(card).toHaveAttribute('data-condition', 'online');
  } finally {
    await sim.close();
  }
  // The charger went away without a goodbye; the depot keeps it and the page stays usable.
  await expect(page.getByTestId('broker-banner')).toHaveCount(0);
});
