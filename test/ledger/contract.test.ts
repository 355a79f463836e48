import { describe, expect, it } from 'vitest';
import type { DepotEvent } from '../../src-main/kernel/events';
import { createOperator } from '../../src-main/operators';
import { addOperator, call, makeApp, ok } from '../helpers';

/** The ledger behind the contract: yuan text in, `{ fen, yuan }` out, roles, events, audit. */

describe('the ledger over the contract', () => {
  it('takes yuan text, answers fen and formatted yuan, and names the field of a bad amount', async () => {
    const { app } = makeApp();
    const op = await addOperator(app, 'operator');
    const d = await ok<{ id: string }>(app, op, 'drivers.add', { name: '陈师傅', phone: '13800000001', tags: ['04a1b2c3'] });
    const r = await ok<Record<string, unknown>>(app, op, 'wallet.topup', { driverId: d.id, amount: '45.60', key: 'r-1' });
    expect(r).toMatchObject({ amount: { fen: 4_560, yuan: '45.60' }, wallet: { balance: { fen: 4_560, yuan: '45.60' } }, channel: 'cash', replayed: false });

    for (const [amount, why] of [
      ['45.601', /more than 2 decimals/],
      ['-1', /must not be negative/],
      ['forty', /is not a number/],
      ['0.00', /more than 0\.00/],
    ] as const) {
      const bad = await call(app, op, 'wallet.topup', { driverId: d.id, amount, key: `bad-${amount}` });
      expect(bad.ok).toBe(false);
      if (bad.ok) continue;
      expect(bad.error.code).toBe('invalid_input');
      expect(bad.error.details).toMatchObject({ issues: [{ field: 'amount' }] });
      expect(bad.error.message).toMatch(why);
    }
    const missing = await call(app, op, 'wallet.topup', { driverId: d.id, amount: '1.00', key: 'k', channel: 'paypal' });
    expect(missing.ok || missing.error.details).toMatchObject({ issues: [{ field: 'channel' }] });

    const show = await ok<{ wallet: { available: unknown }; debt: { owed: unknown } }>(app, op, 'wallet.show', { driverId: d.id });
    expect(show.wallet.available).toEqual({ fen: 4_560, yuan: '45.60' });
    expect(show.debt.owed).toEqual({ fen: 0, yuan: '0.00' });
  });

  it('lets anyone top up and look, but keeps coupons, points, corrections and verify for finance and supervisors', async () => {
    const { app } = makeApp();
    const op = await addOperator(app, 'operator');
    const fin = await addOperator(app, 'finance');
    const sup = await addOperator(app, 'supervisor');
    const d = await ok<{ id: string }>(app, op, 'drivers.add', { name: 'X', phone: '13800000002' });
    await ok(app, op, 'wallet.topup', { driverId: d.id, amount: '10.00', key: 't-1' });

    const financeOnly: [string, Record<string, unknown>][] = [
      ['coupons.grant', { driverId: d.id, amount: '5.00', key: 'c-1' }],
      ['points.grant', { driverId: d.id, points: 10, key: 'p-1' }],
      ['ledger.correct', { transferId: 't-1', key: 'fix-1', amount: '1.00', memo: 'typo' }],
      ['ledger.verify', {}],
      ['ledger.accounts', {}],
    ];
    for (const [method, params] of financeOnly) {
      const denied = await call(app, op, method, params);
      expect(denied.ok ? 'allowed' : denied.error.code, method).toBe('forbidden');
      await ok(app, fin, method, params);
    }
    expect((await call(app, null, 'wallet.show', { driverId: d.id })).ok).toBe(false);
    const hold = await call(app, fin, 'ledger.releaseHold', { holdId: 'h', key: 'rel-1', memo: 'stuck' });
    expect(hold.ok ? 'allowed' : hold.error.code).toBe('forbidden');
    const notFound = await call(app, sup, 'ledger.releaseHold', { holdId: 'h', key: 'rel-1', memo: 'stuck' });
    expect(notFound.ok ? 'allowed' : notFound.error.code).toBe('not_found');
  });

  it('announces ledger.changed once per change, not for a replay, and audits every command', async () => {
    const { app } = makeApp();
    const op = await addOperator(app, 'operator');
    const events: DepotEvent[] = [];
    app.events.subscribe((e) => events.push(e));
    const d = await ok<{ id: string }>(app, op, 'drivers.add', { name: 'Y', phone: '13800000003' });
    await ok(app, op, 'wallet.topup', { driverId: d.id, amount: '10.00', key: 'same' });
    await ok(app, op, 'wallet.topup', { driverId: d.id, amount: '10.00', key: 'same' });
    const ledger = events.filter((e) => e.type === 'ledger.changed').map((e) => e.payload);
    expect(ledger).toEqual([
      { driverIds: [d.id], reason: 'driver_added' },
      { driverIds: [d.id], reason: 'topup' },
    ]);
    const audit = app.sqlite.prepare("SELECT method, result FROM audit_log WHERE method IN ('drivers.add', 'wallet.topup') ORDER BY id").all();
    expect(audit).toEqual([
      { method: 'drivers.add', result: 'ok' },
      { method: 'wallet.topup', result: 'ok' },
      { method: 'wallet.topup', result: 'ok' },
    ]);
  });

  it('lists drivers with balances and finds one by card number', async () => {
    const { app } = makeApp();
    const op = await addOperator(app, 'operator');
    const d = await ok<{ id: string }>(app, op, 'drivers.add', { name: '王丽', phone: '13800000004', tags: ['04A1B2C3D6'] });
    await ok(app, op, 'wallet.topup', { driverId: d.id, amount: '88.80', key: 'w-1', channel: 'alipay' });
    const found = await ok<{ total: number; drivers: { id: string; balance: unknown; available: unknown }[] }>(app, op, 'drivers.list', { search: '04a1b2c3d6' });
    expect(found.total).toBe(1);
    expect(found.drivers[0]).toMatchObject({ id: d.id, balance: { yuan: '88.80' }, available: { fen: 8_880 } });
    const statement = await ok<{ lines: { amountText: string; balanceAfterText: string; code: string }[] }>(app, op, 'ledger.statement', { driverId: d.id });
    expect(statement.lines).toMatchObject([{ code: 'topup', amountText: '+88.80', balanceAfterText: '88.80' }]);
    const badDate = await call(app, op, 'ledger.statement', { driverId: d.id, from: '2026-02-30' });
    expect(badDate.ok || badDate.error).toMatchObject({ code: 'invalid_input', details: { field: 'from' } });
  });

  it('a statement line names the operator as people know them (张伟), not by login name (issue 16)', async () => {
    const { app } = makeApp();
    const created = await createOperator(app, { name: 'zhang.wei', displayName: '张伟', role: 'operator', password: 'correct-horse' });
    const op = { id: created.id, name: created.name, displayName: created.displayName, role: created.role };
    const d = await ok<{ id: string }>(app, op, 'drivers.add', { name: '王丽', phone: '13800000005' });
    await ok(app, op, 'wallet.topup', { driverId: d.id, amount: '10.00', key: 'w-name', channel: 'cash' });
    const statement = await ok<{ lines: { operatorName: string | null }[] }>(app, op, 'ledger.statement', { driverId: d.id });
    expect(statement.lines.map((l) => l.operatorName)).toEqual(['张伟']);
  });
});
