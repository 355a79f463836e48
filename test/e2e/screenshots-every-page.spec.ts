import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { startDepot, stopDepot, type Depot } from './own-depot';

/**
 * docs/screenshots/pages/: every page and every tab of it, in Chinese and in English, on a demo
 * depot (`depotdesk demo`: drivers, sessions, orders, a campaign waiting, six days of statements),
 * so the pictures show a depot at work rather than an empty one. Written only on request
 * (`npm run screenshots`), so an ordinary run does not rewrite tracked images.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const OUT = path.join(root, 'docs', 'screenshots', 'pages');
const wanted = process.env.DEPOTDESK_SCREENSHOTS === '1';
const SKIP_REASON = 'docs screenshots are written only with DEPOTDESK_SCREENSHOTS=1 (npm run screenshots)';
const PASSWORD = 'depotdesk-demo';

let depot: Depot | null = null;
test.beforeAll(async () => {
  if (!wanted) return;
  depot = await startDepot(['broker.port=0'], (dataDir) => {
    const demo = spawnSync(process.execPath, ['bin/depotdesk.js', 'demo', '--data-dir', dataDir, '--json'], {
      cwd: root,
      env: { ...process.env, DEPOTDESK_PASSWORD: PASSWORD },
      encoding: 'utf8',
    });
    if (demo.status !== 0) throw new Error(`depotdesk demo failed (${demo.status}): ${demo.stderr}`);
  });
});
test.afterAll(async () => {
  if (depot) await stopDepot(depot);
});

async function settle(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle');
  await expect(page.locator('.ant-spin-spinning')).toHaveCount(0);
  await page.mouse.move(0, 0);
  await expect(page.locator('.ant-message-notice')).toHaveCount(0);
}

/** Each nav entry and each of its tabs: `<page>[-<tab>]-<lang>.png`. Returns the files written. */
async function shootEveryPage(page: Page, lang: 'zh' | 'en'): Promise<string[]> {
  const written: string[] = [];
  const nav = page.getByTestId('nav').locator('[data-testid^="nav-"]');
  const keys = await nav.evaluateAll((els) => els.map((el) => el.getAttribute('data-testid') ?? ''));
  for (const key of keys) {
    await page.getByTestId(key).click();
    await settle(page);
    const name = key.replace(/^nav-/, '');
    const tabs = page.locator('main .ant-tabs-nav').first().getByRole('tab');
    const count = await tabs.count();
    for (let i = 0; i < Math.max(count, 1); i++) {
      if (count > 0) {
        await tabs.nth(i).click();
        await settle(page);
      }
      const file = `${name}${count > 1 ? `-${i + 1}` : ''}-${lang}.png`;
      await page.screenshot({ path: path.join(OUT, file) });
      written.push(file);
    }
  }
  return written;
}

test('every page and tab of a demo depot, in Chinese and English', async ({ page }) => {
  if (!wanted) {
    console.log(`skipped: ${SKIP_REASON}`);
    test.skip(true, SKIP_REASON);
    return;
  }
  // Upper bound for about 40 pages and tabs twice on a loaded machine; not a speed claim.
  test.setTimeout(600_000);
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(depot!.loginUrl);
  await expect(page.getByTestId('app-ready')).toHaveAttribute('data-auth', 'login');
  const form = page.getByTestId('login-form');
  await form.locator('#name').fill('admin');
  await form.locator('#password').fill(PASSWORD);
  await form.getByRole('button').click();
  await expect(page.getByTestId('operator')).toBeVisible();

  const zh = await shootEveryPage(page, 'zh');
  await page.getByTestId('language-switch').getByText('English').click();
  const en = await shootEveryPage(page, 'en');
  await page.getByTestId('language-switch').getByText('中文').click();
  expect(zh.length).toBeGreaterThan(10);
  expect(en).toEqual(zh.map((f) => f.replace(/-zh\.png$/, '-en.png')));
  console.log(`wrote ${zh.length + en.length} screenshots to docs/screenshots/pages`);
});
