import { DepotError } from '../../kernel/errors';
import type { DeclaredFigure, Statement, StatementFees, StatementRow, StatementSummary } from './types';
import { DAY_MS } from '../../kernel/clock';
import { CHINA_OFFSET_MS, chinaDate } from './values';

/** What a format reader hands over; the file-level facts (hash, compression) are added by detect.ts. */
export type ParsedStatement = Omit<Statement, 'fileName' | 'fileSha256' | 'compression' | 'entryName' | 'summary' | 'fees' | 'billDates'> & {
  declared: DeclaredFigure[];
  feesReconcilable: boolean;
  /** When the format states its dates (Alipay's header); otherwise they come from the rows. */
  billDates?: string[];
};

function safe(total: number): number {
  if (!Number.isSafeInteger(total)) throw new DepotError('internal', 'a statement total left the safe integer range');
  return total;
}

/**
 * Counts, totals and China dates of rows added one at a time: what a streamed import knows of a
 * file's rows once they have gone to the database (a million of them are never held at once).
 */
export class RowTally {
  count = 0;
  private paymentCount = 0;
  private paymentTotal = 0;
  private refundTotal = 0;
  private refundOut = 0;
  private paymentFees = 0;
  private refundFees = 0;
  private readonly days = new Set<string>();
  private lastDay = Number.NaN;

  add(row: StatementRow): void {
    this.count++;
    if (row.kind === 'payment') {
      this.paymentCount++;
      this.paymentTotal += row.amountFen;
      this.paymentFees += row.feeFen;
    } else {
      this.refundTotal += row.amountFen;
      this.refundOut += Math.abs(row.amountFen);
      this.refundFees += row.feeFen;
    }
    const day = Math.floor((row.time + CHINA_OFFSET_MS) / DAY_MS);
    if (day === this.lastDay) return; // rows come in runs of one day; skip the formatting
    this.lastDay = day;
    this.days.add(chinaDate(row.time));
  }

  /** The rows' China dates (yyyy-MM-dd), sorted. */
  dates(): string[] {
    return [...this.days].sort();
  }

  /** Counts and totals of the rows; the readers have already checked them against the file's own. */
  result(declared: DeclaredFigure[], feesReconcilable: boolean): { summary: StatementSummary; fees: StatementFees } {
    const summary: StatementSummary = {
      count: this.count,
      paymentCount: this.paymentCount,
      refundCount: this.count - this.paymentCount,
      paymentTotalFen: safe(this.paymentTotal),
      refundTotalFen: safe(this.refundTotal),
      netFen: safe(this.paymentTotal - this.refundOut),
      declared,
    };
    const fees: StatementFees = {
      totalFen: safe(this.paymentFees + this.refundFees),
      paymentFeesFen: safe(this.paymentFees),
      refundFeesFen: safe(this.refundFees),
      reconcilable: feesReconcilable,
    };
    return { summary, fees };
  }
}

export function tallyOf(rows: readonly StatementRow[]): RowTally {
  const tally = new RowTally();
  for (const row of rows) tally.add(row);
  return tally;
}

export interface FileFacts {
  fileName: string;
  fileSha256: string;
  compression: Statement['compression'];
  entryName: string | undefined;
}

/** The statement of a parsed file; `tally` holds its rows' figures when they were streamed (parsed.rows is then empty). */
export function buildStatement(parsed: ParsedStatement, file: FileFacts, tally: RowTally = tallyOf(parsed.rows)): Statement {
  const { declared, feesReconcilable, billDates, ...rest } = parsed;
  const { summary, fees } = tally.result(declared, feesReconcilable);
  return {
    ...rest,
    ...file,
    billDates: billDates ?? tally.dates(),
    summary,
    fees,
  };
}
