import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findElectronBinary, rendererIsStale } from '../../src-main/shell/runtime';
import { tempDir } from '../helpers';

function project(files: Record<string, string>): string {
  const dir = tempDir('depotdesk-runtime-');
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

function age(file: string, secondsAgo: number): void {
  const t = new Date(Date.now() - secondsAgo * 1000);
  fs.utimesSync(file, t, t);
}

describe('npm start decides between the desktop app and browser mode from files alone', () => {
  it('finds no runtime when the electron package never downloaded its binary (this build machine)', () => {
    const dir = project({ 'node_modules/electron/package.json': '{"version":"45.4.1"}' });
    expect(findElectronBinary(dir, {})).toEqual({ available: false, reason: 'node_modules/electron/path.txt is missing: the binary was never downloaded' });
  });

  it('finds no runtime when path.txt names a binary that is not there', () => {
    const dir = project({ 'node_modules/electron/package.json': '{}', 'node_modules/electron/path.txt': 'electron' });
    expect(findElectronBinary(dir, {})).toMatchObject({ available: false, reason: expect.stringContaining('no Electron binary at') });
  });

  it('finds the binary that path.txt names under dist/', () => {
    const dir = project({ 'node_modules/electron/package.json': '{}', 'node_modules/electron/path.txt': 'electron', 'node_modules/electron/dist/electron': '' });
    expect(findElectronBinary(dir, {})).toEqual({ available: true, binary: path.join(dir, 'node_modules/electron/dist/electron') });
  });

  it('honours ELECTRON_OVERRIDE_DIST_PATH like the electron package does', () => {
    const dir = project({ 'node_modules/electron/package.json': '{}', 'node_modules/electron/path.txt': 'electron', 'elsewhere/electron': '' });
    expect(findElectronBinary(dir, { ELECTRON_OVERRIDE_DIST_PATH: path.join(dir, 'elsewhere') })).toEqual({
      available: true,
      binary: path.join(dir, 'elsewhere', 'electron'),
    });
  });

  it('finds nothing without the electron package at all', () => {
    expect(findElectronBinary(tempDir(), {})).toEqual({ available: false, reason: 'the electron package is not installed' });
  });
});

describe('the renderer is rebuilt only when needed', () => {
  it('is stale when never built', () => {
    expect(rendererIsStale(project({ 'src-renderer/main.tsx': '' }))).toBe(true);
  });

  it('is fresh when the build is newer than every source, stale once a source changes', () => {
    const dir = project({ 'src-renderer/pages/a.tsx': '', 'electron.vite.config.ts': '', 'out/renderer/index.html': '' });
    age(path.join(dir, 'src-renderer/pages/a.tsx'), 60);
    age(path.join(dir, 'electron.vite.config.ts'), 60);
    expect(rendererIsStale(dir)).toBe(false);
    fs.writeFileSync(path.join(dir, 'src-renderer/pages/a.tsx'), 'changed');
    expect(rendererIsStale(dir)).toBe(true);
  });
});
