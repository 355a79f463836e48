import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { methodNames } from '../../src-main/modules';
import { CONTENT_SECURITY_POLICY } from '../../src-main/shell/security';
import { REPO_ROOT } from '../helpers';

/**
 * The built main process (electron-vite build → out/main/index.js) run in plain Node against a
 * recording stand-in for Electron (test/shell/fake-electron/): the Electron binary cannot run
 * here, but the wiring in src-main/index.ts — which hook gets which decision, start-up and
 * shutdown order — can still be exercised end to end, with the real core on a temp database.
 */
const FAKE = path.join(REPO_ROOT, 'test', 'shell', 'fake-electron');
let buildDir: string;

beforeAll(() => {
  // A private build, so this test never races another build of the shared out/ folder.
  buildDir = fs.mkdtempSync(path.join(os.tmpdir(), 'depotdesk-build-'));
  // out/main keeps its dependencies as imports; they resolve through this link as in the repo.
  fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(buildDir, 'node_modules'), 'junction');
  const r = spawnSync(
    process.execPath,
    [path.join(REPO_ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build', '--outDir', path.join(buildDir, 'out'), '--logLevel', 'error'],
    { cwd: REPO_ROOT, encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`electron-vite build failed:\n${r.stdout}${r.stderr}`);
}, 240_000);

afterAll(() => {
  if (buildDir) fs.rmSync(buildDir, { recursive: true, force: true });
});

function runMain(env: Record<string, string> = {}) {
  // Inside the build folder, so it outlives helpers' per-test cleanup and goes with afterAll.
  const dataDir = fs.mkdtempSync(path.join(buildDir, 'depot-'));
  const r = spawnSync(process.execPath, ['--import', path.join(FAKE, 'hook.mjs'), path.join(FAKE, 'driver.mjs'), path.join(buildDir, 'out', 'main', 'index.js')], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      ...process.env,
      DEPOTDESK_DATA_DIR: dataDir,
      DEPOTDESK_MIGRATIONS_DIR: path.join(REPO_ROOT, 'migrations'),
      ELECTRON_RENDERER_URL: '',
      ...env,
    },
  });
  if (r.status !== 0) throw new Error(`main process run failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  return { dataDir, out: JSON.parse(lines[lines.length - 1]) };
}

describe('the built main process, wired to a stand-in Electron', () => {
  let run: ReturnType<typeof runMain>;
  beforeAll(() => {
    run = runMain();
  }, 90_000);

  it('registers app:// as a standard secure scheme and sandboxes every renderer', () => {
    expect(run.out.schemes).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
    expect(run.out.sandbox).toBe(true);
    expect(run.out.errors).toEqual([]);
  });

  it('runs the core in a utility process of its own, forked from the built core-process.js', () => {
    expect(run.out.core).toMatchObject({
      forks: 1,
      entry: 'core-process.js',
      entryExists: true,
      options: { serviceName: 'DepotDesk core', stdio: 'pipe' },
      separate: true,
    });
  });

  it('opens the data directory the CLI would open', () => {
    expect(run.out.userData).toBe(run.dataDir);
    expect(run.out.dbCreated).toBe(true);
  });

  it('opens one isolated window on app://depotdesk/index.html with the built preload and every method name', () => {
    expect(run.out.loadedUrl).toBe('app://depotdesk/index.html');
    expect(run.out.preloadExists).toBe(true);
    expect(run.out.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
    expect(run.out.webPreferences.preload).toMatch(/preload[\\/]index\.cjs$/);
    expect(run.out.webPreferences.additionalArguments).toEqual([`--depot-methods=${methodNames.join(',')}`]);
  });

  it('serves the renderer over app:// with the CSP, routes to the app shell, and 404s the rest', () => {
    const p = run.out.protocol;
    expect(p['app://depotdesk/index.html']).toEqual({ status: 200, csp: CONTENT_SECURITY_POLICY, type: 'text/html; charset=utf-8', hasRoot: true });
    expect(p['app://depotdesk/sessions/42']).toMatchObject({ status: 200, hasRoot: true });
    expect(p['app://depotdesk/assets/missing.js']).toMatchObject({ status: 404, csp: CONTENT_SECURITY_POLICY });
    expect(p['app://depotdesk/%2e%2e/%2e%2e/package.json']).toMatchObject({ status: 404 });
  });

  it('answers the contract over IPC for our page only, and pushes events to the window', () => {
    expect(run.out.ipc.trusted).toEqual({ ok: true, data: { operator: null, setupRequired: true } });
    expect(run.out.ipc.untrusted).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(run.out.eventsSent).toContain('depot:event:system.started');
  });

  it('keeps the window on our origin and sends only public web links to the system browser', () => {
    expect(run.out.navigation).toEqual({ 'app://depotdesk/index.html#/x': false, 'https://evil.example/': true, 'file:///etc/passwd': true });
    expect(run.out.windowOpen).toEqual({ 'https://example.com/help': 'deny', 'javascript:alert(1)': 'deny', 'http://127.0.0.1:4820/': 'deny' });
    expect(run.out.openedExternally).toEqual(['https://example.com/help']);
    expect(run.out.webviewPrevented).toBe(true);
  });

  it('refuses every permission', () => {
    expect(run.out.permissions).toEqual({ request: [false], check: false, device: false });
  });

  it('opens the HTTP door for the CLI', () => {
    expect(run.out.door).toMatchObject({ mode: 'electron', healthz: { ok: true } });
  });

  it('focuses the first window when a second instance starts', () => {
    expect(run.out.focusedAfterSecondInstance).toBe(1);
  });

  it('shuts down in order on quit: IPC removed, then the core process closes the door (instance.json gone), the services and the database, and ends', () => {
    expect(run.out.afterQuit).toMatchObject({ quitRequested: 2, instanceFile: false, ipcHandlers: [], walLeft: false, servingLock: false });
    expect(typeof run.out.afterQuit.coreExitCode).toBe('number');
  });
});

describe('a second launch of the built main process', () => {
  it('quits at once without forking the core or opening the database when another instance holds the lock', () => {
    const { out } = runMain({ FAKE_SINGLE_INSTANCE_LOCK: 'taken' });
    expect(out).toEqual({ lock: 'taken', windows: 0, quitRequested: 1, coreForks: 0, dataDirEntries: [] });
  });
});
