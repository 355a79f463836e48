import { defineModule, tablesOf } from '../kernel/module';
import * as reconSchema from './schema';
import { reconMethods } from './methods';
import { reconSummaryMethods } from './summary';
import { reconDailyCron, reconDailyWorker, reconDownloadCron, reconDownloadWorker } from './jobs';
import { reconDownloadMethods } from './download';
import { reconciliationDemoStep } from './demo';

/**
 * Reconciliation (对账): proves the ledger against the outside world every day. Gateway statements
 * are imported (statements/ parses, import.ts keeps them), a depot-zone day's gateway rows are
 * matched against our paid orders and completed refunds (match.ts), differences become breaks that
 * finance works and closes through the paths that move money (breaks.ts), each charger's billed
 * energy is checked against its meters (energy.ts), and finance signs the day off (days.ts). Where a
 * real gateway is configured, its statements are downloaded every day (download.ts).
 *
 * Each module opens with its guarantees and names its tests; docs/reconciliation.md explains it for
 * an accountant. Other domains import only from here.
 */
export * from './schema';
export { importStatement, getStatement, listStatements, saveMapping, getMapping, listMappings, type ImportResult, type StatementRecord } from './import';
export {
  runDay,
  runDayInSlices,
  runRange,
  runRangeInSlices,
  runDue,
  runDueInSlices,
  dayBounds,
  type DayResult,
  type DayFigures,
  type ChannelFigures,
  type RangeResult,
} from './match';
export {
  listBreaks,
  getBreak,
  breakHistory,
  assignBreak,
  resolveBreak,
  requestWriteOff,
  approveWriteOff,
  rejectWriteOff,
  lossFen,
  type BreakRow,
  type BreakEvent,
  type ResolveAction,
} from './breaks';
export { getDay, findDay, listDays, signOff, type DayRecord } from './days';
export { energyOfDay, meteringAnomalies, differenceBp, type EnergyCheck } from './energy';
export { writeReconReport, reconReportFileName, type ReconReportResult } from './report';
export { reconMethods } from './methods';
export { openBreakSummary, reconSummaryMethods, type OpenBreakSummary } from './summary';
export { reconDailyWorker, reconDailyCron, RECON_JOB_KIND, reconDownloadWorker, reconDownloadCron, RECON_DOWNLOAD_JOB_KIND } from './jobs';
export {
  downloadStatements,
  downloadFailures,
  statementOfDay,
  reconDownloadMethods,
  type DownloadResult,
  type DayDownload,
  type ChannelDownload,
  type DownloadOutcome,
  type DownloadOptions,
} from './download';
export { reconciliationDemoStep } from './demo';

export const reconciliationModule = defineModule({
  name: 'reconciliation',
  methods: { ...reconMethods, ...reconSummaryMethods, ...reconDownloadMethods },
  workers: [reconDailyWorker, reconDownloadWorker],
  crons: [reconDailyCron, reconDownloadCron],
  demoSteps: [reconciliationDemoStep],
  tables: tablesOf(reconSchema),
});
