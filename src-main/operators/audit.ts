import crypto from 'node:crypto';
import type { AppContext } from '../kernel/context';
import type { OperatorIdentity, Transport } from '../kernel/method';
import { iterateRows } from '../kernel/db/rows';

/**
 * The audit log.
 *
 * Guarantees:
 * - Every command (a contract method that changes something) appends one row: who, when, which
 *   method, a summary of the input with secrets removed, and the result code.
 * - Rows are never updated or deleted (triggers refuse it).
 * - Each row's hash is SHA-256 over the previous row's hash and this row's content, so
 *   `verifyAudit` finds the first row that was edited, deleted or inserted out of band.
 */

const GENESIS = '0'.repeat(64);
const SECRET_KEY = /pass(word)?|secret|token/i;
const SUMMARY_MAX = 1000;

export interface AuditEntry {
  operator: OperatorIdentity | null;
  transport: Transport;
  method: string;
  input: unknown;
  result: string;
}

export interface AuditRow {
  id: number;
  at: number;
  operatorId: string | null;
  operatorName: string | null;
  transport: string;
  method: string;
  inputSummary: string;
  result: string;
  prevHash: string;
  hash: string;
}

export function summarizeInput(input: unknown): string {
  const json = JSON.stringify(input ?? {}, (key, value: unknown) => (key && SECRET_KEY.test(key) ? '***' : value)) ?? '{}';
  return json.length > SUMMARY_MAX ? `${json.slice(0, SUMMARY_MAX - 1)}…` : json;
}

export function rowHash(prevHash: string, r: Omit<AuditRow, 'prevHash' | 'hash'>): string {
  const content = JSON.stringify([r.id, r.at, r.operatorId, r.operatorName, r.transport, r.method, r.inputSummary, r.result]);
  return crypto.createHash('sha256').update(prevHash).update('\n').update(content).digest('hex');
}

export function appendAudit(app: AppContext, entry: AuditEntry): AuditRow {
  const { sqlite } = app;
  const row = sqlite
    .transaction(() => {
      const last = sqlite.prepare<unknown[], { id: number; hash: string }>('SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1').get();
      const base = {
        id: (last?.id ?? 0) + 1,
        at: app.clock.now(),
        operatorId: entry.operator?.id ?? null,
        operatorName: entry.operator?.name ?? null,
        transport: entry.transport,
        method: entry.method,
        inputSummary: summarizeInput(entry.input),
        result: entry.result,
      };
      const prevHash = last?.hash ?? GENESIS;
      const full: AuditRow = { ...base, prevHash, hash: rowHash(prevHash, base) };
      sqlite
        .prepare(
          `INSERT INTO audit_log (id, at, operator_id, operator_name, transport, method, input_summary, result, prev_hash, hash)
           VALUES (@id, @at, @operatorId, @operatorName, @transport, @method, @inputSummary, @result, @prevHash, @hash)`,
        )
        .run(full);
      return full;
    })
    .immediate();
  app.events.emit('audit.appended', { id: row.id, method: row.method, operator: row.operatorName, result: row.result });
  return row;
}

export interface AuditVerdict {
  ok: boolean;
  rows: number;
  /** The first row whose chain is broken, with what is wrong with it. */
  broken: { id: number; reason: string } | null;
}

export function verifyAudit(app: Pick<AppContext, 'sqlite'>): AuditVerdict {
  const stmt = app.sqlite.prepare(
    `SELECT id, at, operator_id AS operatorId, operator_name AS operatorName, transport, method,
            input_summary AS inputSummary, result, prev_hash AS prevHash, hash
     FROM audit_log ORDER BY id`,
  );
  let prev = GENESIS;
  let expectedId = 1;
  let rows = 0;
  for (const r of iterateRows<AuditRow>(stmt)) {
    rows += 1;
    if (r.id !== expectedId) {
      return { ok: false, rows, broken: { id: r.id, reason: `row ${expectedId} is missing before row ${r.id}` } };
    }
    if (r.prevHash !== prev) {
      return { ok: false, rows, broken: { id: r.id, reason: 'prev_hash does not match the previous row' } };
    }
    const { prevHash: _p, hash: _h, ...content } = r;
    if (rowHash(prev, content) !== r.hash) {
      return { ok: false, rows, broken: { id: r.id, reason: 'content does not match its hash (the row was edited)' } };
    }
    prev = r.hash;
    expectedId += 1;
  }
  return { ok: true, rows, broken: null };
}
