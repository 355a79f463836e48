import type { AppContext } from '../kernel/context';
import { DAY_MS } from '../kernel/clock';
import { couponsOutstanding, driverMovements, listDebts, openHolds, trialBalance, type MovementByCode } from '../ledger';

/**
 * Wallets and liabilities (余额与负债): what the depot owes its drivers and what they owe it.
 *
 * Guarantees (test/reports/ledger-ties.test.ts): the wallets' opening balance plus every movement
 * in the period equals the closing balance, and the closing figures equal the trial balance's
 * (both from posted ledger transfers); debts outstanding are split into ageing buckets that add up
 * to the total owed.
 */

export const AGEING_BUCKETS = [
  { key: '0-7', min: 0, max: 7 },
  { key: '8-30', min: 8, max: 30 },
  { key: '31-90', min: 31, max: 90 },
  { key: '>90', min: 91, max: Infinity },
] as const;
export type AgeingBucket = (typeof AGEING_BUCKETS)[number]['key'];

export interface LiabilitiesReport {
  from: number;
  to: number;
  wallets: { openingFen: number; closingFen: number; movements: MovementByCode[] };
  held: { closingFen: number; openHolds: number; openHoldsFen: number };
  coupons: { coupons: number; faceFen: number; remainingFen: number };
  points: { openingPoints: number; closingPoints: number };
  debts: {
    openingFen: number;
    closingFen: number;
    collectedFen: number;
    writtenOffFen: number;
    open: number;
    ageing: { bucket: AgeingBucket; debts: number; owedFen: number }[];
  };
}

export function liabilitiesReport(app: AppContext, opts: { from: number; to: number }): LiabilitiesReport {
  const tb = trialBalance(app, opts.from, opts.to);
  const line = (account: string) => tb.find((l) => l.account === account) ?? { opening: 0, closing: 0 };
  const moves = driverMovements(app, opts.from, opts.to);
  const holds = openHolds(app, { limit: 1_000_000 });
  const open = listDebts(app, { status: 'open', limit: 1_000_000 });
  const now = opts.to;
  const ageing = AGEING_BUCKETS.map((b) => {
    const inBucket = open.filter((d) => {
      const days = Math.floor((now - d.createdAt) / DAY_MS);
      return days >= b.min && days <= b.max;
    });
    return { bucket: b.key, debts: inBucket.length, owedFen: inBucket.reduce((s, d) => s + d.owedFen, 0) };
  });
  const debtMoves = moves.filter((m) => m.type === 'debt');
  const sumCode = (code: string) => debtMoves.filter((m) => m.code === code).reduce((s, m) => s + m.credits, 0);
  return {
    from: opts.from,
    to: opts.to,
    wallets: { openingFen: line('drivers:wallet').opening, closingFen: line('drivers:wallet').closing, movements: moves.filter((m) => m.type === 'wallet') },
    held: { closingFen: line('drivers:held').closing, openHolds: holds.length, openHoldsFen: holds.reduce((s, h) => s + h.amountFen, 0) },
    coupons: couponsOutstanding(app),
    points: { openingPoints: line('drivers:points').opening, closingPoints: line('drivers:points').closing },
    debts: {
      // A debt account's balance is what is owed, on the debit side: shown positive.
      openingFen: -line('drivers:debt').opening,
      closingFen: -line('drivers:debt').closing,
      collectedFen: sumCode('debt_collect'),
      writtenOffFen: sumCode('debt_write_off'),
      open: open.length,
      ageing,
    },
  };
}
