import { describe, expect, test } from 'vitest';
import { addCharger, addStation, chargersDemoStep, DEMO_CHARGER_PASSWORD, markOfflineChargers, pruneMessageLog, type ChargerSummary } from '../../src-main/chargers';
import { DEMO_TARIFF_STATION } from '../../src-main/tariffs';
import { addOperator, call, cli, makeApp, ok, tempDir } from '../helpers';
import { count, rows, settle, startDepot } from './helpers';

describe('stations and chargers through the contract', () => {
  test('a supervisor adds a station and a charger; the password is stored only as a scrypt hash', async () => {
    const { app } = makeApp();
    const sup = await addOperator(app, 'supervisor');
    const station = await ok<{ id: string; name: string }>(app, sup, 'stations.add', { name: 'North Yard', address: '1 Depot Rd' });
    const charger = await ok<ChargerSummary>(app, sup, 'chargers.add', { id: 'CP-N1', station: 'north yard', connectors: 2, password: 'pw-123456' });
    expect(charger).toMatchObject({ id: 'CP-N1', stationId: station.id, stationName: 'North Yard', connectorCount: 2, online: false, registered: true });
    expect(charger.connectors.map((c) => c.connectorId)).toEqual([1, 2]);
    const [row] = rows<{ password_hash: string }>(app, 'SELECT password_hash FROM chargers');
    expect(row.password_hash.startsWith('scrypt$')).toBe(true);
    expect(row.password_hash).not.toContain('pw-123456');
    expect(await ok(app, sup, 'stations.list')).toEqual([expect.objectContaining({ name: 'North Yard', chargerCount: 1 })]);
    // The audit log names the action without the password.
    const [audit] = rows<{ input_summary: string }>(app, "SELECT input_summary FROM audit_log WHERE method = 'chargers.add'");
    expect(audit.input_summary).not.toContain('pw-123456');
  });

  test.each([
    { name: 'an id with a slash (it is a topic level)', input: { id: 'CP/1' }, code: 'invalid_input' },
    { name: 'a short password', input: { password: 'short' }, code: 'invalid_input' },
    { name: 'an unknown station', input: { station: 'Nowhere' }, code: 'not_found' },
    { name: 'zero connectors', input: { connectors: 0 }, code: 'invalid_input' },
  ])('refuses $name, naming the field', async ({ input, code }) => {
    const { app } = makeApp();
    const sup = await addOperator(app, 'supervisor');
    await ok(app, sup, 'stations.add', { name: 'Yard' });
    const r = await call(app, sup, 'chargers.add', { id: 'CP-1', station: 'Yard', connectors: 2, password: 'pw-123456', ...input });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe(code);
    expect(count(app, 'SELECT count(*) AS n FROM chargers')).toBe(0);
  });

  test('a charger id is registered once; an operator (not a supervisor) may not add chargers', async () => {
    const { app } = makeApp();
    const sup = await addOperator(app, 'supervisor');
    const op = await addOperator(app, 'operator');
    await ok(app, sup, 'stations.add', { name: 'Yard' });
    await ok(app, sup, 'chargers.add', { id: 'CP-1', station: 'Yard', connectors: 1, password: 'pw-123456' });
    const again = await call(app, sup, 'chargers.add', { id: 'CP-1', station: 'Yard', connectors: 1, password: 'pw-123456' });
    expect(again).toMatchObject({ ok: false, error: { code: 'conflict' } });
    const denied = await call(app, op, 'chargers.add', { id: 'CP-2', station: 'Yard', connectors: 1, password: 'pw-123456' });
    expect(denied).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await ok<ChargerSummary[]>(app, op, 'chargers.list')).toHaveLength(1);
  });

  test('maintenance is switched in the registry and, when the charger is online, told to the charger', async () => {
    const depot = await startDepot();
    const sup = await addOperator(depot.app, 'supervisor');
    await depot.register('CP-1');
    await depot.register('CP-2');
    const cp = await depot.charger('CP-1');
    await cp.boot();
    const told: unknown[] = [];
    cp.onCall('ChangeAvailability', (p) => {
      told.push(p);
      return { status: 'Accepted' };
    });
    const on = await ok<{ charger: ChargerSummary; availability: string }>(depot.app, sup, 'chargers.setMaintenance', { id: 'CP-1', maintenance: true, reason: 'cable' });
    expect(on).toMatchObject({ charger: { maintenance: true, maintenanceReason: 'cable' }, availability: 'Accepted' });
    expect(told).toEqual([{ connectorId: 0, type: 'Inoperative' }]);
    // CP-2 never connected: the flag is set, nothing is sent.
    const off = await ok<{ charger: ChargerSummary; availability: string }>(depot.app, sup, 'chargers.setMaintenance', { id: 'CP-2', maintenance: true });
    expect(off.availability).toBe('not_sent');
    expect(await call(depot.app, sup, 'chargers.setMaintenance', { id: 'NOPE', maintenance: true })).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  test("a charger's message log pages newest first and can be narrowed to one transaction", async () => {
    const depot = await startDepot();
    const op = await addOperator(depot.app, 'operator');
    await depot.register('CP-1');
    const cp = await depot.charger('CP-1');
    await cp.boot();
    const tx = await cp.startTransaction(1, 'T', 0, Date.parse('2026-01-15T00:00:00Z'));
    for (let i = 1; i <= 3; i += 1) await cp.heartbeat();
    type Page = { items: { id: number; action: string; direction: string; answer: string | null }[]; nextBeforeId: number | null };
    // One row per message from the charger, our answer on it.
    const first = await ok<Page>(depot.app, op, 'chargers.messages', { chargerId: 'CP-1', limit: 2 });
    expect(first.items.map((m) => m.action)).toEqual(['Heartbeat', 'Heartbeat']);
    const second = await ok<Page>(depot.app, op, 'chargers.messages', { chargerId: 'CP-1', limit: 2, beforeId: first.nextBeforeId! });
    expect(second.items.map((m) => m.action)).toEqual(['Heartbeat', 'StartTransaction']);
    const third = await ok<Page>(depot.app, op, 'chargers.messages', { chargerId: 'CP-1', limit: 2, beforeId: second.nextBeforeId! });
    expect(third).toMatchObject({ nextBeforeId: null });
    expect(third.items.map((m) => m.action)).toEqual(['BootNotification']);
    expect([...first.items, ...second.items, ...third.items].every((m) => m.direction === 'in' && m.answer !== null)).toBe(true);
    const ofTx = await ok<Page>(depot.app, op, 'chargers.messages', { chargerId: 'CP-1', transactionId: tx });
    expect(ofTx.items.map((m) => m.direction)).toEqual(['in']);
    expect(JSON.parse(ofTx.items[0].answer!)).toMatchObject({ MessageTypeId: 3, Payload: { transactionId: tx } });
  });

  test('broker.status shows the embedded broker, who is connected and how many chargers are online', async () => {
    const depot = await startDepot();
    const op = await addOperator(depot.app, 'operator');
    await depot.register('CP-1');
    await depot.register('CP-2');
    const cp = await depot.charger('CP-1');
    await cp.boot();
    const s = await ok<Record<string, unknown>>(depot.app, op, 'broker.status');
    expect(s).toMatchObject({
      mode: 'embedded',
      state: 'connected',
      listening: { host: '127.0.0.1', port: depot.rt.broker!.port },
      connectedChargers: ['CP-1'],
      chargersOnline: 1,
      chargersTotal: 2,
    });
  });
});

describe('offline marking and message-log retention', () => {
  test('a charger is offline after three missed heartbeats, announced once, and back online with its next message', async () => {
    const depot = await startDepot({ overrides: { chargers: { heartbeatIntervalS: 60 } } });
    await depot.register('CP-1');
    const cp = await depot.charger('CP-1');
    await cp.boot();
    const bootAt = depot.clock.now();
    expect(markOfflineChargers(depot.app, bootAt + 180_000)).toEqual([]);
    depot.clock.set(bootAt + 180_001);
    expect(markOfflineChargers(depot.app)).toEqual([{ chargerId: 'CP-1', lastSeenAt: bootAt }]);
    expect(markOfflineChargers(depot.app)).toEqual([]);
    expect(rows(depot.app, 'SELECT online FROM chargers')).toEqual([{ online: 0 }]);
    expect(depot.events.filter((e) => e.type === 'charger.status' && !e.payload.online)).toHaveLength(1);
    await cp.heartbeat();
    expect(rows(depot.app, 'SELECT online, last_seen_at FROM chargers')).toEqual([{ online: 1, last_seen_at: depot.clock.now() }]);
    expect(depot.events.at(-1)).toMatchObject({ type: 'charger.status', payload: { chargerId: 'CP-1', online: true } });
  });

  test('pruning deletes log rows older than the cut-off, in chunks, but keeps a start the session step has not applied yet, and its message', async () => {
    const depot = await startDepot();
    await depot.register('CP-1');
    const cp = await depot.charger('CP-1');
    await cp.boot();
    await cp.startTransaction(1, 'T', 0, depot.clock.now());
    const startedAt = depot.clock.now();
    depot.clock.advance(10 * 86_400_000);
    await cp.heartbeat();
    await settle(depot);
    const old = count(depot.app, 'SELECT count(*) AS n FROM charger_messages WHERE received_at <= ?', startedAt);
    const needed = count(depot.app, 'SELECT count(*) AS n FROM charger_transactions WHERE processed_at IS NULL AND message_id IS NOT NULL');
    const outcome = await pruneMessageLog(depot.app, 5 * 86_400_000, { chunk: 3 });
    expect(outcome).toEqual({ messages: old - needed, records: 0 });
    // Left: the heartbeat (and our answer to it), and whatever message the waiting start points at.
    const left = rows<{ action: string; kept: number }>(
      depot.app,
      `SELECT m.action, (SELECT count(*) FROM charger_transactions t WHERE t.message_id = m.id) AS kept FROM charger_messages m ORDER BY m.id`,
    );
    expect(new Set(left.filter((m) => m.kept === 0).map((m) => m.action))).toEqual(new Set(['Heartbeat']));
    expect(left.filter((m) => m.kept === 1).map((m) => m.action)).toEqual(needed === 1 ? ['StartTransaction'] : []);
    expect(rows(depot.app, 'SELECT kind, processed_at FROM charger_transactions')).toEqual([{ kind: 'start', processed_at: null }]);
  });
});

describe('the CLI', { timeout: 180_000 }, () => {
  test('station add, charger add --json and charger list --json', () => {
    const dir = tempDir();
    const env = { DEPOTDESK_PASSWORD: 'admin-password-1' };
    expect(cli(['init', '--admin', 'boss', '--data-dir', dir], env).code).toBe(0);
    const station = cli(['station', 'add', '--name', 'Yard A', '--data-dir', dir, '--as', 'boss', '--json'], env);
    expect(station.code, station.stderr).toBe(0);
    const added = cli(
      ['charger', 'add', '--id', 'CP-7', '--station', 'Yard A', '--connectors', '2', '--password', 'cp7-password', '--data-dir', dir, '--as', 'boss', '--json'],
      env,
    );
    expect(added.code, added.stderr).toBe(0);
    expect(added.json()).toMatchObject({ id: 'CP-7', stationName: 'Yard A', connectorCount: 2, registered: true });
    const list = cli(['charger', 'list', '--data-dir', dir, '--as', 'boss', '--json'], env);
    expect(list.json<ChargerSummary[]>().map((c) => c.id)).toEqual(['CP-7']);
    const bad = cli(
      ['charger', 'add', '--id', 'CP-8', '--station', 'Yard A', '--connectors', 'two', '--password', 'cp8-password', '--data-dir', dir, '--as', 'boss'],
      env,
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--connectors');
  });
});

test('registry functions used by the session step work without the contract', async () => {
  const { app } = makeApp();
  const s = addStation(app, { name: 'South' });
  const c = await addCharger(app, { id: 'CP-S', station: s.id, connectors: 1, password: 'pw-123456' });
  expect(c.stationName).toBe('South');
});

test('the demo depot registers three simulated chargers at the tariff demo station, once', async () => {
  const depot = await startDepot();
  expect(await chargersDemoStep.run(depot.app)).toContain('SIM-001, SIM-002, SIM-003');
  expect(await chargersDemoStep.run(depot.app)).toBe('demo chargers already registered');
  expect(rows(depot.app, 'SELECT id, station_id FROM chargers ORDER BY id')).toEqual(
    ['SIM-001', 'SIM-002', 'SIM-003'].map((id) => ({ id, station_id: DEMO_TARIFF_STATION })),
  );
  const sim = await depot.charger('SIM-002', { password: DEMO_CHARGER_PASSWORD });
  expect(await sim.boot()).toMatchObject({ status: 'Accepted' });
});
