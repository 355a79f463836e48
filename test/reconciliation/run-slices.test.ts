import { afterEach, describe, expect, it } from 'vitest';
import { createOrder, handleNotification, simulatedProvider } from '../../src-main/payments';
import { runDay, runDayInSlices, type DayResult } from '../../src-main/reconciliation';
import { newDriver } from '../payments/fixtures';
import { wechatPayment, type WechatRow } from './fixtures';
import { DAY, dayAfter, endReconApp, importWechat, paidOrder, reconApp, wechatRowOf, type ReconApp } from './scenario';

/**
 * Issue 18: a day's reconciliation run on the operator's thread (runDayInSlices) reads the day a
 * slice at a time with yields between, then writes it in one short transaction; the day it writes
 * is the day runDay (one transaction) writes, even when a statement is kept or an order of the day
 * is paid while the slices run (src-main/reconciliation/match.ts).
 */

let t: ReconApp | undefined;
afterEach(async () => {
  await endReconApp(t);
  t = undefined;
});

/** `n` payments on DAY of trades that are not ours (长款 waiting for their window). */
function strangers(n: number, from = 0): WechatRow[] {
  return Array.from({ length: n }, (_, i) =>
    wechatPayment({
      交易时间: '2026-03-01 10:00:00',
      微信订单号: `42000099992026030100${String(from + i).padStart(8, '0')}`,
      商户订单号: `DD2026030177${String(from + i).padStart(6, '0')}`,
    }),
  );
}

/** Runs `between` in every event-loop turn while `run` has not settled; returns the run's result and how many turns there were. */
async function whileRunning(run: Promise<DayResult>, between: (turn: number) => void = () => {}): Promise<{ result: DayResult; turns: number }> {
  let settled = false;
  let turns = 0;
  const done = run.finally(() => (settled = true));
  const tick = () => {
    if (settled) return;
    between(++turns);
    setImmediate(tick);
  };
  setImmediate(tick);
  return { result: await done, turns };
}

/** A day with 200 of our paid orders on the bill, 40 paid orders the bill misses and 1,500 payments that are not ours. */
async function busyDay(t: ReconApp) {
  const ours = [];
  for (let i = 0; i < 240; i++) ours.push(await paidOrder(t.app, 1000 + i));
  await importWechat(t, [...ours.slice(0, 200).map((o) => wechatRowOf(o)), ...strangers(1500)]);
  return ours;
}

describe('the day read in slices', () => {
  it('gives the figures, pending items and breaks that one transaction gives, while the event loop turns between slices', async () => {
    t = await reconApp();
    await busyDay(t);
    dayAfter(t, 1);
    const { result, turns } = await whileRunning(runDayInSlices(t.app, DAY, 0.001));
    expect(turns).toBeGreaterThan(50);
    expect(result.figures).toMatchObject({ matchedPayments: 200, pendingCount: 1540 });
    expect(result.figures.channels.wechat).toMatchObject({ gatewayPayments: { count: 1700 }, ourPayments: { count: 240 } });
    // Run again in one transaction: nothing new, the same day.
    const again = runDay(t.app, DAY);
    expect(again.figures).toEqual(result.figures);
    expect(again.state).toBe(result.state);
  });

  it('a statement kept while the slices run is in the day it writes: the reads are made again under the write lock', async () => {
    t = await reconApp();
    const ours = await busyDay(t);
    dayAfter(t, 1);
    // The 40 orders the first bill missed arrive in a second file during the run.
    let late: Promise<unknown> | undefined;
    const { result } = await whileRunning(runDayInSlices(t.app, DAY, 0.001), (turn) => {
      if (turn === 5)
        late = importWechat(
          t!,
          ours.slice(200).map((o) => wechatRowOf(o)),
        );
    });
    await late;
    expect(result.figures).toMatchObject({ matchedPayments: 240, pendingCount: 1500 });
    expect(runDay(t.app, DAY).figures).toEqual(result.figures);
  });

  it('an order of the day paid while the slices run is in the day it writes', async () => {
    t = await reconApp();
    // The driver pays at the gateway first thing on DAY; its notification reaches the depot only
    // during the run, once the slices of our side have passed its place in the paid index.
    const d = newDriver(t.app);
    const pending = await createOrder(t.app, { driverId: d.id, amountFen: 777, channel: 'wechat' });
    const notification = simulatedProvider(t.app, 'wechat')!.pay(pending.number, pending.payable);
    await busyDay(t);
    dayAfter(t, 1);
    const before = runDay(t.app, DAY);
    expect(before.figures.channels.wechat.ourPayments.count).toBe(240);
    let paid = false;
    // Slices of ten rows: the 1,700 gateway rows take about 161 turns, our 240 orders the next 24.
    const { result, turns } = await whileRunning(runDayInSlices(t.app, DAY, 0.001), (turn) => {
      if (turn !== 175) return;
      handleNotification(t!.app, 'wechat', notification);
      paid = true;
    });
    expect(turns).toBeGreaterThan(180);
    expect(paid).toBe(true);
    expect(result.figures.channels.wechat.ourPayments).toEqual({ count: 241, fen: before.figures.channels.wechat.ourPayments.fen + 777 });
    expect(runDay(t.app, DAY).figures).toEqual(result.figures);
  });
});
