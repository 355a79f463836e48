import { ADMIN, expect, signIn, test } from './fixtures';

test.beforeEach(async ({ page }) => {
  await signIn(page);
  await page.getByTestId('nav').getByText('设置', { exact: true }).click();
});

test('the About panel names the version, data directory, schema and time zone; a backup names its file', async ({ page }) => {
  const about = page.getByTestId('about');
  await expect(about).toContainText('版本');
  await expect(about).toContainText(process.env.DEPOTDESK_E2E_DATA_DIR ?? 'missing');
  await expect(about).toContainText(/已应用 \d+ 个迁移/);
  await expect(about).toContainText('Asia/Shanghai');
  await page.getByTestId('backup').click();
  await expect(page.getByTestId('backup-result')).toContainText(/depotdesk-\d{8}T\d{6}Z\.sqlite/);
});

test('the operators tab lists the admin; the audit tab verifies the hash chain', async ({ page }) => {
  await page.getByRole('tab', { name: '操作员' }).click();
  await expect(page.getByTestId('operators-table')).toContainText(ADMIN.name);
  await page.getByRole('tab', { name: '审计日志' }).click();
  await expect(page.getByTestId('audit-table')).toContainText('auth.login');
  await page.getByTestId('verify-audit').click();
  await expect(page.getByTestId('audit-verdict')).toContainText('审计日志完整');
});

test('an admin adds an operator, who then appears in the list', async ({ page }) => {
  await page.getByRole('tab', { name: '操作员' }).click();
  await page.getByTestId('add-operator').click();
  const form = page.getByTestId('add-operator-form');
  const name = `op${Date.now() % 100000}`;
  await form.locator('#name').fill(name);
  await form.locator('#password').fill('a-long-enough-password');
  await page.getByTestId('add-operator-submit').click();
  await expect(page.locator('.ant-message')).toContainText(`已添加操作员 ${name}`);
  await expect(page.getByTestId('operators-table')).toContainText(name);
});
