import Decimal from 'decimal.js';
import { PERIODS, type Period } from '../tariffs';

/**
 * Splitting a settled session's electricity and service fees across the time-of-use periods
 * (尖峰平谷) it was priced in, in whole fen, so that for every session the parts add up exactly to
 * what was charged.
 *
 * The rule (docs/reports.md): the tariff quote gives each period's electricity and service in yuan
 * to 4 decimals; each period first gets the whole fen of its share (rounded down), and the fen left
 * over — the session's charged electricity fen minus the sum of those — go one each to the periods
 * with the largest remainders below the fen, ties to the earlier period in 尖 峰 平 谷 order. The
 * same for service against the session's service fen. A session priced without a quote (none
 * recorded) is reported in one line, "unallocated".
 *
 * Guarantees (test/reports/allocation.test.ts): the parts are whole fen, none negative, and sum to
 * the session's electricity fen and service fen exactly; a period with no energy gets nothing unless
 * the charged total is larger than the quote's sum (then the largest remainder rule still applies).
 */

export type Allocation = Record<Period, number>;

/** Splits `totalFen` across the periods in proportion to `shares` (yuan), by the largest remainder. */
export function allocateFen(totalFen: number, shares: Record<Period, string | Decimal>): Allocation {
  const exact = PERIODS.map((p) => new Decimal(shares[p]).times(100));
  const floors = exact.map((x) => (x.isNegative() ? 0 : x.floor().toNumber()));
  let left = totalFen - floors.reduce((s, x) => s + x, 0);
  const out = Object.fromEntries(PERIODS.map((p, i) => [p, floors[i]])) as Allocation;
  if (left < 0) {
    // Charged less than the quote's whole fen (it cannot be, but never report more than charged):
    // take the surplus back from the largest parts, later periods first.
    for (let i = PERIODS.length - 1; left < 0 && i >= 0; i = i === 0 ? PERIODS.length - 1 : i - 1) {
      const p = PERIODS[i];
      if (out[p] > 0) {
        out[p] -= 1;
        left += 1;
      }
    }
    return out;
  }
  const order = PERIODS.map((p, i) => ({ p, i, rem: exact[i].minus(floors[i]) })).sort((a, b) => b.rem.comparedTo(a.rem) || a.i - b.i);
  for (let k = 0; left > 0; k = (k + 1) % order.length, left -= 1) out[order[k].p] += 1;
  return out;
}
