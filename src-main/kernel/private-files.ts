import crypto from 'node:crypto';
import fs from 'node:fs';

/**
 * The depot's files hold drivers' personal data and operators' password hashes: the database (and
 * its -wal/-shm, which SQLite creates with the database file's permissions), the log, backups,
 * exported workbooks and the config. They are readable by the user running DepotDesk only: files
 * 0600, folders DepotDesk creates 0700. A file or folder made by an older build is tightened when
 * it is next opened. On Windows the modes are not used (the user's profile folder is private).
 */
export const PRIVATE_FILE = 0o600;
export const PRIVATE_DIR = 0o700;

/** Creates `dir` (and its missing parents) 0700; a folder that already exists is left as it is (it may be a shared folder the user chose). */
export function privateDir(dir: string): void {
  if (fs.existsSync(dir)) return;
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR });
  // mkdir's mode is masked by the umask; say it exactly.
  if (process.platform !== 'win32') fs.chmodSync(dir, PRIVATE_DIR);
}

/** Creates `file` empty and 0600 if it does not exist; tightens it to 0600 if others could read it. */
export function privateFile(file: string): void {
  if (!fs.existsSync(file)) fs.closeSync(fs.openSync(file, 'a', PRIVATE_FILE));
  tighten(file);
}

/** Removes group and other permissions from an existing file (no-op on Windows or a missing file). */
export function tighten(file: string): void {
  if (process.platform === 'win32' || !fs.existsSync(file)) return;
  const mode = fs.statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) fs.chmodSync(file, mode & 0o700);
}

/**
 * Writes a new 0600 `file` once: written aside, then linked into place, so when two processes race
 * to create it the first one's file is kept (link() fails on an existing file) and nobody ever
 * reads it half-written. The keys beside the database (chain-key, secrets-key) are made this way.
 */
export function createPrivateOnce(file: string, content: string | Buffer): void {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
  fs.writeFileSync(tmp, content, { mode: PRIVATE_FILE, flag: 'wx' });
  tighten(tmp);
  try {
    fs.linkSync(tmp, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}
