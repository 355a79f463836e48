import { describe, expect, test } from 'vitest';
import { callCharger, ChargerCallError, ChargerTimeoutError } from '../../src-main/chargers';
import { SimFault } from '../../src-main/chargers/simulator';
import { makeApp } from '../helpers';
import { rows, settle, startDepot } from './helpers';

describe('the back office calls chargers (RemoteStart, RemoteStop, ChangeAvailability)', () => {
  test('a RemoteStartTransaction reaches the charger and its answer comes back to the caller', async () => {
    const depot = await startDepot();
    await depot.register('CP-1');
    const cp = await depot.charger('CP-1');
    await cp.boot();
    const asked: unknown[] = [];
    cp.onCall('RemoteStartTransaction', (p) => {
      asked.push(p);
      return { status: 'Accepted' };
    });
    await expect(callCharger(depot.app, 'CP-1', 'RemoteStartTransaction', { connectorId: 1, idTag: 'TAG-1' })).resolves.toEqual({ status: 'Accepted' });
    expect(asked).toEqual([{ connectorId: 1, idTag: 'TAG-1' }]);
    await settle(depot);
    // Both directions are in the message log, correlated by the same UniqueId.
    const log = rows<{ direction: string; topic: string; action: string; unique_id: string }>(
      depot.app,
      "SELECT direction, topic, action, unique_id FROM charger_messages WHERE action = 'RemoteStartTransaction' ORDER BY id",
    );
    expect(log.map((l) => [l.direction, l.topic])).toEqual([
      ['out', 'ocpp/cs/CP-1'],
      ['in', 'ocpp/cp/CP-1/Reply'],
    ]);
    expect(log[0].unique_id).toBe(log[1].unique_id);
  });

  test('our CALL goes out in the form the charger speaks', async () => {
    const depot = await startDepot();
    await depot.register('CP-1');
    const cp = await depot.charger('CP-1', { form: 'array' });
    await cp.boot();
    await depot.rt.callCharger('CP-1', 'ChangeAvailability', { connectorId: 0, type: 'Inoperative' });
    const call = cp.received.map((r) => JSON.parse(r.text) as unknown).find((f) => Array.isArray(f) && f[0] === 2);
    expect(call).toEqual([2, expect.any(String), 'ChangeAvailability', { connectorId: 0, type: 'Inoperative' }]);
  });

  test('a CALLERROR from the charger rejects with a typed error naming its code', async () => {
    const depot = await startDepot();
    await depot.register('CP-1');
    const cp = await depot.charger('CP-1');
    cp.onCall('RemoteStopTransaction', () => {
      throw new SimFault({ code: 'GenericError', description: 'no such transaction' });
    });
    const err = await depot.rt.callCharger('CP-1', 'RemoteStopTransaction', { transactionId: 77 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChargerCallError);
    expect(err).toMatchObject({ errorCode: 'GenericError', errorDescription: 'no such transaction', chargerId: 'CP-1', action: 'RemoteStopTransaction' });
  });

  test('a charger that misses the first attempt answers the retry (same UniqueId); the call succeeds', async () => {
    const depot = await startDepot();
    await depot.register('CP-1');
    const cp = await depot.charger('CP-1');
    const seen: string[] = [];
    cp.onCall('RemoteStartTransaction', (_p, frame) => {
      seen.push(frame.uniqueId);
      // A charger busy with something else drops the first request on the floor.
      if (seen.length === 1) return new Promise(() => undefined);
      return { status: 'Accepted' };
    });
    // The answered retry must land inside its attempt's window even on a busy CI machine.
    await expect(depot.rt.callCharger('CP-1', 'RemoteStartTransaction', { idTag: 'T' }, { timeoutMs: 3_000, retries: 2 })).resolves.toEqual({ status: 'Accepted' });
    expect(seen).toHaveLength(2);
    expect(seen[0]).toBe(seen[1]);
    await settle(depot);
    expect(rows(depot.app, "SELECT error FROM charger_messages WHERE direction = 'out' AND action = 'RemoteStartTransaction' ORDER BY id")).toEqual([
      { error: null },
      { error: 'retry 1' },
    ]);
  });

  test('a charger that never answers makes the call fail with a timeout after its bounded retries', async () => {
    const depot = await startDepot();
    await depot.register('CP-1');
    const cp = await depot.charger('CP-1');
    let attempts = 0;
    cp.onCall('RemoteStartTransaction', () => {
      attempts += 1;
      return new Promise(() => undefined);
    });
    const err = await depot.rt.callCharger('CP-1', 'RemoteStartTransaction', { idTag: 'T' }, { timeoutMs: 150, retries: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChargerTimeoutError);
    expect(err).toMatchObject({ attempts: 2, timeoutMs: 150 });
    expect(attempts).toBe(2);
  });

  test('an answer that arrives after the caller gave up is logged as unsolicited and changes nothing', async () => {
    const depot = await startDepot();
    await depot.register('CP-1');
    const cp = await depot.charger('CP-1');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    cp.onCall('RemoteStartTransaction', async () => {
      await gate;
      return { status: 'Accepted' };
    });
    await expect(depot.rt.callCharger('CP-1', 'RemoteStartTransaction', { idTag: 'T' }, { timeoutMs: 100, retries: 0 })).rejects.toBeInstanceOf(ChargerTimeoutError);
    release();
    await settle(depot, 200);
    expect(rows(depot.app, "SELECT topic, error FROM charger_messages WHERE direction = 'in' ORDER BY id DESC LIMIT 1")).toEqual([
      { topic: 'ocpp/cp/CP-1/Reply', error: 'no call is waiting for this answer (late or unsolicited); ignored' },
    ]);
  });

  test('calling a charger when the charger link is not running is refused as unavailable', async () => {
    const { app } = makeApp();
    await expect(callCharger(app, 'CP-1', 'RemoteStartTransaction', { idTag: 'T' })).rejects.toMatchObject({ code: 'unavailable' });
  });

  test('stopping the link fails the calls still waiting', async () => {
    const depot = await startDepot();
    await depot.register('CP-1');
    const cp = await depot.charger('CP-1');
    cp.onCall('RemoteStartTransaction', () => new Promise(() => undefined));
    const outcome = depot.rt.callCharger('CP-1', 'RemoteStartTransaction', { idTag: 'T' }, { timeoutMs: 60_000 }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    await depot.rt.stop();
    expect(await outcome).toMatchObject({ code: 'unavailable' });
  });
});
