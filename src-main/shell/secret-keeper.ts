import crypto from 'node:crypto';
import fs from 'node:fs';
import { DepotError, isDepotError } from '../kernel/errors';
import { fileKeeper, WRAPPED_KEY_SUFFIX, type SecretKeeper } from '../kernel/secret-box';
import { createPrivateOnce, tighten } from '../kernel/private-files';
import type { SecretsKeyHandoff } from './core-link';

/**
 * The desktop app's keeper of the secrets key (kernel/secret-box.ts): the 32-byte key that seals
 * the merchant's gateway credentials is stored wrapped by Electron's safeStorage (the system
 * keychain: DPAPI on Windows, Keychain on macOS, libsecret on Linux) in `secrets-key.safe`, 0600,
 * beside the database. Plain `electron` is never imported here: src-main/index.ts passes
 * safeStorage in, so this file is tested in Node with a stand-in.
 *
 * Guarantees:
 * - A depot that already has a plain `secrets-key` (made in browser mode or by an older build)
 *   keeps using it: its sealed credentials stay readable, and no second key is made.
 * - A new key is wrapped when safeStorage can encrypt; when it cannot (a Linux desktop without a
 *   keyring), the key goes to the plain 0600 file as in browser mode, and the log says so.
 * - Two processes racing to create agree on one key (written aside, then linked into place).
 *
 * The core runs in a process of its own (src-main/core-process.ts), where safeStorage does not
 * exist, and the secrets box reads its key synchronously. So the main process prepares the key
 * once, at start (prepareSecretsKey), and hands it over the private parent port; the core process
 * keeps it in memory (handedKeeper). Asking the main process for it on each use could not work
 * (sealing is synchronous) and would put the key on the port more often, not less.
 * - The key crosses only that port (a pipe between two processes of the same app and user): never
 *   argv, the environment, a log line or a file in clear.
 * - With no key yet, the main process makes one and wraps it, but nothing is written: the wrapped
 *   file appears only when the core first seals a value, as before (the key is made on first use).
 * - A wrapped key that will not unwrap (keychain reset, file from another machine) does not stop
 *   the app: the failure is handed over and raised when the credentials are used, as before.
 */

/** What this keeper needs of Electron's safeStorage. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

export function safeStorageKeeper(plainFile: string, safe: SafeStorageLike, warn: (message: string) => void = () => {}): SecretKeeper {
  const wrapped = plainFile + WRAPPED_KEY_SUFFIX;
  const plain = fileKeeper(plainFile);
  return {
    where: `${wrapped} (wrapped by the system keychain through Electron safeStorage)`,
    read() {
      if (fs.existsSync(wrapped)) {
        tighten(wrapped);
        const hex = safe.decryptString(fs.readFileSync(wrapped)).trim();
        if (!/^[0-9a-f]{64}$/.test(hex)) throw new DepotError('secrets_key_invalid', `${wrapped} did not unwrap to a DepotDesk secrets key`, { file: wrapped });
        return Buffer.from(hex, 'hex');
      }
      return plain.read();
    },
    create(key) {
      if (!safe.isEncryptionAvailable()) {
        warn(`safeStorage cannot encrypt on this desktop; the secrets key is kept in ${plainFile} (0600), as in browser mode`);
        plain.create(key);
        return;
      }
      createPrivateOnce(wrapped, safe.encryptString(key.toString('hex')));
    },
  };
}

/** The main process's half: read (unwrap) the key now, or make and wrap one to be written on first use. */
export function prepareSecretsKey(plainFile: string, safe: SafeStorageLike): SecretsKeyHandoff {
  let found: Buffer | null;
  try {
    found = safeStorageKeeper(plainFile, safe).read();
  } catch (e) {
    return isDepotError(e)
      ? { keeper: 'failed', code: e.code, message: e.message }
      : {
          keeper: 'failed',
          code: 'secrets_key_invalid',
          message: `${plainFile}${WRAPPED_KEY_SUFFIX} could not be unwrapped by the system keychain: ${(e as Error).message}`,
        };
  }
  if (found) return { keeper: 'given', key: found.toString('hex') };
  if (!safe.isEncryptionAvailable()) {
    return { keeper: 'file', warning: `safeStorage cannot encrypt on this desktop; the secrets key is kept in ${plainFile} (0600), as in browser mode` };
  }
  const key = crypto.randomBytes(32).toString('hex');
  return { keeper: 'fresh', key, wrapped: safe.encryptString(key).toString('base64') };
}

/** The core process's half: a keeper over the key the main process handed over. */
export function handedKeeper(plainFile: string, handoff: SecretsKeyHandoff, warn: (message: string) => void = () => {}): SecretKeeper {
  const wrappedFile = plainFile + WRAPPED_KEY_SUFFIX;
  const where = `${wrappedFile} (wrapped by the system keychain through Electron safeStorage)`;
  switch (handoff.keeper) {
    case 'given':
      return { where, read: () => Buffer.from(handoff.key, 'hex'), create: () => {} };
    case 'failed':
      return {
        where,
        read: () => {
          throw new DepotError(handoff.code, handoff.message, { file: wrappedFile });
        },
        create: () => {},
      };
    case 'file': {
      const plain = fileKeeper(plainFile);
      return {
        where: plainFile,
        read: () => plain.read(),
        create: (key) => {
          if (handoff.warning) warn(handoff.warning);
          plain.create(key);
        },
      };
    }
    case 'fresh':
      return freshKeeper(plainFile, handoff.key, Buffer.from(handoff.wrapped, 'base64'), where);
  }
}

/**
 * No key existed at start. The secrets box calls create(random) then read(); the key written is
 * the one the main process made and wrapped (the random one offered is dropped, as when another
 * process creates first), because only that one can be wrapped without asking the keychain again.
 */
function freshKeeper(plainFile: string, keyHex: string, wrapped: Buffer, where: string): SecretKeeper {
  const wrappedFile = plainFile + WRAPPED_KEY_SUFFIX;
  return {
    where,
    read() {
      if (fs.existsSync(wrappedFile)) {
        if (fs.readFileSync(wrappedFile).equals(wrapped)) return Buffer.from(keyHex, 'hex');
        throw new DepotError('secrets_key_elsewhere', `${wrappedFile} was written by another DepotDesk process after this one started; restart DepotDesk to unwrap it`, {
          file: wrappedFile,
        });
      }
      return fs.existsSync(plainFile) ? fileKeeper(plainFile).read() : null;
    },
    create() {
      createPrivateOnce(wrappedFile, wrapped);
    },
  };
}
