import crypto from 'node:crypto';
import os from 'node:os';
import type { AppContext } from '../kernel/context';
import { businessDate } from '../kernel/clock';
import { writeTx } from '../kernel/db/connection';
import { appendJournal } from '../kernel/journal';
import { checkpointInWorker } from '../kernel/db/checkpoint-thread';
import { cachedStatement } from '../kernel/db/statements';
import { allRows, getRow } from '../kernel/db/rows';
import { DepotError, expectChanges } from '../kernel/errors';
import { processAlive } from '../kernel/instance';
import { APP_CHUNK_BUDGET_MS, pace, yieldToEventLoop } from '../kernel/pace';
import { canonicalJson } from '../kernel/json';
import type { By } from '../ledger';
import {
  parseGenericMapping,
  parseUnpackedInSteps,
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
 * - All or nothing: a file's rows are written as they are parsed, a slice at a time (each slice a
 *   transaction sized to about 40 ms, with a yield between: issue 18), under a claim
 *   (recon_imports) that no query reads past; its statement is written after the last row and the
 *   summary's check, in the transaction that ends the claim. A bad file (a bad line, a wrong
 *   summary or total, another merchant) is refused with the file, the line and what is wrong
 *   (statements/ DepotError, details.reason) and its rows are removed with the claim, so nothing of
 *   it is kept; rows left by a process that died mid-import are removed by the next import.
 * - One import at a time: a second one while a claim is held (another window, the CLI) is refused
 *   with `conflict`, naming the file being imported.
 * - A gateway fact is stored once: a payment or refund that a second file repeats (the ALL and the
 *   SUCCESS bill of one day, an Alipay range overlapping another) is counted as repeated, not stored
 *   again, so it can never match twice.
 * - Statements and their rows are append-only (triggers): what the gateway said is kept as said.
 * - A statement's stored rows are exactly the ids `row_id_from`..`row_id_to` (its claim is the
 *   only writer of statement rows while it is held, so they are contiguous), and their days lie in
 *   `day_from`..`day_to`: its repeated rows, its days and a day's rows (day-key.ts ROWS_OF_DAY_FROM)
 *   are read from those ranges, without an index entry per row naming the statement or the day.
 * - A kept statement appends its `recon.statement_imported` journal row (key `statement:<sha256>`)
 *   in the transaction that keeps it; a re-import appends nothing (test/hq/journal.test.ts).
 */

export interface ImportOptions {
  /** A saved generic-CSV mapping's name (recon_mappings), for an aggregator's file. */
  mapping?: string;
  format?: StatementChannel;
  expectMerchantId?: string;
  /** Each slice of rows is sized to take about this long (ms); 0: fixed slices of MAX_SLICE_ROWS. Default APP_CHUNK_BUDGET_MS. */
  budgetMs?: number;
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
  const sha = await sha256InSlices(bytes);
  const seen = getRow<{ id: string }>(app.sqlite.prepare('SELECT id FROM recon_statements WHERE file_sha256 = ?'), sha);
  if (seen) return { imported: false, statement: getStatement(app, seen.id), days: statementDays(app, seen.id) };
  const mapping = opts.mapping === undefined ? undefined : getMapping(app, opts.mapping);
  const format = opts.format ?? (mapping ? 'generic' : undefined);
  const parseOpts: ParseOptions = { mapping, format, expectMerchantId: opts.expectMerchantId, fileSha256: sha };
  return store(app, await unpackStatement(bytes, fileName, parseOpts), parseOpts, by, opts.budgetMs ?? APP_CHUNK_BUDGET_MS);
}

/** The file's sha256, 8 MB at a time with a yield between: a 280 MB bill is not hashed in one 0.2 s task. */
async function sha256InSlices(bytes: Buffer): Promise<string> {
  const SLICE = 8 << 20;
  if (bytes.length <= SLICE) return sha256Hex(bytes);
  const hash = crypto.createHash('sha256');
  for (let at = 0; at < bytes.length; at += SLICE) {
    hash.update(bytes.subarray(at, at + SLICE));
    await yieldToEventLoop();
  }
  return hash.digest('hex');
}

const INSERT_ROW = `INSERT INTO recon_statement_rows (statement_seq, line, channel, kind, trade_no, order_no, refund_no, amount_fen, fee_fen, at, day, status)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`;

/** Rows per slice at most; a slice's size is otherwise timed to the budget (kernel/pace.ts). */
const MAX_SLICE_ROWS = 50_000;
/** Rows of an abandoned import removed per transaction. */
const DISCARD_SLICE_ROWS = 20_000;

interface Claim {
  id: string;
  seq: number;
  rowIdFrom: number;
}

/** The claims this process holds: a claim of this pid that is not here was left by an import that failed to clean up. */
const running = new Set<string>();

/**
 * Claims the import (a statement seq and the row ids from the next one up), parses the file a slice
 * of rows at a time, each slice in a transaction of its own with a yield between them, and keeps
 * the statement in a last transaction that also ends the claim. Until then no query reads the
 * rows (match.ts, day-key.ts read rows below the claim or through kept statements); a refusal
 * anywhere, the summary included, removes them again with the claim. The log grows by the whole
 * file meanwhile: its checkpoint is left to a worker thread at the end (kernel/db/checkpoint-thread).
 */
async function store(app: AppContext, unpacked: Unpacked, parseOpts: ParseOptions, by: By, budgetMs: number): Promise<ImportResult> {
  const claim = await claimImport(app, unpacked.facts);
  if ('imported' in claim) return claim;
  running.add(claim.id);
  const autocheckpoint = app.sqlite.pragma('wal_autocheckpoint', { simple: true }) as number;
  app.sqlite.pragma('wal_autocheckpoint = 0');
  try {
    const dayOf = dayOfFn(app.clock.timeZone);
    const insert = app.sqlite.prepare(INSERT_ROW);
    // The days of the rows stored (a repeated fact is not): what statementDays would read back, without a pass over a million rows.
    const days = new Set<number>();
    const steps = parseUnpackedInSteps(unpacked, parseOpts, (r: StatementRow, channel: StatementChannel) => {
      const refundNo = r.kind === 'refund' ? (r.merchantRefundNo ?? r.gatewayRefundNo ?? '') : '';
      const day = dayOf(r.time);
      const stored = insert.run(
        claim.seq,
        r.line,
        channel,
        r.kind,
        r.gatewayTradeNo,
        r.merchantOrderNo,
        refundNo,
        Math.abs(r.amountFen),
        r.feeFen,
        r.time,
        day,
        r.status,
      );
      if (stored.changes === 1) days.add(day);
    });
    const slices = pace(MAX_SLICE_ROWS, budgetMs);
    let statement: Statement | undefined;
    while (!(statement = slices.time(() => sliceTx(app, () => steps.step(slices.size()))))) await yieldToEventLoop();
    const stored = [...days].sort((a, b) => a - b);
    writeTx(app.sqlite, () => {
      const rowIdTo = cachedStatement<{ id: number }>(app.sqlite, 'SELECT coalesce(max(id), 0) AS id FROM recon_statement_rows').get()!.id;
      const now = app.clock.now();
      const kept = { id: claim.id, seq: claim.seq, rowIdFrom: claim.rowIdFrom, rowIdTo, dayFrom: stored[0] ?? 0, dayTo: stored.at(-1) ?? 0 };
      insertStatement(app, kept, statement!, now, by);
      journalStatement(app, claim.id, statement!, now);
      expectChanges(app.sqlite.prepare('DELETE FROM recon_imports WHERE id = ?').run(claim.id), 1, `the import claim ${claim.id} of ${unpacked.facts.fileName} is gone`);
    });
    return { imported: true, statement: getStatement(app, claim.id), days: stored.map(dayText) };
  } catch (e) {
    await discardImport(app, claim);
    throw e;
  } finally {
    running.delete(claim.id);
    app.sqlite.pragma(`wal_autocheckpoint = ${Number(autocheckpoint)}`);
    checkpointInWorker(app.sqlite.name, app.nativeBinding).catch((e: Error) =>
      app.log.warn({ error: e.message }, 'reconciliation: the checkpoint after an import failed; the next one copies the log'),
    );
  }
}

/**
 * One slice of rows in a transaction of its own. The rows name a statement that is written only at
 * the end, so this connection's foreign-key checks are off for the slice (a pragma SQLite allows
 * only outside a transaction; nothing else runs on this thread meanwhile) and back on after it.
 */
function sliceTx<T>(app: AppContext, slice: () => T): T {
  app.sqlite.pragma('foreign_keys = OFF');
  try {
    return writeTx(app.sqlite, slice);
  } finally {
    app.sqlite.pragma('foreign_keys = ON');
  }
}

interface ClaimRow extends Claim {
  fileSha256: string;
  fileName: string;
  startedAt: number;
  pid: number;
  host: string;
}

const CLAIM_COLUMNS = 'id, seq, row_id_from AS rowIdFrom, file_sha256 AS fileSha256, file_name AS fileName, started_at AS startedAt, pid, host';

/** Whether a claim's import still runs: in this process, held by it; elsewhere on this host, its process alive; on another host, assumed so. */
function stillRunning(c: ClaimRow): boolean {
  if (c.host !== os.hostname()) return true;
  return c.pid === process.pid ? running.has(c.id) : processAlive(c.pid);
}

/**
 * The claim for a new import, after removing an abandoned one. A file already kept (a race with
 * another import of the same bytes) answers with its statement; an import under way refuses this
 * one, naming it.
 */
async function claimImport(app: AppContext, facts: { fileSha256: string; fileName: string }): Promise<Claim | ImportResult> {
  for (;;) {
    const outcome = writeTx(app.sqlite, (): Claim | ImportResult | ClaimRow => {
      const kept = getRow<{ id: string }>(app.sqlite.prepare('SELECT id FROM recon_statements WHERE file_sha256 = ?'), facts.fileSha256);
      if (kept) return { imported: false, statement: getStatement(app, kept.id), days: statementDays(app, kept.id) };
      const other = getRow<ClaimRow>(app.sqlite.prepare(`SELECT ${CLAIM_COLUMNS} FROM recon_imports ORDER BY started_at LIMIT 1`));
      if (other) return other;
      const seq = cachedStatement<{ seq: number }>(app.sqlite, 'SELECT coalesce(max(seq), 0) + 1 AS seq FROM recon_statements').get()!.seq;
      const rowIdFrom = cachedStatement<{ id: number }>(app.sqlite, 'SELECT coalesce(max(id), 0) + 1 AS id FROM recon_statement_rows').get()!.id;
      const claim = { id: app.ids.next(), seq, rowIdFrom };
      app.sqlite
        .prepare('INSERT INTO recon_imports (id, seq, file_sha256, file_name, row_id_from, started_at, pid, host) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(claim.id, seq, facts.fileSha256, facts.fileName, rowIdFrom, app.clock.now(), process.pid, os.hostname());
      return claim;
    });
    if (!('fileSha256' in outcome)) return outcome;
    if (stillRunning(outcome)) {
      const same = outcome.fileSha256 === facts.fileSha256;
      throw new DepotError(
        'conflict',
        `file: ${same ? 'this file' : `another statement (${outcome.fileName})`} is being imported since ${new Date(outcome.startedAt).toISOString()}; import ${same ? 'it' : facts.fileName} again once that import has ended`,
        { field: 'file', importing: outcome.fileName },
      );
    }
    app.log.warn({ file: outcome.fileName, pid: outcome.pid }, 'reconciliation: removing the rows of an import whose process ended before it did');
    await discardImport(app, outcome);
  }
}

/**
 * Removes an import's rows (a slice per transaction, yielding between them) and then its claim.
 * Rows of no kept statement are the only statement rows that can be deleted (migration 0041's
 * trigger); the claim goes last, so an interrupted discard is taken up again by the next import.
 */
async function discardImport(app: AppContext, claim: Claim): Promise<void> {
  const slice = app.sqlite.prepare('DELETE FROM recon_statement_rows WHERE id >= ? AND id < ? AND statement_seq = ?');
  const top = () => cachedStatement<{ id: number }>(app.sqlite, 'SELECT coalesce(max(id), 0) AS id FROM recon_statement_rows').get()!.id;
  for (let from = claim.rowIdFrom, end = top(); from <= end; from += DISCARD_SLICE_ROWS) {
    writeTx(app.sqlite, () => slice.run(from, from + DISCARD_SLICE_ROWS, claim.seq));
    await yieldToEventLoop();
  }
  writeTx(app.sqlite, () => app.sqlite.prepare('DELETE FROM recon_imports WHERE id = ?').run(claim.id));
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
