import { describe, expect, it } from 'vitest';
import { collectDebts, listDebts, openDebtAgeing, postSessionCharge, topUp, writeOffDebt } from '../../src-main/ledger';
import { addOperator, ok } from '../helpers';
import { expectLedgerValid, ledgerApp, newDriver } from './fixtures';

const DAY = 86_400_000;

describe('open debts by age (ledger.debtAgeing, for the dashboard)', () => {
  it('puts each open debt in one bucket by its age in whole days; collected and written-off debts leave, a part-collected one counts what is still owed', async () => {
    const { app, clock } = ledgerApp();
    const empty = openDebtAgeing(app, clock.now());
    expect(empty.buckets.map((b) => b.bucket)).toEqual(['0-7', '8-30', '31-90', '>90']);
    expect(empty.totals).toEqual({ debts: 0, owedFen: 0 });

    // A session settled on an empty wallet leaves the whole amount as a debt.
    const debtFor = (fen: number) => {
      const d = newDriver(app);
      postSessionCharge(app, { key: `settle:${d.id}`, driverId: d.id, electricityFen: fen, serviceFen: 0 });
      return d;
    };
    const ancient = debtFor(10_000); // will be 120 days old
    clock.advance(30 * DAY);
    const old = debtFor(4_000); // 90 days: the last day of 31–90
    clock.advance(60 * DAY);
    const month = debtFor(1_500); // 30 days: the last day of 8–30
    const gone = debtFor(700); // written off below
    clock.advance(22 * DAY);
    const week = debtFor(900); // 8 days
    clock.advance(DAY);
    const fresh = debtFor(250); // 7 days, at the edge of 0–7
    clock.advance(7 * DAY);
    const today = debtFor(300); // 0 days
    // Ages are whole days: 23 hours more changes no bucket.
    clock.advance(23 * 3_600_000);

    writeOffDebt(app, { key: 'wo:gone', debtId: listDebts(app, { driverId: gone.id })[0].debtId, memo: '司机失联' });
    // 600 of the 1,500 comes in: the debt stays open for 900.
    topUp(app, { key: 'top:month', driverId: month.id, amountFen: 600, channel: 'cash' });
    collectDebts(app, { key: 'collect:month', driverId: month.id });

    const r = openDebtAgeing(app, clock.now());
    expect(r.buckets).toEqual([
      { bucket: '0-7', debts: 2, owedFen: 250 + 300 },
      { bucket: '8-30', debts: 2, owedFen: 900 + 900 },
      { bucket: '31-90', debts: 1, owedFen: 4_000 },
      { bucket: '>90', debts: 1, owedFen: 10_000 },
    ]);
    const open = listDebts(app, { status: 'open' });
    expect(r.totals).toEqual({ debts: open.length, owedFen: open.reduce((s, d) => s + d.owedFen, 0) });
    expect(open.map((d) => d.driverId).sort()).toEqual([ancient, old, month, week, fresh, today].map((d) => d.id).sort());

    // Over the contract, for anyone signed in: the same figures as of the depot's clock.
    const operator = await addOperator(app, 'operator');
    expect(await ok(app, operator, 'ledger.debtAgeing', {})).toEqual(r);
    expectLedgerValid(app);
  });
});
