/**
 * Compensation campaigns (批量补偿): criteria over sessions → dry run → approval by another
 * supervisor → chunked, idempotent, resumable execution through the ledger. Guarantees are at the
 * top of campaigns.ts and report.ts; the spec file format is in spec.ts and docs/compensation.md.
 * Manual adjustments and refund tasks are the refunds domain's (src-main/refunds).
 */
export { compCampaigns, compCampaignItems, compCampaignSessions, CAMPAIGN_STATES, CAMPAIGN_TARGETS, ITEM_STATES, type CampaignState, type CampaignTarget, type ItemState } from './schema';
export { DEFAULT_MEMO, creditSpecSchema, reversalSpecSchema, type CampaignSpec } from './spec';
export { computeReport, BUCKETS, type Report, type ReportRow } from './report';
export {
  createCampaign,
  dryRunCampaign,
  approveCampaign,
  cancelCampaign,
  beginExecution,
  runCampaign,
  getCampaign,
  listCampaigns,
  listItems,
  summaryOf,
  batchStamp,
  type CampaignRow,
  type Checklist,
  type Summary,
} from './campaigns';
export { exportCampaign, describeSpec } from './export';
export { executeCampaignWorker } from './jobs';
export { compensationMethods } from './methods';
export { compensationFigures, compensationDemoStep, compensationDoctorCheck } from './system';
