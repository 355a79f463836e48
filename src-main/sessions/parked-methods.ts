import { z } from 'zod';
import { ALL_ROLES, SUPERVISORS, method } from '../kernel/method';
import { attachRecord, discardRecord, listParkedRecords } from './parked';

const parkedShape = z.object({
  id: z.number(),
  chargerId: z.string(),
  kind: z.enum(['start', 'meter', 'stop']),
  transactionId: z.number().nullable(),
  connectorId: z.number().nullable(),
  idTag: z.string().nullable(),
  chargerAt: z.number(),
  meterWh: z.number().nullable(),
  receivedAt: z.number(),
  parkedAt: z.number(),
  reason: z.string(),
  needsAttention: z.boolean(),
  payload: z.record(z.string(), z.unknown()).nullable(),
});
export type ParkedRecordView = z.infer<typeof parkedShape>;

/** The queue of charger records needing attention (parked.ts). */
export const parkedRecordMethods = {
  'sessions.parkedRecords': method({
    summary: 'Charger records that could not be applied by themselves (parked), oldest first, with why; needsAttention for those parked past the alert age.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({
      chargerId: z.string().min(1).optional(),
      needsAttention: z.boolean().optional(),
      limit: z.number().int().min(1).max(500).default(100),
      offset: z.number().int().min(0).default(0),
    }),
    output: z.object({ items: z.array(parkedShape), total: z.number(), needsAttention: z.number() }),
    handler: ({ app }, input) => listParkedRecords(app, input),
  }),
  'sessions.attachRecord': method({
    summary: 'Attach a parked charger record to a session of the same charger: a StopTransaction finishes and settles it, MeterValues add readings.',
    kind: 'command',
    roles: SUPERVISORS,
    input: z.strictObject({ recordId: z.number().int().min(1), sessionId: z.string().min(1), note: z.string().trim().min(1).max(500) }),
    output: z.object({ recordId: z.number(), sessionId: z.string(), settled: z.boolean() }),
    handler: ({ app, caller }, input) => attachRecord(app, input, { operatorId: caller.operator?.id ?? null }),
  }),
  'sessions.discardRecord': method({
    summary: 'Discard a parked charger record with a reason (kept and marked, never applied).',
    kind: 'command',
    roles: SUPERVISORS,
    input: z.strictObject({ recordId: z.number().int().min(1), reason: z.string().trim().min(3).max(500) }),
    output: z.object({ recordId: z.number() }),
    handler: ({ app, caller }, input) => discardRecord(app, input, { operatorId: caller.operator?.id ?? null }),
  }),
};
