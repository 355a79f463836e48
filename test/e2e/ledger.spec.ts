import type { Page } from '@playwright/test';
import { expect, rpc, signIn, signInAs, test } from './fixtures';

/**
 * The Ledger page at the counter: find a driver by card number, top up in cash, get the receipt,
 * and see the movement in the driver's statement with its running balance. A mistyped amount is
 * refused next to the field and books nothing.
 */
test('an operator finds a driver by card, tops up in cash, prints the receipt and sees the statement', async ({ page }) => {
  await signIn(page);
  const tag = String(Date.now()).slice(-7);
  const driver = await rpc<{ id: string }>(page, 'drivers.add', { name: `钱包客户${tag}`, phone: `137${tag}1`, tags: [`C${tag}`] });

  await page.getByRole('menuitem', { name: '钱包与账本' }).click();
  await page.getByRole('tab', { name: '司机与钱包' }).click();
  const search = page.getByPlaceholder('按姓名、手机号、卡号或 VIN 搜索');
  await search.fill(`c${tag}`);
  await search.press('Enter');
  await page.getByTestId('ledger-drivers').getByText(`钱包客户${tag}`).click();
  await expect(page.getByTestId('ledger-driver-name')).toHaveText(`钱包客户${tag}`);
  await expect(page.getByTestId('ledger-wallet-balance')).toContainText('¥0.00');

  await page.getByTestId('ledger-topup').click();
  await page.getByTestId('ledger-topup-amount').fill('12.345');
  await page.getByTestId('ledger-topup-submit').click();
  await expect(page.getByTestId('ledger-topup-modal')).toContainText('more than 2 decimals');
  const untouched = await rpc<{ wallet: { balance: { fen: number } } }>(page, 'wallet.show', { driverId: driver.id });
  expect(untouched.wallet.balance.fen).toBe(0);

  await page.getByTestId('ledger-topup-amount').fill('100.00');
  // The field's error goes away as the amount is corrected, and the dialog shrinks under it: wait for
  // that before pressing the button, or the click lands where the button was.
  await expect(page.getByTestId('ledger-topup-modal')).not.toContainText('more than 2 decimals');
  await page.getByTestId('ledger-topup-submit').click();
  const receipt = page.getByTestId('ledger-receipt');
  await expect(receipt).toContainText('¥100.00');
  await expect(receipt).toContainText('现金');
  await expect(page.getByTestId('ledger-receipt-print')).toBeVisible();
  await page.keyboard.press('Escape');

  await expect(page.getByTestId('ledger-wallet-balance')).toContainText('¥100.00');
  const statement = page.getByTestId('ledger-statement');
  await expect(statement).toContainText('充值');
  await expect(statement).toContainText('+¥100.00');
  const after = await rpc<{ wallet: { balance: { yuan: string } } }>(page, 'wallet.show', { driverId: driver.id });
  expect(after.wallet.balance.yuan).toBe('100.00');
});

/** Finds the driver by the full phone number on 司机与钱包 and opens them. */
async function openDriverByPhone(page: Page, phone: string, name: string) {
  await page.getByRole('menuitem', { name: '钱包与账本' }).click();
  await page.getByRole('tab', { name: '司机与钱包' }).click();
  const search = page.getByPlaceholder('按姓名、手机号、卡号或 VIN 搜索');
  await search.fill(phone);
  await search.press('Enter');
  const row = page.getByTestId('ledger-drivers').locator('.ant-table-row').filter({ hasText: name });
  await expect(row).toHaveCount(1);
  return row;
}

test('phone numbers are masked (138****5678) in the drivers list and on the driver page; a supervisor or admin shows the full number there on purpose; search by the full number still finds the driver', async ({
  page,
  browser,
}) => {
  await signIn(page);
  const tag = String(Date.now()).slice(-7);
  const phone = `138${tag}8`;
  const masked = `${phone.slice(0, 3)}****${phone.slice(-4)}`;
  const name = `掩码客户${tag}`;
  await rpc(page, 'drivers.add', { name, phone });

  // The admin: masked in the list and on the driver page, the full number when asked for, masked again after.
  const row = await openDriverByPhone(page, phone, name);
  await expect(row).toContainText(masked);
  await expect(row).not.toContainText(phone);
  await row.click();
  await expect(page.getByTestId('ledger-driver-phone')).toHaveText(masked);
  await expect(page.getByTestId('ledger-driver')).not.toContainText(phone);
  await page.getByTestId('ledger-driver-phone-reveal').click();
  await expect(page.getByTestId('ledger-driver-phone')).toHaveText(phone);
  await page.getByTestId('ledger-driver-phone-reveal').click();
  await expect(page.getByTestId('ledger-driver-phone')).toHaveText(masked);

  // A counter operator: masked on the driver page too.
  const op = { name: `maskop${tag}`, displayName: `收银员${tag}` };
  await rpc(page, 'operators.create', { ...op, role: 'operator', password: `pw-${tag}-secret` });
  const other = await signInAs(browser, op, `pw-${tag}-secret`);
  try {
    const theirRow = await openDriverByPhone(other.page, phone, name);
    await expect(theirRow).toContainText(masked);
    await theirRow.click();
    await expect(other.page.getByTestId('ledger-driver-phone')).toHaveText(masked);
    await expect(other.page.getByTestId('ledger-driver-phone-reveal')).toHaveCount(0);
  } finally {
    await other.done();
  }
});

test('a long statement is read a page at a time: page 1 holds the newest lines, page 2 the ones before them, each with its running balance', async ({ page }) => {
  await signIn(page);
  const tag = String(Date.now()).slice(-7);
  const phone = `136${tag}6`;
  const name = `流水客户${tag}`;
  const driver = await rpc<{ id: string }>(page, 'drivers.add', { name, phone });
  // 55 top-ups of ¥1, ¥2 … ¥55: the running balance after the n-th is n(n+1)/2 yuan.
  for (let n = 1; n <= 55; n += 1) await rpc(page, 'wallet.topup', { driverId: driver.id, amount: `${n}.00`, key: `page-${tag}-${n}`, channel: 'cash' });

  await (await openDriverByPhone(page, phone, name)).click();
  const statement = page.getByTestId('ledger-statement');
  const rows = statement.locator('.ant-table-tbody .ant-table-row');
  // Page 1: the newest 50 (the 6th to the 55th), oldest first: ¥21.00 after the 6th, ¥1,540.00 after the 55th.
  await expect(rows).toHaveCount(50);
  await expect(rows.first()).toContainText('+¥6.00');
  await expect(rows.first()).toContainText('¥21.00');
  await expect(rows.last()).toContainText('+¥55.00');
  await expect(rows.last()).toContainText('¥1,540.00');
  // Page 2, asked before page 1's first line: the first five, ¥1.00 … ¥15.00.
  await statement.locator('.ant-pagination-item-2').click();
  await expect(rows).toHaveCount(5);
  await expect(rows.first()).toContainText('+¥1.00');
  await expect(rows.last()).toContainText('+¥5.00');
  await expect(rows.last()).toContainText('¥15.00');
  await expect(statement.locator('.ant-pagination-item-3')).toHaveCount(0);
});
