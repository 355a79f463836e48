import { z } from 'zod';

/**
 * A command from headquarters to one depot (issue 22, docs/headquarters.md "Commands"): the one
 * definition of the message and of each kind's payload, read by HQ when it issues a command
 * (src-main/hq/commands.ts) and by the depot when it carries one out
 * (src-main/headquarters/commands.ts). In the kernel because the depot must not load HQ's program.
 *
 * Topic `depot/{id}/commands`, HQ → depot, QoS 1, not retained:
 *   {"type":"command","id":<ULID>,"kind":…,"payload":…,"issuedAt":<epoch ms>,"issuedBy":…}
 *
 * The depot carries a command out once, as its own act, in one transaction with its journal row
 * `hq.command` (key `hq-command:<id>`); HQ learns the outcome from that row in the journal.
 */

export const commandTopic = (depotId: string): string => `depot/${depotId}/commands`;

/** The journal kind and key of a command's outcome at the depot. */
export const COMMAND_JOURNAL_KIND = 'hq.command';
export const commandJournalKey = (commandId: string): string => `hq-command:${commandId}`;

/** A ULID, as kernel/ids.ts makes them (Crockford base 32, 26 characters). */
export const COMMAND_ID = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'must be a ULID (26 characters of Crockford base 32)');

export const commandMessage = z.object({
  type: z.literal('command'),
  id: COMMAND_ID,
  kind: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[a-z][a-z0-9_.]*$/, 'must be lower-case words joined by . or _'),
  payload: z.unknown().refine((p) => p !== undefined, 'is missing'),
  issuedAt: z.number().int().nonnegative(),
  issuedBy: z.string().trim().min(1).max(100),
});
export type CommandMessage = z.infer<typeof commandMessage>;

const reason = z.string().trim().min(1, 'say why (the depot and the driver see it)').max(200);
/** A driver is named by phone across depots (HQ links drivers by phone), or a card by its id tag. */
const phone = z.string().trim().min(5).max(30);

const authorizationEntry = z
  .strictObject({
    phone: phone.optional(),
    idTag: z.string().trim().min(1).max(64).optional(),
    action: z.enum(['block', 'allow']),
    reason,
    /** block: days the block lasts; 0 or absent: until allowed again. */
    days: z.number().int().min(0).max(3650).optional(),
  })
  .refine((e) => (e.phone ? 1 : 0) + (e.idTag ? 1 : 0) === 1, { message: 'name exactly one: a phone or an idTag', path: ['phone'] });

/** The payload of each kind a depot carries out. A depot refuses a kind it does not know. */
export const COMMAND_PAYLOADS = {
  /** Drivers and cards blocked or allowed: a block lists the driver on the blacklist; an allow lifts headquarters' own block. */
  'risk.authorization_list': z.strictObject({ entries: z.array(authorizationEntry).min(1).max(5000) }),
  /** A tariff plan version: the tariff file (docs/tariffs.md), optionally assigned to a station from now. */
  'tariffs.version': z.strictObject({
    plan: z.record(z.string(), z.unknown()),
    stationId: z.string().trim().min(1).max(64).optional(),
  }),
  /** A refund for a driver's session or payment order, created as a manual adjustment awaiting a depot supervisor's approval. */
  'refunds.request': z
    .strictObject({
      phone,
      amountFen: z.number().int().positive().max(100_000_000),
      reason,
      sessionId: z.string().trim().min(1).max(64).optional(),
      orderId: z.string().trim().min(1).max(64).optional(),
    })
    .refine((p) => (p.sessionId ? 1 : 0) + (p.orderId ? 1 : 0) === 1, { message: 'name exactly one: a sessionId or an orderId', path: ['sessionId'] }),
} as const;

export type CommandKind = keyof typeof COMMAND_PAYLOADS;
export const COMMAND_KINDS = Object.keys(COMMAND_PAYLOADS) as CommandKind[];
export type CommandPayload<K extends CommandKind> = z.infer<(typeof COMMAND_PAYLOADS)[K]>;

export function isCommandKind(kind: string): kind is CommandKind {
  return Object.prototype.hasOwnProperty.call(COMMAND_PAYLOADS, kind);
}

/** The payload of the depot's journal row `hq.command` (v1), which HQ reads to mark the command done or refused. */
export const commandOutcome = z.object({
  commandId: COMMAND_ID,
  kind: z.string(),
  outcome: z.enum(['done', 'refused']),
  reason: z.string().optional(),
  result: z.unknown().optional(),
});
export type CommandOutcome = z.infer<typeof commandOutcome>;

/** Up to five issues, each with its path, in one line. */
export function zodIssues(error: z.ZodError): string {
  const shown = error.issues.slice(0, 5).map((i) => `${i.path.length > 0 ? i.path.join('.') : '(payload)'}: ${i.message}`);
  const more = error.issues.length - shown.length;
  return shown.join('; ') + (more > 0 ? `; and ${more} more` : '');
}
