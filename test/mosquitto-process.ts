import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * A Mosquitto process on a free loopback port, for the tests (test/mosquitto.ts adds their ACL and
 * cleanup) and the ingest benchmark. No vitest here, so the benchmark can use it too.
 */
export const MOSQUITTO_DIRS = ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/opt/homebrew/sbin'];
const MOSQUITTO = MOSQUITTO_DIRS.map((d) => path.join(d, 'mosquitto')).find((p) => fs.existsSync(p)) ?? null;
const MOSQUITTO_PASSWD = MOSQUITTO ? path.join(path.dirname(MOSQUITTO).replace(/sbin$/, 'bin'), 'mosquitto_passwd') : null;

export const mosquittoAvailable = MOSQUITTO !== null && MOSQUITTO_PASSWD !== null && fs.existsSync(MOSQUITTO_PASSWD);

export interface Mosquitto {
  url: string;
  /** mqtts:// listener (when started with tls), and the CA that signed its certificate. */
  tlsUrl: string | null;
  caFile: string | null;
  kill(): Promise<void>;
  /** Starts it again on the same port with the same logins and ACL. */
  restart(): Promise<void>;
}

export interface LaunchOptions {
  /** A directory of its own for the password file, the configuration and certificates. */
  dir: string;
  /** Logins: user → password. */
  users: Record<string, string>;
  /** ACL file lines; none means every login may use every topic. */
  acl?: string[];
  tls?: boolean;
  /** More mosquitto.conf lines (before the listeners). */
  conf?: string[];
  /**
   * The largest publish payload Mosquitto lets through (max_packet_size, which counts the whole
   * packet, is this plus MQTT_PACKET_OVERHEAD); the default is chargers.maxPayloadBytes' default.
   */
  maxPayloadBytes?: number;
}

/** 64 KiB: chargers.maxPayloadBytes' default. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 64 * 1024;
/** Header, topic and packet id around a charger's payload (src-main/chargers/broker.ts MQTT_PACKET_OVERHEAD). */
export const MQTT_PACKET_OVERHEAD = 128;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
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

/** Starts Mosquitto; resolves once it accepts connections. */
export async function launchMosquitto(opts: LaunchOptions): Promise<Mosquitto> {
  if (!mosquittoAvailable) throw new Error(`no mosquitto binary (looked in ${MOSQUITTO_DIRS.join(', ')})`);
  const { dir } = opts;
  const passwd = path.join(dir, 'passwd');
  fs.writeFileSync(passwd, '');
  for (const [user, pw] of Object.entries(opts.users)) {
    const r = spawnSync(MOSQUITTO_PASSWD!, ['-b', passwd, user, pw], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`mosquitto_passwd failed: ${r.stderr}`);
  }
  const acl = opts.acl ? path.join(dir, 'acl') : null;
  if (acl) fs.writeFileSync(acl, [...opts.acl!, ''].join('\n'));
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
      ...(acl ? [`acl_file ${acl}`] : []),
      'persistence false',
      // As docs/charger-protocol.md recommends: small answers are not held back by Nagle's algorithm.
      'set_tcp_nodelay true',
      // As docs/charger-protocol.md recommends ("Limits"): a larger packet closes the connection.
      `max_packet_size ${(opts.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES) + MQTT_PACKET_OVERHEAD}`,
      ...(opts.conf ?? []),
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
    // Polls the port: mosquitto says nothing on stdout when it is ready.
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
  const mosquitto: Mosquitto = {
    url: `mqtt://127.0.0.1:${port}`,
    tlsUrl: tlsPort ? `mqtts://127.0.0.1:${tlsPort}` : null,
    caFile: certs?.ca ?? null,
    kill,
    restart: launch,
  };
  try {
    await launch();
  } catch (e) {
    await kill();
    throw e;
  }
  return mosquitto;
}
