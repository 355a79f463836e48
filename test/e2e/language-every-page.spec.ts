import { cjkLines, strayEnglish } from '../language-words';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { rpc, startDepot, stopDepot, type Depot } from './own-depot';

/**
 * Every page, and every tab of it, in both languages: in zh-CN no stray English word (brand,
 * units, protocol names and ids allowed: test/language-words.ts), in en-US no Chinese character.
 * The language switch is left out: it names each language in its own script, on purpose.
 *
 * On a depot of its own with nothing in it but its admin: the shared e2e depot holds whatever the
 * other specs created (Chinese driver and station names are data, right in any language), and the
 * walk is about the UI's own words.
 */
const ADMIN = { name: 'langadmin', displayName: 'Lang Admin', password: 'language-walk-admin-1' };
let depot: Depot;
test.beforeAll(async () => {
  depot = await startDepot();
});
test.afterAll(async () => {
  await stopDepot(depot);
});

async function signIn(page: Page): Promise<void> {
  await page.goto(depot.loginUrl);
  const ready = page.getByTestId('app-ready');
  await expect(ready).toBeVisible();
  if ((await ready.getAttribute('data-auth')) === 'setup') await rpc(page, depot, 'setup.createAdmin', ADMIN);
  await rpc(page, depot, 'auth.login', { name: ADMIN.name, password: ADMIN.password });
  await page.reload();
  await expect(page.getByTestId('operator')).toContainText(ADMIN.displayName);
}

/**
 * The visible text of the page and its placeholders, leaving out the language switch and code:
 * a command the operator types (`depotdesk demo`) reads the same in every language.
 */
async function visibleText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const hidden = [...document.querySelectorAll<HTMLElement>('[data-testid="language-switch"], code, kbd')];
    const saved = hidden.map((el) => el.style.display);
    hidden.forEach((el) => (el.style.display = 'none'));
    const text = document.body.innerText;
    hidden.forEach((el, i) => (el.style.display = saved[i]));
    const placeholders = [...document.querySelectorAll<HTMLElement>('[placeholder]')]
      .filter((el) => el.offsetParent !== null)
      .map((el) => el.getAttribute('placeholder') ?? '');
    return [text, ...placeholders].join('\n');
  });
}

/** Visits each nav entry and each of its tabs; collects what `check` finds, by page and tab. */
async function walk(page: Page, check: (text: string) => string[]): Promise<Record<string, string[]>> {
  const found: Record<string, string[]> = {};
  const nav = page.getByTestId('nav').locator('[data-testid^="nav-"]');
  const keys = await nav.evaluateAll((els) => els.map((el) => el.getAttribute('data-testid') ?? ''));
  expect(keys.length, 'the nav lists the pages').toBeGreaterThan(5);
  for (const key of keys) {
    await page.getByTestId(key).click();
    await page.waitForLoadState('networkidle');
    await expect(page.locator('.ant-spin-spinning')).toHaveCount(0);
    const tabs = page.locator('main .ant-tabs-nav').first().getByRole('tab');
    const tabCount = await tabs.count();
    for (let i = 0; i <= tabCount; i++) {
      if (i > 0) {
        await tabs.nth(i - 1).click();
        await page.waitForLoadState('networkidle');
        await expect(page.locator('.ant-spin-spinning')).toHaveCount(0);
      }
      // The admin's names are data, not UI text.
      const text = (await visibleText(page)).replaceAll(ADMIN.displayName, '').replaceAll(ADMIN.name, '');
      const bad = check(text);
      if (bad.length > 0) found[`${key}${i > 0 ? ` tab ${i}` : ''}`] = bad;
    }
  }
  return found;
}

// Each walk opens every page and tab: about 30 s on a quiet machine, 90 s and more on a loaded one
// (a run beside other work reached the default 90 s bound). An upper bound, not a speed claim.
test.describe.configure({ timeout: 240_000 });

test('in zh-CN no page shows a stray English word', async ({ page }) => {
  await signIn(page);
  await page.getByTestId('language-switch').getByText('中文').click();
  await expect(page.getByTestId('nav')).toContainText('实时监控');
  expect(await walk(page, strayEnglish)).toEqual({});
});

test('in en-US no page shows a Chinese character', async ({ page }) => {
  await signIn(page);
  await page.getByTestId('language-switch').getByText('English').click();
  await expect(page.getByTestId('nav')).toContainText('Dashboard');
  try {
    expect(await walk(page, cjkLines)).toEqual({});
  } finally {
    await page.getByTestId('language-switch').getByText('中文').click();
  }
});
