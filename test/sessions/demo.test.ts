import { describe, expect, test } from 'vitest';
import { startServices } from '../../src-main/boot/services';
import { chargersDemoStep, DEMO_CHARGER_PASSWORD, DEMO_ID_TAGS } from '../../src-main/chargers';
import { runSimulation } from '../../src-main/chargers/simulator';
import { findDriverByIdTag, ledgerDemoStep } from '../../src-main/ledger';
import { tariffsDemoStep } from '../../src-main/tariffs';
import { makeApp } from '../helpers';

/**
 * The demo depot comes alive: its chargers are registered by the demo, and `depotdesk simulate
 * --chargers 3 --auto-start` (runSimulation with the command's defaults) charges the demo drivers'
 * cards, so the sessions belong to drivers and are settled to their wallets.
 */
describe('the demo depot, live', () => {
  test("simulated demo chargers boot, charge on the demo drivers' cards, and the sessions are settled to those drivers", { timeout: 90_000 }, async () => {
    const { app } = makeApp({ overrides: { broker: { port: 0 } } });
    for (const step of [ledgerDemoStep, tariffsDemoStep, chargersDemoStep]) await step.run(app, { password: 'demo-password-1' });
    // Every default auto-start card is a demo driver's.
    for (const tag of DEMO_ID_TAGS) expect(findDriverByIdTag(app, tag), tag).not.toBeNull();

    const services = await startServices(app, { poll: false, chargers: { waitConnected: true } });
    const sim = runSimulation({
      brokerUrl: services.chargers!.broker!.url,
      chargers: 3,
      scenario: 'normal',
      rate: 5,
      password: DEMO_CHARGER_PASSWORD,
      autoStart: true,
      idTags: DEMO_ID_TAGS,
      sessionSeconds: 1,
    });
    try {
      await sim.ready;
      expect(sim.stats).toMatchObject({ booted: 3, rejected: 0 });
      const settledOf = () =>
        app.sqlite
          .prepare(
            "SELECT charger_id AS chargerId, driver_id AS driverId, id_tag AS idTag, state, review_reason AS review FROM charging_sessions WHERE origin = 'charger' AND state IN ('PAID', 'UNPAID')",
          )
          .all() as { chargerId: string; driverId: string | null; idTag: string; state: string; review: string | null }[];
      for (let i = 0; i < 300 && new Set(settledOf().map((s) => s.chargerId)).size < 3; i += 1) await new Promise((r) => setTimeout(r, 100));
      const settled = settledOf();
      expect(new Set(settled.map((s) => s.chargerId))).toEqual(new Set(['SIM-001', 'SIM-002', 'SIM-003']));
      for (const s of settled) {
        expect(DEMO_ID_TAGS).toContain(s.idTag);
        expect(s.driverId).toBe(findDriverByIdTag(app, s.idTag)!.id);
        expect(s.review).toBeNull();
      }
    } finally {
      await sim.stop();
      await services.stop();
    }
  });
});
