import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Locator, Page } from '@playwright/test';
import { AlipayStub, APP_ID, makeAlipayKeys } from '../payments/alipay-stub';
import { APPID, MCHID, MERCHANT_SERIAL, makeStubKeys, PLATFORM_SERIAL, WechatStub } from '../payments/wechat-stub';
import { docsScreenshot, expect, test } from './fixtures';
import { rpc, startDepot, stopDepot, type Depot } from './own-depot';

/**
 * Issue 20's "Done when", in the browser: a depot of its own (`depotdesk serve`, real clock) whose
 * WeChat Pay and Alipay gateways are the local HTTPS stubs (test/payments/*-stub.ts), running in
 * this Playwright process. The depot trusts the stubs' self-signed TLS certificates through
 * payments.wechat.caFile and payments.alipay.caFile; WeChat Pay's address is config
 * (payments.wechat.apiBaseUrl), Alipay's is the gateway the admin enters with the credentials.
 *
 * Story, as the admin in zh-CN: enter and test both channels' credentials in Settings → 支付渠道;
 * sell a top-up with a coupon and points at the counter on WeChat Pay; the customer pays at the
 * gateway and no notification reaches the depot (it sits behind the router), so the depot's own
 * polling finds the payment; a refund goes from the order's row through the adjustment and its
 * refund task to the gateway. A second order left unpaid is closed at the gateway by the minute
 * job once payments.orderTimeoutMs (1 min, the least allowed) has passed, and cancelled with its
 * coupon and points back. Alipay runs the same in the same minutes: an order made at the counter
 * on 支付宝 is scanned and paid at its gateway and booked by polling, and a scanned order left
 * unpaid (a trade at Alipay, which only alipay.trade.close ends) is closed by the same minute job.
 * Last, the gateway becomes unreachable: the header says 微信支付离线 after a failed call, and the
 * tag goes once the gateway answers again.
 *
 * The WeChat Pay stub is reached through a TCP relay of this spec (`Link`): taking the link down
 * is the depot losing the gateway, with the stub's orders kept and the same address back later.
 */
const ADMIN = { name: 'pcadmin', displayName: '财务管理员', password: 'pay-channels-admin-1' };
const SUP = { name: 'pcsup', displayName: '李主管', password: 'pay-channels-sup-1' };

/** The depot's network path to a gateway: a TCP relay on a fixed port that can be cut and restored. */
class Link {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly target: number) {}

  async up(): Promise<void> {
    const server = net.createServer((inbound) => {
      const outbound = net.connect(this.target, '127.0.0.1');
      for (const s of [inbound, outbound]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      inbound.pipe(outbound).pipe(inbound);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

async function signInAs(page: Page, d: Depot, who: { name: string; password: string; displayName: string }): Promise<void> {
  await page.goto(d.loginUrl);
  await expect(page.getByTestId('app-ready')).toBeVisible();
  await rpc(page, d, 'auth.login', { name: who.name, password: who.password });
  await page.reload();
  await expect(page.getByTestId('operator')).toContainText(who.displayName);
}

async function newPage(browser: Browser): Promise<Page> {
  return (await browser.newContext({ viewport: { width: 1366, height: 800 } })).newPage();
}

/** Opens a channel's credentials form, fills it, saves; the form closes on success. */
async function enterCredentials(card: Locator, fields: Record<string, string>): Promise<void> {
  await card.getByTestId('credentials-edit').click();
  const form = card.getByTestId('credentials-form');
  for (const [name, value] of Object.entries(fields)) await form.getByTestId(`credentials-field-${name}`).fill(value);
  await form.getByTestId('credentials-save').click();
  await expect(form).toBeHidden();
}

/**
 * The counter sells ¥100.00 with a ¥30.00 coupon and 200 points on 支付宝 to 吴师傅 (13900000004);
 * the customer scans and pays at the Alipay gateway, no notification reaches the depot, and the
 * depot's own polling (alipay.trade.query) books it.
 */
async function sellOnAlipayAndFindByPolling(page: Page, d: Depot, alipay: AlipayStub): Promise<void> {
  const counter = page.getByTestId('payments-counter');
  await counter.getByTestId('payments-driver').locator('input').fill('13900000004');
  await page.locator('.ant-select-item-option', { hasText: '13900000004' }).click();
  await counter.getByTestId('payments-amount').fill('100.00');
  await counter.locator('.ant-form-item', { hasText: '使用金额券' }).locator('.ant-select').click();
  await page.locator('.ant-select-item-option', { hasText: '¥30.00 / ¥30.00' }).click();
  await counter.locator('.ant-form-item', { hasText: '积分抵扣' }).locator('input').fill('200');
  await counter.locator('.ant-radio-button-wrapper', { hasText: '支付宝' }).click();
  await counter.getByTestId('payments-create').click();
  const card = page.getByTestId('payments-order');
  await expect(card.getByTestId('payments-qr')).toContainText('https://qr.alipay.com/stub');
  await expect(card).toContainText('¥68.00');
  await expect(card.getByText('待支付', { exact: true })).toBeVisible();
  const mine = await rpc<{ orders: { number: string }[] }>(page, d, 'payments.listOrders', { search: '13900000004' });
  expect(mine.orders).toHaveLength(1);
  const order = mine.orders[0];
  expect(alipay.trades.get(order.number)).toMatchObject({ amountFen: 6800, state: 'PRECREATED' });
  alipay.scan(order.number);
  alipay.pay(order.number);
  await expect(card.getByText('已支付', { exact: true })).toBeVisible({ timeout: 60_000 });
  const queried = alipay.requests.filter((r) => r.method === 'alipay.trade.query' && r.biz.out_trade_no === order.number);
  expect(queried.length, alipay.requests.map((r) => r.method).join('\n')).toBeGreaterThan(0);
  expect(queried.every((r) => r.signed)).toBe(true);
}

async function testConnection(card: Locator, outcome: '成功' | '失败'): Promise<void> {
  await card.getByTestId('credentials-test').click();
  await expect(card.getByTestId('payment-channel-summary').locator('tr', { hasText: '上次测试' })).toContainText(outcome);
}

test('both channels are set up in Settings; a WeChat Pay order is paid, found by polling and refunded; an Alipay one is paid and found by polling; an unpaid one on each is closed at the timeout; the offline tag follows the gateway', async ({
  page,
  browser,
}) => {
  // Waits on the real clock: an order's 1-minute timeout and the minute job that closes it.
  test.setTimeout(360_000);
  const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'depotdesk-e2e-pc-keys-'));
  const keys = makeStubKeys(keyDir);
  fs.mkdirSync(path.join(keyDir, 'alipay'));
  const alipayKeys = makeAlipayKeys(path.join(keyDir, 'alipay'));
  const alipayCa = path.join(keyDir, 'alipay_ca.pem');
  fs.writeFileSync(alipayCa, alipayKeys.tlsCert);
  const wechat = await WechatStub.start(keys);
  const alipay = await AlipayStub.start(alipayKeys);
  const link = new Link(Number(new URL(wechat.url).port));
  await link.up();
  const d = await startDepot([
    'broker.port=0',
    'payments.orderTimeoutMs=60000',
    'payments.pollDelaysMs=[5000,10000]',
    `payments.wechat.apiBaseUrl=https://127.0.0.1:${link.port}`,
    `payments.wechat.caFile=${keys.caFile}`,
    'payments.wechat.notifyUrl=https://depot.example.com/notify/wechat',
    'payments.wechat.timeoutMs=5000',
    `payments.alipay.caFile=${alipayCa}`,
  ]);
  const pages: Page[] = [];
  try {
    await page.goto(d.loginUrl);
    await expect(page.getByTestId('app-ready')).toBeVisible();
    await rpc(page, d, 'setup.createAdmin', ADMIN);
    await signInAs(page, d, ADMIN);
    await rpc(page, d, 'operators.create', { ...SUP, role: 'supervisor' });

    // ── a. Settings → 支付渠道: enter and test each channel's credentials ─────────────────────
    await page.getByTestId('nav').getByText('设置', { exact: true }).click();
    await page.getByRole('tab', { name: '支付渠道' }).click();
    const tab = page.getByTestId('payment-channels-tab');
    const wechatCard = tab.getByTestId('payment-channel-card-wechat');
    await expect(wechatCard.getByTestId('channel-state')).toHaveText('模拟');
    await enterCredentials(wechatCard, {
      mchid: MCHID,
      appid: APPID,
      merchantSerial: MERCHANT_SERIAL,
      merchantPrivateKey: fs.readFileSync(keys.merchantKeyFile, 'utf8'),
      apiV3Key: keys.apiV3Key,
      platformSerial: PLATFORM_SERIAL,
      platformCertificate: fs.readFileSync(keys.platformCertFile, 'utf8'),
    });
    await expect(wechatCard.getByTestId('payment-channel-summary')).toContainText('真实网关（设置中录入的凭据）');
    await expect(wechatCard.getByTestId('payment-channel-summary')).toContainText(MCHID);
    await testConnection(wechatCard, '成功');
    await expect(wechatCard.getByTestId('channel-state')).toHaveText('在线');

    const alipayCard = tab.getByTestId('payment-channel-card-alipay');
    await enterCredentials(alipayCard, {
      appId: APP_ID,
      appPrivateKey: alipayKeys.appPrivatePem,
      alipayPublicKey: alipayKeys.alipayPublicPem,
      gateway: `${alipay.url}/gateway.do`,
    });
    await expect(alipayCard.getByTestId('payment-channel-summary')).toContainText(APP_ID);
    await testConnection(alipayCard, '成功');
    await expect(alipayCard.getByTestId('channel-state')).toHaveText('在线');
    // What the screen shows of the keys is their fingerprints, never the keys.
    await expect(tab).not.toContainText('BEGIN');
    await expect(tab).not.toContainText(keys.apiV3Key);
    await page.screenshot({ path: path.join(os.tmpdir(), 'depotdesk-payment-channels.png'), fullPage: true });
    await docsScreenshot(page, 'payment-channels.png');

    // ── c (started now, checked later): an order left unpaid runs out its minute meanwhile ──────
    const late = await rpc<{ id: string }>(page, d, 'drivers.add', { name: '林师傅', phone: '13900000002' });
    const lateCoupon = await rpc<{ couponId: string }>(page, d, 'coupons.grant', { driverId: late.id, amount: '30.00', key: 'e2e:pc:late-coupon' });
    await rpc(page, d, 'points.grant', { driverId: late.id, points: 500, key: 'e2e:pc:late-points' });
    const unpaid = await rpc<{ id: string; number: string }>(page, d, 'payments.createOrder', {
      driverId: late.id,
      amount: '50.00',
      couponId: lateCoupon.couponId,
      points: 100,
      channel: 'wechat',
    });
    expect(wechat.orders.get(unpaid.number)).toMatchObject({ amount: 1900, state: 'NOTPAY' });
    // The same on Alipay, scanned by the customer: now a trade at Alipay that only a close ends.
    const lateAli = await rpc<{ id: string }>(page, d, 'drivers.add', { name: '周师傅', phone: '13900000003' });
    const lateAliCoupon = await rpc<{ couponId: string }>(page, d, 'coupons.grant', { driverId: lateAli.id, amount: '30.00', key: 'e2e:pc:late-ali-coupon' });
    const unpaidAli = await rpc<{ id: string; number: string }>(page, d, 'payments.createOrder', {
      driverId: lateAli.id,
      amount: '50.00',
      couponId: lateAliCoupon.couponId,
      channel: 'alipay',
    });
    expect(alipay.trades.get(unpaidAli.number)).toMatchObject({ amountFen: 2000, state: 'PRECREATED' });
    alipay.scan(unpaidAli.number);

    // ── b. the counter sells ¥100.00 with a ¥30.00 coupon and 200 points on WeChat Pay ────────
    const buyer = await rpc<{ id: string }>(page, d, 'drivers.add', { name: '陈师傅', phone: '13900000001' });
    await rpc(page, d, 'coupons.grant', { driverId: buyer.id, amount: '30.00', key: 'e2e:pc:coupon' });
    await rpc(page, d, 'points.grant', { driverId: buyer.id, points: 500, key: 'e2e:pc:points' });
    const aliBuyer = await rpc<{ id: string }>(page, d, 'drivers.add', { name: '吴师傅', phone: '13900000004' });
    await rpc(page, d, 'coupons.grant', { driverId: aliBuyer.id, amount: '30.00', key: 'e2e:pc:ali-coupon' });
    await rpc(page, d, 'points.grant', { driverId: aliBuyer.id, points: 500, key: 'e2e:pc:ali-points' });
    await page.getByRole('menuitem', { name: '钱包与账本' }).click();
    const counter = page.getByTestId('payments-counter');
    await expect(counter).toBeVisible();
    await counter.getByTestId('payments-driver').locator('input').fill('13900000001');
    await page.locator('.ant-select-item-option', { hasText: '13900000001' }).click();
    await counter.getByTestId('payments-amount').fill('100.00');
    await expect(counter).toContainText('积分抵扣（可用 500）');
    await counter.locator('.ant-form-item', { hasText: '使用金额券' }).locator('.ant-select').click();
    await page.locator('.ant-select-item-option', { hasText: '¥30.00 / ¥30.00' }).click();
    await counter.locator('.ant-form-item', { hasText: '积分抵扣' }).locator('input').fill('200');
    await counter.getByTestId('payments-create').click();
    const card = page.getByTestId('payments-order');
    await expect(card.getByTestId('payments-qr')).toContainText('weixin://wxpay/bizpayurl?pr=stub');
    await expect(card).toContainText('¥68.00');
    // Exact: the demo button "模拟顾客已支付" holds the words too.
    await expect(card.getByText('待支付', { exact: true })).toBeVisible();
    const mine = await rpc<{ orders: { id: string; number: string }[] }>(page, d, 'payments.listOrders', { search: '13900000001' });
    expect(mine.orders).toHaveLength(1);
    const order = mine.orders[0];
    expect(wechat.orders.get(order.number)).toMatchObject({ amount: 6800, state: 'NOTPAY' });

    // The customer pays at the gateway; its notification never reaches the depot. Polling finds it.
    wechat.pay(order.number);
    await expect(card.getByText('已支付', { exact: true })).toBeVisible({ timeout: 60_000 });
    const queried = wechat.requests.filter((r) => r.method === 'GET' && r.path.startsWith(`/v3/pay/transactions/out-trade-no/${order.number}`));
    expect(queried.length, wechat.requests.map((r) => `${r.method} ${r.path}`).join('\n')).toBeGreaterThan(0);
    expect(queried.every((r) => r.signed)).toBe(true);
    await sellOnAlipayAndFindByPolling(page, d, alipay);
    await page.getByRole('tab', { name: '支付订单' }).click();
    const paidRow = page.getByTestId('payments-orders').locator('tr', { hasText: order.number });
    await expect(paidRow).toContainText('已支付');
    await expect(paidRow).toContainText('¥68.00');

    // A refund of ¥20.00 from the order's row; another supervisor approves; the refund task reaches the gateway.
    await page.getByTestId(`payments-refund-${order.number}`).click();
    const adjustments = page.getByTestId('comp-adjustments-tab');
    await expect(adjustments.getByTestId('adj-limit')).toContainText('可退');
    await adjustments.getByTestId('adj-amount').fill('20.00');
    await adjustments.getByTestId('adj-reason').fill('多充退回');
    await adjustments.getByTestId('adj-create').click();
    const adjRow = adjustments.getByTestId('adj-table').locator('tr', { hasText: '多充退回' });
    await expect(adjRow).toContainText('¥20.00');
    const adjustmentId = ((await adjRow.locator('[data-testid^="adj-approve-"]').getAttribute('data-testid')) ?? '').replace('adj-approve-', '');
    const sup = await newPage(browser);
    pages.push(sup);
    await signInAs(sup, d, SUP);
    await rpc(sup, d, 'adjustments.approve', { adjustmentId, note: '核实无误' });
    await page.getByRole('tab', { name: '退款任务' }).click();
    const tasks = page.getByTestId('comp-refundtasks-tab');
    const taskRow = tasks.getByTestId('task-table').locator('tr', { hasText: order.number }).first();
    await expect(taskRow).toContainText('¥20.00');
    await tasks.getByTestId('task-run').click();
    await expect(taskRow).toContainText('已完成');
    expect([...wechat.refunds.values()]).toEqual([expect.objectContaining({ outTradeNo: order.number, refund: 2000, total: 6800, status: 'SUCCESS' })]);
    const buyerWallet = await rpc<{ wallet: { balance: { yuan: string } } }>(page, d, 'wallet.show', { driverId: buyer.id });
    expect(buyerWallet.wallet.balance.yuan).toBe('80.00');

    // ── c. the unpaid order: closed at the gateway by the minute job, then cancelled with its coupon and points back ──
    await page.getByRole('menuitem', { name: '钱包与账本' }).click();
    await page.getByRole('tab', { name: '支付订单' }).click();
    const unpaidRow = page.getByTestId('payments-orders').locator('tr', { hasText: unpaid.number });
    await expect(unpaidRow).toContainText('已取消', { timeout: 180_000 });
    await expect(unpaidRow).toContainText('超时未支付，已自动关闭');
    expect(wechat.orders.get(unpaid.number)?.state).toBe('CLOSED');
    expect(() => wechat.pay(unpaid.number)).toThrow(/closed/);
    const lateWallet = await rpc<{ points: number; coupons: { couponId: string; remaining: { yuan: string } }[] }>(page, d, 'wallet.show', { driverId: late.id });
    expect(lateWallet.points).toBe(500);
    expect(lateWallet.coupons.find((c) => c.couponId === lateCoupon.couponId)?.remaining.yuan).toBe('30.00');
    await page.getByTestId(`payments-order-${unpaid.number}`).click();
    const drawer = page.getByTestId('payments-order-drawer');
    await expect(drawer.getByTestId('payments-order-facts')).toContainText('已取消');
    await page.keyboard.press('Escape');
    await expect(drawer).toBeHidden();
    // The scanned Alipay order went in the same minute job: closed by alipay.trade.close, its coupon back.
    const unpaidAliRow = page.getByTestId('payments-orders').locator('tr', { hasText: unpaidAli.number });
    await expect(unpaidAliRow).toContainText('已取消', { timeout: 60_000 });
    expect(alipay.trades.get(unpaidAli.number)?.state).toBe('TRADE_CLOSED');
    expect(alipay.requests.some((r) => r.method === 'alipay.trade.close' && r.biz.out_trade_no === unpaidAli.number && r.signed)).toBe(true);
    expect(() => alipay.pay(unpaidAli.number)).toThrow(/closed/);
    const lateAliWallet = await rpc<{ coupons: { couponId: string; remaining: { yuan: string } }[] }>(page, d, 'wallet.show', { driverId: lateAli.id });
    expect(lateAliWallet.coupons.find((c) => c.couponId === lateAliCoupon.couponId)?.remaining.yuan).toBe('30.00');

    // ── d. the gateway becomes unreachable: the header says so after a failed call, and stops once it answers ──
    await expect(page.getByTestId('channel-offline-tag')).toHaveCount(0);
    await link.down();
    await page.getByTestId('nav').getByText('设置', { exact: true }).click();
    await page.getByRole('tab', { name: '支付渠道' }).click();
    await testConnection(wechatCard, '失败');
    const offline = page.getByTestId('channel-offline-tag');
    await expect(offline).toHaveText('微信支付离线');
    await expect(wechatCard.getByTestId('channel-state')).toHaveText('离线');
    await link.up();
    await testConnection(wechatCard, '成功');
    await expect(offline).toHaveCount(0);
    await expect(wechatCard.getByTestId('channel-state')).toHaveText('在线');
  } finally {
    for (const p of pages) await p.context().close();
    await stopDepot(d);
    await link.down();
    await wechat.stop();
    await alipay.stop();
    fs.rmSync(keyDir, { recursive: true, force: true });
  }
});
