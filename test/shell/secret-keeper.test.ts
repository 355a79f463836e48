import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileKeeper, WRAPPED_KEY_SUFFIX } from '../../src-main/kernel/secret-box';
import { safeStorageKeeper, type SafeStorageLike } from '../../src-main/shell/secret-keeper';
import { tempDir } from '../helpers';

/** A keychain stand-in: XOR with a fixed pad, so the wrapped file is not the key's hex. */
function keychain(available = true): SafeStorageLike & { calls: string[] } {
  const pad = (b: Buffer) => Buffer.from(b.map((x, i) => x ^ ((0x5a + i) % 256)));
  const calls: string[] = [];
  return {
    calls,
    isEncryptionAvailable: () => available,
    encryptString: (plain) => (calls.push('encrypt'), pad(Buffer.from(plain, 'utf8'))),
    decryptString: (enc) => (calls.push('decrypt'), pad(enc).toString('utf8')),
  };
}

const KEY = Buffer.alloc(32, 7);

describe('the desktop keeper of the secrets key (Electron safeStorage)', () => {
  it('wraps a new key in secrets-key.safe (0600, not the key in clear) and reads it back through the keychain', () => {
    const dir = tempDir('keeper-');
    const plain = path.join(dir, 'secrets-key');
    const safe = keychain();
    const keeper = safeStorageKeeper(plain, safe);
    expect(keeper.read()).toBeNull();
    keeper.create(KEY);
    expect(fs.existsSync(plain)).toBe(false);
    const wrapped = fs.readFileSync(plain + WRAPPED_KEY_SUFFIX);
    expect(wrapped.toString('utf8')).not.toContain(KEY.toString('hex'));
    expect(fs.statSync(plain + WRAPPED_KEY_SUFFIX).mode & 0o777).toBe(0o600);
    expect(keeper.read()).toEqual(KEY);
    expect(safe.calls).toEqual(['encrypt', 'decrypt']);
    // A second creator loses the race and keeps the first key.
    keeper.create(Buffer.alloc(32, 9));
    expect(keeper.read()).toEqual(KEY);
  });

  it("keeps a depot's existing plain key, and falls back to the plain file where the keychain cannot encrypt", () => {
    const dir = tempDir('keeper-');
    const plain = path.join(dir, 'secrets-key');
    fileKeeper(plain).create(KEY);
    expect(safeStorageKeeper(plain, keychain()).read()).toEqual(KEY);

    const other = path.join(tempDir('keeper-'), 'secrets-key');
    const warnings: string[] = [];
    const noKeyring = safeStorageKeeper(other, keychain(false), (m) => warnings.push(m));
    noKeyring.create(KEY);
    expect(fs.existsSync(other)).toBe(true);
    expect(fs.existsSync(other + WRAPPED_KEY_SUFFIX)).toBe(false);
    expect(noKeyring.read()).toEqual(KEY);
    expect(warnings.join()).toMatch(/cannot encrypt/);
  });

  it('outside the desktop app (CLI, browser mode) a wrapped key is named, never replaced by a new one', () => {
    const dir = tempDir('keeper-');
    const plain = path.join(dir, 'secrets-key');
    safeStorageKeeper(plain, keychain()).create(KEY);
    expect(() => fileKeeper(plain).read()).toThrow(/wrapped by the desktop app's system keychain .*secrets-key\.safe/);
    expect(fs.existsSync(plain)).toBe(false);
  });

  it('a wrapped file that does not unwrap to a key is refused, naming it', () => {
    const dir = tempDir('keeper-');
    const plain = path.join(dir, 'secrets-key');
    fs.writeFileSync(plain + WRAPPED_KEY_SUFFIX, keychain().encryptString('not a key'));
    expect(() => safeStorageKeeper(plain, keychain()).read()).toThrow(/secrets-key\.safe did not unwrap/);
  });
});
