import { describe, expect, test } from 'vitest';
import { setMaintenance } from '../../src-main/chargers';
import { addOperator, ok } from '../helpers';
import { settle, startDepot } from './helpers';

describe('charger figures on the dashboard', () => {
  test('online, offline, faulted and in-maintenance chargers are counted as the depot sees them', async () => {
    const depot = await startDepot();
    const operator = await addOperator(depot.app, 'operator');
    const figures = async () => {
      const s = await ok<{ figures: { key: string; value: number }[] }>(depot.app, operator, 'dashboard.summary');
      return Object.fromEntries(s.figures.filter((f) => f.key.startsWith('chargers.')).map((f) => [f.key, f.value]));
    };
    for (const id of ['CP-1', 'CP-2', 'CP-3', 'CP-4']) await depot.register(id);
    expect(await figures()).toEqual({ 'chargers.online': 0, 'chargers.offline': 4, 'chargers.faulted': 0, 'chargers.maintenance': 0 });

    const cp1 = await depot.charger('CP-1');
    await cp1.boot();
    const cp2 = await depot.charger('CP-2');
    await cp2.boot();
    await cp2.status(2, 'Faulted', 'GroundFailure');
    await settle(depot);
    // CP-3 is switched off for maintenance: quiet on purpose, so not counted offline.
    setMaintenance(depot.app, 'CP-3', true, 'new cable');
    expect(await figures()).toEqual({ 'chargers.online': 2, 'chargers.offline': 1, 'chargers.faulted': 1, 'chargers.maintenance': 1 });

    await cp2.status(2, 'Available');
    await settle(depot);
    expect((await figures())['chargers.faulted']).toBe(0);
  });
});
