import { describe, expect, it } from 'vitest';
import { zhCN } from '../../src-renderer/i18n/zh-CN';
import { enUS } from '../../src-renderer/i18n/en-US';
import { CJK, strayEnglish } from '../language-words';

const placeholders = (text: string) => [...new Set(text.match(/\{\w+\}/g) ?? [])].sort();
// Each language names itself in its own script on the language switch.
const SELF_NAMED = new Set(['lang.zh-CN', 'lang.en-US']);

describe('the zh-CN and en-US dictionaries are complete and each in its own language', () => {
  it('have exactly the same keys', () => {
    expect(Object.keys(enUS).sort()).toEqual(Object.keys(zhCN).sort());
  });

  it('have no empty text', () => {
    const empty = [...Object.entries(zhCN), ...Object.entries(enUS)].filter(([, v]) => v.trim() === '').map(([k]) => k);
    expect(empty).toEqual([]);
  });

  it('use the same {placeholders} for each key', () => {
    const differ = Object.keys(zhCN)
      .filter((k) => placeholders(zhCN[k as keyof typeof zhCN]).join() !== placeholders(enUS[k as keyof typeof enUS] ?? '').join())
      .map((k) => `${k}: zh ${placeholders(zhCN[k as keyof typeof zhCN]).join()} / en ${placeholders(enUS[k as keyof typeof enUS] ?? '').join()}`);
    expect(differ).toEqual([]);
  });

  it('en-US has no Chinese character', () => {
    const cjk = Object.entries(enUS).filter(([k, v]) => !SELF_NAMED.has(k) && CJK.test(v));
    expect(cjk).toEqual([]);
  });

  it('zh-CN has no stray English word (brand, units, protocol names and ids allowed)', () => {
    const stray = Object.entries(zhCN)
      .filter(([k]) => !SELF_NAMED.has(k))
      .map(([k, v]) => [k, strayEnglish(v.replace(/\{\w+\}/g, ''))] as const)
      .filter(([, words]) => words.length > 0);
    expect(stray).toEqual([]);
  });
});
