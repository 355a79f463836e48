import type { Pool, PoolClient } from 'pg';
import { chainBreak, GENESIS_HASH, journalHash, type JournalRow } from '../kernel/journal-hash';
import { silentLogger, type Logger } from '../kernel/logger';
import { cutDerived, derive, emptyDerived, markCommands, type Derived } from './derive';
import { parseBatch, type Ack, type Batch, type Refusal } from './wire';
import { refusalWords } from './words';

/**
 * Ingesting one depot's journal batch into PostgreSQL (docs/headquarters.md "The ingestor").
 *
 * Guarantees (test/hq/ingest.test.ts):
 * - One batch is one transaction that locks the depot's cursor row (SELECT … FOR UPDATE): two
 *   ingestors given the same depot's batches at once take turns, and each row is stored once.
 * - A row is stored only as the cursor's next seq, with `prev` = the cursor's hash and its own hash
 *   recomputed (kernel/journal-hash.ts), under (depot_id, seq) and a (depot_id, key) unique: there is
 *   never a gap, a duplicate or a row out of chain in hq_journal.
 * - Rows at or below the cursor are duplicates and change nothing, once their hash is the stored
 *   one; a different hash at a stored seq means the depot's history changed, and the batch is
 *   refused.
 * - A refused row is never skipped past: the rows before it are kept, it and everything after it
 *   are not, and the ack names it with the reason. A new refusal raises an hq_alerts row and a log
 *   line; the same refusal sent again is counted on the depot (hq_depots.refused.repeats) instead of
 *   raising another alert every time the depot resends.
 * - The read tables (hq_transfers …, derive.ts) are written in the same transaction as the rows
 *   they are read from.
 * - A malformed message changes nothing but an alert (and the depot's refusal), and is answered
 *   with the cursor when the depot is known.
 * - The returned ack is what was committed: it is computed inside the transaction and returned
 *   only after COMMIT. A failure (PostgreSQL down) throws and acknowledges nothing.
 */

export interface IngestOptions {
  /** The depot id of the topic the batch came on; the batch must name the same. */
  depotId?: string;
  log?: Logger;
}

export interface IngestOutcome {
  /** Null only for a message that names no depot (nothing to answer). */
  ack: Ack | null;
  /** Journal rows this batch stored. */
  stored: number;
}

interface Cursor {
  seq: number;
  hash: string;
  refused: StoredRefusal | null;
}

interface StoredRefusal extends Refusal {
  at: string;
  repeats: number;
}

/** Validates and stores one batch; answers with the ack to publish. */
export async function ingestBatch(pool: Pool, message: unknown, opts: IngestOptions = {}): Promise<Ack | null> {
  return (await ingest(pool, message, opts)).ack;
}

/** ingestBatch, also saying how many rows it stored. */
export async function ingest(pool: Pool, message: unknown, opts: IngestOptions = {}): Promise<IngestOutcome> {
  const log = opts.log ?? silentLogger();
  const parsed = parseBatch(message, opts.depotId);
  if (!parsed.ok) {
    const { depot, reason, detail } = parsed;
    const ack = await inTransaction(pool, (client) => refuseMessage(client, log, depot, { reason, detail }));
    return { ack, stored: 0 };
  }
  return inTransaction(pool, (client) => ingestParsed(client, log, parsed.batch));
}

async function inTransaction<T>(pool: Pool, body: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A connection PostgreSQL drops while it is checked out (a terminated backend, a restart) also
  // emits 'error' on the client, which would end the process with no listener; the query in
  // progress fails as well, and that failure is what is handled below.
  const dropped = () => undefined;
  client.on('error', dropped);
  let failure: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await body(client);
    await client.query('COMMIT');
    return result;
  } catch (e) {
    failure = e instanceof Error ? e : new Error(String(e));
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    // A client that failed may have lost its connection: the pool drops it rather than reuse it.
    if (!failure) client.off('error', dropped);
    client.release(failure);
  }
}

async function lockCursor(client: PoolClient, depot: string, name: string | null): Promise<Cursor> {
  await client.query('INSERT INTO hq_depots (depot_id, name, acked_hash) VALUES ($1, $2, $3) ON CONFLICT (depot_id) DO NOTHING', [depot, name, GENESIS_HASH]);
  const r = await client.query<{ acked_seq: string; acked_hash: string; refused: StoredRefusal | null }>(
    'SELECT acked_seq, acked_hash, refused FROM hq_depots WHERE depot_id = $1 FOR UPDATE',
    [depot],
  );
  return { seq: Number(r.rows[0].acked_seq), hash: r.rows[0].acked_hash, refused: r.rows[0].refused };
}

async function ingestParsed(client: PoolClient, log: Logger, batch: Batch): Promise<IngestOutcome> {
  const cursor = await lockCursor(client, batch.depot, batch.name);
  const { accepted, derived, refused } = await acceptable(client, batch, cursor);
  await insertRows(client, batch.depot, accepted, derived);
  const last = accepted.at(-1);
  const next = last ? { seq: last.seq, hash: last.hash } : { seq: cursor.seq, hash: cursor.hash };
  const refusal = refused ? await noteRefusal(client, log, batch.depot, cursor.refused, refused) : accepted.length > 0 ? null : cursor.refused;
  await client.query(
    `UPDATE hq_depots SET name = COALESCE($2, name), acked_seq = $3, acked_hash = $4, tip_seq = GREATEST($5::bigint, $3::bigint),
       last_at = COALESCE($6, last_at), last_batch_at = now(), refused = $7 WHERE depot_id = $1`,
    [batch.depot, batch.name, next.seq, next.hash, batch.tip, last?.at ?? null, refusal === null ? null : JSON.stringify(refusal)],
  );
  if (accepted.length > 0) log.debug({ depot: batch.depot, from: accepted[0].seq, to: next.seq }, 'journal rows stored');
  return { ack: { type: 'ack', depot: batch.depot, seq: next.seq, hash: next.hash, refused }, stored: accepted.length };
}

/**
 * The rows of the batch HQ can take, in order, with what they derive, and the first refusal. Each
 * check may only shorten the prefix the one before it allowed, so the refusal is the earliest row.
 */
async function acceptable(client: PoolClient, batch: Batch, cursor: Cursor): Promise<{ accepted: JournalRow[]; derived: Derived; refused: Refusal | null }> {
  const { depot, rows } = batch;
  const derived = emptyDerived();
  const changed = await historyChange(
    client,
    depot,
    rows.filter((r) => r.seq <= cursor.seq),
  );
  if (changed) return { accepted: [], derived, refused: changed };
  const fresh = rows.filter((r) => r.seq > cursor.seq);
  let refused: Refusal | null = null;
  let accepted = fresh;
  const cut = (r: Refusal | null) => {
    if (!r) return;
    refused = r;
    accepted = accepted.filter((row) => row.seq < r.seq);
    cutDerived(derived, r.seq);
  };
  const broken = chainBreak(depot, cursor, fresh);
  if (broken) cut({ seq: broken.seq, reason: broken.reason, detail: chainDetail(broken, fresh, cursor) });
  cut(derive(accepted, derived));
  cut(await keyClash(client, depot, accepted));
  cut(await transferClash(client, depot, derived.transfers));
  return { accepted, derived, refused };
}

function chainDetail(broken: { seq: number; reason: string }, rows: readonly JournalRow[], cursor: Cursor): string {
  const i = rows.findIndex((r) => r.seq === broken.seq);
  const before = i > 0 ? rows[i - 1] : cursor;
  if (broken.reason === 'gap') return `row ${broken.seq} came after row ${before.seq}; HQ waits for row ${before.seq + 1}`;
  if (broken.reason === 'prev_mismatch') return `row ${broken.seq} chains from ${rows[i].prev}, but row ${before.seq}'s hash is ${before.hash}`;
  return `row ${broken.seq}'s hash ${rows[i].hash} is not the hash of its content`;
}

/** A row at a stored seq must be the stored row: the same hash, and that hash its content's. */
async function historyChange(client: PoolClient, depot: string, rows: readonly JournalRow[]): Promise<Refusal | null> {
  if (rows.length === 0) return null;
  const r = await client.query<{ seq: string; hash: string }>('SELECT seq, hash FROM hq_journal WHERE depot_id = $1 AND seq = ANY($2::bigint[])', [
    depot,
    rows.map((row) => row.seq),
  ]);
  const stored = new Map(r.rows.map((s) => [Number(s.seq), s.hash]));
  for (const row of rows) {
    const hash = stored.get(row.seq);
    if (hash === undefined) return { seq: row.seq, reason: 'history_changed', detail: `row ${row.seq} is at or below HQ's cursor, but HQ has no row ${row.seq}` };
    if (hash !== row.hash) return { seq: row.seq, reason: 'history_changed', detail: `HQ stored row ${row.seq} with hash ${hash}; the depot now sends ${row.hash}` };
    if (journalHash(depot, row) !== row.hash) return { seq: row.seq, reason: 'hash_mismatch', detail: `row ${row.seq}'s content does not hash to ${row.hash}` };
  }
  return null;
}

/** The first row whose idempotency key another row already has (stored, or earlier in the batch). */
async function keyClash(client: PoolClient, depot: string, rows: readonly JournalRow[]): Promise<Refusal | null> {
  if (rows.length === 0) return null;
  const first = new Map<string, number>();
  let clash: Refusal | null = null;
  for (const row of rows) {
    const other = first.get(row.key);
    if (other !== undefined) {
      clash = { seq: row.seq, reason: 'duplicate_key', detail: `row ${row.seq}'s key "${row.key}" is also row ${other}'s` };
      break;
    }
    first.set(row.key, row.seq);
  }
  const r = await client.query<{ key: string; seq: string }>('SELECT key, seq FROM hq_journal WHERE depot_id = $1 AND key = ANY($2::text[])', [depot, [...first.keys()]]);
  for (const s of r.rows) {
    const seq = first.get(s.key)!;
    if (!clash || seq < clash.seq) clash = { seq, reason: 'duplicate_key', detail: `row ${seq}'s key "${s.key}" is already stored row ${s.seq}'s` };
  }
  return clash;
}

/** The first row carrying a transfer id the depot already sent (stored, or earlier in the batch). */
async function transferClash(client: PoolClient, depot: string, transfers: Derived['transfers']): Promise<Refusal | null> {
  if (transfers.length === 0) return null;
  const first = new Map<string, number>();
  let clash: Refusal | null = null;
  for (const t of transfers) {
    const other = first.get(t.transfer_id);
    if (other !== undefined) {
      clash = { seq: t.seq, reason: 'duplicate_transfer', detail: `row ${t.seq} has transfer ${t.transfer_id}, which row ${other} already has` };
      break;
    }
    first.set(t.transfer_id, t.seq);
  }
  const r = await client.query<{ transfer_id: string; seq: string }>('SELECT transfer_id, seq FROM hq_transfers WHERE depot_id = $1 AND transfer_id = ANY($2::text[])', [
    depot,
    [...first.keys()],
  ]);
  for (const s of r.rows) {
    const seq = first.get(s.transfer_id)!;
    if (!clash || seq < clash.seq)
      clash = { seq, reason: 'duplicate_transfer', detail: `row ${seq} has transfer ${s.transfer_id}, which stored row ${s.seq} already has` };
  }
  return clash;
}

/** Multi-row inserts, one statement per table, from one JSON parameter each. */
async function insertRecords(client: PoolClient, table: string, columns: readonly string[], depot: string, records: readonly object[], conflict = ''): Promise<void> {
  if (records.length === 0) return;
  const names = columns.map((c) => c.split(' ')[0]).join(', ');
  await client.query(`INSERT INTO ${table} (depot_id, ${names}) SELECT $1, ${names} FROM jsonb_to_recordset($2::jsonb) AS x(${columns.join(', ')}) ${conflict}`, [
    depot,
    JSON.stringify(records),
  ]);
}

const JOURNAL_COLUMNS = ['seq bigint', 'key text', 'kind text', 'v integer', 'at bigint', 'prev text', 'hash text', 'payload jsonb'];
const TRANSFER_COLUMNS = [
  'seq bigint',
  'transfer_id text',
  'op text',
  'debit text',
  'credit text',
  'amount bigint',
  'code text',
  'phase text',
  'pending_id text',
  'session_id text',
  'order_id text',
  'campaign_id text',
  'debt_id text',
  'statement_row text',
  'at bigint',
];
const OPENING_COLUMNS = [
  'seq bigint',
  'part integer',
  'parts integer',
  'account_id text',
  'debits_posted bigint',
  'credits_posted bigint',
  'debits_pending bigint',
  'credits_pending bigint',
];
const DRIVER_COLUMNS = ['driver_id text', 'phone text', 'name text', 'seq bigint', 'at bigint'];
const STATEMENT_COLUMNS = [
  'statement_id text',
  'seq bigint',
  'channel text',
  'merchant_id text',
  'bill_dates jsonb',
  'row_count integer',
  'payment_count integer',
  'refund_count integer',
  'payment_total_fen bigint',
  'refund_total_fen bigint',
  'fee_total_fen bigint',
  'net_fen bigint',
  'at bigint',
];

async function insertRows(client: PoolClient, depot: string, rows: readonly JournalRow[], d: Derived): Promise<void> {
  await insertRecords(client, 'hq_journal', JOURNAL_COLUMNS, depot, rows);
  await insertRecords(client, 'hq_transfers', TRANSFER_COLUMNS, depot, d.transfers);
  await insertRecords(client, 'hq_opening_balances', OPENING_COLUMNS, depot, d.opening, 'ON CONFLICT DO NOTHING');
  // One record per driver: a statement may not update the same row twice. The latest row wins.
  const drivers = [...new Map(d.drivers.map((r) => [r.driver_id, r])).values()];
  const update = 'ON CONFLICT (depot_id, driver_id) DO UPDATE SET phone = EXCLUDED.phone, name = EXCLUDED.name, seq = EXCLUDED.seq, at = EXCLUDED.at';
  await insertRecords(client, 'hq_drivers', DRIVER_COLUMNS, depot, drivers, update);
  await insertRecords(client, 'hq_statements', STATEMENT_COLUMNS, depot, d.statements, 'ON CONFLICT DO NOTHING');
  await markCommands(client, depot, d.commands);
}

/**
 * Records a refusal on the depot and, unless it is the refusal already on record (a depot
 * resending the same batch), raises an alert. Returns what to store as the depot's refusal.
 */
async function noteRefusal(client: PoolClient, log: Logger, depot: string, before: StoredRefusal | null, refusal: Refusal): Promise<StoredRefusal> {
  const again = before !== null && before.seq === refusal.seq && before.reason === refusal.reason && before.detail === refusal.detail;
  const at = new Date().toISOString();
  if (again) {
    log.debug({ depot, ...refusal, repeats: before.repeats + 1 }, 'journal batch refused again');
    return { ...before, repeats: before.repeats + 1 };
  }
  const message = `depot ${depot}: row ${refusal.seq} refused, ${refusalWords(refusal.reason)}: ${refusal.detail}`;
  await client.query('INSERT INTO hq_alerts (depot_id, code, message, details) VALUES ($1, $2, $3, $4)', [
    depot,
    `journal.${refusal.reason}`,
    message,
    JSON.stringify(refusal),
  ]);
  log.warn({ depot, ...refusal }, 'journal batch refused');
  return { ...refusal, at, repeats: 0 };
}

/** A message HQ cannot read: an alert, the refusal on the depot's row if it has one, nothing else. */
async function refuseMessage(
  client: PoolClient,
  log: Logger,
  depot: string | null,
  problem: { reason: 'malformed' | 'wrong_depot'; detail: string },
): Promise<Ack | null> {
  if (depot === null) {
    const message = `a journal message naming no depot was refused: ${problem.detail}`;
    await client.query('INSERT INTO hq_alerts (depot_id, code, message, details) VALUES (NULL, $1, $2, $3)', [
      `journal.${problem.reason}`,
      message,
      JSON.stringify(problem),
    ]);
    log.warn(problem, 'journal message refused');
    return null;
  }
  const r = await client.query<{ acked_seq: string; acked_hash: string; refused: StoredRefusal | null }>(
    'SELECT acked_seq, acked_hash, refused FROM hq_depots WHERE depot_id = $1 FOR UPDATE',
    [depot],
  );
  const cursor = r.rows[0] ? { seq: Number(r.rows[0].acked_seq), hash: r.rows[0].acked_hash } : { seq: 0, hash: GENESIS_HASH };
  const refusal: Refusal = { seq: cursor.seq + 1, ...problem };
  const stored = await noteRefusal(client, log, depot, r.rows[0]?.refused ?? null, refusal);
  if (r.rows[0]) await client.query('UPDATE hq_depots SET refused = $2, last_batch_at = now() WHERE depot_id = $1', [depot, JSON.stringify(stored)]);
  return { type: 'ack', depot, seq: cursor.seq, hash: cursor.hash, refused: refusal };
}
