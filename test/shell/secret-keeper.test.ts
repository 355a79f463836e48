import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { fileKeeper, open, seal, useSecretKeeper, WRAPPED_KEY_SUFFIX } from '../../src-main/kernel/secret-box';
import { handedKeeper, prepareSecretsKey, safeStorageKeeper, type SafeStorageLike } from '../../src-main/shell/secret-keeper';
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

describe('the secrets key handed from the main process to the core process', () => {
  /** A fresh connection per "process": the secrets box keys its cache by connection. */
  function depot(dir: string) {
    const sqlite = new Database(path.join(dir, 'depotdesk.sqlite'));
    cleanups.push(() => sqlite.close());
    return sqlite;
  }
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    while (cleanups.length) cleanups.pop()!();
  });

  it('with no key yet: the main process makes and wraps one, nothing is written until the core first seals, and the desktop reopens it', () => {
    const dir = tempDir('handoff-');
    const plain = path.join(dir, 'secrets-key');
    const safe = keychain();
    const handoff = prepareSecretsKey(plain, safe);
    expect(handoff).toMatchObject({ keeper: 'fresh' });
    expect(fs.readdirSync(dir)).toEqual([]);

    const core = depot(dir);
    useSecretKeeper(core, handedKeeper(plain, handoff));
    const sealed = seal(core, 'payment_credentials:wechat', 'merchant secret', true);
    expect(fs.existsSync(plain)).toBe(false);
    expect(fs.statSync(plain + WRAPPED_KEY_SUFFIX).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(plain + WRAPPED_KEY_SUFFIX).toString('latin1')).not.toContain((handoff as { key: string }).key);

    // The next start: the main process unwraps it and hands it over; the value opens.
    const again = prepareSecretsKey(plain, safe);
    expect(again).toEqual({ keeper: 'given', key: (handoff as { key: string }).key });
    const next = depot(dir);
    useSecretKeeper(next, handedKeeper(plain, again));
    expect(open(next, 'payment_credentials:wechat', sealed)).toBe('merchant secret');
  });

  it("keeps a depot's plain key, and keeps to the plain file (with the warning) where the keychain cannot encrypt", () => {
    const dir = tempDir('handoff-');
    const plain = path.join(dir, 'secrets-key');
    fileKeeper(plain).create(KEY);
    expect(prepareSecretsKey(plain, keychain())).toEqual({ keeper: 'given', key: KEY.toString('hex') });

    const other = tempDir('handoff-');
    const otherPlain = path.join(other, 'secrets-key');
    const handoff = prepareSecretsKey(otherPlain, keychain(false));
    expect(handoff).toMatchObject({ keeper: 'file', warning: expect.stringMatching(/cannot encrypt/) });
    const warnings: string[] = [];
    const core = depot(other);
    useSecretKeeper(
      core,
      handedKeeper(otherPlain, handoff, (m) => warnings.push(m)),
    );
    seal(core, 'payment_credentials:alipay', 'x', true);
    expect(fs.existsSync(otherPlain)).toBe(true);
    expect(warnings.join()).toMatch(/cannot encrypt/);
  });

  it('a wrapped key that will not unwrap does not stop the start: the failure is raised when the credentials are used', () => {
    const dir = tempDir('handoff-');
    const plain = path.join(dir, 'secrets-key');
    fs.writeFileSync(plain + WRAPPED_KEY_SUFFIX, keychain().encryptString('not a key'));
    const handoff = prepareSecretsKey(plain, keychain());
    expect(handoff).toMatchObject({ keeper: 'failed', code: 'secrets_key_invalid' });
    const broken = prepareSecretsKey(plain, {
      ...keychain(),
      decryptString: () => {
        throw new Error('keychain locked');
      },
    });
    expect(broken).toMatchObject({ keeper: 'failed', message: expect.stringContaining('keychain locked') });
    const core = depot(dir);
    useSecretKeeper(core, handedKeeper(plain, broken));
    expect(() => seal(core, 'payment_credentials:wechat', 'x', false)).toThrow(/keychain locked/);
  });

  it('a key another process wrapped after this one started is not replaced: the core says to restart', () => {
    const dir = tempDir('handoff-');
    const plain = path.join(dir, 'secrets-key');
    const handoff = prepareSecretsKey(plain, keychain());
    safeStorageKeeper(plain, keychain()).create(Buffer.alloc(32, 3));
    const core = depot(dir);
    useSecretKeeper(core, handedKeeper(plain, handoff));
    expect(() => seal(core, 'payment_credentials:wechat', 'x', true)).toThrow(/written by another DepotDesk process after this one started/);
  });
});
