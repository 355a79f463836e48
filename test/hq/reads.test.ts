import type pg from 'pg';
import { describe, expect, test } from 'vitest';
import { ingestBatch, migrateHq } from '../../src-main/hq';
import { fenOf, hqDepots, hqDriver, hqLiabilities, hqReconciliation, hqRevenue } from '../../src-main/hq/reads';
import { postgresForFile, skipWithoutPostgres } from '../postgres';
import { batch, chain, operation, transfer, type Fact } from './journal-rows';
import { threeDepots, DEPOT_A, DEPOT_B, DEPOT_C, SHARED_PHONE } from './hq-fixture';

/**
 * HQ's read queries (src-main/hq/reads.ts) over a real PostgreSQL: three depots' journals built with
 * the shared hash, ingested as the ingestor does, and every figure checked to the fen against sums
 * worked out by hand from the facts in hq-fixture.ts.
 */
const missing = skipWithoutPostgres('test/hq/reads.test.ts');
const postgres = postgresForFile();

async function hqWith(depots: readonly { depot: string; name: string; facts: Fact[] }[]): Promise<pg.Pool> {
  const { pool } = await postgres.freshDatabase();
  await migrateHq(pool);
  for (const d of depots) {
    const ack = await ingestBatch(pool, batch(d.depot, chain(d.depot, d.facts), undefined, d.name));
    expect(ack?.refused, d.name).toBeNull();
  }
  return pool;
}

describe('fenOf', () => {
  test('parses whole numbers exactly and refuses what it cannot show exactly', () => {
    expect(fenOf('123456789012')).toBe(123456789012);
    expect(fenOf('-5')).toBe(-5);
    expect(fenOf(null)).toBe(0);
    expect(() => fenOf('12.5')).toThrow(/whole number/);
    expect(() => fenOf('9007199254740993')).toThrow(/too large/);
  });
});

describe.skipIf(missing)('HQ reads across depots', { timeout: 60_000 }, () => {
  test('depots with their lag', async () => {
    const pool = await hqWith(threeDepots());
    const d = await hqDepots(pool);
    expect(d.depots.map((x) => [x.name, x.lagRows, x.refused])).toEqual([
      ['Depot C', 0, null],
      ['North', 0, null],
      ['South', 0, null],
    ]);
    expect(d.totals.depots).toBe(3);
  });

  test('revenue by day (in the depots’ zone) and by depot: credits to revenue less debits, holds left out', async () => {
    const pool = await hqWith(threeDepots());
    const r = await hqRevenue(pool, { from: '2026-01-15', to: '2026-01-16' });
    expect(r.byDay).toEqual([
      { day: '2026-01-15', electricityFen: 9_000, serviceFen: 2_500, totalFen: 11_500 },
      // A's 500 − 100 refunded, C's 400 booked at 01:00 Shanghai (17:00 UTC the day before).
      { day: '2026-01-16', electricityFen: 800, serviceFen: 250, totalFen: 1_050 },
    ]);
    expect(r.byDepot).toEqual([
      { depotId: DEPOT_B, name: 'South', electricityFen: 7_000, serviceFen: 1_500, totalFen: 8_500 },
      { depotId: DEPOT_A, name: 'North', electricityFen: 2_400, serviceFen: 1_250, totalFen: 3_650 },
      { depotId: DEPOT_C, name: 'Depot C', electricityFen: 400, serviceFen: 0, totalFen: 400 },
    ]);
    expect(r.totals).toEqual({ electricityFen: 9_800, serviceFen: 2_750, totalFen: 12_550 });
    expect(r.byDepotDay).toHaveLength(4);
    // In UTC, C's revenue falls on the 15th.
    const utc = await hqRevenue(pool, { from: '2026-01-15', to: '2026-01-15', timeZone: 'UTC' });
    expect(utc.byDepot.find((x) => x.depotId === DEPOT_C)?.totalFen).toBe(400);
    const none = await hqRevenue(pool, { from: '2026-01-17', to: '2026-01-20' });
    expect(none.byDay).toEqual([]);
    expect(none.totals.totalFen).toBe(0);
  });

  test('liabilities: every wallet, from the opening balances on', async () => {
    const pool = await hqWith(threeDepots());
    const l = await hqLiabilities(pool);
    expect(l.depots).toEqual([
      { depotId: DEPOT_B, name: 'South', openingFen: 0, walletsFen: 11_500, wallets: 1 },
      { depotId: DEPOT_A, name: 'North', openingFen: 4_000, walletsFen: 10_350, wallets: 2 },
      { depotId: DEPOT_C, name: 'Depot C', openingFen: 0, walletsFen: 2_600, wallets: 1 },
    ]);
    expect(l.totals).toEqual({ walletsFen: 24_450, depots: 3 });
  });

  test('a driver across depots by phone', async () => {
    const pool = await hqWith(threeDepots());
    const d = await hqDriver(pool, ` ${SHARED_PHONE} `);
    expect(d.lines.map((l) => [l.name, l.driverId, l.topUps, l.topUpsFen, l.charges, l.chargesFen, l.balanceFen])).toEqual([
      ['North', 'dA1', 1, 10_000, 4, 3_750, 10_350],
      ['South', 'dB7', 1, 20_000, 2, 8_500, 11_500],
    ]);
    expect(d.totals).toEqual({ balanceFen: 21_850, topUpsFen: 30_000, chargesFen: 12_250, depots: 2 });
    expect((await hqDriver(pool, '13900000000')).lines).toEqual([]);
  });

  test('reconciliation: one merchant account by day, each depot’s statement beside its own clearing', async () => {
    const pool = await hqWith(threeDepots());
    const r = await hqReconciliation(pool, { from: '2026-01-01', to: '2026-01-31' });
    expect(r.rows.map((x) => [x.channel, x.merchantId, x.day, x.depots.map((d) => [d.name, d.paymentTotalFen, d.clearingInFen, d.differenceFen])])).toEqual([
      ['alipay', '2088M2', '2026-01-16', [['Depot C', 3_000, 3_000, 0]]],
      [
        'wechat',
        '1900M1',
        '2026-01-15',
        [
          ['North', 10_000, 10_000, 0],
          ['South', 20_100, 20_000, 100],
        ],
      ],
    ]);
    expect(r.rows[1].totals).toEqual({
      paymentTotalFen: 30_100,
      refundTotalFen: 0,
      feeTotalFen: 180,
      netFen: 29_920,
      clearingInFen: 30_000,
      clearingOutFen: 0,
      differenceFen: 100,
    });
    const one = await hqReconciliation(pool, { from: '2026-01-01', to: '2026-01-31', channel: 'wechat', merchantId: '1900M1' });
    expect(one.rows.map((x) => x.day)).toEqual(['2026-01-15']);
  });

  test('sums past 2^31 fen stay exact', async () => {
    const big = 3_000_000_000_00; // 3 billion yuan in fen
    const pool = await hqWith([
      {
        depot: DEPOT_A,
        name: 'North',
        facts: [
          operation(
            'settle:big1',
            [transfer('b1', big, 'settle', { debit: 'driver:x:wallet', credit: 'depot:electricity_revenue', at: Date.parse('2026-01-15T02:00:00Z') })],
            'settle',
          ),
          operation(
            'settle:big2',
            [transfer('b2', big + 1, 'settle', { debit: 'driver:x:wallet', credit: 'depot:electricity_revenue', at: Date.parse('2026-01-15T03:00:00Z') })],
            'settle',
          ),
        ],
      },
    ]);
    const r = await hqRevenue(pool, { from: '2026-01-15', to: '2026-01-15' });
    expect(r.totals.totalFen).toBe(2 * big + 1);
  });
});
