import type { AppContext } from '../kernel/context';
import { listCampaigns, summaryOf } from '../compensation';
import { operatorNames } from '../operators';
import { listAdjustments, listTasks } from '../refunds';
import { listBreaks } from '../reconciliation';
import { listWriteOffs } from '../risk';

/**
 * Adjustments (调账与核销): everything that moved money by a decision rather than a charge, in a
 * period — compensation campaigns, manual refunds (售后退款), refund tasks, debt write-offs and
 * reconciliation write-offs — each with who created it and who approved it (display names).
 *
 * A record belongs to the period it was created in. Amounts are what was decided (a campaign: what
 * it credited; an adjustment: its amount; a task: the refund; a write-off: what was written off).
 */

export interface AdjustmentLine {
  kind: 'campaign' | 'manual_refund' | 'refund_task' | 'debt_write_off' | 'recon_write_off';
  id: string;
  description: string;
  state: string;
  amountFen: number;
  createdBy: string | null;
  createdAt: number;
  approvedBy: string | null;
  approvedAt: number | null;
}

const BIG = 1_000_000;

export function adjustmentsReport(app: AppContext, opts: { from: number; to: number }): AdjustmentLine[] {
  const inPeriod = (at: number) => at >= opts.from && at < opts.to;
  const lines: AdjustmentLine[] = [];
  for (const c of listCampaigns(app, { limit: BIG }).filter((x) => inPeriod(x.createdAt))) {
    const s = c.state === 'draft' || c.state === 'cancelled' ? null : summaryOf(app, c.id);
    lines.push({
      kind: 'campaign',
      id: c.id,
      description: `${c.name} (${c.target})`,
      state: c.state,
      amountFen: c.target === 'points' ? 0 : (s?.creditedTotal ?? c.dryRunTotal ?? 0),
      createdBy: c.createdBy,
      createdAt: c.createdAt,
      approvedBy: c.approvedBy,
      approvedAt: c.approvedAt,
    });
  }
  for (const a of listAdjustments(app, { limit: BIG }).filter((x) => inPeriod(x.createdAt))) {
    lines.push({
      kind: 'manual_refund',
      id: a.id,
      description: `${a.target === 'session' ? `session ${a.sessionId}` : `order ${a.orderId}`}: ${a.reason}`,
      state: a.state,
      amountFen: a.amount,
      createdBy: a.createdBy,
      createdAt: a.createdAt,
      approvedBy: a.state === 'approved' ? a.resolvedBy : null,
      approvedAt: a.state === 'approved' ? a.resolvedAt : null,
    });
  }
  for (const t of listTasks(app, { limit: BIG }).filter((x) => inPeriod(x.createdAt))) {
    lines.push({
      kind: 'refund_task',
      id: t.id,
      description: `${t.channel} ${t.orderNumber}: ${t.reason}`,
      state: t.state,
      amountFen: t.amount,
      createdBy: t.createdBy,
      createdAt: t.createdAt,
      approvedBy: t.resolvedBy,
      approvedAt: t.resolvedAt,
    });
  }
  for (const w of listWriteOffs(app, { limit: BIG }).requests.filter((x) => inPeriod(x.requestedAt))) {
    lines.push({
      kind: 'debt_write_off',
      id: w.id,
      description: `debt ${w.debtId}: ${w.reason}`,
      state: w.state,
      amountFen: w.amountFen,
      createdBy: w.requestedBy,
      createdAt: w.requestedAt,
      approvedBy: w.state === 'approved' ? w.decidedBy : null,
      approvedAt: w.state === 'approved' ? w.decidedAt : null,
    });
  }
  for (const b of listBreaks(app, { state: 'written_off', limit: BIG }).breaks.filter((x) => inPeriod(x.requestedAt ?? x.openedAt))) {
    lines.push({
      kind: 'recon_write_off',
      id: b.id,
      description: `${b.kind} ${b.orderNumber ?? b.refundNo ?? ''} (${b.day}): ${b.note ?? ''}`,
      state: b.state,
      amountFen: Math.abs(b.diffFen),
      createdBy: b.requestedBy,
      createdAt: b.requestedAt ?? b.openedAt,
      approvedBy: b.resolvedBy,
      approvedAt: b.resolvedAt,
    });
  }
  return lines.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
}

/** Operator ids to display names, for the report's who-columns. */
export function namesOf(app: AppContext, lines: readonly AdjustmentLine[]): Map<string, string> {
  const ids = [...new Set(lines.flatMap((l) => [l.createdBy, l.approvedBy]).filter((x): x is string => Boolean(x)))];
  return operatorNames(app, ids);
}
