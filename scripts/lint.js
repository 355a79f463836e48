#!/usr/bin/env node
// npm run lint: ESLint and `prettier --check` side by side (two cores, two tools), each printing
// its own findings; exits non-zero if either finds something. Both keep a cache under
// node_modules/.cache, so a second run only re-reads the files that changed.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);

function step(label, cmd, args) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (e) => resolve({ label, ok: false, out: `${label} could not start: ${e.message}\n`, ms: Date.now() - started }));
    child.on('close', (code) => resolve({ label, ok: code === 0, out, ms: Date.now() - started }));
  });
}

const results = await Promise.all([
  step('eslint', bin('eslint'), ['.', '--cache', '--cache-location', path.join(root, 'node_modules', '.cache', 'eslint', '')]),
  // --cache (by content): a second run reads only the files whose content changed, as ESLint's does.
  step('prettier --check', bin('prettier'), [
    '--check',
    '.',
    '--log-level',
    'warn',
    '--cache',
    '--cache-strategy',
    'content',
    '--cache-location',
    path.join(root, 'node_modules', '.cache', 'prettier', '.prettier-cache'),
  ]),
]);
for (const r of results) {
  process.stdout.write(`${r.ok ? 'ok  ' : 'FAIL'} ${r.label} (${(r.ms / 1000).toFixed(1)} s)\n`);
  if (r.out.trim()) process.stdout.write(`${r.out.trimEnd()}\n`);
}
process.exit(results.every((r) => r.ok) ? 0 : 1);
