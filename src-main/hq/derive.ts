import type { PoolClient } from 'pg';
import { z } from 'zod';
import { commandOutcome, COMMAND_JOURNAL_KIND } from '../kernel/hq-command';
import type { JournalRow } from '../kernel/journal-hash';
import { issuesText } from './wire';

/**
 * The read tables HQ derives from the journal kinds it knows (docs/headquarters.md, the kinds
 * table): every row is stored as it came in hq_journal; a row of a known kind and version is also
 * read into hq_transfers, hq_opening_balances, hq_drivers or hq_statements, in the same
 * transaction. A known kind whose payload does not read is refused rather than stored half-read, so
 * the read tables never miss a transfer the journal has. Unknown kinds and versions are only stored.
 */

const fen = z.number().int();
const id = z.string().min(1);
/** An optional reference, as the depot writes it (null or absent when none). */
const ref = z.union([z.string(), z.number()]).nullish();

const transferSchema = z.object({
  id,
  debit: id,
  credit: id,
  amount: fen,
  code: z.union([z.string().min(1), z.number()]),
  phase: z.string().nullish(),
  pendingId: ref,
  sessionId: ref,
  orderId: ref,
  campaignId: ref,
  debtId: ref,
  statementRow: ref,
  at: z.number().int().nullish(),
});

const ledgerSchema = z.object({ op: z.string().nullish(), transfers: z.array(transferSchema) });

const openingSchema = z.object({
  part: z.number().int(),
  parts: z.number().int(),
  accounts: z.array(z.object({ id, debitsPosted: fen, creditsPosted: fen, debitsPending: fen, creditsPending: fen })),
});

const driverSchema = z.object({ driverId: id, phone: z.string().nullish(), name: z.string().nullish() });

const statementSchema = z.object({
  statementId: id,
  channel: z.string(),
  merchantId: z.string().nullish(),
  billDates: z.array(z.unknown()),
  rowCount: z.number().int(),
  paymentCount: z.number().int(),
  refundCount: z.number().int(),
  paymentTotalFen: fen,
  refundTotalFen: fen,
  feeTotalFen: fen,
  netFen: fen,
});

export interface TransferRecord {
  seq: number;
  transfer_id: string;
  op: string | null;
  debit: string;
  credit: string;
  amount: number;
  code: string;
  phase: string | null;
  pending_id: string | null;
  session_id: string | null;
  order_id: string | null;
  campaign_id: string | null;
  debt_id: string | null;
  statement_row: string | null;
  at: number;
}

/** A read-table record, keyed by the journal row it came from. */
export interface SeqRecord {
  seq: number;
  [column: string]: unknown;
}

export interface Derived {
  transfers: TransferRecord[];
  opening: SeqRecord[];
  drivers: SeqRecord[];
  statements: SeqRecord[];
  /** Outcomes of HQ's commands (hq.command rows): each marks its command in hq_commands. */
  commands: CommandRecord[];
}

export interface CommandRecord {
  seq: number;
  commandId: string;
  outcome: 'done' | 'refused';
  /** The row's payload: { commandId, kind, outcome, reason?, result? }. */
  payload: unknown;
}

export const emptyDerived = (): Derived => ({ transfers: [], opening: [], drivers: [], statements: [], commands: [] });

const text = (v: string | number | null | undefined): string | null => (v === null || v === undefined ? null : String(v));

type Reader = (row: JournalRow, out: Derived) => void;

function ledgerReader(row: JournalRow, out: Derived): void {
  const p = ledgerSchema.parse(row.payload);
  for (const t of p.transfers) {
    out.transfers.push({
      seq: row.seq,
      transfer_id: t.id,
      op: p.op ?? null,
      debit: t.debit,
      credit: t.credit,
      amount: t.amount,
      code: String(t.code),
      phase: t.phase ?? null,
      pending_id: text(t.pendingId),
      session_id: text(t.sessionId),
      order_id: text(t.orderId),
      campaign_id: text(t.campaignId),
      debt_id: text(t.debtId),
      statement_row: text(t.statementRow),
      at: t.at ?? row.at,
    });
  }
}

/** The kinds (and versions) HQ reads into tables. */
const READERS: Record<string, Reader> = {
  'ledger.operation@1': ledgerReader,
  'ledger.transfers@1': ledgerReader,
  'ledger.opening_balances@1': (row, out) => {
    const p = openingSchema.parse(row.payload);
    for (const a of p.accounts) {
      out.opening.push({
        seq: row.seq,
        part: p.part,
        parts: p.parts,
        account_id: a.id,
        debits_posted: a.debitsPosted,
        credits_posted: a.creditsPosted,
        debits_pending: a.debitsPending,
        credits_pending: a.creditsPending,
      });
    }
  },
  'driver.registered@1': (row, out) => {
    const p = driverSchema.parse(row.payload);
    out.drivers.push({ seq: row.seq, at: row.at, driver_id: p.driverId, phone: p.phone ?? null, name: p.name ?? null });
  },
  'recon.statement_imported@1': (row, out) => {
    const p = statementSchema.parse(row.payload);
    out.statements.push({
      seq: row.seq,
      at: row.at,
      statement_id: p.statementId,
      channel: p.channel,
      merchant_id: p.merchantId ?? null,
      bill_dates: p.billDates,
      row_count: p.rowCount,
      payment_count: p.paymentCount,
      refund_count: p.refundCount,
      payment_total_fen: p.paymentTotalFen,
      refund_total_fen: p.refundTotalFen,
      fee_total_fen: p.feeTotalFen,
      net_fen: p.netFen,
    });
  },
  [`${COMMAND_JOURNAL_KIND}@1`]: (row, out) => {
    const p = commandOutcome.parse(row.payload);
    out.commands.push({ seq: row.seq, commandId: p.commandId, outcome: p.outcome, payload: row.payload });
  },
};

/** True when a string or key in the value holds U+0000, which PostgreSQL's jsonb cannot store. */
function hasNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(hasNul);
  if (value && typeof value === 'object') return Object.entries(value).some(([k, v]) => k.includes('\u0000') || hasNul(v));
  return false;
}

export interface PayloadProblem {
  seq: number;
  reason: 'unreadable_payload' | 'unstorable_payload';
  detail: string;
}

/**
 * Reads the rows' payloads into `out` in order, stopping at the first that cannot be stored or
 * read; returns that row's problem (its records and the later rows' are not in `out`).
 */
export function derive(rows: readonly JournalRow[], out: Derived): PayloadProblem | null {
  for (const row of rows) {
    if (hasNul(row.payload)) return { seq: row.seq, reason: 'unstorable_payload', detail: `row ${row.seq}'s payload holds a NUL character (U+0000)` };
    const reader = READERS[`${row.kind}@${row.v}`];
    if (!reader) continue;
    const before = { t: out.transfers.length, o: out.opening.length, d: out.drivers.length, s: out.statements.length, c: out.commands.length };
    try {
      reader(row, out);
    } catch (e) {
      out.transfers.length = before.t;
      out.opening.length = before.o;
      out.drivers.length = before.d;
      out.statements.length = before.s;
      out.commands.length = before.c;
      const detail = e instanceof z.ZodError ? issuesText(e) : (e as Error).message;
      return { seq: row.seq, reason: 'unreadable_payload', detail: `row ${row.seq} (${row.kind} v${row.v}): ${detail}` };
    }
  }
  return null;
}

/** Drops the records of rows at or after `seq` (a row refused later cuts the prefix). */
export function cutDerived(out: Derived, seq: number): void {
  out.transfers = out.transfers.filter((r) => r.seq < seq);
  out.opening = out.opening.filter((r) => r.seq < seq);
  out.drivers = out.drivers.filter((r) => r.seq < seq);
  out.statements = out.statements.filter((r) => r.seq < seq);
  out.commands = out.commands.filter((r) => r.seq < seq);
}

/**
 * Marks HQ's commands done or refused from the depot's hq.command rows, inside the ingesting
 * transaction (ingest.ts insertRows). Only a command of this depot still 'sent' changes: a row for
 * a command this HQ never issued (another HQ database, a test) is stored in hq_journal and marks
 * nothing, and a command is marked once (the depot journals it once, under its key).
 */
export async function markCommands(client: PoolClient, depot: string, records: readonly CommandRecord[]): Promise<void> {
  if (records.length === 0) return;
  await client.query(
    `UPDATE hq_commands c SET state = x.outcome, outcome = x.payload, done_seq = x.seq, done_at = now()
       FROM jsonb_to_recordset($2::jsonb) AS x(command_id text, outcome text, payload jsonb, seq bigint)
      WHERE c.id = x.command_id AND c.depot_id = $1 AND c.state = 'sent'`,
    [depot, JSON.stringify(records.map((r) => ({ command_id: r.commandId, outcome: r.outcome, payload: r.payload, seq: r.seq })))],
  );
}
