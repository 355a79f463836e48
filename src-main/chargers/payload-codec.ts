import zlib from 'node:zlib';

/**
 * How message-log payloads are stored: OCPP messages are small JSON texts that repeat the same
 * keys and enumerations, so deflate alone barely shrinks one (~250 → ~190 bytes) but deflate with
 * a preset dictionary of typical frames shrinks a MeterValues to ~35 bytes. That is most of what
 * keeps a 60-sample session's records in a few KB (docs/performance.md, storage).
 *
 * Guarantees:
 * - decodePayload(encodePayload(text)) === text, byte for byte, for any well-formed string (a
 *   property test holds it): the message log stays the charger's message as received. A lone
 *   UTF-16 surrogate cannot survive UTF-8 and comes back as U+FFFD; texts from MQTT were decoded
 *   from UTF-8, so they never contain one.
 * - A stored value is either TEXT (stored as is: short texts, and every row written before
 *   migration 0015) or a BLOB whose first byte names the format. DICTIONARY_V1 is never edited:
 *   rows written with it must decode forever. A better dictionary is a new format byte.
 * - Decoding a BLOB with an unknown format byte, or one that does not inflate, throws an error
 *   naming the problem; it never returns a guess.
 */

/** Format byte 1: deflate-raw with DICTIONARY_V1. */
const FORMAT_DEFLATE_V1 = 1;

// Typical frames in both forms (EMQX object and plain OCPP-J array), with the field names and
// enumerations chargers repeat. Deflate looks back into it, so the most common text comes last.
const DICTIONARY_V1 = Buffer.from(
  [
    '{"status":"Accepted","currentTime":"2026-01-01T00:00:00.000Z","interval":60}',
    '{"idTagInfo":{"status":"Accepted"}}{"idTagInfo":{"status":"Blocked"}}{"idTagInfo":{"status":"Invalid"}}',
    '{"chargePointVendor":"","chargePointModel":"","chargePointSerialNumber":"","firmwareVersion":""}',
    '{"connectorId":1,"errorCode":"NoError","status":"Available","timestamp":"2026-01-01T00:00:00.000Z"}',
    '"status":"Charging""status":"Preparing""status":"Finishing""status":"SuspendedEV""status":"Faulted"',
    '{"MessageTypeId":2,"UniqueId":"","Action":"StartTransaction","Payload":{"connectorId":1,"idTag":"","meterStart":0,"timestamp":"2026-01-01T00:00:00.000Z"}}',
    '{"MessageTypeId":2,"UniqueId":"","Action":"StopTransaction","Payload":{"transactionId":1,"meterStop":0,"timestamp":"2026-01-01T00:00:00.000Z","reason":"Local","idTag":""}}',
    '{"MessageTypeId":2,"UniqueId":"","Action":"Heartbeat","Payload":{}}{"MessageTypeId":2,"UniqueId":"","Action":"StatusNotification","Payload":{}}',
    '{"MessageTypeId":3,"UniqueId":"","Payload":{"transactionId":1,"idTagInfo":{"status":"Accepted"}}}',
    '{"MessageTypeId":3,"UniqueId":"","Payload":{"currentTime":"2026-01-01T00:00:00.000Z"}}',
    '{"measurand":"Power.Active.Import","unit":"W"}{"measurand":"Current.Import","unit":"A","phase":"L1"}{"measurand":"Voltage","unit":"V"}{"measurand":"SoC","unit":"Percent"}',
    '[2,"","MeterValues",{"connectorId":1,"transactionId":1,"meterValue":[{"timestamp":"2026-01-01T00:00:00Z","sampledValue":[{"value":"","measurand":"Energy.Active.Import.Register","unit":"kWh"}]}]}]',
    '[3,"",{}]{"MessageTypeId":3,"UniqueId":"","Payload":{}}',
    '{"MessageTypeId":2,"UniqueId":"","Action":"MeterValues","Payload":{"connectorId":1,"transactionId":1,"meterValue":[{"timestamp":"2026-01-01T00:00:00.000Z","sampledValue":[{"value":"","context":"Sample.Periodic","measurand":"Energy.Active.Import.Register","unit":"Wh","location":"Outlet"}]}]}}',
  ].join(''),
  'utf8',
);

/** Texts this short are stored as they are: deflating them saves too little to be worth a blob. */
const MIN_DEFLATE_BYTES = 48;

export type StoredPayload = string | Buffer;

/** The form a message-log payload is stored in: the text itself, or a format byte + deflated text when that is smaller. */
export function encodePayload(text: string): StoredPayload {
  if (text.length < MIN_DEFLATE_BYTES) return text;
  const packed = zlib.deflateRawSync(text, { dictionary: DICTIONARY_V1, level: 6 });
  if (packed.length + 1 >= Buffer.byteLength(text, 'utf8')) return text;
  const out = Buffer.allocUnsafe(packed.length + 1);
  out[0] = FORMAT_DEFLATE_V1;
  packed.copy(out, 1);
  return out;
}

/** The text of a stored message-log payload (either form). */
export function decodePayload(stored: StoredPayload | Uint8Array | null): string {
  if (stored === null) return '';
  if (typeof stored === 'string') return stored;
  const buf = Buffer.isBuffer(stored) ? stored : Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
  if (buf.length === 0) throw new Error('stored message payload is an empty blob');
  if (buf[0] !== FORMAT_DEFLATE_V1) throw new Error(`stored message payload has unknown format byte ${buf[0]}`);
  try {
    return zlib.inflateRawSync(buf.subarray(1), { dictionary: DICTIONARY_V1 }).toString('utf8');
  } catch (e) {
    throw new Error(`stored message payload does not inflate: ${(e as Error).message}`);
  }
}
