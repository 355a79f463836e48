import fs from 'node:fs';
import path from 'node:path';
import { expect, rpc, signIn, test } from './fixtures';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const GUANGDONG = JSON.parse(fs.readFileSync(path.join(root, 'docs/examples/tariff-guangdong.json'), 'utf8')) as unknown;

test.beforeEach(async ({ page }) => {
  await signIn(page);
  // Importing the same file twice changes nothing, so each test may arrange it.
  await rpc(page, 'tariffs.import', { file: GUANGDONG });
  await page.getByTestId('nav').getByText('设置', { exact: true }).click();
  await page.getByRole('tab', { name: '电价' }).click();
  await expect(page.getByTestId('tariffs-tab')).toBeVisible();
});

test('a supervisor paints 08:00–10:00 as 尖 by dragging across the strip, and the quote uses the draft', async ({ page }) => {
  await page.getByTestId('period-brush').getByText('尖').click();
  const from = (await page.getByTestId('slot-strip-slot-16').boundingBox())!;
  const to = (await page.getByTestId('slot-strip-slot-19').boundingBox())!;
  await page.mouse.move(from.x + 3, from.y + 5);
  await page.mouse.down();
  await page.mouse.move(to.x + 3, to.y + 5, { steps: 8 });
  await page.mouse.up();
  for (const slot of [16, 17, 18, 19]) await expect(page.getByTestId(`slot-strip-slot-${slot}`)).toHaveAttribute('data-period', 'sharp');
  await expect(page.getByTestId('slot-strip-slot-20')).toHaveAttribute('data-period', 'peak');
  await expect(page.getByTestId('tariff-draft-hint')).toBeVisible();

  // 08:30 → 09:30, 10 kWh, all in the painted 尖: 10 × (1.30113 + 0.8) = 21.0113 → ¥21.01
  // antd puts the test id on the picker's <input> (or its wrapper, depending on version).
  const time = (i: number) => page.getByTestId(`quote-time-${i}`).locator('xpath=descendant-or-self::input');
  await time(0).fill('2024-03-05 08:30:00');
  await time(0).press('Enter');
  await time(1).fill('2024-03-05 09:30:00');
  await time(1).press('Enter');
  await page.getByTestId('quote-kwh-1').fill('10');
  await page.getByTestId('quote-run').click();
  await expect(page.getByTestId('quote-charge')).toHaveText('¥21.01');
});

test('a bad plan file is refused with every field named, and nothing is imported', async ({ page }) => {
  const before = await rpc<unknown[]>(page, 'tariffs.list');
  await page.locator('input[type=file]').setInputFiles({
    name: 'bad.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify({ ...(GUANGDONG as object), name: 'bad plan', slots: ['valley'], timezone: 'CST' })),
  });
  const issues = page.getByTestId('tariff-issues');
  await expect(issues).toContainText('未导入任何内容');
  await expect(issues).toContainText('timezone');
  await expect(issues).toContainText('slots');
  await expect(issues).toContainText('must have 48 entries');
  expect(await rpc<unknown[]>(page, 'tariffs.list')).toHaveLength(before.length);
});

test('a date override for tomorrow appears in the dated rules list', async ({ page }) => {
  await page.getByTestId('add-override').click();
  await page.getByTestId('override-submit').click();
  await expect(page.locator('.ant-message')).toContainText('临时调整');
  await expect(page.getByTestId('rules-table')).toContainText('临时调整');
  await expect(page.getByTestId('rules-table')).toContainText('15:00–17:00');
});
