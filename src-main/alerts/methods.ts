import { z } from 'zod';
import { ALL_ROLES, SUPERVISORS, method } from '../kernel/method';
import { ALERT_LEVELS } from './schema';
import { acknowledgeAlert, listAlerts } from './service';

export const alertShape = z.object({
  id: z.string(),
  code: z.string(),
  level: z.enum(ALERT_LEVELS),
  message: z.string(),
  subject: z.string(),
  details: z.record(z.string(), z.unknown()),
  raisedAt: z.number(),
  lastRaisedAt: z.number(),
  count: z.number(),
  acknowledgedAt: z.number().nullable(),
  acknowledgedBy: z.string().nullable(),
  /** Set when the alert's condition cleared by itself; resolvedBy is then 'system'. */
  resolvedAt: z.number().nullable(),
  resolvedBy: z.string().nullable(),
  resolution: z.string().nullable(),
});

export const alertMethods = {
  'alerts.list': method({
    summary: 'Alerts, newest first; open ones (neither acknowledged nor resolved) only unless `open` or `all` says otherwise.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({
      open: z.boolean().optional().default(true),
      all: z.boolean().optional().default(false),
      limit: z.number().int().min(1).max(500).default(100),
      offset: z.number().int().min(0).default(0),
    }),
    output: z.object({ total: z.number(), items: z.array(alertShape) }),
    handler: ({ app }, input) => listAlerts(app, { open: input.all ? undefined : input.open, limit: input.limit, offset: input.offset }),
  }),
  'alerts.acknowledge': method({
    summary: 'Acknowledge an open alert: it leaves the open list, with who and when kept.',
    kind: 'command',
    roles: SUPERVISORS,
    input: z.strictObject({ id: z.string().min(1) }),
    output: alertShape,
    handler: ({ app, caller }, input) => acknowledgeAlert(app, input.id, caller.operator!.name),
  }),
};
