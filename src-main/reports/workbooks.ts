import { checkpointLine, latestCheckpoint } from '../kernel/chain';
import fs from 'node:fs';
import type { AppContext } from '../kernel/context';
import { reconReportFileName, writeReconReport } from '../reconciliation';
import { newWorkbook, writeInfoSheet, writeSheet, type Column } from '../excel';
import { trialBalance, type TrialLine } from '../ledger';
import { adjustmentsReport, namesOf, type AdjustmentLine } from './adjustments';
import { liabilitiesReport } from './liabilities';
import { revenueReport, type RevenueLine } from './revenue';
import { LIST_TITLES, listExport, type ListKind } from './lists';

/**
 * The reports as Excel workbooks, written streaming to a file (exports.ts puts it in place). Sheet
 * and column names in Chinese, or English for en-US; names, not ids.
 */

export const REPORT_KINDS = ['revenue', 'liabilities', 'adjustments', 'trial_balance', 'reconciliation', 'list'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];
export type Locale = 'zh-CN' | 'en-US';

export interface ReportParams {
  kind: ReportKind;
  /** yyyy-MM-dd, depot days, inclusive. */
  from: string;
  to: string;
  fromMs: number;
  toMs: number;
  stationId?: string | null;
  locale: Locale;
  /** kind 'list': which list, and its filter (the list method's own). */
  list?: ListKind;
  filter?: Record<string, unknown>;
}

const T = {
  'zh-CN': {
    list: '列表',
    reconciliation: '对账报表',
    revenue: '营收报表',
    liabilities: '余额与负债',
    adjustments: '调账与核销',
    trial_balance: '试算平衡表',
    info: '说明',
    period: '期间',
    made: '生成时间',
    checkpoint: '账本与审计链校验点',
    noCheckpoint: '尚无（每日 23:55 及每次备份时生成）',
    station: '站点',
    charger: '充电桩',
    tou: '时段',
    sessions: '会话数',
    kwh: '电量 (kWh)',
    electricity: '电费',
    service: '服务费',
    total: '合计',
    account: '科目',
    opening: '期初',
    debits: '借方发生',
    credits: '贷方发生',
    closing: '期末',
    accounts: '账户数',
    kind: '类型',
    id: '编号',
    description: '说明',
    state: '状态',
    amount: '金额',
    createdBy: '创建人',
    createdAt: '创建时间',
    approvedBy: '批准人',
    approvedAt: '批准时间',
    item: '项目',
    value: '金额/数量',
  },
  'en-US': {
    list: 'List',
    reconciliation: 'Reconciliation',
    revenue: 'Revenue',
    liabilities: 'Wallets and liabilities',
    adjustments: 'Adjustments',
    trial_balance: 'Trial balance',
    info: 'About',
    period: 'Period',
    made: 'Made at',
    checkpoint: 'Ledger and audit chain checkpoint',
    noCheckpoint: 'none yet (taken daily at 23:55 and with every backup)',
    station: 'Station',
    charger: 'Charger',
    tou: 'Period (TOU)',
    sessions: 'Sessions',
    kwh: 'Energy (kWh)',
    electricity: 'Electricity',
    service: 'Service',
    total: 'Total',
    account: 'Account',
    opening: 'Opening',
    debits: 'Debits',
    credits: 'Credits',
    closing: 'Closing',
    accounts: 'Accounts',
    kind: 'Kind',
    id: 'Number',
    description: 'Description',
    state: 'State',
    amount: 'Amount',
    createdBy: 'Created by',
    createdAt: 'Created at',
    approvedBy: 'Approved by',
    approvedAt: 'Approved at',
    item: 'Item',
    value: 'Amount / count',
  },
} as const;

const PERIOD_NAMES: Record<Locale, Record<string, string>> = {
  'zh-CN': { sharp: '尖', peak: '峰', flat: '平', valley: '谷', unallocated: '未分时' },
  'en-US': { sharp: 'sharp', peak: 'peak', flat: 'flat', valley: 'valley', unallocated: 'unallocated' },
};

export function reportFileName(p: Pick<ReportParams, 'kind' | 'from' | 'to' | 'locale' | 'list'>): string {
  if (p.kind === 'reconciliation') return reconReportFileName(p.from, p.to, p.locale);
  const title = p.kind === 'list' ? LIST_TITLES[p.list!][p.locale] : T[p.locale][p.kind];
  const period = p.from === p.to ? p.from : p.locale === 'zh-CN' ? `${p.from}至${p.to}` : `${p.from}-to-${p.to}`;
  return `${title}-${period}.xlsx`.replace(/[\\/:*?"<>|]/g, '_');
}

function checkpointText(app: AppContext, none: string): string {
  const c = latestCheckpoint(app.sqlite);
  return c ? checkpointLine(c) : none;
}

export async function writeReport(app: AppContext, p: ReportParams, file: string, onRows?: (n: number) => void): Promise<number> {
  if (p.kind === 'reconciliation') {
    // The finance reconciliation report is reconciliation's own workbook (its summary, breaks, energy
    // check and statements sheets); here it only gains the job, the progress and the download.
    const r = await writeReconReport(app, { from: p.from, to: p.to, file: `${file}.xlsx`, locale: p.locale });
    fs.renameSync(r.file, file);
    return r.rows;
  }
  const wb = newWorkbook(file);
  const t = T[p.locale];
  const title = p.kind === 'list' ? LIST_TITLES[p.list!][p.locale] : t[p.kind];
  await writeInfoSheet(wb, t.info, [
    [title, p.kind === 'list' ? JSON.stringify(p.filter ?? {}) : p.from === p.to ? p.from : `${p.from} — ${p.to}`],
    [t.made, new Date(app.clock.now()).toISOString()],
    // The signed chain heads, on paper: a later truncation of the books shows against them (kernel/chain.ts).
    ...(p.kind === 'list' ? [] : [[t.checkpoint, checkpointText(app, t.noCheckpoint)] as [string, string]]),
  ]);
  const opts = { zone: app.clock.timeZone, totalsLabel: t.total, onRows };
  let rows = 0;
  if (p.kind === 'list') {
    const x = listExport(app, p.list!, p.filter, p.locale);
    rows = await writeSheet(wb, title, x.columns, x.rows, opts);
  } else if (p.kind === 'revenue') {
    const r = revenueReport(app, { from: p.fromMs, to: p.toMs, stationId: p.stationId });
    const cols: Column<RevenueLine>[] = [
      { header: t.station, kind: 'text', value: (l) => l.stationName },
      { header: t.charger, kind: 'text', value: (l) => l.chargerId },
      { header: t.tou, kind: 'text', value: (l) => PERIOD_NAMES[p.locale][l.period] },
      { header: t.sessions, kind: 'int', value: (l) => l.sessions },
      { header: t.kwh, kind: 'kwh', value: (l) => l.energyWh, total: true },
      { header: t.electricity, kind: 'money', value: (l) => l.electricityFen, total: true },
      { header: t.service, kind: 'money', value: (l) => l.serviceFen, total: true },
      { header: t.total, kind: 'money', value: (l) => l.totalFen, total: true },
    ];
    rows = await writeSheet(wb, t.revenue, cols, r.lines, opts);
  } else if (p.kind === 'trial_balance') {
    rows = await writeSheet(wb, t.trial_balance, trialColumns(p.locale), trialBalance(app, p.fromMs, p.toMs), opts);
  } else if (p.kind === 'adjustments') {
    const lines = adjustmentsReport(app, { from: p.fromMs, to: p.toMs });
    rows = await writeSheet(wb, t.adjustments, adjustmentColumns(p.locale, namesOf(app, lines)), lines, opts);
  } else {
    rows = await writeLiabilities(app, wb, p, opts);
  }
  await wb.commit();
  return rows;
}

function trialColumns(locale: Locale): Column<TrialLine>[] {
  const t = T[locale];
  const money = (header: string, pick: (l: TrialLine) => number): Column<TrialLine> => ({
    header,
    kind: 'money',
    value: (l) => (l.unit === 'CNY' ? pick(l) : null),
    total: true,
  });
  return [
    { header: t.account, kind: 'text', value: (l) => l.account },
    { header: 'unit', kind: 'text', value: (l) => l.unit },
    money(t.opening, (l) => l.opening),
    money(t.debits, (l) => l.debits),
    money(t.credits, (l) => l.credits),
    money(t.closing, (l) => l.closing),
    { header: t.accounts, kind: 'int', value: (l) => l.accounts },
  ];
}

function adjustmentColumns(locale: Locale, names: Map<string, string>): Column<AdjustmentLine>[] {
  const t = T[locale];
  const who = (id: string | null) => (id ? (names.get(id) ?? id) : '');
  return [
    { header: t.kind, kind: 'text', value: (l) => l.kind },
    { header: t.id, kind: 'text', value: (l) => l.id },
    { header: t.description, kind: 'text', value: (l) => l.description, width: 50 },
    { header: t.state, kind: 'text', value: (l) => l.state },
    { header: t.amount, kind: 'money', value: (l) => l.amountFen, total: true },
    { header: t.createdBy, kind: 'text', value: (l) => who(l.createdBy) },
    { header: t.createdAt, kind: 'datetime', value: (l) => l.createdAt, width: 20 },
    { header: t.approvedBy, kind: 'text', value: (l) => who(l.approvedBy) },
    { header: t.approvedAt, kind: 'datetime', value: (l) => l.approvedAt, width: 20 },
  ];
}

async function writeLiabilities(app: AppContext, wb: ReturnType<typeof newWorkbook>, p: ReportParams, opts: { zone: string; totalsLabel: string }): Promise<number> {
  const t = T[p.locale];
  const r = liabilitiesReport(app, { from: p.fromMs, to: p.toMs });
  const zh = p.locale === 'zh-CN';
  const items: [string, number, 'money' | 'int'][] = [
    [zh ? '钱包期初余额' : 'Wallets, opening', r.wallets.openingFen, 'money'],
    ...r.wallets.movements.flatMap((m): [string, number, 'money'][] => [
      ...(m.credits ? [[`${zh ? '钱包转入' : 'Wallets in'}: ${m.code}`, m.credits, 'money'] as [string, number, 'money']] : []),
      ...(m.debits ? [[`${zh ? '钱包转出' : 'Wallets out'}: ${m.code}`, -m.debits, 'money'] as [string, number, 'money']] : []),
    ]),
    [zh ? '钱包期末余额' : 'Wallets, closing', r.wallets.closingFen, 'money'],
    [zh ? '冻结中 (未结算预付)' : 'Held (prepaid, not settled)', r.held.closingFen, 'money'],
    [zh ? '优惠券面值' : 'Coupons outstanding, face', r.coupons.faceFen, 'money'],
    [zh ? '优惠券余额' : 'Coupons outstanding, remaining', r.coupons.remainingFen, 'money'],
    [zh ? '积分期末余额' : 'Points, closing', r.points.closingPoints, 'int'],
    [zh ? '欠费期初' : 'Debts, opening', r.debts.openingFen, 'money'],
    [zh ? '本期收回欠费' : 'Debts collected', r.debts.collectedFen, 'money'],
    [zh ? '本期核销欠费' : 'Debts written off', r.debts.writtenOffFen, 'money'],
    [zh ? '欠费期末' : 'Debts, closing', r.debts.closingFen, 'money'],
    ...r.debts.ageing.map((a): [string, number, 'money'] => [`${zh ? '欠费账龄' : 'Debt age'} ${a.bucket} ${zh ? '天' : 'days'} (${a.debts})`, a.owedFen, 'money']),
  ];
  const cols: Column<[string, number, 'money' | 'int']>[] = [
    { header: t.item, kind: 'text', value: (x) => x[0], width: 40 },
    { header: t.value, kind: 'money', value: (x) => (x[2] === 'money' ? x[1] : null) },
    { header: 'points', kind: 'int', value: (x) => (x[2] === 'int' ? x[1] : null) },
  ];
  return writeSheet(wb, t.liabilities, cols, items, { ...opts, totalsLabel: undefined });
}
