import crypto from 'node:crypto';
import { canonicalJson } from './json';

/**
 * The journal's hash chain, shared by the depot that writes it (kernel/journal.ts) and
 * headquarters that checks it (hq/): one definition, so the two can never disagree on a byte.
 *
 * Guarantees:
 * - A row's hash covers the depot's id, its sequence, idempotency key, kind, schema version, time,
 *   the previous row's hash and its payload, as canonical JSON (sorted keys), so the same row always
 *   hashes the same whichever side (and whichever JSON parser) computes it.
 * - The first row chains from GENESIS_HASH; every later row from its predecessor's hash, so a row
 *   changed, inserted or left out breaks the chain at that row.
 * - It is a plain SHA-256, not a keyed MAC: headquarters checks it without any secret of the depot.
 */

/** What the first journal row chains from. */
export const GENESIS_HASH = '0'.repeat(64);

/** One journal row as it is stored and as it travels (docs/headquarters.md "The journal"). */
export interface JournalRow {
  seq: number;
  key: string;
  kind: string;
  /** The payload's schema version for its kind. */
  v: number;
  /** Epoch ms, the depot's clock. */
  at: number;
  prev: string;
  hash: string;
  payload: unknown;
}

export function journalHash(depotId: string, row: Omit<JournalRow, 'hash'>): string {
  return crypto
    .createHash('sha256')
    .update(canonicalJson([depotId, row.seq, row.key, row.kind, row.v, row.at, row.prev, row.payload]))
    .digest('hex');
}

/**
 * journalHash from the payload's canonical JSON already made: the depot stores that text, and
 * serializing a ledger batch's payload twice was most of the journal's cost on the hot path.
 * canonicalJson writes each element of the array as canonicalJson of that element, so this is
 * byte for byte journalHash (test/hq/journal.test.ts holds the two equal); HQ keeps journalHash.
 */
export function journalHashOfPayloadJson(depotId: string, row: Omit<JournalRow, 'hash' | 'payload'>, payloadJson: string): string {
  const head = canonicalJson([depotId, row.seq, row.key, row.kind, row.v, row.at, row.prev]);
  return crypto.createHash('sha256').update(head.slice(0, -1)).update(',').update(payloadJson).update(']').digest('hex');
}

/**
 * Where a run of rows stops chaining from `prev` (the hash before the first of them): null when
 * every row follows its predecessor (seq + 1, prev = its hash) and carries its own hash.
 */
export function chainBreak(
  depotId: string,
  prev: { seq: number; hash: string },
  rows: readonly JournalRow[],
): { seq: number; reason: 'gap' | 'prev_mismatch' | 'hash_mismatch' } | null {
  let at = prev;
  for (const row of rows) {
    if (row.seq !== at.seq + 1) return { seq: row.seq, reason: 'gap' };
    if (row.prev !== at.hash) return { seq: row.seq, reason: 'prev_mismatch' };
    if (journalHash(depotId, row) !== row.hash) return { seq: row.seq, reason: 'hash_mismatch' };
    at = row;
  }
  return null;
}
