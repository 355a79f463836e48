import { expect, signIn, test } from './fixtures';

test('a too-short password is refused with a message naming the field, shown under that field', async ({ page }) => {
  await signIn(page);
  await page.goto(new URL('/#/settings?tab=operators', process.env.DEPOTDESK_E2E_URL).toString());
  await page.getByTestId('add-operator').click();
  const form = page.getByTestId('add-operator-form');
  await form.locator('#name').fill('lisi');
  await form.locator('#password').fill('abc');
  await page.getByTestId('add-operator-submit').click();

  const notice = page.locator('.ant-notification-notice');
  await expect(notice).toContainText('输入有误');
  await expect(notice).toContainText('password');
  // The core's reason sits under the password field, and nothing was created.
  const passwordItem = form.locator('.ant-form-item').filter({ has: page.locator('#password') });
  await expect(passwordItem.locator('.ant-form-item-explain-error')).toContainText('8');
  await page
    .locator('.ant-modal')
    .getByRole('button', { name: /取\s*消/ })
    .click();
  await expect(page.getByTestId('operators-table')).not.toContainText('lisi');
});
