import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';

/**
 * A depot of a spec's own: `depotdesk serve` on a new data directory, for a spec that needs settings
 * the shared e2e depot does not have (force-close's short stuck time) or a depot with nothing in it
 * (the language walk: only the UI's own words on the pages, no other spec's data).
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const START_TIMEOUT_MS = 60_000;

export interface Depot {
  child: ChildProcess;
  dataDir: string;
  loginUrl: string;
  broker: string;
}

/** `prepare` runs on the new data directory before serve starts (e.g. `depotdesk demo` into it). */
export async function startDepot(settings: readonly string[] = ['broker.port=0'], prepare?: (dataDir: string) => void): Promise<Depot> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'depotdesk-e2e-fc-'));
  prepare?.(dataDir);
  const child = spawn(process.execPath, ['bin/depotdesk.js', 'serve', '--data-dir', dataDir, '--port', '0', ...settings.flatMap((s) => ['--set', s]), '--json'], {
    cwd: root,
    env: { ...process.env, DEPOTDESK_RENDERER_DIR: path.join(root, 'out', 'renderer') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-4_000)));
  const info = await new Promise<{ loginUrl: string }>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`serve printed nothing within ${START_TIMEOUT_MS} ms: ${stderr}`)), START_TIMEOUT_MS);
    child.stdout?.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      try {
        const parsed = JSON.parse(out) as { loginUrl: string };
        clearTimeout(timer);
        resolve(parsed);
      } catch {
        // Not complete yet.
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${code}): ${stderr}`));
    });
  });
  const instance = JSON.parse(fs.readFileSync(path.join(dataDir, 'instance.json'), 'utf8')) as { broker: string };
  return { child, dataDir, loginUrl: info.loginUrl, broker: instance.broker };
}

export async function stopDepot(d: Depot): Promise<void> {
  const exited = new Promise<void>((resolve) => (d.child.exitCode !== null ? resolve() : d.child.once('exit', () => resolve())));
  d.child.kill('SIGTERM');
  // Bounded: a server that hangs while closing must not hang the run.
  const timer = setTimeout(() => d.child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
  fs.rmSync(d.dataDir, { recursive: true, force: true });
}

/** A contract call on this depot from the page's context (its cookies). */
export async function rpc<T = unknown>(page: Page, d: Depot, method: string, params: unknown = {}): Promise<T> {
  const res = await page.request.post(new URL('/rpc', d.loginUrl).toString(), { data: { method, params } });
  const body = (await res.json()) as { ok: boolean; data?: T; error?: { message: string } };
  if (!body.ok) throw new Error(`${method} failed: ${body.error?.message}`);
  return body.data as T;
}
