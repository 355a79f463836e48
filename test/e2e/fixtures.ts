import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test as base, type Browser, type Locator, type Page } from '@playwright/test';

/**
 * Shared pieces of the e2e specs: the depot started by the global setup, the admin the first-run
 * spec creates, and a guard that fails any test during which the page logged a console error or
 * threw an uncaught exception.
 */
export const ADMIN = { name: 'zhangwei', displayName: '张伟', password: 'depot-admin-2024' } as const;

export function loginUrl(): string {
  const url = process.env.DEPOTDESK_E2E_LOGIN_URL;
  if (!url) throw new Error('DEPOTDESK_E2E_LOGIN_URL is not set: run the specs through playwright.config.ts (its global setup starts serve)');
  return url;
}

/** Opens the URL serve printed (sets the instance-token cookie) and waits for the shell. */
export async function openApp(page: Page): Promise<string> {
  await page.goto(loginUrl());
  const ready = page.getByTestId('app-ready');
  await expect(ready).toBeVisible();
  return (await ready.getAttribute('data-auth')) ?? '';
}

/** A contract call from the test's own browser context (its cookies), for arranging state. */
export async function rpc<T = unknown>(page: Page, method: string, params: unknown = {}): Promise<T> {
  const res = await page.request.post(new URL('/rpc', loginUrl()).toString(), { data: { method, params } });
  const body = (await res.json()) as { ok: boolean; data?: T; error?: { message: string } };
  if (!body.ok) throw new Error(`${method} failed: ${body.error?.message}`);
  return body.data as T;
}

/**
 * Signs the admin in through the login screen. When a spec runs on its own (without the
 * first-run project), the admin is created through the contract first.
 */
export async function signIn(page: Page): Promise<void> {
  let state = await openApp(page);
  if (state === 'setup') {
    await rpc(page, 'setup.createAdmin', ADMIN);
    await page.reload();
    state = await openApp(page);
  }
  if (state === 'login') {
    const form = page.getByTestId('login-form');
    await form.locator('#name').fill(ADMIN.name);
    await form.locator('#password').fill(ADMIN.password);
    await form.getByRole('button').click();
  }
  await expect(page.getByTestId('operator')).toContainText(ADMIN.displayName);
}

/**
 * Another operator in a browser context of their own (signed in through the contract); its
 * console errors fail the test as the main page's do, when `done` is called.
 */
export async function signInAs(browser: Browser, who: { name: string; displayName: string }, password: string): Promise<{ page: Page; done(): Promise<void> }> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  await openApp(page);
  await rpc(page, 'auth.login', { name: who.name, password });
  await page.reload();
  await expect(page.getByTestId('operator')).toContainText(who.displayName);
  return {
    page,
    done: async () => {
      await context.close();
      expect(errors, `${who.name}'s page logged errors`).toEqual([]);
    },
  };
}

export const test = base.extend<{ consoleErrors: string[] }>({
  consoleErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on('console', (msg) => {
        if (msg.type() === 'error') errors.push(`console.error: ${msg.text()}`);
      });
      page.on('pageerror', (err) => errors.push(`uncaught: ${err.message}`));
      await use(errors);
      expect(errors, 'the page logged errors during this test').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/** The served depot's MQTT broker (from its instance.json), for simulated chargers in a spec. */
export function brokerUrl(): string {
  const dir = process.env.DEPOTDESK_E2E_DATA_DIR;
  if (!dir) throw new Error('DEPOTDESK_E2E_DATA_DIR is not set: run through playwright.config.ts');
  const info = JSON.parse(fs.readFileSync(path.join(dir, 'instance.json'), 'utf8')) as { broker: string | null };
  if (!info.broker) throw new Error(`the served depot reports no broker in ${dir}/instance.json: its charger link did not start`);
  return info.broker;
}

/**
 * docs/screenshots/<name>, written only with DEPOTDESK_SCREENSHOTS=1 (run the spec with it) so
 * ordinary runs leave tracked images alone. At 1440×900 unless `fullPage` (the page as it is, whole).
 */
export async function docsScreenshot(page: Page, name: string, opts: { fullPage?: boolean } = {}): Promise<void> {
  if (process.env.DEPOTDESK_SCREENSHOTS !== '1') return;
  if (!opts.fullPage) await page.setViewportSize({ width: 1440, height: 900 });
  await page.mouse.move(0, 0);
  // No toast over the page and no segmented control mid-slide.
  await expect(page.locator('.ant-message-notice')).toHaveCount(0);
  await expect(page.locator('.ant-segmented-thumb')).toHaveCount(0);
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'screenshots', name);
  await page.screenshot({ path: file, fullPage: opts.fullPage ?? false });
}

/**
 * The open dialog with this text, once its opening animation has ended: a click on a button still
 * zooming in can land beside it on a loaded two-core machine.
 */
export async function modal(page: Page, hasText: string): Promise<Locator> {
  const dialog = page.locator('.ant-modal').filter({ hasText });
  await expect(dialog).toBeVisible();
  await expect(dialog).not.toHaveClass(/zoom-(appear|enter)/);
  return dialog;
}
