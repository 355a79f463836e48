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
  await expect(banner).toContainText(`operator ${name}`);
  await expect(page.getByTestId('nav-alerts-badge')).toBeVisible();
  await expect
    .poll(() => page.evaluate(() => (window as unknown as { __shown: { title: string; body: string }[] }).__shown))
    .toContainEqual({ title: 'DepotDesk · 警告', body: expect.stringContaining(`operator ${name}`) });

  // Acknowledged on the Alerts tab, it leaves the banner (other open alerts of the shared depot may remain).
  await page.getByTestId('nav-jobs').click();
  await page.getByRole('tab', { name: /告警/ }).click();
  const row = page.getByTestId('alerts-table').locator('tr', { hasText: `operator ${name}` });
  await row.locator('[data-testid^="alert-ack-"]').click();
  await expect(page.locator('.ant-message')).toContainText('告警已确认');
  await expect(row.locator('[data-testid^="alert-ack-"]')).toHaveCount(0);
  await expect(banner.filter({ hasText: `operator ${name}` })).toHaveCount(0);
});
