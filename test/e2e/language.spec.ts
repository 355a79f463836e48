import { expect, signIn, test } from './fixtures';

test('switching to English changes the whole UI, and the choice survives a reload', async ({ page }) => {
  await signIn(page);
  await expect(page.getByTestId('nav')).toContainText('实时监控');
  await page.getByTestId('language-switch').getByText('English').click();

  await expect(page.getByTestId('nav')).toContainText('Dashboard');
  await expect(page.getByTestId('nav')).toContainText('Reconciliation');
  await expect(page.getByTestId('logout')).toHaveText(/Sign out/);
  await expect(page.getByTestId('figure-operators.active')).toContainText('Active operators');
  await expect(page.getByTestId('nav')).not.toContainText('实时监控');

  await page.reload();
  await expect(page.getByTestId('page-title')).toHaveText('Dashboard');
  await page.getByTestId('nav').getByText('Settings', { exact: true }).click();
  await expect(page.getByRole('tab', { name: 'Audit log' })).toBeVisible();
  await expect(page.getByTestId('about')).toContainText('Data directory');

  await page.getByTestId('language-switch').getByText('中文').click();
  await expect(page.getByTestId('page-title')).toHaveText('设置');
});

test("antd's own text follows the language: 取消/确定 in a modal, 条/页 in pagination, then Cancel/OK", async ({ page }) => {
  await signIn(page);
  await page.getByTestId('nav-ledger').click();
  await page.getByRole('tab', { name: '司机' }).click();
  await page.getByTestId('ledger-add-driver').click();
  const modal = page.getByTestId('ledger-add-driver-modal');
  // antd spaces two-character Chinese button labels ("取 消").
  await expect(modal.getByRole('button', { name: /^取\s*消$/ })).toBeVisible();
  await expect(modal.getByRole('button', { name: /^确\s*定$/ })).toBeVisible();
  await modal.getByRole('button', { name: /^取\s*消$/ }).click();

  await page.getByTestId('nav-jobs').click();
  // Routine cron runs are folded by default, and a table with no rows has no pagination: on a depot
  // where nothing but crons ran yet (this spec alone), show them.
  await page.getByTestId('jobs-show-routine').check();
  await expect(page.getByTestId('page-jobs').locator('.ant-pagination-options')).toContainText('条/页');

  await page.getByTestId('language-switch').getByText('English').click();
  await expect(page.getByTestId('page-jobs').locator('.ant-pagination-options')).toContainText('/ page');
  await page.getByTestId('nav-ledger').click();
  await page.getByRole('tab', { name: 'Drivers' }).click();
  await page.getByTestId('ledger-add-driver').click();
  await expect(page.getByTestId('ledger-add-driver-modal').getByRole('button', { name: 'Cancel' })).toBeVisible();
  await page.getByTestId('ledger-add-driver-modal').getByRole('button', { name: 'Cancel' }).click();
  await page.getByTestId('language-switch').getByText('中文').click();
});
