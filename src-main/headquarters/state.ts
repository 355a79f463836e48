import type { AppContext } from '../kernel/context';
import { expectChanges } from '../kernel/errors';
import { writeTx } from '../kernel/db/connection';
import { cachedStatement } from '../kernel/db/statements';
import { GENESIS_HASH } from '../kernel/journal-hash';

/**
 * The uplink's one row in hq_uplink: where HQ stands (as far as the depot checked it) and what
 * went wrong last. Each change is its own short write transaction, never inside a caller's.
 */

/** A batch HQ refused: the sequence it stopped at, its reason (gap, prev_mismatch, hash_mismatch, …) and when. */
export interface Refusal {
  seq: number;
  reason: string;
  detail: string | null;
  at: number;
}

export interface UplinkState {
  ackedSeq: number;
  ackedHash: string;
  ackedAt: number | null;
  lastSentAt: number | null;
  lastError: string | null;
  refused: Refusal | null;
}

interface UplinkRow {
  acked_seq: number;
  acked_hash: string;
  acked_at: number | null;
  last_sent_at: number | null;
  last_error: string | null;
  refused: string | null;
}

/** The state; a depot whose uplink never ran has acknowledged nothing. */
export function readUplinkState(app: AppContext): UplinkState {
  const row = cachedStatement<UplinkRow>(app.sqlite, 'SELECT acked_seq, acked_hash, acked_at, last_sent_at, last_error, refused FROM hq_uplink WHERE id = 1').get();
  if (!row) return { ackedSeq: 0, ackedHash: GENESIS_HASH, ackedAt: null, lastSentAt: null, lastError: null, refused: null };
  return {
    ackedSeq: row.acked_seq,
    ackedHash: row.acked_hash,
    ackedAt: row.acked_at,
    lastSentAt: row.last_sent_at,
    lastError: row.last_error,
    refused: row.refused === null ? null : (JSON.parse(row.refused) as Refusal),
  };
}

/** Creates the row if it is missing (the first start of the uplink). */
export function ensureUplinkRow(app: AppContext): void {
  writeTx(app.sqlite, () => app.sqlite.prepare('INSERT INTO hq_uplink (id) VALUES (1) ON CONFLICT (id) DO NOTHING').run());
}

function update(app: AppContext, set: string, params: Record<string, unknown>, what: string): void {
  writeTx(app.sqlite, () => expectChanges(cachedStatement(app.sqlite, `UPDATE hq_uplink SET ${set} WHERE id = 1`).run(params), 1, what));
}

/** HQ's acknowledgement, already checked against the depot's own hash at that sequence. */
export function recordAck(app: AppContext, seq: number, hash: string, at: number): void {
  update(app, 'acked_seq = @seq, acked_hash = @hash, acked_at = @at', { seq, hash, at }, 'recording the HQ ack');
}

export function recordSent(app: AppContext, at: number): void {
  update(app, 'last_sent_at = @at', { at }, 'recording the uplink send time');
}

export function recordError(app: AppContext, error: string | null): void {
  update(app, 'last_error = @error', { error }, "recording the uplink's last error");
}

export function recordRefusal(app: AppContext, refusal: Refusal | null): void {
  update(app, 'refused = @refused', { refused: refusal === null ? null : JSON.stringify(refusal) }, "recording HQ's refusal");
}
