import { zhCN, type Dictionary, type I18nKey } from './zh-CN';
import { enUS } from './en-US';

/**
 * The dictionaries' lookups without React: the screens (through the provider in ./index.tsx), the
 * renderer's tests, and the core's Excel exports (src-main/reports/wording.ts) word codes with the
 * same dictionaries, so a list and its export say the same thing. Plain data and functions only:
 * nothing here may import React, antd or the browser (test/structure/boundaries.test.ts holds it).
 */

export type { I18nKey } from './zh-CN';
export type Locale = 'zh-CN' | 'en-US';
export const LOCALES: readonly Locale[] = ['zh-CN', 'en-US'];
export type Params = Record<string, string | number>;

export const dictionaries: Record<Locale, Dictionary> = { 'zh-CN': zhCN, 'en-US': enUS };

export interface Wording {
  t(key: I18nKey, params?: Params): string;
  /** For keys built at run time (figure labels, error codes): the text, or undefined if absent. */
  maybe(key: string, params?: Params): string | undefined;
}

export function interpolate(text: string, params?: Params): string {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** The dictionary lookups of one language, outside React. */
export function wordingFor(locale: Locale): Wording {
  const dict = dictionaries[locale];
  return {
    t: (key, params) => interpolate(dict[key], params),
    maybe: (key, params) => (Object.hasOwn(dict, key) ? interpolate(dict[key as I18nKey], params) : undefined),
  };
}
