export * from './schema';
export { chargerMethods, chargerShape } from './methods';
export {
  startChargers,
  chargersRuntime,
  callCharger,
  type ChargersRuntime,
  type StartChargersOptions,
} from './service';
export {
  defaultHooks,
  authorizeFromLedger,
  type AuthorizeContext,
  type ChargerHooks,
  type IdTagInfo,
  type TransactionRecordNotice,
} from './inbound';
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
