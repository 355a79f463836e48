import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ANTD_LOCALES, unwrapLocale } from '../../src-renderer/i18n/antd-locales';

// The production bundle imports antd's CommonJS locale files in Node mode (package.json has
// "type": "module"), so a default import yields module.exports — `{ __esModule, default: locale }`
// — not the locale. That is what require() returns here; vitest's own interop would unwrap it and
// hide the bug, so the shape is taken from Node directly.
const require = createRequire(import.meta.url);
const asBundled = { 'zh-CN': require('antd/locale/zh_CN') as unknown, 'en-US': require('antd/locale/en_US') as unknown };

describe('antd speaks the operator language', () => {
  it('zh-CN: the module the bundle hands over becomes the Chinese locale (确定/取消, 条/页, 可选)', () => {
    const zh = unwrapLocale(asBundled['zh-CN']);
    expect(zh.locale).toBe('zh-cn');
    expect(zh.Modal?.okText).toBe('确定');
    expect(zh.Modal?.cancelText).toBe('取消');
    expect(zh.Pagination?.items_per_page).toBe('条/页');
    expect(zh.Form?.optional).toBe('（可选）');
  });

  it('en-US: the module becomes the English locale', () => {
    const en = unwrapLocale(asBundled['en-US']);
    expect(en.locale).toBe('en');
    expect(en.Modal?.okText).toBe('OK');
  });

  it('the renderer hands ConfigProvider locale objects, and unwrap accepts every interop shape', () => {
    expect(ANTD_LOCALES['zh-CN'].locale).toBe('zh-cn');
    expect(ANTD_LOCALES['en-US'].locale).toBe('en');
    const plain = ANTD_LOCALES['zh-CN'];
    expect(unwrapLocale(plain)).toBe(plain);
    expect(unwrapLocale({ default: { default: plain } })).toBe(plain);
    expect(() => unwrapLocale({ default: {} })).toThrow(/no locale/);
  });
});
