import { defineModule, tablesOf } from '../kernel/module';
import * as reportsSchema from './schema';
import { reportMethods } from './methods';
import { exportDownload, reportExportWorker } from './exports';

/**
 * Reports for the accountants (报表): revenue by time-of-use period (revenue.ts, with the fen
 * allocation rule in allocation.ts), wallets and liabilities (liabilities.ts), adjustments
 * (adjustments.ts), the trial balance (the ledger's reporting.ts), each on screen and as an Excel
 * workbook written streaming by a background job (workbooks.ts, exports.ts, the excel/ utility) and
 * downloaded, never sent as base64. docs/reports.md shows each report. Other domains import only
 * from here.
 */
export * from './schema';
export { allocateFen, type Allocation } from './allocation';
export { revenueReport, REVENUE_PERIODS, type RevenueReport, type RevenueLine, type RevenuePeriod } from './revenue';
export { liabilitiesReport, AGEING_BUCKETS, type LiabilitiesReport } from './liabilities';
export { adjustmentsReport, type AdjustmentLine } from './adjustments';
export { REPORT_KINDS, reportFileName, writeReport, type ReportKind, type ReportParams, type Locale } from './workbooks';
export { requestExport, runExport, getExport, listExports, exportDownload, reportExportWorker, type ExportRow, type ExportRequest } from './exports';
export { LIST_KINDS, LIST_FILTERS, listExport, type ListKind } from './lists';
export { reportMethods } from './methods';

export const reportsModule = defineModule({
  name: 'reports',
  methods: reportMethods,
  workers: [reportExportWorker],
  tables: tablesOf(reportsSchema),
  downloads: { reports: exportDownload },
});
