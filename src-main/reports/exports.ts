import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { AppContext } from '../kernel/context';
import { writeTx } from '../kernel/db/connection';
import { allRows, getRow } from '../kernel/db/rows';
import { DepotError } from '../kernel/errors';
import { canonicalJson } from '../kernel/json';
import { privateDir, tighten } from '../kernel/private-files';
import type { DownloadFile } from '../kernel/plugins';
import { defineWorker } from '../jobs';
import { dayEnd, dayStart } from '../ledger';
import type { ExportState } from './schema';
import { writeReportOffThread } from './export-thread';
import { REPORT_KINDS, reportFileName, type Locale, type ReportKind, type ReportParams } from './workbooks';
import { LIST_KINDS, listExport, type ListKind } from './lists';
import { businessDate } from '../kernel/clock';

/**
 * Report exports: a workbook is asked for, written by a background job (with progress on the Jobs
 * page) into the data directory's exports/ folder, and fetched by whoever asked — over HTTP at
 * GET /download/reports/<id>, or through the desktop save dialog. Never base64 in a JSON answer.
 *
 * Guarantees (test/reports/exports.test.ts):
 * - The file is written under a temporary name and renamed into place when complete: an export is
 *   `done` only with a whole file; a failure records its error and leaves no file behind.
 * - A download is served only to the operator who asked for it (or an admin), only when done.
 */

export interface ExportRow {
  id: string;
  kind: ReportKind;
  params: Omit<ReportParams, 'fromMs' | 'toMs'>;
  state: ExportState;
  rows: number | null;
  fileName: string;
  path: string | null;
  bytes: number | null;
  error: string | null;
  jobId: string | null;
  createdBy: string;
  createdAt: number;
  finishedAt: number | null;
}

const COLUMNS = `id, kind, params, state, rows, file_name AS fileName, path, bytes, error, job_id AS jobId, created_by AS createdBy, created_at AS createdAt,
  finished_at AS finishedAt`;
type Stored = Omit<ExportRow, 'params'> & { params: string };
const toRow = (r: Stored): ExportRow => ({ ...r, params: JSON.parse(r.params) as ExportRow['params'] });

export function getExport(app: Pick<AppContext, 'sqlite'>, id: string): ExportRow {
  const r = getRow<Stored>(app.sqlite.prepare(`SELECT ${COLUMNS} FROM report_exports WHERE id = ?`), id);
  if (!r) throw new DepotError('not_found', `exportId: no export ${id}`, { field: 'exportId' });
  return toRow(r);
}

export function listExports(app: Pick<AppContext, 'sqlite'>, createdBy: string, limit = 50): ExportRow[] {
  return allRows<Stored>(
    app.sqlite.prepare(`SELECT ${COLUMNS} FROM report_exports WHERE created_by = ? ORDER BY created_at DESC, id DESC LIMIT ?`),
    createdBy,
    limit,
  ).map(toRow);
}

const MAX_DAYS = 366;

export interface ExportRequest {
  kind: ReportKind;
  /** Reports: the period (depot days). A list: optional, its dates are in the filter. */
  from?: string;
  to?: string;
  stationId?: string | null;
  locale?: Locale;
  list?: ListKind;
  filter?: Record<string, unknown>;
}

function resolve(app: AppContext, req: ExportRequest): ReportParams {
  if (!REPORT_KINDS.includes(req.kind)) throw new DepotError('invalid_input', `kind: one of ${REPORT_KINDS.join(', ')}`, { field: 'kind' });
  if (req.kind === 'list') return resolveList(app, req);
  if (!req.from) throw new DepotError('invalid_input', 'from: a report needs its first day (yyyy-MM-dd)', { field: 'from' });
  const to = req.to ?? req.from;
  const fromMs = dayStart(req.from, app.clock.timeZone, 'from');
  const toStart = dayStart(to, app.clock.timeZone, 'to');
  if (toStart < fromMs) throw new DepotError('invalid_input', `to: ${to} is before ${req.from}`, { field: 'to' });
  if ((toStart - fromMs) / 86_400_000 >= MAX_DAYS) throw new DepotError('invalid_input', `to: at most ${MAX_DAYS} days in one report`, { field: 'to' });
  return { kind: req.kind, from: req.from, to, fromMs, toMs: dayEnd(to, app.clock.timeZone, 'to'), stationId: req.stationId ?? null, locale: req.locale ?? 'zh-CN' };
}

function resolveList(app: AppContext, req: ExportRequest): ReportParams {
  if (!req.list || !LIST_KINDS.includes(req.list)) throw new DepotError('invalid_input', `list: one of ${LIST_KINDS.join(', ')}`, { field: 'list' });
  try {
    // Checked now, so a misspelt filter is refused to the operator, not found failed in the job.
    listExport(app, req.list, req.filter ?? {}, req.locale ?? 'zh-CN');
  } catch (e) {
    throw new DepotError('invalid_input', (e as Error).message, { field: 'filter' });
  }
  const today = businessDate(app.clock.now(), app.clock.timeZone);
  return { kind: 'list', list: req.list, filter: req.filter ?? {}, from: today, to: today, fromMs: 0, toMs: 0, locale: req.locale ?? 'zh-CN' };
}

/** Records the export and enqueues its job, in one transaction. */
export function requestExport(app: AppContext, req: ExportRequest, by: { operatorId: string }): ExportRow {
  const p = resolve(app, req);
  const id = app.ids.next();
  const { fromMs: _f, toMs: _t, ...shown } = p;
  writeTx(app.sqlite, () => {
    app.sqlite
      .prepare(`INSERT INTO report_exports (id, kind, params, state, file_name, created_by, created_at) VALUES (?, ?, ?, 'queued', ?, ?, ?)`)
      .run(id, p.kind, canonicalJson(shown), reportFileName(p), by.operatorId, app.clock.now());
    const job = reportExportWorker.enqueue(app, { exportId: id }, { uniqueKey: `reports.export:${id}` });
    app.sqlite.prepare('UPDATE report_exports SET job_id = ? WHERE id = ?').run(job.id, id);
  });
  return getExport(app, id);
}

function exportsDir(app: AppContext): string {
  const dir = path.join(app.paths.dataDir, 'exports');
  privateDir(dir);
  return dir;
}

/** Writes the workbook (the job): temporary file, then renamed; the row says done or failed. */
export async function runExport(app: AppContext, id: string, progress: (fraction: number, message?: string) => void = () => undefined): Promise<ExportRow> {
  const e = getExport(app, id);
  if (e.state === 'done') return e;
  const started = app.sqlite.prepare("UPDATE report_exports SET state = 'running', error = NULL WHERE id = ? AND state IN ('queued', 'running', 'failed')").run(id);
  // Only 'done' is left out, and another attempt may have finished between the read and here.
  if (started.changes !== 1) return finishedElsewhere(app, id);
  const rel = path.join('exports', `${id}.xlsx`);
  const target = path.join(app.paths.dataDir, rel);
  // Each attempt its own temporary file: a retry never writes into another attempt's.
  const tmp = path.join(exportsDir(app), `${id}.${process.pid}.${Date.now()}.partial`);
  const p = resolve(app, { ...e.params, kind: e.kind });
  try {
    progress(0, e.fileName);
    const { rows } = await writeReportOffThread(app, p, tmp, (n) => progress(0.5, `${n} rows`));
    tighten(tmp);
    fs.renameSync(tmp, target);
    const bytes = fs.statSync(target).size;
    // A whole file is in place: done, even if an attempt that gave up meanwhile marked it failed.
    const done = app.sqlite
      .prepare("UPDATE report_exports SET state = 'done', rows = ?, path = ?, bytes = ?, error = NULL, finished_at = ? WHERE id = ? AND state IN ('running', 'failed')")
      .run(rows, rel, bytes, app.clock.now(), id);
    if (done.changes !== 1) return finishedElsewhere(app, id);
    progress(1, e.fileName);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    // Only a running export turns failed: one another attempt finished meanwhile stays done.
    app.sqlite
      .prepare("UPDATE report_exports SET state = 'failed', error = ?, finished_at = ? WHERE id = ? AND state = 'running'")
      .run((err as Error).message, app.clock.now(), id);
    throw err;
  }
  return getExport(app, id);
}

/** The row another attempt finished (done); any other state here is an error that names it. */
function finishedElsewhere(app: AppContext, id: string): ExportRow {
  const now = getExport(app, id);
  if (now.state === 'done') return now;
  throw new DepotError('conflict', `export ${id} is ${now.state}, not one an attempt can run or finish: it was changed outside DepotDesk`, { exportId: id });
}

export const reportExportWorker = defineWorker({
  kind: 'reports.export',
  queue: 'default',
  args: z.object({ exportId: z.string() }),
  maxAttempts: 2,
  timeoutMs: 30 * 60_000,
  async perform(app, job, run) {
    await runExport(app, job.args.exportId, (f, m) => run.progress(f, m));
  },
});

/** The download provider: a finished export, for the operator who asked for it or an admin. */
export function exportDownload(app: AppContext, id: string, operator: { id: string; role: string }): DownloadFile | null {
  const r = getRow<Stored>(app.sqlite.prepare(`SELECT ${COLUMNS} FROM report_exports WHERE id = ?`), id);
  if (!r || r.state !== 'done' || !r.path) return null;
  if (r.createdBy !== operator.id && operator.role !== 'admin') return null;
  return { path: path.join(app.paths.dataDir, r.path), fileName: r.fileName, contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' };
}
