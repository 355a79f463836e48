import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { FakeClock } from '../src-main/kernel/clock';
import type { AppContext } from '../src-main/kernel/context';
import { openCore } from '../src-main/boot/core';
import { silentLogger } from '../src-main/kernel/logger';
import type { Caller, OperatorIdentity } from '../src-main/kernel/method';
import { dispatch } from '../src-main/contract/dispatch';
import type { CallResult } from '../src-main/contract/types';
import { createOperator, type Role } from '../src-main/operators';
import { checkpointsSettled } from '../src-main/kernel/db/checkpoint-thread';

/**
 * Test fixtures: a real SQLite file in a fresh temp directory, the real migrations, a fake clock.
 * Everything opened here is closed and deleted after each test.
 */
const cleanups: (() => void)[] = [];

/** Closes and deletes what this test opened here; test/setup.ts calls it after every test. */
export async function cleanUpTestApps(): Promise<void> {
  // A checkpoint worker still copying a depot's log (an import's) must end before its folder goes.
  await checkpointsSettled();
  while (cleanups.length > 0) cleanups.pop()!();
}

export const REPO_ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

export function tempDir(prefix = 'depotdesk-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  // DEPOTDESK_KEEP_TEST_DIRS=1 keeps the depots the tests built, to run `depotdesk ledger verify` on them.
  if (process.env.DEPOTDESK_KEEP_TEST_DIRS) console.log(`kept test directory ${dir}`);
  else cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface TestApp {
  app: AppContext;
  clock: FakeClock;
  dir: string;
}

export function makeApp(opts: { clock?: FakeClock; dir?: string; overrides?: Record<string, unknown> } = {}): TestApp {
  const dir = opts.dir ?? tempDir();
  const clock = opts.clock ?? new FakeClock('2026-01-15T01:00:00Z');
  const app = openCore({ dataDir: dir, mode: 'test', clock, log: silentLogger(), overrides: opts.overrides });
  cleanups.push(() => app.close());
  return { app, clock, dir };
}

export function callerFor(operator: OperatorIdentity | null): Caller {
  return { operator, transport: 'test', session: { signIn: () => ({ token: 'test' }), signOut: () => {} } };
}

let seq = 0;
export async function addOperator(app: AppContext, role: Role, name = `${role}-${++seq}`): Promise<OperatorIdentity> {
  const op = await createOperator(app, { name, role, password: 'correct-horse' });
  return { id: op.id, name: op.name, displayName: op.displayName, role: op.role };
}

/** Calls a method through the real dispatcher as `operator` (null = not signed in). */
export function call(app: AppContext, operator: OperatorIdentity | null, method: string, params: unknown = {}): Promise<CallResult> {
  return dispatch(app, callerFor(operator), method, params);
}

/** Like call, but returns the data and fails the test with the error message otherwise. */
export async function ok<T = unknown>(app: AppContext, operator: OperatorIdentity | null, method: string, params: unknown = {}): Promise<T> {
  const r = await call(app, operator, method, params);
  if (!r.ok) throw new Error(`${method} failed: ${r.error.code}: ${r.error.message}`);
  return r.data as T;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  json<T = unknown>(): T;
}

/**
 * How long one CLI process may take before cli() gives up on it: far above the second or so a
 * command takes (the bundled CLI), so only a hung command reaches it, even on a busy machine.
 */
export const CLI_LIMIT_S = 300;

/**
 * Runs the real CLI (bin/depotdesk.js, the bundle) in a child process. A command still running
 * after limitS seconds is killed and the test fails saying so, rather than with a made-up exit code.
 */
export function cli(args: string[], env: Record<string, string> = {}, limitS = CLI_LIMIT_S): CliResult {
  const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'depotdesk.js'), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, DEPOTDESK_PASSWORD: '', ...env },
    encoding: 'utf8',
    timeout: limitS * 1000,
  });
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT') {
    throw new Error(`depotdesk ${args.join(' ')} timed out after ${limitS} s (killed); its output so far:\n${r.stdout}${r.stderr}`);
  }
  if (r.error) throw new Error(`depotdesk ${args.join(' ')} could not run: ${r.error.message}`);
  if (r.status === null) throw new Error(`depotdesk ${args.join(' ')} was killed by ${r.signal}; its output so far:\n${r.stdout}${r.stderr}`);
  return {
    code: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
    json<T>() {
      return JSON.parse(r.stdout) as T;
    },
  };
}
