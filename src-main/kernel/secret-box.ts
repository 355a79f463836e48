import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Sqlite } from './db/connection';
import { DepotError } from './errors';
import { createPrivateOnce, tighten } from './private-files';

/**
 * The secrets box: what keeps a merchant's gateway keys unreadable to someone who has only the
 * database file (payments/credentials.ts). AES-256-GCM, each value with a fresh 12-byte nonce and
 * an associated context (e.g. `payment_credentials:wechat`), so a sealed value moved to another
 * row does not open.
 *
 * Guarantees:
 * - The key is 32 random bytes kept outside the database: by default the file `secrets-key`
 *   beside it (the data folder), 0600, as kernel/chain.ts keeps `chain-key`. The Electron shell
 *   may supply another keeper instead (useSecretKeeper: e.g. the key wrapped by safeStorage).
 * - The key is created only when a value is sealed while the caller says nothing sealed exists
 *   yet. A missing key with sealed values is `secrets_key_missing`, naming where the key should
 *   be: a new key is never made over values the old one sealed.
 * - A value sealed with another key, or edited, does not open (`secrets_unreadable`): the GCM tag
 *   fails, and the error says so without echoing anything sealed.
 */

export const SECRETS_KEY_FILE = 'secrets-key';
/** The desktop app keeps the key wrapped by the system keychain in `secrets-key.safe` (shell/secret-keeper.ts). */
export const WRAPPED_KEY_SUFFIX = '.safe';
const FORMAT = 'sb1';

/** Where the key lives. `where` names it in errors (a file path, "the system keychain"). */
export interface SecretKeeper {
  readonly where: string;
  /** The 32-byte key, or null when there is none yet. */
  read(): Buffer | null;
  /** Stores a new key; if another process stored one first, that one is kept (read() returns it). */
  create(key: Buffer): void;
}

const keepers = new WeakMap<Sqlite, SecretKeeper>();
const cachedKeys = new WeakMap<Sqlite, Buffer>();
const memoryKeys = new WeakMap<Sqlite, Buffer>();

function isFileDatabase(sqlite: Sqlite): boolean {
  return sqlite.name !== '' && sqlite.name !== ':memory:';
}

export function secretsKeyFile(sqlite: Sqlite): string {
  return path.join(path.dirname(path.resolve(sqlite.name)), SECRETS_KEY_FILE);
}

/** The default keeper: 64 hex digits in a 0600 file, created by an atomic link so two processes agree on one key. */
export function fileKeeper(file: string): SecretKeeper {
  return {
    where: file,
    read() {
      if (!fs.existsSync(file)) {
        if (fs.existsSync(file + WRAPPED_KEY_SUFFIX)) {
          throw new DepotError(
            'secrets_key_elsewhere',
            `this depot's secrets key is wrapped by the desktop app's system keychain (${file}${WRAPPED_KEY_SUFFIX}): the gateway credentials open only inside the DepotDesk desktop app`,
            { file: file + WRAPPED_KEY_SUFFIX },
          );
        }
        return null;
      }
      tighten(file);
      const hex = fs.readFileSync(file, 'utf8').trim();
      if (!/^[0-9a-f]{64}$/.test(hex)) {
        throw new DepotError('secrets_key_invalid', `${file} is not a DepotDesk secrets key (64 hex digits); restore the depot's own key file`, { file });
      }
      return Buffer.from(hex, 'hex');
    },
    create(key) {
      createPrivateOnce(file, `${key.toString('hex')}\n`);
    },
  };
}

function memoryKeeper(sqlite: Sqlite): SecretKeeper {
  return {
    where: '(memory)',
    read: () => memoryKeys.get(sqlite) ?? null,
    create: (key) => void (memoryKeys.has(sqlite) || memoryKeys.set(sqlite, key)),
  };
}

/**
 * The seam for the desktop shell: keep this database's secrets key somewhere else than the
 * `secrets-key` file (src-main/index.ts may pass a keeper that wraps the key with Electron's
 * safeStorage). Call it right after opening the core, before anything is sealed or opened.
 */
export function useSecretKeeper(sqlite: Sqlite, keeper: SecretKeeper): void {
  keepers.set(sqlite, keeper);
  cachedKeys.delete(sqlite);
}

export function secretKeeper(sqlite: Sqlite): SecretKeeper {
  return keepers.get(sqlite) ?? (isFileDatabase(sqlite) ? fileKeeper(secretsKeyFile(sqlite)) : memoryKeeper(sqlite));
}

function keyMissing(where: string): DepotError {
  return new DepotError(
    'secrets_key_missing',
    `the secrets key ${where} is missing, so the stored gateway credentials cannot be opened; restore that file from the copy you keep of the data folder, or remove the credentials and enter them again (DepotDesk never makes a new key over sealed values)`,
    { file: where },
  );
}

/** The key, read once per connection; created only when `mayCreate` (nothing sealed exists yet). */
function key(sqlite: Sqlite, mayCreate: boolean): Buffer {
  const cached = cachedKeys.get(sqlite);
  if (cached) return cached;
  const keeper = secretKeeper(sqlite);
  let found = keeper.read();
  if (!found) {
    if (!mayCreate) throw keyMissing(keeper.where);
    keeper.create(crypto.randomBytes(32));
    found = keeper.read();
    if (!found) throw keyMissing(keeper.where);
  }
  if (found.length !== 32) throw new DepotError('secrets_key_invalid', `the secrets key ${keeper.where} is not 32 bytes`, { file: keeper.where });
  cachedKeys.set(sqlite, found);
  return found;
}

/** A short, non-secret id of the key (first 8 hex of its SHA-256), so a value sealed with another key is told apart. */
function keyId(k: Buffer): string {
  return crypto.createHash('sha256').update('depotdesk:secrets-key').update(k).digest('hex').slice(0, 8);
}

/**
 * Seals `plain` under the depot's secrets key, bound to `context`. `nothingSealedYet` says whether
 * the database holds no sealed value: only then may a missing key be created.
 */
export function seal(sqlite: Sqlite, context: string, plain: string, nothingSealedYet: boolean): string {
  const k = key(sqlite, nothingSealedYet);
  const nonce = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', k, nonce).setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return [FORMAT, keyId(k), nonce.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join('.');
}

/** Opens a sealed value; `secrets_unreadable` when it was sealed with another key, for another context, or edited. */
export function open(sqlite: Sqlite, context: string, sealed: string): string {
  const k = key(sqlite, false);
  const parts = sealed.split('.');
  const unreadable = (why: string) =>
    new DepotError('secrets_unreadable', `the sealed value for ${context} cannot be opened: ${why}`, { context, where: secretKeeper(sqlite).where });
  if (parts.length !== 5 || parts[0] !== FORMAT) throw unreadable('it is not in the secrets box format');
  if (parts[1] !== keyId(k)) throw unreadable(`it was sealed with another key (key id ${parts[1]}, this depot's is ${keyId(k)})`);
  try {
    const decipher = crypto.createDecipheriv('aes-256-gcm', k, Buffer.from(parts[2], 'base64')).setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(parts[3], 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(parts[4], 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw unreadable('it was altered or belongs to another row');
  }
}
