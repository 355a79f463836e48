import { ADMIN, expect, rpc, signIn, test } from './fixtures';

test.beforeEach(async ({ page }) => {
  await signIn(page);
  await page.getByTestId('nav').getByText('设置', { exact: true }).click();
});

test('the About panel names the version, data directory, schema and time zone; a backup names its file', async ({ page }) => {
  const about = page.getByTestId('about');
  await expect(about).toContainText('版本');
  await expect(about).toContainText(process.env.DEPOTDESK_E2E_DATA_DIR ?? 'missing');
  // The database's version in words, not the last migration's file name.
  await expect(page.getByTestId('about-schema')).toHaveText(/^数据库版本 \d+ · 最新$/);
  await expect(about).toContainText('Asia/Shanghai');
  await page.getByTestId('backup').click();
  await expect(page.getByTestId('backup-result')).toContainText(/depotdesk-\d{8}T\d{6}Z\.sqlite/);
});

test('the operators tab lists the admin; the audit tab verifies the hash chain', async ({ page }) => {
  await page.getByRole('tab', { name: '操作员' }).click();
  await expect(page.getByTestId('operators-table')).toContainText(ADMIN.name);
  await page.getByRole('tab', { name: '审计日志' }).click();
  await expect(page.getByTestId('audit-table')).toContainText('登录');
  await page.getByTestId('verify-audit').click();
  await expect(page.getByTestId('audit-verdict')).toContainText('审计日志完整');
});

test('the audit log reads as what people did: who by name, the action in words, the order by number and the reason; the full record on 详情', async ({ page }) => {
  await signIn(page);
  const tag = Date.now().toString(36).toUpperCase();
  const driver = await rpc<{ id: string }>(page, 'drivers.add', { name: `审计司机${tag}`, phone: `137${String(Date.now()).slice(-8)}` });
  const order = await rpc<{ id: string; number: string }>(page, 'payments.createOrder', { driverId: driver.id, amount: '88.00', channel: 'wechat' });
  await rpc(page, 'payments.cancelOrder', { orderId: order.id, reason: `顾客改用现金 ${tag}` });

  await page.getByTestId('nav').getByText('设置', { exact: true }).click();
  await page.getByRole('tab', { name: '审计日志' }).click();
  const table = page.getByTestId('audit-table');
  const row = table.locator('tr.ant-table-row', { hasText: `顾客改用现金 ${tag}` });
  await expect(row).toContainText('取消支付订单');
  await expect(row).toContainText(`支付订单 ${order.number} · 原因 顾客改用现金 ${tag}`);
  await expect(row).toContainText(ADMIN.displayName);
  // The login, the method's code, the order's id and the JSON are not what the row shows.
  for (const raw of [ADMIN.name, 'payments.cancelOrder', order.id, '"reason"']) await expect(row).not.toContainText(raw);
  const create = table.locator('tr.ant-table-row', { hasText: '创建支付订单' }).first();
  await expect(create).toContainText('金额 ¥88.00');

  // Every field is one click away, worded as a form: the order by its number, no JSON.
  await row.getByText('详情').click();
  const record = table.locator('[data-testid^="audit-record-"]');
  await expect(record.getByTestId('audit-field-orderId')).toHaveText(order.number);
  await expect(record).toContainText('支付订单');
  await expect(record.getByTestId('audit-field-reason')).toHaveText(`顾客改用现金 ${tag}`);
  for (const raw of ['"reason"', '{', order.id]) await expect(record).not.toContainText(raw);
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
