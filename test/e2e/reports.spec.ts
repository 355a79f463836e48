import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { SimCharger } from '../../src-main/chargers/simulator';
import { displayFen } from '../../src-renderer/lib/format';
import { brokerUrl, docsScreenshot, expect, rpc, signIn, test } from './fixtures';

/**
 * The 报表 page and the dashboard's charts against the served depot. The spec makes its own day:
 * a station priced by the Guangdong plan, a simulated charger over the real broker that charges
 * one session to PAID and refuses one start (FAILED). Then the revenue report for today, filtered
 * to that station, shows the session by 尖峰平谷 with its totals; its Excel export runs as a job,
 * arrives as a browser download and holds the charger's row; the trial balance balances; and on
 * the dashboard the charts are drawn and a click on the charger's failed starts opens the Sessions
 * list filtered to FAILED on that charger.
 */
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const TARIFF = JSON.parse(fs.readFileSync(path.join(root, 'docs/examples/tariff-guangdong.json'), 'utf8')) as unknown;

interface Session {
  id: string;
  idTag: string;
  state: string;
  amountFen: number | null;
  debtFen: number | null;
}

async function sessionState(page: Parameters<typeof rpc>[0], id: string): Promise<Session> {
  return (await rpc<{ session: Session }>(page, 'sessions.get', { id })).session;
}

test('the revenue report of a day shows a charged session by 尖峰平谷, exports it to an Excel download, the trial balance balances; the dashboard charts open their lists', async ({
  page,
}) => {
  // A charger over the broker, a job-written workbook and two pages: an upper bound on a shared two-core machine.
  test.setTimeout(240_000);
  const tag = Date.now().toString(36).toUpperCase();
  const chargerId = `E2E-RP-${tag}`;
  const password = `pw-${tag}-secret`;
  const stationName = `报表站-${tag}`;

  await signIn(page);
  const station = await rpc<{ id: string }>(page, 'stations.add', { name: stationName });
  await rpc(page, 'chargers.add', { id: chargerId, station: station.id, connectors: 2, password });
  const plan = await rpc<{ planId: string }>(page, 'tariffs.import', { file: TARIFF });
  await rpc(page, 'tariffs.assign', { stationId: station.id, planId: plan.planId });
  const driver = await rpc<{ id: string }>(page, 'drivers.add', { name: `报表司机${tag}`, phone: `137${String(Date.now()).slice(-8)}` });
  await rpc(page, 'wallet.topup', { driverId: driver.id, amount: '300.00', key: `e2e-rp-topup-${tag}` });
  const short = await rpc<{ id: string }>(page, 'drivers.add', { name: `欠费司机${tag}`, phone: `136${String(Date.now()).slice(-8)}` });
  await rpc(page, 'wallet.topup', { driverId: short.id, amount: '5.00', key: `e2e-rp-topup-short-${tag}` });
  const { businessDate } = await rpc<{ businessDate: string }>(page, 'dashboard.summary');

  const sim = new SimCharger({ id: chargerId, password, brokerUrl: brokerUrl(), connectors: 2 });
  let paid: Session;
  let unpaid: Session;
  try {
    await sim.connect();
    expect((await sim.boot()).status).toBe('Accepted');
    await sim.status(1, 'Available');
    await sim.status(2, 'Available');
    // One session charges 30 kWh and is paid from the prepaid hold.
    const s = await rpc<Session>(page, 'sessions.start', { chargerId, connectorId: 1, driver: driver.id, prepay: '50.00' });
    const t0 = Date.now();
    const tx = await sim.startTransaction(1, s.idTag, 0, t0);
    await sim.meterValues(1, tx, 15_000, t0 + 1_000);
    await sim.stopTransaction(tx, 30_000, t0 + 2_000);
    await expect.poll(async () => (await sessionState(page, s.id)).state).toBe('PAID');
    paid = await sessionState(page, s.id);
    // Another charges 20 kWh on ¥5: the rest is a debt and the session UNPAID.
    const d = await rpc<Session>(page, 'sessions.start', { chargerId, connectorId: 2, driver: short.id, prepay: '5.00' });
    const tx2 = await sim.startTransaction(2, d.idTag, 0, t0 + 3_000);
    await sim.stopTransaction(tx2, 20_000, t0 + 4_000);
    await expect.poll(async () => (await sessionState(page, d.id)).state).toBe('UNPAID');
    unpaid = await sessionState(page, d.id);
    // One start the charger refuses.
    sim.onCall('RemoteStartTransaction', () => ({ status: 'Rejected' }));
    const refused = await rpc<Session>(page, 'sessions.start', { chargerId, connectorId: 2, driver: driver.id, prepay: '20.00' });
    await expect.poll(async () => (await sessionState(page, refused.id)).state).toBe('FAILED');
  } finally {
    await sim.close();
  }
  const amount = displayFen(paid.amountFen! + unpaid.amountFen!);

  // 报表: revenue, today, our station.
  await page.getByTestId('nav').getByText('报表', { exact: true }).click();
  const card = page.getByTestId('report-card');
  await expect(card.getByTestId('report-kind')).toContainText('营收');
  const dateInput = card.getByTestId('report-date');
  await dateInput.click();
  await dateInput.fill(businessDate);
  await dateInput.press('Enter');
  await expect(page).toHaveURL(new RegExp(`from=${businessDate}`));
  await card.getByTestId('report-station').click();
  await page.locator('.ant-select-dropdown:visible').getByTitle(stationName).click();
  await expect(page).toHaveURL(new RegExp(`station=${station.id}`));

  const lines = card.getByTestId('revenue-lines');
  await expect(lines.locator('.ant-table-row').first()).toContainText(chargerId);
  await expect(lines).toContainText(stationName);
  // Each session's energy and money are split over the periods it touched; the totals are the two sessions.
  const totals = card.getByTestId('revenue-totals');
  await expect(totals).toContainText('合计');
  await expect(totals).toContainText('50.000 kWh');
  await expect(totals).toContainText(amount);
  await expect(card.getByTestId('revenue-total')).toContainText(amount);
  await expect(card.getByTestId('revenue-unpaid')).toContainText('1');
  const byPeriod = card.getByTestId('revenue-by-period');
  await expect(byPeriod.locator('.ant-table-row').first()).toContainText(/^(尖|峰|平|谷)/);
  await expect(card.getByTestId('revenue-period-totals')).toContainText(amount);

  // 导出 Excel: a job writes it, the page follows its progress and the browser downloads it.
  const downloading = page.waitForEvent('download');
  await card.getByTestId('report-export').click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe(`营收报表-${businessDate}.xlsx`);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'depotdesk-e2e-report-')), download.suggestedFilename());
  await download.saveAs(file);
  await expect(card.getByTestId('export-status')).toHaveAttribute('data-state', 'done');
  await expect(card.getByTestId('export-status')).toContainText('已完成');

  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  const ws = wb.getWorksheet('营收报表')!;
  expect(ws.getRow(1).getCell(2).value).toBe('充电桩');
  const rows = Array.from({ length: ws.rowCount - 2 }, (_, i) => ws.getRow(i + 2));
  expect(rows.length).toBeGreaterThan(0);
  expect(rows.every((r) => r.getCell(1).value === stationName && r.getCell(2).value === chargerId)).toBe(true);
  const total = ws.getRow(ws.rowCount);
  expect(total.getCell(1).value).toBe('合计');
  expect((total.getCell(8).value as { result: number }).result).toBeCloseTo((paid.amountFen! + unpaid.amountFen!) / 100, 2);
  expect((total.getCell(5).value as { result: number }).result).toBeCloseTo(50, 3);
  fs.rmSync(path.dirname(file), { recursive: true, force: true });

  // 我的导出 lists it, done, with its link.
  const mine = page.getByTestId('my-exports');
  const row = mine
    .locator('.ant-table-row')
    .filter({ hasText: `营收报表-${businessDate}.xlsx` })
    .first();
  await expect(row).toContainText('已完成');
  await expect(row.getByRole('link')).toHaveAttribute('href', /^\/download\/reports\/[\w-]+$/);
  await docsScreenshot(page, 'reports-zh.png', { fullPage: true });

  // 试算平衡: debits equal credits for the day.
  await card.getByTestId('report-kind').getByText('试算平衡').click();
  await expect(card.getByTestId('trial-balanced-CNY')).toContainText('借贷平衡');
  await expect(card.getByTestId('trial-table-CNY')).toContainText('电费收入');
  await expect(card.getByTestId('trial-totals-CNY')).toContainText('合计');

  // The dashboard: the charts are drawn (SVG); the charger's failed start opens the filtered Sessions list.
  await page.getByTestId('nav').getByText('实时监控', { exact: true }).click();
  const charts = page.getByTestId('dashboard-charts');
  for (const name of ['energy', 'revenue', 'utilisation', 'failed', 'debts']) {
    await expect(charts.getByTestId(`chart-${name}-canvas`).locator('svg').first()).toBeVisible();
  }
  // Breaks come from imported statements, which this spec has none of: a chart, or the empty state saying so.
  await expect(charts.getByTestId('chart-breaks').locator('svg, .ant-empty').first()).toBeVisible();
  // The debt just made is in the 0–7 days bar, whose label is what that bucket owes.
  const ageing = await rpc<{ buckets: { bucket: string; debts: number; owedFen: number }[] }>(page, 'ledger.debtAgeing');
  expect(ageing.buckets[0].owedFen).toBeGreaterThanOrEqual(unpaid.debtFen!);
  await expect(charts.getByTestId('chart-debts-canvas')).toContainText(displayFen(ageing.buckets[0].owedFen));
  await expect(charts.getByTestId('chart-utilisation-canvas')).toContainText(chargerId);
  // Today's bar in the hour the session settled: the bars of today's series are drawn in its colour.
  const energy = charts.getByTestId('chart-energy-canvas');
  const todayBars = energy.locator('svg path[fill="#1668dc"]');
  await expect.poll(async () => todayBars.count()).toBeGreaterThan(1);
  await docsScreenshot(page, 'dashboard-charts-zh.png', { fullPage: true });

  const failed = charts.getByTestId('chart-failed-canvas');
  await failed.locator('svg text', { hasText: chargerId }).click();
  await expect(page).toHaveURL(/#\/sessions\?/);
  await expect(page).toHaveURL(new RegExp(`state=FAILED`));
  await expect(page).toHaveURL(new RegExp(`charger=${chargerId}`));
  const list = page.getByTestId('sessions-table');
  await expect(list.locator('.ant-table-row').first()).toContainText(chargerId);
  await expect(list.locator('.ant-table-row')).toHaveCount(1);
  await expect(list.locator('.ant-table-row').first()).toContainText('启动失败');

  // A bar of the energy chart opens that day's sessions.
  await page.getByTestId('nav').getByText('实时监控', { exact: true }).click();
  const bar = await tallestBar(page.getByTestId('chart-energy-canvas').locator('svg path[fill="#1668dc"]'));
  await bar.click();
  await expect(page).toHaveURL(new RegExp(`#/sessions\\?.*from=${businessDate}&to=${businessDate}`));
});

/** The drawn bar with the largest height (a zero bar, and the legend's swatch, are smaller). */
async function tallestBar(paths: ReturnType<Parameters<typeof rpc>[0]['locator']>) {
  await expect.poll(async () => paths.count()).toBeGreaterThan(1);
  const n = await paths.count();
  let best = 0;
  let height = -1;
  for (let i = 0; i < n; i += 1) {
    const box = await paths.nth(i).boundingBox();
    if (box && box.height > height) {
      best = i;
      height = box.height;
    }
  }
  return paths.nth(best);
}
