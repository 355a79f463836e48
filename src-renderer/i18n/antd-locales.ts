import type { Locale as AntdLocale } from 'antd/es/locale';
import antdZhCN from 'antd/locale/zh_CN';
import antdEnUS from 'antd/locale/en_US';

/**
 * antd's locale files are CommonJS (`module.exports = require('../lib/locale/…')`, which sets
 * `exports.default`). How a default import of them comes out depends on the bundler's interop:
 * the production build hands us `{ default: locale }`, and ConfigProvider, finding no
 * `Modal.okText` there, silently falls back to English. So the module is unwrapped whatever shape
 * it arrives in, and a test checks the result the way the renderer imports it.
 */
export function unwrapLocale(mod: unknown): AntdLocale {
  let m = mod as { default?: unknown; locale?: unknown } | null;
  // Twice at most: ESM namespace → CommonJS exports → the locale object.
  for (let i = 0; i < 2 && m && typeof m.locale !== 'string' && m.default; i++) m = m.default as typeof m;
  if (!m || typeof m.locale !== 'string') throw new Error('antd locale module has no locale object');
  return m as AntdLocale;
}

export const ANTD_LOCALES = { 'zh-CN': unwrapLocale(antdZhCN), 'en-US': unwrapLocale(antdEnUS) } as const;
