import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import type { SessionView } from '../../src-main/sessions';
import { ok, tempDir } from '../helpers';
import { at, expectLedgerValid, PASSWORD, revenue, startSessionDepot, timelineKinds, wallet } from './helpers';

/**
 * A whole session through Mosquitto (broker.mode = external): the same lifecycle as with the
 * embedded broker, with Mosquitto doing the logins. Skipped, with the reason printed, where no
 * Mosquitto is installed.
 */
const MOSQUITTO = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto', '/opt/homebrew/sbin/mosquitto'].find((p) => fs.existsSync(p)) ?? null;
const MOSQUITTO_PASSWD = MOSQUITTO ? path.join(path.dirname(MOSQUITTO).replace(/sbin$/, 'bin'), 'mosquitto_passwd') : null;
const available = MOSQUITTO !== null && MOSQUITTO_PASSWD !== null && fs.existsSync(MOSQUITTO_PASSWD);
if (!available) process.stdout.write('test/sessions/mosquitto.test.ts: skipped, no mosquitto binary (looked in /usr/sbin, /usr/bin, /usr/local/sbin, /opt/homebrew/sbin)\n');

const BACK_OFFICE = { username: 'depotdesk', password: 'backoffice-secret' };
let proc: ChildProcess | null = null;
afterEach(async () => {
  const p = proc;
  proc = null;
  if (p && p.exitCode === null) {
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGTERM');
    });
  }
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

/** Mosquitto on a free port: the back office's login, and CP-1 with the chargers' test password. */
async function startMosquitto(): Promise<string> {
  const dir = tempDir('depotdesk-mosquitto-');
  const passwd = path.join(dir, 'passwd');
  fs.writeFileSync(passwd, '');
  for (const [user, pw] of [[BACK_OFFICE.username, BACK_OFFICE.password], ['CP-1', PASSWORD]]) {
    const r = spawnSync(MOSQUITTO_PASSWD!, ['-b', passwd, user, pw], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`mosquitto_passwd failed: ${r.stderr}`);
  }
  const port = await freePort();
  const conf = path.join(dir, 'mosquitto.conf');
  // Started as root, mosquitto would switch to the user "mosquitto", who cannot read the temp dir.
  fs.writeFileSync(conf, [`user ${os.userInfo().username}`, 'allow_anonymous false', `password_file ${passwd}`, 'persistence false', `listener ${port} 127.0.0.1`, ''].join('\n'));
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
    if (up) return `mqtt://127.0.0.1:${port}`;
    if (p.exitCode !== null) throw new Error(`mosquitto exited: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`mosquitto did not start: ${stderr}`);
}

describe.skipIf(!available)('a session through Mosquitto', { timeout: 60_000 }, () => {
  test('RemoteStart, StartTransaction, readings, StopTransaction: settled to the fen, the same as on the embedded broker', async () => {
    const url = await startMosquitto();
    const depot = await startSessionDepot({ external: { url, ...BACK_OFFICE } });
    const { app } = depot;
    expect(app.runtime.broker).toMatchObject({ state: 'connected' });
    const cp = await depot.charger('CP-1');
    const driver = depot.driver({ topUpYuan: 300 });

    const started = await ok<SessionView>(app, depot.operator, 'sessions.start', { chargerId: 'CP-1', connectorId: 1, driver: driver.id, prepay: '100.00' });
    expect(started.state).toBe('STARTING');
    await depot.until(() => timelineKinds(app, started.id).includes('remote_start_accepted'), 'the charger accepted');
    expect(cp.received.map((m) => m.text).find((t) => t.includes('RemoteStartTransaction'))).toContain(started.idTag);

    // The same readings as the embedded-broker lifecycle test: 6 kWh 平 + 4 kWh 峰 → ¥15.92.
    const tx = await cp.startTransaction(1, started.idTag, 100_000, at('09:00'));
    await depot.settle();
    expect(depot.session(started.id).state).toBe('CHARGING');
    await cp.meterValues(1, tx, 103_000, at('09:30'));
    await cp.meterValues(1, tx, 106_000, at('10:00'));
    // A repeated StopTransaction (the charger did not see our answer) settles once.
    const stop = cp.stopPayload(tx, 110_000, at('10:30'), 'EVDisconnected');
    await cp.call('StopTransaction', stop);
    await cp.call('StopTransaction', stop);
    await depot.settle();

    const s = depot.session(started.id);
    expect(s.state).toBe('PAID');
    expect(s.energyWh).toBe(10_000);
    expect(s.amountFen).toBe(1592);
    expect(wallet(app, driver.id)).toEqual({ balance: 30_000 - 1592, held: 0, available: 30_000 - 1592 });
    expect(revenue(app)).toEqual({ electricity: 792, service: 800 });
    expect(timelineKinds(app, s.id)).toEqual(['placed', 'remote_start_sent', 'remote_start_accepted', 'start_transaction', 'stop_transaction', 'settled_paid']);
    expectLedgerValid(app);
  });
});
