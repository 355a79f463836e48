import type { AppContext } from '../kernel/context';
import { businessDate } from '../kernel/clock';
import { writeTx } from '../kernel/db/connection';
import { appendJournal } from '../kernel/journal';
import { withCheckpointOffThread } from '../kernel/db/checkpoint-thread';
import { cachedStatement } from '../kernel/db/statements';
import { allRows, getRow } from '../kernel/db/rows';
import { DepotError } from '../kernel/errors';
import { canonicalJson } from '../kernel/json';
import type { By } from '../ledger';
import {
  parseGenericMapping,
  parseUnpacked,
  unpackStatement,
  type GenericMapping,
  type ParseOptions,
  type Statement,
  type StatementChannel,
  type StatementRow,
  type Unpacked,
} from './statements';
import { sha256Hex } from './statements/values';
import { dayKey, dayText } from './day-key';

/**
 * Importing a statement file: parse and check it (statements/), then keep it and its rows.
 *
 * Guarantees (test/reconciliation/import.test.ts):
 * - Idempotent by content: the same bytes imported again (the same download, under any name)
 *   import nothing and answer with the statement already kept (`imported: false`).
 * - All or nothing: a file's rows are written as they are parsed, inside one transaction that also
 *   writes its statement after the last row and the summary's check; a bad file (a bad line, a
 *   wrong summary or total, another merchant) rolls that transaction back, so nothing of it is
 *   kept, and is refused with the file, the line and what is wrong (statements/ DepotError,
 *   details.reason).
 * - A gateway fact is stored once: a payment or refund that a second file repeats (the ALL and the
 *   SUCCESS bill of one day, an Alipay range overlapping another) is counted as repeated, not stored
 *   again, so it can never match twice.
 * - Statements and their rows are append-only (triggers): what the gateway said is kept as said.
 * - A statement's stored rows are exactly the ids `row_id_from`..`row_id_to` (one transaction
 *   under the write lock stores them, so they are contiguous), and their days lie in
 *   `day_from`..`day_to`: its repeated rows, its days and a day's rows (day-key.ts ROWS_OF_DAY_FROM)
 *   are read from those ranges, without an index entry per row naming the statement or the day.
 * - A kept statement appends its `recon.statement_imported` journal row (key `statement:<sha256>`)
 *   in the same transaction; a re-import appends nothing (test/hq/journal.test.ts).
 */

export interface ImportOptions {
  /** A saved generic-CSV mapping's name (recon_mappings), for an aggregator's file. */
  mapping?: string;
  format?: StatementChannel;
  expectMerchantId?: string;
}

export interface StatementRecord {
  id: string;
  fileSha256: string;
  fileName: string;
  channel: StatementChannel;
  layout: string;
  source: string;
  merchantId: string;
  billDates: string[];
  rowCount: number;
  repeatedRows: number;
  paymentCount: number;
  refundCount: number;
  paymentTotalFen: number;
  refundTotalFen: number;
  netFen: number;
  feeTotalFen: number;
  details: { declared: Statement['summary']['declared']; notes: string[]; feesReconcilable: boolean; layoutNotes?: string[] };
  importedAt: number;
  importedBy: string | null;
}

export interface ImportResult {
  imported: boolean;
  statement: StatementRecord;
  /** Days (depot zone) the file's rows fall on: the days a run should look at again. */
  days: string[];
}

const STATEMENT_COLUMNS = `id, file_sha256 AS fileSha256, file_name AS fileName, channel, layout, source, merchant_id AS merchantId, bill_dates AS billDates,
  row_count AS rowCount, row_count - (row_id_to - row_id_from + 1) AS repeatedRows, payment_count AS paymentCount, refund_count AS refundCount, payment_total_fen AS paymentTotalFen,
  refund_total_fen AS refundTotalFen, net_fen AS netFen, fee_total_fen AS feeTotalFen, details, imported_at AS importedAt, imported_by AS importedBy`;

type StoredStatement = Omit<StatementRecord, 'billDates' | 'details'> & { billDates: string; details: string };

function toRecord(r: StoredStatement): StatementRecord {
  return { ...r, billDates: JSON.parse(r.billDates) as string[], details: JSON.parse(r.details) as StatementRecord['details'] };
}

export function getStatement(app: Pick<AppContext, 'sqlite'>, id: string): StatementRecord {
  const r = getRow<StoredStatement>(app.sqlite.prepare(`SELECT ${STATEMENT_COLUMNS} FROM recon_statements WHERE id = ? OR file_sha256 = ?`), id, id);
  if (!r) throw new DepotError('not_found', `statementId: no statement ${id}`, { field: 'statementId' });
  return toRecord(r);
}

export function listStatements(app: Pick<AppContext, 'sqlite'>, opts: { limit?: number } = {}): StatementRecord[] {
  return allRows<StoredStatement>(
    app.sqlite.prepare(`SELECT ${STATEMENT_COLUMNS} FROM recon_statements ORDER BY imported_at DESC, id DESC LIMIT ?`),
    opts.limit ?? 200,
  ).map(toRecord);
}

/** The days whose rows a statement holds (depot zone), for the runs an import should trigger. */
export function statementDays(app: Pick<AppContext, 'sqlite'>, statementId: string): string[] {
  return cachedStatement<{ day: number }>(
    app.sqlite,
    'SELECT DISTINCT r.day FROM recon_statements s JOIN recon_statement_rows r NOT INDEXED ON r.id BETWEEN s.row_id_from AND s.row_id_to WHERE s.id = ? ORDER BY r.day',
  )
    .all(statementId)
    .map((r) => dayText(r.day));
}

// ── generic CSV mappings ─────────────────────────────────────────────────────────────────────────

export function saveMapping(app: AppContext, input: unknown, by: By = {}): GenericMapping {
  const mapping = parseGenericMapping(input);
  app.sqlite
    .prepare(
      `INSERT INTO recon_mappings (name, mapping, created_at, created_by) VALUES (?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET mapping = excluded.mapping, created_at = excluded.created_at, created_by = excluded.created_by`,
    )
    .run(mapping.name, canonicalJson(mapping), app.clock.now(), by.operatorId ?? null);
  return mapping;
}

export function getMapping(app: Pick<AppContext, 'sqlite'>, name: string): GenericMapping {
  const r = getRow<{ mapping: string }>(app.sqlite.prepare('SELECT mapping FROM recon_mappings WHERE name = ?'), name);
  if (!r) throw new DepotError('not_found', `mapping: no saved column mapping named ${JSON.stringify(name)} (save one first: recon mapping)`, { field: 'mapping' });
  return parseGenericMapping(JSON.parse(r.mapping));
}

export function listMappings(app: Pick<AppContext, 'sqlite'>): GenericMapping[] {
  return allRows<{ mapping: string }>(app.sqlite.prepare('SELECT mapping FROM recon_mappings ORDER BY name')).map((r) => parseGenericMapping(JSON.parse(r.mapping)));
}

// ── import ───────────────────────────────────────────────────────────────────────────────────────

/** A depot-zone day (as its dayKey) for each instant, cached per hour (a million rows, a few dozen hours). */
function dayOfFn(zone: string): (at: number) => number {
  const cache = new Map<number, number>();
  return (at) => {
    const hour = Math.floor(at / 3_600_000);
    let d = cache.get(hour);
    if (d === undefined) {
      // Zones with offsets off the hour (+05:45) get the exact answer.
      d = dayKey(businessDate(at, zone));
      if (dayKey(businessDate(hour * 3_600_000, zone)) !== d || dayKey(businessDate(hour * 3_600_000 + 3_599_999, zone)) !== d) return d;
      cache.set(hour, d);
    }
    return d;
  };
}

export async function importStatement(app: AppContext, bytes: Buffer, fileName: string, opts: ImportOptions = {}, by: By = {}): Promise<ImportResult> {
  const sha = sha256Hex(bytes);
  const seen = getRow<{ id: string }>(app.sqlite.prepare('SELECT id FROM recon_statements WHERE file_sha256 = ?'), sha);
  if (seen) return { imported: false, statement: getStatement(app, seen.id), days: statementDays(app, seen.id) };
  const mapping = opts.mapping === undefined ? undefined : getMapping(app, opts.mapping);
  const format = opts.format ?? (mapping ? 'generic' : undefined);
  const parseOpts: ParseOptions = { mapping, format, expectMerchantId: opts.expectMerchantId, fileSha256: sha };
  return store(app, await unpackStatement(bytes, fileName, parseOpts), parseOpts, by);
}

const INSERT_ROW = `INSERT INTO recon_statement_rows (statement_seq, line, channel, kind, trade_no, order_no, refund_no, amount_fen, fee_fen, at, day, status)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`;

/**
 * Parses the file inside one write transaction, each row inserted as it is read (one prepared
 * statement, values as arguments), and the statement last, once its counts are known: the rows'
 * foreign key to it is deferred to the commit. A refusal anywhere, the summary included, rolls
 * back every row.
 */
function store(app: AppContext, unpacked: Unpacked, parseOpts: ParseOptions, by: By): ImportResult {
  const dayOf = dayOfFn(app.clock.timeZone);
  const id = app.ids.next();
  const now = app.clock.now();
  // A million rows leave ~340 MB of log: copied into the database by a worker thread, not by this
  // one in the commit (0.6–1.2 s of the operator's thread; docs/performance.md).
  const onError = (e: Error) => app.log.warn({ error: e.message }, 'reconciliation: the checkpoint after an import failed; the next one copies the log');
  return withCheckpointOffThread(app.sqlite, app.nativeBinding, () => transaction(app, unpacked, parseOpts, by, { id, now, dayOf }), onError).value;
}

function transaction(
  app: AppContext,
  unpacked: Unpacked,
  parseOpts: ParseOptions,
  by: By,
  { id, now, dayOf }: { id: string; now: number; dayOf: (at: number) => number },
): ImportResult {
  return writeTx(app.sqlite, () => {
    // A second import racing this one (two windows): the hash is unique, the second one answers with the first.
    const raced = getRow<{ id: string }>(app.sqlite.prepare('SELECT id FROM recon_statements WHERE file_sha256 = ?'), unpacked.facts.fileSha256);
    if (raced) return { imported: false, statement: getStatement(app, raced.id), days: statementDays(app, raced.id) };
    // Reset by SQLite at the end of this transaction.
    app.sqlite.pragma('defer_foreign_keys = ON');
    const insert = app.sqlite.prepare(INSERT_ROW);
    // The rows name their statement by its seq, taken under this transaction's write lock.
    const seq = cachedStatement<{ seq: number }>(app.sqlite, 'SELECT coalesce(max(seq), 0) + 1 AS seq FROM recon_statements').get()!.seq;
    // Its rows are the ids after the last one kept (rowid = max + 1; nobody else writes meanwhile).
    const lastRowId = () => cachedStatement<{ id: number }>(app.sqlite, 'SELECT coalesce(max(id), 0) AS id FROM recon_statement_rows').get()!.id;
    const rowIdFrom = lastRowId() + 1;
    // The days of the rows stored (a repeated fact is not): what statementDays would read back, without a pass over a million rows.
    const days = new Set<number>();
    const s = parseUnpacked(unpacked, parseOpts, (r: StatementRow, channel: StatementChannel) => {
      const refundNo = r.kind === 'refund' ? (r.merchantRefundNo ?? r.gatewayRefundNo ?? '') : '';
      const day = dayOf(r.time);
      const stored = insert.run(seq, r.line, channel, r.kind, r.gatewayTradeNo, r.merchantOrderNo, refundNo, Math.abs(r.amountFen), r.feeFen, r.time, day, r.status);
      if (stored.changes === 1) days.add(day);
    });
    const stored = [...days].sort((a, b) => a - b);
    insertStatement(app, { id, seq, rowIdFrom, rowIdTo: lastRowId(), dayFrom: stored[0] ?? 0, dayTo: stored.at(-1) ?? 0 }, s, now, by);
    journalStatement(app, id, s, now);
    return { imported: true, statement: getStatement(app, id), days: stored.map(dayText) };
  });
}

/**
 * The statement's journal row for headquarters (issue 22), in the import's transaction: HQ
 * reconciles one merchant account across depots from these. A re-import of the same bytes stores
 * nothing and so appends nothing; the key is the file's hash.
 */
function journalStatement(app: AppContext, id: string, s: Statement, now: number): void {
  appendJournal(app.sqlite, now, {
    key: `statement:${s.fileSha256}`,
    kind: 'recon.statement_imported',
    v: 1,
    payload: {
      statementId: id,
      channel: s.channel,
      merchantId: s.merchantId,
      billDates: s.billDates,
      rowCount: s.summary.count,
      paymentCount: s.summary.paymentCount,
      refundCount: s.summary.refundCount,
      paymentTotalFen: s.summary.paymentTotalFen,
      refundTotalFen: s.summary.refundTotalFen,
      feeTotalFen: s.fees.totalFen,
      netFen: s.summary.netFen,
    },
  });
}

function insertStatement(
  app: AppContext,
  kept: { id: string; seq: number; rowIdFrom: number; rowIdTo: number; dayFrom: number; dayTo: number },
  s: Statement,
  now: number,
  by: By,
): void {
  app.sqlite
    .prepare(
      `INSERT INTO recon_statements (id, seq, file_sha256, file_name, channel, layout, source, merchant_id, bill_dates, row_count, payment_count,
         refund_count, payment_total_fen, refund_total_fen, net_fen, fee_total_fen, details, imported_at, imported_by, row_id_from, row_id_to, day_from, day_to)
       VALUES (@id, @seq, @sha, @fileName, @channel, @layout, @source, @merchantId, @billDates, @rowCount, @paymentCount, @refundCount, @paymentTotal,
         @refundTotal, @net, @fees, @details, @now, @by, @rowIdFrom, @rowIdTo, @dayFrom, @dayTo)`,
    )
    .run({
      ...kept,
      sha: s.fileSha256,
      fileName: s.fileName,
      channel: s.channel,
      layout: s.layout,
      source: s.source,
      merchantId: s.merchantId,
      billDates: JSON.stringify(s.billDates),
      rowCount: s.summary.count,
      paymentCount: s.summary.paymentCount,
      refundCount: s.summary.refundCount,
      paymentTotal: s.summary.paymentTotalFen,
      refundTotal: s.summary.refundTotalFen,
      net: s.summary.netFen,
      fees: s.fees.totalFen,
      details: canonicalJson({ declared: s.summary.declared, notes: s.notes, feesReconcilable: s.fees.reconcilable }),
      now,
      by: by.operatorId ?? null,
    });
}
