import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import type { AppContext } from '../../src-main/kernel/context';
import { REPO_ROOT } from '../helpers';
import { afterTest } from '../after-test';

/** A table only the tests have: a worker's visible effect, one row per performed attempt. */
export function createSideEffects(app: AppContext): void {
  app.sqlite.exec('CREATE TABLE IF NOT EXISTS side_effects (job_id TEXT NOT NULL, attempt INTEGER NOT NULL, label TEXT NOT NULL)');
}

export function sideEffects(app: AppContext, jobId?: string): { job_id: string; attempt: number; label: string }[] {
  return (
    jobId
      ? app.sqlite.prepare('SELECT * FROM side_effects WHERE job_id = ? ORDER BY rowid').all(jobId)
      : app.sqlite.prepare('SELECT * FROM side_effects ORDER BY rowid').all()
  ) as { job_id: string; attempt: number; label: string }[];
}

export interface Fixture {
  child: ChildProcessWithoutNullStreams;
  /** Resolves with the first stdout line matching `re` (rejects if the child exits first). */
  line(re: RegExp, timeoutMs?: number): Promise<string>;
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

/** Runs test/jobs/fixtures/<name>.ts in its own Node process through tsx. */
export function runFixture(name: string, args: string[]): Fixture {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'test', 'jobs', 'fixtures', `${name}.ts`), ...args], {
    cwd: REPO_ROOT,
    env: process.env,
  });
  afterTest(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let out = '';
  let err = '';
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => (err += d));
  const lines: string[] = [];
  child.stdout.on('data', (d: string) => {
    out += d;
    const parts = out.split('\n');
    out = parts.pop()!;
    for (const l of parts) {
      lines.push(l);
      for (const w of [...waiters]) {
        if (w.re.test(l)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(l);
        }
      }
    }
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    line(re, timeoutMs = 30_000) {
      const seen = lines.find((l) => re.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`fixture ${name}: no line matching ${re} within ${timeoutMs} ms; stderr: ${err}`)), timeoutMs);
        waiters.push({
          re,
          resolve: (l) => {
            clearTimeout(timer);
            resolve(l);
          },
        });
        void exit.then(({ code, signal }) => {
          clearTimeout(timer);
          reject(new Error(`fixture ${name} exited (${code ?? signal}) before printing ${re}; stderr: ${err}`));
        });
      });
    },
    exited: () => exit,
    stderr: () => err,
  };
}
