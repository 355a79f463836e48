import fs from 'node:fs';
import path from 'node:path';
import type { AppContext } from '../kernel/context';
import { allRows } from '../kernel/db/rows';
import { DepotError } from '../kernel/errors';
import { newWorkbook, writeSheet, type Column } from '../excel';
import { dayStart } from '../ledger';
import { findOperator } from '../operators';
import { listDays, type DayRecord } from './days';
import { daysBetween, nextDay, type ChannelFigures } from './match';
import { dayKey } from './day-key';
import type { BreakKind, BreakResolution, BreakState, DayState } from './schema';

/**
 * The daily finance report (对账报表) as an Excel workbook, written streaming (exceljs
 * WorkbookWriter through excel/: bold frozen header, autofilter, money as numbers in yuan formatted
 * #,##0.00, times as real Excel dates showing the depot's wall clock, a totals row of SUM formulas
 * with their values). Written next to its destination and renamed into place when complete.
 *
 * Sheets (Chinese names, English for en-US):
 * - 汇总 Summary: one row per day and channel with the gateway's and our figures, their differences,
 *   the channel's breaks, and the day's matched and pending counts, state and sign-off. A day of the
 *   range not yet reconciled has a row that says so: no day is silently left out.
 * - 差错 Breaks: every break of the period, with who owns it and who resolved it (names, not ids).
 * - 电量核对 Energy: each charger's day, billed energy against its meters.
 * - 对账单 Statements: the imported statements covering the period.
 *
 * Guarantees (test/reconciliation/report.test.ts): the summary's "our payments" tie to the ledger's
 * top-ups from gateway clearing on that day, and net settlement = payments − refunds − fees; a range
 * of more than 366 days, or one whose end is before its start, is refused naming the field.
 */

export type ReportLocale = 'zh-CN' | 'en-US';

export interface ReconReportInput {
  /** yyyy-MM-dd, depot days, inclusive. */
  from: string;
  to?: string;
  /** The .xlsx file to write (its folder must exist). */
  file: string;
  locale?: ReportLocale;
}

export interface ReconReportResult {
  file: string;
  /** Data rows written over all sheets (totals rows and headers not counted). */
  rows: number;
  sheets: { summary: number; breaks: number; energy: number; statements: number };
  /** Days of the range that have not been reconciled (listed as such on the summary). */
  notReconciled: string[];
}

const MAX_RANGE_DAYS = 366;
/** Rows read per query: no cursor is held open while the writer yields to the event loop. */
const PAGE = 500;

const WORDS = {
  'zh-CN': {
    file: '对账报表',
    sheets: { summary: '汇总', breaks: '差错', energy: '电量核对', statements: '对账单' },
    total: '合计',
    yes: '是',
    no: '否',
    notReconciled: '未对账',
    channels: { wechat: '微信支付', alipay: '支付宝', generic: '聚合支付' } as Record<string, string>,
    dayStates: { pending: '待定 (窗口内)', matched: '已平', breaks: '有差错', signed_off: '已签字' } satisfies Record<DayState, string>,
    kinds: { long: '长款', short: '短款', amount_mismatch: '金额不符', refund_mismatch: '退款不符', duplicate: '重复支付' } satisfies Record<BreakKind, string>,
    states: { open: '待处理', write_off_requested: '核销待批', resolved: '已解决', written_off: '已核销' } satisfies Record<BreakState, string>,
    resolutions: { credit: '补单', refund: '退款', written_off: '核销', explained: '已说明', matched_late: '迟到匹配' } satisfies Record<BreakResolution, string>,
  },
  'en-US': {
    file: 'reconciliation',
    sheets: { summary: 'Summary', breaks: 'Breaks', energy: 'Energy', statements: 'Statements' },
    total: 'Total',
    yes: 'Yes',
    no: 'No',
    notReconciled: 'not reconciled',
    channels: { wechat: 'WeChat Pay', alipay: 'Alipay', generic: 'Aggregator' } as Record<string, string>,
    dayStates: { pending: 'pending (in window)', matched: 'matched', breaks: 'breaks', signed_off: 'signed off' } satisfies Record<DayState, string>,
    kinds: {
      long: 'long (gateway only)',
      short: 'short (ours only)',
      amount_mismatch: 'amount mismatch',
      refund_mismatch: 'refund mismatch',
      duplicate: 'duplicate payment',
    } satisfies Record<BreakKind, string>,
    states: { open: 'open', write_off_requested: 'write-off requested', resolved: 'resolved', written_off: 'written off' } satisfies Record<BreakState, string>,
    resolutions: { credit: 'credit', refund: 'refund', written_off: 'written off', explained: 'explained', matched_late: 'matched late' } satisfies Record<
      BreakResolution,
      string
    >,
  },
} as const;

type Words = (typeof WORDS)[ReportLocale];

/** 对账报表-<from>[至<to>].xlsx, or reconciliation-<from>[-to-<to>].xlsx in English. */
export function reconReportFileName(from: string, to: string = from, locale: ReportLocale = 'zh-CN'): string {
  const period = from === to ? from : locale === 'zh-CN' ? `${from}至${to}` : `${from}-to-${to}`;
  return `${WORDS[locale].file}-${period}.xlsx`;
}

/** Refuses a bad date, an end before the start and a range of more than 366 days, naming the field. */
export function checkReportRange(app: Pick<AppContext, 'clock'>, from: string, to: string): void {
  dayStart(from, app.clock.timeZone, 'date');
  dayStart(to, app.clock.timeZone, 'to');
  if (to < from) throw new DepotError('invalid_input', `to: ${to} is before ${from}`, { field: 'to' });
  if (daysBetween(from, to) >= MAX_RANGE_DAYS)
    throw new DepotError('invalid_input', `to: a report covers at most ${MAX_RANGE_DAYS} days (got ${daysBetween(from, to) + 1})`, { field: 'to' });
}

export async function writeReconReport(app: AppContext, input: ReconReportInput): Promise<ReconReportResult> {
  const { from } = input;
  const to = input.to ?? from;
  const locale = input.locale ?? 'zh-CN';
  checkReportRange(app, from, to);
  const target = checkedTarget(input.file);
  const tmp = `${target}.${process.pid}.partial`;
  try {
    const r = await writeWorkbook(app, { from, to, locale }, tmp);
    fs.renameSync(tmp, target);
    app.log.info({ from, to, file: target, rows: r.rows }, 'reconciliation report written');
    return { ...r, file: target };
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    if (e instanceof DepotError) throw e;
    throw new DepotError('unavailable', `file: could not write ${target}: ${(e as Error).message}`, { field: 'file' });
  }
}

function checkedTarget(file: string): string {
  const target = path.resolve(file);
  if (!target.toLowerCase().endsWith('.xlsx'))
    throw new DepotError('invalid_input', `file: an Excel workbook ends in .xlsx (got ${JSON.stringify(file)})`, { field: 'file' });
  if (!fs.existsSync(path.dirname(target))) throw new DepotError('invalid_input', `file: folder ${path.dirname(target)} does not exist`, { field: 'file' });
  return target;
}

interface Period {
  from: string;
  to: string;
  locale: ReportLocale;
}

async function writeWorkbook(app: AppContext, p: Period, tmp: string): Promise<Omit<ReconReportResult, 'file'>> {
  const w = WORDS[p.locale];
  const wb = newWorkbook(tmp);
  const opts = { zone: app.clock.timeZone, totalsLabel: w.total };
  const who = namesOf(app);
  const summary = summaryLines(app, p);
  const sheets = {
    summary: await writeSheet(wb, w.sheets.summary, summaryColumns(p.locale, who), summary, opts),
    breaks: await writeSheet(wb, w.sheets.breaks, breakColumns(p.locale, who), breaksOf(app, p), opts),
    energy: await writeSheet(wb, w.sheets.energy, energyColumns(p.locale), energyOf(app, p), opts),
    statements: await writeSheet(wb, w.sheets.statements, statementColumns(p.locale, who), statementsOf(app, p), opts),
  };
  await wb.commit();
  const notReconciled = summary.filter((l) => !l.rec).map((l) => l.day);
  return { rows: sheets.summary + sheets.breaks + sheets.energy + sheets.statements, sheets, notReconciled };
}

/** Operator id → display name (the id itself for an operator since removed), looked up once each. */
function namesOf(app: AppContext): (id: string | null) => string | null {
  const names = new Map<string, string>();
  return (id) => {
    if (!id) return null;
    let name = names.get(id);
    if (name === undefined) {
      const op = findOperator(app, id);
      name = op?.displayName || op?.name || id;
      names.set(id, name);
    }
    return name;
  };
}

// ── 汇总 Summary ─────────────────────────────────────────────────────────────────────────────────

interface SummaryLine {
  day: string;
  channel: string | null;
  /** Null on a day not reconciled. */
  fig: ChannelFigures | null;
  breaksOpen: number | null;
  breaksTotal: number | null;
  rec: DayRecord | undefined;
}

const CHANNEL_ORDER = ['wechat', 'alipay'];
const byChannel = (a: string, b: string) => {
  const [i, j] = [CHANNEL_ORDER.indexOf(a), CHANNEL_ORDER.indexOf(b)];
  return (i < 0 ? 99 : i) - (j < 0 ? 99 : j) || a.localeCompare(b);
};

const ZERO: ChannelFigures = {
  gatewayPayments: { count: 0, fen: 0 },
  gatewayRefunds: { count: 0, fen: 0 },
  feesFen: 0,
  netSettlementFen: 0,
  ourPayments: { count: 0, fen: 0 },
  ourRefunds: { count: 0, fen: 0 },
};

/** One line per day and channel (the channels the day's figures or breaks name); one line for a day with none, or not run. */
function summaryLines(app: AppContext, p: Period): SummaryLine[] {
  const days = new Map(listDays(app, p.from, p.to).map((d) => [d.day, d]));
  const counts = new Map<string, { open: number; total: number }>();
  const rows = allRows<{ day: string; channel: string; open: number; total: number }>(
    app.sqlite.prepare(
      `SELECT day, channel, count(*) FILTER (WHERE state IN ('open', 'write_off_requested')) AS open, count(*) AS total
       FROM recon_breaks WHERE day >= ? AND day <= ? GROUP BY day, channel`,
    ),
    p.from,
    p.to,
  );
  for (const r of rows) counts.set(`${r.day}|${r.channel}`, r);
  const lines: SummaryLine[] = [];
  for (let day = p.from; day <= p.to; day = nextDay(day)) {
    const rec = days.get(day);
    if (!rec) {
      lines.push({ day, channel: null, fig: null, breaksOpen: null, breaksTotal: null, rec });
      continue;
    }
    const channels = new Set(Object.keys(rec.figures.channels));
    for (const r of rows) if (r.day === day) channels.add(r.channel);
    if (channels.size === 0) lines.push({ day, channel: null, fig: ZERO, breaksOpen: 0, breaksTotal: 0, rec });
    for (const channel of [...channels].sort(byChannel)) {
      const c = counts.get(`${day}|${channel}`);
      lines.push({ day, channel, fig: rec.figures.channels[channel] ?? ZERO, breaksOpen: c?.open ?? 0, breaksTotal: c?.total ?? 0, rec });
    }
  }
  return lines;
}

const SUMMARY_HEADERS = {
  'zh-CN': [
    '日期',
    '渠道',
    '网关支付笔数',
    '网关支付金额',
    '网关退款笔数',
    '网关退款金额',
    '手续费',
    '应结算净额',
    '我方支付笔数',
    '我方支付金额',
    '我方退款笔数',
    '我方退款金额',
    '支付差额 (网关−我方)',
    '退款差额 (网关−我方)',
    '差错未结',
    '差错总数',
    '当日已匹配支付',
    '当日已匹配退款',
    '当日待定',
    '当日状态',
    '签字人',
    '签字时间',
  ],
  'en-US': [
    'Day',
    'Channel',
    'Gateway payments',
    'Gateway payments (¥)',
    'Gateway refunds',
    'Gateway refunds (¥)',
    'Fees (¥)',
    'Net settlement (¥)',
    'Our payments',
    'Our payments (¥)',
    'Our refunds',
    'Our refunds (¥)',
    'Payments difference (gateway − ours)',
    'Refunds difference (gateway − ours)',
    'Breaks open',
    'Breaks total',
    'Day: matched payments',
    'Day: matched refunds',
    'Day: pending',
    'Day state',
    'Signed off by',
    'Signed off at',
  ],
} as const;

function summaryColumns(locale: ReportLocale, who: (id: string | null) => string | null): Column<SummaryLine>[] {
  const w: Words = WORDS[locale];
  const [day, channel, gpN, gp, grN, gr, fees, net, opN, op, orN, or, dp, dr, bo, bt, mp, mr, pending, state, by, at] = SUMMARY_HEADERS[locale];
  const f = (pick: (c: ChannelFigures) => number) => (l: SummaryLine) => (l.fig ? pick(l.fig) : null);
  const count = (header: string, pick: (c: ChannelFigures) => number): Column<SummaryLine> => ({ header, kind: 'int', value: f(pick), total: true, width: 12 });
  const money = (header: string, pick: (c: ChannelFigures) => number): Column<SummaryLine> => ({ header, kind: 'money', value: f(pick), total: true, width: 16 });
  return [
    { header: day, kind: 'date', value: (l) => l.day, width: 12 },
    { header: channel, kind: 'text', value: (l) => (l.channel ? (w.channels[l.channel] ?? l.channel) : ''), width: 12 },
    count(gpN, (c) => c.gatewayPayments.count),
    money(gp, (c) => c.gatewayPayments.fen),
    count(grN, (c) => c.gatewayRefunds.count),
    money(gr, (c) => c.gatewayRefunds.fen),
    money(fees, (c) => c.feesFen),
    money(net, (c) => c.netSettlementFen),
    count(opN, (c) => c.ourPayments.count),
    money(op, (c) => c.ourPayments.fen),
    count(orN, (c) => c.ourRefunds.count),
    money(or, (c) => c.ourRefunds.fen),
    money(dp, (c) => c.gatewayPayments.fen - c.ourPayments.fen),
    money(dr, (c) => c.gatewayRefunds.fen - c.ourRefunds.fen),
    { header: bo, kind: 'int', value: (l) => l.breaksOpen, total: true, width: 10 },
    { header: bt, kind: 'int', value: (l) => l.breaksTotal, total: true, width: 10 },
    // The day's own counts (the run keeps them per day, not per channel): repeated on each of its lines, not summed.
    { header: mp, kind: 'int', value: (l) => l.rec?.figures.matchedPayments, width: 14 },
    { header: mr, kind: 'int', value: (l) => l.rec?.figures.matchedRefunds, width: 14 },
    { header: pending, kind: 'int', value: (l) => l.rec?.pending, width: 10 },
    { header: state, kind: 'text', value: (l) => (l.rec ? w.dayStates[l.rec.state] : w.notReconciled), width: 14 },
    { header: by, kind: 'text', value: (l) => who(l.rec?.signedOffBy ?? null), width: 14 },
    { header: at, kind: 'datetime', value: (l) => l.rec?.signedOffAt, width: 20 },
  ];
}

// ── 差错 Breaks ──────────────────────────────────────────────────────────────────────────────────

interface BreakLine {
  id: string;
  day: string;
  kind: BreakKind;
  state: BreakState;
  channel: string;
  orderNumber: string | null;
  tradeNo: string | null;
  refundNo: string | null;
  gatewayFen: number;
  oursFen: number;
  diffFen: number;
  owner: string | null;
  resolution: BreakResolution | null;
  note: string | null;
  reference: string | null;
  resolvedBy: string | null;
  resolvedAt: number | null;
  openedAt: number;
}

/** Reads keyset pages: rows after the last one of the page before, in the order of `fetch`. */
function* pages<R>(fetch: (after: R | null) => R[]): Generator<R> {
  for (let after: R | null = null; ;) {
    const page = fetch(after);
    yield* page;
    if (page.length < PAGE) return;
    after = page[page.length - 1];
  }
}

function breaksOf(app: AppContext, p: Period): Iterable<BreakLine> {
  const stmt = app.sqlite.prepare(
    `SELECT id, day, kind, state, channel, order_number AS orderNumber, trade_no AS tradeNo, refund_no AS refundNo, gateway_fen AS gatewayFen,
       ours_fen AS oursFen, diff_fen AS diffFen, owner, resolution, note, reference, resolved_by AS resolvedBy, resolved_at AS resolvedAt, opened_at AS openedAt
     FROM recon_breaks WHERE day >= @from AND day <= @to AND (day, opened_at, id) > (@day, @openedAt, @id)
     ORDER BY day, opened_at, id LIMIT @limit`,
  );
  return pages<BreakLine>((after) =>
    allRows<BreakLine>(stmt, { from: p.from, to: p.to, day: after?.day ?? '', openedAt: after?.openedAt ?? -1, id: after?.id ?? '', limit: PAGE }),
  );
}

function breakColumns(locale: ReportLocale, who: (id: string | null) => string | null): Column<BreakLine>[] {
  const w: Words = WORDS[locale];
  const zh = locale === 'zh-CN';
  return [
    { header: zh ? '日期' : 'Day', kind: 'date', value: (b) => b.day, width: 12 },
    { header: zh ? '差错编号' : 'Break', kind: 'text', value: (b) => b.id, width: 28 },
    { header: zh ? '类型' : 'Kind', kind: 'text', value: (b) => w.kinds[b.kind], width: 14 },
    { header: zh ? '状态' : 'State', kind: 'text', value: (b) => w.states[b.state], width: 12 },
    { header: zh ? '渠道' : 'Channel', kind: 'text', value: (b) => w.channels[b.channel] ?? b.channel, width: 12 },
    { header: zh ? '商户订单号' : 'Order number', kind: 'text', value: (b) => b.orderNumber, width: 26 },
    { header: zh ? '网关交易号' : 'Trade number', kind: 'text', value: (b) => b.tradeNo, width: 32 },
    { header: zh ? '退款单号' : 'Refund number', kind: 'text', value: (b) => b.refundNo, width: 28 },
    { header: zh ? '网关金额' : 'Gateway (¥)', kind: 'money', value: (b) => b.gatewayFen, total: true, width: 14 },
    { header: zh ? '我方金额' : 'Ours (¥)', kind: 'money', value: (b) => b.oursFen, total: true, width: 14 },
    { header: zh ? '差额 (网关−我方)' : 'Difference (gateway − ours)', kind: 'money', value: (b) => b.diffFen, total: true, width: 18 },
    { header: zh ? '负责人' : 'Owner', kind: 'text', value: (b) => who(b.owner), width: 14 },
    { header: zh ? '处理方式' : 'Resolution', kind: 'text', value: (b) => (b.resolution ? w.resolutions[b.resolution] : null), width: 12 },
    { header: zh ? '备注' : 'Note', kind: 'text', value: (b) => b.note, width: 40 },
    { header: zh ? '处理人' : 'Resolved by', kind: 'text', value: (b) => who(b.resolvedBy), width: 14 },
    { header: zh ? '处理时间' : 'Resolved at', kind: 'datetime', value: (b) => b.resolvedAt, width: 20 },
    { header: zh ? '凭证' : 'Reference', kind: 'text', value: (b) => b.reference, width: 36 },
    { header: zh ? '发现时间' : 'Found at', kind: 'datetime', value: (b) => b.openedAt, width: 20 },
  ];
}

// ── 电量核对 Energy ──────────────────────────────────────────────────────────────────────────────

interface EnergyLine {
  day: string;
  chargerId: string;
  sessions: number;
  billedWh: number;
  registerWh: number;
  gapWh: number;
  diffBp: number;
  anomaly: number;
}

function energyOf(app: AppContext, p: Period): Iterable<EnergyLine> {
  const stmt = app.sqlite.prepare(
    `SELECT day, charger_id AS chargerId, sessions, billed_wh AS billedWh, register_wh AS registerWh, gap_wh AS gapWh, diff_bp AS diffBp, anomaly
     FROM recon_energy WHERE day >= @from AND day <= @to AND (day, charger_id) > (@day, @charger) ORDER BY day, charger_id LIMIT @limit`,
  );
  return pages<EnergyLine>((after) => allRows<EnergyLine>(stmt, { from: p.from, to: p.to, day: after?.day ?? '', charger: after?.chargerId ?? '', limit: PAGE }));
}

function energyColumns(locale: ReportLocale): Column<EnergyLine>[] {
  const w: Words = WORDS[locale];
  const zh = locale === 'zh-CN';
  return [
    { header: zh ? '日期' : 'Day', kind: 'date', value: (e) => e.day, width: 12 },
    { header: zh ? '充电桩' : 'Charger', kind: 'text', value: (e) => e.chargerId, width: 16 },
    { header: zh ? '会话数' : 'Sessions', kind: 'int', value: (e) => e.sessions, total: true, width: 10 },
    { header: zh ? '计费电量 (kWh)' : 'Billed (kWh)', kind: 'kwh', value: (e) => e.billedWh, total: true, width: 16 },
    { header: zh ? '电表电量 (kWh)' : 'Meters (kWh)', kind: 'kwh', value: (e) => e.registerWh, total: true, width: 16 },
    { header: zh ? '未计费空档 (kWh)' : 'Gap, not billed (kWh)', kind: 'kwh', value: (e) => e.gapWh, total: true, width: 18 },
    { header: zh ? '差异率' : 'Difference', kind: 'percent', value: (e) => e.diffBp / 10_000, width: 12 },
    { header: zh ? '计量异常' : 'Anomaly', kind: 'text', value: (e) => (e.anomaly === 1 ? w.yes : w.no), width: 10 },
  ];
}

// ── 对账单 Statements ────────────────────────────────────────────────────────────────────────────

interface StatementLine {
  fileName: string;
  channel: string;
  merchantId: string;
  billDates: string;
  rowCount: number;
  paymentCount: number;
  refundCount: number;
  paymentTotalFen: number;
  refundTotalFen: number;
  feeTotalFen: number;
  netFen: number;
  importedAt: number;
  importedBy: string | null;
}

/** The statements one of whose bill dates, or one of whose rows' depot days, falls in the period. */
function statementsOf(app: AppContext, p: Period): StatementLine[] {
  return allRows<StatementLine>(
    app.sqlite.prepare(
      `SELECT file_name AS fileName, channel, merchant_id AS merchantId, bill_dates AS billDates, row_count AS rowCount, payment_count AS paymentCount,
         refund_count AS refundCount, payment_total_fen AS paymentTotalFen, refund_total_fen AS refundTotalFen, fee_total_fen AS feeTotalFen, net_fen AS netFen,
         imported_at AS importedAt, imported_by AS importedBy
       FROM recon_statements s
       WHERE EXISTS (SELECT 1 FROM json_each(s.bill_dates) j WHERE j.value >= @from AND j.value <= @to)
          OR (s.day_from <= @toKey AND s.day_to >= @fromKey
              AND EXISTS (SELECT 1 FROM recon_statement_rows r NOT INDEXED WHERE r.id BETWEEN s.row_id_from AND s.row_id_to AND r.day >= @fromKey AND r.day <= @toKey))
       ORDER BY imported_at, id`,
    ),
    { from: p.from, to: p.to, fromKey: dayKey(p.from), toKey: dayKey(p.to) },
  );
}

function statementColumns(locale: ReportLocale, who: (id: string | null) => string | null): Column<StatementLine>[] {
  const w: Words = WORDS[locale];
  const zh = locale === 'zh-CN';
  const dates = (s: StatementLine) => (JSON.parse(s.billDates) as string[]).slice().sort();
  return [
    { header: zh ? '文件' : 'File', kind: 'text', value: (s) => s.fileName, width: 36 },
    { header: zh ? '渠道' : 'Channel', kind: 'text', value: (s) => w.channels[s.channel] ?? s.channel, width: 12 },
    { header: zh ? '商户号' : 'Merchant', kind: 'text', value: (s) => s.merchantId, width: 16 },
    { header: zh ? '账单起始日' : 'Bill from', kind: 'date', value: (s) => dates(s)[0], width: 12 },
    { header: zh ? '账单截止日' : 'Bill to', kind: 'date', value: (s) => dates(s).at(-1), width: 12 },
    { header: zh ? '行数' : 'Rows', kind: 'int', value: (s) => s.rowCount, total: true, width: 10 },
    { header: zh ? '支付笔数' : 'Payments', kind: 'int', value: (s) => s.paymentCount, total: true, width: 10 },
    { header: zh ? '退款笔数' : 'Refunds', kind: 'int', value: (s) => s.refundCount, total: true, width: 10 },
    { header: zh ? '支付金额' : 'Payments (¥)', kind: 'money', value: (s) => s.paymentTotalFen, total: true, width: 16 },
    { header: zh ? '退款金额' : 'Refunds (¥)', kind: 'money', value: (s) => s.refundTotalFen, total: true, width: 16 },
    { header: zh ? '手续费' : 'Fees (¥)', kind: 'money', value: (s) => s.feeTotalFen, total: true, width: 14 },
    { header: zh ? '净额' : 'Net (¥)', kind: 'money', value: (s) => s.netFen, total: true, width: 16 },
    { header: zh ? '导入时间' : 'Imported at', kind: 'datetime', value: (s) => s.importedAt, width: 20 },
    { header: zh ? '导入人' : 'Imported by', kind: 'text', value: (s) => who(s.importedBy), width: 14 },
  ];
}
