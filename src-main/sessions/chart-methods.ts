import { z } from 'zod';
import { listChargers } from '../chargers';
import { DAY_MS } from '../kernel/clock';
import { DepotError } from '../kernel/errors';
import { ALL_ROLES, method } from '../kernel/method';
import { activityByCharger, settledPerBucket } from './charts';

/**
 * The dashboard's charts over the contract (charts.ts): energy and revenue per hour, and per
 * charger utilisation and failed starts. Between two instants (ms), so the renderer asks for
 * today and yesterday in the depot's zone, or the last 24 hours.
 */

const MAX_SPAN_MS = 31 * DAY_MS;
const instants = z.strictObject({ from: z.number().int().min(0), to: z.number().int().min(0) });

function checkWindow(input: { from: number; to: number }): void {
  if (input.to <= input.from) throw new DepotError('invalid_input', 'to: must be after from', { field: 'to' });
  if (input.to - input.from > MAX_SPAN_MS) throw new DepotError('invalid_input', 'to: at most 31 days after from', { field: 'to' });
}

export const sessionChartMethods = {
  'sessions.hourly': method({
    summary: 'Energy (Wh) and revenue (fen) of the sessions settled between two instants, per hour (or bucketMinutes) from `from`; empty buckets as zeros.',
    kind: 'query',
    roles: ALL_ROLES,
    input: instants.extend({ bucketMinutes: z.number().int().min(5).max(1440).default(60) }),
    output: z.object({
      from: z.number(),
      to: z.number(),
      bucketMs: z.number(),
      buckets: z.array(z.object({ start: z.number(), sessions: z.number(), energyWh: z.number(), amountFen: z.number().int() })),
    }),
    handler: ({ app }, input) => {
      checkWindow(input);
      const bucketMs = input.bucketMinutes * 60_000;
      return { from: input.from, to: input.to, bucketMs, buckets: settledPerBucket(app, input.from, input.to, bucketMs) };
    },
  }),
  'sessions.byCharger': method({
    summary:
      'Per charger between two instants: sessions that charged, busy connector time and utilisation (busy time over connectors × elapsed window), failed starts by failure code. Every registered charger is listed.',
    kind: 'query',
    roles: ALL_ROLES,
    input: instants,
    output: z.object({
      from: z.number(),
      to: z.number(),
      /** The part of the window that has passed (ms): utilisation is measured over it. */
      elapsedMs: z.number(),
      chargers: z.array(
        z.object({
          chargerId: z.string(),
          stationName: z.string().nullable(),
          connectors: z.number(),
          sessions: z.number(),
          busyMs: z.number(),
          utilisation: z.number(),
          failedStarts: z.number(),
          failedByCode: z.record(z.string(), z.number()),
        }),
      ),
    }),
    handler: ({ app }, input) => {
      checkWindow(input);
      const now = app.clock.now();
      const elapsedMs = Math.max(0, Math.min(input.to, now) - input.from);
      const activity = new Map(activityByCharger(app, input.from, input.to, now).map((a) => [a.chargerId, a]));
      const registered = listChargers(app);
      const known = new Set(registered.map((c) => c.id));
      const rows = [
        ...registered.map((c) => ({ chargerId: c.id, stationName: c.stationName, connectors: Math.max(1, c.connectorCount) })),
        // Sessions of a charger since removed from the registry still count.
        ...[...activity.keys()].filter((id) => !known.has(id)).map((id) => ({ chargerId: id, stationName: null, connectors: 1 })),
      ];
      const chargers = rows.map((c) => {
        const a = activity.get(c.chargerId);
        const busyMs = a?.busyMs ?? 0;
        const utilisation = elapsedMs > 0 ? Math.min(1, busyMs / (c.connectors * elapsedMs)) : 0;
        return { ...c, sessions: a?.sessions ?? 0, busyMs, utilisation, failedStarts: a?.failedStarts ?? 0, failedByCode: a?.failedByCode ?? {} };
      });
      return { from: input.from, to: input.to, elapsedMs, chargers };
    },
  }),
};
