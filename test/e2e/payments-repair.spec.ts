import path from 'node:path';
import Database from 'better-sqlite3';
import { expect, modal, rpc, signIn, test } from './fixtures';

/**
 * A parked payment order and its repair (src-main/payments/stuck.ts), on screen. The seed-004
 * situation is written straight into the served depot's database — the order's coupon record
 * `consumed` where a restore needs `applied`, and the timeout job's three refusals that parked it —
 * because the real job needs half an hour and three runs to get there (test/payments/stuck.test.ts
 * drives that path with the fake clock). The admin repairs it from the order's drawer.
 */
function park(orderId: string): void {
  const dir = process.env.DEPOTDESK_E2E_DATA_DIR;
  if (!dir) throw new Error('DEPOTDESK_E2E_DATA_DIR is not set: run through playwright.config.ts');
  const db = new Database(path.join(dir, 'depotdesk.sqlite'));
  db.pragma('busy_timeout = 5000');
  const now = Date.now();
  db.transaction(() => {
    db.prepare("UPDATE order_coupons SET status = 'consumed' WHERE order_id = ?").run(orderId);
    db.prepare(
      `INSERT INTO payment_order_stuck (order_id, attempts, first_failed_at, last_failed_at, last_error_code, last_error, parked_at)
       VALUES (?, 3, ?, ?, 'guard_failed', 'restore the coupon of the order (its coupon record is consumed, not applied): expected 1 row(s) to change, 0 did', ?)`,
    ).run(orderId, now - 180_000, now - 60_000, now - 60_000);
  })();
  db.close();
}

test('a parked order is listed above the orders and a supervisor restores its coupon from the ledger, with a note', async ({ page }) => {
  await signIn(page);
  const tag = String(Date.now()).slice(-7);
  const driver = await rpc<{ id: string }>(page, 'drivers.add', { name: `卡单客户${tag}`, phone: `137${tag}1` });
  const coupon = await rpc<{ couponId: string }>(page, 'coupons.grant', { driverId: driver.id, amount: '30.00', key: `e2e:stuck:${tag}` });
  const order = await rpc<{ id: string; number: string }>(page, 'payments.createOrder', {
    driverId: driver.id,
    amount: '200.00',
    couponId: coupon.couponId,
    channel: 'wechat',
  });
  park(order.id);

  await page.getByRole('menuitem', { name: '钱包与账本' }).click();
  await page.getByRole('tab', { name: '支付订单' }).click();
  const notice = page.getByTestId('payments-parked');
  await expect(notice).toContainText('等待主管修复');
  await notice.getByTestId(`payments-parked-${order.number}`).click();

  const drawer = page.getByTestId('payments-order-drawer');
  const stuck = drawer.getByTestId('payments-order-stuck');
  await expect(stuck).toContainText('已停止自动取消');
  await expect(stuck).toContainText('consumed, not applied');
  await expect(drawer.getByTestId('payments-order-coupon')).toContainText('已核销');
  await stuck.getByTestId('payments-repair').click();

  const dialog = await modal(page, order.number);
  await expect(dialog.getByTestId('payments-repair-submit')).toBeDisabled();
  await expect(dialog).toContainText('按账本中该订单的用券与积分扣减记录退回 ¥30.00 用券');
  await dialog.getByTestId('payments-repair-note').fill('券记录误标为已核销；账本显示该券只被本订单扣减，按账本退回');
  await dialog.getByTestId('payments-repair-submit').click();
  await expect(dialog).toBeHidden();

  await expect(stuck).toContainText('已由主管修复');
  await expect(stuck).toContainText('按账本退回');
  await expect(drawer.getByTestId('payments-order-facts')).toContainText('已取消');
  await expect(drawer.getByTestId('payments-order-transfers').locator('tr', { hasText: '¥30.00' })).toHaveCount(2);
  const coupons = await rpc<{ couponId: string; remaining: { yuan: string } }[]>(page, 'coupons.list', { driverId: driver.id });
  expect(coupons.find((c) => c.couponId === coupon.couponId)?.remaining.yuan).toBe('30.00');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('payments-parked')).toBeHidden();
});
