import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { tempDir } from './helpers';

/**
 * A throw-away Mosquitto for the tests that run the back office against an external broker
 * (broker.mode = external): its own logins (password file) and the ACL docs/charger-protocol.md
 * tells a depot to use, on a free loopback port, stopped after each test. Where Mosquitto is not
 * installed the tests are skipped and say so.
 */
const MOSQUITTO_DIRS = ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/opt/homebrew/sbin'];
const MOSQUITTO = MOSQUITTO_DIRS.map((d) => path.join(d, 'mosquitto')).find((p) => fs.existsSync(p)) ?? null;
const MOSQUITTO_PASSWD = MOSQUITTO ? path.join(path.dirname(MOSQUITTO).replace(/sbin$/, 'bin'), 'mosquitto_passwd') : null;

export const mosquittoAvailable = MOSQUITTO !== null && MOSQUITTO_PASSWD !== null && fs.existsSync(MOSQUITTO_PASSWD);
export const opensslAvailable = spawnSync('openssl', ['version']).status === 0;

/** Prints why `testFile` is skipped when there is no Mosquitto; true when it is missing. */
export function skipWithoutMosquitto(testFile: string): boolean {
  if (!mosquittoAvailable) process.stdout.write(`${testFile}: skipped, no mosquitto binary (looked in ${MOSQUITTO_DIRS.join(', ')})\n`);
  return !mosquittoAvailable;
}

/** The back office's own login on Mosquitto (readwrite ocpp/#). */
export const BACK_OFFICE = { username: 'depotdesk', password: 'backoffice-secret' } as const;

export interface Mosquitto {
  url: string;
  /** mqtts:// listener (when started with tls), and the CA that signed its certificate. */
  tlsUrl: string | null;
  caFile: string | null;
  kill(): Promise<void>;
  /** Starts it again on the same port with the same logins and ACL. */
  restart(): Promise<void>;
}

const running: Mosquitto[] = [];
afterEach(async () => {
  while (running.length > 0) await running.pop()!.kill();
});

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

/**
 * Starts Mosquitto with BACK_OFFICE and one login per charger (`chargers`: id → password), the
 * chargers limited by the ACL to their own topics. Resolves once it accepts connections.
 */
export async function startMosquitto(opts: { chargers: Record<string, string>; tls?: boolean }): Promise<Mosquitto> {
  if (!mosquittoAvailable) throw new Error('no mosquitto binary');
  const dir = tempDir('depotdesk-mosquitto-');
  const passwd = path.join(dir, 'passwd');
  fs.writeFileSync(passwd, '');
  for (const [user, pw] of [[BACK_OFFICE.username, BACK_OFFICE.password], ...Object.entries(opts.chargers)]) {
    const r = spawnSync(MOSQUITTO_PASSWD!, ['-b', passwd, user, pw], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`mosquitto_passwd failed: ${r.stderr}`);
  }
  const acl = path.join(dir, 'acl');
  fs.writeFileSync(
    acl,
    [
      `user ${BACK_OFFICE.username}`,
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
      `acl_file ${acl}`,
      'persistence false',
      // As docs/charger-protocol.md recommends: small answers are not held back by Nagle's algorithm.
      'set_tcp_nodelay true',
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
  const mosquitto: Mosquitto = { url: `mqtt://127.0.0.1:${port}`, tlsUrl: tlsPort ? `mqtts://127.0.0.1:${tlsPort}` : null, caFile: certs?.ca ?? null, kill, restart: launch };
  running.push(mosquitto);
  await launch();
  return mosquitto;
}
