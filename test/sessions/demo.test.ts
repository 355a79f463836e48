import { describe, expect, test } from 'vitest';
import { startServices } from '../../src-main/boot/services';
import { chargersDemoStep, DEMO_CHARGER_PASSWORD, DEMO_ID_TAGS } from '../../src-main/chargers';
import { runSimulation } from '../../src-main/chargers/simulator';
import { compensationDemoStep } from '../../src-main/compensation';
import { addDriver, findDriverByIdTag, ledgerDemoStep, topUp } from '../../src-main/ledger';
import { recordFailedStarts, sessionDetail } from '../../src-main/sessions';
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

/**
 * The session drawer's 卡号 is the card the charger was given (issue 16: the demo's failed starts
 * showed DDdemo-burst-00074, a tag made from the session's own id, instead of the driver's card).
 */
describe("the demo depot's failed starts", () => {
  test('each carries the card of the driver who tried, as the live start would have sent it', async () => {
    const { app } = makeApp();
    for (const step of [ledgerDemoStep, tariffsDemoStep, chargersDemoStep, compensationDemoStep]) await step.run(app, { password: 'demo-password-1' });
    const rows = app.sqlite.prepare("SELECT id, driver_id AS driverId FROM charging_sessions WHERE id LIKE 'demo-burst-%'").all() as { id: string; driverId: string }[];
    expect(rows).toHaveLength(74);
    for (const r of rows) {
      const { session } = sessionDetail(app, r.id);
      expect(session.idTag, r.id).toMatch(/^DEMOBURST\d\d$/);
      expect(findDriverByIdTag(app, session.idTag)?.id, r.id).toBe(r.driverId);
      expect(session.card, r.id).toBe(session.idTag);
    }
  });

  test('a start for a driver without a card has a tag made for the session, which is no card: the drawer shows none', () => {
    const { app, clock } = makeApp();
    const driverId = addDriver(app, { name: '无卡车主', phone: '13900009999' }).id;
    topUp(app, { key: 'no-card:topup', driverId, amountFen: 10_000, channel: 'cash' });
    const [id] = recordFailedStarts(app, [{ driverId, chargerId: 'CP-X', connectorId: 1, stationId: null, at: clock.now(), prepayFen: 1_000 }], 'no-card-');
    const { session } = sessionDetail(app, id);
    expect(session.idTag).toBe(`DD${id.slice(-18)}`);
    expect(session.card).toBeNull();
    // Its timeline names no card either: the placed event's tag is left out for the screens.
    const placed = sessionDetail(app, id).timeline.find((e) => e.kind === 'placed');
    expect(placed?.params).toMatchObject({ idTag: null });
  });
});
