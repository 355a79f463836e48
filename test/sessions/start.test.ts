import { describe, expect, test } from 'vitest';
import { startServices } from '../../src-main/boot/services';
import { SimFault } from '../../src-main/chargers/simulator';
import type { SessionView } from '../../src-main/sessions';
import { call, makeApp, ok } from '../helpers';
import { expectLedgerValid, startSessionDepot, timelineKinds, wallet } from './helpers';

/**
 * sessions.start answers the operator at once (session STARTING, hold placed, RemoteStart on its
 * way); the charger's answer is handled when it comes, and silence is the start timeout's to judge.
 */
describe('starting a session does not wait for the charger', () => {
  test('a charger that never answers the RemoteStart does not hold the operator: STARTING at once, FAILED by the 60 s timeout', async () => {
    // A CALL timeout far beyond the test's own: a start that waited for the answer could not pass.
    const depot = await startSessionDepot({ overrides: { chargers: { callTimeoutMs: 600_000, callRetries: 2 } } });
    const { app, clock } = depot;
    const cp = await depot.charger('CP-1');
    cp.onCall('RemoteStartTransaction', () => new Promise(() => undefined));
    const driver = depot.driver({ topUpYuan: 100 });

    const began = Date.now();
    const pending = ok<SessionView>(app, depot.operator, 'sessions.start', { chargerId: 'CP-1', connectorId: 1, driver: driver.id, prepay: '40.00' });
    const s = await Promise.race([pending, new Promise<null>((r) => setTimeout(() => r(null), 20_000))]);
    if (s === null) throw new Error('sessions.start was still waiting for the charger after 20 s');
    expect(Date.now() - began).toBeLessThan(20_000);
    expect(s.state).toBe('STARTING');
    expect(wallet(app, driver.id)).toEqual({ balance: 10_000, held: 4_000, available: 6_000 });

    // The RemoteStart did go out, and nothing came back.
    await depot.until(() => cp.received.some((m) => m.text.includes('RemoteStartTransaction')), 'the RemoteStart at the charger');
    expect(depot.session(s.id).state).toBe('STARTING');

    clock.advance(60_000);
    await depot.services.scheduler.drain({ crons: false });
    const failed = depot.session(s.id);
    expect(failed.state).toBe('FAILED');
    expect(failed.failureReason).toMatch(/no StartTransaction within 60 s/);
    expect(wallet(app, driver.id)).toEqual({ balance: 10_000, held: 0, available: 10_000 });
    expect(timelineKinds(app, s.id)).toEqual(['placed', 'remote_start_sent', 'start_timeout', 'hold_voided']);
    expectLedgerValid(app);
  });

  test('a charger that answers Rejected: the session returned STARTING, then turns FAILED with the hold released and the driver told', async () => {
    const depot = await startSessionDepot();
    const { app } = depot;
    const cp = await depot.charger('CP-1');
    cp.onCall('RemoteStartTransaction', () => ({ status: 'Rejected' }));
    const driver = depot.driver({ topUpYuan: 100 });
    const s = await ok<SessionView>(app, depot.operator, 'sessions.start', { chargerId: 'CP-1', connectorId: 1, driver: driver.id, prepay: '30.00' });
    expect(s.state).toBe('STARTING');

    await depot.until(() => depot.session(s.id).state === 'FAILED', 'the session FAILED');
    const failed = depot.session(s.id);
    expect(failed.failureReason).toBe('the charger answered RemoteStartTransaction with Rejected');
    expect(wallet(app, driver.id)).toEqual({ balance: 10_000, held: 0, available: 10_000 });
    expect(timelineKinds(app, s.id)).toEqual(['placed', 'remote_start_sent', 'remote_start_refused', 'hold_voided']);
    const notes = app.sqlite.prepare('SELECT kind FROM notifications WHERE driver_id = ?').all(driver.id);
    expect(notes).toEqual([{ kind: 'start_failed' }]);

    // The timeout job finds the session already FAILED and changes nothing.
    depot.clock.advance(60_000);
    const run = await depot.services.scheduler.drain({ crons: false });
    expect(run.runs.map((r) => [r.kind, r.outcome])).toContainEqual(['sessions.startTimeout', 'cancelled']);
    expect(timelineKinds(app, s.id)).toHaveLength(4);
    expectLedgerValid(app);
  });

  test('a charger that answers with a CALLERROR is a refusal too', async () => {
    const depot = await startSessionDepot();
    const { app } = depot;
    const cp = await depot.charger('CP-1');
    cp.onCall('RemoteStartTransaction', () => {
      throw new SimFault({ code: 'NotSupported', description: 'remote start is switched off on this unit' });
    });
    const driver = depot.driver({ topUpYuan: 50 });
    const s = await ok<SessionView>(app, depot.operator, 'sessions.start', { chargerId: 'CP-1', connectorId: 2, driver: driver.id, prepay: '20.00' });
    expect(s.state).toBe('STARTING');
    await depot.until(() => depot.session(s.id).state === 'FAILED', 'the session FAILED');
    const failed = depot.session(s.id);
    expect(failed.failureReason).toMatch(/RemoteStartTransaction failed: charger CP-1 refused RemoteStartTransaction: NotSupported remote start is switched off/);
    expect(wallet(app, driver.id).held).toBe(0);
    expectLedgerValid(app);
  });

  test('a charger that accepts stays STARTING until its StartTransaction arrives', async () => {
    const depot = await startSessionDepot();
    const { app } = depot;
    const cp = await depot.charger('CP-1');
    const driver = depot.driver({ topUpYuan: 100 });
    const s = await ok<SessionView>(app, depot.operator, 'sessions.start', { chargerId: 'CP-1', connectorId: 1, driver: driver.id, prepay: '30.00' });
    await depot.until(() => timelineKinds(app, s.id).includes('remote_start_accepted'), 'the charger accepted');
    expect(depot.session(s.id).state).toBe('STARTING');
    expect(timelineKinds(app, s.id)).toEqual(['placed', 'remote_start_sent', 'remote_start_accepted']);
    await cp.startTransaction(1, s.idTag, 1_000);
    await depot.settle();
    expect(depot.session(s.id).state).toBe('CHARGING');
  });

  test('the process dies after the session was written and before the RemoteStart went out: after a restart the timeout job still fails it and releases the hold', async () => {
    const depot = await startSessionDepot();
    const { app, clock } = depot;
    const cp = await depot.charger('CP-1');
    const driver = depot.driver({ topUpYuan: 100 });
    // The crash point: the step right after the session's transaction (marking it STARTING) dies.
    app.sqlite.exec(`CREATE TEMP TRIGGER simulated_crash BEFORE UPDATE OF state ON charging_sessions WHEN NEW.state = 'STARTING'
      BEGIN SELECT RAISE(ABORT, 'simulated crash'); END`);
    const r = await call(app, depot.operator, 'sessions.start', { chargerId: 'CP-1', connectorId: 1, driver: driver.id, prepay: '25.00' });
    expect(r.ok).toBe(false);
    await depot.settle();
    expect(cp.received.some((m) => m.text.includes('RemoteStartTransaction'))).toBe(false);
    const placed = app.sqlite.prepare('SELECT id, state FROM charging_sessions').all() as { id: string; state: string }[];
    expect(placed.map((p) => p.state)).toEqual(['PLACED']);
    expect(wallet(app, driver.id).held).toBe(2_500);

    // Restart: a new core on the same data directory, 60 s later; nothing of the old process runs.
    const restarted = makeApp({ dir: app.paths.dataDir, clock });
    const services = await startServices(restarted.app, { poll: false, chargers: false });
    try {
      clock.advance(60_000);
      const run = await services.scheduler.drain({ crons: false });
      expect(run.runs.map((x) => [x.kind, x.outcome])).toContainEqual(['sessions.startTimeout', 'completed']);
    } finally {
      await services.stop();
    }
    const s = depot.session(placed[0].id);
    expect(s.state).toBe('FAILED');
    expect(wallet(app, driver.id)).toEqual({ balance: 10_000, held: 0, available: 10_000 });
    expect(timelineKinds(app, s.id)).toEqual(['placed', 'start_timeout', 'hold_voided']);
    expectLedgerValid(restarted.app);
  });
});
