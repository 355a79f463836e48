import type { AppContext } from '../kernel/context';
import { cachedStatement } from '../kernel/db/statements';
import type { RecordResolution, TransactionRecordKind } from './schema';
import { allRows, countRows, expectRow } from '../kernel/db/rows';

/**
 * The transaction inbox (charger_transactions) as its consumer sees it. The charger link writes
 * the records (inbound.ts); the session state machine reads them in id order, marks each applied
 * or parked, and a supervisor resolves the parked ones. The table is this domain's: every read and
 * write of it by the consumer is one of these functions, so a change to the inbox's columns or
 * indexes stays inside chargers/.
 *
 * Statements are prepared once per connection (cachedStatement): the consumer calls these per
 * record while a charger catches up.
 */

type Db = Pick<AppContext, 'sqlite'>;

export interface TransactionRecord {
  id: number;
  chargerId: string;
  kind: TransactionRecordKind;
  transactionId: number | null;
  connectorId: number | null;
  idTag: string | null;
  chargerAt: number;
  meterWh: number | null;
  /** Only on records from before migration 0015 (their canonical payload). */
  legacyPayload: string | null;
  /** The message that carried the record, as stored in the message log. */
  message: string | Buffer | null;
  receivedAt: number;
  processError: string | null;
  parkedAt: number | null;
  /** When a parked record was raised to the operators (past chargers.parkedAttentionMs). */
  attentionAt: number | null;
}

const RECORD_COLUMNS = `t.id, t.charger_id AS chargerId, t.kind, t.transaction_id AS transactionId, t.connector_id AS connectorId, t.id_tag AS idTag,
  t.charger_at AS chargerAt, t.meter_wh AS meterWh, t.payload AS legacyPayload, m.payload AS message, t.received_at AS receivedAt,
  t.process_error AS processError, t.parked_at AS parkedAt, t.attention_at AS attentionAt`;
const RECORD_FROM = 'charger_transactions t LEFT JOIN charger_messages m ON m.id = t.message_id';
const PARKED = 'processed_at IS NULL AND parked_at IS NOT NULL';

// The consumer's statements, built once: the cache is keyed by their text.
const PENDING_SQL = `SELECT ${RECORD_COLUMNS} FROM ${RECORD_FROM} WHERE t.processed_at IS NULL AND t.parked_at IS NULL AND t.id > ? ORDER BY t.id LIMIT ?`;
const PARKED_KEYS_SQL = `SELECT id, charger_id AS chargerId, transaction_id AS transactionId, process_error AS processError
  FROM charger_transactions WHERE ${PARKED} AND id > ? ORDER BY id LIMIT ?`;
const BY_IDS_SQL = `SELECT ${RECORD_COLUMNS} FROM ${RECORD_FROM} WHERE t.id IN (SELECT value FROM json_each(?)) ORDER BY t.id`;
const HAS_PARKED_SQL = `SELECT 1 FROM charger_transactions WHERE charger_id = ? AND transaction_id = ? AND ${PARKED} LIMIT 1`;
const FLAG_SQL = `UPDATE charger_transactions SET attention_at = ? WHERE ${PARKED} AND parked_at <= ? AND attention_at IS NULL`;

/** Records not yet applied nor parked, past `afterId`, in id (arrival) order. */
export function pendingRecords(app: Db, afterId: number, limit: number): TransactionRecord[] {
  return cachedStatement<TransactionRecord>(app.sqlite, PENDING_SQL).all(afterId, limit);
}

/** What the consumer needs to decide whether a parked record is worth another try. */
export interface ParkedKey {
  id: number;
  chargerId: string;
  transactionId: number | null;
  processError: string | null;
}

const KEY_PAGE = 500;

/**
 * Parked records past `afterId`, in id order, that `wanted` picks, at most `limit` of them. Only
 * the parked records' keys are read to choose (a page at a time); the chosen ones are read whole.
 */
export function parkedRecords(app: Db, afterId: number, limit: number, wanted: (key: ParkedKey) => boolean): TransactionRecord[] {
  const keys = cachedStatement(app.sqlite, PARKED_KEYS_SQL);
  const chosen: number[] = [];
  for (let cursor = afterId; chosen.length < limit;) {
    const page = allRows<ParkedKey>(keys, cursor, KEY_PAGE);
    for (const k of page) {
      if (wanted(k)) chosen.push(k.id);
      if (chosen.length === limit) break;
    }
    if (page.length < KEY_PAGE) break;
    cursor = page[page.length - 1].id;
  }
  if (chosen.length === 0) return [];
  return cachedStatement<TransactionRecord>(app.sqlite, BY_IDS_SQL).all(JSON.stringify(chosen));
}

/** Marks a record applied (with the consumer's note); returns the rows changed (0 if it already was). */
export function markRecordApplied(app: Db, id: number, at: number, note: string | null): number {
  return cachedStatement(app.sqlite, 'UPDATE charger_transactions SET processed_at = ?, process_error = ?, parked_at = NULL WHERE id = ? AND processed_at IS NULL').run(
    at,
    note,
    id,
  ).changes;
}

/** Parks a record with its reason, keeping when it was first parked; returns the rows changed. */
export function parkRecord(app: Db, id: number, at: number, reason: string): number {
  return cachedStatement(app.sqlite, 'UPDATE charger_transactions SET parked_at = coalesce(parked_at, ?), process_error = ? WHERE id = ? AND processed_at IS NULL').run(
    at,
    reason,
    id,
  ).changes;
}

/** Whether a transaction has records parked waiting (for its start, usually). */
export function hasParkedRecords(app: Db, chargerId: string, transactionId: number): boolean {
  return cachedStatement(app.sqlite, HAS_PARKED_SQL).get(chargerId, transactionId) !== undefined;
}

/** Marks the records parked since `parkedBefore` or earlier as needing attention; returns how many were newly marked. */
export function flagParkedRecords(app: Db, at: number, parkedBefore: number): number {
  return cachedStatement(app.sqlite, FLAG_SQL).run(at, parkedBefore).changes;
}

/** Records not applied that were raised to the operators. */
export function recordsNeedingAttention(app: Db): number {
  return countRows(cachedStatement(app.sqlite, 'SELECT count(*) AS n FROM charger_transactions WHERE processed_at IS NULL AND attention_at IS NOT NULL'));
}

export interface ParkedFilter {
  chargerId?: string;
  needsAttention?: boolean;
  limit: number;
  offset: number;
}

/** A page of parked records, oldest parked first, with how many match and how many need attention in all. */
export function parkedRecordPage(app: Db, f: ParkedFilter): { rows: TransactionRecord[]; total: number; needsAttention: number } {
  const where = ['t.processed_at IS NULL', 't.parked_at IS NOT NULL'];
  const params: (string | number)[] = [];
  if (f.chargerId) {
    where.push('t.charger_id = ?');
    params.push(f.chargerId);
  }
  if (f.needsAttention) where.push('t.attention_at IS NOT NULL');
  const clause = where.join(' AND ');
  const rows = app.sqlite
    .prepare<unknown[], TransactionRecord>(`SELECT ${RECORD_COLUMNS} FROM ${RECORD_FROM} WHERE ${clause} ORDER BY t.parked_at, t.id LIMIT ? OFFSET ?`)
    .all(...params, f.limit, f.offset);
  const { total } = expectRow<{ total: number }>(app.sqlite.prepare(`SELECT count(*) AS total FROM charger_transactions t WHERE ${clause}`), ...params);
  const { attention } = expectRow<{
    attention: number;
  }>(app.sqlite.prepare(`SELECT count(*) AS attention FROM charger_transactions WHERE ${PARKED} AND attention_at IS NOT NULL`));
  return { rows, total, needsAttention: attention };
}

/** How many records are parked, how many of them need an operator, and since when the oldest waits. */
export function parkedRecordSummary(app: Db): { parked: number; needsAttention: number; oldestParkedAt: number | null } {
  return expectRow<{ parked: number; needsAttention: number; oldestParkedAt: number | null }>(
    app.sqlite.prepare(`SELECT count(*) AS parked, count(attention_at) AS needsAttention, min(parked_at) AS oldestParkedAt FROM charger_transactions WHERE ${PARKED}`),
  );
}

/** Records neither applied nor parked that arrived before `receivedBefore`: the consumer has not run since. */
export function unconsumedRecords(app: Db, receivedBefore: number): { n: number; oldest: number | null } {
  return expectRow<{ n: number; oldest: number | null }>(
    app.sqlite.prepare('SELECT count(*) AS n, min(received_at) AS oldest FROM charger_transactions WHERE processed_at IS NULL AND parked_at IS NULL AND received_at < ?'),
    receivedBefore,
  );
}

/** One record, whatever its state, with how it was resolved and when it was applied. */
export function findRecord(app: Db, id: number): (TransactionRecord & { resolution: RecordResolution | null; processedAt: number | null }) | null {
  const r = app.sqlite
    .prepare<unknown[], TransactionRecord & { resolution: RecordResolution | null; processedAt: number | null }>(
      `SELECT ${RECORD_COLUMNS}, t.resolution, t.processed_at AS processedAt FROM ${RECORD_FROM} WHERE t.id = ?`,
    )
    .get(id);
  return r ?? null;
}

/** An operator's decision on a parked record; returns the rows changed (0 if it was applied or resolved meanwhile). */
export function resolveRecord(app: Db, id: number, r: { at: number; resolution: RecordResolution; by: string | null; note: string; sessionId: string | null }): number {
  return app.sqlite
    .prepare(
      `UPDATE charger_transactions SET processed_at = ?, resolution = ?, resolved_by = ?, resolution_note = ?, attached_session_id = ?
       WHERE id = ? AND processed_at IS NULL AND resolution IS NULL`,
    )
    .run(r.at, r.resolution, r.by, r.note, r.sessionId, id).changes;
}
