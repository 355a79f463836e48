import { describe, expect, it } from 'vitest';
import { depot } from '../../src-main/modules';
import { runDemo } from '../../src-main/system';
import { getBreak, listBreaks, listDays, listStatements } from '../../src-main/reconciliation';
import { verifyLedger } from '../../src-main/ledger';
import { makeApp } from '../helpers';

/**
 * The demo depot's 对账 (src-main/reconciliation/demo.ts): six past days made through payments and
 * refunds, their statement files imported, the days run. The clock is 2026-01-15 09:00 Shanghai.
 */
describe('the reconciliation demo', () => {
  it('shows a signed-off day, a day with four kinds of break, matched days and one pending day; a second run changes nothing', async () => {
    const { app } = makeApp();
    const steps = await runDemo(app, depot.demoSteps, { password: 'correct-horse' });
    expect(steps.find((s) => s.step === 'reconciliation')?.result).toMatch(/12 statement files imported/);

    const days = Object.fromEntries(listDays(app, '2026-01-01', '2026-01-15').map((d) => [d.day, d]));
    expect(Object.fromEntries(Object.entries(days).map(([day, d]) => [day, d.state]))).toEqual({
      '2026-01-09': 'signed_off',
      '2026-01-10': 'breaks',
      '2026-01-11': 'matched',
      '2026-01-12': 'matched',
      '2026-01-13': 'matched',
      '2026-01-14': 'pending',
    });
    // The signed-off day: five payments on two channels and a refund, all matched.
    expect(days['2026-01-09'].matched).toBe(6);
    expect(days['2026-01-09'].figures.channels.wechat.gatewayRefunds).toEqual({ count: 1, fen: 2000 });
    expect(days['2026-01-09'].figures.channels.alipay.gatewayPayments).toEqual({ count: 2, fen: 16600 });
    expect(days['2026-01-14'].figures.pending.map((p) => [p.kind, p.oursFen, p.ageDays])).toEqual([['short', 6600, 1]]);

    const breaks = listBreaks(app, { day: '2026-01-10' }).breaks;
    expect(breaks.map((b) => [b.kind, b.gatewayFen, b.oursFen]).sort()).toEqual([
      ['amount_mismatch', 7800, 8000],
      ['duplicate', 10000, 0],
      ['long', 5000, 0],
      ['short', 0, 15000],
    ]);
    expect(breaks.every((b) => getBreak(app, b.id).state === 'open')).toBe(true);
    expect(
      listStatements(app)
        .map((s) => s.channel)
        .sort(),
    ).toEqual([...Array(6).fill('alipay'), ...Array(6).fill('wechat')]);
    expect(verifyLedger(app).ok).toBe(true);

    const again = await runDemo(app, depot.demoSteps, { password: 'correct-horse' });
    expect(again.find((s) => s.step === 'reconciliation')?.result).toMatch(/already imported/);
    expect(listStatements(app)).toHaveLength(12);
    expect(listBreaks(app, {}).total).toBe(4);
  });
});
