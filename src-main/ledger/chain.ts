import type crypto from 'node:crypto';
import type { Sqlite } from '../kernel/db/connection';
import { DepotError } from '../kernel/errors';
import { readSeal, sealChain, writerChainKey, type Head } from '../kernel/chain';
import type { TransferRow } from './engine';

/**
 * The ledger's keyed chain (kernel/chain.ts holds the key, the seal and the walk).
 *
 * Guarantees:
 * - Every transfer the engine writes carries mac = HMAC(key, the previous transfer's mac ‖ its
 *   content), where the content is every column of the transfer plus its batch's operation key.
 *   Only the engine holds the key, so a transfer inserted by hand (with its counters updated to
 *   balance), edited, or removed from the middle breaks the chain at that transfer, and
 *   `ledger verify` names it (`chain_broken`).
 * - The transfers written before the chain existed are sealed as a whole at the first open after
 *   the upgrade (migration 0024 fixed which ones).
 * - The chain is read and extended inside the batch's BEGIN IMMEDIATE transaction, so two writers
 *   (processes or connections) never chain from the same head.
 */

/** Columns in the order the content lists them; verify reads exactly these, the engine builds the same array. */
export const CHAIN_COLUMNS = `t.id, t.debit_account_id, t.credit_account_id, t.amount, t.code, t.phase, t.pending_id, t.expires_at,
  t.reverses_id, t.batch, t.memo, t.session_id, t.order_id, t.campaign_id, t.statement_row, t.debt_id, t.operator_id, t.created_at`;

/** A transfer as the chain hashes it: every column the engine writes (the seq is the chain's order, not its content). */
export type ChainedTransfer = Omit<TransferRow, 'seq'>;

export function transferContent(t: ChainedTransfer, operationKey: string | null): string {
  return JSON.stringify([
    t.id,
    t.debitAccountId,
    t.creditAccountId,
    t.amount,
    t.code,
    t.phase,
    t.pendingId,
    t.expiresAt,
    t.reversesId,
    t.batch,
    t.memo,
    t.sessionId,
    t.orderId,
    t.campaignId,
    t.statementRow,
    t.debtId,
    t.operatorId,
    t.createdAt,
    operationKey,
  ]);
}

/** The same content from a raw row of CHAIN_COLUMNS followed by the batch's operation key. */
export function rawTransferContent(raw: readonly unknown[]): string {
  return JSON.stringify(raw);
}

function* legacyContents(sqlite: Sqlite, lastId: number): Generator<string> {
  const st = sqlite
    .prepare<[number], unknown[]>(
      `SELECT ${CHAIN_COLUMNS}, b.operation_key FROM ledger_transfers t LEFT JOIN ledger_batches b ON b.id = t.batch WHERE t.seq <= ? ORDER BY t.seq`,
    )
    .raw();
  for (const raw of st.iterate(lastId)) yield rawTransferContent(raw);
}

function sealed(sqlite: Sqlite, key: crypto.KeyObject): string {
  const mac = sealChain(sqlite, 'ledger', key, (lastId) => legacyContents(sqlite, lastId));
  if (mac === null) throw new DepotError('chain_broken', 'the ledger chain has no seal record (app_meta chain.ledger.seal): run depotdesk ledger verify', {});
  return mac;
}

const lastMac = new WeakMap<Sqlite, import('better-sqlite3').Statement<[], string | null>>();

/** The mac the next transfer chains from; call inside the write transaction. */
export function ledgerChainTip(sqlite: Sqlite, key: crypto.KeyObject): string {
  let st = lastMac.get(sqlite);
  if (!st) {
    st = sqlite.prepare<[], string | null>('SELECT mac FROM ledger_transfers ORDER BY seq DESC LIMIT 1').pluck();
    lastMac.set(sqlite, st);
  }
  return st.get() ?? sealed(sqlite, key);
}

/** Seals the transfers written before the keyed chain existed; run once at open (boot/core.ts), a no-op after. */
export function sealLedgerChain(app: { sqlite: Sqlite }): void {
  const { sqlite } = app;
  if (readSeal(sqlite, 'ledger')?.mac !== null) return;
  sqlite.transaction(() => sealed(sqlite, writerChainKey(sqlite))).immediate();
}

/** The ledger chain's head: the last transfer (seq) and its mac (the seal's, when none was written since). */
export function ledgerHead(app: { sqlite: Sqlite }): Head | null {
  const last = app.sqlite.prepare<[], { seq: number; mac: string | null }>('SELECT seq, mac FROM ledger_transfers ORDER BY seq DESC LIMIT 1').get();
  if (last?.mac) return { id: last.seq, mac: last.mac };
  const seal = readSeal(app.sqlite, 'ledger');
  return seal?.mac ? { id: seal.lastId, mac: seal.mac } : null;
}
