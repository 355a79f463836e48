import { z } from 'zod';
import type { AppContext } from '../kernel/context';
import { cachedStatement } from '../kernel/db/statements';
import { ALL_ROLES, method } from '../kernel/method';
import { BREAK_KINDS, type BreakKind } from './schema';

/**
 * Unresolved breaks (差错) at a glance, for the dashboard: per kind, how many are open or await a
 * write-off approval, the money they are about (the sum of |gateway − ours|), and the oldest day.
 *
 * Guarantee (test/reconciliation/summary.test.ts): the kinds add up to what recon.breaks lists as
 * unresolved; resolved and written-off breaks are in none.
 */

export interface OpenBreakSummary {
  kinds: { kind: BreakKind; breaks: number; awaitingApproval: number; amountFen: number; oldestDay: string | null }[];
  totals: { breaks: number; awaitingApproval: number; amountFen: number };
}

interface Row {
  kind: BreakKind;
  breaks: number;
  awaitingApproval: number;
  amountFen: number;
  oldestDay: string;
}

const SQL = `SELECT kind, count(*) AS breaks, sum(state = 'write_off_requested') AS awaitingApproval, sum(abs(diff_fen)) AS amountFen, min(day) AS oldestDay
  FROM recon_breaks WHERE state IN ('open', 'write_off_requested') GROUP BY kind`;

export function openBreakSummary(app: Pick<AppContext, 'sqlite'>): OpenBreakSummary {
  const rows = new Map(
    cachedStatement<Row>(app.sqlite, SQL)
      .all()
      .map((r) => [r.kind, r]),
  );
  const kinds = BREAK_KINDS.map((kind) => {
    const r = rows.get(kind);
    return { kind, breaks: r?.breaks ?? 0, awaitingApproval: r?.awaitingApproval ?? 0, amountFen: r?.amountFen ?? 0, oldestDay: r?.oldestDay ?? null };
  });
  const sum = (f: (k: (typeof kinds)[number]) => number) => kinds.reduce((s, k) => s + f(k), 0);
  return { kinds, totals: { breaks: sum((k) => k.breaks), awaitingApproval: sum((k) => k.awaitingApproval), amountFen: sum((k) => k.amountFen) } };
}

export const reconSummaryMethods = {
  'recon.openBreaks': method({
    summary: 'Unresolved breaks (open or awaiting write-off approval) per kind: count, money at stake (sum of |gateway − ours| in fen), oldest day.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({}),
    output: z.object({
      kinds: z.array(
        z.object({ kind: z.enum(BREAK_KINDS), breaks: z.number(), awaitingApproval: z.number(), amountFen: z.number().int(), oldestDay: z.string().nullable() }),
      ),
      totals: z.object({ breaks: z.number(), awaitingApproval: z.number(), amountFen: z.number().int() }),
    }),
    handler: ({ app }) => openBreakSummary(app),
  }),
};
