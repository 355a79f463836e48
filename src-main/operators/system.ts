import type { AppContext } from '../kernel/context';
import type { DoctorCheck, FigureProvider } from '../kernel/plugins';
import { verifyAudit } from './audit';
import { countRows } from '../kernel/db/rows';

/** Operators who can sign in, and the audited actions since the business day began. */
export const operatorFigures: FigureProvider = (app, dayStart) => {
  const one = (sql: string, ...args: unknown[]) => countRows(app.sqlite.prepare(sql), ...args);
  return [
    { key: 'operators.active', value: one('SELECT count(*) AS n FROM operators WHERE disabled = 0'), unit: 'count' },
    { key: 'audit.actionsToday', value: one('SELECT count(*) AS n FROM audit_log WHERE at >= ?', dayStart), unit: 'count' },
  ];
};

/** The audit log's chains are intact and hold every signed checkpoint: no row was edited, removed or inserted by hand. */
export function auditDoctorCheck(app: AppContext): DoctorCheck {
  const audit = verifyAudit(app);
  const problem = audit.broken
    ? audit.broken.id > 0
      ? `audit row ${audit.broken.id}: ${audit.broken.reason}`
      : audit.broken.reason
    : `checkpoint ${audit.checkpoints.forged.join(', ')}: its signature does not hold`;
  return {
    name: 'audit_chain',
    ok: audit.ok,
    detail: audit.ok ? `${audit.rows} audit rows, keyed chain intact, held to ${audit.checkpoints.checked} checkpoint(s)` : problem,
  };
}
