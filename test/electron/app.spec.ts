import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron as electron, expect, test, type ElectronApplication } from '@playwright/test';
import { electronNativeBinding } from '../../src-main/shell/native';
import { findElectronBinary } from '../../src-main/shell/runtime';

/**
 * The desktop window end to end: the built app (out/) in the real Electron binary, on a fresh
 * temp data directory. Runs only where an Electron binary exists; elsewhere it says so and skips.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const runtime = findElectronBinary(root);
const CLOSE_GRACE_MS = 10_000;

let app: ElectronApplication | null = null;
let dataDir: string | null = null;

test.afterEach(async () => {
  // Bounded: a main process stuck in shutdown must fail this run, not hang the whole suite.
  if (app) {
    const closing = app.close();
    const timedOut = await Promise.race([closing.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), CLOSE_GRACE_MS))]);
    if (timedOut) app.process().kill('SIGKILL');
    app = null;
  }
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

test('the desktop window opens DepotDesk from app://depotdesk with window.depot and nothing of Node', async () => {
  if (!runtime.available) {
    const reason = `Electron binary not available on this machine (${runtime.reason})`;
    console.log(`skipped: ${reason}`);
    test.skip(true, reason);
    return;
  }
  const abi = fs.readFileSync(path.join(root, 'node_modules', 'electron', 'abi_version'), 'utf8').trim();
  const native = electronNativeBinding({ packaged: false, resourcesDir: '', projectDir: root }, abi);
  if (!native.ok) throw new Error(native.message);

  const built = spawnSync(process.execPath, [path.join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (built.status !== 0) throw new Error(`electron-vite build failed:\n${built.stdout}${built.stderr}`);

  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'depotdesk-electron-'));
  app = await electron.launch({
    executablePath: runtime.binary,
    // Chromium refuses its own sandbox when run as root (containers); everywhere else it stays on.
    args: [root, ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
    env: { ...process.env, DEPOTDESK_DATA_DIR: dataDir, ELECTRON_RENDERER_URL: '' },
  });
  const win = await app.firstWindow();
  await win.waitForSelector('[data-testid=app-ready]', { timeout: 30_000 });

  expect(await win.title()).toMatch(/DepotDesk/);
  expect(win.url()).toMatch(/^app:\/\/depotdesk\//);
  expect(await win.evaluate(() => typeof window.depot)).toBe('object');
  expect(await win.evaluate(() => Object.keys(window.depot ?? {}).sort())).toEqual(['methods', 'onEvent', 'platform']);
  expect(await win.evaluate(() => typeof window.depot?.methods['auth.me'])).toBe('function');
  expect(await win.evaluate(() => window.depot?.methods['auth.me']({}))).toEqual({ ok: true, data: { operator: null, setupRequired: true } });
  // The page has no Node: no require, no process, no ipcRenderer.
  expect(await win.evaluate(() => [typeof (window as unknown as { require?: unknown }).require, typeof (window as unknown as { process?: unknown }).process])).toEqual([
    'undefined',
    'undefined',
  ]);
  // The core opened the temp data directory, not the operator's real one.
  expect(fs.existsSync(path.join(dataDir, 'depotdesk.sqlite'))).toBe(true);
});
