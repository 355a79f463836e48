import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DepotError } from './errors';
import type { Sqlite } from './db/connection';
import { createPrivateOnce, PRIVATE_FILE, tighten } from './private-files';

/**
 * Keyed hash chains: what makes the audit log and the ledger tamper-evident against someone who
 * has the database file (issue 19). An unkeyed SHA-256 chain can be recomputed by whoever edits
 * a row; an HMAC chain cannot without the key, and the key is not in the database.
 *
 * Guarantees:
 * - The chain key is 32 random bytes in the file `chain-key` beside the database (the data
 *   folder), never inside it, created 0600 on first need. One key per data folder.
 * - The key is created only while no chain in the database has been keyed yet (no seal carries a
 *   mac). A depot whose chains are keyed and whose key file is gone is reported as
 *   `chain_key_missing` by the verifiers, and writers refuse to extend a chain: DepotDesk never
 *   makes a new key over existing chains, which would make every forged row look good.
 * - Each chained row stores mac = HMAC-SHA256(key, previous mac ‖ "\n" ‖ the row's content), from
 *   a keyed genesis, so an inserted, edited, reordered or removed row breaks the chain at that row.
 * - Rows written before the chains existed (migration 0024) have no mac. The migration recorded,
 *   per chain, the last such row (the seal, in app_meta); the first open (or write) after it
 *   stores the chain value after those rows as the seal's mac, once, in one transaction. The
 *   legacy rows are then covered as a whole: a change to any of them breaks the seal.
 * - Removing the last rows leaves a shorter chain that is valid on its own. What shows it is a
 *   checkpoint: the chains' heads (last row, its chain value), signed with the key, appended to
 *   `chain-checkpoints.jsonl` beside the database by each backup (and beside the backup as
 *   `<backup>.checkpoint.json`) and by the daily checkpoint job; the finance workbook prints the
 *   latest. A verifier fails when a recorded head is no longer in the chain.
 */

export type ChainName = 'audit' | 'ledger';

export const CHAIN_KEY_FILE = 'chain-key';
export const CHECKPOINT_FILE = 'chain-checkpoints.jsonl';

const SEAL_KEY = (chain: ChainName) => `chain.${chain}.seal`;

export interface Seal {
  /** The last row (audit id, transfer seq) written before the chain existed; 0 for none. */
  lastId: number;
  /** The chain value after those rows, once sealed. */
  mac: string | null;
}

export interface Head {
  id: number;
  mac: string;
}

export interface Checkpoint {
  at: number;
  audit: Head;
  ledger: Head;
  /** HMAC of the canonical checkpoint without `sig`. */
  sig: string;
}

export type KeyState = { state: 'ok'; key: crypto.KeyObject; file: string } | { state: 'missing'; file: string };

const inMemoryKeys = new WeakMap<Sqlite, crypto.KeyObject>();
const writerKeys = new WeakMap<Sqlite, crypto.KeyObject>();

function isFileDatabase(sqlite: Sqlite): boolean {
  return sqlite.name !== '' && sqlite.name !== ':memory:';
}

export function chainKeyFile(sqlite: Sqlite): string {
  return path.join(path.dirname(path.resolve(sqlite.name)), CHAIN_KEY_FILE);
}

export function checkpointFile(sqlite: Sqlite): string {
  return path.join(path.dirname(path.resolve(sqlite.name)), CHECKPOINT_FILE);
}

function parseKey(file: string): crypto.KeyObject {
  const hex = fs.readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/.test(hex)) {
    throw new DepotError('chain_key_invalid', `${file} is not a DepotDesk chain key (64 hex digits); restore the depot's own key file`, { file });
  }
  return crypto.createSecretKey(Buffer.from(hex, 'hex'));
}

/** The key as the file holds it now (never created here): what the verifiers use. */
export function readChainKey(sqlite: Sqlite): KeyState {
  if (!isFileDatabase(sqlite)) {
    const key = inMemoryKeys.get(sqlite);
    return key ? { state: 'ok', key, file: '(memory)' } : { state: 'missing', file: '(memory)' };
  }
  const file = chainKeyFile(sqlite);
  if (!fs.existsSync(file)) return { state: 'missing', file };
  return { state: 'ok', key: parseKey(file), file };
}

/** True once any chain of this database has been keyed (its seal carries a mac). */
function anyChainKeyed(sqlite: Sqlite): boolean {
  return (['audit', 'ledger'] as const).some((c) => readSeal(sqlite, c)?.mac);
}

/**
 * The key a writer extends the chains with: read once per connection, created (0600, by an atomic
 * link so two processes agree on one key) while no chain is keyed yet, refused when it is missing
 * after that.
 */
export function writerChainKey(sqlite: Sqlite): crypto.KeyObject {
  const cached = writerKeys.get(sqlite);
  if (cached) return cached;
  const found = readChainKey(sqlite);
  let key: crypto.KeyObject;
  if (found.state === 'ok') key = found.key;
  else if (anyChainKeyed(sqlite)) throw keyMissing(found.file);
  else key = createKey(sqlite);
  writerKeys.set(sqlite, key);
  return key;
}

export function keyMissing(file: string): DepotError {
  return new DepotError(
    'chain_key_missing',
    `the chain key ${file} is missing, so the audit log and ledger chains cannot be checked or extended; restore that file from the copy you keep of the data folder (DepotDesk never makes a new key over existing chains)`,
    { file },
  );
}

function createKey(sqlite: Sqlite): crypto.KeyObject {
  const bytes = crypto.randomBytes(32);
  if (!isFileDatabase(sqlite)) {
    const key = crypto.createSecretKey(bytes);
    inMemoryKeys.set(sqlite, key);
    return key;
  }
  const file = chainKeyFile(sqlite);
  // If another process made the key first, that one is the key.
  createPrivateOnce(file, `${bytes.toString('hex')}\n`);
  return parseKey(file);
}

/** One chain step: HMAC-SHA256(key, prev ‖ "\n" ‖ content), hex. */
export function chainMac(key: crypto.KeyObject, prev: string, content: string): string {
  return crypto.createHmac('sha256', key).update(prev).update('\n').update(content).digest('hex');
}

/** Where a chain starts: keyed, so even an empty chain's seal proves the key. */
export function chainGenesis(key: crypto.KeyObject, chain: ChainName): string {
  return chainMac(key, '', `depotdesk:${chain}`);
}

// --- seals ---------------------------------------------------------------------------------------

export function readSeal(sqlite: Sqlite, chain: ChainName): Seal | null {
  const value = sqlite.prepare<[string], string>('SELECT value FROM app_meta WHERE key = ?').pluck().get(SEAL_KEY(chain));
  if (value === undefined) return null;
  const parsed = JSON.parse(value) as { lastId?: unknown; mac?: unknown };
  return { lastId: Number(parsed.lastId), mac: typeof parsed.mac === 'string' ? parsed.mac : null };
}

/**
 * Seals a chain's legacy rows once, inside the caller's write transaction: folds `contents` (the
 * rows up to seal.lastId, in order) from the genesis and stores the result. Returns the seal's
 * mac (the stored one if it was sealed already); null when the database has no seal record, which
 * the verifiers report.
 */
export function sealChain(sqlite: Sqlite, chain: ChainName, key: crypto.KeyObject, contents: (lastId: number) => Iterable<string>): string | null {
  const seal = readSeal(sqlite, chain);
  if (!seal) return null;
  if (seal.mac) return seal.mac;
  let mac = chainGenesis(key, chain);
  for (const content of contents(seal.lastId)) mac = chainMac(key, mac, content);
  sqlite
    .prepare("UPDATE app_meta SET value = ? WHERE key = ? AND json_extract(value, '$.mac') IS NULL")
    .run(JSON.stringify({ lastId: seal.lastId, mac }), SEAL_KEY(chain));
  return mac;
}

// --- checkpoints ---------------------------------------------------------------------------------

function checkpointBody(c: Omit<Checkpoint, 'sig'>): string {
  return JSON.stringify({ at: c.at, audit: { id: c.audit.id, mac: c.audit.mac }, ledger: { id: c.ledger.id, mac: c.ledger.mac } });
}

export function signCheckpoint(key: crypto.KeyObject, c: Omit<Checkpoint, 'sig'>): Checkpoint {
  return { at: c.at, audit: c.audit, ledger: c.ledger, sig: chainMac(key, 'checkpoint', checkpointBody(c)) };
}

export function checkpointSigned(key: crypto.KeyObject, c: Checkpoint): boolean {
  return chainMac(key, 'checkpoint', checkpointBody(c)) === c.sig;
}

/** Appends a checkpoint to the file beside the database (0600). */
export function appendCheckpoint(sqlite: Sqlite, c: Checkpoint): void {
  if (!isFileDatabase(sqlite)) return;
  const file = checkpointFile(sqlite);
  fs.appendFileSync(file, `${JSON.stringify(c)}\n`, { mode: PRIVATE_FILE });
  tighten(file);
}

export interface RecordedCheckpoint {
  where: string;
  /** Its line in the checkpoint file (1-based), for a verdict the screens word. */
  line: number;
  checkpoint: Checkpoint | null;
}

/** Every checkpoint the file beside the database holds; an unreadable line comes back as null. */
export function readCheckpoints(sqlite: Sqlite): RecordedCheckpoint[] {
  if (!isFileDatabase(sqlite)) return [];
  const file = checkpointFile(sqlite);
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((text, i) => ({ text, line: i + 1, where: `${path.basename(file)} line ${i + 1}` }))
    .filter((l) => l.text.trim() !== '')
    .map(({ text, line, where }) => ({ where, line, checkpoint: parseCheckpoint(text) }));
}

export function parseCheckpoint(text: string): Checkpoint | null {
  try {
    const c = JSON.parse(text) as Checkpoint;
    const head = (h: Head | undefined) => h && Number.isSafeInteger(h.id) && typeof h.mac === 'string';
    if (!Number.isSafeInteger(c.at) || !head(c.audit) || !head(c.ledger) || typeof c.sig !== 'string') return null;
    return c;
  } catch {
    return null;
  }
}

/** The latest checkpoint the file beside the database holds (what the finance workbook prints). */
export function latestCheckpoint(sqlite: Sqlite): Checkpoint | null {
  const all = readCheckpoints(sqlite);
  for (let i = all.length - 1; i >= 0; i -= 1) {
    const c = all[i].checkpoint;
    if (c) return c;
  }
  return null;
}

/** One line for print: the heads and the first 16 hex digits of each value and of the signature. */
export function checkpointLine(c: Checkpoint): string {
  const short = (s: string) => s.slice(0, 16);
  return `${new Date(c.at).toISOString()} audit #${c.audit.id} ${short(c.audit.mac)} · ledger #${c.ledger.id} ${short(c.ledger.mac)} · sig ${short(c.sig)}`;
}

// --- verifying -----------------------------------------------------------------------------------

export interface ChainRow {
  id: number;
  mac: string | null;
  content: string;
}

/**
 * What broke a chain, for the screens to word (issue 16); `reason` is the same in English, for the
 * CLI, doctor and the logs. The audit log adds its own (audit.ts: row_missing, prev_hash_mismatch,
 * hash_mismatch, key_missing).
 */
export type ChainBreakCode =
  | 'seal_missing'
  | 'unsealed'
  | 'sealed_rows_changed'
  | 'no_mac'
  | 'mac_mismatch'
  | 'head_differs'
  | 'sealed_rows_removed'
  | 'tail_removed'
  | 'row_missing'
  | 'prev_hash_mismatch'
  | 'hash_mismatch'
  | 'key_missing';

export interface ChainBreak {
  id: number;
  reason: string;
  code: ChainBreakCode;
  params: Record<string, string | number>;
}

/** A head some checkpoint recorded for this chain, and where the checkpoint was found. */
export interface RecordedHead extends Head {
  where: string;
  line: number;
  at: number;
}

export interface TrustedHeads {
  heads: RecordedHead[];
  /** Checkpoints whose signature does not hold (edited, or made with another key) or that cannot be read. */
  forged: string[];
  /** Their lines in the checkpoint file, as `forged` names them. */
  forgedLines: number[];
}

/** The heads of `chain` in the checkpoints whose signature holds; the rest are named as forged. */
export function trustedHeads(key: crypto.KeyObject, chain: ChainName, recorded: readonly RecordedCheckpoint[]): TrustedHeads {
  const out: TrustedHeads = { heads: [], forged: [], forgedLines: [] };
  for (const r of recorded) {
    if (!r.checkpoint || !checkpointSigned(key, r.checkpoint)) {
      out.forged.push(r.where);
      out.forgedLines.push(r.line);
    } else out.heads.push({ ...r.checkpoint[chain], where: r.where, line: r.line, at: r.checkpoint.at });
  }
  return out;
}

export interface ChainWalk {
  rows: number;
  head: Head;
  broken: ChainBreak | null;
}

/**
 * Walks a chain in order and returns its first break: a row whose mac is not the chain's, a row
 * without a mac after the seal, legacy rows that no longer fold to the seal, or a recorded head
 * that is not in the chain (rows removed at the end, or rewritten).
 */
export function walkChain(key: crypto.KeyObject, chain: ChainName, seal: Seal | null, rows: Iterable<ChainRow>, heads: readonly RecordedHead[] = []): ChainWalk {
  let prev = chainGenesis(key, chain);
  let head: Head = { id: 0, mac: prev };
  let count = 0;
  const walk = (broken: ChainBreak | null): ChainWalk => ({ rows: count, head, broken });
  if (!seal)
    return walk({ id: 0, reason: `the ${chain} chain's seal (app_meta ${SEAL_KEY(chain)}) is missing: it was removed by hand`, code: 'seal_missing', params: { chain } });
  const byId = new Map<number, RecordedHead[]>();
  for (const h of heads) byId.set(h.id, [...(byId.get(h.id) ?? []), h]);
  let boundary = false;
  const atBoundary = (): ChainBreak | null => {
    boundary = true;
    const lastId = seal.lastId;
    if (seal.mac === null) {
      return lastId === 0 ? null : { id: lastId, reason: `the rows up to ${lastId} are not sealed yet (the next open seals them)`, code: 'unsealed', params: { lastId } };
    }
    if (prev === seal.mac) return null;
    return { id: lastId, reason: `the rows written before the chain existed (up to ${lastId}) were changed or removed`, code: 'sealed_rows_changed', params: { lastId } };
  };
  for (const row of rows) {
    if (!boundary && row.id > seal.lastId) {
      const b = atBoundary();
      if (b) return walk(b);
    }
    count += 1;
    const mac = chainMac(key, prev, row.content);
    if (row.mac === null && row.id > seal.lastId) return walk({ id: row.id, reason: 'has no chain value: it was written outside DepotDesk', code: 'no_mac', params: {} });
    if (row.mac !== null && row.mac !== mac) {
      return walk({
        id: row.id,
        reason: 'does not match the chain: it was edited or inserted by hand, or a row before it was removed',
        code: 'mac_mismatch',
        params: {},
      });
    }
    prev = mac;
    head = { id: row.id, mac };
    for (const h of byId.get(row.id) ?? []) {
      if (h.mac !== mac) {
        return walk({
          id: row.id,
          reason: `differs from the head recorded in ${h.where} (${new Date(h.at).toISOString()}): the chain was rewritten from here`,
          code: 'head_differs',
          params: { line: h.line, at: h.at },
        });
      }
    }
  }
  if (!boundary) {
    if (head.id < seal.lastId) {
      return walk({
        id: head.id,
        reason: `the chain ends at ${head.id} but the rows up to ${seal.lastId} were sealed: rows were removed`,
        code: 'sealed_rows_removed',
        params: { end: head.id, lastId: seal.lastId },
      });
    }
    const b = atBoundary();
    if (b) return walk(b);
  }
  const beyond = heads.filter((h) => h.id > head.id).sort((a, b) => b.id - a.id)[0];
  if (beyond) {
    return walk({
      id: head.id,
      reason: `the chain ends at ${head.id} but ${beyond.where} (${new Date(beyond.at).toISOString()}) recorded ${beyond.id}: the last rows were removed`,
      code: 'tail_removed',
      params: { end: head.id, recorded: beyond.id, line: beyond.line, at: beyond.at },
    });
  }
  return walk(null);
}
