import { serveReadThread } from '../kernel/read-thread';
import { computeReport, packReport, type ReportTask } from './report';

/**
 * The dry-run worker thread (see computeReportOffThread in report.ts): one campaign report in one
 * read snapshot of a read-only connection, posted back as columns.
 */
serveReadThread((ctx, task: ReportTask) => packReport(ctx.sqlite.transaction(() => computeReport(ctx, task.spec, { details: task.details })).deferred()));
