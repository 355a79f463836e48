import { expect, modal, rpc, signIn, test } from './fixtures';

/**
 * The counter sells a package through the simulated gateway: pick the driver by phone, pick the
 * package and channel, see the QR placeholder and the payable, press "customer paid"; the order
 * shows as paid in the list, and a payment made after a cancel shows as an unmatched payment that
 * the admin (finance rights) credits to the wallet.
 */
test('the counter sells a package, the customer pays, and a late payment is resolved to the wallet', async ({ page }) => {
  await signIn(page);
  const tag = String(Date.now()).slice(-7);
  const phone = `139${tag}0`;
  const driver = await rpc<{ id: string }>(page, 'drivers.add', { name: `柜台客户${tag}`, phone });
  await rpc(page, 'payments.createPackage', { name: `充200送20-${tag}`, price: '200.00', credited: '220.00' });

  await page.getByRole('menuitem', { name: '钱包与账本' }).click();
  await expect(page.getByTestId('payments-counter')).toBeVisible();
  await page.getByTestId('payments-driver').locator('input').fill(phone);
  await page.locator('.ant-select-item-option', { hasText: phone }).click();
  await page.getByText(`充200送20-${tag}`).click();
  await page.getByTestId('payments-create').click();
  await expect(page.getByTestId('payments-qr')).toContainText('weixin://');
  await expect(page.getByTestId('payments-order')).toContainText('¥200.00');
  await page.getByTestId('payments-simulate-paid').click();
  await expect(page.getByTestId('payments-order')).toContainText('已支付');
  const wallet = await rpc<{ wallet: { balance: { yuan: string } } }>(page, 'wallet.show', { driverId: driver.id });
  expect(wallet.wallet.balance.yuan).toBe('220.00');

  // A second order, not paid: cancelling it asks first, saying what it does and what comes back.
  await page.getByTestId('payments-create').click();
  await expect(page.getByTestId('payments-order')).toContainText('待支付');
  await page.getByTestId('payments-cancel').click();
  await expect(page.locator('.ant-popconfirm')).toContainText('二维码随即作废');
  await page.getByTestId('payments-cancel-confirm').click();
  await expect(page.getByTestId('payments-order')).toContainText('已取消');

  const late = await rpc<{ id: string; number: string }>(page, 'payments.createOrder', { driverId: driver.id, amount: '50.00', channel: 'alipay' });
  await rpc(page, 'payments.cancelOrder', { orderId: late.id, reason: 'walked away' });
  await rpc(page, 'payments.confirm', { orderId: late.id });

  await page.getByRole('tab', { name: '支付订单' }).click();
  await expect(page.getByTestId('payments-orders')).toContainText(late.number);

  // The paid order's detail names its transfers in words: the payment into the wallet and the package's bonus.
  const mine = await rpc<{ orders: { number: string; state: string }[] }>(page, 'payments.listOrders', { search: phone, state: 'PAID' });
  expect(mine.orders).toHaveLength(1);
  await page.getByTestId(`payments-order-${mine.orders[0].number}`).click();
  const drawer = page.getByTestId('payments-order-drawer');
  await expect(drawer).toContainText(`支付订单 ${mine.orders[0].number}`);
  const transfers = drawer.getByTestId('payments-order-transfers');
  await expect(transfers.locator('tr', { hasText: '充值' })).toContainText('微信支付待清算 → 钱包');
  await expect(transfers.locator('tr', { hasText: '充值' })).toContainText('¥200.00');
  await expect(transfers.locator('tr', { hasText: '补偿' })).toContainText('¥20.00');
  await page.keyboard.press('Escape');
  await expect(drawer).toBeHidden();
  await page.getByRole('tab', { name: '长款处理' }).click();
  const row = page.getByTestId('payments-unmatched').locator('tr', { hasText: late.number });
  // antd spaces out two-character Chinese button labels ("处 理"), so the button is found by its test id.
  await row.locator('[data-testid^="payments-resolve-"]').click();
  const resolve = await modal(page, late.number);
  await resolve.getByLabel('备注').fill('顾客要求存入钱包');
  await resolve.getByRole('button', { name: /OK|确\s*定/ }).click();
  await expect(row).toContainText('已入钱包');
  const after = await rpc<{ wallet: { balance: { yuan: string } } }>(page, 'wallet.show', { driverId: driver.id });
  expect(after.wallet.balance.yuan).toBe('270.00');
});
