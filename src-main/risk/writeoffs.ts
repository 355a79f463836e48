import type { AppContext } from '../kernel/context';
import { writeTx } from '../kernel/db/connection';
import { allRows, countRows, getRow } from '../kernel/db/rows';
import { DepotError, expectChanges } from '../kernel/errors';
import { findDebt, writeOffDebt } from '../ledger';
import type { WriteOffState } from './schema';

/**
 * Debt write-off (坏账核销) as a request and a second person's decision.
 *
 * Guarantees (test/risk/writeoffs.test.ts):
 * - Finance asks, with a reason, for an open debt; one pending request per debt (a unique index).
 * - Someone else (finance or a supervisor) approves or rejects it, once (guarded UPDATE); the
 *   requester's own decision is refused at every door.
 * - Approval writes the debt off in the ledger in the same transaction (writeOffDebt, key
 *   risk:writeoff:<request>): write-offs (debit) ← the driver's debt (credit), what is still owed at
 *   that moment. A debt paid meanwhile cannot be written off: the approval is refused, nothing moves.
 */

export interface WriteOffRequest {
  id: string;
  debtId: string;
  driverId: string;
  amountFen: number;
  reason: string;
  state: WriteOffState;
  requestedBy: string;
  requestedAt: number;
  decidedBy: string | null;
  decidedAt: number | null;
  decisionNote: string | null;
  ledgerKey: string | null;
}

const COLUMNS = `id, debt_id AS debtId, driver_id AS driverId, amount_fen AS amountFen, reason, state, requested_by AS requestedBy, requested_at AS requestedAt,
  decided_by AS decidedBy, decided_at AS decidedAt, decision_note AS decisionNote, ledger_key AS ledgerKey`;

export function getWriteOff(app: Pick<AppContext, 'sqlite'>, id: string): WriteOffRequest {
  const r = getRow<WriteOffRequest>(app.sqlite.prepare(`SELECT ${COLUMNS} FROM risk_debt_write_offs WHERE id = ?`), id);
  if (!r) throw new DepotError('not_found', `requestId: no write-off request ${id}`, { field: 'requestId' });
  return r;
}

export function listWriteOffs(app: Pick<AppContext, 'sqlite'>, f: { state?: WriteOffState; limit?: number } = {}): { total: number; requests: WriteOffRequest[] } {
  const where = 'WHERE (@state IS NULL OR state = @state)';
  return {
    total: countRows(app.sqlite.prepare(`SELECT count(*) AS n FROM risk_debt_write_offs ${where}`), { state: f.state ?? null }),
    requests: allRows<WriteOffRequest>(app.sqlite.prepare(`SELECT ${COLUMNS} FROM risk_debt_write_offs ${where} ORDER BY requested_at DESC, id DESC LIMIT @limit`), {
      state: f.state ?? null,
      limit: f.limit ?? 200,
    }),
  };
}

export function requestWriteOff(app: AppContext, debtId: string, reason: string, by: { operatorId: string }): WriteOffRequest {
  const why = reason.trim();
  if (!why) throw new DepotError('invalid_input', 'reason: say why the debt cannot be collected', { field: 'reason' });
  return writeTx(app.sqlite, () => {
    const debt = findDebt(app, debtId);
    if (!debt) throw new DepotError('not_found', `debtId: no debt ${debtId}`, { field: 'debtId' });
    if (debt.status !== 'open') throw new DepotError('conflict', `debtId: debt ${debtId} is ${debt.status}`, { field: 'debtId', status: debt.status });
    const pending = getRow<{ id: string }>(app.sqlite.prepare("SELECT id FROM risk_debt_write_offs WHERE debt_id = ? AND state = 'pending'"), debtId);
    if (pending) throw new DepotError('conflict', `debtId: a write-off of debt ${debtId} is already waiting for approval (${pending.id})`, { field: 'debtId' });
    const id = app.ids.next();
    app.sqlite
      .prepare(`INSERT INTO risk_debt_write_offs (id, debt_id, driver_id, amount_fen, reason, state, requested_by, requested_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)`)
      .run(id, debtId, debt.driverId, debt.owedFen, why, by.operatorId, app.clock.now());
    return getWriteOff(app, id);
  });
}

function decide(app: AppContext, id: string, approve: boolean, note: string | null, by: { operatorId: string }): WriteOffRequest {
  return writeTx(app.sqlite, () => {
    const r = getWriteOff(app, id);
    if (r.state !== 'pending') throw new DepotError('conflict', `requestId: ${id} was already ${r.state}`, { field: 'requestId', state: r.state });
    if (r.requestedBy === by.operatorId)
      throw new DepotError('forbidden', 'requestId: a write-off is decided by someone other than who asked for it', { field: 'requestId' });
    const key = approve ? `risk:writeoff:${id}` : null;
    if (approve) writeOffDebt(app, { key: key!, debtId: r.debtId, memo: `坏账核销 ${r.reason}` }, by);
    expectChanges(
      app.sqlite
        .prepare("UPDATE risk_debt_write_offs SET state = ?, decided_by = ?, decided_at = ?, decision_note = ?, ledger_key = ? WHERE id = ? AND state = 'pending'")
        .run(approve ? 'approved' : 'rejected', by.operatorId, app.clock.now(), note, key, id),
      1,
      `decide write-off request ${id}`,
    );
    return getWriteOff(app, id);
  });
}

export function approveWriteOff(app: AppContext, id: string, note: string | undefined, by: { operatorId: string }): WriteOffRequest {
  return decide(app, id, true, note?.trim() || null, by);
}

export function rejectWriteOff(app: AppContext, id: string, note: string, by: { operatorId: string }): WriteOffRequest {
  const n = note.trim();
  if (!n) throw new DepotError('invalid_input', 'note: say why the debt stays', { field: 'note' });
  return decide(app, id, false, n, by);
}
