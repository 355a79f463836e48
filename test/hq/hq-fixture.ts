import { operation, transfer, type Fact, type Transfer } from './journal-rows';

/**
 * Three depots' journals for HQ's reads (test/hq/reads.test.ts) and screens (test/e2e/hq.spec.ts),
 * with the figures they must give worked out by hand in the comments. Days are in Asia/Shanghai
 * (UTC+8): 01:00 UTC is 09:00 the same day there, 17:00 UTC is 01:00 the next day.
 */
export const DEPOT_A = 'aaaa0000000000000000000000000001';
export const DEPOT_B = 'bbbb0000000000000000000000000002';
export const DEPOT_C = 'cccc0000000000000000000000000003';
/** The driver registered at A (dA1) and at B (dB7). */
export const SHARED_PHONE = '13800001111';

const DAY1 = Date.parse('2026-01-15T01:00:00Z');
const DAY2 = Date.parse('2026-01-16T01:00:00Z');
/** 2026-01-16 01:00 in Shanghai, still the 15th in UTC. */
const DAY2_EARLY = Date.parse('2026-01-15T17:00:00Z');

const move = (id: string, amount: number, code: string, debit: string, credit: string, at: number, more: Partial<Transfer> = {}): Transfer =>
  transfer(id, amount, code, { debit, credit, at, ...more });

const driver = (driverId: string, phone: string, name: string): Fact => ({ key: `driver:${driverId}`, kind: 'driver.registered', payload: { driverId, phone, name } });

const statement = (id: string, channel: string, merchantId: string, day: string, paymentTotalFen: number, feeTotalFen: number): Fact => ({
  key: `statement:${id}`,
  kind: 'recon.statement_imported',
  payload: {
    statementId: id,
    channel,
    merchantId,
    billDates: [day],
    rowCount: 1,
    paymentCount: 1,
    refundCount: 0,
    paymentTotalFen,
    refundTotalFen: 0,
    feeTotalFen,
    netFen: paymentTotalFen - feeTotalFen,
  },
});

/**
 * A "North": opening wallets 4,000 (dA1 5,000 − 1,000); top-up 10,000 by WeChat on the 15th; a
 * session settled 2,000 + 1,000 on the 15th, another 500 + 250 on the 16th, 100 of its electricity
 * given back; a hold of 999 still pending (moves nothing). Wallet 4,000 + 10,000 − 3,000 − 750 + 100
 * = 10,350; revenue 2,400 electricity + 1,250 service. Its WeChat statement for the 15th: 10,000.
 * B "South": top-up 20,000 by WeChat, a session settled 7,000 + 1,500, all on the 15th: wallet
 * 11,500. Its statement for the same merchant and day says 20,100: 100 more than it booked.
 * C: another driver, top-up 3,000 by Alipay and 400 electricity at 01:00 Shanghai on the 16th.
 */
export function threeDepots(): { depot: string; name: string; facts: Fact[] }[] {
  const wA = 'driver:dA1:wallet';
  const wB = 'driver:dB7:wallet';
  const wC = 'driver:dC2:wallet';
  return [
    {
      depot: DEPOT_A,
      name: 'North',
      facts: [
        {
          key: 'opening:1',
          kind: 'ledger.opening_balances',
          payload: {
            part: 1,
            parts: 1,
            accounts: [
              { id: 'driver:dA0:wallet', debitsPosted: 0, creditsPosted: 0, debitsPending: 0, creditsPending: 0 },
              { id: wA, debitsPosted: 1_000, creditsPosted: 5_000, debitsPending: 0, creditsPending: 0 },
            ],
          },
        },
        driver('dA1', SHARED_PHONE, 'Wang'),
        operation('pay:A1', [move('a-t1', 10_000, 'topup', 'depot:clearing:wechat', wA, DAY1)]),
        operation(
          'settle:A1',
          [
            move('a-t2', 2_000, 'settle', wA, 'depot:electricity_revenue', DAY1 + 3_600_000),
            move('a-t3', 1_000, 'settle', wA, 'depot:service_revenue', DAY1 + 3_600_000),
          ],
          'settle',
        ),
        operation('hold:A2', [move('a-h1', 999, 'hold', wA, 'driver:dA1:held', DAY2, { phase: 'pending' })], 'hold'),
        operation(
          'settle:A2',
          [move('a-t4', 500, 'settle', wA, 'depot:electricity_revenue', DAY2), move('a-t5', 250, 'settle', wA, 'depot:service_revenue', DAY2)],
          'settle',
        ),
        operation('refund:A2', [move('a-t6', 100, 'refund', 'depot:electricity_revenue', wA, DAY2 + 60_000)], 'refund'),
        statement('st-a', 'wechat', '1900M1', '2026-01-15', 10_000, 60),
      ],
    },
    {
      depot: DEPOT_B,
      name: 'South',
      facts: [
        driver('dB7', SHARED_PHONE, 'Wang'),
        operation('pay:B1', [move('b-t1', 20_000, 'topup', 'depot:clearing:wechat', wB, DAY1)]),
        operation(
          'settle:B1',
          [
            move('b-t2', 7_000, 'settle', wB, 'depot:electricity_revenue', DAY1 + 7_200_000),
            move('b-t3', 1_500, 'settle', wB, 'depot:service_revenue', DAY1 + 7_200_000),
          ],
          'settle',
        ),
        statement('st-b', 'wechat', '1900M1', '2026-01-15', 20_100, 120),
      ],
    },
    {
      depot: DEPOT_C,
      name: 'Depot C',
      facts: [
        driver('dC2', '13700002222', 'Li'),
        operation('pay:C1', [move('c-t1', 3_000, 'topup', 'depot:clearing:alipay', wC, DAY2)]),
        operation('settle:C1', [move('c-t2', 400, 'settle', wC, 'depot:electricity_revenue', DAY2_EARLY)], 'settle'),
        statement('st-c', 'alipay', '2088M2', '2026-01-16', 3_000, 18),
      ],
    },
  ];
}
