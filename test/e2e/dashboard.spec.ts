import { expect, rpc, signIn, test } from './fixtures';

test('the dashboard shows the live figures, formatted by unit, and the broker state', async ({ page }) => {
  await signIn(page);
  const dashboard = page.getByTestId('dashboard');
  const active = dashboard.getByTestId('figure-operators.active');
  await expect(active).toContainText('在用操作员');
  await expect(active.locator('.ant-statistic-content')).toHaveText(/^\d+$/);
  await expect(dashboard.getByTestId('figure-db.size')).toContainText(/\d+(\.\d)? (KB|MB)/);
  await expect(dashboard.getByTestId('figure-audit.actionsToday')).toContainText('今日操作次数');
  await expect(dashboard.getByTestId('broker-state')).toBeVisible();
  await expect(dashboard).toContainText(/营业日 \d{4}-\d{2}-\d{2}/);
});

test('the dashboard follows push events: an action elsewhere updates today’s count without a reload', async ({ page }) => {
  await signIn(page);
  const actions = page.getByTestId('figure-audit.actionsToday').locator('.ant-statistic-content');
  await expect(actions).toHaveText(/^\d+$/);
  const before = Number(await actions.innerText());
  // An audited command from outside the page (same login); the core pushes audit.appended.
  await rpc(page, 'system.backup');
  await expect.poll(async () => Number(await actions.innerText())).toBeGreaterThan(before);
});
