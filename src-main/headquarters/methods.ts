import { z } from 'zod';
import { SUPERVISORS, method } from '../kernel/method';
import { depotJournal } from './journal';
import { uplinkStatus } from './status';

export const uplinkStatusShape = z.object({
  enabled: z.boolean(),
  depotId: z.string(),
  depotName: z.string(),
  connection: z.enum(['off', 'connecting', 'connected', 'offline']),
  tipSeq: z.number(),
  ackedSeq: z.number(),
  lagRows: z.number(),
  oldestUnackedAt: z.number().nullable(),
  lastAckAt: z.number().nullable(),
  lastError: z.string().nullable(),
  refused: z.object({ seq: z.number(), reason: z.string(), detail: z.string().nullable(), at: z.number() }).nullable(),
});

export const headquartersMethods = {
  'headquarters.status': method({
    summary: "The uplink to headquarters: connection, the journal's tip, what HQ acknowledged, the lag and the last error or refusal.",
    kind: 'query',
    roles: SUPERVISORS,
    input: z.strictObject({}),
    output: uplinkStatusShape,
    handler: ({ app }) => uplinkStatus(app, depotJournal(app.sqlite)),
  }),
};
