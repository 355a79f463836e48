import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FullConfig } from '@playwright/test';

/**
 * Starts one `depotdesk serve` on a fresh temp data directory and port 0, hands its login URL to
 * the specs through the environment, and returns the teardown. The renderer is rebuilt first
 * when out/renderer is missing or older than its sources.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const rendererDir = path.join(root, 'out', 'renderer');
const START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;

function newestMtime(entry: string): number {
  const stat = fs.statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return fs.readdirSync(entry).reduce((max, name) => Math.max(max, newestMtime(path.join(entry, name))), stat.mtimeMs);
}

function ensureRendererBuilt(): void {
  const index = path.join(rendererDir, 'index.html');
  const sources = ['src-renderer', 'vite.renderer.config.ts', 'electron.vite.config.ts'].map((p) => path.join(root, p));
  const newestSource = Math.max(...sources.filter((p) => fs.existsSync(p)).map(newestMtime));
  if (fs.existsSync(index) && fs.statSync(index).mtimeMs >= newestSource) return;
  process.stdout.write('e2e: building the renderer (vite build -c vite.renderer.config.ts)\n');
  const r = spawnSync(path.join(root, 'node_modules', '.bin', 'vite'), ['build', '-c', 'vite.renderer.config.ts', '--logLevel', 'warn'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, VITE_CONFIG_NATIVE_IGNORE_WARNING: 'true' },
  });
  if (r.status !== 0) throw new Error(`renderer build failed (exit ${r.status ?? r.signal})`);
}

interface ServeInfo {
  url: string;
  loginUrl: string;
  dataDir: string;
}

/** serve --json prints one JSON document (pretty-printed over several lines) once it listens. */
function waitForServe(child: ChildProcess, stderrTail: () => string): Promise<ServeInfo> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => fail(`serve printed no JSON within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    const fail = (why: string) => {
      clearTimeout(timer);
      reject(new Error(`${why}\nstdout: ${out}\nstderr: ${stderrTail()}`));
    };
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      out += chunk;
      try {
        const info = JSON.parse(out) as ServeInfo;
        clearTimeout(timer);
        resolve(info);
      } catch {
        // Not complete yet: keep reading.
      }
    });
    child.once('exit', (code, signal) => fail(`serve exited early (${code ?? signal})`));
  });
}

export default async function globalSetup(config: FullConfig): Promise<() => Promise<void>> {
  ensureRendererBuilt();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'depotdesk-e2e-'));
  // Broker on port 0 too: a fixed 1883 would collide with another running depot or test run.
  const child = spawn(process.execPath, ['bin/depotdesk.js', 'serve', '--data-dir', dataDir, '--port', '0', '--set', 'broker.port=0', '--json'], {
    cwd: root,
    env: { ...process.env, DEPOTDESK_RENDERER_DIR: rendererDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Drain stderr (a full pipe would stall the server) and keep the tail for error messages.
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-8_000);
  });

  let info: ServeInfo;
  try {
    info = await waitForServe(child, () => stderr);
  } catch (e) {
    child.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
  process.env.DEPOTDESK_E2E_URL = info.url;
  process.env.DEPOTDESK_E2E_LOGIN_URL = info.loginUrl;
  process.env.DEPOTDESK_E2E_DATA_DIR = dataDir;

  return async () => {
    // SIGTERM lets serve close its HTTP door and SQLite cleanly. The wait is bounded: a server
    // that hangs while closing must not hang the test run, so after the grace period it is
    // killed outright (the temp database is thrown away anyway).
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
    fs.rmSync(dataDir, { recursive: true, force: true });
    for (const dir of new Set(config.projects.map((p) => p.outputDir))) removeIfNoFiles(dir);
  };
}

/** This run's output folder, once it holds no failure artifacts (only empty folders). */
function removeIfNoFiles(dir: string): void {
  const hasFiles = (d: string): boolean => fs.readdirSync(d, { withFileTypes: true }).some((e) => !e.isDirectory() || hasFiles(path.join(d, e.name)));
  if (fs.existsSync(dir) && !hasFiles(dir)) fs.rmSync(dir, { recursive: true, force: true });
}
