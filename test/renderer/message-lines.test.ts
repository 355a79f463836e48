import { describe, expect, it } from 'vitest';
import { frameTypeOf, logLines } from '../../src-renderer/pages/chargers/message-lines';
import type { ChargerMessage } from '../../src-renderer/pages/chargers/model';

const base: ChargerMessage = {
  id: 1,
  chargerId: 'CP-1',
  direction: 'in',
  topic: 'ocpp/cp/CP-1',
  receivedAt: 1_000,
  chargerAt: 900,
  messageType: 2,
  uniqueId: 'u1',
  action: 'StartTransaction',
  transactionId: 7,
  payload: '[2,"u1","StartTransaction",{}]',
  error: null,
  answer: null,
};

describe('the message-log drawer lines', () => {
  it('puts our answer right under the CALL it answers: out, on the downstream topic, at the same time', () => {
    const lines = logLines([
      { ...base, id: 3, action: 'Heartbeat', answer: '{"MessageTypeId":3,"UniqueId":"h","Payload":{}}' },
      { ...base, id: 2, payload: '{"MessageTypeId":2', error: 'FormationViolation: message is not JSON', answer: '[4,"-1","FormationViolation","x",{}]' },
    ]);
    expect(lines.map((l) => [l.key, l.direction, l.topic, l.receivedAt, l.messageType, l.answerTo])).toEqual([
      ['3', 'in', 'ocpp/cp/CP-1', 1_000, 2, null],
      ['3-answer', 'out', 'ocpp/cs/CP-1', 1_000, 3, 3],
      ['2', 'in', 'ocpp/cp/CP-1', 1_000, 2, null],
      ['2-answer', 'out', 'ocpp/cs/CP-1', 1_000, 4, 2],
    ]);
    // The answer line shows the answer's text, not the refusal of the CALL.
    expect(lines[3]).toMatchObject({ payload: '[4,"-1","FormationViolation","x",{}]', error: null, chargerAt: null });
  });

  it('lists rows from before migration 0015 (answers as rows of their own) one line each, as they are', () => {
    const old = [
      { ...base, id: 5, direction: 'out' as const, topic: 'ocpp/cs/CP-1', messageType: 3, payload: '[3,"u1",{}]' },
      { ...base, id: 4 },
    ];
    expect(logLines(old).map((l) => [l.key, l.direction, l.payload])).toEqual([
      ['5', 'out', '[3,"u1",{}]'],
      ['4', 'in', '[2,"u1","StartTransaction",{}]'],
    ]);
  });

  it('reads the frame type of either form, and null for text that is not a frame', () => {
    expect(frameTypeOf('[3,"a",{}]')).toBe(3);
    expect(frameTypeOf('{"MessageTypeId":4,"UniqueId":"a"}')).toBe(4);
    expect(frameTypeOf('{"MessageTypeId":')).toBeNull();
    expect(frameTypeOf('"text"')).toBeNull();
  });
});
