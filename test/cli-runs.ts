import path from 'node:path';
import { spawn } from 'node:child_process';
import { vi } from 'vitest';
import { main } from '../src-main/cli/main';
import { REPO_ROOT } from './helpers';

/**
 * Two ways to run the CLI in a test, both with the operators' password in DEPOTDESK_PASSWORD:
 * a real `bin/depotdesk.js` process with no timeout of its own (a slow machine makes it slow, not
 * wrong), and the CLI's main() in this process with its output captured (same parser, same exit
 * code), for the many usage errors that need no process of their own.
 */

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  json<T>(): T;
}

export function cliProcess(args: string[], password: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'depotdesk.js'), ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, DEPOTDESK_PASSWORD: password },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, json: <T>() => JSON.parse(stdout) as T }));
  });
}

export async function cliInProcess(argv: string[], password: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const so = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  const se = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
  const before = process.env.DEPOTDESK_PASSWORD;
  process.env.DEPOTDESK_PASSWORD = password;
  try {
    const code = await main(argv);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    so.mockRestore();
    se.mockRestore();
    if (before === undefined) delete process.env.DEPOTDESK_PASSWORD;
    else process.env.DEPOTDESK_PASSWORD = before;
  }
}
