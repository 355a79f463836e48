import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import type { Download, Page } from '@playwright/test';
import { SimCharger } from '../../src-main/chargers/simulator';
import { brokerUrl, expect, rpc, signIn, test } from './fixtures';

/**
 * Export on every list (issue 15), through the real screens: the list is filtered on the page, 导出
 * Excel is pressed, the export job runs in the served depot, and the browser downloads the file
 * (Playwright's download event). The workbook is opened with exceljs: its header row is the list's
 * columns in the operator's language, and it holds exactly the rows the filtered list counts (one
 * row per list row, then the totals row).
 */
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const TARIFF = JSON.parse(fs.readFileSync(path.join(root, 'docs/examples/tariff-guangdong.json'), 'utf8')) as unknown;
const PASSWORD = 'export-e2e-secret-1';

/** The data sheet of a downloaded list export: its header, its data rows' cells and the totals row's label. */
async function readExport(download: Download, sheet: string): Promise<{ header: unknown[]; rows: unknown[][]; totals: unknown }> {
  const file = await download.path();
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  const ws = wb.getWorksheet(sheet);
  if (!ws) throw new Error(`no sheet ${sheet} in ${download.suggestedFilename()} (sheets: ${wb.worksheets.map((w) => w.name).join(', ')})`);
  const cells = (n: number) => (ws.getRow(n).values as unknown[]).slice(1);
  const rows: unknown[][] = [];
  for (let n = 2; n < ws.rowCount; n += 1) rows.push(cells(n));
  return { header: cells(1), rows, totals: cells(ws.rowCount)[0] };
}

/** Clicks the list's export button and waits for the file the browser downloads. */
async function exportList(page: Page, testId: string): Promise<Download> {
  const downloaded = page.waitForEvent('download', { timeout: 60_000 });
  await page.getByTestId(testId).click();
  return downloaded;
}

/** A charger of its own, online over the broker, whose remote starts are accepted or (when `refuse` is set) rejected. */
async function chargerWithSessions(page: Page, tag: string) {
  const chargerId = `E2E-EX-${tag}`;
  const station = await rpc<{ id: string }>(page, 'stations.add', { name: `导出站-${tag}` });
  await rpc(page, 'chargers.add', { id: chargerId, station: station.id, connectors: 2, password: PASSWORD });
  const plan = await rpc<{ planId: string }>(page, 'tariffs.import', { file: TARIFF });
  await rpc(page, 'tariffs.assign', { stationId: station.id, planId: plan.planId });
  const driver = await rpc<{ id: string }>(page, 'drivers.add', { name: `导出司机${tag}`, phone: `137${String(Date.now()).slice(-8)}` });
  await rpc(page, 'wallet.topup', { driverId: driver.id, amount: '500.00', key: `e2e-export-topup-${tag}` });
  const sim = new SimCharger({ id: chargerId, password: PASSWORD, brokerUrl: brokerUrl(), connectors: 2 });
  const state = { refuse: false, starts: [] as { connectorId: number; idTag: string }[] };
  sim.onCall('RemoteStartTransaction', (p) => {
    if (!state.refuse) state.starts.push({ connectorId: Number(p.connectorId ?? 1), idTag: String(p.idTag) });
    return { status: state.refuse ? 'Rejected' : 'Accepted' };
  });
  await sim.connect();
  expect((await sim.boot()).status).toBe('Accepted');
  await sim.status(1, 'Available');
  await sim.status(2, 'Available');

  const sessionState = async (id: string) => (await rpc<{ session: { state: string } }>(page, 'sessions.get', { id })).session.state;
  /** A session started through the contract and charged on connector 1 from `fromWh` to `toWh`; or refused by the charger (FAILED). Its number. */
  const session = async (o: { fromWh: number; toWh: number } | 'refused'): Promise<string> => {
    state.refuse = o === 'refused';
    const s = await rpc<{ id: string; number: string }>(page, 'sessions.start', { chargerId, connectorId: 1, driver: driver.id, prepay: '50.00' });
    if (o === 'refused') {
      await expect.poll(() => sessionState(s.id), { message: `session ${s.id} refused` }).toBe('FAILED');
      return s.number;
    }
    await expect.poll(() => state.starts.length, { message: 'the charger is asked to start' }).toBeGreaterThan(0);
    const rs = state.starts.shift()!;
    const t0 = Date.now();
    await sim.status(1, 'Charging');
    const tx = await sim.startTransaction(1, rs.idTag, o.fromWh, t0);
    await sim.stopTransaction(tx, o.toWh, t0 + 2_000);
    await sim.status(1, 'Available');
    await expect.poll(() => sessionState(s.id), { message: `session ${s.id} paid` }).toBe('PAID');
    return s.number;
  };
  return { chargerId, sim, session };
}

test('Sessions: 导出 Excel with a charger and state filter downloads exactly the filtered sessions, headed in Chinese', async ({ page }) => {
  // Three sessions over the real broker, then an export job: an upper bound on a shared two-core machine.
  test.setTimeout(180_000);
  const tag = Date.now().toString(36).toUpperCase();
  await signIn(page);
  const depot = await chargerWithSessions(page, tag);
  let paid: string[];
  try {
    paid = [await depot.session({ fromWh: 1_000, toWh: 6_000 }), await depot.session({ fromWh: 6_000, toWh: 9_500 })];
    await depot.session('refused');
  } finally {
    await depot.sim.close();
  }

  await page.getByTestId('nav').getByText('充电订单', { exact: true }).click();
  const filters = page.getByTestId('session-filters');
  await filters.getByTestId('sessions-filter-charger').click();
  await filters.getByTestId('sessions-filter-charger').locator('input').fill(depot.chargerId);
  await page.locator('.ant-select-dropdown:visible').getByTitle(depot.chargerId, { exact: true }).click();
  // The charger alone shows all three (two paid, one refused); the state filter narrows to the paid two.
  await expect(page.getByTestId('sessions-count')).toHaveText('已显示 3 / 共 3 笔');
  await filters.getByTestId('sessions-filter-state').click();
  await page.locator('.ant-select-dropdown:visible').getByTitle('已支付', { exact: true }).click();
  await expect(page.getByTestId('sessions-count')).toHaveText('已显示 2 / 共 2 笔');
  const total = Number(/共 (\d+) 笔/.exec((await page.getByTestId('sessions-count').textContent()) ?? '')?.[1]);

  const download = await exportList(page, 'export-sessions');
  expect(download.suggestedFilename()).toMatch(/^充电会话-.*\.xlsx$/);
  const x = await readExport(download, '充电会话');
  expect(x.header).toEqual(['订单编号', '状态', '充电桩', '司机', '开始', '结束', '电量 (kWh)', '金额', '电费', '服务费', '欠费']);
  expect(x.rows).toHaveLength(total);
  expect(x.rows.map((r) => r[0]).sort()).toEqual([...paid].sort());
  expect(x.rows.map((r) => [r[1], r[2]])).toEqual([
    ['已支付', `${depot.chargerId}/1`],
    ['已支付', `${depot.chargerId}/1`],
  ]);
  expect(x.rows.map((r) => r[6]).sort()).toEqual([3.5, 5]);
  expect(x.totals).toBe('合计');
  // The export asked for is the page's filter, under the list's own keys.
  const mine = await rpc<{ kind: string; params: { list: string; filter: unknown; locale: string } }[]>(page, 'reports.exports', { limit: 1 });
  expect(mine[0].params).toMatchObject({ list: 'sessions', locale: 'zh-CN', filter: { chargerId: depot.chargerId, state: 'PAID' } });
});

test('Payment orders: Export Excel in English with a search and state filter downloads the orders the list shows', async ({ page }) => {
  test.setTimeout(120_000);
  const tag = String(Date.now()).slice(-7);
  const phone = `136${tag}1`;
  await signIn(page);
  const driver = await rpc<{ id: string }>(page, 'drivers.add', { name: `Export ${tag}`, phone });
  const order = (amount: string) => rpc<{ id: string; number: string }>(page, 'payments.createOrder', { driverId: driver.id, amount, channel: 'wechat' });
  const paid = [await order('100.00'), await order('30.00')];
  for (const o of paid) await rpc(page, 'payments.confirm', { orderId: o.id });
  const pending = await order('20.00');

  await page.getByTestId('language-switch').getByText('English').click();
  await page.getByTestId('nav').getByText('Ledger', { exact: true }).click();
  await page.getByRole('tab', { name: 'Payment orders' }).click();
  const orders = page.getByTestId('payments-orders');
  await orders.getByPlaceholder('Order number, name or phone').fill(phone);
  await orders.getByPlaceholder('Order number, name or phone').press('Enter');
  await expect(orders.locator('.ant-table-row')).toHaveCount(3);
  await expect(orders).toContainText(pending.number);
  await orders.locator('.ant-select').first().click();
  await page.locator('.ant-select-dropdown:visible').getByTitle('Paid', { exact: true }).click();
  await expect(orders.locator('.ant-table-row')).toHaveCount(2);
  await expect(orders).not.toContainText(pending.number);
  const listed = await rpc<{ total: number }>(page, 'payments.listOrders', { state: 'PAID', search: phone });
  expect(listed.total).toBe(2);

  const download = await exportList(page, 'export-orders');
  expect(download.suggestedFilename()).toMatch(/^Payment orders-.*\.xlsx$/);
  const x = await readExport(download, 'Payment orders');
  expect(x.header).toEqual(['Order', 'State', 'Channel', 'Driver', 'Created', 'Paid', 'Amount', 'Payable', 'Credited', 'Gateway trade']);
  expect(x.rows).toHaveLength(listed.total);
  expect(x.rows.map((r) => r[0]).sort()).toEqual(paid.map((o) => o.number).sort());
  for (const r of x.rows) expect(r.slice(1, 4)).toEqual(['Paid', 'WeChat Pay', `Export ${tag} ${phone.slice(0, 3)}****${phone.slice(-4)}`]);
  expect(x.rows.map((r) => r[6]).sort((a, b) => Number(a) - Number(b))).toEqual([30, 100]);
  expect(x.totals).toBe('Total');
});
