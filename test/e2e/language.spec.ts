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
