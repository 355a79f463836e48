import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { zhCN } from '../../src-renderer/i18n/zh-CN';
import { enUS } from '../../src-renderer/i18n/en-US';
import { CJK, strayEnglish } from '../language-words';
import { REPO_ROOT } from '../helpers';
import { depot } from '../../src-main/modules';

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

  it('name every job kind the depot registers (the Jobs page words them; a new worker without a name showed its code)', () => {
    const unnamed = depot.workers.map((w) => `jobs.kind.${w.kind}`).filter((k) => !(k in zhCN) || !(k in enUS));
    expect(unnamed).toEqual([]);
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

/** Every renderer source file but the dictionaries, as one text. */
function rendererSource(): string {
  const dir = path.join(REPO_ROOT, 'src-renderer');
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => /\.tsx?$/.test(f) && !/i18n[\\/](zh-CN|en-US)\.ts$/.test(f))
    .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
    .join('\n');
}

/** A key is used when the source names it, or builds it from a prefix (`sessions.state.${s}`, 'ledger.code.' + c). */
function isUsed(key: string, source: string): boolean {
  if (source.includes(key)) return true;
  const parts = key.split('.');
  for (let n = parts.length - 1; n > 0; n--) {
    const prefix = `${parts.slice(0, n).join('.')}.`;
    if (source.includes(`\`${prefix}`) || source.includes(`'${prefix}'`)) return true;
  }
  return false;
}

// Unused before this test was written and not part of its change; whoever owns them decides.
const KNOWN_UNUSED = new Set(['app.tagline', 'dashboard.figures']);

describe('the dictionaries carry no text for screens that are gone', () => {
  it('every key is used by the renderer (a removed component takes its keys with it)', () => {
    const source = rendererSource();
    expect(Object.keys(enUS).filter((k) => !KNOWN_UNUSED.has(k) && !isUsed(k, source))).toEqual([]);
  });
});
