import { defineModule, tablesOf } from '../kernel/module';
import * as compensationSchema from './schema';
import { compensationMethods } from './methods';
import { compensationDemoStep, compensationDoctorCheck, compensationFigures } from './system';
import { executeCampaignWorker } from './jobs';

/**
 * Compensation campaigns (批量补偿): criteria over sessions → dry run → approval by another
 * supervisor → chunked, idempotent, resumable execution through the ledger. Guarantees are at the
 * top of campaigns.ts and report.ts; the spec file format is in spec.ts and docs/compensation.md.
 * Manual adjustments and refund tasks are the refunds domain's (src-main/refunds).
 */
export {
  compCampaigns,
  compCampaignItems,
  compCampaignSessions,
  CAMPAIGN_STATES,
  CAMPAIGN_TARGETS,
  ITEM_STATES,
  type CampaignState,
  type CampaignTarget,
  type ItemState,
} from './schema';
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
  countCampaigns,
  listItems,
  summaryOf,
  batchStamp,
  type CampaignRow,
  type Checklist,
  type Summary,
} from './campaigns';
export { approveCampaignInChunks, isFreezing, type FreezeOptions } from './approval';
export { dryRunCampaignOffThread } from './campaigns';
export { computeReportOffThread } from './report';
export { exportCampaign, describeSpec } from './export';
export { executeCampaignWorker } from './jobs';
export { compensationMethods } from './methods';
export { compensationFigures, compensationDemoStep, compensationDoctorCheck } from './system';

// ── the module: what this domain plugs into the depot (src-main/modules.ts composes them) ──────

export const compensationModule = defineModule({
  name: 'compensation',
  methods: compensationMethods,
  workers: [executeCampaignWorker],
  figures: [compensationFigures],
  doctorChecks: [{ name: 'compensation', run: compensationDoctorCheck }],
  demoSteps: [compensationDemoStep],
  tables: tablesOf(compensationSchema),
});
