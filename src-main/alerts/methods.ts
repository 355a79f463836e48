import { z } from 'zod';
import { ALL_ROLES, SUPERVISORS, method } from '../kernel/method';
import { ROLES } from '../kernel/roles';
import { ALERT_LEVELS } from './schema';
import { acknowledgeAlert, listAlerts } from './service';
import { DELIVERY_LEVELS, getDeliverySettings, quietHoursShape, roleLevelsShape, setDeliverySettings } from './delivery';

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
  /** The English record, or an operator's text as typed. */
  resolution: z.string().nullable(),
  /** The core's own resolution as a code and parameters, worded by the screens (`alerts.resolution.<code>`). */
  resolutionCode: z.string().nullable(),
  resolutionParams: z.record(z.string(), z.union([z.string(), z.number()])).nullable(),
});

const deliveryShape = z.object({
  quietHours: z.object({ enabled: z.boolean(), from: z.string(), to: z.string() }),
  roles: z.record(z.enum(ROLES), z.enum(DELIVERY_LEVELS)),
  /** 0: never saved (the defaults apply). */
  version: z.number(),
  updatedAt: z.number().nullable(),
  updatedBy: z.string().nullable(),
});

export const alertMethods = {
  'alerts.list': method({
    summary: 'Alerts, newest first (or the most severe first); open ones (neither acknowledged nor resolved) only unless `open` or `all` says otherwise.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z
      .strictObject({
        open: z.boolean().optional().default(true),
        all: z.boolean().optional().default(false),
        /** Part of the code, message or subject; % and _ are matched as themselves. */
        search: z.string().max(200).optional(),
        level: z.enum(ALERT_LEVELS).optional(),
        /** raisedAt from (included) … to (excluded), epoch ms. */
        from: z.number().int().min(0).optional(),
        to: z.number().int().min(0).optional(),
        /** newest: by when last raised; severity: urgent, then warning, then info, each newest first. */
        order: z.enum(['newest', 'severity']).default('newest'),
        limit: z.number().int().min(1).max(500).default(100),
        offset: z.number().int().min(0).default(0),
      })
      .refine((q) => q.from === undefined || q.to === undefined || q.from < q.to, { message: 'from must be before to', path: ['to'] }),
    output: z.object({ total: z.number(), items: z.array(alertShape) }),
    handler: ({ app }, input) =>
      listAlerts(app, {
        open: input.all ? undefined : input.open,
        search: input.search,
        level: input.level,
        from: input.from,
        to: input.to,
        order: input.order,
        limit: input.limit,
        offset: input.offset,
      }),
  }),
  'alerts.acknowledge': method({
    summary: 'Acknowledge an open alert: it leaves the open list, with who and when kept.',
    kind: 'command',
    roles: SUPERVISORS,
    input: z.strictObject({ id: z.string().min(1) }),
    output: alertShape,
    handler: ({ app, caller }, input) => acknowledgeAlert(app, input.id, caller.operator!.name),
  }),
  'alerts.deliverySettings': method({
    summary: 'Who is notified of which alerts (lowest level per role) and the quiet hours; the defaults (version 0) until a supervisor saves them.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({}),
    output: deliveryShape,
    handler: ({ app }) => getDeliverySettings(app),
  }),
  'alerts.setDeliverySettings': method({
    summary:
      'Save the alert delivery settings whole: quiet hours (HH:MM, depot time; only urgent alerts notify and sound then) and the lowest level each role is notified of. Refused if saved against an older version.',
    kind: 'command',
    roles: SUPERVISORS,
    input: z.strictObject({
      quietHours: quietHoursShape,
      roles: roleLevelsShape,
      /** The version the screen showed; refused with conflict if the settings moved on. */
      expectedVersion: z.number().int().min(0).optional(),
    }),
    output: deliveryShape,
    handler: ({ app, caller }, input) => setDeliverySettings(app, input, caller.operator!.name),
  }),
};
