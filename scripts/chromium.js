// Finds a Chromium for the e2e tests: $CHROMIUM_PATH, then the system packages. With
// { install: true } and no browser found, installs Debian's chromium when running as root, else
// Playwright's own build. Never fails silently: `reason` says what was tried.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

function found() {
  if (process.env.CHROMIUM_PATH && fs.existsSync(process.env.CHROMIUM_PATH)) return process.env.CHROMIUM_PATH;
  return CANDIDATES.find((p) => fs.existsSync(p)) ?? null;
}

export function findChromium({ install = false } = {}) {
  const existing = found();
  if (existing || !install) return { path: existing, reason: existing ? '' : `no Chromium found (tried $CHROMIUM_PATH, ${CANDIDATES.join(', ')})` };
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && fs.existsSync('/usr/bin/apt-get')) {
    process.stdout.write('── installing Debian chromium for the e2e tests (apt-get)\n');
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    spawnSync('apt-get', ['install', '-y', '-qq', 'chromium', 'fonts-noto-cjk'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } else {
    process.stdout.write("── installing Playwright's Chromium for the e2e tests\n");
    spawnSync('npx', ['playwright', 'install', 'chromium'], { stdio: 'inherit' });
    const pw = spawnSync(process.execPath, ['-e', "process.stdout.write(require('playwright-core').chromium.executablePath())"], { encoding: 'utf8' });
    if (pw.status === 0 && fs.existsSync(pw.stdout.trim())) return { path: pw.stdout.trim(), reason: '' };
  }
  const after = found();
  return {
    path: after,
    reason: after ? '' : 'no Chromium: install the "chromium" package (or set CHROMIUM_PATH) to run the e2e tests',
  };
}
