import { describe, expect, test } from 'vitest';
import { ChargerTimeoutError, startChargers } from '../../src-main/chargers';
import { SimCharger } from '../../src-main/chargers/simulator';
import { makeApp } from '../helpers';
import { BACK_OFFICE, opensslAvailable, skipWithoutMosquitto, startMosquitto as startBroker } from '../mosquitto';
import { count, rows, settle, startDepot, type Depot } from './helpers';
import { afterTest } from '../after-test';

/**
 * The same back office against Mosquitto, the broker a depot is most likely to run itself
 * (broker.mode = external). Mosquitto does the logins and the ACL here, configured the way
 * docs/charger-protocol.md tells a depot to configure it (test/mosquitto.ts).
 */
const missing = skipWithoutMosquitto('test/chargers/mosquitto.test.ts');
if (!missing && !opensslAvailable) process.stdout.write('test/chargers/mosquitto.test.ts: the two mqtts:// tests are skipped, no openssl command to make certificates\n');

const USERS: Record<string, string> = { depotdesk: BACK_OFFICE.password, 'CP-1': 'cp1-password', 'CP-2': 'cp2-password' };
const startMosquitto = (opts: { tls?: boolean } = {}) => startBroker({ chargers: { 'CP-1': USERS['CP-1'], 'CP-2': USERS['CP-2'] }, ...opts });

async function depotOnMosquitto(): Promise<{ depot: Depot; url: string }> {
  const { url } = await startMosquitto();
  const depot = await startDepot({ overrides: { broker: { mode: 'external', url, username: 'depotdesk', password: USERS.depotdesk } } });
  return { depot, url };
}

async function chargerOn(url: string, id: string, depot: Depot): Promise<SimCharger> {
  const sim = new SimCharger({ id, password: USERS[id], brokerUrl: url, now: () => depot.clock.now(), callTimeoutMs: 3_000, callRetries: 0 });
  afterTest(() => sim.close());
  await sim.connect();
  return sim;
}

describe.skipIf(missing)('against Mosquitto (broker.mode = external)', { timeout: 60_000 }, () => {
  test('the back office connects with its own login and reports the external broker', async () => {
    const { depot, url } = await depotOnMosquitto();
    expect(depot.rt.broker).toBeNull();
    expect(depot.app.runtime.broker).toEqual({ state: 'connected', url: `${url}` });
  });

  test('boot: a registered charger is Accepted, an unknown one Rejected; both logged', async () => {
    const { depot, url } = await depotOnMosquitto();
    await depot.register('CP-1');
    const cp1 = await chargerOn(url, 'CP-1', depot);
    const cp2 = await chargerOn(url, 'CP-2', depot);
    expect(await cp1.boot()).toMatchObject({ status: 'Accepted' });
    expect(await cp2.boot()).toMatchObject({ status: 'Rejected', interval: 300 });
    expect(rows(depot.app, 'SELECT id FROM chargers')).toEqual([{ id: 'CP-1' }]);
    // Logged once, with our Rejected answer on the same row.
    expect(count(depot.app, "SELECT count(*) AS n FROM charger_messages WHERE charger_id = 'CP-2' AND direction = 'in' AND answer IS NOT NULL")).toBe(1);
    expect(count(depot.app, "SELECT count(*) AS n FROM charger_messages WHERE charger_id = 'CP-2'")).toBe(1);
  });

  test('a repeated StartTransaction gets the same id, in both payload forms', async () => {
    const { depot, url } = await depotOnMosquitto();
    await depot.register('CP-1');
    const cp = await chargerOn(url, 'CP-1', depot);
    await cp.boot();
    const at = depot.clock.now() - 60_000;
    const a = await cp.startTransaction(1, 'TAG', 10, at);
    cp.form = 'array';
    const b = await cp.startTransaction(1, 'TAG', 10, at);
    expect(b).toBe(a);
    expect(rows(depot.app, 'SELECT copies FROM charger_transactions')).toEqual([{ copies: 2 }]);
  });

  test('schema-invalid and malformed messages are refused with a CALLERROR and change nothing', async () => {
    const { depot, url } = await depotOnMosquitto();
    await depot.register('CP-1');
    const cp = await chargerOn(url, 'CP-1', depot);
    await cp.boot();
    const before = cp.received.length;
    await cp.publishRaw('ocpp/cp/CP-1', '[2,"x1","MeterValues",{"connectorId":1}]');
    await cp.publishRaw('ocpp/cp/CP-1', 'not json');
    for (let i = 0; i < 100 && cp.received.length < before + 2; i += 1) await new Promise((r) => setTimeout(r, 20));
    const answers = cp.received.slice(before).map((r) => JSON.parse(r.text) as unknown[] | Record<string, unknown>);
    expect(answers).toContainEqual([4, 'x1', 'OccurenceConstraintViolation', expect.stringContaining('meterValue'), expect.any(Object)]);
    expect(answers).toContainEqual(expect.objectContaining({ MessageTypeId: 4, UniqueId: '-1', ErrorCode: 'FormationViolation' }));
    expect(count(depot.app, 'SELECT count(*) AS n FROM charger_transactions')).toBe(0);
  });

  test("Mosquitto's ACL drops a charger's publish under another charger's id: nothing is stored", async () => {
    const { depot, url } = await depotOnMosquitto();
    await depot.register('CP-1');
    await depot.register('CP-2', { password: USERS['CP-2'] });
    const cp1 = await chargerOn(url, 'CP-1', depot);
    await cp1.publishRaw('ocpp/cp/CP-2', '[2,"spoof","BootNotification",{"chargePointVendor":"Evil","chargePointModel":"X"}]');
    await settle(depot, 300);
    expect(count(depot.app, "SELECT count(*) AS n FROM charger_messages WHERE charger_id = 'CP-2'")).toBe(0);
    expect(rows(depot.app, "SELECT vendor FROM chargers WHERE id = 'CP-2'")).toEqual([{ vendor: null }]);
  });

  test('outgoing calls are correlated through Mosquitto, and time out when the charger is silent', async () => {
    const { depot, url } = await depotOnMosquitto();
    await depot.register('CP-1');
    const cp = await chargerOn(url, 'CP-1', depot);
    await cp.boot();
    await expect(depot.rt.callCharger('CP-1', 'RemoteStartTransaction', { idTag: 'T', connectorId: 1 })).resolves.toEqual({ status: 'Accepted' });
    cp.onCall('RemoteStopTransaction', () => new Promise(() => undefined));
    await expect(depot.rt.callCharger('CP-1', 'RemoteStopTransaction', { transactionId: 1 }, { timeoutMs: 150, retries: 1 })).rejects.toBeInstanceOf(ChargerTimeoutError);
  });

  test.skipIf(!opensslAvailable)('over mqtts:// the back office checks the broker certificate against broker.tls.caFile', async () => {
    const mosquitto = await startMosquitto({ tls: true });
    const tls = { caFile: mosquitto.caFile! };
    const depot = await startDepot({ overrides: { broker: { mode: 'external', url: mosquitto.tlsUrl, username: 'depotdesk', password: USERS.depotdesk, tls } } });
    expect(depot.app.runtime.broker).toEqual({ state: 'connected', url: mosquitto.tlsUrl });
    // A charger on the plain listener reaches the back office on the TLS one.
    await depot.register('CP-1');
    const cp = await chargerOn(mosquitto.url, 'CP-1', depot);
    expect(await cp.boot()).toMatchObject({ status: 'Accepted' });
  });

  test.skipIf(!opensslAvailable)('a broker certificate the back office cannot verify keeps it disconnected, with the reason', async () => {
    const mosquitto = await startMosquitto({ tls: true });
    const { app } = makeApp({ overrides: { broker: { mode: 'external', url: mosquitto.tlsUrl, username: 'depotdesk', password: USERS.depotdesk } } });
    const rt = await startChargers(app);
    afterTest(() => rt.stop());
    await expect(rt.transport.connected(3_000)).rejects.toThrow(/certificate/i);
    expect(app.runtime.broker.state).not.toBe('connected');
  });

  test('the back office reports the broker offline when it goes away and reconnects by itself when it is back', async () => {
    const mosquitto = await startMosquitto();
    const depot = await startDepot({ overrides: { broker: { mode: 'external', url: mosquitto.url, username: 'depotdesk', password: USERS.depotdesk } } });
    const states: string[] = [];
    depot.app.events.subscribe((e) => {
      if (e.type === 'broker.state') states.push(e.payload.state);
    });
    await mosquitto.kill();
    for (let i = 0; i < 100 && !states.includes('offline'); i += 1) await new Promise((r) => setTimeout(r, 20));
    expect(depot.app.runtime.broker.state).not.toBe('connected');
    await mosquitto.restart();
    await depot.rt.transport.connected(20_000);
    expect(states[0]).toBe('offline');
    expect(states.at(-1)).toBe('connected');
    // And the link works again end to end.
    await depot.register('CP-1');
    const cp = await chargerOn(mosquitto.url, 'CP-1', depot);
    expect(await cp.boot()).toMatchObject({ status: 'Accepted' });
  });
});
