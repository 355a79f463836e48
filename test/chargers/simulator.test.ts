import net from 'node:net';
import { describe, expect, test } from 'vitest';
import { runSimulation, simChargerId, type SimulationOptions } from '../../src-main/chargers/simulator';
import { cli, tempDir } from '../helpers';
import { count, recordPayloads, rows, settle, startDepot, type Depot } from './helpers';
import { afterTest } from '../after-test';

/**
 * A depot whose authorization accepts every card: these tests are about the scenarios, so the
 * simulated chargers' cards (SIMTAG, TAG-R) need no drivers. Refused cards have their own tests.
 */
function acceptingDepot(): Promise<Depot> {
  return startDepot({ hooks: { authorizeIdTag: () => ({ status: 'Accepted' }) } });
}

/** A fleet of simulated chargers registered at the depot and running one scenario. */
async function fleet(depot: Depot, n: number, o: Partial<SimulationOptions> & Pick<SimulationOptions, 'scenario'>) {
  for (let i = 1; i <= n; i += 1) await depot.register(simChargerId('SIM-', i), { password: 'sim-password' });
  const sim = runSimulation({ brokerUrl: depot.url, chargers: n, rate: 20, sessionSeconds: 1, powerW: 36_000, ...o });
  afterTest(() => sim.stop());
  await sim.ready;
  return sim;
}

async function until(what: string, fn: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function inboxPerTransaction(depot: Depot) {
  return rows<{ transaction_id: number; starts: number; stops: number; meters: number }>(
    depot.app,
    `SELECT transaction_id, sum(kind = 'start') AS starts, sum(kind = 'stop') AS stops, sum(kind = 'meter') AS meters
     FROM charger_transactions GROUP BY transaction_id ORDER BY transaction_id`,
  );
}

describe('the simulator drives the back office through each scenario', { timeout: 60_000 }, () => {
  test('normal: chargers boot, report status, charge, send meter values and stop; each transaction is in the inbox once', async () => {
    const depot = await acceptingDepot();
    const sim = await fleet(depot, 2, { scenario: 'normal', autoStart: true });
    await until('two finished sessions per charger', () => sim.stats.transactionsStopped >= 4);
    await sim.stop();
    await settle(depot);
    expect(sim.stats).toMatchObject({ booted: 2, rejected: 0, errors: 0 });
    expect(rows(depot.app, 'SELECT id, online, vendor FROM chargers ORDER BY id')).toEqual([
      { id: 'SIM-001', online: 1, vendor: 'DepotSim' },
      { id: 'SIM-002', online: 1, vendor: 'DepotSim' },
    ]);
    const perTx = inboxPerTransaction(depot);
    expect(perTx.length).toBe(sim.stats.transactionsStarted);
    for (const t of perTx) expect(t).toMatchObject({ starts: 1, stops: 1 });
    expect(perTx.reduce((a, t) => a + t.meters, 0)).toBe(sim.stats.meterValuesSent);
    expect(count(depot.app, 'SELECT count(*) AS n FROM charger_messages WHERE error IS NOT NULL')).toBe(0);
  });

  test('duplicates: extra copies are acknowledged and counted, never stored twice, and starts keep their transaction id', async () => {
    const depot = await acceptingDepot();
    const sim = await fleet(depot, 2, { scenario: 'duplicates', autoStart: true });
    await until('sessions with duplicates', () => sim.stats.transactionsStopped >= 4 && sim.stats.duplicatesSent >= 5);
    await sim.stop();
    await settle(depot, 300);
    expect(sim.stats.errors).toBe(0);
    const perTx = inboxPerTransaction(depot);
    expect(perTx.length).toBe(sim.stats.transactionsStarted);
    for (const t of perTx) expect(t).toMatchObject({ starts: 1, stops: 1 });
    expect(count(depot.app, 'SELECT count(*) AS n FROM charger_transactions WHERE copies > 1')).toBeGreaterThan(0);
    expect(count(depot.app, 'SELECT count(*) AS n FROM charger_transactions WHERE conflicting_copies > 0')).toBe(0);
  });

  test('offline-replay: a charger that loses its network keeps charging and replays with the original times', async () => {
    const depot = await acceptingDepot();
    const sim = await fleet(depot, 1, { scenario: 'offline-replay', autoStart: true, sessionSeconds: 1.5, offlineSeconds: 1 });
    await until('a replayed session', () => sim.stats.replayed >= 3 && sim.stats.transactionsStopped >= 1);
    await until('the replayed stop in the inbox', () => count(depot.app, "SELECT count(*) AS n FROM charger_transactions WHERE kind = 'stop'") >= 1);
    await sim.stop();
    await settle(depot);
    const [first] = inboxPerTransaction(depot);
    expect(first).toMatchObject({ starts: 1, stops: 1 });
    // Meter values taken while offline arrived later than they were taken, with the charger's own times.
    const meters = rows<{ charger_at: number; id: number }>(
      depot.app,
      "SELECT id, charger_at FROM charger_transactions WHERE kind = 'meter' AND transaction_id = ? ORDER BY charger_at",
      first.transaction_id,
    );
    expect(meters.length).toBe(first.meters);
    const [stop] = rows<{ charger_at: number }>(
      depot.app,
      "SELECT charger_at FROM charger_transactions WHERE kind = 'stop' AND transaction_id = ?",
      first.transaction_id,
    );
    expect(stop.charger_at).toBeGreaterThanOrEqual(meters.at(-1)!.charger_at - 1_000);
  });

  test('faults: a connector reports Faulted and the registry flags it', async () => {
    const depot = await acceptingDepot();
    const sim = await fleet(depot, 1, { scenario: 'faults' });
    await until('a fault', () => sim.stats.faults >= 1);
    await settle(depot);
    expect(rows(depot.app, 'SELECT connector_id, status, error_code, faulted FROM connectors WHERE faulted = 1')).toEqual([
      { connector_id: 2, status: 'Faulted', error_code: 'GroundFailure', faulted: 1 },
    ]);
  });

  test('no-start: the charger accepts a RemoteStart and never starts, so no transaction ever arrives', async () => {
    const depot = await acceptingDepot();
    await fleet(depot, 1, { scenario: 'no-start' });
    await expect(depot.rt.callCharger('SIM-001', 'RemoteStartTransaction', { connectorId: 1, idTag: 'TAG' })).resolves.toEqual({ status: 'Accepted' });
    await settle(depot, 1_000);
    expect(count(depot.app, 'SELECT count(*) AS n FROM charger_transactions')).toBe(0);
  });

  test('normal with a remote start: RemoteStart leads to StartTransaction, RemoteStop to StopTransaction', async () => {
    const depot = await acceptingDepot();
    await fleet(depot, 1, { scenario: 'normal' });
    await depot.rt.callCharger('SIM-001', 'RemoteStartTransaction', { connectorId: 1, idTag: 'TAG-R' });
    await until('the start', () => count(depot.app, "SELECT count(*) AS n FROM charger_transactions WHERE kind = 'start'") === 1);
    const [start] = rows<{ transaction_id: number; id_tag: string }>(depot.app, "SELECT transaction_id, id_tag FROM charger_transactions WHERE kind = 'start'");
    expect(start.id_tag).toBe('TAG-R');
    await until('a meter value', () => count(depot.app, "SELECT count(*) AS n FROM charger_transactions WHERE kind = 'meter'") >= 2);
    await expect(depot.rt.callCharger('SIM-001', 'RemoteStopTransaction', { transactionId: start.transaction_id })).resolves.toEqual({ status: 'Accepted' });
    await until('the stop', () => count(depot.app, "SELECT count(*) AS n FROM charger_transactions WHERE kind = 'stop'") === 1);
    const [stop] = recordPayloads(depot.app, 'stop');
    expect(stop).toMatchObject({ transactionId: start.transaction_id, reason: 'Remote', idTag: 'TAG-R' });
  });

  test('meter-drift: the charger clock runs ahead and reports kWh; the charger time is kept as sent and energy read in Wh', async () => {
    const depot = await acceptingDepot();
    const sim = await fleet(depot, 1, { scenario: 'meter-drift', autoStart: true });
    await until('meter values', () => sim.stats.meterValuesSent >= 3);
    await settle(depot);
    const [m] = rows<{ charger_at: number; meter_wh: number }>(
      depot.app,
      "SELECT charger_at, meter_wh FROM charger_transactions WHERE kind = 'meter' ORDER BY id LIMIT 1",
    );
    expect(m.charger_at - Date.now()).toBeGreaterThan(60_000);
    const [first] = recordPayloads<{ meterValue: { sampledValue: { value: string; unit: string }[] }[] }>(depot.app, 'meter');
    const sample = first.meterValue[0].sampledValue[0];
    expect(sample.unit).toBe('kWh');
    expect(m.meter_wh).toBe(Math.round(Number(sample.value) * 1000));
  });

  test('a simulated charger whose password the broker refuses is reported, not booted', async () => {
    const depot = await startDepot({ overrides: { chargers: { autoRegister: false } } });
    // Registered with another password: the broker refuses the login, the simulator reports it.
    await depot.register('SIM-001', { password: 'other-password' });
    const sim = runSimulation({ brokerUrl: depot.url, chargers: 1, scenario: 'normal', rate: 1 });
    afterTest(() => sim.stop());
    await sim.ready;
    expect(sim.stats).toMatchObject({ booted: 0, errors: 1 });
  });
});

describe('a simulated charger authorizes like a real one', () => {
  test('an auto-start Authorizes its card first and does not start when it is not Accepted; with authorize off it starts anyway', async () => {
    const depot = await startDepot({ hooks: { authorizeIdTag: (_app, tag) => ({ status: tag === 'GOOD' ? 'Accepted' : 'Blocked' }) } });
    const lines: string[] = [];
    const sim = await fleet(depot, 1, { scenario: 'normal', autoStart: true, idTags: ['BAD'], log: (l) => lines.push(l) });
    await settle(depot, 300);
    expect(sim.stats).toMatchObject({ booted: 1, refusedCards: 1, transactionsStarted: 0 });
    expect(lines).toContainEqual(expect.stringContaining('card BAD is Blocked; not starting'));
    expect(count(depot.app, "SELECT count(*) AS n FROM charger_transactions WHERE kind = 'start'")).toBe(0);
    await sim.stop();

    const trusting = runSimulation({
      brokerUrl: depot.url,
      chargers: 1,
      scenario: 'normal',
      rate: 20,
      sessionSeconds: 1,
      autoStart: true,
      idTags: ['BAD'],
      authorize: false,
    });
    afterTest(() => trusting.stop());
    await trusting.ready;
    await settle(depot, 300);
    expect(trusting.stats).toMatchObject({ refusedCards: 0, transactionsStarted: 1 });
  });

  test('a transaction whose StartTransaction answer is not Accepted is stopped at once with reason DeAuthorized', async () => {
    // Authorize accepts, the StartTransaction answer does not (the driver was blocked in between).
    const depot = await startDepot({ hooks: { authorizeIdTag: (_app, _tag, where) => ({ status: where.action === 'Authorize' ? 'Accepted' : 'Blocked' }) } });
    const sim = await fleet(depot, 1, { scenario: 'normal', autoStart: true, idTags: ['CARD'] });
    for (let waited = 0; sim.stats.transactionsStopped === 0 && waited < 10_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    await settle(depot);
    expect(sim.stats).toMatchObject({ transactionsStarted: 1, deauthorized: 1, transactionsStopped: 1 });
    const [stop] = recordPayloads(depot.app, 'stop');
    expect(stop).toMatchObject({ reason: 'DeAuthorized', idTag: 'CARD' });
  });
});

describe('depotdesk simulate', { timeout: 120_000 }, () => {
  test('a --broker that is not an MQTT URL is a usage error naming it; a broker nobody listens on fails at once', async () => {
    const dir = tempDir();
    for (const bad of ['notaurl', 'http://127.0.0.1:1883']) {
      const r = cli(['simulate', '--data-dir', dir, '--broker', bad, '--chargers', '1']);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`--broker must be`);
      expect(r.stderr).toContain(bad);
    }
    // A port that was free a moment ago: connection refused.
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    // Without --broker it uses the broker of the DepotDesk serving the data directory, and none serves
    // this one: refused, rather than connecting to whatever broker holds the configured port.
    const nobody = cli(['simulate', '--data-dir', dir, '--chargers', '1']);
    expect(nobody.code, nobody.stderr).toBe(2);
    expect(nobody.stderr).toContain(`no DepotDesk with a charger link is serving ${dir}`);
    const refused = cli(['simulate', '--data-dir', dir, '--broker', `mqtt://127.0.0.1:${port}`, '--chargers', '2']);
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stdout).toMatch(/SIM-001: connect ECONNREFUSED/);
    expect(refused.stderr).toContain(`no simulated charger could connect to mqtt://127.0.0.1:${port}`);
  });
});
