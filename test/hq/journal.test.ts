import { describe, expect, it } from 'vitest';
import type { AppContext } from '../../src-main/kernel/context';
import { writeTx } from '../../src-main/kernel/db/connection';
import { appendJournal, depotId, journalTip, pruneJournal, readJournal, verifyJournal } from '../../src-main/kernel/journal';
import { chainBreak, GENESIS_HASH, journalHash, journalHashOfPayloadJson, type JournalRow } from '../../src-main/kernel/journal-hash';
import { canonicalJson } from '../../src-main/kernel/json';
import { addDriver, DEPOT, driverAccountId, placeHold, topUp } from '../../src-main/ledger';
// Plain transfers (a campaign's chunk) go below the named operations, as the campaign does.
import { createTransfers } from '../../src-main/ledger/engine';
import { importStatement } from '../../src-main/reconciliation';
import { cancelOrder, createOrder } from '../../src-main/payments';
import { journalDoctorCheck } from '../../src-main/system';
import { makeApp } from '../helpers';
import { depotError } from '../ledger/fixtures';
import { wechatBytes, wechatPayment } from '../reconciliation/fixtures';

/**
 * The guarantees of src-main/kernel/journal.ts and of the rows the ledger, drivers, statements and
 * orders append to it (issue 22): what headquarters receives is exactly what the depot committed,
 * gap-free and hash-chained. Real depot files through the real open path, a fake clock.
 */

let phone = 13600000000;
function driver(app: AppContext, name = 'driver') {
  phone += 1;
  return addDriver(app, { name, phone: String(phone) });
}

const all = (app: AppContext): JournalRow[] => readJournal(app.sqlite, 0, 10_000);
const kinds = (app: AppContext) => all(app).map((r) => `${r.seq} ${r.kind} ${r.key}`);

describe('a journal row commits with its fact or not at all', () => {
  it('a top-up appends one ledger.operation row listing its transfer; a replay of its key appends nothing', () => {
    const { app, clock } = makeApp();
    const d = driver(app, '陈师傅');
    clock.advance(60_000);
    topUp(app, { key: 'topup-1', driverId: d.id, amountFen: 5000, channel: 'cash' }, { operatorId: null });
    expect(kinds(app)).toEqual([`1 driver.registered driver:${d.id}`, '2 ledger.operation topup-1']);
    const [registered, op] = all(app);
    expect(registered.payload).toEqual({ driverId: d.id, phone: d.phone, name: '陈师傅' });
    expect(op).toMatchObject({ v: 1, at: clock.now(), prev: registered.hash });
    // The engine writes this payload with JSON.stringify, its keys in sorted order: it must be canonical.
    expect(app.sqlite.prepare('SELECT payload FROM journal WHERE seq = 2').pluck().get()).toBe(canonicalJson(op.payload));
    expect(op.payload).toEqual({
      op: 'topup',
      operator: null,
      transfers: [
        {
          id: 'topup-1',
          debit: DEPOT.cashDrawer,
          credit: driverAccountId(d.id, 'wallet'),
          amount: 5000,
          code: 'topup',
          phase: 'single',
          pendingId: null,
          sessionId: null,
          orderId: null,
          campaignId: null,
          debtId: null,
          statementRow: null,
          at: clock.now(),
        },
      ],
    });
    clock.advance(1_000);
    expect(topUp(app, { key: 'topup-1', driverId: d.id, amountFen: 5000, channel: 'cash' }).replayed).toBe(true);
    expect(journalTip(app.sqlite).seq).toBe(2);
  });

  it('an operation that fails (a hold beyond the wallet) leaves no row', () => {
    const { app } = makeApp();
    const d = driver(app);
    topUp(app, { key: 'topup-1', driverId: d.id, amountFen: 1000, channel: 'cash' });
    const before = journalTip(app.sqlite);
    expect(depotError(() => placeHold(app, { key: 'hold-1', driverId: d.id, amountFen: 5000, expiresAt: app.clock.now() + 60_000 })).code).toBe('insufficient_funds');
    expect(journalTip(app.sqlite)).toEqual(before);
  });

  it('an operation inside an outer transaction that rolls back leaves no row, and no transfer', () => {
    const { app } = makeApp();
    const d = driver(app);
    const before = journalTip(app.sqlite);
    expect(() =>
      writeTx(app.sqlite, () => {
        topUp(app, { key: 'topup-rolled-back', driverId: d.id, amountFen: 1000, channel: 'cash' });
        expect(journalTip(app.sqlite).seq).toBe(before.seq + 1);
        throw new Error('the caller changed its mind');
      }),
    ).toThrow(/changed its mind/);
    expect(journalTip(app.sqlite)).toEqual(before);
    expect(app.sqlite.prepare("SELECT count(*) AS n FROM ledger_transfers WHERE id = 'topup-rolled-back'").get()).toEqual({ n: 0 });
  });

  it('refuses an append outside a write transaction, naming the fact, and writes nothing', () => {
    const { app } = makeApp();
    const e = depotError(() => appendJournal(app.sqlite, 1, { key: 'loose:1', kind: 'test.fact', payload: {} }));
    expect(e.code).toBe('internal');
    expect(e.message).toMatch(/test\.fact loose:1 was appended outside a write transaction/);
    expect(journalTip(app.sqlite).seq).toBe(0);
  });

  it('a key is used once: a second append with it is an idempotency_conflict naming the key', () => {
    const { app } = makeApp();
    writeTx(app.sqlite, () => appendJournal(app.sqlite, 1, { key: 'fact:1', kind: 'test.fact', payload: { n: 1 } }));
    const e = depotError(() => writeTx(app.sqlite, () => appendJournal(app.sqlite, 2, { key: 'fact:1', kind: 'test.fact', payload: { n: 2 } })));
    expect(e.code).toBe('idempotency_conflict');
    expect(e.message).toContain('fact:1');
    expect(all(app).map((r) => r.payload)).toEqual([{ n: 1 }]);
  });

  it('plain transfers (a campaign chunk) append one ledger.transfers row keyed by the first new transfer; a replay appends nothing', () => {
    const { app } = makeApp();
    const [a, b] = [driver(app), driver(app)];
    const credit = (id: string, driverId: string) => ({
      id,
      debitAccountId: DEPOT.compensationExpense,
      creditAccountId: driverAccountId(driverId, 'wallet'),
      amount: 300,
      code: 'compensation' as const,
      campaignId: 'camp-1',
    });
    const tip = journalTip(app.sqlite).seq;
    createTransfers(app, [credit('camp-1:a', a.id), credit('camp-1:b', b.id)], { operatorId: null });
    const [row] = readJournal(app.sqlite, tip, 10);
    expect(row).toMatchObject({ seq: tip + 1, key: 'transfers:camp-1:a', kind: 'ledger.transfers' });
    expect(row.payload).toMatchObject({ op: null, operator: null, transfers: [{ id: 'camp-1:a', campaignId: 'camp-1' }, { id: 'camp-1:b' }] });
    createTransfers(app, [credit('camp-1:a', a.id), credit('camp-1:b', b.id)]);
    expect(journalTip(app.sqlite).seq).toBe(tip + 1);
  });

  it('a statement imported appends recon.statement_imported under its file hash; the same bytes again append nothing', async () => {
    const { app } = makeApp();
    const bytes = wechatBytes({ kind: 'all', rows: [wechatPayment()] });
    const first = await importStatement(app, bytes, 'wechat-20240301.csv');
    expect(first.imported).toBe(true);
    const rows = all(app).filter((r) => r.kind === 'recon.statement_imported');
    expect(rows).toHaveLength(1);
    expect(rows[0].key).toBe(`statement:${first.statement.fileSha256}`);
    expect(rows[0].payload).toEqual({
      statementId: first.statement.id,
      channel: 'wechat',
      merchantId: first.statement.merchantId,
      billDates: first.statement.billDates,
      rowCount: 1,
      paymentCount: 1,
      refundCount: 0,
      paymentTotalFen: first.statement.paymentTotalFen,
      refundTotalFen: 0,
      feeTotalFen: first.statement.feeTotalFen,
      netFen: first.statement.netFen,
    });
    const tip = journalTip(app.sqlite);
    expect((await importStatement(app, bytes, 'again.csv')).imported).toBe(false);
    expect(journalTip(app.sqlite)).toEqual(tip);
  });

  it('a cancelled order appends payments.order; its state change moved no money', async () => {
    const { app } = makeApp();
    const d = driver(app);
    const o = await createOrder(app, { driverId: d.id, amountFen: 8800, channel: 'alipay' });
    const tip = journalTip(app.sqlite).seq;
    cancelOrder(app, o.id, 'driver walked away');
    expect(readJournal(app.sqlite, tip, 10).map((r) => [r.kind, r.key, r.payload])).toEqual([
      ['payments.order', `order:${o.id}:cancelled`, { orderId: o.id, state: 'cancelled', amount: 8800, channel: 'alipay' }],
    ]);
  });
});

describe('the sequence and the chain', () => {
  it('stays gap-free with two connections to the same file writing in turn', () => {
    const one = makeApp();
    const two = makeApp({ dir: one.dir, clock: one.clock });
    const d = driver(one.app);
    for (let i = 0; i < 10; i += 1) {
      const app = i % 2 === 0 ? one.app : two.app;
      topUp(app, { key: `topup-${i}`, driverId: d.id, amountFen: 100 + i, channel: 'cash' });
    }
    const seqs = all(two.app).map((r) => r.seq);
    expect(seqs).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
    expect(verifyJournal(one.app.sqlite)).toEqual({ ok: true, rows: 11, tip: 11 });
    expect(depotId(one.app.sqlite)).toBe(depotId(two.app.sqlite));
  });

  it('chains from the genesis hash, each row from the one before, under the depot id', () => {
    const { app } = makeApp();
    const d = driver(app);
    topUp(app, { key: 'topup-1', driverId: d.id, amountFen: 100, channel: 'cash' });
    const rows = all(app);
    expect(rows[0].prev).toBe(GENESIS_HASH);
    expect(rows[1].prev).toBe(rows[0].hash);
    const { hash, ...rest } = rows[1];
    expect(journalHash(depotId(app.sqlite), rest)).toBe(hash);
    expect(depotId(app.sqlite)).toMatch(/^[0-9a-f]{32}$/);
    expect(chainBreak(depotId(app.sqlite), { seq: 0, hash: GENESIS_HASH }, rows)).toBeNull();
    expect(journalDoctorCheck(app)).toMatchObject({ name: 'journal_chain', ok: true });
  });

  it('refuses an UPDATE, and a row edited by hand (the trigger dropped) is named by verifyJournal and the doctor', () => {
    const { app } = makeApp();
    const d = driver(app);
    topUp(app, { key: 'topup-1', driverId: d.id, amountFen: 100, channel: 'cash' });
    topUp(app, { key: 'topup-2', driverId: d.id, amountFen: 200, channel: 'cash' });
    expect(() => app.sqlite.prepare("UPDATE journal SET payload = '{}' WHERE seq = 2").run()).toThrow(/journal is append-only/);
    app.sqlite.exec('DROP TRIGGER journal_no_update');
    const edited = app.sqlite.prepare('SELECT payload FROM journal WHERE seq = 2').pluck().get() as string;
    app.sqlite.prepare('UPDATE journal SET payload = ? WHERE seq = 2').run(edited.replace('"amount":100', '"amount":10000'));
    expect(verifyJournal(app.sqlite)).toEqual({ ok: false, seq: 2, reason: 'hash_mismatch' });
    expect(journalDoctorCheck(app)).toMatchObject({ name: 'journal_chain', ok: false, detail: expect.stringMatching(/breaks at seq 2 \(hash mismatch/) });
  });

  it('the depot id never changes: triggers refuse updating or deleting it', () => {
    const { app } = makeApp();
    const id = depotId(app.sqlite);
    expect(() => app.sqlite.prepare("UPDATE app_meta SET value = 'other' WHERE key = 'depot.id'").run()).toThrow(/depot\.id/);
    expect(() => app.sqlite.prepare("DELETE FROM app_meta WHERE key = 'depot.id'").run()).toThrow(/depot\.id/);
    expect(app.sqlite.prepare("SELECT value FROM app_meta WHERE key = 'depot.id'").pluck().get()).toBe(id);
  });
});

describe('pruning', () => {
  it('deletes what the checkpoint covers but keeps the tip; the next append chains from it and the rest verifies', () => {
    const { app } = makeApp();
    const d = driver(app);
    for (let i = 0; i < 4; i += 1) topUp(app, { key: `topup-${i}`, driverId: d.id, amountFen: 100, channel: 'cash' });
    const tip = journalTip(app.sqlite);
    expect(tip.seq).toBe(5);
    expect(pruneJournal(app.sqlite, 3)).toBe(3);
    expect(pruneJournal(app.sqlite, 100)).toBe(1);
    expect(all(app).map((r) => r.seq)).toEqual([5]);
    expect(journalTip(app.sqlite)).toEqual(tip);
    expect(() => app.sqlite.prepare('DELETE FROM journal WHERE seq = 5').run()).toThrow(/tip/);
    topUp(app, { key: 'topup-after', driverId: d.id, amountFen: 100, channel: 'cash' });
    const [kept, next] = all(app);
    expect(next).toMatchObject({ seq: 6, prev: kept.hash });
    expect(verifyJournal(app.sqlite)).toEqual({ ok: true, rows: 2, tip: 6 });
  });
});

describe('a depot that had a ledger before its journal', () => {
  it('starts the journal with opening balances equal to its accounts and its drivers, once', () => {
    const first = makeApp();
    const { app } = first;
    const [a, b] = [driver(app, 'a'), driver(app, 'b')];
    topUp(app, { key: 'topup-a', driverId: a.id, amountFen: 5000, channel: 'cash' });
    topUp(app, { key: 'topup-b', driverId: b.id, amountFen: 700, channel: 'wechat' });
    placeHold(app, { key: 'hold-a', driverId: a.id, amountFen: 1200, expiresAt: app.clock.now() + 3_600_000 });
    // As the depot was before migration 0039: no journal rows at all.
    app.sqlite.exec('DROP TRIGGER journal_keep_tip; DELETE FROM journal;');
    app.close();

    const { app: reopened } = makeApp({ dir: first.dir, clock: first.clock });
    const accounts = reopened.sqlite
      .prepare(
        `SELECT id, debits_posted AS debitsPosted, credits_posted AS creditsPosted, debits_pending AS debitsPending, credits_pending AS creditsPending
         FROM ledger_accounts ORDER BY id`,
      )
      .all();
    const rows = all(reopened);
    expect(rows.map((r) => `${r.seq} ${r.kind} ${r.key}`)).toEqual([
      '1 ledger.opening_balances opening:1',
      `2 driver.registered driver:${a.id}`,
      `3 driver.registered driver:${b.id}`,
    ]);
    expect(rows[0].payload).toEqual({ part: 1, parts: 1, accounts });
    expect(accounts).toContainEqual({ id: driverAccountId(a.id, 'wallet'), debitsPosted: 0, creditsPosted: 5000, debitsPending: 1200, creditsPending: 0 });
    expect(verifyJournal(reopened.sqlite)).toEqual({ ok: true, rows: 3, tip: 3 });
    reopened.close();

    const { app: third } = makeApp({ dir: first.dir, clock: first.clock });
    expect(journalTip(third.sqlite).seq).toBe(3);
  });

  it('a new depot writes no opening rows: its journal starts with its first fact', () => {
    const { app } = makeApp();
    expect(journalTip(app.sqlite)).toEqual({ seq: 0, hash: GENESIS_HASH });
    expect(verifyJournal(app.sqlite)).toEqual({ ok: true, rows: 0, tip: 0 });
  });
});

describe('chainBreak (kernel/journal-hash.ts)', () => {
  const depot = 'a'.repeat(32);
  function chain(n: number): JournalRow[] {
    const rows: JournalRow[] = [];
    let prev = GENESIS_HASH;
    for (let seq = 1; seq <= n; seq += 1) {
      const row = { seq, key: `k${seq}`, kind: 'test.fact', v: 1, at: 1_000 + seq, prev, payload: { seq, b: [1, 2], a: 'x' } };
      const hash = journalHash(depot, row);
      rows.push({ ...row, hash });
      prev = hash;
    }
    return rows;
  }

  it('accepts a whole chain, and a run that starts after pruning from its own predecessor', () => {
    const rows = chain(4);
    expect(chainBreak(depot, { seq: 0, hash: GENESIS_HASH }, rows)).toBeNull();
    expect(chainBreak(depot, { seq: 2, hash: rows[1].hash }, rows.slice(2))).toBeNull();
  });

  it('hashes the payload by its canonical JSON: key order does not matter', () => {
    const [row] = chain(1);
    const { hash, ...rest } = row;
    expect(journalHash(depot, { ...rest, payload: { a: 'x', b: [1, 2], seq: 1 } })).toBe(hash);
  });

  it('journalHashOfPayloadJson, the depot’s from the stored text, is byte for byte journalHash, HQ’s', () => {
    const payloads: unknown[] = [
      { z: 1, a: { y: [3, { b: null, a: '中文 "quoted" \\ \n' }], x: true }, m: -0.5 },
      [],
      'plain',
      42,
      null,
      { transfers: [{ id: 't', amount: 9_007_199_254_740_991, memo: undefined }], op: null },
    ];
    for (const payload of payloads) {
      const row = { seq: 7, key: 'k', kind: 'test.fact', v: 2, at: 1_765_000_000_000, prev: GENESIS_HASH };
      expect(journalHashOfPayloadJson(depot, row, canonicalJson(payload))).toBe(journalHash(depot, { ...row, payload }));
    }
  });

  it('names a gap, a prev that does not match, and a hash that does not match, at their seq', () => {
    const rows = chain(4);
    expect(chainBreak(depot, { seq: 0, hash: GENESIS_HASH }, [rows[0], rows[2], rows[3]])).toEqual({ seq: 3, reason: 'gap' });
    expect(chainBreak(depot, { seq: 0, hash: GENESIS_HASH }, [rows[0], { ...rows[1], prev: GENESIS_HASH }, rows[2]])).toEqual({ seq: 2, reason: 'prev_mismatch' });
    expect(chainBreak(depot, { seq: 0, hash: GENESIS_HASH }, [rows[0], rows[1], { ...rows[2], payload: { seq: 3, a: 'y', b: [1, 2] } }])).toEqual({
      seq: 3,
      reason: 'hash_mismatch',
    });
    // Another depot's id: the very first row no longer hashes.
    expect(chainBreak('b'.repeat(32), { seq: 0, hash: GENESIS_HASH }, rows)).toEqual({ seq: 1, reason: 'hash_mismatch' });
  });
});
