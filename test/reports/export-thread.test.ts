import fs from 'node:fs';
import path from 'node:path';
import { threadId } from 'node:worker_threads';
import ExcelJS from 'exceljs';
import { describe, expect, test } from 'vitest';
import { appendAudit } from '../../src-main/operators';
import { writeReport, runExport, type ReportParams } from '../../src-main/reports';
import { writeReportOffThread } from '../../src-main/reports/export-thread';
import type { SessionView } from '../../src-main/sessions';
import { ok } from '../helpers';
import { at, startSessionDepot } from '../sessions/helpers';

/** Every cell of every sheet, as [sheet, address, value, number format] rows. */
async function cells(file: string): Promise<unknown[][]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  const out: unknown[][] = [];
  for (const ws of wb.worksheets) {
    ws.eachRow((row) => row.eachCell((c) => out.push([ws.name, c.address, c.value instanceof Date ? c.value.toISOString() : c.value, c.numFmt])));
  }
  return out;
}

async function depotWithSessions() {
  const depot = await startSessionDepot();
  const cp = await depot.charger('CP-1');
  const driver = depot.driver({ topUpYuan: 100 });
  for (const [start, stop] of [
    ['10:00', '10:30'],
    ['19:00', '19:45'],
  ] as const) {
    const s = await ok<SessionView>(depot.app, depot.operator, 'sessions.start', { chargerId: 'CP-1', connectorId: 1, driver: driver.id, prepay: '5.00' });
    const tx = await cp.startTransaction(1, s.idTag, 0, at(start));
    await cp.stopTransaction(tx, 6_000, at(stop));
    await depot.settle();
  }
  return depot;
}

describe('exports are written off the main thread', () => {
  test('the Sessions list written by the worker thread is the workbook the main thread writes, cell for cell, and the export is done', async () => {
    const depot = await depotWithSessions();
    const { app } = depot;
    const asked = await ok<{ id: string }>(app, depot.operator, 'reports.export', { kind: 'list', list: 'sessions', filter: { state: 'PAID' } });
    const done = await runExport(app, asked.id);
    expect(done).toMatchObject({ state: 'done', rows: 2 });
    const params: ReportParams = { kind: 'list', list: 'sessions', filter: { state: 'PAID' }, locale: 'zh-CN', from: '', to: '', fromMs: 0, toMs: 0 };
    const here = path.join(app.paths.dataDir, 'main-thread.xlsx');
    expect(await writeReport(app, params, here)).toBe(2);
    const fromWorker = await cells(path.join(app.paths.dataDir, done.path!));
    expect(fromWorker.length).toBeGreaterThan(30);
    expect(fromWorker).toEqual(await cells(here));
  });

  test('a failure in the worker rejects with its message and leaves no file; progress crosses from the worker to the caller', async () => {
    const depot = await depotWithSessions();
    const { app } = depot;
    const params: ReportParams = { kind: 'list', list: 'sessions', filter: {}, locale: 'en-US', from: '', to: '', fromMs: 0, toMs: 0 };
    const missing = path.join(app.paths.dataDir, 'no-such-folder', 'x.xlsx');
    await expect(writeReportOffThread(app, params, missing)).rejects.toThrow(/no-such-folder/);
    expect(fs.existsSync(missing)).toBe(false);

    // Progress crosses the thread: the writer reports every 250 rows.
    for (let i = 0; i < 520; i += 1) appendAudit(app, { operator: null, transport: 'cli', method: 'test.fill', input: { i }, result: 'ok' });
    const seen: number[] = [];
    const file = path.join(app.paths.dataDir, 'progress.xlsx');
    const audit: ReportParams = { ...params, list: 'audit' };
    const written = await writeReportOffThread(app, audit, file, (n) => seen.push(n));
    expect(written.rows).toBeGreaterThanOrEqual(520);
    expect(written.threadId).not.toBe(threadId);
    expect(seen.slice(0, 2)).toEqual([250, 500]);
  });
  test('an attempt that finishes its file ends done even when a lapsed attempt marked the export failed meanwhile; one finished by another attempt is left as it is', async () => {
    const depot = await depotWithSessions();
    const { app } = depot;
    const asked = await ok<{ id: string }>(app, depot.operator, 'reports.export', { kind: 'list', list: 'sessions', filter: { state: 'PAID' } });
    const markFailed = app.sqlite.prepare("UPDATE report_exports SET state = 'failed', error = 'timed out' WHERE id = ?");
    // While this attempt writes, a lapsed one gives up and marks the export failed.
    const done = await runExport(app, asked.id, (fraction) => {
      if (fraction === 0) expect(markFailed.run(asked.id).changes).toBe(1);
    });
    expect(done).toMatchObject({ state: 'done', rows: 2, error: null });
    expect(fs.existsSync(path.join(app.paths.dataDir, done.path!))).toBe(true);

    // A second export that another attempt finishes while this one starts: this one returns that result.
    const other = await ok<{ id: string }>(app, depot.operator, 'reports.export', { kind: 'list', list: 'sessions', filter: { state: 'PAID' } });
    const finished = await runExport(app, other.id);
    app.sqlite.prepare("UPDATE report_exports SET state = 'running' WHERE id = ?").run(other.id);
    let again = 0;
    const retried = await runExport(app, other.id, (fraction) => {
      again += 1;
      if (fraction === 0) app.sqlite.prepare("UPDATE report_exports SET state = 'done' WHERE id = ?").run(other.id);
    });
    expect(retried).toMatchObject({ state: 'done', rows: finished.rows, path: finished.path });
    expect(again).toBe(1);
  });
});
