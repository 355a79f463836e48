import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import mqtt from 'mqtt';
import { describe, expect, test, vi } from 'vitest';
import { startChargers } from '../../src-main/chargers';
import { makeApp } from '../helpers';
import { count, gatewayClient, PASSWORD, settle, startDepot } from './helpers';

async function connectFails(url: string, opts: mqtt.IClientOptions): Promise<string> {
  const err = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5_000, ...opts }).then(
    async (c) => {
      await c.endAsync();
      return null;
    },
    (e: Error) => e,
  );
  expect(err, 'the broker should have refused this login').not.toBeNull();
  return err!.message;
}

describe('the embedded broker', () => {
  test('listens on a free port when asked for port 0 and reports the real port', async () => {
    const depot = await startDepot();
    const broker = depot.rt.broker!;
    expect(broker.port).toBeGreaterThan(0);
    expect(broker.url).toBe(`mqtt://127.0.0.1:${broker.port}`);
    expect(depot.app.runtime.broker).toEqual({ state: 'connected', url: broker.url });
    expect(depot.events.some((e) => e.type === 'broker.state' && e.payload.state === 'connected')).toBe(true);
  });

  test("keeps the back office's generated credentials in the data directory, readable by this user only", async () => {
    const depot = await startDepot();
    const file = path.join(depot.dir, 'broker-credentials.json');
    const creds = JSON.parse(fs.readFileSync(file, 'utf8')) as { username: string; password: string };
    expect(creds.username).toBe('$depotdesk');
    expect(creds.password.length).toBeGreaterThanOrEqual(32);
    if (process.platform !== 'win32') expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  test('refuses a charger with a wrong password, an unknown charger, a missing username and a wrong back-office password', async () => {
    const depot = await startDepot();
    await depot.register('CP-1');
    expect(await connectFails(depot.url, { clientId: 'CP-1', username: 'CP-1', password: 'wrong-password' })).toMatch(/Bad username or password/i);
    expect(await connectFails(depot.url, { clientId: 'CP-9', username: 'CP-9', password: PASSWORD })).toMatch(/Bad username or password/i);
    expect(await connectFails(depot.url, { clientId: 'anon' })).toMatch(/Bad username or password/i);
    expect(await connectFails(depot.url, { clientId: '$depotdesk:x', username: '$depotdesk', password: 'guess' })).toMatch(/Bad username or password/i);
    // The right password opens the door.
    const ok = await depot.charger('CP-1');
    expect(ok.connected).toBe(true);
    // Nothing of the refused logins reached the database.
    expect(count(depot.app, 'SELECT count(*) AS n FROM chargers')).toBe(1);
    expect(count(depot.app, 'SELECT count(*) AS n FROM charger_messages')).toBe(0);
  });

  test("refuses a charger that uses another charger's MQTT client id (no session takeover)", async () => {
    const depot = await startDepot();
    await depot.register('CP-1');
    await depot.register('CP-2');
    const victim = await depot.charger('CP-2');
    expect(await connectFails(depot.url, { clientId: 'CP-2', username: 'CP-1', password: PASSWORD })).toMatch(/Not authorized/i);
    expect(victim.connected).toBe(true);
    // Its own id with a suffix is fine (a second connection for a hand test).
    const second = await depot.charger('CP-1', { clientId: 'CP-1:sub' });
    expect(second.connected).toBe(true);
  });

  test("a charger publishing under another charger's id is disconnected and nothing is stored", async () => {
    const depot = await startDepot();
    await depot.register('CP-1');
    await depot.register('CP-2');
    const cp1 = await depot.charger('CP-1');
    await cp1.boot();
    const before = count(depot.app, 'SELECT count(*) AS n FROM charger_messages');
    const closed = new Promise<void>((resolve) => cp1['client']!.once('close', () => resolve()));
    void cp1.send('BootNotification', { chargePointVendor: 'Evil', chargePointModel: 'X' }).catch(() => undefined);
    await cp1.publishRaw('ocpp/cp/CP-2', '[2,"spoof","Heartbeat",{}]').catch(() => undefined);
    await closed;
    await settle(depot);
    // The first (own-topic) message may or may not have made it before the spoof; the spoof never does.
    const stored = depot.app.sqlite.prepare('SELECT charger_id AS c FROM charger_messages WHERE id > ?').all(before) as { c: string }[];
    expect(stored.every((r) => r.c === 'CP-1')).toBe(true);
    expect(count(depot.app, "SELECT count(*) AS n FROM charger_messages WHERE charger_id = 'CP-2'")).toBe(0);
    expect(count(depot.app, "SELECT count(*) AS n FROM chargers WHERE id = 'CP-2' AND last_seen_at IS NOT NULL")).toBe(0);
  });

  test('a charger may subscribe only to its own downstream topic', async () => {
    const depot = await startDepot();
    await depot.register('CP-1');
    const cp1 = await depot.charger('CP-1');
    expect(await cp1.subscribeRaw('ocpp/cs/CP-2')).toBe(128);
    expect(await cp1.subscribeRaw('ocpp/cs/+')).toBe(128);
    expect(await cp1.subscribeRaw('ocpp/cp/#')).toBe(128);
    expect(await cp1.subscribeRaw('ocpp/cs/CP-1')).toBe(1);
  });

  test('a retained message from a charger is not kept (it would be replayed to the back office)', async () => {
    const depot = await startDepot();
    await depot.register('CP-1');
    const cp1 = await depot.charger('CP-1');
    await new Promise<void>((resolve, reject) =>
      cp1['client']!.publish('ocpp/cp/CP-1', '[2,"r1","Heartbeat",{}]', { qos: 1, retain: true }, (e) => (e ? reject(e) : resolve())),
    );
    await settle(depot);
    const gw = await gatewayClient(depot);
    const seen: string[] = [];
    gw.on('message', (t) => seen.push(t));
    await gw.subscribeAsync('ocpp/cp/CP-1', { qos: 1 });
    await new Promise((r) => setTimeout(r, 150));
    expect(seen).toEqual([]);
  });

  test('refuses to bind outside loopback unless broker.allowLan is set', async () => {
    const { app } = makeApp({ overrides: { broker: { host: '0.0.0.0', port: 0 } } });
    await expect(startChargers(app)).rejects.toMatchObject({ code: 'config_invalid' });
  });

  test('names the port when it is taken, and stop frees the port', async () => {
    const depot = await startDepot();
    const port = depot.rt.broker!.port;
    const { app } = makeApp({ overrides: { broker: { port } } });
    await expect(startChargers(app)).rejects.toMatchObject({ code: 'unavailable', message: expect.stringContaining(String(port)) as unknown });
    await depot.rt.stop();
    expect(depot.app.runtime.broker.state).toBe('not_started');
    await new Promise<void>((resolve, reject) => {
      const s = net
        .createServer()
        .once('error', reject)
        .listen(port, '127.0.0.1', () => s.close(() => resolve()));
    });
  });

  test("the broker, the back office and the simulated chargers turn Nagle's algorithm off on their sockets", async () => {
    // With Nagle on, a small answer written while an earlier write is unacknowledged waits for the
    // peer's delayed ACK (up to 40 ms): the round trip p99 at 1,000 msg/s went from 5–12 ms to
    // 53–66 ms (docs/performance.md). The only observable trace is the setNoDelay call itself.
    const spy = vi.spyOn(net.Socket.prototype, 'setNoDelay');
    try {
      const depot = await startDepot();
      await depot.register('CP-ND');
      await depot.charger('CP-ND');
      const port = depot.rt.broker!.port;
      const switchedOff = spy.mock.contexts.filter((_s, i) => spy.mock.calls[i][0] === true) as net.Socket[];
      const clientsOf = (s: net.Socket[]) => s.filter((x) => x.remotePort === port).length;
      const serverSide = switchedOff.filter((x) => x.localPort === port).length;
      // The back office's client and the charger's; on the broker's side, both of their sockets.
      expect(clientsOf(switchedOff)).toBe(2);
      expect(serverSide).toBe(2);
    } finally {
      spy.mockRestore();
    }
  });
});
