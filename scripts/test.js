#!/usr/bin/env node
// npm test: typecheck, lint (eslint and prettier --check, as `npm run lint`), then vitest (unit +
// integration on real SQLite files and a real broker), then Playwright e2e of the renderer in
// Chromium against `depotdesk serve`.
// Ends with one summary line "tests: N passed, N failed, N skipped" counted from both runners.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findChromium } from './chromium.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const reports = fs.mkdtempSync(path.join(os.tmpdir(), 'depotdesk-test-reports-'));
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const totals = { passed: 0, failed: 0, skipped: 0 };
/** Names of failed tests, repeated at the very end so a truncated CI log still says which ones. */
const failures = [];
let failedStep = null;

function run(label, cmd, args, env = {}) {
  process.stdout.write(`\n── ${label}\n`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0 && !failedStep) failedStep = `${label} (exit ${r.status ?? r.signal})`;
  return r.status === 0;
}

/** The first lines of a failure's message, without colour codes, indented under its test's name. */
function why(message) {
  if (!message) return '';
  const lines = String(message)
    // eslint-disable-next-line no-control-regex -- the runners colour their messages with ANSI escapes
    .replace(/\u001b\[[0-9;]*m/g, '')
    .split('\n')
    .filter((l) => l.trim() !== '');
  return `\n      ${lines.slice(0, 8).join('\n      ')}`;
}

/** "file:line › title" and why, for every Playwright test whose last attempt did not pass. */
function playwrightFailures(suites) {
  const out = [];
  const walk = (suite) => {
    for (const spec of suite.specs ?? []) {
      for (const t of spec.tests ?? []) {
        const last = t.results?.[t.results.length - 1];
        if (!last || last.status === 'passed' || last.status === 'skipped') continue;
        const err = last.errors?.[0] ?? last.error;
        const at = err?.location ? ` (at ${path.relative(root, err.location.file)}:${err.location.line})` : '';
        out.push(`${spec.file}:${spec.line} › ${spec.title} [${last.status}]${at}${why(err?.message)}`);
      }
    }
    for (const child of suite.suites ?? []) walk(child);
  };
  for (const s of suites) walk(s);
  return out;
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

const only = process.argv.slice(2);
const want = (step) => only.length === 0 || only.includes(step);

if (want('typecheck')) run('typecheck (tsc --noEmit)', bin('tsc'), ['--noEmit', '-p', 'tsconfig.json']);

if (want('lint')) {
  run('lint (eslint + prettier --check, side by side)', process.execPath, [path.join(root, 'scripts', 'lint.js')]);
}

if (want('unit')) {
  const out = path.join(reports, 'vitest.json');
  run('vitest (unit + integration)', bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`]);
  const v = readJson(out);
  if (v) {
    totals.passed += v.numPassedTests ?? 0;
    totals.failed += v.numFailedTests ?? 0;
    totals.skipped += (v.numPendingTests ?? 0) + (v.numTodoTests ?? 0);
    for (const file of v.testResults ?? []) {
      for (const t of file.assertionResults ?? []) {
        if (t.status === 'failed') failures.push(`${path.relative(root, file.name)} › ${t.fullName}${why(t.failureMessages?.[0])}`);
      }
      if (file.status === 'failed' && (file.assertionResults ?? []).length === 0) failures.push(`${path.relative(root, file.name)}: ${file.message ?? 'failed to load'}`);
    }
  } else if (!failedStep) {
    failedStep = 'vitest wrote no report';
  }
}

if (want('e2e')) {
  const chromium = findChromium({ install: true });
  if (!chromium.path) {
    process.stdout.write(`\n── e2e: ${chromium.reason}\n`);
    failedStep ??= 'no Chromium for the e2e tests';
    totals.failed += 1;
  } else {
    const out = path.join(reports, 'playwright.json');
    run('playwright e2e (Chromium, browser mode)', bin('playwright'), ['test', '--reporter=list,json'], {
      CHROMIUM_PATH: chromium.path,
      PLAYWRIGHT_JSON_OUTPUT_NAME: out,
    });
    const p = readJson(out);
    if (p?.stats) {
      totals.passed += p.stats.expected ?? 0;
      totals.failed += (p.stats.unexpected ?? 0) + (p.stats.flaky ?? 0);
      totals.skipped += p.stats.skipped ?? 0;
      for (const f of playwrightFailures(p.suites ?? [])) failures.push(f);
    } else if (!failedStep) {
      failedStep = 'playwright wrote no report';
    }
  }
}

fs.rmSync(reports, { recursive: true, force: true });
if (failures.length > 0) process.stdout.write(`\nfailed tests:\n${failures.map((f) => `  ✗ ${f}`).join('\n')}\n`);
process.stdout.write(`\n${failedStep ? `FAILED at ${failedStep}\n` : ''}`);
process.stdout.write(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
process.exit(failedStep || totals.failed > 0 ? 1 : 0);
