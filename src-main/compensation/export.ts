import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import type { AppContext } from '../kernel/context';
import { DepotError } from '../kernel/errors';
import { isoInZone } from '../tariffs';
import { getCampaign, specOf, summaryOf } from './campaigns';
import { computeReport } from './report';
import type { CampaignSpec } from './spec';

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

export async function exportCampaign(app: AppContext, id: string, file: string, opts: { kind?: 'dry_run' | 'results' } = {}): Promise<ExportResult> {
  const c = getCampaign(app, id);
  const kind = opts.kind ?? (c.state === 'draft' || c.state === 'cancelled' ? 'dry_run' : 'results');
  if (kind === 'results' && c.state === 'draft') throw new DepotError('conflict', `campaignId: campaign ${id} has not been approved; export its dry run instead`, { field: 'campaignId' });
  const target = path.resolve(file);
  if (!target.toLowerCase().endsWith('.xlsx')) throw new DepotError('invalid_input', `file: an Excel workbook ends in .xlsx (got ${JSON.stringify(file)})`, { field: 'file' });
  if (!fs.existsSync(path.dirname(target))) throw new DepotError('invalid_input', `file: folder ${path.dirname(target)} does not exist`, { field: 'file' });
  const tmp = `${target}.${process.pid}.partial`;
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: tmp, useStyles: true, useSharedStrings: false });
  wb.creator = 'DepotDesk';
  const zone = app.config.timeZone;
  const spec = specOf(c);
  const points = c.target === 'points';
  const money = (n: number) => (points ? n : n / 100);
  const fmt = points ? '0' : MONEY;
  let rows = 0;
  try {
    const report = kind === 'dry_run' ? computeReport(app, spec) : null;
    const summary = kind === 'results' ? summaryOf(app, id) : null;

    const s = wb.addWorksheet('汇总');
    s.columns = [{ width: 22 }, { width: 70 }];
    const line = (label: string, value: string | number, numFmt?: string) => {
      const row = s.addRow([label, value]);
      if (numFmt) row.getCell(2).numFmt = numFmt;
      row.commit();
    };
    line('活动 Campaign', `${c.name} (${c.id})`);
    line('类型 Kind', c.kind === 'reversal' ? `撤销 reversal of ${c.reversesId}` : '补偿 credit');
    line('状态 State', c.state);
    line('去向 Target', c.target);
    for (const [label, value] of describeSpec(spec)) line(label, value);
    if (report) {
      line('报告 Report', `试算 dry run, ${isoInZone(report.computedAt, zone)}`);
      line('匹配记录 Records', report.records);
      line('涉及用户 Drivers', report.drivers);
      line(points ? '合计积分 Total points' : '合计金额 Total (¥)', money(report.total), fmt);
      line('指纹 Fingerprint', report.fingerprint);
    } else if (summary) {
      line('报告 Report', `执行结果 results, ${c.executionFinishedAt ? isoInZone(c.executionFinishedAt, zone) : 'not finished'}`);
      line('批准人 Approved by', `${c.approvedBy ?? ''} ${c.approvedAt ? isoInZone(c.approvedAt, zone) : ''}`);
      line('涉及用户 Drivers', summary.drivers);
      line('已入账 Credited', summary.credited);
      line('此前已入账 Already credited', summary.already);
      line('失败 Failed', summary.failed);
      line('未处理 Pending', summary.pending);
      line(points ? '已入账积分 Credited points' : '已入账金额 Credited (¥)', money(summary.creditedTotal), fmt);
      line(points ? '批准积分 Approved points' : '批准金额 Approved (¥)', money(summary.approvedTotal), fmt);
      line('指纹 Fingerprint', c.dryRunFingerprint ?? '');
    }
    await s.commit();

    if (report) {
      const d = wb.addWorksheet('分布');
      d.columns = [
        { header: '失败次数 Failures', width: 18 },
        { header: '用户数 Drivers', width: 14 },
        { header: '记录数 Records', width: 14 },
        { header: points ? '积分 Points' : '金额 Amount (¥)', width: 16 },
      ];
      for (const b of report.distribution) {
        const row = d.addRow([b.bucket, b.drivers, b.records, money(b.amount)]);
        row.getCell(4).numFmt = fmt;
        row.commit();
      }
      await d.commit();
    }

    const detail = wb.addWorksheet('明细');
    if (report) {
      detail.columns = [
        { header: '用户ID Driver', width: 28 },
        { header: '姓名 Name', width: 14 },
        { header: '手机 Phone', width: 14 },
        { header: '失败次数 Failures', width: 12 },
        { header: points ? '补偿积分 Points' : '补偿金额 Amount (¥)', width: 16 },
        { header: points ? '当前积分 Points now' : '当前余额 Balance (¥)', width: 16 },
      ];
      for (const r of report.rows) {
        const row = detail.addRow([r.driverId, r.name, r.phone, r.failures, money(r.amount), money(r.balance)]);
        row.getCell(5).numFmt = fmt;
        row.getCell(6).numFmt = fmt;
        row.commit();
        rows += 1;
      }
    } else {
      detail.columns = [
        { header: '用户ID Driver', width: 28 },
        { header: '姓名 Name', width: 14 },
        { header: '手机 Phone', width: 14 },
        { header: '失败次数 Failures', width: 12 },
        { header: points ? '补偿积分 Points' : '补偿金额 Amount (¥)', width: 16 },
        { header: '状态 Status', width: 12 },
        { header: '批次号 Batch no.', width: 40 },
        { header: '流水号 Transfer', width: 60 },
        { header: '原因 Error', width: 50 },
      ];
      const it = app.sqlite
        .prepare(
          `SELECT i.driver_id, d.name, d.phone, i.failures, i.amount, i.status, i.batch_no, i.transfer_id, coalesce(i.error, '')
           FROM comp_campaign_items i JOIN drivers d ON d.id = i.driver_id WHERE i.campaign_id = ? ORDER BY i.driver_id`,
        )
        .raw()
        .iterate(id) as Iterable<[string, string, string, number, number, string, string, string, string]>;
      for (const [driverId, name, phone, failures, amount, status, batchNo, transferId, error] of it) {
        const row = detail.addRow([driverId, name, phone, failures, money(amount), status, batchNo, transferId, error]);
        row.getCell(5).numFmt = fmt;
        row.commit();
        rows += 1;
      }
    }
    await detail.commit();
    await wb.commit();
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    if (e instanceof DepotError) throw e;
    throw new DepotError('unavailable', `file: could not write ${target}: ${(e as Error).message}`, { field: 'file' });
  }
  app.log.info({ campaignId: id, file: target, rows, kind }, 'campaign exported to Excel');
  return { file: target, rows, kind };
}

/** The spec in words, for the summary sheet and the approval checklist. */
export function describeSpec(spec: CampaignSpec): [string, string][] {
  if (spec.kind === 'reversal') return [['撤销 Reverses', spec.reverses], ['备注模板 Memo', spec.memo]];
  const c = spec.criteria;
  const unit = (n: number) => (spec.target === 'points' ? `${n} 积分` : `¥${(n / 100).toFixed(2)}`);
  return [
    ['日期 Dates', c.from === c.to ? c.from : `${c.from} – ${c.to}`],
    ['时段 Time window', c.timeWindow ? `${c.timeWindow.start}–${c.timeWindow.end}` : '全天 all day'],
    ['站点 Stations', c.stationIds?.join(', ') || '全部 all'],
    ['充电桩 Chargers', c.chargerIds?.join(', ') || '全部 all'],
    ['状态 States', c.states.join(', ')],
    ['失败原因 Failure codes', c.failureCodes?.join(', ') || '全部 all'],
    ['最少失败次数 Min failures', String(c.minFailures)],
    ['含已补偿 Include compensated', c.includeCompensated ? 'yes' : 'no'],
    ['规则 Rule', spec.rule.kind === 'fixed' ? `每人固定 fixed ${unit(spec.rule.amount)}` : `每次 per failure ${unit(spec.rule.amount)}${spec.rule.cap !== null ? `, 封顶 cap ${unit(spec.rule.cap)}` : ''}`],
    ['去向 Target', spec.target + (spec.target === 'coupon' ? ` (${spec.couponValidDays} days)` : '')],
    ['备注模板 Memo', spec.memo],
  ];
}

