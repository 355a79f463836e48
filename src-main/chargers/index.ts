import { defineModule, tablesOf } from '../kernel/module';
import * as chargersSchema from './schema';
import { chargerMethods } from './methods';
import { connectorsDoctorCheck } from './registry';
import { chargersDemoStep } from './demo';
import { chargerFigures } from './figures';
import { chargersOfflineCron, chargersOfflineWorker, chargersPruneMessagesCron, chargersPruneMessagesWorker } from './jobs';

export * from './schema';
export { chargerMethods, chargerShape } from './methods';
export { startChargers, chargersRuntime, callCharger, type ChargersRuntime, type StartChargersOptions } from './service';
export { defaultHooks, type AuthorizeContext, type ChargerHooks, type IdTagInfo, type TransactionRecordNotice } from './inbound';
export {
  ChargerCallError,
  ChargerTimeoutError,
  parseFrame,
  encodeFrame,
  validatePayload,
  topics,
  type CallOptions,
  type Frame,
  type FrameForm,
  type Payload,
} from './ocpp';
export {
  addStation,
  listStations,
  findStation,
  addCharger,
  getCharger,
  requireCharger,
  listChargers,
  setMaintenance,
  markOfflineChargers,
  pruneMessageLog,
  listMessages,
  connectorsDoctorCheck,
  strayConnectors,
  MAX_CONNECTORS,
  type StrayConnector,
  type ChargerSummary,
  type ConnectorState,
  type Station,
  type MessageLogEntry,
  type OfflineChange,
} from './registry';
export {
  pendingRecords,
  parkedRecords,
  markRecordApplied,
  parkRecord,
  hasParkedRecords,
  flagParkedRecords,
  recordsNeedingAttention,
  parkedRecordPage,
  parkedRecordSummary,
  unconsumedRecords,
  findRecord,
  resolveRecord,
  type TransactionRecord,
  type ParkedKey,
  type ParkedFilter,
} from './records';
export { ensureBackOfficeCredentials, BACK_OFFICE_USERNAME } from './broker';
export { encodePayload, decodePayload, type StoredPayload } from './payload-codec';
export { chargersDemoStep, DEMO_CHARGER_PASSWORD, DEMO_ID_TAGS } from './demo';
export { chargerFigures } from './figures';
export { healthEventsSince, switchMaintenance, tellAvailability, type HealthEvent, type AvailabilityOutcome } from './health';
export { runSimulation, SCENARIOS, simChargerId, type Scenario } from './simulator';

// ── the module: what this domain plugs into the depot (src-main/modules.ts composes them) ──────

export { chargersOfflineWorker, chargersOfflineCron, chargersPruneMessagesWorker, chargersPruneMessagesCron } from './jobs';

export const chargersModule = defineModule({
  name: 'chargers',
  methods: chargerMethods,
  workers: [chargersOfflineWorker, chargersPruneMessagesWorker],
  crons: [chargersOfflineCron, chargersPruneMessagesCron],
  figures: [chargerFigures],
  doctorChecks: [{ name: 'connectors', run: connectorsDoctorCheck }],
  demoSteps: [chargersDemoStep],
  tables: tablesOf(chargersSchema),
});
