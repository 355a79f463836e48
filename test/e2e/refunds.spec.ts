import { expect, modal, openApp, rpc, signIn, test } from './fixtures';

/**
 * The Compensation page's Adjustments and Refund tasks tabs. The admin opens an order refund at
 * the counter and finds approve disabled on it (the creator may not approve); a second supervisor,
 * signed in in another browser, opens one the admin approves; the refund task it creates goes
 * through the simulated gateway with "process now", and its row opens to the attempt in words,
 * with the request sent behind 技术详情.
 */
test('an adjustment is approved by another supervisor and its refund task completes through the gateway', async ({ page, browser }) => {
  await signIn(page);
  const tag = String(Date.now()).slice(-7);
  const supName = `sup${tag}`;
  await rpc(page, 'operators.create', { name: supName, displayName: `李主管${tag}`, role: 'supervisor', password: 'depot-sup-2024' });
  const driver = await rpc<{ id: string }>(page, 'drivers.add', { name: `退款客户${tag}`, phone: `136${tag}2` });
  const order = await rpc<{ id: string; number: string }>(page, 'payments.createOrder', { driverId: driver.id, amount: '100.00', channel: 'wechat' });
  await rpc(page, 'payments.confirm', { orderId: order.id });

  // From the order's own row in the payments list: 退款 opens the adjustment form on that order.
  await page.getByRole('menuitem', { name: '钱包与账本' }).click();
  await page.getByRole('tab', { name: '支付订单' }).click();
  await page.getByTestId(`payments-refund-${order.number}`).click();
  await expect(page).toHaveURL(/#\/compensation\?view=adjustments&order=/);
  const tab = page.getByTestId('comp-adjustments-tab');
  await expect(tab.getByTestId('adj-limit')).toContainText('可退 ¥100.00');
  // The form names the order by its number (商户订单号), never its internal id.
  await expect(tab.getByTestId('adj-ref')).toHaveValue(order.number);
  await tab.getByTestId('adj-amount').fill('12.50');
  await tab.getByTestId('adj-reason').fill('多充退回');
  await tab.getByTestId('adj-create').click();
  await expect(page.locator('.ant-message')).toContainText(`已提交 ${order.number} 的退款 ¥12.50`);
  const own = tab.getByTestId('adj-table').locator('tr', { hasText: '多充退回' });
  await expect(own).toContainText('¥12.50');
  await expect(own.locator('[data-testid^="adj-approve-"]')).toBeDisabled();

  // A second supervisor, in their own browser, opens another adjustment on the same order.
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await openApp(otherPage);
  await rpc(otherPage, 'auth.login', { name: supName, password: 'depot-sup-2024' });
  const theirs = await rpc<{ id: string }>(otherPage, 'adjustments.create', { orderId: order.id, amount: '20.00', reason: '桩故障补退' });
  await other.close();

  const row = tab.getByTestId('adj-table').locator('tr', { hasText: '桩故障补退' });
  await expect(row).toBeVisible();
  await row.getByTestId(`adj-approve-${theirs.id}`).click();
  const decide = await modal(page, '批准调账 ¥20.00');
  await expect(decide.getByTestId('adj-approve-hint')).toContainText(`从 退款客户${tag} 的钱包扣回 ¥20.00`);
  await expect(decide.getByTestId('adj-approve-hint')).toContainText(`支付订单 ${order.number}`);
  await decide.getByTestId('adj-note').fill('核实无误');
  await decide.getByRole('button', { name: /OK|确\s*定/ }).click();
  // The list opens on pending adjustments: the decided one leaves it and shows under 已批准.
  await expect(row).toHaveCount(0);
  await tab.getByTestId('adj-state-filter').click();
  await page.locator('.ant-select-item-option', { hasText: '已批准' }).click();
  const approved = tab.getByTestId('adj-table').locator('tr', { hasText: '桩故障补退' });
  await expect(approved).toContainText('已批准');
  await expect(approved).toContainText('核实无误');
  await expect(approved).toContainText(`李主管${tag}`);

  await page.getByRole('tab', { name: '退款任务' }).click();
  const tasks = page.getByTestId('comp-refundtasks-tab');
  const taskRow = tasks.getByTestId('task-table').locator('tr', { hasText: order.number }).first();
  await expect(taskRow).toContainText('¥20.00');
  await tasks.getByTestId('task-run').click();
  await expect(taskRow).toContainText('已完成');
  await expect(taskRow).toContainText('1/3');
  await taskRow.locator('.ant-table-row-expand-icon').click();
  // The row opens on the attempt in words; the raw exchange waits behind 技术详情 for support staff.
  const attempt = tasks.getByTestId('task-attempt');
  await expect(attempt.getByTestId('task-attempt-outcome')).toHaveText('渠道已退款');
  await expect(attempt).toContainText('已尝试 1 次（最多 3 次）');
  await expect(attempt).toContainText('微信支付');
  await expect(attempt).toContainText('¥20.00（原支付 ¥100.00）');
  await expect(attempt).not.toContainText('POST /v3/refund/domestic/refunds');
  await attempt
    .getByTestId('task-technical')
    .getByRole('button', { name: /技术详情/ })
    .click();
  await expect(attempt).toContainText('POST /v3/refund/domestic/refunds');
  await expect(attempt).toContainText('"amountFen": 2000');

  const wallet = await rpc<{ wallet: { balance: { yuan: string } } }>(page, 'wallet.show', { driverId: driver.id });
  expect(wallet.wallet.balance.yuan).toBe('80.00');
});
