import { FakeClock } from '../src-main/kernel/clock';
import { openCore } from '../src-main/boot/core';
import { silentLogger } from '../src-main/kernel/logger';
import { DEPOT, addDriver, driverAccountId, driverStatement, topUp, verifyLedger } from '../src-main/ledger';
// The raw baseline writes plain transfers through the engine, below the named operations.
import { createTransfers, type TransferRequest } from '../src-main/ledger/engine';
import { perSecond, ratio, time, type Benchmark } from './harness';

/**
 * What the ledger's guarantees cost, against raw better-sqlite3 on the same file, table shape and
 * pragmas (WAL, synchronous=FULL), measured in the same run:
 *  - batched: linked batches of 1,000 transfers (each checked for idempotency, balance flags and
 *    counters) vs plain INSERTs of the same rows, 1,000 per transaction, into a copy of the
 *    transfers table with the same indexes, checks and foreign keys;
 *  - single durable: one transfer per BEGIN IMMEDIATE … COMMIT vs one raw row per commit.
 * The two sides run in alternating rounds so a busy machine slows both alike.
 */

const BATCH = 1_000;

const bench: Benchmark = async ({ quick, dir }) => {
  const app = openCore({ dataDir: dir, mode: 'test', clock: new FakeClock(), log: silentLogger() });
  const db = app.sqlite;
  const drivers = Array.from({ length: 100 }, (_, i) => addDriver(app, { name: `bench ${i}`, phone: String(13_700_000_000 + i) }).id);
  const wallets = drivers.map((d) => driverAccountId(d, 'wallet'));

  // A twin of ledger_transfers: same columns, checks, foreign keys and indexes, no ledger logic.
  const ddl = db.prepare("SELECT sql FROM sqlite_master WHERE tbl_name = 'ledger_transfers' AND sql IS NOT NULL AND type IN ('table', 'index')").all() as {
    sql: string;
  }[];
  for (const { sql } of ddl) db.exec(sql.replaceAll('ledger_transfers', 'bench_raw_transfers'));
  const rawBatch = Number(db.prepare('INSERT INTO ledger_batches (at, operator_id, operation_key) VALUES (0, NULL, NULL)').run().lastInsertRowid);
  const rawInsert = db.prepare(
    `INSERT INTO bench_raw_transfers (id, debit_account_id, credit_account_id, amount, code, phase, batch, created_at)
     VALUES (?, ?, ?, ?, ?, 'single', ?, ?)`,
  );

  // Every other transfer tops a wallet up, the rest spend from it: both balance flags are exercised.
  const transfer = (tag: string, i: number): TransferRequest =>
    i % 2 === 0
      ? { id: `${tag}-${i}`, debitAccountId: DEPOT.cashDrawer, creditAccountId: wallets[(i >> 1) % wallets.length], amount: 200, code: 'topup' }
      : { id: `${tag}-${i}`, debitAccountId: wallets[(i >> 1) % wallets.length], creditAccountId: DEPOT.electricityRevenue, amount: 150, code: 'settle_electricity' };

  const rounds = quick ? 4 : 20;
  let rawRows = 0;
  let rawMs = 0;
  let ledgerRows = 0;
  let ledgerMs = 0;
  for (let r = 0; r < rounds; r += 1) {
    const batch = Array.from({ length: BATCH }, (_, i) => transfer(`b${r}`, i));
    const raw = time(() =>
      db
        .transaction(() => {
          for (const t of batch) rawInsert.run(`raw-${t.id}`, t.debitAccountId, t.creditAccountId, t.amount, t.code, rawBatch, 0);
        })
        .immediate(),
    );
    rawRows += BATCH;
    rawMs += raw.ms;
    const ours = time(() => createTransfers(app, batch));
    ledgerRows += BATCH;
    ledgerMs += ours.ms;
  }

  // Replaying a whole batch: every key found, nothing moves.
  const replay = time(() =>
    createTransfers(
      app,
      Array.from({ length: BATCH }, (_, i) => transfer('b0', i)),
    ),
  );
  if (replay.value.some((t) => t.status !== 'exists')) throw new Error('bench: a replayed transfer was created again');

  const singles = quick ? 60 : 400;
  let rawSingleMs = 0;
  let ledgerSingleMs = 0;
  for (let i = 0; i < singles; i += 1) {
    const t = transfer('s', i);
    rawSingleMs += time(() => db.transaction(() => rawInsert.run(`raw-${t.id}`, t.debitAccountId, t.creditAccountId, t.amount, t.code, rawBatch, 0)).immediate()).ms;
    ledgerSingleMs += time(() => createTransfers(app, [t])).ms;
  }

  // A business operation: a top-up with its idempotency record and debt check.
  const ops = quick ? 60 : 400;
  const topups = time(() => {
    for (let i = 0; i < ops; i += 1) topUp(app, { key: `op-${i}`, driverId: drivers[i % drivers.length], amountFen: 1_000, channel: 'cash' });
  });

  const verify = time(() => verifyLedger(app));
  if (!verify.value.ok) throw new Error(`bench: the ledger does not verify: ${verify.value.violations[0]?.message}`);
  const statement = time(() => driverStatement(app, { driverId: drivers[0] }));
  app.close();

  const rawInsertPerS = perSecond(rawRows, rawMs);
  const batchedPerS = perSecond(ledgerRows, ledgerMs);
  const rawCommitPerS = perSecond(singles, rawSingleMs);
  const singlePerS = perSecond(singles, ledgerSingleMs);
  return {
    name: 'ledger',
    figures: {
      raw_insert_rows_per_s: rawInsertPerS,
      batched_transfers_per_s: batchedPerS,
      replayed_batch_transfers_per_s: perSecond(BATCH, replay.ms),
      raw_single_row_commits_per_s: rawCommitPerS,
      single_durable_transfers_per_s: singlePerS,
      topup_operations_per_s: perSecond(ops, topups.ms),
      verify_ms: verify.ms,
      verify_transfers: verify.value.counts.transfers,
      statement_ms: statement.ms,
      statement_lines: statement.value.lines.length,
    },
    ratios: {
      batched_vs_raw_insert: ratio(batchedPerS / rawInsertPerS, { atLeast: 0.5 }),
      single_durable_vs_raw_commit: ratio(singlePerS / rawCommitPerS, { atLeast: 0.8 }),
    },
    notes: [
      `batches of ${BATCH} over ${wallets.length} wallets, ${rounds} rounds alternating with the raw baseline; WAL, synchronous=FULL`,
      'raw baseline: the same rows into a copy of ledger_transfers (same indexes, checks, foreign keys) with one prepared INSERT',
      'ledger: per transfer an idempotency lookup, account/unit/flag checks and the insert; per batch one batch row and one guarded UPDATE per touched account',
    ],
  };
};
export default bench;
