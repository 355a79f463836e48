import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers';

/**
 * Importing `electron` from plain Node runs its installer, which downloads a binary and throws
 * where there is none: the core, the CLI, the tests and `npm start` would all break. Only the two
 * files that run inside Electron may name it.
 */
const ALLOWED = new Set(['src-main/index.ts', 'src-preload/index.ts']);
const ROOTS = ['src-main', 'src-preload', 'src-renderer', 'scripts', 'bin'];
const ELECTRON_IMPORT = /(?:from\s*|import\s*\(\s*|require\s*\(\s*|import\s+)['"]electron(?:\/[^'"]*)?['"]/;

function sources(dir: string): string[] {
  const abs = path.join(REPO_ROOT, dir);
  if (!fs.existsSync(abs)) return [];
  return fs
    .readdirSync(abs, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(c|m)?(t|j)sx?$/.test(f))
    .map((f) => path.join(dir, f).split(path.sep).join('/'));
}

describe('only the Electron entry points import electron', () => {
  it('the pattern catches every way of importing it', () => {
    for (const line of [
      "import { app } from 'electron';",
      'import type { BrowserWindow } from "electron";',
      "const { app } = require('electron');",
      "const e = await import('electron');",
      "import 'electron';",
      "import { ipcRenderer } from 'electron/renderer';",
    ]) {
      expect(line).toMatch(ELECTRON_IMPORT);
    }
    for (const line of ["import x from 'electron-vite';", "import { rebuild } from '@electron/rebuild';", '// the electron window']) {
      expect(line).not.toMatch(ELECTRON_IMPORT);
    }
  });

  it('no other file in src-main, src-preload, src-renderer, scripts or bin does', () => {
    const files = ROOTS.flatMap(sources);
    expect(files.length).toBeGreaterThan(10);
    const offenders = files.filter((f) => !ALLOWED.has(f) && ELECTRON_IMPORT.test(fs.readFileSync(path.join(REPO_ROOT, f), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('the entry points that may, do (so this guard is looking at the right files)', () => {
    for (const f of ALLOWED) expect(fs.readFileSync(path.join(REPO_ROOT, f), 'utf8')).toMatch(ELECTRON_IMPORT);
  });
});
