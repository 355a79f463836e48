import fs from 'node:fs';
import path from 'node:path';

/**
 * The system Chromium the e2e tests drive (Playwright's own browser download is not used here).
 * Order: $CHROMIUM_PATH, then well-known install paths, then the same names on $PATH.
 */
const KNOWN = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];
const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export function chromiumPath(): string {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (isExecutable(fromEnv)) return fromEnv;
    throw new Error(`CHROMIUM_PATH=${fromEnv} is not an executable file`);
  }
  const onPath = (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter(Boolean)
    .flatMap((dir) => NAMES.map((n) => path.join(dir, n)));
  const found = [...KNOWN, ...onPath].find(isExecutable);
  if (found) return found;
  throw new Error(
    `no system Chromium found for the e2e tests: install the "chromium" package or set CHROMIUM_PATH (tried ${KNOWN.join(', ')} and ${NAMES.join('/')} on PATH)`,
  );
}

/** Quiet, deterministic Chromium: no sandbox (containers, root), no GPU, no background traffic. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
