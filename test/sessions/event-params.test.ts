import { describe, expect, test } from 'vitest';
import type { SessionView } from '../../src-main/sessions';
import { addOperator, ok } from '../helpers';
import { at, startSessionDepot, timelineKinds, type SessionDepot } from './helpers';

/**
 * Timeline events carry what the screens word them from (issue 16): codes and figures in params,
 * beside the English detail that stays the record. Real sessions on a simulated charger over the
 * embedded broker; only the clock is fake.
 */

interface Event {
  kind: string;
  detail: string;
  params: Record<string, string | number | null> | null;
  operatorId: string | null;
  operatorName: string | null;
}

async function timeline(depot: SessionDepot, id: string): Promise<Event[]> {
  return (await ok<{ timeline: Event[] }>(depot.app, depot.operator, 'sessions.get', { id })).timeline;
}

const byKind = (events: Event[], kind: string) => {
  const e = events.find((x) => x.kind === kind);
  if (!e) throw new Error(`no ${kind} event in ${events.map((x) => x.kind).join(', ')}`);
  return e;
};

describe('session timeline events carry params', () => {
  test('a session from hold to settlement: the prepay, the driver, the charger, the start and stop readings, the stop reason and where the money came from', async () => {
    const depot = await startSessionDepot();
    const { app } = depot;
    const cp = await depot.charger('CP-1');
    const driver = depot.driver({ topUpYuan: 300 });
    const started = await ok<SessionView>(app, depot.operator, 'sessions.start', { chargerId: 'CP-1', connectorId: 1, driver: driver.id, prepay: '100.00' });
    await depot.until(() => timelineKinds(app, started.id).includes('remote_start_accepted'), 'the charger accepted');
    const tx = await cp.startTransaction(1, started.idTag, 100_000, at('09:00'));
    await cp.meterValues(1, tx, 106_000, at('10:00'));
    await cp.stopTransaction(tx, 110_000, at('10:30'), 'EVDisconnected');
    await depot.settle();

    const events = await timeline(depot, started.id);
    expect(events.map((e) => e.kind)).toEqual(['placed', 'remote_start_sent', 'remote_start_accepted', 'start_transaction', 'stop_transaction', 'settled_paid']);
    // This driver has no card: the tag the charger was sent was made for the session, so the
    // timeline the screens read names no card (sessions/methods.ts timelineView; the record keeps it).
    expect(started.card).toBeNull();
    expect(byKind(events, 'placed')).toMatchObject({
      params: { prepayFen: 10_000, driverName: driver.name, chargerId: 'CP-1', connectorId: 1, idTag: null },
      operatorId: depot.operator.id,
      operatorName: depot.operator.displayName || depot.operator.name,
    });
    // The English record is still written as before.
    expect(byKind(events, 'placed').detail).toMatch(/^¥100\.00 held for /);
    expect(byKind(events, 'remote_start_sent').params).toEqual({ chargerId: 'CP-1', connectorId: 1 });
    expect(byKind(events, 'remote_start_accepted').params).toEqual({});
    expect(byKind(events, 'start_transaction').params).toEqual({ transactionId: tx, meterStartWh: 100_000, idTag: null });
    expect(byKind(events, 'placed').detail).toContain(`id tag ${started.idTag}`);
    expect(byKind(events, 'stop_transaction').params).toEqual({ meterStopWh: 110_000, energyWh: 10_000, stopReason: 'EVDisconnected' });
    // 6 kWh 平 + 4 kWh 峰 = ¥15.92 (lifecycle.test.ts works it by hand), paid from the ¥100 hold, the rest released.
    expect(byKind(events, 'settled_paid').params).toEqual({
      amountFen: 1592,
      energyWh: 10_000,
      electricityFen: 792,
      serviceFen: 800,
      holdFen: 1592,
      releasedFen: 10_000 - 1592,
      walletFen: 0,
      debtFen: 0,
    });
  });

  test('a start no StartTransaction confirms: the timeout and its seconds, the failure code, the hold released in fen', async () => {
    const depot = await startSessionDepot();
    const { app, clock } = depot;
    await depot.charger('CP-1');
    const driver = depot.driver({ topUpYuan: 100 });
    const s = await ok<SessionView>(app, depot.operator, 'sessions.start', { chargerId: 'CP-1', connectorId: 2, driver: driver.id, prepay: '80.00' });
    await depot.until(() => timelineKinds(app, s.id).includes('remote_start_accepted'), 'the charger accepted');
    clock.advance(60_000);
    await depot.services.scheduler.drain({ crons: false });

    const events = await timeline(depot, s.id);
    expect(events.map((e) => e.kind).slice(-2)).toEqual(['start_timeout', 'hold_voided']);
    expect(byKind(events, 'start_timeout').params).toEqual({ failureCode: 'start_timeout', timeoutSeconds: 60 });
    expect(byKind(events, 'start_timeout').detail).toBe('no StartTransaction within 60 s of the RemoteStart');
    expect(byKind(events, 'hold_voided').params).toEqual({ releasedFen: 8_000 });
  });

  test('a force-close: the reading it closes at, the reason, and who asked, by display name', async () => {
    const depot = await startSessionDepot();
    const { app } = depot;
    const requester = await addOperator(app, 'supervisor');
    const approver = await addOperator(app, 'supervisor');
    const cp = await depot.charger('CP-1');
    const driver = depot.driver({ topUpYuan: 300 });
    const started = await ok<SessionView>(app, depot.operator, 'sessions.start', { chargerId: 'CP-1', connectorId: 1, driver: driver.id, prepay: '100.00' });
    await depot.until(() => timelineKinds(app, started.id).includes('remote_start_accepted'), 'the charger accepted');
    const tx = await cp.startTransaction(1, started.idTag, 100_000, at('09:00'));
    await cp.meterValues(1, tx, 106_000, at('10:00'));
    await depot.settle();
    // The charger loses its network and stays silent past sessions.stuckAfterMs (6 h).
    cp.drop();
    await depot.services.scheduler.drain();
    depot.clock.advance(5 * 60_000);
    await depot.services.scheduler.drain();
    depot.clock.advance(6 * 3_600_000);
    await depot.services.scheduler.drain();

    await ok(app, requester, 'sessions.requestForceClose', { sessionId: started.id, reason: 'charger lost its network; car gone' });
    await ok(app, approver, 'sessions.approveForceClose', { sessionId: started.id, note: 'checked' });

    const events = await timeline(depot, started.id);
    expect(byKind(events, 'force_close_requested')).toMatchObject({
      params: { meterWh: 106_000, readingAt: at('10:00'), reason: 'charger lost its network; car gone' },
      operatorId: requester.id,
    });
    expect(byKind(events, 'force_close')).toMatchObject({
      params: {
        meterWh: 106_000,
        energyWh: 6_000,
        readingAt: at('10:00'),
        reason: 'charger lost its network; car gone',
        requestedBy: requester.id,
        requestedByName: requester.displayName || requester.name,
        note: 'checked',
      },
      operatorId: approver.id,
      operatorName: approver.displayName || approver.name,
    });
  });

  test('an event written before params existed reads with params null (its kind and detail still there)', async () => {
    const depot = await startSessionDepot();
    const { app } = depot;
    await depot.charger('CP-1');
    const driver = depot.driver({ topUpYuan: 100 });
    const s = await ok<SessionView>(app, depot.operator, 'sessions.start', { chargerId: 'CP-1', connectorId: 1, driver: driver.id, prepay: '10.00' });
    app.sqlite
      .prepare("INSERT INTO session_events (session_id, at, kind, detail) VALUES (?, ?, 'hold_voided', '¥10.00 released to the wallet (void:x)')")
      .run(s.id, app.clock.now());
    const old = (await timeline(depot, s.id)).find((e) => e.detail.includes('(void:x)'));
    expect(old).toMatchObject({ kind: 'hold_voided', params: null, detail: '¥10.00 released to the wallet (void:x)', operatorName: null });
  });
});
