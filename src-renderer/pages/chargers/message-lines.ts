import type { ChargerMessage } from './model';

/**
 * The message log as the drawer shows it. Guarantees: every stored message is one line, in the
 * order given (newest first), and a charger's CALL that carries our answer is followed directly by
 * one line for that answer; rows from before migration 0015 (answer null, our answers as rows of
 * their own) become one line each, as before.
 */

/** The frame type (2, 3, 4) of a frame in either form, or null when the text is not a frame. */
export function frameTypeOf(raw: string): number | null {
  try {
    const f: unknown = JSON.parse(raw);
    const type: unknown = Array.isArray(f) ? f[0] : f && typeof f === 'object' ? (f as { MessageTypeId?: unknown }).MessageTypeId : null;
    return typeof type === 'number' ? type : null;
  } catch {
    return null;
  }
}

/** A line of the log: a stored message, or our answer to a charger's CALL (stored on the CALL's row). */
export type LogLine = ChargerMessage & { key: string; answerTo: number | null };

/**
 * The messages as lines, each CALL from a charger followed by our answer to it: out, on the
 * charger's downstream topic, at the time the CALL was received (it was sent in the same commit).
 */
export function logLines(items: ChargerMessage[]): LogLine[] {
  return items.flatMap((m): LogLine[] => {
    const line: LogLine = { ...m, key: String(m.id), answerTo: null };
    if (m.answer === null) return [line];
    const answer: LogLine = {
      ...m,
      key: `${m.id}-answer`,
      answerTo: m.id,
      direction: 'out',
      topic: `ocpp/cs/${m.chargerId}`,
      chargerAt: null,
      messageType: frameTypeOf(m.answer),
      payload: m.answer,
      error: null,
      answer: null,
    };
    return [line, answer];
  });
}
