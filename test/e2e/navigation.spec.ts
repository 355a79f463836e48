import { expect, signIn, test } from './fixtures';

const AREAS = [
  ['dashboard', '实时监控'],
  ['sessions', '充电订单'],
  ['chargers', '充电桩'],
  ['ledger', '钱包与账本'],
  ['compensation', '补偿'],
  ['reconciliation', '对账'],
  ['risk', '风控'],
  ['jobs', '任务'],
  ['reports', '报表'],
  ['settings', '设置'],
] as const;

test('every area of the side navigation opens and shows content, never a blank page', async ({ page }) => {
  await signIn(page);
  for (const [key, label] of AREAS) {
    await page.getByTestId('nav').getByText(label, { exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`#/${key}`));
    await expect(page.getByTestId('page-title')).toHaveText(label);
    const content = page.getByTestId(`page-${key}`);
    await expect(content).toBeVisible();
    // Wait for the lazy page itself, then require real text in it.
    await expect(content.locator('.ant-spin-spinning')).toHaveCount(0);
    await expect.poll(async () => (await content.innerText()).trim().length, { message: `${key} shows text` }).toBeGreaterThan(10);
    await expect(content.getByText('页面出错')).toHaveCount(0);
  }
});

test('an area opened by its address survives a reload', async ({ page }) => {
  await signIn(page);
  await page.getByTestId('nav').getByText('对账', { exact: true }).click();
  await page.reload();
  await expect(page.getByTestId('page-title')).toHaveText('对账');
  await expect(page.getByTestId('recon-calendar')).toBeVisible();
});
