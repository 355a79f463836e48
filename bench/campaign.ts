import { FakeClock } from '../src-main/kernel/clock';
import { openCore } from '../src-main/boot/core';
import type { AppContext } from '../src-main/kernel/context';
import { silentLogger } from '../src-main/kernel/logger';
import { approveCampaign, beginExecution, createCampaign, dryRunCampaign, runCampaign } from '../src-main/compensation';
import { writeTx } from '../src-main/kernel/db/connection';
import { DEPOT, addDriver, driverAccountId, verifyLedger } from '../src-main/ledger';
// The raw baseline writes plain transfers through the engine, below the named operations.
import { createTransfers, type TransferRequest } from '../src-main/ledger/engine';
import { perSecond, ratio, time, timeAsync, type Benchmark } from './harness';

/**
 * A compensation campaign for 100,000 drivers (10,000 with --quick): the dry run, and the
 * execution next to the ledger's bare batched transfer rate measured in the same run on the same
 * accounts — the same compensation transfers (expense → wallet), 1,000 per createTransfers call,
 * with nothing of the campaign around them (no items, no progress, no events).
 *
 * Setup (not measured): drivers through addDriver (their ledger accounts opened), and failed
 * starts inserted as FAILED session rows with one prepared statement, 1 to 3 per driver, all in
 * the 09:00–12:00 window of 2026-01-15 at one station.
 *
 * Rounds alternate bare batch and campaign so a busy machine slows both alike; each round's
 * campaign is new (it includes sessions earlier rounds compensated) and credits every driver.
 */

const CHUNK = 1_000;

/**
 * 1–3 failed starts per driver in the 09:00–12:00 window of 2026-01-15 at ST-A (drivers through
 * addDriver, sessions inserted directly), one transaction; the drivers' ids are pushed to `ids`.
 * Returns the number of sessions. Shared with bench/responsiveness.ts.
 */
export function seedFailedStarts(app: AppContext, drivers: number, ids: string[] = []): number {
  return writeTx(app.sqlite, () => {
    const insert = app.sqlite.prepare(
      `INSERT INTO charging_sessions (id, state, origin, charger_id, connector_id, station_id, driver_id, id_tag, prepay_fen, created_at, updated_at, failure_code, failure_reason)
       VALUES (?, 'FAILED', 'operator', ?, 1, 'ST-A', ?, ?, 3000, ?, ?, 'start_timeout', 'no StartTransaction within 60 s')`,
    );
    const windowStart = Date.parse('2026-01-15T01:00:00Z');
    let n = 0;
    for (let i = 0; i < drivers; i += 1) {
      const id = addDriver(app, { name: `bench ${i}`, phone: String(13_000_000_000 + i) }).id;
      ids.push(id);
      for (let k = 0; k <= i % 3; k += 1) {
        n += 1;
        const at = windowStart + ((n * 7_919) % (3 * 3_600_000));
        insert.run(`bench-s-${n}`, `CP-${n % 8}`, id, `TAG${n}`, at, at);
      }
    }
    return n;
  });
}

const bench: Benchmark = async ({ quick, dir }) => {
  const drivers = quick ? 10_000 : 100_000;
  const rounds = quick ? 2 : 3;
  const clock = new FakeClock('2026-01-16T02:00:00Z');
  const app = openCore({ dataDir: dir, mode: 'test', clock, log: silentLogger(), overrides: { compensation: { chunkSize: CHUNK } } });
  const ids: string[] = [];
  const setup = time(() => seedFailedStarts(app, drivers, ids));
  const sessions = setup.value;
  const supervisorA = 'bench-supervisor-a';
  const supervisorB = 'bench-supervisor-b';
  const wallets = ids.map((d) => driverAccountId(d, 'wallet'));

  let bareMs = 0;
  let execMs = 0;
  let dryMs = 0;
  let approveMs = 0;
  const dryRuns: number[] = [];
  for (let r = 0; r < rounds; r += 1) {
    // The bare ledger: the same transfers a campaign makes, in batches, nothing else.
    const bare = time(() => {
      for (let i = 0; i < drivers; i += CHUNK) {
        const batch: TransferRequest[] = [];
        for (let j = i; j < Math.min(drivers, i + CHUNK); j += 1) {
          batch.push({
            id: `bare:${r}:${ids[j]}`,
            debitAccountId: DEPOT.compensationExpense,
            creditAccountId: wallets[j],
            amount: 1_000,
            code: 'compensation',
            campaignId: `bare-${r}`,
            memo: '系统补偿：2026-01-15 启动失败补偿（共2次）',
            statementRow: `COMP-20260116100000-${ids[j]}`,
          });
        }
        createTransfers(app, batch, { operatorId: supervisorB });
      }
    });
    bareMs += bare.ms;

    const spec = {
      name: `bench round ${r}`,
      criteria: {
        from: '2026-01-15',
        to: '2026-01-15',
        timeWindow: { start: '09:00', end: '12:00' },
        stationIds: ['ST-A'],
        failureCodes: ['start_timeout'],
        includeCompensated: true,
      },
      rule: { kind: 'fixed', amount: '10.00' },
    };
    const c = createCampaign(app, spec, { operatorId: supervisorA });
    const dry = time(() => dryRunCampaign(app, c.id, { operatorId: supervisorA }));
    if (dry.value.drivers !== drivers || dry.value.records !== sessions)
      throw new Error(`bench: the dry run found ${dry.value.drivers} drivers / ${dry.value.records} records`);
    dryMs += dry.ms;
    dryRuns.push(dry.ms);
    const approve = time(() =>
      approveCampaign(
        app,
        c.id,
        { fingerprint: dry.value.fingerprint, drivers: dry.value.drivers, total: dry.value.total, criteriaChecked: true },
        { operatorId: supervisorB },
      ),
    );
    approveMs += approve.ms;
    const exec = await timeAsync(async () => {
      beginExecution(app, c.id, { operatorId: supervisorB });
      return runCampaign(app, c.id, { operatorId: supervisorB });
    });
    if (exec.value.credited !== drivers) throw new Error(`bench: the campaign credited ${exec.value.credited} of ${drivers}`);
    execMs += exec.ms;
  }
  const verify = time(() => verifyLedger(app));
  if (!verify.value.ok) throw new Error(`bench: the ledger does not verify: ${verify.value.violations[0]?.message}`);
  app.close();

  const bareRate = perSecond(drivers * rounds, bareMs);
  const execRate = perSecond(drivers * rounds, execMs);
  return {
    name: 'campaign',
    figures: {
      drivers,
      failed_sessions: sessions,
      setup_ms: setup.ms,
      dry_run_ms_mean: dryMs / rounds,
      dry_run_ms_max: Math.max(...dryRuns),
      approval_ms_mean: approveMs / rounds,
      bare_ledger_batch_ms_mean: bareMs / rounds,
      campaign_execution_ms_mean: execMs / rounds,
      bare_ledger_transfers_per_s: bareRate,
      campaign_credits_per_s: execRate,
      verify_ms: verify.ms,
    },
    ratios: {
      execution_vs_bare_ledger_batch_time: ratio(execMs / bareMs, { atMost: 1.5 }),
      dry_run_seconds_max: ratio(Math.max(...dryRuns) / 1000, { atMost: 2 }),
    },
    notes: [
      `${rounds} rounds alternating the bare ledger batch and the campaign, ${CHUNK} transfers per transaction on both sides; WAL, synchronous=FULL`,
      'campaign execution = begin + run: per chunk the pending items read, the ledger batch, one guarded item UPDATE per driver, progress and events; approval (freezing the rows) is reported apart',
    ],
  };
};

export default bench;
