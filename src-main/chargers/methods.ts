import { z } from 'zod';
import { ALL_ROLES, SUPERVISORS, method } from '../kernel/method';
import { CHARGER_ID_PATTERN } from './ocpp';
import { addCharger, addStation, listChargers, listMessages, listStations, MIN_CHARGER_PASSWORD, requireCharger } from './registry';
import { switchMaintenance } from './health';
import { chargersRuntime } from './service';
import { expectRow } from '../kernel/db/rows';

const station = z.object({ id: z.string(), name: z.string(), address: z.string(), createdAt: z.number(), chargerCount: z.number() });

const connector = z.object({
  connectorId: z.number(),
  status: z.string().nullable(),
  errorCode: z.string().nullable(),
  info: z.string().nullable(),
  vendorErrorCode: z.string().nullable(),
  faulted: z.boolean(),
  statusAt: z.number().nullable(),
  updatedAt: z.number().nullable(),
});

export const chargerShape = z.object({
  id: z.string(),
  stationId: z.string().nullable(),
  stationName: z.string().nullable(),
  connectorCount: z.number(),
  vendor: z.string().nullable(),
  model: z.string().nullable(),
  serialNumber: z.string().nullable(),
  firmwareVersion: z.string().nullable(),
  status: z.string().nullable(),
  errorCode: z.string().nullable(),
  online: z.boolean(),
  maintenance: z.boolean(),
  maintenanceReason: z.string().nullable(),
  registered: z.boolean(),
  heartbeatIntervalS: z.number(),
  lastBootAt: z.number().nullable(),
  lastSeenAt: z.number().nullable(),
  createdAt: z.number(),
  connectors: z.array(connector),
});

const message = z.object({
  id: z.number(),
  chargerId: z.string(),
  direction: z.enum(['in', 'out']),
  topic: z.string(),
  receivedAt: z.number(),
  chargerAt: z.number().nullable(),
  messageType: z.number().nullable(),
  uniqueId: z.string().nullable(),
  action: z.string().nullable(),
  transactionId: z.number().nullable(),
  payload: z.string(),
  error: z.string().nullable(),
  /** Our answer to this CALL from a charger (decoded); null on older rows, whose answers are rows of their own. */
  answer: z.string().nullable(),
});

const chargerId = z.string().trim().regex(CHARGER_ID_PATTERN, '1-48 letters, digits, dot, dash or underscore');

/** What a maintenance switch did at the charger itself (the flag in the database is what counts). */
const availabilityOutcome = z.enum(['Accepted', 'Rejected', 'Scheduled', 'not_sent', 'failed']);

export const chargerMethods = {
  'stations.list': method({
    summary: 'All stations with their charger counts.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({}),
    output: z.array(station),
    handler: ({ app }) => listStations(app),
  }),
  'stations.add': method({
    summary: 'Add a station (a yard or site of the depot).',
    kind: 'command',
    roles: SUPERVISORS,
    input: z.strictObject({ name: z.string().trim().min(1).max(60), address: z.string().trim().max(200).optional() }),
    output: station,
    handler: ({ app }, input) => addStation(app, input),
  }),
  'chargers.list': method({
    summary: 'Chargers with their live status and connectors, optionally of one station.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({ stationId: z.string().optional() }),
    output: z.array(chargerShape),
    handler: ({ app }, input) => listChargers(app, input),
  }),
  'chargers.get': method({
    summary: 'One charger with its connectors.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({ id: z.string().min(1) }),
    output: chargerShape,
    handler: ({ app }, input) => requireCharger(app, input.id),
  }),
  'chargers.add': method({
    summary: 'Register a charger (its OCPP id, station, connector count and MQTT password).',
    kind: 'command',
    roles: SUPERVISORS,
    input: z.strictObject({
      id: chargerId,
      station: z.string().trim().min(1),
      connectors: z.number().int().min(1).max(32),
      password: z.string().min(MIN_CHARGER_PASSWORD, `at least ${MIN_CHARGER_PASSWORD} characters`).max(200),
    }),
    output: chargerShape,
    handler: ({ app }, input) => addCharger(app, input),
  }),
  'chargers.setMaintenance': method({
    summary: 'Switch a charger into or out of maintenance (no sessions start on it while in maintenance).',
    kind: 'command',
    roles: SUPERVISORS,
    input: z.strictObject({ id: z.string().min(1), maintenance: z.boolean(), reason: z.string().trim().max(200).optional() }),
    output: z.object({ charger: chargerShape, availability: availabilityOutcome }),
    handler: ({ app }, input) => switchMaintenance(app, input.id, input.maintenance, input.reason),
  }),
  'chargers.messages': method({
    summary: "A charger's message log, newest first, a page at a time (optionally one transaction's).",
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({
      chargerId: z.string().min(1),
      limit: z.number().int().min(1).max(500).default(100),
      beforeId: z.number().int().optional(),
      transactionId: z.number().int().optional(),
    }),
    output: z.object({ items: z.array(message), nextBeforeId: z.number().nullable() }),
    handler: ({ app }, input) => listMessages(app, input),
  }),
  'broker.status': method({
    summary: 'The MQTT link: mode, connection state, listen address and who is connected.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({}),
    output: z.object({
      mode: z.enum(['embedded', 'external']),
      state: z.enum(['not_started', 'connecting', 'connected', 'offline']),
      url: z.string().nullable(),
      listening: z.object({ host: z.string(), port: z.number() }).nullable(),
      connectedClients: z.number().nullable(),
      connectedChargers: z.array(z.string()).nullable(),
      chargersOnline: z.number(),
      chargersTotal: z.number(),
      queued: z.number(),
    }),
    handler: ({ app }) => {
      const rt = chargersRuntime(app);
      const counts = expectRow<{
        total: number;
        online: number;
      }>(app.sqlite.prepare('SELECT count(*) AS total, coalesce(sum(online), 0) AS online FROM chargers'));
      return {
        mode: app.config.broker.mode,
        state: app.runtime.broker.state,
        url: app.runtime.broker.url,
        listening: rt?.broker ? { host: rt.broker.host, port: rt.broker.port } : null,
        connectedClients: rt?.broker ? rt.broker.connectedClients() : null,
        connectedChargers: rt?.broker ? rt.broker.connectedChargers() : null,
        chargersOnline: counts.online,
        chargersTotal: counts.total,
        queued: rt?.queued() ?? 0,
      };
    },
  }),
};
