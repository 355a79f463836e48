import { ADMIN, expect, openApp, test } from './fixtures';

test('on a new depot the first visitor creates the admin and lands on the dashboard', async ({ page }) => {
  expect(await openApp(page)).toBe('setup');
  const form = page.getByTestId('setup-form');
  await expect(page.getByText('首次使用：创建管理员')).toBeVisible();

  await form.locator('#name').fill(ADMIN.name);
  await form.locator('#displayName').fill(ADMIN.displayName);
  await form.locator('#password').fill(ADMIN.password);
  await form.locator('#confirm').fill(ADMIN.password);
  await form.getByRole('button', { name: '创建管理员并登录' }).click();

  await expect(page.getByTestId('operator')).toContainText(ADMIN.displayName);
  await expect(page.getByTestId('operator')).toContainText('管理员');
  await expect(page.getByTestId('page-dashboard')).toBeVisible();
});

test('a wrong password is refused; the admin then signs in, and after signing out stays signed out', async ({ page }) => {
  expect(await openApp(page)).toBe('login');
  const form = page.getByTestId('login-form');
  await form.locator('#name').fill(ADMIN.name);
  await form.locator('#password').fill('not-the-password');
  await form.getByRole('button').click();
  await expect(page.locator('.ant-notification')).toContainText('wrong operator name or password');

  await form.locator('#password').fill(ADMIN.password);
  await form.getByRole('button').click();
  await expect(page.getByTestId('operator')).toContainText(ADMIN.displayName);

  await page.getByTestId('logout').click();
  await expect(page.getByTestId('login-form')).toBeVisible();
  // The login cookie is gone: a reload stays on the login screen.
  await page.reload();
  await expect(page.getByTestId('app-ready')).toHaveAttribute('data-auth', 'login');
});

test('a browser that never opened the serve URL gets an explanation, not a crash', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const origin = new URL(process.env.DEPOTDESK_E2E_URL ?? '').origin;
  // The 401 on /rpc is the expected answer here; Chromium logs it as a failed resource load.
  await page.goto(origin);
  await expect(page.getByTestId('token-missing')).toContainText('depotdesk serve');
  await context.close();
});
