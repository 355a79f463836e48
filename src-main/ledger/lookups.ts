import type { Sqlite } from '../kernel/db/connection';
import type { ResettleResult } from './ops/resettlement';
import { expectRow } from '../kernel/db/rows';

/**
 * Reads other domains make of the ledger's tables (drivers, transfers, debts, operations), each
 * named for what the caller wants. The ledger owns these tables; a caller that needs a driver's
 * name next to its own rows reads its rows first and asks here for the names of those drivers.
 *
 * Functions over many ids take them as one JSON array (json_each), one statement however many.
 */

type Db = { sqlite: Sqlite };

export interface DriverContact {
  name: string;
  phone: string;
}

/** The name and phone of each of these drivers that exists. */
export function driverContacts(app: Db, driverIds: readonly string[]): Map<string, DriverContact> {
  const out = new Map<string, DriverContact>();
  if (driverIds.length === 0) return out;
  const rows = app.sqlite
    .prepare<unknown[], [string, string, string]>('SELECT d.id, d.name, d.phone FROM drivers d WHERE d.id IN (SELECT value FROM json_each(?))')
    .raw()
    .all(JSON.stringify(driverIds));
  for (const [id, name, phone] of rows) out.set(id, { name, phone });
  return out;
}

/** The ids of the drivers whose name or phone contains `text` (SQL LIKE, so case-insensitive for ASCII). */
export function driversMatching(app: Db, text: string): string[] {
  return app.sqlite.prepare<unknown[], string>('SELECT id FROM drivers WHERE name LIKE ? OR phone LIKE ?').pluck().all(`%${text}%`, `%${text}%`);
}

export interface SessionTransfer {
  id: string;
  debitAccountId: string;
  creditAccountId: string;
  amountFen: number;
  code: string;
  phase: string;
  createdAt: number;
}

/** The transfers that name this session (hold, post, legs, release, debt), in ledger order. */
export function transfersOfSession(app: Db, sessionId: string): SessionTransfer[] {
  return app.sqlite
    .prepare<unknown[], SessionTransfer>(
      `SELECT id, debit_account_id AS debitAccountId, credit_account_id AS creditAccountId, amount AS amountFen, code, phase, created_at AS createdAt
       FROM ledger_transfers WHERE session_id = ? ORDER BY seq`,
    )
    .all(sessionId);
}

export interface KeyedTransfer {
  id: string;
  code: string;
  phase: string;
  debitAccountId: string;
  creditAccountId: string;
  /** In the debit account's unit: fen, or points. */
  amount: number;
  unit: string;
  memo: string | null;
  createdAt: number;
}

/** A GLOB pattern matching `text` literally (its *, ? and [ each in brackets). */
const globLiteral = (text: string) => text.replace(/[*?[]/g, (c) => `[${c}]`);

/**
 * The transfers an operation key made, for each key: the transfer whose id is the key, and those
 * whose id continues it after ':' or '#' (`pay:DD1`, `pay:DD1:bonus`, `pay:DD1#collect:…`), in
 * ledger order. Each key is one range of the transfers' id index.
 */
export function transfersUnderKeys(app: Db, keys: readonly string[]): KeyedTransfer[] {
  if (keys.length === 0) return [];
  const st = app.sqlite.prepare<[string, string], KeyedTransfer & { seq: number }>(
    `SELECT t.seq, t.id, t.code, t.phase, t.debit_account_id AS debitAccountId, t.credit_account_id AS creditAccountId, t.amount,
            a.unit, t.memo, t.created_at AS createdAt
     FROM ledger_transfers t JOIN ledger_accounts a ON a.id = t.debit_account_id
     WHERE t.id = ? OR t.id GLOB ?`,
  );
  const rows = keys.flatMap((key) => st.all(key, `${globLiteral(key)}[:#]*`));
  const seen = new Set<string>();
  return rows
    .filter((r) => !seen.has(r.id) && seen.add(r.id))
    .sort((a, b) => a.seq - b.seq)
    .map(({ seq: _seq, ...t }) => t);
}

/** Amount and campaign of each of these transfers that exists (for checks that compare with them). */
export function transferFacts(app: Db, transferIds: readonly string[]): Map<string, { amount: number; campaignId: string | null }> {
  const out = new Map<string, { amount: number; campaignId: string | null }>();
  if (transferIds.length === 0) return out;
  const rows = app.sqlite
    .prepare<unknown[], [string, number, string | null]>('SELECT t.id, t.amount, t.campaign_id FROM ledger_transfers t WHERE t.id IN (SELECT value FROM json_each(?))')
    .raw()
    .all(JSON.stringify(transferIds));
  for (const [id, amount, campaignId] of rows) out.set(id, { amount, campaignId });
  return out;
}

/** Refunds the ledger paid for a session or a payment order, less the corrections that undid them (fen). */
export function netRefundedFen(app: Db, of: { sessionId: string } | { orderId: string }): number {
  const [column, id] = 'sessionId' in of ? (['session_id', of.sessionId] as const) : (['order_id', of.orderId] as const);
  const r = expectRow<{ v: number }>(
    app.sqlite.prepare(
      `SELECT coalesce((SELECT sum(amount) FROM ledger_transfers WHERE ${column} = @id AND code = 'refund'), 0)
            - coalesce((SELECT sum(c.amount) FROM ledger_transfers c JOIN ledger_transfers r ON c.reverses_id = r.id
                        WHERE c.code = 'correction' AND r.${column} = @id AND r.code = 'refund'), 0) AS v`,
    ),
    { id },
  );
  return r.v;
}

/** What a debt has collected so far (fen), or null for no such debt. */
export function debtCollected(app: Db, debtId: string): number | null {
  const r = app.sqlite.prepare<unknown[], { collected: number }>('SELECT collected FROM ledger_debts WHERE id = ?').get(debtId);
  return r ? r.collected : null;
}

/** What the re-settlement of a session did, if it was re-settled. */
export function resettlementResult(app: Db, sessionId: string): ResettleResult | null {
  const row = app.sqlite.prepare<unknown[], { result: string }>("SELECT result FROM ledger_operations WHERE key = ? AND kind = 'resettle'").get(`resettle:${sessionId}`);
  return row ? (JSON.parse(row.result) as ResettleResult) : null;
}
