import crypto from 'node:crypto';
import type { AppContext } from '../kernel/context';
import { DepotError } from '../kernel/errors';
import type { OperatorIdentity, Transport } from '../kernel/method';
import { iterateRows } from '../kernel/db/rows';
import type { Sqlite } from '../kernel/db/connection';
import {
  chainMac,
  keyMissing,
  readChainKey,
  readCheckpoints,
  readSeal,
  sealChain,
  trustedHeads,
  walkChain,
  writerChainKey,
  type ChainBreak,
  type Head,
} from '../kernel/chain';

/**
 * The audit log.
 *
 * Guarantees:
 * - Every command (a contract method that changes something) appends one row: who, when, which
 *   method, a summary of the input with secrets removed, and the result code.
 * - Rows are never updated or deleted (triggers refuse it; `doctor` names a dropped trigger).
 * - Each row's hash is SHA-256 over the previous row's hash and this row's content, so an edit
 *   that does not recompute the chain is found at that row even without the key.
 * - Each row's mac is HMAC-SHA256, with the chain key kept outside the database
 *   (kernel/chain.ts), over the previous row's mac and this row's hash. Someone who edits a row
 *   and recomputes the SHA-256 chain cannot recompute the macs: `verifyAudit` names the first row
 *   that was edited, inserted or removed, and the rows written before the chain existed are
 *   covered by the chain's seal.
 * - Removing the last rows is found against every signed checkpoint (backups, the daily one):
 *   `verifyAudit` fails when a recorded head is no longer in the log.
 * - Without the key file, `verifyAudit` fails saying so (`chain_key_missing`), and appending
 *   refuses: a new key is never made over an existing chain.
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
  mac: string | null;
}

export function summarizeInput(input: unknown): string {
  const json = JSON.stringify(input ?? {}, (key, value: unknown) => (key && SECRET_KEY.test(key) ? '***' : value)) ?? '{}';
  return json.length > SUMMARY_MAX ? `${json.slice(0, SUMMARY_MAX - 1)}…` : json;
}

export function rowHash(prevHash: string, r: Omit<AuditRow, 'prevHash' | 'hash' | 'mac'>): string {
  const content = JSON.stringify([r.id, r.at, r.operatorId, r.operatorName, r.transport, r.method, r.inputSummary, r.result]);
  return crypto.createHash('sha256').update(prevHash).update('\n').update(content).digest('hex');
}

export function appendAudit(app: AppContext, entry: AuditEntry): AuditRow {
  const { sqlite } = app;
  const row = sqlite
    .transaction(() => {
      const key = writerChainKey(sqlite);
      const last = sqlite.prepare<unknown[], { id: number; hash: string; mac: string | null }>('SELECT id, hash, mac FROM audit_log ORDER BY id DESC LIMIT 1').get();
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
      const hash = rowHash(prevHash, base);
      const prevMac = last?.mac ?? sealAudit(sqlite, key);
      const full: AuditRow = { ...base, prevHash, hash, mac: chainMac(key, prevMac, hash) };
      sqlite
        .prepare(
          `INSERT INTO audit_log (id, at, operator_id, operator_name, transport, method, input_summary, result, prev_hash, hash, mac)
           VALUES (@id, @at, @operatorId, @operatorName, @transport, @method, @inputSummary, @result, @prevHash, @hash, @mac)`,
        )
        .run(full);
      return full;
    })
    .immediate();
  app.events.emit('audit.appended', { id: row.id, method: row.method, operator: row.operatorName, result: row.result });
  return row;
}

/** The chain value after the rows sealed at the upgrade, sealing them now if that has not happened yet. */
function sealAudit(sqlite: Sqlite, key: crypto.KeyObject): string {
  const mac = sealChain(sqlite, 'audit', key, function* (lastId) {
    for (const r of iterateRows<{ hash: string }>(sqlite.prepare('SELECT hash FROM audit_log WHERE id <= ? ORDER BY id'), lastId)) yield r.hash;
  });
  if (mac === null) throw new DepotError('chain_broken', 'the audit chain has no seal record (app_meta chain.audit.seal): run depotdesk audit verify', {});
  return mac;
}

/** Seals the rows written before the keyed chain existed; run once at open (boot/core.ts), a no-op after. */
export function sealAuditChain(app: Pick<AppContext, 'sqlite'>): void {
  const { sqlite } = app;
  if (readSeal(sqlite, 'audit')?.mac !== null) return;
  sqlite.transaction(() => sealAudit(sqlite, writerChainKey(sqlite))).immediate();
}

/** The audit chain's head: the last row and its chain value (the seal's, when no row was written since). */
export function auditHead(app: Pick<AppContext, 'sqlite'>): Head | null {
  const { sqlite } = app;
  const last = sqlite.prepare<unknown[], { id: number; mac: string | null }>('SELECT id, mac FROM audit_log ORDER BY id DESC LIMIT 1').get();
  if (last?.mac) return { id: last.id, mac: last.mac };
  const seal = readSeal(sqlite, 'audit');
  return seal?.mac ? { id: seal.lastId, mac: seal.mac } : null;
}

/** When each operator last appears in the audit log: what `ledger verify` holds an operator's batches to. */
export function lastAuditByOperator(app: Pick<AppContext, 'sqlite'>): Map<string, number> {
  const rows = app.sqlite
    .prepare<unknown[], { operatorId: string; last: number }>(
      'SELECT operator_id AS operatorId, max(at) AS last FROM audit_log WHERE operator_id IS NOT NULL GROUP BY operator_id',
    )
    .all();
  return new Map(rows.map((r) => [r.operatorId, r.last]));
}

export interface AuditVerdict {
  ok: boolean;
  rows: number;
  /**
   * The first row whose chain is broken, with what is wrong with it: `reason` in English (CLI,
   * doctor, logs), `code` and `params` for the screens to word (issue 16). Row 0: the log as a whole.
   */
  broken: ChainBreak | null;
  /** The key file the keyed chain is checked with, and whether it is there. */
  key: { file: string; state: 'ok' | 'missing' };
  /** How many signed checkpoints the log was held to; the ones whose signature does not hold (and their lines in the file). */
  checkpoints: { checked: number; forged: string[]; forgedLines: number[] };
  head: Head | null;
}

/**
 * The SHA-256 chain row by row (no key needed), then the keyed chain and the recorded heads. The
 * first break is reported; a missing key or a forged checkpoint fails the verdict too.
 */
export function verifyAudit(app: Pick<AppContext, 'sqlite'>): AuditVerdict {
  const { sqlite } = app;
  const found = readChainKey(sqlite);
  const verdict = (broken: AuditVerdict['broken'], rows: number, extra: Partial<AuditVerdict> = {}): AuditVerdict => ({
    ok: broken === null && found.state === 'ok' && (extra.checkpoints?.forged.length ?? 0) === 0,
    rows,
    broken,
    key: { file: found.file, state: found.state },
    checkpoints: { checked: 0, forged: [], forgedLines: [] },
    head: null,
    ...extra,
  });
  const unkeyed = verifyUnkeyed(sqlite);
  if (unkeyed.broken) return verdict(unkeyed.broken, unkeyed.rows);
  if (found.state === 'missing') return verdict({ id: 0, reason: keyMissing(found.file).message, code: 'key_missing', params: { file: found.file } }, unkeyed.rows);
  const trusted = trustedHeads(found.key, 'audit', readCheckpoints(sqlite));
  const walk = walkChain(
    found.key,
    'audit',
    readSeal(sqlite, 'audit'),
    iterateRows<{ id: number; mac: string | null; content: string }>(sqlite.prepare('SELECT id, mac, hash AS content FROM audit_log ORDER BY id')),
    trusted.heads,
  );
  return verdict(walk.broken, unkeyed.rows, {
    checkpoints: { checked: trusted.heads.length, forged: trusted.forged, forgedLines: trusted.forgedLines },
    head: walk.head,
  });
}

function verifyUnkeyed(sqlite: Sqlite): { rows: number; broken: AuditVerdict['broken'] } {
  const stmt = sqlite.prepare(
    `SELECT id, at, operator_id AS operatorId, operator_name AS operatorName, transport, method,
            input_summary AS inputSummary, result, prev_hash AS prevHash, hash, mac
     FROM audit_log ORDER BY id`,
  );
  let prev = GENESIS;
  let expectedId = 1;
  let rows = 0;
  for (const r of iterateRows<AuditRow>(stmt)) {
    rows += 1;
    if (r.id !== expectedId) {
      return { rows, broken: { id: r.id, reason: `row ${expectedId} is missing before row ${r.id}`, code: 'row_missing', params: { missing: expectedId } } };
    }
    if (r.prevHash !== prev) return { rows, broken: { id: r.id, reason: 'prev_hash does not match the previous row', code: 'prev_hash_mismatch', params: {} } };
    const { prevHash: _p, hash: _h, mac: _m, ...content } = r;
    if (rowHash(prev, content) !== r.hash) {
      return { rows, broken: { id: r.id, reason: 'content does not match its hash (the row was edited)', code: 'hash_mismatch', params: {} } };
    }
    prev = r.hash;
    expectedId += 1;
  }
  return { rows, broken: null };
}
