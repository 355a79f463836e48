import { performance } from 'node:perf_hooks';
import type { Sqlite } from '../kernel/db/connection';
import type { AppContext } from '../kernel/context';
import { runReadThread } from '../kernel/read-thread';
import { expectRow } from '../kernel/db/rows';
import { keyMissing, readChainKey, readCheckpoints, readSeal, trustedHeads, walkChain, type ChainRow, type Head } from '../kernel/chain';
import { lastAuditByOperator } from '../operators';
import { CHAIN_COLUMNS, rawTransferContent } from './chain';

/**
 * `depotdesk ledger verify`: recomputes what the ledger promises from its own history and lists
 * every place where it does not hold. Read-only, a handful of aggregate queries (each a scan of
 * the transfers at most), so it is cheap enough to run at every start and as a doctor check.
 *
 * Violations (the ledger is wrong; exit 1):
 *   triggers_missing      an append-only trigger was dropped
 *   totals_unbalanced     Σ debits ≠ Σ credits over all accounts of a unit (posted or pending)
 *   counter_mismatch      an account's cached counters differ from the sum of its transfers
 *   overdrawn             a wallet, coupon, points or held account below zero; a debt paid back beyond itself
 *   duplicate_key         an idempotency key used by two transfers
 *   unit_mismatch         a transfer between a money account and a points account
 *   hold_mismatch         a hold's state disagrees with the transfers that placed and resolved it
 *   post_exceeds_hold     a hold posted for more than it held
 *   over_reversed         corrections/restores of a transfer add up to more than it moved
 *   debt_mismatch         a debt record disagrees with its ledger entries, or with the driver's debt account
 *   settled_twice         one session's revenue booked by more than one settlement (its one
 *                         re-settlement, resettle:<session>, corrects it and is not counted), or
 *                         a re-settlement of a session that was never settled
 *   chain_key_missing     the chain key file beside the database is gone: nothing below can be checked
 *   chain_broken          the keyed chain breaks at a transfer: it was inserted (a forged transfer,
 *                         even one that balances), edited or removed by hand; or a signed
 *                         checkpoint recorded a head the chain no longer has (the last transfers
 *                         were removed)
 *   checkpoint_forged     a checkpoint whose signature does not hold
 *   batch_mismatch        a transfer whose batch is missing, or whose operator or time differ from its batch's
 *
 * Which transfers are legitimate (issue 19): every transfer belongs to a batch in the keyed
 * chain, which only the engine extends (the key is outside the database): that is what proves a
 * transfer was written by DepotDesk, not by someone with the file, and it is a violation when it
 * fails. A batch names the operator it was made for, or nobody for a system path (charger
 * settlement, the sweeper, the expiry and order-timeout jobs). An operator's batches come from
 * audited commands — the command's row is written when it returns, a job's batch (a refund payout,
 * a campaign run) follows the audited approval, a campaign chunk writes its row in its own
 * transaction — so an operator with batches and no audit row at all is reported (a warning: a
 * command killed between its commit and its audit row leaves exactly that, legitimately).
 * Warnings (reported, not failures):
 *   hold_past_expiry      a pending hold past its expiry: releasing it is the expiry job's work
 *   unaudited_batch       a batch made for an operator who has no row at all in the audit log
 */

export const REQUIRED_TRIGGERS = [
  'ledger_transfers_no_update',
  'ledger_transfers_no_delete',
  'ledger_batches_no_update',
  'ledger_batches_no_delete',
  'ledger_operations_no_update',
  'ledger_operations_no_delete',
  'ledger_accounts_fixed_identity',
  'ledger_accounts_no_delete',
  'ledger_holds_no_delete',
  'ledger_holds_resolve_once',
  'ledger_debts_no_delete',
  'ledger_debts_fixed',
] as const;

export interface Finding {
  kind: string;
  message: string;
  account?: string;
  transfer?: string;
  hold?: string;
  debt?: string;
  session?: string;
}

export interface VerifyReport {
  ok: boolean;
  at: number;
  durationMs: number;
  counts: { accounts: number; transfers: number; holds: number; openHolds: number; debts: number; operations: number };
  /** The keyed chain: its key file, its head, and how many signed checkpoints it was held to. */
  chain: { keyFile: string; key: 'ok' | 'missing'; head: Head | null; checkpoints: number };
  totals: Record<string, { debitsPosted: number; creditsPosted: number; debitsPending: number; creditsPending: number }>;
  violations: Finding[];
  warnings: Finding[];
}

interface Sums {
  dpost: number;
  dpend: number;
  cpost: number;
  cpend: number;
}

interface AccountSums extends Sums {
  id: string;
  type: string;
  unit: string;
  flags: number;
}

interface HoldFacts {
  id: string;
  status: string;
  resolvedBy: string | null;
  amount: number;
  expiresAt: number;
  debit: string;
  credit: string;
  pid: string | null;
  pamount: number | null;
  pexp: number | null;
  pdebit: string | null;
  pcredit: string | null;
  rid: string | null;
  rphase: string | null;
  rcode: string | null;
  ramount: number | null;
}

/** One verification run: the snapshot it reads, its clock, and what it found so far. */
interface Run {
  db: Sqlite;
  now: number;
  violations: Finding[];
  warnings: Finding[];
}

function all<T>(run: Run, sql: string, ...args: unknown[]): T[] {
  return run.db.prepare<unknown[], T>(sql).all(...args);
}

function one<T>(run: Run, sql: string, ...args: unknown[]): T {
  return expectRow<T>(run.db.prepare(sql), ...args);
}

export function verifyLedger(app: { sqlite: Sqlite; clock: { now(): number } }): VerifyReport {
  const t0 = performance.now();
  const run: Run = { db: app.sqlite, now: app.clock.now(), violations: [], warnings: [] };
  // One read transaction: every query sees the same snapshot even while the app keeps writing.
  return run.db.transaction(() => {
    checkTriggers(run);
    const accounts = all<AccountSums>(
      run,
      `SELECT id, type, unit, flags, debits_pending AS dpend, debits_posted AS dpost, credits_pending AS cpend, credits_posted AS cpost
       FROM ledger_accounts`,
    );
    const totals = checkTotals(run, accounts);
    checkCounters(run, accounts);
    checkDuplicateKeys(run);
    checkUnits(run);
    const holds = checkHolds(run);
    checkReversals(run);
    checkDebts(run);
    checkSettledOnce(run);
    const chain = checkChain(run);
    checkBatches(run);
    const counts = {
      accounts: accounts.length,
      transfers: one<{ n: number }>(run, 'SELECT count(*) AS n FROM ledger_transfers').n,
      holds: holds.holds,
      openHolds: holds.openHolds,
      debts: one<{ n: number }>(run, 'SELECT count(*) AS n FROM ledger_debts').n,
      operations: one<{ n: number }>(run, 'SELECT count(*) AS n FROM ledger_operations').n,
    };
    return {
      ok: run.violations.length === 0,
      at: run.now,
      durationMs: Math.round((performance.now() - t0) * 10) / 10,
      counts,
      chain,
      totals,
      violations: run.violations,
      warnings: run.warnings,
    };
  })();
}

/** triggers_missing */
function checkTriggers(run: Run): void {
  const triggers = new Set(all<{ name: string }>(run, "SELECT name FROM sqlite_master WHERE type = 'trigger'").map((r) => r.name));
  for (const name of REQUIRED_TRIGGERS) {
    if (!triggers.has(name))
      run.violations.push({ kind: 'triggers_missing', message: `trigger ${name} is missing: the ledger is no longer protected against UPDATE/DELETE` });
  }
}

/** totals_unbalanced: the totals per unit, posted and pending debits against credits. */
function checkTotals(run: Run, accounts: AccountSums[]): VerifyReport['totals'] {
  const totals: VerifyReport['totals'] = {};
  for (const a of accounts) {
    const t = (totals[a.unit] ??= { debitsPosted: 0, creditsPosted: 0, debitsPending: 0, creditsPending: 0 });
    t.debitsPosted += a.dpost;
    t.creditsPosted += a.cpost;
    t.debitsPending += a.dpend;
    t.creditsPending += a.cpend;
  }
  for (const [unit, t] of Object.entries(totals)) {
    if (t.debitsPosted !== t.creditsPosted) {
      run.violations.push({ kind: 'totals_unbalanced', message: `${unit}: posted debits ${t.debitsPosted} ≠ posted credits ${t.creditsPosted}` });
    }
    if (t.debitsPending !== t.creditsPending) {
      run.violations.push({ kind: 'totals_unbalanced', message: `${unit}: pending debits ${t.debitsPending} ≠ pending credits ${t.creditsPending}` });
    }
  }
  return totals;
}

/** The counters every account should have, recomputed from the transfers alone. */
function recomputedCounters(run: Run): Map<string, Sums> {
  const open = `(t.phase = 'pending' AND NOT EXISTS (SELECT 1 FROM ledger_transfers r WHERE r.pending_id = t.id))`;
  const posted = `t.phase IN ('single', 'post')`;
  const recomputed = new Map<string, Sums>();
  for (const r of all<Sums & { acct: string }>(
    run,
    `SELECT acct, sum(dpost) AS dpost, sum(dpend) AS dpend, sum(cpost) AS cpost, sum(cpend) AS cpend FROM (
       SELECT t.debit_account_id AS acct, CASE WHEN ${posted} THEN t.amount ELSE 0 END AS dpost,
              CASE WHEN ${open} THEN t.amount ELSE 0 END AS dpend, 0 AS cpost, 0 AS cpend
       FROM ledger_transfers t
       UNION ALL
       SELECT t.credit_account_id, 0, 0, CASE WHEN ${posted} THEN t.amount ELSE 0 END, CASE WHEN ${open} THEN t.amount ELSE 0 END
       FROM ledger_transfers t
     ) GROUP BY acct`,
  )) {
    recomputed.set(r.acct, r);
  }
  return recomputed;
}

/** counter_mismatch and overdrawn, account by account; then transfers naming no account. */
function checkCounters(run: Run, accounts: AccountSums[]): void {
  const recomputed = recomputedCounters(run);
  const zero: Sums = { dpost: 0, dpend: 0, cpost: 0, cpend: 0 };
  const known = new Set<string>();
  for (const a of accounts) {
    known.add(a.id);
    const want = recomputed.get(a.id) ?? zero;
    const diffs = (['dpost', 'dpend', 'cpost', 'cpend'] as const).filter((k) => a[k] !== want[k]);
    if (diffs.length > 0) {
      run.violations.push({
        kind: 'counter_mismatch',
        account: a.id,
        message: `${a.id}: cached ${diffs.map((k) => `${k}=${a[k]}`).join(', ')} but its transfers sum to ${diffs.map((k) => `${k}=${want[k]}`).join(', ')}`,
      });
    }
    checkOverdrawn(run, a);
  }
  for (const acct of recomputed.keys()) {
    if (!known.has(acct)) run.violations.push({ kind: 'counter_mismatch', account: acct, message: `transfers name ${acct}, which is not an account` });
  }
}

/** overdrawn: an account's balance flags, as its cached counters stand. */
function checkOverdrawn(run: Run, a: AccountSums): void {
  if (a.flags & 1 && a.dpend + a.dpost > a.cpost) {
    run.violations.push({ kind: 'overdrawn', account: a.id, message: `${a.id} (${a.type}) is below zero: debits ${a.dpost} + held ${a.dpend} > credits ${a.cpost}` });
  }
  if (a.flags & 2 && a.cpend + a.cpost > a.dpost) {
    run.violations.push({ kind: 'overdrawn', account: a.id, message: `${a.id} (${a.type}) was credited beyond its debits: ${a.cpost} + ${a.cpend} > ${a.dpost}` });
  }
}

/** duplicate_key */
function checkDuplicateKeys(run: Run): void {
  for (const r of all<{ id: string; n: number }>(run, 'SELECT id, count(*) AS n FROM ledger_transfers GROUP BY id HAVING count(*) > 1')) {
    run.violations.push({ kind: 'duplicate_key', transfer: r.id, message: `idempotency key ${r.id} is used by ${r.n} transfers` });
  }
}

/** unit_mismatch */
function checkUnits(run: Run): void {
  for (const r of all<{ id: string; du: string; cu: string }>(
    run,
    `SELECT t.id, d.unit AS du, c.unit AS cu FROM ledger_transfers t
     JOIN ledger_accounts d ON d.id = t.debit_account_id JOIN ledger_accounts c ON c.id = t.credit_account_id
     WHERE d.unit <> c.unit`,
  )) {
    run.violations.push({ kind: 'unit_mismatch', transfer: r.id, message: `transfer ${r.id} moves ${r.du} into a ${r.cu} account` });
  }
}

/** hold_mismatch, post_exceeds_hold, hold_past_expiry: holds against the transfers that placed and resolved them. */
function checkHolds(run: Run): { holds: number; openHolds: number } {
  const holds = all<HoldFacts>(
    run,
    `SELECT h.id, h.status, h.resolved_by AS resolvedBy, h.amount, h.expires_at AS expiresAt, h.debit_account_id AS debit, h.credit_account_id AS credit,
            p.id AS pid, p.amount AS pamount, p.expires_at AS pexp, p.debit_account_id AS pdebit, p.credit_account_id AS pcredit,
            r.id AS rid, r.phase AS rphase, r.code AS rcode, r.amount AS ramount
     FROM ledger_holds h
     LEFT JOIN ledger_transfers p ON p.id = h.id AND p.phase = 'pending'
     LEFT JOIN ledger_transfers r ON r.pending_id = h.id`,
  );
  let openHolds = 0;
  for (const h of holds) if (checkHold(run, h)) openHolds += 1;
  for (const r of all<{ id: string }>(
    run,
    "SELECT t.id FROM ledger_transfers t WHERE t.phase = 'pending' AND NOT EXISTS (SELECT 1 FROM ledger_holds h WHERE h.id = t.id)",
  )) {
    run.violations.push({ kind: 'hold_mismatch', transfer: r.id, message: `pending transfer ${r.id} has no hold record` });
  }
  for (const r of all<{ id: string; pendingId: string }>(
    run,
    'SELECT t.id, t.pending_id AS pendingId FROM ledger_transfers t WHERE t.pending_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ledger_holds h WHERE h.id = t.pending_id)',
  )) {
    run.violations.push({ kind: 'hold_mismatch', transfer: r.id, message: `${r.id} resolves ${r.pendingId}, which is not a hold` });
  }
  return { holds: holds.length, openHolds };
}

/** One hold against its pending transfer and the transfer that resolved it; true if it is still open. */
function checkHold(run: Run, h: HoldFacts): boolean {
  const bad = (why: string) => run.violations.push({ kind: 'hold_mismatch', hold: h.id, message: `hold ${h.id}: ${why}` });
  if (!h.pid) {
    bad('no pending transfer placed it');
    return false;
  }
  if (h.pamount !== h.amount || h.pexp !== h.expiresAt || h.pdebit !== h.debit || h.pcredit !== h.credit) bad('differs from its pending transfer');
  if (h.status === 'pending') {
    if (h.rid) bad(`is pending but ${h.rid} resolved it`);
    else if (h.expiresAt <= run.now) {
      run.warnings.push({
        kind: 'hold_past_expiry',
        hold: h.id,
        message: `hold ${h.id} (${h.amount}) expired at ${new Date(h.expiresAt).toISOString()} and is still pending`,
      });
    }
    return true;
  }
  if (!h.rid) {
    bad(`is ${h.status} but no transfer resolved it`);
    return false;
  }
  if (h.resolvedBy !== h.rid) bad(`says ${h.resolvedBy} resolved it, the ledger says ${h.rid}`);
  const expected = h.rphase === 'post' ? 'posted' : h.rcode === 'hold_expire' ? 'expired' : 'voided';
  if (h.status !== expected) bad(`is ${h.status} but ${h.rid} ${expected} it`);
  if (h.rphase === 'post' && (h.ramount ?? 0) > h.amount) {
    run.violations.push({ kind: 'post_exceeds_hold', hold: h.id, transfer: h.rid, message: `${h.rid} posted ${h.ramount} of a hold of ${h.amount}` });
  }
  return false;
}

/** over_reversed */
function checkReversals(run: Run): void {
  for (const r of all<{ id: string; amount: number; reversed: number }>(
    run,
    `SELECT o.id, o.amount, x.reversed FROM
       (SELECT reverses_id, sum(amount) AS reversed FROM ledger_transfers WHERE reverses_id IS NOT NULL GROUP BY reverses_id) x
     JOIN ledger_transfers o ON o.id = x.reverses_id WHERE x.reversed > o.amount`,
  )) {
    run.violations.push({ kind: 'over_reversed', transfer: r.id, message: `${r.id} moved ${r.amount} but ${r.reversed} of it was reversed` });
  }
}

/** debt_mismatch: each record against its entries; each driver's open debts against their debt account. */
function checkDebts(run: Run): void {
  for (const d of all<{ id: string; amount: number; collected: number; writtenOff: number; booked: number; got: number; off: number }>(
    run,
    `SELECT x.id, x.amount, x.collected, x.written_off AS writtenOff,
            coalesce(sum(CASE WHEN t.code = 'debt' THEN t.amount END), 0) AS booked,
            coalesce(sum(CASE WHEN t.code = 'debt_collect' THEN t.amount END), 0) AS got,
            coalesce(sum(CASE WHEN t.code = 'debt_write_off' THEN t.amount END), 0) AS off
     FROM ledger_debts x LEFT JOIN ledger_transfers t ON t.debt_id = x.id
     GROUP BY x.id
     HAVING booked <> x.amount OR got <> x.collected OR off <> x.written_off`,
  )) {
    run.violations.push({
      kind: 'debt_mismatch',
      debt: d.id,
      message: `debt ${d.id}: record says ${d.amount} owed, ${d.collected} collected, ${d.writtenOff} written off; the ledger says ${d.booked}, ${d.got}, ${d.off}`,
    });
  }
  for (const r of all<{ account: string; balance: number; owed: number }>(
    run,
    `SELECT a.id AS account, a.debits_posted - a.credits_posted AS balance,
            coalesce((SELECT sum(amount - collected - written_off) FROM ledger_debts x WHERE x.driver_id = a.driver_id AND x.status = 'open'), 0) AS owed
     FROM ledger_accounts a WHERE a.type = 'debt'
     AND a.debits_posted - a.credits_posted <> coalesce((SELECT sum(amount - collected - written_off) FROM ledger_debts x WHERE x.driver_id = a.driver_id AND x.status = 'open'), 0)`,
  )) {
    run.violations.push({ kind: 'debt_mismatch', account: r.account, message: `${r.account} shows ${r.balance} owed but the open debts add up to ${r.owed}` });
  }
}

/**
 * settled_twice. A re-settlement (resettle:<session>, its one key) corrects the settlement of that
 * same session by the difference; it is not a second settlement. Any other batch booking a
 * session's revenue again is, and so is a re-settlement of a session never settled.
 */
function checkSettledOnce(run: Run): void {
  const resettle = `b.operation_key IS NOT NULL AND b.operation_key = 'resettle:' || t.session_id`;
  for (const r of all<{ sessionId: string; n: number; resettled: number }>(
    run,
    `SELECT t.session_id AS sessionId, count(DISTINCT CASE WHEN ${resettle} THEN NULL ELSE t.batch END) AS n,
            count(DISTINCT CASE WHEN ${resettle} THEN t.batch END) AS resettled
     FROM ledger_transfers t JOIN ledger_batches b ON b.id = t.batch
     WHERE t.session_id IS NOT NULL AND t.code IN ('settle_electricity', 'settle_service', 'debt')
     GROUP BY t.session_id HAVING n > 1 OR (resettled > 0 AND n = 0)`,
  )) {
    run.violations.push({
      kind: 'settled_twice',
      session: r.sessionId,
      message: r.n > 1 ? `session ${r.sessionId} was settled by ${r.n} different batches` : `session ${r.sessionId} was re-settled but never settled`,
    });
  }
}

/** chain_key_missing, chain_broken, checkpoint_forged: the keyed chain from its genesis, held to every signed checkpoint. */
function checkChain(run: Run): VerifyReport['chain'] {
  const found = readChainKey(run.db);
  if (found.state === 'missing') {
    run.violations.push({ kind: 'chain_key_missing', message: keyMissing(found.file).message });
    return { keyFile: found.file, key: 'missing', head: null, checkpoints: 0 };
  }
  const trusted = trustedHeads(found.key, 'ledger', readCheckpoints(run.db));
  for (const where of trusted.forged) {
    run.violations.push({ kind: 'checkpoint_forged', message: `checkpoint ${where}: its signature does not hold (edited, or not made with this depot's key)` });
  }
  const st = run.db
    .prepare<[], unknown[]>(`SELECT t.seq, t.mac, ${CHAIN_COLUMNS}, b.operation_key FROM ledger_transfers t LEFT JOIN ledger_batches b ON b.id = t.batch ORDER BY t.seq`)
    .raw();
  function* rows(): Generator<ChainRow> {
    for (const raw of st.iterate()) yield { id: raw[0] as number, mac: raw[1] as string | null, content: rawTransferContent(raw.slice(2)) };
  }
  const walk = walkChain(found.key, 'ledger', readSeal(run.db, 'ledger'), rows(), trusted.heads);
  if (walk.broken) {
    const id = run.db.prepare<[number], string>('SELECT id FROM ledger_transfers WHERE seq = ?').pluck().get(walk.broken.id);
    run.violations.push({
      kind: 'chain_broken',
      ...(id ? { transfer: id } : {}),
      message: `ledger chain at ${id ? `transfer ${id} (seq ${walk.broken.id})` : `seq ${walk.broken.id}`}: ${walk.broken.reason}`,
    });
  }
  return { keyFile: found.file, key: 'ok', head: walk.head, checkpoints: trusted.heads.length };
}

/** batch_mismatch and unaudited_batch: each transfer against its batch, each operator batch against the audit log. */
function checkBatches(run: Run): void {
  for (const r of all<{ id: string; batch: number; found: number | null }>(
    run,
    `SELECT t.id, t.batch, b.id AS found FROM ledger_transfers t LEFT JOIN ledger_batches b ON b.id = t.batch
     WHERE b.id IS NULL OR b.at <> t.created_at OR b.operator_id IS NOT t.operator_id`,
  )) {
    run.violations.push({
      kind: 'batch_mismatch',
      transfer: r.id,
      message:
        r.found === null ? `transfer ${r.id} names batch ${r.batch}, which does not exist` : `transfer ${r.id}: its operator or time differ from batch ${r.batch}'s`,
    });
  }
  const audited = lastAuditByOperator({ sqlite: run.db });
  for (const b of all<{ operatorId: string; batches: number; first: number; firstKey: string | null }>(
    run,
    `WITH per AS (SELECT operator_id, count(*) AS batches, min(id) AS first FROM ledger_batches WHERE operator_id IS NOT NULL GROUP BY operator_id)
     SELECT per.operator_id AS operatorId, per.batches, per.first, x.operation_key AS firstKey
     FROM per JOIN ledger_batches x ON x.id = per.first`,
  )) {
    if (audited.has(b.operatorId)) continue;
    run.warnings.push({
      kind: 'unaudited_batch',
      message: `${b.batches} batch(es) from ${b.first}${b.firstKey ? ` (${b.firstKey})` : ''} on were made for operator ${b.operatorId}, who has no row in the audit log`,
    });
  }
}

/**
 * The verification the app runs (the `ledger.verify` method, the doctor from the app): the same
 * report, computed by a worker thread on a read-only connection of its own, so the one read
 * transaction over every transfer never holds the thread that answers the operator (issue 18). The
 * CLI's own `ledger verify` stays on its thread: nothing else waits on it there.
 */
export function verifyLedgerOffThread(app: AppContext): Promise<VerifyReport> {
  return runReadThread(app, { name: 'verify-worker', source: new URL('./verify-worker.ts', import.meta.url) }, null, () => verifyLedger(app));
}
