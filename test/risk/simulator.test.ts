import { expect, test } from 'vitest';
import { getCharger } from '../../src-main/chargers';
import { runSimulation, simChargerId } from '../../src-main/chargers/simulator';
import { chargerActions, evaluate, setRule } from '../../src-main/risk';
import { settle, startDepot } from '../chargers/helpers';
import { afterTest } from '../after-test';

/**
 * The simulator's fault scenario (a connector reports Faulted with GroundFailure, then recovers)
 * drives the charger rule end to end: the fault episode is recorded as the StatusNotification is
 * ingested, the rule puts the charger in maintenance naming it, and the charger is told.
 */
test("the simulator's fault scenario puts the charger in maintenance through the faults rule, and the charger is told", { timeout: 60_000 }, async () => {
  const depot = await startDepot({ hooks: { authorizeIdTag: () => ({ status: 'Accepted' }) } });
  const id = simChargerId('SIM-', 1);
  await depot.register(id, { password: 'sim-password' });
  const sim = runSimulation({ brokerUrl: depot.url, chargers: 1, scenario: 'faults', rate: 1 });
  afterTest(() => sim.stop());
  await sim.ready;
  // The scenario faults once, about 3 s after boot; wait for it as long as a busy machine needs.
  for (const started = Date.now(); sim.stats.faults < 1;) {
    if (Date.now() - started > 45_000) throw new Error('timed out after 45 s waiting for the simulated fault');
    await new Promise((r) => setTimeout(r, 50));
  }
  await settle(depot, 200);
  setRule(depot.app, 'charger.faults', { params: { count: 1 }, note: 'one ground fault is enough on this site' });
  const r = await evaluate(depot.app);
  expect(r.maintenance).toEqual([{ chargerId: id, rule: 'charger.faults', actionId: expect.any(String), availability: 'Accepted' }]);
  expect(getCharger(depot.app, id)).toMatchObject({ maintenance: true });
  const [action] = chargerActions(depot.app, { chargerId: id });
  expect(action).toMatchObject({ ruleCode: 'charger.faults', ruleVersion: 1, state: 'in_maintenance' });
  expect(action.facts.evidence).toEqual([expect.objectContaining({ detail: 'GroundFailure (E-GF-01)' })]);
  // A second evaluation decides nothing new.
  expect((await evaluate(depot.app)).maintenance).toEqual([]);
});
