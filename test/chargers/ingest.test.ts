import { describe, expect, test } from 'vitest';
import Database from 'better-sqlite3';
import { parseFrame, type Frame } from '../../src-main/chargers/ocpp';
import { decodePayload } from '../../src-main/chargers/payload-codec';
import { addDriver } from '../../src-main/ledger';
import type { SimCharger } from '../../src-main/chargers/simulator';
import { count, gatewayClient, rows, settle, startDepot, type Depot } from './helpers';
import { depot as composedDepot } from '../../src-main/modules';

/** Publishes raw text as the charger and returns the back office's answer frame (and its raw text). */
async function rawCall(depot: Depot, cp: SimCharger, text: string): Promise<{ frame: Frame; text: string }> {
  const before = cp.received.length;
  await cp.publishRaw(`ocpp/cp/${cp.id}`, text);
  for (let i = 0; i < 100 && cp.received.length === before; i += 1) await new Promise((r) => setTimeout(r, 20));
  await settle(depot, 10);
  const got = cp.received[before];
  expect(got, 'the back office should have answered').toBeDefined();
  const parsed = parseFrame(got.text);
  if (!parsed.ok) throw new Error(`unreadable answer ${got.text}`);
  return { frame: parsed.frame, text: got.text };
}

/** Every table a refused message must leave alone, as one snapshot. */
function businessState(depot: Depot): unknown {
  const q = (sql: string) => depot.app.sqlite.prepare(sql).all();
  return {
    chargers: q('SELECT id, status, vendor, model, firmware_version, online, maintenance, last_boot_at FROM chargers ORDER BY id'),
    connectors: q('SELECT * FROM connectors ORDER BY charger_id, connector_id'),
    inbox: q('SELECT * FROM charger_transactions ORDER BY id'),
    txIds: q('SELECT * FROM charger_transaction_ids ORDER BY transaction_id'),
  };
}

async function bootedCharger(depot: Depot, id = 'CP-1', form: 'object' | 'array' = 'object'): Promise<SimCharger> {
  await depot.register(id);
  const cp = await depot.charger(id, { form });
  await cp.boot();
  return cp;
}

describe('BootNotification', () => {
  test('a registered charger is Accepted with the heartbeat interval, and its vendor, model and firmware are recorded', async () => {
    const depot = await startDepot({ overrides: { chargers: { heartbeatIntervalS: 45 } } });
    await depot.register('CP-1');
    const cp = await depot.charger('CP-1');
    const r = await cp.boot();
    expect(r).toEqual({ status: 'Accepted', currentTime: '2026-01-15T01:00:00.000Z', interval: 45 });
    const [row] = rows(depot.app, 'SELECT vendor, model, serial_number, firmware_version, online, last_boot_at, heartbeat_interval_s FROM chargers');
    expect(row).toEqual({
      vendor: 'DepotSim',
      model: 'AC-22',
      serial_number: 'SN-CP-1',
      firmware_version: '1.0.0',
      online: 1,
      last_boot_at: depot.clock.now(),
      heartbeat_interval_s: 45,
    });
  });

  test('an unknown charger id is Rejected and nothing is registered (published through a gateway login)', async () => {
    const depot = await startDepot();
    const gw = await gatewayClient(depot);
    const answers: string[] = [];
    await gw.subscribeAsync('ocpp/cs/GHOST-1', { qos: 1 });
    gw.on('message', (_t, p) => answers.push(p.toString()));
    await gw.publishAsync('ocpp/cp/GHOST-1', '[2,"b1","BootNotification",{"chargePointVendor":"X","chargePointModel":"Y"}]', { qos: 1 });
    for (let i = 0; i < 100 && answers.length === 0; i += 1) await new Promise((r) => setTimeout(r, 20));
    expect(JSON.parse(answers[0])).toEqual([3, 'b1', { status: 'Rejected', currentTime: '2026-01-15T01:00:00.000Z', interval: 300 }]);
    expect(count(depot.app, 'SELECT count(*) AS n FROM chargers')).toBe(0);
    // The attempt itself is in the message log, in and out: our answer on the BootNotification's row.
    const logged = rows<{ direction: string; action: string; answer: Buffer | string }>(
      depot.app,
      "SELECT direction, action, answer FROM charger_messages WHERE charger_id = 'GHOST-1' ORDER BY id",
    );
    expect(logged.map((m) => [m.direction, m.action, decodePayload(m.answer)])).toEqual([['in', 'BootNotification', answers[0]]]);
  });

  test('an unknown charger is anything but booted: its Heartbeat gets a SecurityError and changes nothing', async () => {
    const depot = await startDepot();
    const gw = await gatewayClient(depot);
    const answers: string[] = [];
    await gw.subscribeAsync('ocpp/cs/GHOST-2', { qos: 1 });
    gw.on('message', (_t, p) => answers.push(p.toString()));
    await gw.publishAsync('ocpp/cp/GHOST-2', '{"MessageTypeId":2,"UniqueId":"h1","Action":"Heartbeat","Payload":{}}', { qos: 1 });
    for (let i = 0; i < 100 && answers.length === 0; i += 1) await new Promise((r) => setTimeout(r, 20));
    expect(JSON.parse(answers[0])).toMatchObject({ MessageTypeId: 4, UniqueId: 'h1', ErrorCode: 'SecurityError' });
    expect(count(depot.app, 'SELECT count(*) AS n FROM chargers')).toBe(0);
  });

  test('with auto-registration on, an unknown charger logs in, boots Accepted and is recorded unconfirmed, password pinned', async () => {
    const depot = await startDepot({ overrides: { chargers: { autoRegister: true } } });
    const cp = await depot.charger('NEW-1', { password: 'first-password' });
    expect(await cp.boot()).toMatchObject({ status: 'Accepted' });
    expect(rows(depot.app, 'SELECT id, registered, station_id, vendor FROM chargers')).toEqual([{ id: 'NEW-1', registered: 0, station_id: null, vendor: 'DepotSim' }]);
    await cp.close();
    const impostor = await depot.charger('NEW-1', { password: 'another-password', connect: false });
    await expect(impostor.connect()).rejects.toThrow(/Bad username or password/i);
  });
});

describe('Heartbeat, StatusNotification and Authorize', () => {
  test('a heartbeat gets the current time and keeps the charger online', async () => {
    const depot = await startDepot();
    const cp = await bootedCharger(depot);
    depot.clock.advance(60_000);
    expect(await cp.heartbeat()).toEqual({ currentTime: '2026-01-15T01:01:00.000Z' });
    expect(rows(depot.app, 'SELECT online, last_seen_at FROM chargers')).toEqual([{ online: 1, last_seen_at: depot.clock.now() }]);
  });

  test("connector statuses are kept with the charger's time; a Faulted connector is flagged, announced and alerted", async () => {
    const depot = await startDepot();
    const cp = await bootedCharger(depot);
    await cp.status(0, 'Available');
    await cp.status(1, 'Charging');
    await cp.status(2, 'Faulted', 'GroundFailure', { vendorErrorCode: 'E42', info: 'leak' });
    expect(rows(depot.app, 'SELECT connector_id, status, error_code, vendor_error_code, info, faulted, status_at FROM connectors ORDER BY connector_id')).toEqual([
      { connector_id: 1, status: 'Charging', error_code: 'NoError', vendor_error_code: null, info: null, faulted: 0, status_at: depot.clock.now() },
      { connector_id: 2, status: 'Faulted', error_code: 'GroundFailure', vendor_error_code: 'E42', info: 'leak', faulted: 1, status_at: depot.clock.now() },
    ]);
    expect(rows(depot.app, 'SELECT status FROM chargers')).toEqual([{ status: 'Available' }]);
    const statusEvents = depot.events.filter((e) => e.type === 'charger.status').map((e) => e.payload);
    expect(statusEvents).toContainEqual(expect.objectContaining({ chargerId: 'CP-1', connectorId: 2, connectorStatus: 'Faulted', faulted: true }));
    expect(depot.events.some((e) => e.type === 'alert' && e.payload.code === 'charger.faulted' && e.payload.message.includes('connector 2'))).toBe(true);
  });

  test('a status older than the one already known (a late replay) does not overwrite it', async () => {
    const depot = await startDepot();
    const cp = await bootedCharger(depot);
    await cp.status(1, 'Available');
    const late = new Date(depot.clock.now() - 60_000).toISOString();
    await cp.call('StatusNotification', { connectorId: 1, status: 'Charging', errorCode: 'NoError', timestamp: late });
    expect(rows(depot.app, 'SELECT status FROM connectors')).toEqual([{ status: 'Available' }]);
  });

  test('Authorize answers Invalid for an id tag no driver has, and asks the injected hook', async () => {
    const depot = await startDepot({ hooks: { authorizeIdTag: (_app, tag) => ({ status: tag === 'GOOD' ? 'Accepted' : 'Blocked' }) } });
    const cp = await bootedCharger(depot);
    expect(await cp.authorize('GOOD')).toEqual({ idTagInfo: { status: 'Accepted' } });
    expect(await cp.authorize('BAD')).toEqual({ idTagInfo: { status: 'Blocked' } });
  });

  test("the bare link accepts no id tag: who may charge is the sessions module's answer, plugged in as a hook", async () => {
    const bare = await startDepot();
    addDriver(bare.app, { name: '王师傅', phone: '13800000001', tags: ['CARD-0001'] });
    expect(await (await bootedCharger(bare)).authorize('card-0001')).toEqual({ idTagInfo: { status: 'Invalid' } });
  });

  test("with the depot's hooks, Authorize looks the tag up in the ledger's drivers: a driver's card is Accepted, an unknown tag Invalid", async () => {
    const depot = await startDepot({ hooks: composedDepot.chargerHooks });
    addDriver(depot.app, { name: '王师傅', phone: '13800000001', tags: ['CARD-0001'] });
    const cp = await bootedCharger(depot);
    expect(await cp.authorize('card-0001')).toEqual({ idTagInfo: { status: 'Accepted' } });
    expect(await cp.authorize('NOBODY')).toEqual({ idTagInfo: { status: 'Invalid' } });
  });
});

describe('bad messages are refused with a CALLERROR, logged raw, and change nothing', () => {
  test('malformed JSON is a FormationViolation', async () => {
    const depot = await startDepot();
    const cp = await bootedCharger(depot);
    const before = businessState(depot);
    const { frame, text: answer } = await rawCall(depot, cp, '{"MessageTypeId":2,"UniqueId":"m1","Action":"Heartbeat","Payload":{');
    expect(frame).toMatchObject({ type: 4, uniqueId: '-1', errorCode: 'FormationViolation' });
    expect(businessState(depot)).toEqual(before);
    // One row: the raw text, why it was refused, and the CALLERROR we sent.
    const [logged] = rows<{ payload: Buffer | string; error: string; answer: Buffer | string }>(
      depot.app,
      "SELECT payload, error, answer FROM charger_messages WHERE direction = 'in' ORDER BY id DESC LIMIT 1",
    );
    expect({ ...logged, payload: decodePayload(logged.payload), answer: decodePayload(logged.answer) }).toEqual({
      payload: '{"MessageTypeId":2,"UniqueId":"m1","Action":"Heartbeat","Payload":{',
      error: expect.stringMatching(/^FormationViolation: message is not JSON/) as unknown,
      answer,
    });
  });

  test.each([
    {
      name: 'a StartTransaction without idTag',
      text: '[2,"s1","StartTransaction",{"connectorId":1,"meterStart":0,"timestamp":"2026-01-15T01:00:00Z"}]',
      code: 'OccurenceConstraintViolation',
    },
    {
      name: 'a StartTransaction with a string connectorId',
      text: '[2,"s2","StartTransaction",{"connectorId":"1","idTag":"T","meterStart":0,"timestamp":"2026-01-15T01:00:00Z"}]',
      code: 'TypeConstraintViolation',
    },
    {
      name: 'a StatusNotification with an unknown status',
      text: '[2,"s3","StatusNotification",{"connectorId":1,"errorCode":"NoError","status":"Napping"}]',
      code: 'PropertyConstraintViolation',
    },
    { name: 'a MeterValues with an extra field', text: '[2,"s4","MeterValues",{"connectorId":1,"meterValue":[],"x":1}]', code: 'PropertyConstraintViolation' },
    {
      name: 'a StopTransaction with a bad timestamp',
      text: '[2,"s5","StopTransaction",{"transactionId":1,"meterStop":5,"timestamp":"now"}]',
      code: 'PropertyConstraintViolation',
    },
  ])('$name is refused as $code', async ({ text, code }) => {
    const depot = await startDepot();
    const cp = await bootedCharger(depot, 'CP-1', 'array');
    const before = businessState(depot);
    const { frame, text: answer } = await rawCall(depot, cp, text);
    expect(frame).toMatchObject({ type: 4, uniqueId: JSON.parse(text)[1], errorCode: code });
    // Answered in the form the charger used.
    expect(Array.isArray(JSON.parse(answer))).toBe(true);
    expect(businessState(depot)).toEqual(before);
    const [logged] = rows<{ payload: Buffer | string; error: string; answer: Buffer | string }>(
      depot.app,
      "SELECT payload, error, answer FROM charger_messages WHERE direction = 'in' ORDER BY id DESC LIMIT 1",
    );
    expect(decodePayload(logged.payload)).toBe(text);
    expect(logged.error.startsWith(`${code}:`)).toBe(true);
    expect(decodePayload(logged.answer)).toBe(answer);
  });

  test('an action OCPP 1.6 does not know is NotImplemented; a central-system action sent by a charger is NotSupported', async () => {
    const depot = await startDepot();
    const cp = await bootedCharger(depot);
    const before = businessState(depot);
    const a = await rawCall(depot, cp, '{"MessageTypeId":2,"UniqueId":"n1","Action":"OpenTheDoors","Payload":{}}');
    expect(a.frame).toMatchObject({ type: 4, uniqueId: 'n1', errorCode: 'NotImplemented' });
    expect(JSON.parse(a.text)).toMatchObject({ MessageTypeId: 4, UniqueId: 'n1', ErrorCode: 'NotImplemented' });
    const b = await rawCall(depot, cp, '{"MessageTypeId":2,"UniqueId":"n2","Action":"RemoteStartTransaction","Payload":{"idTag":"T"}}');
    expect(b.frame).toMatchObject({ type: 4, uniqueId: 'n2', errorCode: 'NotSupported' });
    expect(businessState(depot)).toEqual(before);
  });

  test('a hook that breaks the answer schema gets the charger an InternalError, and the start it half made is rolled back', async () => {
    // A deliberately broken hook: the cast is the bug under test.
    const depot = await startDepot({ hooks: { authorizeIdTag: () => ({ status: 'Maybe' as 'Accepted' }) } });
    const cp = await bootedCharger(depot);
    const before = businessState(depot);
    const { frame } = await rawCall(depot, cp, '[2,"h1","StartTransaction",{"connectorId":1,"idTag":"T","meterStart":0,"timestamp":"2026-01-15T00:00:00Z"}]');
    expect(frame).toMatchObject({ type: 4, uniqueId: 'h1', errorCode: 'InternalError' });
    expect(businessState(depot)).toEqual(before);
  });

  test('an unreadable answer (not a CALL) is logged but never answered', async () => {
    const depot = await startDepot();
    const cp = await bootedCharger(depot);
    const before = cp.received.length;
    await cp.publishRaw('ocpp/cp/CP-1/Reply', '[3,"zz"]');
    await settle(depot, 150);
    expect(cp.received.length).toBe(before);
    expect(rows(depot.app, "SELECT topic, error FROM charger_messages WHERE direction = 'in' ORDER BY id DESC LIMIT 1")).toEqual([
      { topic: 'ocpp/cp/CP-1/Reply', error: expect.stringMatching(/^FormationViolation/) as unknown },
    ]);
  });
});

describe('transaction messages land once in the inbox and are always acknowledged', () => {
  test('a repeated StartTransaction gets the same transactionId; a different one gets a new id', async () => {
    const depot = await startDepot();
    const cp = await bootedCharger(depot);
    const at = Date.parse('2026-01-15T00:59:00Z');
    const first = await cp.startTransaction(1, 'TAG-A', 1000, at);
    const again = await cp.startTransaction(1, 'TAG-A', 1000, at);
    // The same start in the other payload form and another UniqueId is still the same start.
    cp.form = 'array';
    const third = await cp.startTransaction(1, 'TAG-A', 1000, at);
    const other = await cp.startTransaction(2, 'TAG-B', 5000, at);
    expect([again, third]).toEqual([first, first]);
    expect(other).not.toBe(first);
    expect(rows(depot.app, 'SELECT kind, transaction_id, connector_id, id_tag, charger_at, meter_wh, copies FROM charger_transactions ORDER BY id')).toEqual([
      { kind: 'start', transaction_id: first, connector_id: 1, id_tag: 'TAG-A', charger_at: at, meter_wh: 1000, copies: 3 },
      { kind: 'start', transaction_id: other, connector_id: 2, id_tag: 'TAG-B', charger_at: at, meter_wh: 5000, copies: 1 },
    ]);
  });

  test('MeterValues and StopTransaction repeats are counted, not stored twice; a different second stop is kept aside and alerted', async () => {
    const depot = await startDepot();
    const cp = await bootedCharger(depot);
    const t0 = Date.parse('2026-01-15T00:30:00Z');
    const tx = await cp.startTransaction(1, 'TAG-A', 1000, t0);
    await cp.meterValues(1, tx, 2500, t0 + 60_000);
    await cp.meterValues(1, tx, 2500, t0 + 60_000);
    await cp.meterValues(1, tx, 4000, t0 + 120_000);
    await cp.stopTransaction(tx, 4200, t0 + 150_000);
    await cp.stopTransaction(tx, 4200, t0 + 150_000);
    expect(await cp.stopTransaction(tx, 9999, t0 + 999_000)).toEqual({});
    expect(rows(depot.app, 'SELECT kind, transaction_id, charger_at, meter_wh, copies, conflicting_copies FROM charger_transactions ORDER BY id')).toEqual([
      { kind: 'start', transaction_id: tx, charger_at: t0, meter_wh: 1000, copies: 1, conflicting_copies: 0 },
      { kind: 'meter', transaction_id: tx, charger_at: t0 + 60_000, meter_wh: 2500, copies: 2, conflicting_copies: 0 },
      { kind: 'meter', transaction_id: tx, charger_at: t0 + 120_000, meter_wh: 4000, copies: 1, conflicting_copies: 0 },
      { kind: 'stop', transaction_id: tx, charger_at: t0 + 150_000, meter_wh: 4200, copies: 3, conflicting_copies: 1 },
    ]);
    expect(depot.events.some((e) => e.type === 'alert' && e.payload.code === 'charger.conflicting_stop')).toBe(true);
  });

  test('each message is in the log with its receipt time, the charger time and the transaction id', async () => {
    const depot = await startDepot();
    const cp = await bootedCharger(depot);
    const chargerClock = Date.parse('2026-01-14T23:00:00Z');
    const tx = await cp.startTransaction(1, 'TAG-A', 0, chargerClock);
    await cp.meterValues(1, tx, 100, chargerClock + 1000);
    const log = rows<{ answer: Buffer | string }>(
      depot.app,
      "SELECT direction, action, received_at, charger_at, transaction_id, answer FROM charger_messages WHERE action IN ('StartTransaction','MeterValues') ORDER BY id",
    );
    // Our answer is on the CALL's row, as published.
    expect(log.map((m) => ({ ...m, answer: parseFrame(decodePayload(m.answer)) }))).toEqual([
      {
        direction: 'in',
        action: 'StartTransaction',
        received_at: depot.clock.now(),
        charger_at: chargerClock,
        transaction_id: tx,
        answer: expect.objectContaining({ ok: true, frame: expect.objectContaining({ type: 3, payload: expect.objectContaining({ transactionId: tx }) }) }),
      },
      {
        direction: 'in',
        action: 'MeterValues',
        received_at: depot.clock.now(),
        charger_at: chargerClock + 1000,
        transaction_id: tx,
        answer: expect.objectContaining({ ok: true, frame: expect.objectContaining({ type: 3, payload: {} }) }),
      },
    ]);
  });

  test('the session hook hears about each record after it committed, duplicates marked', async () => {
    const heard: { kind: string; duplicate: boolean; committed: boolean }[] = [];
    const depot = await startDepot({
      hooks: {
        onTransactionRecords: (app, records) => {
          for (const r of records) {
            const committed = app.sqlite.prepare('SELECT 1 FROM charger_transactions WHERE id = ?').get(r.recordId) !== undefined && !app.sqlite.inTransaction;
            heard.push({ kind: r.kind, duplicate: r.duplicate, committed });
          }
        },
      },
    });
    const cp = await bootedCharger(depot);
    const tx = await cp.startTransaction(1, 'T', 0, Date.parse('2026-01-15T00:00:00Z'));
    await cp.startTransaction(1, 'T', 0, Date.parse('2026-01-15T00:00:00Z'));
    await cp.stopTransaction(tx, 10, Date.parse('2026-01-15T00:10:00Z'));
    // Records are handed over within CONSUME_DELAY_MS of their commit; idle() hands them over at once.
    await depot.rt.idle();
    expect(heard).toEqual([
      { kind: 'start', duplicate: false, committed: true },
      { kind: 'start', duplicate: true, committed: true },
      { kind: 'stop', duplicate: false, committed: true },
    ]);
  });

  test('a charger that speaks arrays is answered in arrays, one that speaks objects in objects', async () => {
    const depot = await startDepot();
    const a = await bootedCharger(depot, 'CP-A', 'array');
    const o = await bootedCharger(depot, 'CP-O', 'object');
    await a.heartbeat();
    await o.heartbeat();
    expect(Array.isArray(JSON.parse(a.received.at(-1)!.text))).toBe(true);
    expect(JSON.parse(o.received.at(-1)!.text)).toMatchObject({ MessageTypeId: 3 });
  });
});

describe('group commit and durability', () => {
  test('a burst from several chargers: every answer a charger holds was committed before it was sent, and nothing is lost', async () => {
    const depot = await startDepot();
    const chargers = [await bootedCharger(depot, 'CP-1'), await bootedCharger(depot, 'CP-2'), await bootedCharger(depot, 'CP-3')];
    // A second, read-only connection sees only what is committed (WAL): what a restart would find.
    const reader = new Database(depot.app.paths.dbFile, { readonly: true });
    try {
      const committed = reader.prepare(
        `SELECT (SELECT count(*) FROM charger_transactions t JOIN charger_messages m ON m.id = t.message_id WHERE m.charger_id = ? AND m.unique_id = ?) AS inbox,
                (SELECT count(*) FROM charger_messages WHERE charger_id = ? AND unique_id = ? AND direction = 'in' AND answer IS NOT NULL) AS logged`,
      );
      const perCharger = 60;
      const notCommittedWhenAnswered: string[] = [];
      await Promise.all(
        chargers.map(async (cp, c) => {
          const calls: Promise<void>[] = [];
          for (let i = 0; i < perCharger; i += 1) {
            const uniqueId = `burst-${c}-${i}`;
            const payload = cp.meterPayload(1, null, 1_000 + i, Date.parse('2026-01-15T01:00:00Z') + i * 1_000);
            const answered = new Promise<void>((resolve) => {
              const before = cp.received.length;
              const poll = () => {
                const got = cp.received.slice(before).find((m) => m.text.includes(`"${uniqueId}"`));
                if (!got) return void setTimeout(poll, 2);
                const row = committed.get(cp.id, uniqueId, cp.id, uniqueId) as { inbox: number; logged: number };
                if (row.inbox !== 1 || row.logged !== 1) notCommittedWhenAnswered.push(uniqueId);
                resolve();
              };
              poll();
            });
            calls.push(cp.send('MeterValues', payload, uniqueId).then(() => answered));
          }
          await Promise.all(calls);
        }),
      );
      expect(notCommittedWhenAnswered).toEqual([]);
      await settle(depot);
      expect(count(depot.app, "SELECT count(*) AS n FROM charger_transactions WHERE kind = 'meter'")).toBe(3 * perCharger);
      // Each message once, our answer on its row.
      expect(count(depot.app, "SELECT count(*) AS n FROM charger_messages WHERE action = 'MeterValues' AND direction = 'in' AND answer IS NOT NULL")).toBe(
        3 * perCharger,
      );
      expect(count(depot.app, "SELECT count(*) AS n FROM charger_messages WHERE action = 'MeterValues' AND direction = 'out'")).toBe(0);
    } finally {
      reader.close();
    }
  });
});
