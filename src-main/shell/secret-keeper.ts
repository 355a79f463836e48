import fs from 'node:fs';
import { DepotError } from '../kernel/errors';
import { fileKeeper, WRAPPED_KEY_SUFFIX, type SecretKeeper } from '../kernel/secret-box';
import { createPrivateOnce, tighten } from '../kernel/private-files';

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
