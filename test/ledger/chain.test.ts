import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCore } from '../../src-main/boot/core';
import { FakeClock } from '../../src-main/kernel/clock';
import { silentLogger } from '../../src-main/kernel/logger';
import { rowHash } from '../../src-main/operators/audit';
import { DEPOT, driverAccountId, topUp, verifyLedger } from '../../src-main/ledger';
import { takeCheckpoint } from '../../src-main/system';
import { verifyAudit } from '../../src-main/operators';
import { REPO_ROOT, makeApp, tempDir } from '../helpers';
import { openDriverAccounts } from '../../src-main/ledger/accounts';
import { depotError, expectLedgerValid, ledgerApp, newDriver } from './fixtures';
import type { AppContext } from '../../src-main/kernel/context';

/**
 * The ledger is tamper-evident on its own (issue 19): someone with the database file cannot add,
 * change or remove a transfer, even one that balances and whose counters they fix, without
 * `ledger verify` naming it; removing the last transfers shows against a signed checkpoint.
 */

/** What an attacker with the file does: a ¥5,000 transfer from the cash drawer into a wallet, counters updated to match. */
function forgeTopUp(app: AppContext, wallet: string, amount: number): void {
  const db = app.sqlite;
  const batch = Number(db.prepare('INSERT INTO ledger_batches (at, operator_id, operation_key) VALUES (?, NULL, NULL)').run(app.clock.now()).lastInsertRowid);
  db.prepare(
    `INSERT INTO ledger_transfers (id, debit_account_id, credit_account_id, amount, code, phase, batch, created_at)
     VALUES ('forged-1', ?, ?, ?, 'topup', 'single', ?, ?)`,
  ).run(DEPOT.cashDrawer, wallet, amount, batch, app.clock.now());
  db.prepare('UPDATE ledger_accounts SET debits_posted = debits_posted + ? WHERE id = ?').run(amount, DEPOT.cashDrawer);
  db.prepare('UPDATE ledger_accounts SET credits_posted = credits_posted + ? WHERE id = ?').run(amount, wallet);
}

function kinds(app: AppContext): string[] {
  return verifyLedger(app).violations.map((v) => v.kind);
}

describe('the ledger chain', () => {
  it('a forged but balanced transfer, counters and all, is named by ledger verify', () => {
    const { app } = ledgerApp();
    const d = newDriver(app);
    topUp(app, { key: 'topup-1', driverId: d.id, amountFen: 1_000, channel: 'cash' });
    forgeTopUp(app, driverAccountId(d.id, 'wallet'), 500_000);
    const r = verifyLedger(app);
    expect(r.ok).toBe(false);
    // Balanced, counters consistent: only the chain sees it.
    expect(r.violations).toEqual([
      expect.objectContaining({ kind: 'chain_broken', transfer: 'forged-1', message: expect.stringMatching(/forged-1.*written outside DepotDesk/) }),
    ]);
  });

  it('a transfer edited after its trigger was dropped breaks the chain at that transfer', () => {
    const { app } = ledgerApp();
    const d = newDriver(app);
    topUp(app, { key: 'topup-1', driverId: d.id, amountFen: 1_000, channel: 'cash' });
    topUp(app, { key: 'topup-2', driverId: d.id, amountFen: 2_000, channel: 'cash' });
    app.sqlite.exec('DROP TRIGGER ledger_transfers_no_update');
    app.sqlite.prepare("UPDATE ledger_transfers SET memo = 'nothing to see' WHERE id = 'topup-1'").run();
    expect(verifyLedger(app).violations).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'chain_broken', transfer: 'topup-1' }), expect.objectContaining({ kind: 'triggers_missing' })]),
    );
  });

  it('the last transfers removed (counters fixed) show against the checkpoint taken before', () => {
    const { app } = ledgerApp();
    const d = newDriver(app);
    topUp(app, { key: 'topup-1', driverId: d.id, amountFen: 1_000, channel: 'cash' });
    topUp(app, { key: 'topup-2', driverId: d.id, amountFen: 2_000, channel: 'cash' });
    app.sqlite.exec('DROP TRIGGER ledger_transfers_no_delete');
    app.sqlite.exec('DROP TRIGGER ledger_transfers_no_update');
    const removeLast = () => {
      const last = app.sqlite.prepare('SELECT id, amount, debit_account_id AS d, credit_account_id AS c FROM ledger_transfers ORDER BY seq DESC LIMIT 1').get() as {
        id: string;
        amount: number;
        d: string;
        c: string;
      };
      app.sqlite.prepare('DELETE FROM ledger_transfers WHERE id = ?').run(last.id);
      app.sqlite.prepare('UPDATE ledger_accounts SET debits_posted = debits_posted - ? WHERE id = ?').run(last.amount, last.d);
      app.sqlite.prepare('UPDATE ledger_accounts SET credits_posted = credits_posted - ? WHERE id = ?').run(last.amount, last.c);
    };
    // Without a checkpoint a shorter chain is a valid chain: that is what checkpoints are for.
    removeLast();
    expect(kinds(app)).toEqual(['triggers_missing', 'triggers_missing']);
    topUp(app, { key: 'topup-3', driverId: d.id, amountFen: 3_000, channel: 'cash' });
    takeCheckpoint(app);
    removeLast();
    const broken = verifyLedger(app).violations.find((v) => v.kind === 'chain_broken');
    expect(broken?.message).toMatch(/chain-checkpoints\.jsonl line 1 .* recorded \d+: the last rows were removed/);
  });

  it('a checkpoint edited by hand is named as forged', () => {
    const { app } = ledgerApp();
    const d = newDriver(app);
    topUp(app, { key: 'topup-1', driverId: d.id, amountFen: 1_000, channel: 'cash' });
    takeCheckpoint(app);
    const file = path.join(path.dirname(app.paths.dbFile), 'chain-checkpoints.jsonl');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/"ledger":\{"id":\d+/, '"ledger":{"id":99'));
    expect(kinds(app)).toContain('checkpoint_forged');
  });

  it('the key lives beside the database, 0600, and is never made again over keyed chains', () => {
    const { app, dir } = ledgerApp();
    const d = newDriver(app);
    topUp(app, { key: 'topup-1', driverId: d.id, amountFen: 1_000, channel: 'cash' });
    const keyFile = path.join(dir, 'chain-key');
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    const hex = fs.readFileSync(keyFile, 'utf8').trim();
    expect(hex).toMatch(/^[0-9a-f]{64}$/);
    const inDb = app.sqlite.prepare("SELECT count(*) AS n FROM app_meta WHERE value LIKE '%' || ? || '%'").get(hex) as { n: number };
    expect(inDb.n).toBe(0);
    app.close();
    fs.rmSync(keyFile);
    const again = makeApp({ dir }).app;
    expect(verifyLedger(again).violations).toEqual([expect.objectContaining({ kind: 'chain_key_missing', message: expect.stringContaining(keyFile) })]);
    expect(depotError(() => topUp(again, { key: 'topup-2', driverId: d.id, amountFen: 1_000, channel: 'cash' })).code).toBe('chain_key_missing');
    expect(fs.existsSync(keyFile)).toBe(false);
  });

  it('batches made for an operator who has no row in the audit log are reported', async () => {
    const { app } = ledgerApp();
    const d = newDriver(app);
    const { createOperator } = await import('../../src-main/operators');
    const op = await createOperator(app, { name: 'cashier', role: 'operator', password: 'correct-horse' });
    topUp(app, { key: 'topup-1', driverId: d.id, amountFen: 1_000, channel: 'cash' }, { operatorId: op.id });
    expect(verifyLedger(app).warnings).toEqual([expect.objectContaining({ kind: 'unaudited_batch', message: expect.stringContaining('topup-1') })]);
  });

  it('transfers through the engine, many batches and replays, keep the chain valid', () => {
    const { app } = ledgerApp();
    const d = newDriver(app);
    for (let i = 0; i < 20; i += 1) topUp(app, { key: `topup-${i % 15}`, driverId: d.id, amountFen: 100 + (i % 15), channel: 'cash' });
    expectLedgerValid(app);
    expect(verifyLedger(app).chain).toMatchObject({ key: 'ok', head: { id: 15 } });
  });
});

describe('a depot made before the chains existed', () => {
  /** Opens a depot with the migrations before 0024, writes a top-up and two audit rows by hand the way that build did. */
  function legacyDepot(): { dir: string; driverId: string } {
    const migrations = path.join(tempDir(), 'migrations');
    fs.cpSync(path.join(REPO_ROOT, 'migrations'), migrations, { recursive: true });
    const journalFile = path.join(migrations, 'meta', '_journal.json');
    const journal = JSON.parse(fs.readFileSync(journalFile, 'utf8')) as { entries: { tag: string }[] };
    journal.entries = journal.entries.filter((e) => e.tag < '0024');
    fs.writeFileSync(journalFile, JSON.stringify(journal));
    const dir = tempDir();
    const clock = new FakeClock('2026-01-15T01:00:00Z');
    const app = openCore({ dataDir: dir, mode: 'test', clock, log: silentLogger(), migrationsDir: migrations });
    // By hand, as that build did: today's addDriver also appends to the journal, which it had not.
    const driverId = 'old-driver';
    const db = app.sqlite;
    db.prepare("INSERT INTO drivers (id, name, phone, created_at) VALUES (?, 'old', '13911110000', 1)").run(driverId);
    openDriverAccounts(db, driverId, 1);
    const batch = Number(db.prepare("INSERT INTO ledger_batches (at, operator_id, operation_key) VALUES (1, NULL, 'old-topup')").run().lastInsertRowid);
    db.prepare(
      "INSERT INTO ledger_transfers (id, debit_account_id, credit_account_id, amount, code, phase, batch, created_at) VALUES ('old-topup', ?, ?, 700, 'topup', 'single', ?, 1)",
    ).run(DEPOT.cashDrawer, driverAccountId(driverId, 'wallet'), batch);
    db.prepare('UPDATE ledger_accounts SET debits_posted = 700 WHERE id = ?').run(DEPOT.cashDrawer);
    db.prepare('UPDATE ledger_accounts SET credits_posted = 700 WHERE id = ?').run(driverAccountId(driverId, 'wallet'));
    let prev = '0'.repeat(64);
    for (const id of [1, 2]) {
      const row = { id, at: id, operatorId: null, operatorName: null, transport: 'cli', method: 'old.command', inputSummary: '{}', result: 'ok' };
      const hash = rowHash(prev, row);
      db.prepare(
        'INSERT INTO audit_log (id, at, operator_id, operator_name, transport, method, input_summary, result, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?)',
      ).run(id, id, null, null, 'cli', 'old.command', '{}', 'ok', prev, hash);
      prev = hash;
    }
    app.close();
    return { dir, driverId };
  }

  it('opens, seals its rows once, keeps working and verifies', () => {
    const { dir, driverId } = legacyDepot();
    const { app } = makeApp({ dir });
    expect(fs.existsSync(path.join(dir, 'chain-key'))).toBe(true);
    topUp(app, { key: 'new-topup', driverId, amountFen: 300, channel: 'cash' });
    expectLedgerValid(app);
    expect(verifyAudit(app)).toMatchObject({ ok: true, rows: 2 });
  });

  it('a sealed row changed afterwards (and its SHA-256 chain recomputed) is found', () => {
    const { dir } = legacyDepot();
    const { app } = makeApp({ dir });
    app.sqlite.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER ledger_transfers_no_update');
    const row = { id: 2, at: 2, operatorId: null, operatorName: null, transport: 'cli', method: 'old.command', inputSummary: '{"edited":1}', result: 'ok' };
    const prev = (app.sqlite.prepare('SELECT hash FROM audit_log WHERE id = 1').get() as { hash: string }).hash;
    app.sqlite.prepare('UPDATE audit_log SET input_summary = ?, hash = ? WHERE id = 2').run(row.inputSummary, rowHash(prev, row));
    expect(verifyAudit(app)).toMatchObject({ ok: false, broken: { reason: expect.stringMatching(/before the chain existed/) } });
    app.sqlite.prepare("UPDATE ledger_transfers SET memo = 'x' WHERE id = 'old-topup'").run();
    expect(verifyLedger(app).violations.map((v) => v.kind)).toContain('chain_broken');
  });
});
