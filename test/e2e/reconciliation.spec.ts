import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from '@playwright/test';
import { docsScreenshot, expect, modal, test } from './fixtures';
import { wechatBytes, wechatPayment } from '../reconciliation/fixtures';

/**
 * The 对账 page against a demo depot of its own: `depotdesk demo` (six days of orders, statements
 * and runs: a signed-off day, a day with four kinds of break, matched days, a pending day), then
 * `depotdesk serve` on it. Finance (王芳) works the breaks: explains one, credits a 长款 to the
 * driver's wallet, asks for a write-off that she cannot approve herself and a second finance user
 * approves; imports a statement through the upload (imported, already imported, refused with its
 * line and reason) and signs a matched day off.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const PASSWORD = 'depotdesk-demo';
const SECOND_FINANCE = { name: 'zhao.min', displayName: '赵敏', role: 'finance', password: 'finance-two-2024' } as const;

let serve: ChildProcess | null = null;
let dataDir = '';
let loginUrl = '';

/** The depot's date (Asia/Shanghai, the demo's zone), n days back. */
function depotDay(back = 0): string {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
  return new Date(Date.parse(`${today}T00:00:00Z`) - back * 86_400_000).toISOString().slice(0, 10);
}

function startServe(): Promise<string> {
  const child = spawn(process.execPath, ['bin/depotdesk.js', 'serve', '--data-dir', dataDir, '--port', '0', '--set', 'broker.port=0', '--json'], {
    cwd: root,
    env: { ...process.env, DEPOTDESK_RENDERER_DIR: path.join(dataDir, 'renderer') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  serve = child;
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      try {
        resolve((JSON.parse(out) as { loginUrl: string }).loginUrl);
      } catch {
        // not the whole document yet
      }
    });
    child.once('exit', (code) => reject(new Error(`serve exited (${code}): ${stderr}`)));
  });
}

/**
 * A copy of the renderer the global setup built, served by this spec's own depot: another run in
 * this checkout may rebuild out/renderer meanwhile (vite empties it first). A copy is kept only
 * when its index.html and every asset it names are there; otherwise it is taken again.
 */
async function copyRenderer(to: string): Promise<void> {
  const from = path.join(root, 'out', 'renderer');
  for (let attempt = 0; attempt < 30; attempt += 1) {
    fs.rmSync(to, { recursive: true, force: true });
    try {
      fs.cpSync(from, to, { recursive: true });
      const html = fs.readFileSync(path.join(to, 'index.html'), 'utf8');
      const assets = [...html.matchAll(/(?:src|href)="\.?\/?(assets\/[^"]+)"/g)].map((m) => m[1]);
      if (assets.length > 0 && assets.every((a) => fs.existsSync(path.join(to, a)))) return;
    } catch {
      // out/renderer is being rebuilt: try again shortly
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
  throw new Error(`no complete renderer build in ${from} to copy`);
}

test.beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'depotdesk-recon-e2e-'));
  const demo = spawnSync(process.execPath, ['bin/depotdesk.js', 'demo', '--data-dir', dataDir, '--json'], {
    cwd: root,
    env: { ...process.env, DEPOTDESK_PASSWORD: PASSWORD },
    encoding: 'utf8',
  });
  expect(demo.status, demo.stderr).toBe(0);
  await copyRenderer(path.join(dataDir, 'renderer'));
  loginUrl = await startServe();
});

test.afterAll(async () => {
  if (serve && serve.exitCode === null) {
    const exited = new Promise((r) => serve!.once('exit', r));
    serve.kill('SIGTERM');
    await exited;
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function rpc<T>(page: Page, method: string, params: unknown = {}): Promise<T> {
  const res = await page.request.post(new URL('/rpc', loginUrl).toString(), { data: { method, params } });
  const body = (await res.json()) as { ok: boolean; data?: T; error?: { message: string } };
  if (!body.ok) throw new Error(`${method} failed: ${body.error?.message}`);
  return body.data as T;
}

/** Opens the depot's login URL and signs in through the login screen; lands on the 对账 page. */
async function signInAs(page: Page, name: string, password = PASSWORD): Promise<void> {
  await page.goto(loginUrl);
  await expect(page.getByTestId('app-ready')).toHaveAttribute('data-auth', 'login');
  const form = page.getByTestId('login-form');
  await form.locator('#name').fill(name);
  await form.locator('#password').fill(password);
  await form.getByRole('button').click();
  await expect(page.getByTestId('operator')).toBeVisible();
  await page.getByTestId('nav').getByText('对账', { exact: true }).click();
  await expect(page.getByTestId('recon-calendar')).toBeVisible();
}

async function financeTwo(browser: Browser): Promise<Page> {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await signInAs(page, SECOND_FINANCE.name, SECOND_FINANCE.password);
  return page;
}

const cell = (page: Page, day: string) => page.getByTestId(`recon-day-${day}`);

interface BreakRow {
  id: string;
  kind: string;
  orderId: string | null;
  gateway: { yuan: string };
}

async function breaksOf(page: Page, day: string): Promise<Record<string, BreakRow>> {
  const r = await rpc<{ breaks: BreakRow[] }>(page, 'recon.breaks', { date: day });
  return Object.fromEntries(r.breaks.map((b) => [b.kind, b]));
}

async function closeDrawer(page: Page) {
  await page.locator('.ant-drawer-close').click();
  await expect(page.getByTestId('recon-break-facts')).toBeHidden();
}

async function openBreak(page: Page, id: string) {
  await page.getByTestId(`recon-open-${id}`).click();
  const drawer = page.getByTestId('recon-break-drawer');
  await expect(drawer.getByTestId('recon-break-facts')).toBeVisible();
  return drawer;
}

/** Clicks an action on the open break, fills the note and confirms; returns the modal. */
async function act(page: Page, action: string, note: string) {
  await page.getByTestId('recon-break-drawer').getByTestId(`recon-action-${action}`).click();
  const modal = page.getByTestId('recon-action-modal');
  await expect(modal).toBeVisible();
  if (note) await modal.getByTestId('recon-action-note').fill(note);
  return modal;
}

// Serial (they share the depot) and long: each test signs in (a deliberate scrypt) and clicks through many
// screens on a machine other runs share; an upper bound, not a performance claim.
test.describe.configure({ mode: 'serial', timeout: 300_000 });

test('the calendar colours each day by its state, and a day with breaks cannot be signed off', async ({ page }) => {
  await signInAs(page, 'wang.fang');
  const expected: [number, string][] = [
    [7, 'not_run'],
    [6, 'signed_off'],
    [5, 'breaks'],
    [4, 'matched'],
    [3, 'matched'],
    [2, 'matched'],
    [1, 'pending'],
    [0, 'not_over'],
  ];
  for (const [back, state] of expected) await expect(cell(page, depotDay(back)), `${back} days ago`).toHaveAttribute('data-state', state);
  await expect(cell(page, depotDay(5))).toContainText('有差错 4');
  await expect(cell(page, depotDay(1))).toContainText('待匹配 1');

  await cell(page, depotDay(6)).click();
  const detail = page.getByTestId('recon-day-detail');
  await expect(detail.getByTestId('recon-signed-off')).toContainText('王芳 已于');
  // The signed-off day: WeChat ¥338.00 in three payments and a ¥20.00 refund; Alipay ¥166.00 in two.
  await expect(detail.getByTestId('recon-channels')).toContainText('¥338.00 (3)');
  await expect(detail.getByTestId('recon-channels')).toContainText('¥20.00 (1)');
  await expect(detail.getByTestId('recon-channels')).toContainText('¥166.00 (2)');

  await cell(page, depotDay(1)).click();
  await expect(detail.getByTestId('recon-pending')).toContainText('短款');
  await expect(detail.getByTestId('recon-pending')).toContainText('¥66.00');
  await expect(detail.getByTestId('recon-pending')).toContainText('1 天（窗口 3 天）');
  await expect(detail.getByTestId('recon-signoff')).toBeDisabled();
  await expect(detail.getByTestId('recon-signoff-why')).toHaveText('还有 1 项在 3 天窗口内待匹配');

  await cell(page, depotDay(5)).click();
  await expect(detail.getByTestId('recon-day-state')).toHaveText('有差错');
  const breaks = detail.getByTestId('recon-day-breaks');
  for (const kind of ['长款', '短款', '金额不符', '重复支付']) await expect(breaks).toContainText(kind);
  await expect(breaks).toContainText('-¥2.00');
  await expect(detail.getByTestId('recon-signoff')).toBeDisabled();
  await expect(detail.getByTestId('recon-signoff-why')).toHaveText('还有 4 条差错未解决');
  await expect(detail.getByTestId('recon-energy')).toContainText('当天没有已结束的充电订单可核对');
  await docsScreenshot(page, 'reconciliation-zh.png');

  // The day's finance report (recon.reportFile) downloads as a workbook.
  const download = page.waitForEvent('download');
  await page.getByTestId('recon-export').click();
  expect((await download).suggestedFilename()).toMatch(/\.xlsx$/);
});

test('finance works a day of breaks: explain, credit a 长款 to the wallet, a write-off approved by a second finance user', async ({ page, browser }) => {
  // The admin adds a second finance user (through the contract), then signs out.
  await page.goto(loginUrl);
  await rpc(page, 'auth.login', { name: 'admin', password: PASSWORD });
  await rpc(page, 'operators.create', SECOND_FINANCE);
  await rpc(page, 'auth.logout');
  await signInAs(page, 'wang.fang');
  const day = depotDay(5);
  const b = await breaksOf(page, day);
  await cell(page, day).click();

  // 说明: the second payment was a staff test, refunded by hand; no money moves.
  await openBreak(page, b.duplicate.id);
  const explain = await act(page, 'explain', '员工测试扫码，已线下退还');
  await expect(explain.getByTestId('recon-action-effect')).toContainText('不产生任何资金变动');
  await explain.page().getByTestId('recon-action-ok').click();
  const drawer = page.getByTestId('recon-break-drawer');
  await expect(drawer.getByTestId('recon-break-state')).toHaveText('已解决');
  await expect(drawer.getByTestId('recon-break-history')).toContainText('员工测试扫码，已线下退还');
  await closeDrawer(page);

  // 补单: the cancelled order's driver gets the ¥50.00 the gateway took.
  const order = await rpc<{ driverId: string }>(page, 'payments.getOrder', { orderId: b.long.orderId });
  const balance = async () => (await rpc<{ wallet: { balance: { fen: number } } }>(page, 'wallet.show', { driverId: order.driverId })).wallet.balance.fen;
  const before = await balance();
  await openBreak(page, b.long.id);
  const credit = await act(page, 'credit', '顾客超时后扫码付款，补记钱包');
  await expect(credit.page().getByText('补单 ¥50.00')).toBeVisible();
  await expect(credit.getByTestId('recon-action-effect')).toContainText('将渠道收到的 ¥50.00 记入司机钱包');
  await credit.page().getByTestId('recon-action-ok').click();
  await expect(drawer.getByTestId('recon-break-state')).toHaveText('已解决');
  await expect(drawer.getByTestId('recon-break-resolution')).toContainText('补单');
  expect(await balance()).toBe(before + 5000);
  await closeDrawer(page);

  // 核销: 王芳 asks, cannot approve her own request (the core's refusal is shown), 赵敏 approves.
  await openBreak(page, b.short.id);
  const ask = await act(page, 'requestWriteOff', '渠道确认未收到该笔款项，无法追回');
  await expect(ask.getByTestId('recon-action-effect')).toContainText('申请把 ¥150.00 作为损失核销');
  await ask.page().getByTestId('recon-action-ok').click();
  await expect(drawer.getByTestId('recon-break-state')).toHaveText('核销待批准');
  const own = await act(page, 'approve', '');
  await expect(own).toContainText('这是你本人提出的核销申请');
  await own.page().getByTestId('recon-action-ok').click();
  await expect(own.getByTestId('recon-action-error')).toContainText('approved by someone other than who asked');
  await page.getByRole('button', { name: /取\s*消/ }).click();
  await expect(drawer.getByTestId('recon-break-state')).toHaveText('核销待批准');

  const other = await financeTwo(browser);
  await other.getByRole('tab', { name: '差错队列' }).click();
  await expect(other.getByTestId('recon-queue-table')).toContainText('核销待批准');
  const otherDrawer = await openBreak(other, b.short.id);
  await expect(otherDrawer.getByTestId('recon-break-requester')).toContainText('王芳');
  const approve = await act(other, 'approve', '已与渠道核实');
  await expect(approve.getByTestId('recon-approve-asked')).toContainText('申请人：王芳');
  await expect(approve.getByTestId('recon-action-effect')).toContainText('¥150.00');
  await other.getByTestId('recon-action-ok').click();
  await expect(otherDrawer.getByTestId('recon-break-state')).toHaveText('已核销');
  await expect(otherDrawer.getByTestId('recon-break-history')).toContainText('批准核销');
  await other.context().close();

  // Back on 王芳's page: one break of the day left open (the amount mismatch).
  await closeDrawer(page);
  await page.getByRole('button', { name: /刷\s*新/ }).click();
  await expect(page.getByTestId('recon-signoff-why')).toHaveText('还有 1 条差错未解决');
  await expect(cell(page, day)).toContainText('有差错 1');
});

test('a statement uploaded twice imports once, a broken one shows its line and reason, and a matched day is signed off', async ({ page }) => {
  await signInAs(page, 'wang.fang');
  const yesterday = depotDay(1);
  const day = await rpc<{ day: { pending: { orderNumber: string; tradeNo: string; ours: { yuan: string } }[] } }>(page, 'recon.day', { date: yesterday });
  const missing = day.day.pending[0];
  const row = wechatPayment({
    交易时间: `${yesterday} 21:41:00`,
    微信订单号: missing.tradeNo,
    商户订单号: missing.orderNumber,
    应结订单金额: missing.ours.yuan,
    订单金额: missing.ours.yuan,
  });
  const file = { name: `${yesterday.replace(/-/g, '')}-wechat-late.csv`, mimeType: 'text/csv', buffer: wechatBytes({ kind: 'all', rows: [row] }) };
  const input = page.getByTestId('recon-page').locator('input[type=file]');
  const result = page.getByTestId('recon-import-result');

  await input.setInputFiles(file);
  await expect(result).toHaveAttribute('data-outcome', 'imported');
  await expect(result).toContainText(`已导入 ${file.name}`);
  await expect(result).toContainText(`已重新对账：${yesterday} 已平`);
  await expect(cell(page, yesterday)).toHaveAttribute('data-state', 'matched');

  await input.setInputFiles(file);
  await expect(result).toHaveAttribute('data-outcome', 'already');
  await expect(result).toContainText('已导入过');

  const broken = wechatBytes({ kind: 'all', rows: [row], summary: { 总交易单数: '5' } });
  await input.setInputFiles({ name: 'broken-wechat.csv', mimeType: 'text/csv', buffer: broken });
  await expect(result).toHaveAttribute('data-outcome', 'refused');
  await expect(result).toContainText('broken-wechat.csv 未导入：第 4 行 · 汇总行与明细不符');
  await expect(result).toContainText('says 5 rows but the bill has 1 detail rows');

  const matched = depotDay(4);
  await cell(page, matched).click();
  const detail = page.getByTestId('recon-day-detail');
  await expect(detail.getByTestId('recon-signoff-why')).toHaveCount(0);
  await detail.getByTestId('recon-signoff').click();
  // The dialog first, settled: a click on its OK while antd still zooms it in can land on nothing (a fresh-clone run saw it stay open).
  const signoff = await modal(page, `签字确认 ${matched}`);
  await signoff.getByTestId('recon-signoff-note').fill('已核对');
  await signoff.getByTestId('recon-signoff-ok').click();
  await expect(signoff).toBeHidden();
  await expect(cell(page, matched)).toHaveAttribute('data-state', 'signed_off');
  await expect(detail.getByTestId('recon-signed-off')).toContainText('王芳 已于');
  await expect(detail.getByTestId('recon-signed-off')).toContainText('已核对');
  const signed = await rpc<{ day: { state: string; signedOffBy: { name: string } } }>(page, 'recon.day', { date: matched });
  expect(signed.day).toMatchObject({ state: 'signed_off', signedOffBy: { name: '王芳' } });
});
