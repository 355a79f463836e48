import crypto from 'node:crypto';
import { DepotError } from './errors';
import type { Sqlite } from './db/connection';
import { cachedStatement } from './db/statements';
import { canonicalJson } from './json';
import { chainBreak, GENESIS_HASH, journalHashOfPayloadJson, type JournalRow } from './journal-hash';

/**
 * The depot's journal: what headquarters receives (issue 22, docs/headquarters.md "The journal").
 * Every domain appends here, inside its own write transaction, the facts HQ needs; the uplink
 * (headquarters/) reads and prunes; HQ (hq/) checks the chain with the same kernel/journal-hash.ts.
 *
 * Guarantees (each has a test in test/hq/journal.test.ts):
 * 1. A row is appended only inside the caller's write transaction, so it commits with the fact it
 *    records or not at all: a failed or rolled-back transaction leaves no row. Called outside a
 *    transaction, appendJournal refuses (code `internal`) and writes nothing.
 * 2. Sequences are gap-free from 1, in commit order, whichever connection or process appends: the
 *    next seq is read from the tip inside the write transaction, which holds the write lock.
 * 3. Each row chains from its predecessor: prev = the previous row's hash (GENESIS_HASH before the
 *    first), hash = journalHash(depot id, row). A row changed, inserted or removed by hand breaks the
 *    chain at that row, and verifyJournal names its seq.
 * 4. A key is used once: a second append with the same key is refused with `idempotency_conflict`
 *    naming the key, and writes nothing. (Callers append only for facts that are new, so a replay
 *    of their operation appends nothing rather than hitting this.)
 * 5. Nothing updates a row (a trigger refuses it). pruneJournal deletes only rows at or below the
 *    seq it is given and always keeps the tip, so the chain continues from it; a trigger refuses
 *    deleting the tip too.
 * 6. The depot's id (app_meta `depot.id`, made once by migration 0039) never changes: triggers
 *    refuse updating or deleting it. Every hash covers it.
 */

export { GENESIS_HASH, type JournalRow } from './journal-hash';

export interface JournalFact {
  /** The idempotency key, unique over the journal: the operation's key, or the fact's own (`statement:<sha256>`). */
  key: string;
  /** What happened: `ledger.operation`, `recon.statement_imported`, … (docs/headquarters.md). */
  kind: string;
  /** The payload's schema version for this kind; 1 when not given. */
  v?: number;
  payload: unknown;
}

const DEPOT_ID_KEY = 'depot.id';
const TIP = 'SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1';
const INSERT = 'INSERT INTO journal (seq, key, kind, v, at, prev, hash, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?)';
const READ = 'SELECT seq, key, kind, v, at, prev, hash, payload FROM journal WHERE seq > ? ORDER BY seq LIMIT ?';

const depotIds = new WeakMap<Sqlite, string>();

/** This depot's id: made once per data folder (migration 0039, or here should it be missing), never changed. */
export function depotId(sqlite: Sqlite): string {
  const known = depotIds.get(sqlite);
  if (known) return known;
  const read = () => cachedStatement<{ value: string }>(sqlite, 'SELECT value FROM app_meta WHERE key = ?').get(DEPOT_ID_KEY)?.value;
  let id = read();
  if (id === undefined) {
    cachedStatement(sqlite, 'INSERT OR IGNORE INTO app_meta (key, value) VALUES (?, ?)').run(DEPOT_ID_KEY, crypto.randomBytes(16).toString('hex'));
    id = read()!;
  }
  depotIds.set(sqlite, id);
  return id;
}

/**
 * Whether this database has the journal table: false only for a depot migrated part of the way
 * (the migration tests' old depots), which the open path must still be able to open.
 */
export function journalReady(sqlite: Sqlite): boolean {
  return cachedStatement(sqlite, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'journal'").get() !== undefined;
}

/** The seq of the row kept under `key`, or null (never appended, or pruned). */
export function journalSeqOfKey(sqlite: Sqlite, key: string): number | null {
  return cachedStatement<{ seq: number }>(sqlite, 'SELECT seq FROM journal WHERE key = ?').get(key)?.seq ?? null;
}

/** The last row's seq and hash; {0, GENESIS_HASH} for an empty journal. */
export function journalTip(sqlite: Sqlite): { seq: number; hash: string } {
  const tip = cachedStatement<{ seq: number; hash: string }>(sqlite, TIP).get();
  return tip ? { seq: tip.seq, hash: tip.hash } : { seq: 0, hash: GENESIS_HASH };
}

function isUniqueViolation(e: unknown): boolean {
  return e instanceof Error && (e as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE';
}

function checkFact(at: number, fact: Omit<JournalFact, 'payload'>): number {
  const v = fact.v ?? 1;
  const bad = (field: string, message: string, value: unknown) =>
    new DepotError('invalid_input', `journal ${field}: ${message} (got ${JSON.stringify(value)})`, { field });
  if (typeof fact.key !== 'string' || fact.key.length === 0 || fact.key.length > 300) throw bad('key', 'a key is 1 to 300 characters', fact.key);
  if (typeof fact.kind !== 'string' || !/^[a-z][a-z0-9_.]{0,63}$/.test(fact.kind)) throw bad('kind', 'a kind is lower-case words joined by . or _', fact.kind);
  if (!Number.isSafeInteger(v) || v < 1) throw bad('v', 'a schema version is a whole number from 1', v);
  if (!Number.isSafeInteger(at) || at < 0) throw bad('at', 'a time is epoch ms', at);
  return v;
}

/**
 * Appends one fact inside the caller's write transaction and returns its seq. Runs on the ledger's
 * hot path (one row per operation): its statements are prepared once per connection.
 */
export function appendJournal(sqlite: Sqlite, at: number, fact: JournalFact): number {
  return appendRow(sqlite, at, fact, () => payloadJson(fact));
}

/**
 * appendJournal for a payload its caller has already written as canonical JSON: the ledger's batch,
 * whose objects it builds with their keys in sorted order and no undefined, so that JSON.stringify
 * writes what canonicalJson would at a seventh of the cost (1 ms against 7–9 ms for 1,000
 * transfers). A text that is not canonical would hash differently from what HQ recomputes from the
 * parsed payload: verifyJournal (every journal test) recomputes it the same way and names the row.
 */
export function appendCanonicalJournal(sqlite: Sqlite, at: number, fact: Omit<JournalFact, 'payload'>, canonicalPayload: string): number {
  return appendRow(sqlite, at, fact, () => canonicalPayload);
}

function appendRow(sqlite: Sqlite, at: number, fact: Omit<JournalFact, 'payload'>, text: () => string): number {
  if (!sqlite.inTransaction) {
    throw new DepotError('internal', `journal: ${fact.kind} ${fact.key} was appended outside a write transaction; append in the transaction of the fact it records`, {
      key: fact.key,
      kind: fact.kind,
    });
  }
  const v = checkFact(at, fact);
  const tip = journalTip(sqlite);
  const row = { seq: tip.seq + 1, key: fact.key, kind: fact.kind, v, at, prev: tip.hash };
  // Serialized once, for the stored text and the hash (a 1,000-transfer batch's payload is ~250 kB).
  const payload = text();
  const hash = journalHashOfPayloadJson(depotId(sqlite), row, payload);
  try {
    cachedStatement(sqlite, INSERT).run(row.seq, row.key, row.kind, v, at, row.prev, hash, payload);
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
    throw new DepotError('idempotency_conflict', `journal: the key ${fact.key} is already in the journal (a ${fact.kind} may not reuse it)`, {
      field: 'key',
      key: fact.key,
      kind: fact.kind,
    });
  }
  return row.seq;
}

/** The payload's canonical JSON; a payload that JSON cannot write (undefined, a function) is refused. */
function payloadJson(fact: JournalFact): string {
  const text = canonicalJson(fact.payload) as string | undefined;
  if (text === undefined) {
    throw new DepotError('invalid_input', `journal payload: ${fact.kind} ${fact.key} has no JSON payload`, { field: 'payload', key: fact.key });
  }
  return text;
}

interface StoredRow extends Omit<JournalRow, 'payload'> {
  payload: string;
}

function parsed(r: StoredRow): JournalRow {
  return { seq: r.seq, key: r.key, kind: r.kind, v: r.v, at: r.at, prev: r.prev, hash: r.hash, payload: JSON.parse(r.payload) as unknown };
}

/** Up to `limit` rows after `afterSeq`, in seq order, payloads parsed. */
export function readJournal(sqlite: Sqlite, afterSeq: number, limit: number): JournalRow[] {
  if (!Number.isSafeInteger(afterSeq) || afterSeq < 0) throw new DepotError('invalid_input', `journal afterSeq: a seq from 0 (got ${afterSeq})`, { field: 'afterSeq' });
  if (!Number.isSafeInteger(limit) || limit < 1) throw new DepotError('invalid_input', `journal limit: a count from 1 (got ${limit})`, { field: 'limit' });
  return cachedStatement<StoredRow>(sqlite, READ).all(afterSeq, limit).map(parsed);
}

/**
 * Deletes the rows at or below `uptoSeq` (what HQ's checkpoint covers), always keeping the tip:
 * the next append chains from it. Returns how many rows went.
 */
export function pruneJournal(sqlite: Sqlite, uptoSeq: number): number {
  if (!Number.isSafeInteger(uptoSeq)) throw new DepotError('invalid_input', `journal uptoSeq: a seq (got ${uptoSeq})`, { field: 'uptoSeq' });
  const r = cachedStatement(sqlite, 'DELETE FROM journal WHERE seq <= ? AND seq < (SELECT max(seq) FROM journal)').run(uptoSeq);
  return r.changes;
}

export type JournalVerdict = { ok: true; rows: number; tip: number } | { ok: false; seq: number; reason: string };

const VERIFY_PAGE = 1_000;

/**
 * Walks the stored rows with chainBreak. After pruning, the first stored row's own prev is where
 * the walk starts: what was pruned is HQ's to vouch for.
 */
export function verifyJournal(sqlite: Sqlite): JournalVerdict {
  const id = depotId(sqlite);
  let at: { seq: number; hash: string } | null = null;
  let rows = 0;
  for (;;) {
    let page: JournalRow[];
    try {
      page = readJournal(sqlite, at?.seq ?? 0, VERIFY_PAGE);
    } catch (e) {
      if (!(e instanceof SyntaxError)) throw e;
      return { ok: false, seq: firstUnreadable(sqlite, at?.seq ?? 0), reason: 'payload_unreadable' };
    }
    if (page.length === 0) return { ok: true, rows, tip: at?.seq ?? 0 };
    at ??= { seq: page[0].seq - 1, hash: page[0].prev };
    const broken = chainBreak(id, at, page);
    if (broken) return { ok: false, seq: broken.seq, reason: broken.reason };
    rows += page.length;
    at = page[page.length - 1];
  }
}

/** The first row after `afterSeq` whose payload is not JSON. */
function firstUnreadable(sqlite: Sqlite, afterSeq: number): number {
  for (const r of cachedStatement<StoredRow>(sqlite, READ).iterate(afterSeq, VERIFY_PAGE)) {
    try {
      JSON.parse(r.payload);
    } catch {
      return r.seq;
    }
  }
  return afterSeq + 1;
}
