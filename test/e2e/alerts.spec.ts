import ExcelJS from 'exceljs';
import { expect, loginUrl, rpc, signIn, test } from './fixtures';

/**
 * Alerts reach an operator who is looking elsewhere (issue 21): an alert raised while the page is
 * open shows in the banner over every page, as a count on the 任务 menu entry, and, once the
 * browser allowed notifications, as a system notification. The alert here is a real one: five
 * wrong passwords in a row for an operator raise auth.throttled (a warning).
 */
test.use({ permissions: ['notifications'] });

test('an alert raised while the page is open: banner, badge on 任务, and a system notification; acknowledged, the banner goes', async ({ page }) => {
  // Record the notifications the page creates (the real ones still show).
  await page.addInitScript(() => {
    const shown: { title: string; body: string }[] = [];
    (window as unknown as { __shown: typeof shown }).__shown = shown;
    const Real = window.Notification;
    class Recorded extends Real {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        shown.push({ title, body: options?.body ?? '' });
      }
    }
    Object.defineProperty(window, 'Notification', { value: Recorded, configurable: true });
  });
  await signIn(page);
  // Allowed already: the bell that asks for permission is not offered.
  await expect(page.getByTestId('logout')).toBeVisible();
  await expect(page.getByTestId('alerts-notify')).toHaveCount(0);

  const tag = String(Date.now()).slice(-6);
  const name = `guess${tag}`;
  await rpc(page, 'operators.create', { name, role: 'operator', password: 'right-password-1' });
  for (let i = 0; i < 5; i++) {
    const res = await page.request.post(new URL('/rpc', loginUrl()).toString(), { data: { method: 'auth.login', params: { name, password: `wrong-${i}` } } });
    expect(((await res.json()) as { ok: boolean }).ok).toBe(false);
  }

  const banner = page.getByTestId('alert-banner');
  await expect(banner).toContainText(`操作员 ${name}`);
  await expect(page.getByTestId('nav-alerts-badge')).toBeVisible();
  await expect
    .poll(() => page.evaluate(() => (window as unknown as { __shown: { title: string; body: string }[] }).__shown))
    .toContainEqual({ title: 'DepotDesk · 警告', body: expect.stringContaining(`操作员 ${name}`) });

  // Acknowledged on the Alerts tab, it leaves the banner (other open alerts of the shared depot may remain).
  await page.getByTestId('nav-jobs').click();
  await page.getByRole('tab', { name: /告警/ }).click();
  const row = page.getByTestId('alerts-table').locator('tr', { hasText: `操作员 ${name}` });
  await row.locator('[data-testid^="alert-ack-"]').click();
  await expect(page.locator('.ant-message')).toContainText('告警已确认');
  await expect(row.locator('[data-testid^="alert-ack-"]')).toHaveCount(0);
  await expect(banner.filter({ hasText: `操作员 ${name}` })).toHaveCount(0);
});

/** Five wrong passwords in a row for a new operator: a real auth.throttled warning naming them. */
async function raiseThrottled(page: import('@playwright/test').Page, name: string): Promise<void> {
  await rpc(page, 'operators.create', { name, role: 'operator', password: 'right-password-1' });
  for (let i = 0; i < 5; i++) {
    const res = await page.request.post(new URL('/rpc', loginUrl()).toString(), { data: { method: 'auth.login', params: { name, password: `wrong-${i}` } } });
    expect(((await res.json()) as { ok: boolean }).ok).toBe(false);
  }
}

/** The input of an antd time picker, whichever element carries the test id. */
const timeInput = (page: import('@playwright/test').Page, id: string) => page.locator(`[data-testid="${id}"] input, input[data-testid="${id}"]`).first();

test('Settings → 告警: a supervisor sets quiet hours, saves, and after a reload sees them kept', async ({ page }) => {
  await signIn(page);
  const before = await rpc<{ version: number }>(page, 'alerts.deliverySettings', {});
  try {
    await page.getByTestId('nav').getByText('设置', { exact: true }).click();
    await page.getByRole('tab', { name: '告警' }).click();
    const tab = page.getByTestId('alert-delivery-tab');
    await expect(tab).toContainText('免打扰时段');

    const quiet = page.getByTestId('quiet-hours-switch');
    if ((await quiet.getAttribute('aria-checked')) !== 'true') await quiet.click();
    await expect(quiet).toHaveAttribute('aria-checked', 'true');
    for (const [id, time] of [
      ['quiet-hours-from', '23:00'],
      ['quiet-hours-to', '06:30'],
    ] as const) {
      const input = timeInput(page, id);
      await input.click();
      await input.fill(time);
      await input.press('Enter');
      await expect(input).toHaveValue(time);
    }
    await expect(tab).toContainText('跨越午夜，至次日 06:30');
    // Finance hears urgent alerts only.
    await page.getByTestId('delivery-level-finance').click();
    await page.locator('.ant-select-dropdown:visible').getByTitle('仅紧急').click();

    await page.getByTestId('alert-delivery-save').click();
    await expect(page.locator('.ant-message')).toContainText('告警通知设置已保存');
    await expect(page.getByTestId('alert-delivery-version')).toContainText(`第 ${before.version + 1} 版`);

    await page.reload();
    await page.getByRole('tab', { name: '告警' }).click();
    await expect(page.getByTestId('quiet-hours-switch')).toHaveAttribute('aria-checked', 'true');
    await expect(timeInput(page, 'quiet-hours-from')).toHaveValue('23:00');
    await expect(timeInput(page, 'quiet-hours-to')).toHaveValue('06:30');
    await expect(page.getByTestId('delivery-level-finance')).toContainText('仅紧急');
    expect(await rpc(page, 'alerts.deliverySettings', {})).toMatchObject({
      version: before.version + 1,
      quietHours: { enabled: true, from: '23:00', to: '06:30' },
      roles: { finance: 'urgent', operator: 'warning' },
    });
  } finally {
    // The depot is shared by the specs that follow: put the defaults back so their warnings still notify.
    const now = await rpc<{ version: number }>(page, 'alerts.deliverySettings', {});
    await rpc(page, 'alerts.setDeliverySettings', {
      quietHours: { enabled: false, from: '22:00', to: '07:00' },
      roles: { operator: 'warning', supervisor: 'warning', finance: 'warning', admin: 'warning' },
      expectedVersion: now.version,
    });
  }
});

test('the alert history: searched by the operator’s name, narrowed by level, acknowledged alerts included on 显示全部', async ({ page }) => {
  await signIn(page);
  const name = `hist${String(Date.now()).slice(-6)}`;
  await raiseThrottled(page, name);

  await page.getByTestId('nav-jobs').click();
  await page.getByRole('tab', { name: /告警/ }).click();
  const table = page.getByTestId('alerts-table');
  const search = page.getByTestId('alerts-search').locator('input').or(page.locator('input[data-testid="alerts-search"]')).first();
  await search.fill(name);
  await search.press('Enter');
  await expect(table.locator('tbody tr.ant-table-row')).toHaveCount(1);
  await expect(table).toContainText(`操作员 ${name}`);
  // The export writes what the list shows: the search is applied to the workbook too.
  const downloaded = page.waitForEvent('download', { timeout: 60_000 });
  await page.getByTestId('export-alerts').click();
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(await (await downloaded).path());
  const lines: string[] = [];
  for (const ws of wb.worksheets)
    ws.eachRow((row) => lines.push(`${ws.name}: ${(row.values as unknown[]).map((v) => (v instanceof Date ? v.toISOString() : String(v ?? ''))).join(' | ')}`));
  // …in the words the list shows (the core's English message is the log's).
  const messages = lines.filter((r) => r.includes('次密码错误'));
  expect(messages, lines.join('\n')).toHaveLength(1);
  expect(messages[0]).toContain(`操作员 ${name} 连续`);
  expect(
    lines.some((r) => r.includes('wrong passwords')),
    lines.join('\n'),
  ).toBe(false);

  // Acknowledged, it leaves the open list but the history (show all) still finds it.
  await table.locator('[data-testid^="alert-ack-"]').click();
  await expect(page.locator('.ant-message')).toContainText('告警已确认');
  await expect(table.locator('tbody tr.ant-table-row')).toHaveCount(0);
  await page.getByTestId('alerts-show-all').click();
  await expect(table.locator('tbody tr.ant-table-row')).toHaveCount(1);
  await expect(table).toContainText(`操作员 ${name}`);

  // It is a warning: the urgent filter leaves it out, the warning filter keeps it.
  await page.getByTestId('alerts-filter-level').click();
  await page.locator('.ant-select-dropdown:visible').getByTitle('紧急').click();
  await expect(table.locator('tbody tr.ant-table-row')).toHaveCount(0);
  await page.getByTestId('alerts-filter-level').click();
  await page.locator('.ant-select-dropdown:visible').getByTitle('警告').click();
  await expect(table.locator('tbody tr.ant-table-row')).toHaveCount(1);
});
