import fs from 'node:fs';
import path from 'node:path';
import type ExcelJS from 'exceljs';
import type { AppContext } from '../kernel/context';
import { DepotError } from '../kernel/errors';
import { isoInZone } from '../tariffs';
import { driverContacts } from '../ledger';
import { fenToYuan, formatFen } from '../money';
import { getCampaign, specOf, summaryOf, type CampaignRow, type Summary } from './campaigns';
import { computeReport, type Report } from './report';
import type { CampaignSpec } from './spec';
import { lazyRequire } from '../kernel/lazy-require';

const exceljs = lazyRequire<typeof ExcelJS>('exceljs');

/**
 * Excel workbooks for the accountants: a campaign's dry run (before approval) or its results
 * (after execution). Money cells are numbers in yuan with a 0.00 format, so sums and filters work
 * in Excel; points are whole numbers. The file is written next to its destination and renamed into
 * place when complete: a crash or a full disk never leaves a half-written workbook under the name.
 *
 * Sheets: 汇总 (summary: campaign, criteria, rule, counts, total, fingerprint), 分布 (drivers by
 * failure count), 明细 (one row per driver).
 */

const MONEY = '#,##0.00';

export interface ExportResult {
  file: string;
  rows: number;
  kind: 'dry_run' | 'results';
}

type ExportKind = ExportResult['kind'];

/** One workbook being written, and how its figures are shown. */
interface Book {
  wb: ExcelJS.stream.xlsx.WorkbookWriter;
  points: boolean;
  /** The number format of a figure cell: whole points, or yuan with two decimals. */
  fmt: string;
  zone: string;
}

export async function exportCampaign(app: AppContext, id: string, file: string, opts: { kind?: ExportKind } = {}): Promise<ExportResult> {
  const c = getCampaign(app, id);
  const kind = opts.kind ?? (c.state === 'draft' || c.state === 'cancelled' ? 'dry_run' : 'results');
  if (kind === 'results' && c.state === 'draft')
    throw new DepotError('conflict', `campaignId: campaign ${id} has not been approved; export its dry run instead`, { field: 'campaignId' });
  const target = checkedTarget(file);
  const tmp = `${target}.${process.pid}.partial`;
  let rows: number;
  try {
    rows = await writeWorkbook(app, c, kind, tmp);
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    if (e instanceof DepotError) throw e;
    throw new DepotError('unavailable', `file: could not write ${target}: ${(e as Error).message}`, { field: 'file' });
  }
  app.log.info({ campaignId: id, file: target, rows, kind }, 'campaign exported to Excel');
  return { file: target, rows, kind };
}

function checkedTarget(file: string): string {
  const target = path.resolve(file);
  if (!target.toLowerCase().endsWith('.xlsx'))
    throw new DepotError('invalid_input', `file: an Excel workbook ends in .xlsx (got ${JSON.stringify(file)})`, { field: 'file' });
  if (!fs.existsSync(path.dirname(target))) throw new DepotError('invalid_input', `file: folder ${path.dirname(target)} does not exist`, { field: 'file' });
  return target;
}

/** Writes the whole workbook to `tmp`; returns the number of driver rows. */
async function writeWorkbook(app: AppContext, c: CampaignRow, kind: ExportKind, tmp: string): Promise<number> {
  const wb = new (exceljs().stream.xlsx.WorkbookWriter)({ filename: tmp, useStyles: true, useSharedStrings: false });
  wb.creator = 'DepotDesk';
  const points = c.target === 'points';
  const book: Book = { wb, points, fmt: points ? '0' : MONEY, zone: app.config.timeZone };
  const spec = specOf(c);
  let rows: number;
  if (kind === 'dry_run') {
    const report = computeReport(app, spec);
    await writeSummary(book, c, spec, (line) => dryRunSummary(book, report, line));
    await writeDistribution(book, report);
    rows = await writeDryRunDetail(book, report);
  } else {
    const summary = summaryOf(app, c.id);
    await writeSummary(book, c, spec, (line) => resultsSummary(book, c, summary, line));
    rows = await writeResultsDetail(app, book, c.id);
  }
  await wb.commit();
  return rows;
}

/**
 * A figure as a cell value. Excel sums numbers, not text, so a money cell holds a number: the
 * exact yuan amount from the money module (decimal.js), converted once to the nearest double — the
 * same number Excel stores when an accountant types "12.34" — and shown with two decimals.
 */
function figure(book: Book, n: number): number {
  return book.points ? n : fenToYuan(n).toNumber();
}

type SummaryLine = (label: string, value: string | number, numFmt?: string) => void;

/** 汇总: the campaign, its criteria and rule, then the figures of the dry run or of the results. */
async function writeSummary(book: Book, c: CampaignRow, spec: CampaignSpec, figures: (line: SummaryLine) => void): Promise<void> {
  const s = book.wb.addWorksheet('汇总');
  s.columns = [{ width: 22 }, { width: 70 }];
  const line: SummaryLine = (label, value, numFmt) => {
    const row = s.addRow([label, value]);
    if (numFmt) row.getCell(2).numFmt = numFmt;
    row.commit();
  };
  line('活动 Campaign', `${c.name} (${c.id})`);
  line('类型 Kind', c.kind === 'reversal' ? `撤销 reversal of ${c.reversesId}` : '补偿 credit');
  line('状态 State', c.state);
  line('去向 Target', c.target);
  for (const [label, value] of describeSpec(spec)) line(label, value);
  figures(line);
  await s.commit();
}

function dryRunSummary(book: Book, report: Report, line: SummaryLine): void {
  line('报告 Report', `试算 dry run, ${isoInZone(report.computedAt, book.zone)}`);
  line('匹配记录 Records', report.records);
  line('涉及用户 Drivers', report.drivers);
  line(book.points ? '合计积分 Total points' : '合计金额 Total (¥)', figure(book, report.total), book.fmt);
  line('指纹 Fingerprint', report.fingerprint);
}

function resultsSummary(book: Book, c: CampaignRow, summary: Summary, line: SummaryLine): void {
  const { zone, points, fmt } = book;
  line('报告 Report', `执行结果 results, ${c.executionFinishedAt ? isoInZone(c.executionFinishedAt, zone) : 'not finished'}`);
  line('批准人 Approved by', `${c.approvedBy ?? ''} ${c.approvedAt ? isoInZone(c.approvedAt, zone) : ''}`);
  line('涉及用户 Drivers', summary.drivers);
  line('已入账 Credited', summary.credited);
  line('此前已入账 Already credited', summary.already);
  line('失败 Failed', summary.failed);
  line('未处理 Pending', summary.pending);
  line(points ? '已入账积分 Credited points' : '已入账金额 Credited (¥)', figure(book, summary.creditedTotal), fmt);
  line(points ? '批准积分 Approved points' : '批准金额 Approved (¥)', figure(book, summary.approvedTotal), fmt);
  line('指纹 Fingerprint', c.dryRunFingerprint ?? '');
}

/** 分布 (dry run only): drivers by failure count. */
async function writeDistribution(book: Book, report: Report): Promise<void> {
  const d = book.wb.addWorksheet('分布');
  d.columns = [
    { header: '失败次数 Failures', width: 18 },
    { header: '用户数 Drivers', width: 14 },
    { header: '记录数 Records', width: 14 },
    { header: book.points ? '积分 Points' : '金额 Amount (¥)', width: 16 },
  ];
  for (const b of report.distribution) {
    const row = d.addRow([b.bucket, b.drivers, b.records, figure(book, b.amount)]);
    row.getCell(4).numFmt = book.fmt;
    row.commit();
  }
  await d.commit();
}

/** 明细 of a dry run: one row per driver with the amount proposed and the balance now. */
async function writeDryRunDetail(book: Book, report: Report): Promise<number> {
  const { points, fmt } = book;
  const detail = book.wb.addWorksheet('明细');
  detail.columns = [
    { header: '用户ID Driver', width: 28 },
    { header: '姓名 Name', width: 14 },
    { header: '手机 Phone', width: 14 },
    { header: '失败次数 Failures', width: 12 },
    { header: points ? '补偿积分 Points' : '补偿金额 Amount (¥)', width: 16 },
    { header: points ? '当前积分 Points now' : '当前余额 Balance (¥)', width: 16 },
  ];
  let rows = 0;
  for (const r of report.rows) {
    const row = detail.addRow([r.driverId, r.name, r.phone, r.failures, figure(book, r.amount), figure(book, r.balance)]);
    row.getCell(5).numFmt = fmt;
    row.getCell(6).numFmt = fmt;
    row.commit();
    rows += 1;
  }
  await detail.commit();
  return rows;
}

/** 明细 of the results: one row per driver with its status, batch number, transfer and error. */
async function writeResultsDetail(app: AppContext, book: Book, id: string): Promise<number> {
  const detail = book.wb.addWorksheet('明细');
  detail.columns = [
    { header: '用户ID Driver', width: 28 },
    { header: '姓名 Name', width: 14 },
    { header: '手机 Phone', width: 14 },
    { header: '失败次数 Failures', width: 12 },
    { header: book.points ? '补偿积分 Points' : '补偿金额 Amount (¥)', width: 16 },
    { header: '状态 Status', width: 12 },
    { header: '批次号 Batch no.', width: 40 },
    { header: '流水号 Transfer', width: 60 },
    { header: '原因 Error', width: 50 },
  ];
  const contacts = driverContacts(app, app.sqlite.prepare<unknown[], string>('SELECT driver_id FROM comp_campaign_items WHERE campaign_id = ?').pluck().all(id));
  const items = app.sqlite
    .prepare<unknown[], [string, number, number, string, string, string, string]>(
      `SELECT driver_id, failures, amount, status, batch_no, transfer_id, coalesce(error, '')
       FROM comp_campaign_items WHERE campaign_id = ? ORDER BY driver_id`,
    )
    .raw()
    .iterate(id);
  let rows = 0;
  for (const [driverId, failures, amount, status, batchNo, transferId, error] of items) {
    const contact = contacts.get(driverId);
    // A driver the ledger does not know is left out, as the join on drivers always did.
    if (!contact) continue;
    const { name, phone } = contact;
    const row = detail.addRow([driverId, name, phone, failures, figure(book, amount), status, batchNo, transferId, error]);
    row.getCell(5).numFmt = book.fmt;
    row.commit();
    rows += 1;
  }
  await detail.commit();
  return rows;
}

/** The spec in words, for the summary sheet and the approval checklist. */
export function describeSpec(spec: CampaignSpec): [string, string][] {
  if (spec.kind === 'reversal')
    return [
      ['撤销 Reverses', spec.reverses],
      ['备注模板 Memo', spec.memo],
    ];
  const c = spec.criteria;
  const unit = (n: number) => (spec.target === 'points' ? `${n} 积分` : `¥${formatFen(n)}`);
  return [
    ['日期 Dates', c.from === c.to ? c.from : `${c.from} – ${c.to}`],
    ['时段 Time window', c.timeWindow ? `${c.timeWindow.start}–${c.timeWindow.end}` : '全天 all day'],
    ['站点 Stations', c.stationIds?.join(', ') || '全部 all'],
    ['充电桩 Chargers', c.chargerIds?.join(', ') || '全部 all'],
    ['状态 States', c.states.join(', ')],
    ['失败原因 Failure codes', c.failureCodes?.join(', ') || '全部 all'],
    ['最少失败次数 Min failures', String(c.minFailures)],
    ['含已补偿 Include compensated', c.includeCompensated ? 'yes' : 'no'],
    [
      '规则 Rule',
      spec.rule.kind === 'fixed'
        ? `每人固定 fixed ${unit(spec.rule.amount)}`
        : `每次 per failure ${unit(spec.rule.amount)}${spec.rule.cap !== null ? `, 封顶 cap ${unit(spec.rule.cap)}` : ''}`,
    ],
    ['去向 Target', spec.target + (spec.target === 'coupon' ? ` (${spec.couponValidDays} days)` : '')],
    ['备注模板 Memo', spec.memo],
  ];
}
