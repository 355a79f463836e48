import { DepotError } from '../../kernel/errors';
import type { DeclaredFigure, Statement, StatementFees, StatementRow, StatementSummary } from './types';
import { chinaDates } from './values';

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

/** Counts and totals of the rows; the readers have already checked them against the file's own. */
export function summarize(rows: readonly StatementRow[], declared: DeclaredFigure[], feesReconcilable: boolean): { summary: StatementSummary; fees: StatementFees } {
  let paymentCount = 0;
  let paymentTotal = 0;
  let refundTotal = 0;
  let refundOut = 0;
  let paymentFees = 0;
  let refundFees = 0;
  for (const row of rows) {
    if (row.kind === 'payment') {
      paymentCount++;
      paymentTotal += row.amountFen;
      paymentFees += row.feeFen;
    } else {
      refundTotal += row.amountFen;
      refundOut += Math.abs(row.amountFen);
      refundFees += row.feeFen;
    }
  }
  const summary: StatementSummary = {
    count: rows.length,
    paymentCount,
    refundCount: rows.length - paymentCount,
    paymentTotalFen: safe(paymentTotal),
    refundTotalFen: safe(refundTotal),
    netFen: safe(paymentTotal - refundOut),
    declared,
  };
  const fees: StatementFees = {
    totalFen: safe(paymentFees + refundFees),
    paymentFeesFen: safe(paymentFees),
    refundFeesFen: safe(refundFees),
    reconcilable: feesReconcilable,
  };
  return { summary, fees };
}

export interface FileFacts {
  fileName: string;
  fileSha256: string;
  compression: Statement['compression'];
  entryName: string | undefined;
}

export function buildStatement(parsed: ParsedStatement, file: FileFacts): Statement {
  const { declared, feesReconcilable, billDates, ...rest } = parsed;
  const { summary, fees } = summarize(parsed.rows, declared, feesReconcilable);
  return {
    ...rest,
    ...file,
    billDates: billDates ?? chinaDates(parsed.rows.map((r) => r.time)),
    summary,
    fees,
  };
}
