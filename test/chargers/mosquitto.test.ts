import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { ChargerTimeoutError, startChargers } from '../../src-main/chargers';
import { SimCharger } from '../../src-main/chargers/simulator';
import { makeApp, tempDir } from '../helpers';
import { count, onCleanup, rows, settle, startDepot, type Depot } from './helpers';

/**
 * The same back office against Mosquitto, the broker a depot is most likely to run itself
 * (broker.mode = external). Mosquitto does the logins and the ACL here, configured the way
 * docs/charger-protocol.md tells a depot to configure it.
 */
const MOSQUITTO = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto', '/opt/homebrew/sbin/mosquitto'].find((p) => fs.existsSync(p)) ?? null;
const MOSQUITTO_PASSWD = MOSQUITTO ? path.join(path.dirname(MOSQUITTO).replace(/sbin$/, 'bin'), 'mosquitto_passwd') : null;
const available = MOSQUITTO !== null && MOSQUITTO_PASSWD !== null && fs.existsSync(MOSQUITTO_PASSWD);
const opensslAvailable = spawnSync('openssl', ['version']).status === 0;
if (available && !opensslAvailable) process.stdout.write('test/chargers/mosquitto.test.ts: the two mqtts:// tests are skipped, no openssl command to make certificates\n');
if (!available) process.stdout.write('test/chargers/mosquitto.test.ts: skipped, no mosquitto binary (looked in /usr/sbin, /usr/bin, /usr/local/sbin, /opt/homebrew/sbin)\n');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const USERS: Record<string, string> = { depotdesk: 'backoffice-secret', 'CP-1': 'cp1-password', 'CP-2': 'cp2-password' };

interface Mosquitto {
  url: string;
  /** mqtts:// listener (when started with tls), and the CA that signed its certificate. */
  tlsUrl: string | null;
  caFile: string | null;
  kill(): Promise<void>;
  /** Starts it again on the same port with the same logins and ACL. */
  restart(): Promise<void>;
}

/** A throw-away CA and a server certificate for 127.0.0.1, made with the openssl command. */
function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const run = (args: string[]) => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
  };
  fs.writeFileSync(path.join(dir, 'san.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=DepotDesk test CA']);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'san.cnf']);
  return { ca: path.join(dir, 'ca.crt'), cert: path.join(dir, 'server.crt'), key: path.join(dir, 'server.key') };
}

async function startMosquitto(opts: { tls?: boolean } = {}): Promise<Mosquitto> {
  const dir = tempDir('depotdesk-mosquitto-');
  const passwd = path.join(dir, 'passwd');
  fs.writeFileSync(passwd, '');
  for (const [user, pw] of Object.entries(USERS)) {
    const r = spawnSync(MOSQUITTO_PASSWD!, ['-b', passwd, user, pw], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`mosquitto_passwd failed: ${r.stderr}`);
  }
  fs.writeFileSync(
    path.join(dir, 'acl'),
    [
      'user depotdesk',
      'topic readwrite ocpp/#',
      '',
      '# every other login is a charger, limited to its own topics',
      'pattern write ocpp/cp/%u',
      'pattern write ocpp/cp/%u/Reply',
      'pattern read ocpp/cs/%u',
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const tlsPort = opts.tls ? await freePort() : null;
  const certs = opts.tls ? makeCertificates(dir) : null;
  const conf = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(
    conf,
    [
      // Started as root, mosquitto would switch to the user "mosquitto", who cannot read our temp dir.
      `user ${os.userInfo().username}`,
      'allow_anonymous false',
      `password_file ${passwd}`,
      `acl_file ${path.join(dir, 'acl')}`,
      'persistence false',
      `listener ${port} 127.0.0.1`,
      ...(certs ? [`listener ${tlsPort} 127.0.0.1`, `cafile ${certs.ca}`, `certfile ${certs.cert}`, `keyfile ${certs.key}`] : []),
      '',
    ].join('\n'),
  );
  let proc: ChildProcess | null = null;
  const kill = () =>
    new Promise<void>((resolve) => {
      const p = proc;
      proc = null;
      if (!p || p.exitCode !== null) return resolve();
      p.once('exit', () => resolve());
      p.kill('SIGTERM');
    });
  const launch = async () => {
    const p = spawn(MOSQUITTO!, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    proc = p;
    let stderr = '';
    p.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    for (let i = 0; i < 100; i += 1) {
      const up = await new Promise<boolean>((resolve) => {
        const sock = net.connect({ host: '127.0.0.1', port }, () => {
          sock.destroy();
          resolve(true);
        });
        sock.once('error', () => resolve(false));
      });
      if (up) return;
      if (p.exitCode !== null) throw new Error(`mosquitto exited: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`mosquitto did not start: ${stderr}`);
  };
  onCleanup(kill);
  await launch();
  return { url: `mqtt://127.0.0.1:${port}`, tlsUrl: tlsPort ? `mqtts://127.0.0.1:${tlsPort}` : null, caFile: certs?.ca ?? null, kill, restart: launch };
}

async function depotOnMosquitto(): Promise<{ depot: Depot; url: string }> {
  const { url } = await startMosquitto();
  const depot = await startDepot({ overrides: { broker: { mode: 'external', url, username: 'depotdesk', password: USERS.depotdesk } } });
  return { depot, url };
}

async function chargerOn(url: string, id: string, depot: Depot): Promise<SimCharger> {
  const sim = new SimCharger({ id, password: USERS[id], brokerUrl: url, now: () => depot.clock.now(), callTimeoutMs: 3_000, callRetries: 0 });
  onCleanup(() => sim.close());
  await sim.connect();
  return sim;
}

describe.skipIf(!available)('against Mosquitto (broker.mode = external)', { timeout: 60_000 }, () => {
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
    expect(count(depot.app, "SELECT count(*) AS n FROM charger_messages WHERE charger_id = 'CP-2'")).toBe(2);
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
    onCleanup(() => rt.stop());
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
