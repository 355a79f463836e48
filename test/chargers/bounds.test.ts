import fs from 'node:fs';
import { describe, expect, test } from 'vitest';
import { addCharger, addStation, listChargers } from '../../src-main/chargers';
import { ensureBackOfficeCredentials, MQTT_PACKET_OVERHEAD, packetLengthGuard, startEmbeddedBroker } from '../../src-main/chargers/broker';
import { LIMITS, parseFrame, readFrameHead, validatePayload, type Frame, type Payload } from '../../src-main/chargers/ocpp';
import { decodePayload } from '../../src-main/chargers/payload-codec';
import type { SimCharger } from '../../src-main/chargers/simulator';
import { runDoctor } from '../../src-main/system';
import { depot } from '../../src-main/modules';
import { addOperator, cli, makeApp } from '../helpers';
import { BACK_OFFICE, skipWithoutMosquitto, startMosquitto } from '../mosquitto';
import { count, PASSWORD, rows, settle, startDepot, type Depot } from './helpers';
import { afterTest } from '../after-test';

/**
 * Issue 12, defects 2 and 3 and "Bounds everywhere": every field a charger sends has a range, a
 * message outside it is refused with the CALLERROR OCPP 1.6 names and changes nothing, no stored
 * connector row can take the back office down, and no payload is stored larger than the limit.
 * Where a broker is involved, each case runs on the embedded broker and on Mosquitto.
 */
const noMosquitto = skipWithoutMosquitto('test/chargers/bounds.test.ts (its Mosquitto cases)');

const T = '2026-01-15T01:00:00Z';
const MB20 = 20 * 1024 * 1024;

interface BrokerCase {
  broker: string;
  /** A depot whose broker holds the default payload limit (chargers.maxPayloadBytes, 64 KiB). */
  start(overrides?: Record<string, unknown>): Promise<Depot>;
  /** A depot behind a broker that lets 32 MiB through, so only the back office's own check is left. */
  startPermissive(): Promise<Depot>;
}

const CHARGER_LOGINS = { 'CP-1': PASSWORD, 'CP-2': PASSWORD };

const embedded: BrokerCase = {
  broker: 'the embedded broker',
  start: (overrides) => startDepot({ overrides }),
  async startPermissive() {
    // A second core runs a broker with a larger limit (as a depot's EMQX, 1 MB by default, might
    // be); the depot under test reaches it as an external broker, with the back office's login.
    const { app: brokerApp, dir } = makeApp();
    const station = addStation(brokerApp, { name: 'Broker yard' });
    for (const id of Object.keys(CHARGER_LOGINS)) await addCharger(brokerApp, { id, station: station.id, connectors: 2, password: PASSWORD });
    const creds = ensureBackOfficeCredentials(dir);
    const broker = await startEmbeddedBroker(brokerApp, { host: '127.0.0.1', port: 0, allowLan: false, backOffice: creds, maxPayloadBytes: 32 * 1024 * 1024 });
    afterTest(() => broker.close());
    return startDepot({ overrides: { broker: { mode: 'external', url: broker.url, username: creds.username, password: creds.password } } });
  },
};

const mosquitto: BrokerCase = {
  broker: 'Mosquitto',
  async start(overrides = {}) {
    const { url } = await startMosquitto({ chargers: CHARGER_LOGINS });
    return startDepot({ overrides: { ...overrides, broker: { mode: 'external', url, ...BACK_OFFICE } } });
  },
  async startPermissive() {
    const { url } = await startMosquitto({ chargers: CHARGER_LOGINS, maxPayloadBytes: 32 * 1024 * 1024 });
    return startDepot({ overrides: { broker: { mode: 'external', url, ...BACK_OFFICE } } });
  },
};

const BROKERS: BrokerCase[] = noMosquitto ? [embedded] : [embedded, mosquitto];

async function bootedCharger(depot: Depot, id = 'CP-1'): Promise<SimCharger> {
  await depot.register(id, { connectors: 2 });
  const cp = await depot.charger(id);
  await cp.boot();
  return cp;
}

/** Publishes raw text as the charger and returns the back office's answer frame. */
async function rawCall(depot: Depot, cp: SimCharger, text: string): Promise<Frame> {
  const before = cp.received.length;
  await cp.publishRaw(`ocpp/cp/${cp.id}`, text);
  for (let i = 0; i < 250 && cp.received.length === before; i += 1) await new Promise((r) => setTimeout(r, 20));
  await settle(depot, 10);
  const got = cp.received[before];
  expect(got, `the back office should have answered ${text.slice(0, 120)}`).toBeDefined();
  const parsed = parseFrame(got.text);
  if (!parsed.ok) throw new Error(`unreadable answer ${got.text}`);
  return parsed.frame;
}

function call(uniqueId: string, action: string, payload: Payload): string {
  return JSON.stringify({ MessageTypeId: 2, UniqueId: uniqueId, Action: action, Payload: payload });
}

/** Every table a refused message must leave alone (the charger's last-seen time aside: it is alive). */
function businessState(depot: Depot): unknown {
  const q = (sql: string) => depot.app.sqlite.prepare(sql).all();
  return {
    chargers: q(
      'SELECT id, status, error_code, vendor, model, firmware_version, online, maintenance, connector_count, registered, last_boot_at FROM chargers ORDER BY id',
    ),
    connectors: q('SELECT * FROM connectors ORDER BY charger_id, connector_id'),
    inbox: q('SELECT * FROM charger_transactions ORDER BY id'),
    txIds: q('SELECT * FROM charger_transaction_ids ORDER BY transaction_id'),
  };
}

function alertCodes(depot: Depot): string[] {
  return depot.events.flatMap((e) => (e.type === 'alert' ? [e.payload.code] : []));
}

/** The largest message the message log holds, in bytes once decoded (the codec would shrink 20 MB of 'x'). */
function largestLoggedMessage(depot: Depot): number {
  const stored = depot.app.sqlite.prepare('SELECT payload FROM charger_messages').pluck().all() as (string | Buffer)[];
  return Math.max(0, ...stored.map((p) => Buffer.byteLength(decodePayload(p))));
}

function databaseBytes(depot: Depot): number {
  const file = depot.app.paths.dbFile;
  return [file, `${file}-wal`].reduce((sum, f) => sum + (fs.existsSync(f) ? fs.statSync(f).size : 0), 0);
}

async function until(what: () => boolean, description: string, ms = 15_000): Promise<void> {
  for (let waited = 0; !what(); waited += 20) {
    if (waited >= ms) throw new Error(`still waiting after ${ms} ms: ${description}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// --- the bounds themselves, without a broker ----------------------------------------------------

const status = (p: Payload = {}): Payload => ({ connectorId: 1, errorCode: 'NoError', status: 'Available', timestamp: T, ...p });
const start = (p: Payload = {}): Payload => ({ connectorId: 1, idTag: 'CARD-1', meterStart: 1000, timestamp: T, ...p });
const meter = (p: Payload = {}, sample: Payload = {}, at = T): Payload => ({
  connectorId: 1,
  transactionId: 7,
  meterValue: [{ timestamp: at, sampledValue: [{ value: '1500', measurand: 'Energy.Active.Import.Register', unit: 'Wh', ...sample }] }],
  ...p,
});
const stop = (p: Payload = {}, sample?: Payload): Payload => ({
  transactionId: 7,
  meterStop: 2000,
  timestamp: T,
  reason: 'Local',
  ...(sample ? { transactionData: [{ timestamp: T, sampledValue: [{ value: '2000', ...sample }] }] } : {}),
  ...p,
});

interface OutOfRange {
  name: string;
  action: string;
  payload: Payload;
  code: string;
  field: string;
  /** A registered charger naming a connector above its count also raises this alert. */
  alert?: boolean;
}

/** Each field out of its range, on a charger registered with 2 connectors. */
const OUT_OF_RANGE: OutOfRange[] = [
  {
    name: 'a status for connector 99999999999',
    action: 'StatusNotification',
    payload: status({ connectorId: 99_999_999_999 }),
    code: 'PropertyConstraintViolation',
    field: 'connectorId',
    alert: true,
  },
  {
    name: 'a status for connector 3 of 2',
    action: 'StatusNotification',
    payload: status({ connectorId: 3 }),
    code: 'PropertyConstraintViolation',
    field: 'connectorId',
    alert: true,
  },
  { name: 'a status for connector -1', action: 'StatusNotification', payload: status({ connectorId: -1 }), code: 'PropertyConstraintViolation', field: 'connectorId' },
  {
    name: 'a status from 1999',
    action: 'StatusNotification',
    payload: status({ timestamp: '1999-12-31T23:59:59Z' }),
    code: 'PropertyConstraintViolation',
    field: 'timestamp',
  },
  {
    name: 'a status from 2100',
    action: 'StatusNotification',
    payload: status({ timestamp: '2100-01-01T00:00:00Z' }),
    code: 'PropertyConstraintViolation',
    field: 'timestamp',
  },
  {
    name: 'a status with a 60-character timestamp',
    action: 'StatusNotification',
    payload: status({ timestamp: `2026-01-15T01:00:00.${'0'.repeat(39)}Z` }),
    code: 'PropertyConstraintViolation',
    field: 'timestamp',
  },
  {
    name: 'a status with 51 characters of info',
    action: 'StatusNotification',
    payload: status({ info: 'i'.repeat(51) }),
    code: 'PropertyConstraintViolation',
    field: 'info',
  },
  { name: 'a start on connector 0', action: 'StartTransaction', payload: start({ connectorId: 0 }), code: 'PropertyConstraintViolation', field: 'connectorId' },
  {
    name: 'a start on connector 3 of 2',
    action: 'StartTransaction',
    payload: start({ connectorId: 3 }),
    code: 'PropertyConstraintViolation',
    field: 'connectorId',
    alert: true,
  },
  { name: 'a start at meter -1 Wh', action: 'StartTransaction', payload: start({ meterStart: -1 }), code: 'PropertyConstraintViolation', field: 'meterStart' },
  { name: 'a start at meter 10^12 Wh', action: 'StartTransaction', payload: start({ meterStart: 1e12 }), code: 'PropertyConstraintViolation', field: 'meterStart' },
  { name: 'a start at meter 10^20 Wh', action: 'StartTransaction', payload: start({ meterStart: 1e20 }), code: 'PropertyConstraintViolation', field: 'meterStart' },
  { name: 'a start at meter 1.5 Wh', action: 'StartTransaction', payload: start({ meterStart: 1.5 }), code: 'TypeConstraintViolation', field: 'meterStart' },
  {
    name: 'a start with a 21-character idTag',
    action: 'StartTransaction',
    payload: start({ idTag: 'T'.repeat(21) }),
    code: 'PropertyConstraintViolation',
    field: 'idTag',
  },
  { name: 'a start at "yesterday"', action: 'StartTransaction', payload: start({ timestamp: 'yesterday' }), code: 'PropertyConstraintViolation', field: 'timestamp' },
  { name: 'a start in 1970', action: 'StartTransaction', payload: start({ timestamp: '1970-01-01T00:00:00Z' }), code: 'PropertyConstraintViolation', field: 'timestamp' },
  {
    name: 'a start with reservation 2^31',
    action: 'StartTransaction',
    payload: start({ reservationId: 2 ** 31 }),
    code: 'PropertyConstraintViolation',
    field: 'reservationId',
  },
  {
    name: 'meter values of connector 3 of 2',
    action: 'MeterValues',
    payload: meter({ connectorId: 3 }),
    code: 'PropertyConstraintViolation',
    field: 'connectorId',
    alert: true,
  },
  { name: 'meter values of transaction 0', action: 'MeterValues', payload: meter({ transactionId: 0 }), code: 'PropertyConstraintViolation', field: 'transactionId' },
  {
    name: 'meter values of transaction 2^31',
    action: 'MeterValues',
    payload: meter({ transactionId: 2 ** 31 }),
    code: 'PropertyConstraintViolation',
    field: 'transactionId',
  },
  {
    name: 'an energy sample of -5 Wh',
    action: 'MeterValues',
    payload: meter({}, { value: '-5' }),
    code: 'PropertyConstraintViolation',
    field: 'meterValue.0.sampledValue.0.value',
  },
  {
    name: 'an energy sample of 1e13 Wh',
    action: 'MeterValues',
    payload: meter({}, { value: '1e13' }),
    code: 'PropertyConstraintViolation',
    field: 'meterValue.0.sampledValue.0.value',
  },
  {
    name: 'an energy sample of 10^9 kWh',
    action: 'MeterValues',
    payload: meter({}, { value: '1000000000', unit: 'kWh' }),
    code: 'PropertyConstraintViolation',
    field: 'meterValue.0.sampledValue.0.value',
  },
  {
    name: 'an energy sample "abc"',
    action: 'MeterValues',
    payload: meter({}, { value: 'abc' }),
    code: 'TypeConstraintViolation',
    field: 'meterValue.0.sampledValue.0.value',
  },
  {
    name: 'an energy sample "Infinity"',
    action: 'MeterValues',
    payload: meter({}, { value: 'Infinity' }),
    code: 'TypeConstraintViolation',
    field: 'meterValue.0.sampledValue.0.value',
  },
  {
    name: 'a register sample without measurand "NaN"',
    action: 'MeterValues',
    payload: meter({}, { value: 'NaN', measurand: undefined }),
    code: 'TypeConstraintViolation',
    field: 'meterValue.0.sampledValue.0.value',
  },
  {
    name: 'a signed sample of 2,501 characters',
    action: 'MeterValues',
    payload: meter({}, { value: 'S'.repeat(2501), format: 'SignedData' }),
    code: 'PropertyConstraintViolation',
    field: 'meterValue.0.sampledValue.0.value',
  },
  {
    name: 'a sample taken in 1970',
    action: 'MeterValues',
    payload: meter({}, {}, '1970-01-01T00:00:00Z'),
    code: 'PropertyConstraintViolation',
    field: 'meterValue.0.timestamp',
  },
  { name: 'a stop of transaction -1', action: 'StopTransaction', payload: stop({ transactionId: -1 }), code: 'PropertyConstraintViolation', field: 'transactionId' },
  {
    name: 'a stop of transaction 2^31',
    action: 'StopTransaction',
    payload: stop({ transactionId: 2 ** 31 }),
    code: 'PropertyConstraintViolation',
    field: 'transactionId',
  },
  { name: 'a stop at meter 10^15 Wh', action: 'StopTransaction', payload: stop({ meterStop: 1e15 }), code: 'PropertyConstraintViolation', field: 'meterStop' },
  { name: 'a stop in 2150', action: 'StopTransaction', payload: stop({ timestamp: '2150-06-01T00:00:00Z' }), code: 'PropertyConstraintViolation', field: 'timestamp' },
  {
    name: 'a stop whose transaction data says -1 Wh',
    action: 'StopTransaction',
    payload: stop({}, { value: '-1' }),
    code: 'PropertyConstraintViolation',
    field: 'transactionData.0.sampledValue.0.value',
  },
  {
    name: 'a boot with a 21-character vendor',
    action: 'BootNotification',
    payload: { chargePointVendor: 'V'.repeat(21), chargePointModel: 'M' },
    code: 'PropertyConstraintViolation',
    field: 'chargePointVendor',
  },
  { name: 'an Authorize with a 21-character idTag', action: 'Authorize', payload: { idTag: 'T'.repeat(21) }, code: 'PropertyConstraintViolation', field: 'idTag' },
];

/** Each bound's edge, which must still be accepted. */
const AT_THE_EDGE: { name: string; action: string; payload: Payload }[] = [
  { name: 'connector 0 (the charger)', action: 'StatusNotification', payload: status({ connectorId: 0 }) },
  { name: 'the last connector', action: 'StatusNotification', payload: status({ connectorId: 2 }) },
  { name: 'a status at 2000-01-01T00:00:00Z', action: 'StatusNotification', payload: status({ timestamp: '2000-01-01T00:00:00Z' }) },
  { name: 'a start on the last connector at 0 Wh', action: 'StartTransaction', payload: start({ connectorId: 2, meterStart: 0 }) },
  { name: 'a start at the largest meter reading', action: 'StartTransaction', payload: start({ meterStart: LIMITS.maxMeterWh, timestamp: '2099-12-31T23:59:59.999Z' }) },
  {
    name: 'main-meter values of the largest transaction id',
    action: 'MeterValues',
    payload: meter({ connectorId: 0, transactionId: LIMITS.maxInt32 }, { value: String(LIMITS.maxMeterWh) }),
  },
  { name: 'a sample of 999,999,999.999 kWh', action: 'MeterValues', payload: meter({}, { value: '999999999.999', unit: 'kWh' }) },
  { name: 'a signed sample of 2,500 characters', action: 'MeterValues', payload: meter({}, { value: 'S'.repeat(2500), format: 'SignedData' }) },
  { name: 'a temperature below zero (not an energy sample)', action: 'MeterValues', payload: meter({}, { value: '-12.5', measurand: 'Temperature', unit: 'Celsius' }) },
  {
    name: 'a stop of the largest transaction id at the largest reading',
    action: 'StopTransaction',
    payload: stop({ transactionId: LIMITS.maxInt32, meterStop: LIMITS.maxMeterWh }, { value: '0' }),
  },
];

describe('the bounds (validatePayload, no broker)', () => {
  test.each(OUT_OF_RANGE.filter((c) => !c.alert))('$name is refused as $code naming $field', ({ action, payload, code, field }) => {
    expect(validatePayload(action, 'req', payload)).toMatchObject({ code, details: { field } });
  });

  test.each(AT_THE_EDGE)('$name is accepted', ({ action, payload }) => {
    expect(validatePayload(action, 'req', payload)).toBeNull();
  });

  test('a connector below what the action allows is refused; above, only the charger knows its count', () => {
    expect(validatePayload('StatusNotification', 'req', status({ connectorId: -1 }))).toMatchObject({
      code: 'PropertyConstraintViolation',
      details: { field: 'connectorId' },
    });
    expect(validatePayload('StartTransaction', 'req', start({ connectorId: 0 }))).toMatchObject({
      code: 'PropertyConstraintViolation',
      details: { field: 'connectorId' },
    });
    expect(validatePayload('MeterValues', 'req', meter({ connectorId: 0 }))).toBeNull();
    expect(validatePayload('StatusNotification', 'req', status({ connectorId: 99_999_999_999 }))).toBeNull();
  });

  test('an Action longer than any OCPP action is a FormationViolation, not a 60 KB echo', () => {
    const r = parseFrame(JSON.stringify([2, 'a1', 'A'.repeat(65), {}]));
    expect(r).toMatchObject({ ok: false, uniqueId: 'a1', fault: { code: 'FormationViolation' } });
  });
});

describe('reading the head of a frame too large to parse', () => {
  test.each([
    { text: '[2,"big-1","DataTransfer",{"data":"xxxx', head: { form: 'array', messageType: 2, uniqueId: 'big-1', action: 'DataTransfer' } },
    {
      text: ' {"MessageTypeId":2,"UniqueId":"big-2","Action":"StopTransaction","Payload":{"idTag":"xx',
      head: { form: 'object', messageType: 2, uniqueId: 'big-2', action: 'StopTransaction' },
    },
    { text: '{"Payload":{"UniqueId":"inner"},"UniqueId":"late"', head: { form: 'object', messageType: null, uniqueId: null, action: null } },
    { text: '[3,"r-1",{"status":"Accepted","x":"xxxx', head: { form: 'array', messageType: 3, uniqueId: 'r-1', action: null } },
    { text: 'xxxxxxxxxxxxxxxxxxxxxxxx', head: { form: 'object', messageType: null, uniqueId: null, action: null } },
    { text: `[2,"${'u'.repeat(37)}","Heartbeat",{}]`, head: { form: 'array', messageType: null, uniqueId: null, action: null } },
  ])('$text', ({ text, head }) => {
    expect(readFrameHead(text)).toEqual(head);
  });
});

describe('the embedded broker follows packet lengths from their headers', () => {
  /** A PUBLISH of `body` bytes after its fixed header (type byte + remaining length). */
  function packet(body: number): Buffer {
    const len: number[] = [];
    let n = body;
    do {
      let b = n % 128;
      n = Math.floor(n / 128);
      if (n > 0) b |= 0x80;
      len.push(b);
    } while (n > 0);
    return Buffer.concat([Buffer.from([0x32, ...len]), Buffer.alloc(body, 0x61)]);
  }

  test('packets within the limit pass, however the socket splits them', () => {
    const seen: number[] = [];
    const guard = packetLengthGuard(1_000, (n) => seen.push(n));
    const stream = Buffer.concat([packet(0), packet(127), packet(128), packet(1_000), packet(16_383 - 15_400)]);
    for (let i = 0; i < stream.length; i += 7) guard(stream.subarray(i, i + 7));
    for (const b of stream) guard(Buffer.from([b]));
    expect(seen).toEqual([]);
  });

  test('a packet over the limit is reported from its first bytes, before its body arrives', () => {
    const seen: number[] = [];
    const guard = packetLengthGuard(65_536 + MQTT_PACKET_OVERHEAD, (n) => seen.push(n));
    guard(packet(10));
    const header = packet(MB20).subarray(0, 5);
    guard(header.subarray(0, 2));
    guard(header.subarray(2));
    expect(seen).toEqual([MB20]);
  });
});

// --- through the brokers --------------------------------------------------------------------------

describe.each(BROKERS)('through $broker', ({ start: startOn, startPermissive }) => {
  test('defect 2: a status for connector 99999999999 is refused (PropertyConstraintViolation), alerted, and the back office keeps serving', async () => {
    const depot = await startOn();
    const cp = await bootedCharger(depot);
    const before = businessState(depot);
    const answer = await rawCall(depot, cp, call('st-big', 'StatusNotification', status({ connectorId: 99_999_999_999 })));
    expect(answer).toMatchObject({ type: 4, uniqueId: 'st-big', errorCode: 'PropertyConstraintViolation', errorDetails: { field: 'connectorId' } });
    expect(answer.type === 4 && answer.errorDescription).toMatch(/connectorId 99999999999 is above 2 \(charger CP-1 is registered with 2 connector\(s\)/);
    expect(businessState(depot)).toEqual(before);
    expect(count(depot.app, 'SELECT count(*) AS n FROM connectors WHERE connector_id > 2')).toBe(0);
    // The message is in the log with its error, and the operators are told.
    const [logged] = rows<{ error: string }>(depot.app, "SELECT error FROM charger_messages WHERE unique_id = 'st-big' AND direction = 'in'");
    expect(logged.error).toMatch(/^PropertyConstraintViolation: StatusNotification\.req: connectorId 99999999999/);
    expect(alertCodes(depot)).toContain('charger.unknown_connector');
    // The charger list (charger list, chargers.list) still lists, two connectors as registered.
    const [listed] = listChargers(depot.app);
    expect(listed.connectors.map((k) => k.connectorId)).toEqual([1, 2]);
    expect(await cp.heartbeat()).toHaveProperty('currentTime');
  });

  test('every field out of its range gets the CALLERROR OCPP names, is logged with it, and changes nothing', async () => {
    const depot = await startOn();
    const cp = await bootedCharger(depot);
    await cp.status(1, 'Charging');
    for (const [i, c] of OUT_OF_RANGE.entries()) {
      const alertsBefore = alertCodes(depot).filter((a) => a === 'charger.unknown_connector').length;
      const before = businessState(depot);
      const id = `oor-${i}`;
      const answer = await rawCall(depot, cp, call(id, c.action, c.payload));
      expect(answer, c.name).toMatchObject({ type: 4, uniqueId: id, errorCode: c.code, errorDetails: { field: c.field } });
      expect(businessState(depot), `${c.name} changed nothing`).toEqual(before);
      const [logged] = rows<{ error: string | null }>(depot.app, "SELECT error FROM charger_messages WHERE unique_id = ? AND direction = 'in'", id);
      expect(logged?.error, `${c.name} is logged with its error`).toMatch(new RegExp(`^${c.code}: ${c.action}\\.req: `));
      const alerted = alertCodes(depot).filter((a) => a === 'charger.unknown_connector').length - alertsBefore;
      expect(alerted, `${c.name} ${c.alert ? 'raises' : 'does not raise'} charger.unknown_connector`).toBe(c.alert ? 1 : 0);
    }
  });

  test('each bound at its edge is still accepted', async () => {
    const depot = await startOn();
    const cp = await bootedCharger(depot);
    for (const [i, c] of AT_THE_EDGE.entries()) {
      const answer = await rawCall(depot, cp, call(`edge-${i}`, c.action, c.payload));
      expect(answer, c.name).toMatchObject({ type: 3, uniqueId: `edge-${i}` });
    }
    expect(alertCodes(depot)).not.toContain('charger.unknown_connector');
  });

  test('a charger not confirmed yet may name connectors up to 32, the most a charger can be registered with, and raises no alert', async () => {
    const depot = await startOn({ chargers: { autoRegister: true } });
    const cp = await depot.charger('CP-2');
    expect(await cp.boot()).toMatchObject({ status: 'Accepted' });
    expect(rows(depot.app, "SELECT registered, connector_count FROM chargers WHERE id = 'CP-2'")).toEqual([{ registered: 0, connector_count: 0 }]);
    expect(await rawCall(depot, cp, call('u-32', 'StatusNotification', status({ connectorId: 32 })))).toMatchObject({ type: 3 });
    expect(await rawCall(depot, cp, call('u-33', 'StatusNotification', status({ connectorId: 33 })))).toMatchObject({
      type: 4,
      errorCode: 'PropertyConstraintViolation',
    });
    expect(rows(depot.app, "SELECT connector_id FROM connectors WHERE charger_id = 'CP-2'")).toEqual([{ connector_id: 32 }]);
    expect(alertCodes(depot)).not.toContain('charger.unknown_connector');
  });

  test('defect 3: a 20 MB publish is refused by the broker, never stored, and the back office keeps serving', { timeout: 60_000 }, async () => {
    const depot = await startOn();
    const cp1 = await bootedCharger(depot, 'CP-1');
    const cp2 = await bootedCharger(depot, 'CP-2');
    const logged = count(depot.app, "SELECT count(*) AS n FROM charger_messages WHERE charger_id = 'CP-1'");
    const bytesBefore = databaseBytes(depot);

    // Not JSON, 20 MB: the broker cuts the connection (MQTT 3.1.1 cannot refuse one message).
    void cp1.publishRaw('ocpp/cp/CP-1', 'x'.repeat(MB20)).catch(() => undefined);
    await until(() => !cp1.connected, "the broker closes the charger's connection");
    await settle(depot, 200);
    expect(count(depot.app, "SELECT count(*) AS n FROM charger_messages WHERE charger_id = 'CP-1'")).toBe(logged);
    expect(largestLoggedMessage(depot)).toBeLessThan(4_096);
    expect(databaseBytes(depot) - bytesBefore).toBeLessThan(1024 * 1024);

    // Everyone else is served, and so is the charger once it behaves.
    expect(await cp2.heartbeat()).toHaveProperty('currentTime');
    await cp1.connect();
    expect(await cp1.heartbeat()).toHaveProperty('currentTime');
  });

  test(
    'defect 3: behind a broker that lets 20 MB through, the back office refuses it itself: logged by size and first KB, answered FormationViolation, nothing applied',
    { timeout: 60_000 },
    async () => {
      const depot = await startPermissive();
      const cp1 = await bootedCharger(depot, 'CP-1');
      const cp2 = await bootedCharger(depot, 'CP-2');
      const before = businessState(depot);

      // A StopTransaction padded to 20 MB: its UniqueId is in its first bytes, so it is answered.
      const stopText = `[2,"big-stop","StopTransaction",{"transactionId":1,"meterStop":5,"timestamp":"${T}","idTag":"${'x'.repeat(MB20)}"}]`;
      const answer = await rawCall(depot, cp1, stopText);
      expect(answer).toMatchObject({ type: 4, uniqueId: 'big-stop', errorCode: 'FormationViolation', errorDetails: { limit: 65_536 } });
      expect(answer.type === 4 && answer.errorDescription).toMatch(new RegExp(`message of ${Buffer.byteLength(stopText)} bytes is larger than the limit of 65536 bytes`));

      // 20 MB of garbage: no UniqueId to answer, so only logged.
      const received = cp1.received.length;
      await cp1.publishRaw('ocpp/cp/CP-1', 'y'.repeat(MB20));
      await until(
        () =>
          count(
            depot.app,
            "SELECT count(*) AS n FROM charger_messages WHERE charger_id = 'CP-1' AND unique_id IS NULL AND error LIKE 'FormationViolation: message of%'",
          ) === 1,
        'the garbage is logged',
      );
      await settle(depot, 200);
      expect(cp1.received.length).toBe(received);

      expect(businessState(depot)).toEqual(before);
      const refused = rows<{ payload: string | Buffer; error: string; unique_id: string | null; answer: string | Buffer | null }>(
        depot.app,
        "SELECT payload, error, unique_id, answer FROM charger_messages WHERE charger_id = 'CP-1' AND error LIKE 'FormationViolation: message of%' ORDER BY id",
      );
      expect(refused.map((r) => r.unique_id)).toEqual(['big-stop', null]);
      for (const r of refused) {
        expect(Buffer.byteLength(decodePayload(r.payload))).toBeLessThanOrEqual(1_024);
        expect(r.error).toMatch(
          /^FormationViolation: message of 2097\d{4} bytes is larger than chargers\.maxPayloadBytes \(65536\); only its first 1024 bytes are kept$/,
        );
      }
      expect(decodePayload(refused[0].payload)).toBe(stopText.slice(0, 1_024));
      expect(refused[1].answer).toBeNull();
      expect(largestLoggedMessage(depot)).toBeLessThan(4_096);

      // The same charger and the others are still served.
      expect(await cp1.heartbeat()).toHaveProperty('currentTime');
      expect(await cp2.heartbeat()).toHaveProperty('currentTime');
    },
  );
});

// --- a database poisoned before the fix -----------------------------------------------------------

describe('a database poisoned before connector ids were bounded', () => {
  test('lists its chargers, and doctor reports the stray connector rows; doctor --repair deletes them and says which', { timeout: 120_000 }, async () => {
    const { app, dir } = makeApp();
    const station = addStation(app, { name: 'Yard A' });
    await addCharger(app, { id: 'CP-1', station: station.id, connectors: 2, password: PASSWORD });
    await addOperator(app, 'operator', 'counter.op');
    const insert = app.sqlite.prepare("INSERT INTO connectors (charger_id, connector_id, status, faulted, updated_at) VALUES ('CP-1', ?, ?, 0, 0)");
    insert.run(1, 'Available');
    insert.run(3, 'Available');
    insert.run(99_999_999_999, 'Available');

    // Listing walks the registered connectors and the stored rows, not every id up to the largest.
    expect(listChargers(app)[0].connectors.map((k) => k.connectorId)).toEqual([1, 2, 3, 99_999_999_999]);
    const list = cli(['charger', 'list', '--data-dir', dir, '--as', 'counter.op', '--json'], { DEPOTDESK_PASSWORD: 'correct-horse' });
    expect(list.stderr).toBe('');
    expect(list.code).toBe(0);
    expect(list.json<{ id: string; connectors: unknown[] }[]>()[0].connectors).toHaveLength(4);

    const doctor = cli(['doctor', '--data-dir', dir]);
    expect(doctor.stdout).toMatch(
      /FAIL connectors: 2 connector row\(s\) outside their charger's count: CP-1 connector 3 \(allowed 1-2\), CP-1 connector 99999999999 \(allowed 1-2\); run depotdesk doctor --repair/,
    );
    expect(doctor.code).toBe(1);
    expect(count(app, 'SELECT count(*) AS n FROM connectors')).toBe(3);

    const repair = cli(['doctor', '--repair', '--data-dir', dir]);
    expect(repair.stdout).toMatch(
      /ok {3}connectors: repaired: deleted 2 connector row\(s\) outside their charger's count: CP-1 connector 3 \(allowed 1-2\), CP-1 connector 99999999999/,
    );
    expect(repair.code).toBe(0);
    expect(rows(app, 'SELECT connector_id FROM connectors')).toEqual([{ connector_id: 1 }]);
    expect(listChargers(app)[0].connectors.map((k) => k.connectorId)).toEqual([1, 2]);

    // Afterwards doctor is content, and changes nothing without --repair.
    const again = await runDoctor(app, depot.doctorChecks);
    expect(again.checks.find((c) => c.name === 'connectors')).toEqual({
      name: 'connectors',
      ok: true,
      detail: "every connector row is within its charger's connector count",
    });
  });
});
