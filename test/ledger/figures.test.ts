import { describe, expect, it } from 'vitest';
import { addDriver, expireDueHolds, ledgerFigures, placeHold, topUp } from '../../src-main/ledger';
import { makeApp } from '../helpers';

describe('the ledger on the dashboard', () => {
  it('a hold past its expiry is counted until the expiry job releases it', () => {
    const { app, clock } = makeApp();
    const figure = (key: string) => ledgerFigures(app, 0).find((f) => f.key === key)?.value;
    const driver = addDriver(app, { name: '陈司机', phone: '13800138000' });
    topUp(app, { key: 'k:topup', driverId: driver.id, amountFen: 10_000, channel: 'cash' });
    placeHold(app, { key: 'k:hold', driverId: driver.id, amountFen: 5_000, expiresAt: clock.now() + 60_000 });
    expect(figure('ledger.openHolds')).toBe(1);
    expect(figure('ledger.holdsPastExpiry')).toBe(0);
    clock.advance(61_000);
    expect(figure('ledger.holdsPastExpiry')).toBe(1);
    expireDueHolds(app);
    expect(figure('ledger.holdsPastExpiry')).toBe(0);
    expect(figure('ledger.openHolds')).toBe(0);
    expect(figure('ledger.walletsBalance')).toBe(10_000);
  });
});
