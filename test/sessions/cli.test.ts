import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src-main/kernel/logger';
import { startBrowserMode, type BrowserMode } from '../../src-main/boot/serve';
import { addCharger, addStation } from '../../src-main/chargers';
import { SimCharger } from '../../src-main/chargers/simulator';
import { addDriver, topUp } from '../../src-main/ledger';
import { createOperator } from '../../src-main/operators';
import type { SessionView } from '../../src-main/sessions';
import { assignTariff, GUANGDONG_PLAN, importTariff, isoInZone } from '../../src-main/tariffs';
import { REPO_ROOT, tempDir } from '../helpers';

/**
 * `depotdesk session …` against a running instance: `depotdesk serve` runs in this process (HTTP
 * and the embedded broker on free ports), a simulated charger is connected to its broker, and the
 * real CLI runs in child processes. The spawns are asynchronous: a synchronous spawn would block
 * the instance the CLI is talking to.
 */
const OP_PASSWORD = 'operator-password-1';
const CHARGER_PASSWORD = 'charger-secret-1';

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

function depotdesk(args: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'depotdesk.js'), ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, DEPOTDESK_PASSWORD: OP_PASSWORD },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

function json<T>(r: CliRun): T {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (stops.length > 0) await stops.pop()!();
});

interface Running {
  dir: string;
  serve: BrowserMode;
  cp: SimCharger;
  driver: { id: string; phone: string | null };
  idle(): Promise<void>;
}

async function runningDepot(): Promise<Running> {
  const dir = tempDir();
  const serve = await startBrowserMode({ dataDir: dir, log: silentLogger(), staticDir: null, overrides: { http: { port: 0 }, broker: { port: 0 } } });
  stops.push(() => serve.stop());
  const { app } = serve;
  await createOperator(app, { name: 'li', role: 'operator', password: OP_PASSWORD });
  const station = addStation(app, { name: 'Yard A' });
  assignTariff(app, { stationId: station.id, planId: importTariff(app, { file: GUANGDONG_PLAN }).planId });
  await addCharger(app, { id: 'CP-1', station: station.id, connectors: 2, password: CHARGER_PASSWORD });
  const driver = addDriver(app, { name: 'Wang', phone: '13900001111' });
  topUp(app, { key: `topup:${driver.id}`, driverId: driver.id, amountFen: 10_000, channel: 'cash' });
  const cp = new SimCharger({ id: 'CP-1', password: CHARGER_PASSWORD, brokerUrl: serve.services.chargers!.broker!.url, callTimeoutMs: 10_000, callRetries: 0 });
  stops.push(() => cp.close());
  await cp.connect();
  await cp.boot();
  await cp.status(1, 'Available');
  await cp.status(2, 'Available');
  const idle = async () => {
    await new Promise((r) => setTimeout(r, 100));
    await serve.services.chargers!.idle();
  };
  await idle();
  return { dir, serve, cp, driver, idle };
}

// Each case spawns the real CLI (the bundle) several times; on a busy 2-core machine one spawn takes
// seconds, so the bound is per case and generous (a bound, not a timing assertion).
describe('depotdesk session', { timeout: 240_000 }, () => {
  it('an operator starts, follows, lists and stops a session from the command line; it ends settled', async () => {
    const d = await runningDepot();
    const common = ['--data-dir', d.dir, '--as', 'li', '--json'];

    const started = json<SessionView>(
      await depotdesk(['session', 'start', '--charger', 'CP-1', '--connector', '1', '--driver', '13900001111', '--prepay', '30.00', ...common]),
    );
    expect(started).toMatchObject({ state: 'STARTING', chargerId: 'CP-1', connectorId: 1, driverId: d.driver.id, prepay: '30.00' });
    // sessions.start does not wait for the charger: the RemoteStart reaches it a moment later.
    for (let waited = 0; !d.cp.received.some((m) => m.text.includes('RemoteStartTransaction')) && waited < 15_000; waited += 20)
      await new Promise((r) => setTimeout(r, 20));
    await d.idle();
    expect(d.cp.received.some((m) => m.text.includes('RemoteStartTransaction') && m.text.includes(started.idTag))).toBe(true);

    // The car starts: 2 kWh, then the operator stops it from the command line.
    // Charger times after the tariff's import (it prices energy from then on).
    const t0 = Date.now() + 1_000;
    const tx = await d.cp.startTransaction(1, started.idTag, 10_000, t0);
    await d.idle();
    // A session is named by its number (CD…) as people quote it, wherever its id is taken.
    expect(started.number).toMatch(/^CD\d{8}$/);
    const [shown, listed, listedHuman] = await Promise.all([
      depotdesk(['session', 'show', started.number.toLowerCase(), ...common]),
      depotdesk(['session', 'list', '--state', 'charging', ...common]),
      depotdesk(['session', 'list', '--data-dir', d.dir, '--as', 'li']),
    ]);
    expect(json<{ session: SessionView }>(shown).session).toMatchObject({ id: started.id, state: 'CHARGING', transactionId: tx });
    expect(json<{ items: SessionView[]; total: number }>(listed).items.map((s) => s.id)).toEqual([started.id]);
    // The list leads with the number and names the driver (masked phone); the internal id comes last.
    expect(listedHuman.code, listedHuman.stderr).toBe(0);
    // Issue 16: the state in words (Charging), as the Sessions page shows it; --json above keeps CHARGING.
    expect(listedHuman.stdout).toMatch(new RegExp(`^${started.number} +Charging +CP-1/1 +Wang 139\\*{4}1111 .* id ${started.id}$`, 'm'));

    const stopping = json<SessionView>(await depotdesk(['session', 'stop', started.number, ...common]));
    expect(stopping.state).toBe('STOPPING');
    expect(d.cp.received.some((m) => m.text.includes('RemoteStopTransaction'))).toBe(true);
    await d.cp.stopTransaction(tx, 12_000, t0 + 30 * 60_000, 'Remote');
    await d.idle();

    const human = await depotdesk(['session', 'show', started.id, '--data-dir', d.dir, '--as', 'li']);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`^${started.number} +Paid +CP-1/1 +Wang 139\\*{4}1111 `));
    expect(human.stdout).toContain('2.000 kWh');
    expect(human.stdout).toMatch(/transfers:\n {2}Hold {2,}wallet → held {2}¥30\.00 \(Held\) {2}hold:/);
    // Timeline kinds in words (the Sessions page's titles), never the codes.
    expect(human.stdout).toMatch(/\n {2}\S+ \S+ {2}Placed, prepay held {2}/);
    const timeline = human.stdout.split('timeline (Asia/Shanghai):\n')[1];
    expect(timeline).not.toMatch(/^ {2}\S+ \S+(?: \(charger [^)]+\))? {2}[a-z_]+(?: {2}|$)/m);
    expect(human.stdout.split('\n')[0]).not.toMatch(/\bPAID\b/);
    // Times read on the depot's clock (Asia/Shanghai, said once), the charger's own time included; no UTC "Z".
    const stoppedAt = isoInZone(t0 + 30 * 60_000, 'Asia/Shanghai')
      .slice(0, 19)
      .replace('T', ' ');
    expect(human.stdout).toContain('timeline (Asia/Shanghai):');
    expect(human.stdout).toMatch(new RegExp(`\\n  \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\(charger ${stoppedAt}\\)  Charging stopped  `));
    // A UTC time (…:ssZ or …:ss.mmmZ), not any id that happens to end in a digit and Z.
    expect(human.stdout).not.toMatch(/\d\d:\d\d(:\d\d(\.\d+)?)?Z\b/);
    const detail = json<{ session: SessionView; transfers: { id: string }[] }>(await depotdesk(['session', 'show', started.id, ...common]));
    expect(detail.session.state).toBe('PAID');
    expect(detail.session.energyWh).toBe(2_000);
    expect(detail.transfers.map((t) => t.id)).toContain(`settle:${started.id}#post`);
  });

  it('refusals and mistakes: exit 1 with the reason, exit 2 for usage, nothing started', async () => {
    const d = await runningDepot();
    const common = ['--data-dir', d.dir, '--as', 'li'];
    const [unknownCharger, badConnector, noId, notFound, tooMuch, noNumber] = await Promise.all([
      depotdesk(['session', 'start', '--charger', 'CP-404', '--connector', '1', '--driver', d.driver.id, '--prepay', '10.00', ...common]),
      depotdesk(['session', 'start', '--charger', 'CP-1', '--connector', 'one', '--driver', d.driver.id, '--prepay', '10.00', ...common]),
      depotdesk(['session', 'show', ...common]),
      depotdesk(['session', 'show', 'NO-SUCH-SESSION', ...common]),
      depotdesk(['session', 'start', '--charger', 'CP-1', '--connector', '1', '--driver', d.driver.id, '--prepay', '500.00', ...common]),
      depotdesk(['session', 'show', 'CD99999999', ...common]),
    ]);
    expect(unknownCharger.code).toBe(1);
    expect(unknownCharger.stderr).toMatch(/charger CP-404 is not registered/);
    expect(badConnector.code).toBe(2);
    expect(badConnector.stderr).toMatch(/--connector/);
    expect(noId.code).toBe(2);
    expect(noId.stderr).toMatch(/give the session number \(CD…\) or id/);
    expect(notFound.code).toBe(1);
    expect(notFound.stderr).toMatch(/NO-SUCH-SESSION/);
    expect(tooMuch.code).toBe(1);
    expect(tooMuch.stderr).toMatch(/¥500.00 is more than the ¥100.00 available/);
    expect(noNumber.code).toBe(1);
    expect(noNumber.stderr).toMatch(/no session numbered CD99999999/);
    expect(d.serve.app.sqlite.prepare('SELECT count(*) AS n FROM charging_sessions').get()).toEqual({ n: 0 });
  });
});
