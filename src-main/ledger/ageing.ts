import { z } from 'zod';
import type { AppContext } from '../kernel/context';
import { DAY_MS } from '../kernel/clock';
import { cachedStatement } from '../kernel/db/statements';
import { ALL_ROLES, method } from '../kernel/method';

/**
 * Open debts (欠费) by age, for the dashboard: how many and how much is owed 0–7, 8–30, 31–90 and
 * more than 90 days after the debt was recorded (the same buckets as the liabilities report).
 *
 * Guarantee (test/ledger/ageing.test.ts): every open debt is in exactly one bucket, so the buckets
 * add up to the open debts and the amount owed on them; settled and written-off debts are in none.
 */

export const DEBT_AGE_BUCKETS = [
  { key: '0-7', min: 0, max: 7 },
  { key: '8-30', min: 8, max: 30 },
  { key: '31-90', min: 31, max: 90 },
  { key: '>90', min: 91, max: Number.MAX_SAFE_INTEGER },
] as const;
export type DebtAgeBucket = (typeof DEBT_AGE_BUCKETS)[number]['key'];

export interface DebtAgeing {
  at: number;
  buckets: { bucket: DebtAgeBucket; debts: number; owedFen: number }[];
  totals: { debts: number; owedFen: number };
}

// better-sqlite3 binds numbers as REAL: the CAST makes whole days (truncated toward zero) again.
const SQL = `SELECT CAST((@now - created_at) / ${DAY_MS} AS INTEGER) AS days, count(*) AS debts, sum(amount - collected - written_off) AS owedFen
  FROM ledger_debts WHERE status = 'open' GROUP BY days`;

export function openDebtAgeing(app: Pick<AppContext, 'sqlite'>, now: number): DebtAgeing {
  const buckets = DEBT_AGE_BUCKETS.map((b) => ({ bucket: b.key as DebtAgeBucket, debts: 0, owedFen: 0 }));
  for (const r of cachedStatement<{ days: number; debts: number; owedFen: number }>(app.sqlite, SQL).iterate({ now })) {
    // A debt dated after `now` counts as new.
    const days = Math.max(0, r.days);
    const i = DEBT_AGE_BUCKETS.findIndex((b) => days >= b.min && days <= b.max);
    buckets[i].debts += r.debts;
    buckets[i].owedFen += r.owedFen;
  }
  return {
    at: now,
    buckets,
    totals: { debts: buckets.reduce((s, b) => s + b.debts, 0), owedFen: buckets.reduce((s, b) => s + b.owedFen, 0) },
  };
}

export const debtAgeingMethods = {
  'ledger.debtAgeing': method({
    summary: 'Open debts (欠费) by age since recorded: 0–7, 8–30, 31–90, >90 days, with the count and the amount owed in fen.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({}),
    output: z.object({
      at: z.number(),
      buckets: z.array(
        z.object({ bucket: z.enum(DEBT_AGE_BUCKETS.map((b) => b.key) as [DebtAgeBucket, ...DebtAgeBucket[]]), debts: z.number(), owedFen: z.number().int() }),
      ),
      totals: z.object({ debts: z.number(), owedFen: z.number().int() }),
    }),
    handler: ({ app }) => openDebtAgeing(app, app.clock.now()),
  }),
};
