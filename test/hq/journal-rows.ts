import { GENESIS_HASH, journalHash, type JournalRow } from '../../src-main/kernel/journal-hash';

/**
 * Journal rows as a depot writes them, built here with the shared hash (kernel/journal-hash.ts)
 * rather than by a depot, so the HQ tests need no depot: what HQ must accept is exactly what
 * journalHash chains.
 */

export const AT = Date.parse('2026-01-15T01:00:00Z');

export interface Fact {
  key: string;
  kind: string;
  v?: number;
  at?: number;
  payload: unknown;
}

/** Rows for `facts`, numbered and chained on from `after` (the start of the journal by default). */
export function chain(depot: string, facts: readonly Fact[], after: { seq: number; hash: string } = { seq: 0, hash: GENESIS_HASH }): JournalRow[] {
  let prev = after;
  return facts.map((f) => {
    const seq = prev.seq + 1;
    const base = { seq, key: f.key, kind: f.kind, v: f.v ?? 1, at: f.at ?? AT + seq * 1_000, prev: prev.hash, payload: f.payload };
    const row = { ...base, hash: journalHash(depot, base) };
    prev = row;
    return row;
  });
}

export interface Transfer {
  id: string;
  debit: string;
  credit: string;
  amount: number;
  code: string;
  phase: string;
  pendingId: string | null;
  sessionId: string | null;
  orderId: string | null;
  campaignId: string | null;
  debtId: string | null;
  statementRow: string | null;
  at: number;
}

export function transfer(id: string, amount: number, code = 'topup', more: Partial<Transfer> = {}): Transfer {
  return {
    id,
    debit: 'depot:cash',
    credit: 'driver:d1:wallet',
    amount,
    code,
    phase: 'single',
    pendingId: null,
    sessionId: null,
    orderId: null,
    campaignId: null,
    debtId: null,
    statementRow: null,
    at: AT,
    ...more,
  };
}

/** A `ledger.operation` fact under its operation key. */
export function operation(key: string, transfers: Transfer[], op = 'topup'): Fact {
  return { key, kind: 'ledger.operation', payload: { op, operator: 'op-1', transfers } };
}

/** `n` top-up operations, each one transfer of a different amount; ids and keys start at `from`. */
export function topUps(n: number, from = 1, prefix = 'op'): Fact[] {
  return Array.from({ length: n }, (_, i) => {
    const k = from + i;
    return operation(`${prefix}:${k}`, [transfer(`${prefix}-t${k}`, 100 * k)]);
  });
}

export function batch(depot: string, rows: readonly JournalRow[], tip = rows.at(-1)?.seq ?? 0, name = 'Depot North') {
  return { type: 'journal', depot, name, tip, rows };
}
