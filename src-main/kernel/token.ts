import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DepotError } from './errors';

/**
 * The per-instance secret for browser mode and the CLI, kept in the data directory with mode
 * 0600 (like Jupyter's token): whoever can read it is already this user on this PC.
 */
export function ensureInstanceToken(file: string): string {
  if (fs.existsSync(file)) return readInstanceToken(file);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const token = crypto.randomBytes(32).toString('base64url');
  // 'wx': never overwrite a token another process created a moment ago.
  try {
    fs.writeFileSync(file, token + '\n', { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return readInstanceToken(file);
  }
  return token;
}

export function readInstanceToken(file: string): string {
  if (!fs.existsSync(file)) {
    throw new DepotError('unavailable', `no instance token at ${file}: is DepotDesk running with this data directory?`, { file });
  }
  if (process.platform !== 'win32') {
    const mode = fs.statSync(file).mode & 0o777;
    if (mode & 0o077) fs.chmodSync(file, 0o600);
  }
  const token = fs.readFileSync(file, 'utf8').trim();
  if (token.length < 32) throw new DepotError('integrity_failed', `instance token in ${file} is malformed`, { file });
  return token;
}

export function tokensEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}
