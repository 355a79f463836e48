import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { decodePayload, encodePayload } from '../../src-main/chargers/payload-codec';

/**
 * The message-log codec: what a charger sent must come back byte for byte, however it was stored,
 * and a stored value the codec cannot read must fail loudly instead of showing a guess.
 */

// A frame in either form, with arbitrary UniqueId, action and (unicode) payload values: the texts
// the log really stores, long enough to be deflated.
const frame = fc
  .tuple(
    fc.constantFrom(2, 3, 4),
    fc.string({ minLength: 1, maxLength: 36 }),
    fc.constantFrom('MeterValues', 'StartTransaction', 'StopTransaction', 'Heartbeat', 'DataTransfer'),
    fc.jsonValue(),
    fc.boolean(),
  )
  .map(([type, uniqueId, action, payload, arrayForm]) =>
    arrayForm
      ? JSON.stringify([type, uniqueId, action, { data: payload }])
      : JSON.stringify({ MessageTypeId: type, UniqueId: uniqueId, Action: action, Payload: { data: payload } }),
  );

const meterValues = (n: number): string =>
  JSON.stringify({
    MessageTypeId: 2,
    UniqueId: `mv-${n}`,
    Action: 'MeterValues',
    Payload: {
      connectorId: 1,
      transactionId: 17,
      meterValue: [
        {
          timestamp: '2026-01-15T08:16:00.000Z',
          sampledValue: [{ value: String(120000 + n * 250), context: 'Sample.Periodic', measurand: 'Energy.Active.Import.Register', unit: 'Wh', location: 'Outlet' }],
        },
      ],
    },
  });

describe('a stored message payload reads back as the charger sent it', () => {
  test('any well-formed text round-trips: short ones, unicode, emoji, control characters', () => {
    // 'binary' draws any code point, astral planes included. Lone UTF-16 surrogates are left out:
    // they cannot come from MQTT (a payload is bytes, decoded as UTF-8; see the next test).
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (s) => {
        expect(decodePayload(encodePayload(s))).toBe(s);
        // Repeated, the same text compresses, so the deflated path sees arbitrary unicode too.
        const repeated = `${s}${s}${s}${s}`;
        expect(decodePayload(encodePayload(repeated))).toBe(repeated);
      }),
      { numRuns: 1_000 },
    );
  });

  test('any text decoded from MQTT bytes round-trips, invalid UTF-8 included (it was replaced on receipt)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const text = Buffer.from(bytes).toString('utf8');
        expect(decodePayload(encodePayload(text))).toBe(text);
      }),
      { numRuns: 1_000 },
    );
  });

  test('OCPP frames in both forms round-trip, and the long ones are stored deflated', () => {
    fc.assert(
      fc.property(frame, (text) => {
        const stored = encodePayload(text);
        expect(decodePayload(stored)).toBe(text);
        if (Buffer.isBuffer(stored)) expect(stored.length).toBeLessThan(Buffer.byteLength(text, 'utf8'));
      }),
      { numRuns: 1_000 },
    );
  });

  test('a MeterValues frame is stored as a small blob; a short frame stays text', () => {
    const text = meterValues(3);
    const stored = encodePayload(text);
    expect(Buffer.isBuffer(stored)).toBe(true);
    expect((stored as Buffer)[0]).toBe(1);
    // ~330 bytes of JSON; the preset dictionary is what makes it this small.
    expect((stored as Buffer).length).toBeLessThan(80);
    expect(decodePayload(stored)).toBe(text);
    expect(encodePayload('[2,"hb-1","Heartbeat",{}]')).toBe('[2,"hb-1","Heartbeat",{}]');
  });

  test('rows written before migration 0015 (plain TEXT) and blobs as SQLite returns them (Uint8Array) both read', () => {
    const old = '{"MessageTypeId":3,"UniqueId":"tx-start-1","Payload":{"transactionId":1,"idTagInfo":{"status":"Accepted"}}}';
    expect(decodePayload(old)).toBe(old);
    const blob = encodePayload(meterValues(9)) as Buffer;
    const copy = new Uint8Array(blob.length + 4).subarray(2, 2 + blob.length);
    copy.set(blob);
    expect(decodePayload(copy)).toBe(meterValues(9));
    expect(decodePayload(null)).toBe('');
  });
});

describe('a stored payload the codec cannot read fails loudly', () => {
  test('a blob with an unknown format byte throws, naming the byte', () => {
    const body = (encodePayload(meterValues(1)) as Buffer).subarray(1);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }).filter((b) => b !== 1),
        (formatByte) => {
          const blob = Buffer.concat([Buffer.from([formatByte]), body]);
          expect(() => decodePayload(blob)).toThrow(`stored message payload has unknown format byte ${formatByte}`);
        },
      ),
    );
  });

  test('a blob whose body is garbage or cut short throws "does not inflate"', () => {
    for (const garbage of [[0xff, 0xff, 0xff, 0xff], [0x07], [0xfe, 0x00, 0x12]]) {
      expect(() => decodePayload(Buffer.from([1, ...garbage]))).toThrow(/^stored message payload does not inflate: /);
    }
    fc.assert(
      fc.property(frame, fc.integer({ min: 1, max: 20 }), (text, cut) => {
        const stored = encodePayload(text);
        fc.pre(Buffer.isBuffer(stored) && stored.length - cut > 1);
        const truncated = (stored as Buffer).subarray(0, stored.length - cut);
        expect(() => decodePayload(truncated)).toThrow(/does not inflate/);
      }),
      { numRuns: 300 },
    );
  });

  test('an empty blob throws instead of reading as an empty message', () => {
    expect(() => decodePayload(Buffer.alloc(0))).toThrow('stored message payload is an empty blob');
  });
});
