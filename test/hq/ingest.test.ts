import type pg from 'pg';
import { describe, expect, test } from 'vitest';
import { hqStatus, ingestBatch, migrateHq, type Ack } from '../../src-main/hq';
import { GENESIS_HASH, journalHash, type JournalRow } from '../../src-main/kernel/journal-hash';
import { postgresForFile, skipWithoutPostgres } from '../postgres';
import { batch, chain, operation, topUps, transfer, type Fact } from './journal-rows';

/**
 * HQ's ingestor against a real PostgreSQL (test/postgres-process.ts): what a depot's batches leave
 * in hq_journal and the read tables, and what HQ answers. Rows are built with the shared hash
 * (journal-rows.ts), as a depot would send them.
 */
const missing = skipWithoutPostgres('test/hq/ingest.test.ts');
const postgres = postgresForFile();

const D1 = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';

async function hq(opts: { max?: number } = {}): Promise<pg.Pool> {
  const { pool } = await postgres.freshDatabase(opts);
  await migrateHq(pool);
  return pool;
}

async function journalOf(pool: pg.Pool, depot = D1): Promise<{ seq: number; key: string; hash: string }[]> {
  const r = await pool.query<{ seq: string; key: string; hash: string }>('SELECT seq, key, hash FROM hq_journal WHERE depot_id = $1 ORDER BY seq', [depot]);
  return r.rows.map((x) => ({ seq: Number(x.seq), key: x.key, hash: x.hash }));
}

async function alerts(pool: pg.Pool): Promise<{ depot_id: string | null; code: string; message: string }[]> {
  return (await pool.query<{ depot_id: string | null; code: string; message: string }>('SELECT depot_id, code, message FROM hq_alerts ORDER BY id')).rows;
}

const ackOf = (rows: readonly JournalRow[], refused: Ack['refused'] = null, depot = D1): Ack => {
  const last = rows.at(-1);
  return { type: 'ack', depot, seq: last?.seq ?? 0, hash: last?.hash ?? GENESIS_HASH, refused };
};

describe.skipIf(missing)('ingesting a depot journal into PostgreSQL', { timeout: 60_000 }, () => {
  test('contiguous batches are stored in order and each ack names the last row stored', async () => {
    const pool = await hq();
    const rows = chain(D1, topUps(25));
    expect(await ingestBatch(pool, batch(D1, rows.slice(0, 10), 25))).toEqual(ackOf(rows.slice(0, 10)));
    expect(await ingestBatch(pool, JSON.stringify(batch(D1, rows.slice(10), 25)))).toEqual(ackOf(rows));
    expect(await journalOf(pool)).toEqual(rows.map((r) => ({ seq: r.seq, key: r.key, hash: r.hash })));
    const status = await hqStatus(pool);
    expect(status.depots).toEqual([expect.objectContaining({ depotId: D1, name: 'Depot North', ackedSeq: 25, tipSeq: 25, lagRows: 0, refused: null })]);
    expect(await alerts(pool)).toEqual([]);
  });

  test('the same batch sent again changes nothing and is answered with the cursor', async () => {
    const pool = await hq();
    const rows = chain(D1, topUps(12));
    await ingestBatch(pool, batch(D1, rows));
    const again = await ingestBatch(pool, batch(D1, rows.slice(3, 8)));
    expect(again).toEqual(ackOf(rows));
    expect(await ingestBatch(pool, batch(D1, rows))).toEqual(ackOf(rows));
    expect((await journalOf(pool)).length).toBe(12);
    const sums = await pool.query<{ n: string; total: string }>('SELECT count(*) AS n, sum(amount) AS total FROM hq_transfers');
    expect(sums.rows[0]).toEqual({ n: '12', total: String(rows.reduce((s, _r, i) => s + 100 * (i + 1), 0)) });
    expect(await alerts(pool)).toEqual([]);
  });

  test('a batch that starts after a gap is refused with reason gap and the cursor is kept', async () => {
    const pool = await hq();
    const rows = chain(D1, topUps(20));
    await ingestBatch(pool, batch(D1, rows.slice(0, 10)));
    const ack = await ingestBatch(pool, batch(D1, rows.slice(12), 20));
    expect(ack).toEqual(ackOf(rows.slice(0, 10), { seq: 13, reason: 'gap', detail: 'row 13 came after row 10; HQ waits for row 11' }));
    expect((await journalOf(pool)).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect((await hqStatus(pool)).depots[0]).toMatchObject({
      ackedSeq: 10,
      tipSeq: 20,
      lagRows: 10,
      refused: { seq: 13, reason: 'gap', words: 'rows are missing before it' },
    });
    expect(await alerts(pool)).toEqual([expect.objectContaining({ depot_id: D1, code: 'journal.gap' })]);
    // The missing rows arrive: the refusal is lifted.
    expect(await ingestBatch(pool, batch(D1, rows.slice(10)))).toEqual(ackOf(rows));
    expect((await hqStatus(pool)).depots[0].refused).toBeNull();
  });

  test('a row whose hash does not match its content is refused, the rows before it kept, and an alert raised once', async () => {
    const pool = await hq();
    const rows = chain(D1, topUps(8));
    const tampered = rows.map((r) => (r.seq === 6 ? { ...r, payload: operation('op:6', [transfer('op-t6', 1)]).payload } : r));
    const ack = await ingestBatch(pool, batch(D1, tampered));
    expect(ack).toEqual(ackOf(rows.slice(0, 5), { seq: 6, reason: 'hash_mismatch', detail: `row 6's hash ${rows[5].hash} is not the hash of its content` }));
    expect((await journalOf(pool)).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect((await pool.query('SELECT transfer_id FROM hq_transfers ORDER BY seq')).rows.map((r: { transfer_id: string }) => r.transfer_id)).toEqual([
      'op-t1',
      'op-t2',
      'op-t3',
      'op-t4',
      'op-t5',
    ]);
    // The depot resends the same batch after its timeout: the same answer, no second alert.
    expect(await ingestBatch(pool, batch(D1, tampered))).toEqual(ack);
    expect(await alerts(pool)).toEqual([expect.objectContaining({ depot_id: D1, code: 'journal.hash_mismatch', message: expect.stringContaining('row 6 refused') })]);
    expect((await hqStatus(pool)).depots[0].refused).toMatchObject({ seq: 6, repeats: 1 });
  });

  test('a row that does not chain from the one before is refused as prev_mismatch', async () => {
    const pool = await hq();
    const rows = chain(D1, topUps(6));
    const forked = chain(D1, topUps(2, 4, 'fork'), { seq: 3, hash: 'f'.repeat(64) });
    const ack = await ingestBatch(pool, batch(D1, [...rows.slice(0, 3), ...forked]));
    expect(ack?.refused).toMatchObject({ seq: 4, reason: 'prev_mismatch' });
    expect(ack?.seq).toBe(3);
  });

  test('a stored row sent again with a different hash is refused as a changed history, and alerted', async () => {
    const pool = await hq();
    const rows = chain(D1, topUps(10));
    await ingestBatch(pool, batch(D1, rows));
    // The depot's history was rewritten from row 7 on (a restored backup, a hand edit): a valid chain, but not the one HQ holds.
    const rewritten = [...rows.slice(0, 6), ...chain(D1, topUps(6, 7, 'other'), rows[5])];
    const ack = await ingestBatch(pool, batch(D1, rewritten.slice(5)));
    expect(ack).toEqual(
      ackOf(rows, { seq: 7, reason: 'history_changed', detail: `HQ stored row 7 with hash ${rows[6].hash}; the depot now sends ${rewritten[6].hash}` }),
    );
    expect(await journalOf(pool)).toEqual(rows.map((r) => ({ seq: r.seq, key: r.key, hash: r.hash })));
    expect(await alerts(pool)).toEqual([expect.objectContaining({ code: 'journal.history_changed' })]);
  });

  test('an idempotency key repeated under a new seq is refused, the rows before it kept', async () => {
    const pool = await hq();
    const first = chain(D1, topUps(5));
    await ingestBatch(pool, batch(D1, first));
    const next = chain(D1, [...topUps(2, 6), operation('op:3', [transfer('op-t3-again', 5)])], first[4]);
    const ack = await ingestBatch(pool, batch(D1, next));
    expect(ack).toEqual(ackOf(next.slice(0, 2), { seq: 8, reason: 'duplicate_key', detail: 'row 8\'s key "op:3" is already stored row 3\'s' }));
    // Within one batch too.
    const pool2 = await hq();
    const inBatch = chain(D1, [...topUps(3), operation('op:2', [transfer('x', 1)])]);
    expect((await ingestBatch(pool2, batch(D1, inBatch)))?.refused).toEqual({ seq: 4, reason: 'duplicate_key', detail: 'row 4\'s key "op:2" is also row 2\'s' });
    expect((await journalOf(pool2)).length).toBe(3);
  });

  test('a transfer id the depot already sent is refused (HQ never counts a transfer twice)', async () => {
    const pool = await hq();
    const rows = chain(D1, [...topUps(3), operation('op:again', [transfer('op-t2', 200)])]);
    const ack = await ingestBatch(pool, batch(D1, rows));
    expect(ack?.refused).toEqual({ seq: 4, reason: 'duplicate_transfer', detail: 'row 4 has transfer op-t2, which row 2 already has' });
    expect((await pool.query<{ total: string }>('SELECT sum(amount) AS total FROM hq_transfers')).rows[0].total).toBe('600');
  });

  test("hq_transfers hold every ledger payload's transfers: the sums per code equal the journal's", async () => {
    const pool = await hq();
    const codes = ['topup', 'hold', 'hold_post', 'settle_electricity', 'refund'];
    const facts: Fact[] = [];
    const expected = new Map<string, { n: number; total: number }>();
    for (let i = 1; i <= 120; i += 1) {
      const transfers = Array.from({ length: 1 + (i % 3) }, (_, j) => {
        const code = codes[(i + j) % codes.length];
        const amount = ((i * 7919 + j * 104_729) % 50_000) + 1;
        const e = expected.get(code) ?? { n: 0, total: 0 };
        expected.set(code, { n: e.n + 1, total: e.total + amount });
        return transfer(`t-${i}-${j}`, amount, code, { sessionId: i % 2 ? `s-${i}` : null, credit: `driver:d${i % 9}:wallet` });
      });
      facts.push(
        i % 10 === 0 ? { key: `transfers:t-${i}-0`, kind: 'ledger.transfers', payload: { op: null, operator: null, transfers } } : operation(`op:${i}`, transfers),
      );
    }
    facts.push({ key: 'order:1', kind: 'payments.order', payload: { orderId: 'o1', amount: 1 } });
    const rows = chain(D1, facts);
    for (let i = 0; i < rows.length; i += 17) expect((await ingestBatch(pool, batch(D1, rows.slice(i, i + 17), rows.length)))?.refused).toBeNull();
    const sums = await pool.query<{ code: string; n: string; total: string }>(
      'SELECT code, count(*) AS n, sum(amount) AS total FROM hq_transfers WHERE depot_id = $1 GROUP BY code',
      [D1],
    );
    expect(new Map(sums.rows.map((r) => [r.code, { n: Number(r.n), total: Number(r.total) }]))).toEqual(expected);
    const kinds = await pool.query<{ kind: string; n: string }>('SELECT kind, count(*) AS n FROM hq_journal GROUP BY kind ORDER BY kind');
    expect(kinds.rows).toEqual([
      { kind: 'ledger.operation', n: '108' },
      { kind: 'ledger.transfers', n: '12' },
      { kind: 'payments.order', n: '1' },
    ]);
  });

  test('opening balances, drivers and imported statements are read into their tables', async () => {
    const pool = await hq();
    const account = (id: string, dp: number, cp: number) => ({ id, debitsPosted: dp, creditsPosted: cp, debitsPending: 0, creditsPending: 0 });
    const rows = chain(D1, [
      {
        key: 'opening:1',
        kind: 'ledger.opening_balances',
        payload: { part: 1, parts: 1, accounts: [account('depot:cash', 5_000, 0), account('driver:d1:wallet', 0, 5_000)] },
      },
      { key: 'driver:d1', kind: 'driver.registered', payload: { driverId: 'd1', phone: '13800000001', name: 'Li' } },
      {
        key: 'statement:abc',
        kind: 'recon.statement_imported',
        payload: {
          statementId: 'st1',
          channel: 'wechat',
          merchantId: 'm-1',
          billDates: ['2026-01-14'],
          rowCount: 3,
          paymentCount: 2,
          refundCount: 1,
          paymentTotalFen: 3_000,
          refundTotalFen: 500,
          feeTotalFen: 18,
          netFen: 2_482,
        },
      },
    ]);
    expect((await ingestBatch(pool, batch(D1, rows)))?.refused).toBeNull();
    expect((await pool.query('SELECT account_id, debits_posted, credits_posted FROM hq_opening_balances ORDER BY account_id')).rows).toEqual([
      { account_id: 'depot:cash', debits_posted: '5000', credits_posted: '0' },
      { account_id: 'driver:d1:wallet', debits_posted: '0', credits_posted: '5000' },
    ]);
    expect((await pool.query('SELECT depot_id, driver_id, phone, name FROM hq_drivers')).rows).toEqual([
      { depot_id: D1, driver_id: 'd1', phone: '13800000001', name: 'Li' },
    ]);
    expect((await pool.query('SELECT statement_id, merchant_id, bill_dates, net_fen FROM hq_statements')).rows).toEqual([
      { statement_id: 'st1', merchant_id: 'm-1', bill_dates: ['2026-01-14'], net_fen: '2482' },
    ]);
  });

  test('a ledger payload HQ cannot read is refused, not stored half-read', async () => {
    const pool = await hq();
    const rows = chain(D1, [...topUps(2), { key: 'op:bad', kind: 'ledger.operation', payload: { op: 'topup', transfers: [{ id: 'x', amount: 'ten' }] } }]);
    const ack = await ingestBatch(pool, batch(D1, rows));
    expect(ack?.refused).toMatchObject({ seq: 3, reason: 'unreadable_payload' });
    expect(ack?.refused?.detail).toMatch(/^row 3 \(ledger\.operation v1\): transfers\.0\.debit: /);
    expect(ack?.seq).toBe(2);
  });

  test('a malformed message changes nothing but an alert naming the problem, and is answered with the cursor', async () => {
    const pool = await hq();
    const rows = chain(D1, topUps(3));
    await ingestBatch(pool, batch(D1, rows));
    const bad = { ...batch(D1, rows), rows: rows.map((r, i) => (i === 1 ? { ...r, hash: 'nothex' } : r)) };
    expect(await ingestBatch(pool, bad, { depotId: D1 })).toEqual(
      ackOf(rows, { seq: 4, reason: 'malformed', detail: 'rows.1.hash: must be a SHA-256 in 64 lower-case hex characters' }),
    );
    expect(await ingestBatch(pool, '{not json', { depotId: D1 })).toMatchObject({
      seq: 3,
      refused: { reason: 'malformed', detail: expect.stringMatching(/^not JSON: /) },
    });
    expect(await ingestBatch(pool, batch('another-depot', []), { depotId: D1 })).toMatchObject({ seq: 3, refused: { reason: 'wrong_depot' } });
    expect(await ingestBatch(pool, { hello: true })).toBeNull();
    expect((await journalOf(pool)).length).toBe(3);
    expect((await pool.query('SELECT depot_id FROM hq_depots')).rows).toEqual([{ depot_id: D1 }]);
    expect((await alerts(pool)).map((a) => [a.depot_id, a.code])).toEqual([
      [D1, 'journal.malformed'],
      [D1, 'journal.malformed'],
      [D1, 'journal.wrong_depot'],
      [null, 'journal.malformed'],
    ]);
  });

  test('a batch with no rows is a hello: it is answered with the cursor', async () => {
    const pool = await hq();
    expect(await ingestBatch(pool, batch(D1, [], 0))).toEqual(ackOf([]));
    const rows = chain(D1, topUps(4));
    await ingestBatch(pool, batch(D1, rows));
    expect(await ingestBatch(pool, batch(D1, [], 9))).toEqual(ackOf(rows));
    expect((await hqStatus(pool)).depots[0]).toMatchObject({ ackedSeq: 4, tipSeq: 9, lagRows: 5 });
  });

  test("two ingestors racing on one depot's batches store each row exactly once (the cursor is locked)", async () => {
    const { url } = await postgres.freshDatabase();
    const pg = (await import('pg')).default;
    const a = new pg.Pool({ connectionString: url, max: 2 });
    const b = new pg.Pool({ connectionString: url, max: 2 });
    try {
      await Promise.all([migrateHq(a), migrateHq(b)]);
      const rows = chain(D1, topUps(300));
      // What a depot resending after lost acks produces: overlapping, growing batches.
      const batches = Array.from({ length: 30 }, (_, i) => rows.slice(Math.max(0, i * 10 - 5), i * 10 + 10));
      const send = async (pool: pg.Pool) => {
        const acks: (Ack | null)[] = [];
        for (const b of batches) acks.push(await ingestBatch(pool, batch(D1, b, 300)));
        return acks;
      };
      const [fromA, fromB] = await Promise.all([send(a), send(b)]);
      expect([...fromA, ...fromB].filter((x) => x?.refused)).toEqual([]);
      expect(fromA.at(-1)).toEqual(ackOf(rows));
      expect(fromB.at(-1)).toEqual(ackOf(rows));
      expect(await journalOf(a)).toEqual(rows.map((r) => ({ seq: r.seq, key: r.key, hash: r.hash })));
      expect((await a.query<{ n: string }>('SELECT count(*) AS n FROM hq_transfers')).rows[0].n).toBe('300');
    } finally {
      await Promise.all([a.end(), b.end()]);
    }
  });

  test('depots are kept apart: the same seq and key at two depots are two rows', async () => {
    const pool = await hq();
    const D2 = 'ffeeddccbbaa00998877665544332211';
    const one = chain(D1, topUps(3));
    const two = chain(D2, topUps(3));
    expect(two[0].hash).not.toBe(one[0].hash);
    await ingestBatch(pool, batch(D1, one));
    expect(await ingestBatch(pool, batch(D2, two, 3, 'Depot South'))).toEqual(ackOf(two, null, D2));
    // A depot cannot pass off another's rows as its own: the hash covers the depot id.
    expect((await ingestBatch(pool, batch(D2, chain(D1, topUps(1, 4), one[2]))))?.refused).toMatchObject({ reason: 'prev_mismatch' });
    expect((await hqStatus(pool)).totals).toMatchObject({ depots: 2, rows: 6 });
    expect(journalHash(D2, one[0])).not.toBe(one[0].hash);
  });

  test('an HQ migration edited after it was applied is refused before anything changes', async () => {
    const pool = await hq();
    const mine = [{ name: '9001_probe', sql: 'CREATE TABLE hq_probe (id int)' }];
    const { HQ_MIGRATIONS } = await import('../../src-main/hq');
    expect(await migrateHq(pool, [...HQ_MIGRATIONS, ...mine])).toEqual(['9001_probe']);
    await expect(migrateHq(pool, [...HQ_MIGRATIONS, { ...mine[0], sql: 'CREATE TABLE hq_probe (id bigint)' }])).rejects.toMatchObject({ code: 'migration_edited' });
    await expect(migrateHq(pool)).rejects.toMatchObject({ code: 'schema_too_new' });
    expect(await migrateHq(pool, [...HQ_MIGRATIONS, ...mine])).toEqual([]);
  });
});
