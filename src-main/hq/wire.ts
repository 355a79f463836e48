import { z } from 'zod';
import type { JournalRow } from '../kernel/journal-hash';

/**
 * The journal batch as it arrives on `depot/{id}/journal` and the ack HQ answers on
 * `depot/{id}/ack` (docs/headquarters.md "The wire"). Lenient objects, not strict: a newer depot
 * may add a field HQ does not know yet, and the hash covers only the fields it names.
 */

const HASH = z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 in 64 lower-case hex characters');

/** A topic segment: no MQTT separator or wildcard, no spaces. */
export const DEPOT_ID = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[^\s/+#]+$/, 'must have no spaces, "/", "+" or "#"');

const rowSchema = z.object({
  seq: z.number().int().positive(),
  key: z.string().min(1).max(300),
  kind: z.string().min(1).max(64),
  v: z.number().int().nonnegative(),
  at: z.number().int().nonnegative(),
  prev: HASH,
  hash: HASH,
  payload: z.unknown().refine((p) => p !== undefined, 'is missing'),
});

export const batchSchema = z.object({
  type: z.literal('journal'),
  depot: DEPOT_ID,
  name: z.string().max(200).nullish(),
  tip: z.number().int().nonnegative(),
  rows: z.array(rowSchema),
});

export interface Batch {
  depot: string;
  name: string | null;
  tip: number;
  rows: JournalRow[];
}

/** Why HQ refused a row (docs/headquarters.md); the words for each are in status.ts. */
export type RefusalReason =
  | 'malformed'
  | 'wrong_depot'
  | 'gap'
  | 'prev_mismatch'
  | 'hash_mismatch'
  | 'history_changed'
  | 'duplicate_key'
  | 'duplicate_transfer'
  | 'unreadable_payload'
  | 'unstorable_payload';

export interface Refusal {
  /** The first row HQ did not take (for a malformed message: the one it waits for). */
  seq: number;
  reason: RefusalReason;
  detail: string;
}

export interface Ack {
  type: 'ack';
  depot: string;
  /** The highest seq HQ has committed for this depot (0: none). */
  seq: number;
  /** That row's hash (GENESIS_HASH for 0): the next row must chain from it. */
  hash: string;
  refused: Refusal | null;
}

export type Parsed = { ok: true; batch: Batch } | { ok: false; depot: string | null; reason: 'malformed' | 'wrong_depot'; detail: string };

export function issuesText(error: z.ZodError): string {
  const shown = error.issues.slice(0, 5).map((i) => `${i.path.length > 0 ? i.path.join('.') : '(message)'}: ${i.message}`);
  const more = error.issues.length - shown.length;
  return shown.join('; ') + (more > 0 ? `; and ${more} more` : '');
}

function asJson(message: unknown): { ok: true; value: unknown } | { ok: false; detail: string } {
  if (!(typeof message === 'string' || Buffer.isBuffer(message))) return { ok: true, value: message };
  try {
    return { ok: true, value: JSON.parse(message.toString()) };
  } catch (e) {
    return { ok: false, detail: `not JSON: ${(e as Error).message}` };
  }
}

/**
 * Reads a batch (a Buffer, a string or a parsed object). `topicDepot` is the id in the topic it
 * came on: a message naming another depot is refused, since the broker's ACL let this depot publish
 * only under its own id.
 */
export function parseBatch(message: unknown, topicDepot?: string): Parsed {
  const json = asJson(message);
  const claimed = json.ok ? DEPOT_ID.safeParse((json.value as { depot?: unknown } | null)?.depot) : null;
  const depot = topicDepot ?? (claimed?.success ? claimed.data : null);
  if (!json.ok) return { ok: false, depot, reason: 'malformed', detail: json.detail };
  const parsed = batchSchema.safeParse(json.value);
  if (!parsed.success) return { ok: false, depot, reason: 'malformed', detail: issuesText(parsed.error) };
  const b = parsed.data;
  if (topicDepot !== undefined && b.depot !== topicDepot) {
    return { ok: false, depot, reason: 'wrong_depot', detail: `the batch names depot ${b.depot} but came on depot/${topicDepot}/journal` };
  }
  const rows = b.rows.map((r) => ({ seq: r.seq, key: r.key, kind: r.kind, v: r.v, at: r.at, prev: r.prev, hash: r.hash, payload: r.payload }));
  return { ok: true, batch: { depot: b.depot, name: b.name ?? null, tip: b.tip, rows } };
}
