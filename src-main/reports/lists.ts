import { z } from 'zod';
import type { AppContext } from '../kernel/context';
import { maskPhone } from '../kernel/phone';
import type { Column } from '../excel';
import { ALERT_LEVELS, listAlerts, type Alert } from '../alerts';
import { listJobs, JOB_STATES, type JobSummary } from '../jobs';
import { dayEnd, dayStart, driverContacts, driverStatement, listDebts, type StatementLine } from '../ledger';
import { iterateAudit, operatorIdByName, operatorNames, type AuditEntry } from '../operators';
import { iterateOrders, orderNumbersOf, ORDER_STATES, PAYMENT_CHANNELS, type OrderRow } from '../payments';
import { listAdjustments, listTasks, ADJUSTMENT_STATES, REFUND_TASK_STATES, type AdjustmentRow, type RefundTaskRow } from '../refunds';
import { iterateSessions, sessionNumbers, SESSION_STATES, type SessionListRow } from '../sessions';
import type { Locale } from './workbooks';
import { auditRefs, exportWording, parseAuditInput, type ExportWording } from './wording';
import { statementReference, type ReferenceNumbers } from '../../src-renderer/lib/statementReference';

/**
 * Export on every list: what a list page shows with its current filters, every matching row (not
 * the page on screen), through the same streaming writer as the reports. Each list's filter is the
 * list method's own (dates as yyyy-MM-dd, depot days); an unknown filter key is refused, naming it.
 */

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date is yyyy-MM-dd');
const range = { from: date.optional(), to: date.optional() };

export const LIST_FILTERS = {
  sessions: z
    .object({ state: z.enum(SESSION_STATES).optional(), chargerId: z.string().optional(), driverId: z.string().optional(), number: z.string().optional(), ...range })
    .strict(),
  orders: z
    .object({
      state: z.enum(ORDER_STATES).optional(),
      channel: z.enum(PAYMENT_CHANNELS).optional(),
      driverId: z.string().optional(),
      search: z.string().optional(),
      ...range,
    })
    .strict(),
  statement: z.object({ driverId: z.string().min(1), ...range }).strict(),
  refund_tasks: z.object({ state: z.enum(REFUND_TASK_STATES).optional() }).strict(),
  adjustments: z.object({ state: z.enum(ADJUSTMENT_STATES).optional() }).strict(),
  alerts: z.object({ open: z.boolean().optional(), search: z.string().optional(), level: z.enum(ALERT_LEVELS).optional(), ...range }).strict(),
  jobs: z
    .object({ state: z.enum(JOB_STATES).optional(), queue: z.string().optional(), kind: z.string().optional(), routine: z.enum(['show', 'fold']).optional() })
    .strict(),
  audit: z.object(range).strict(),
} as const;

export type ListKind = keyof typeof LIST_FILTERS;
export const LIST_KINDS = Object.keys(LIST_FILTERS) as ListKind[];

export const LIST_TITLES: Record<ListKind, Record<Locale, string>> = {
  sessions: { 'zh-CN': '充电会话', 'en-US': 'Sessions' },
  orders: { 'zh-CN': '支付订单', 'en-US': 'Payment orders' },
  statement: { 'zh-CN': '司机账单', 'en-US': 'Driver statement' },
  refund_tasks: { 'zh-CN': '退款任务', 'en-US': 'Refund tasks' },
  adjustments: { 'zh-CN': '售后退款', 'en-US': 'Manual refunds' },
  alerts: { 'zh-CN': '告警', 'en-US': 'Alerts' },
  jobs: { 'zh-CN': '任务', 'en-US': 'Jobs' },
  audit: { 'zh-CN': '审计日志', 'en-US': 'Audit log' },
};

export interface ListExport<R = unknown> {
  columns: Column<R>[];
  rows: Iterable<R>;
}

const BIG = 1_000_000;

function bounds(app: AppContext, f: { from?: string; to?: string }): { from?: number; to?: number } {
  const zone = app.clock.timeZone;
  return { from: f.from ? dayStart(f.from, zone, 'from') : undefined, to: f.to ? dayEnd(f.to, zone, 'to') : undefined };
}

const H = (locale: Locale, zh: string, en: string) => (locale === 'zh-CN' ? zh : en);

/**
 * The numbers people quote (CD… for a session, DD… for an order) of the ids a list holds, read 500
 * at a time; an id the depot does not know stays as it is, never a blank.
 */
function numbersOf(app: AppContext, ids: Iterable<string | null>, read: (app: AppContext, ids: string[]) => Record<string, string>): (id: string) => string {
  const wanted = [...new Set([...ids].filter((x): x is string => Boolean(x)))];
  const known: Record<string, string> = {};
  for (let i = 0; i < wanted.length; i += 500) Object.assign(known, read(app, wanted.slice(i, i + 500)));
  return (id) => known[id] ?? id;
}

/** Drivers as the lists show them: name and masked phone, each driver read once. */
function driverText(app: AppContext): (id: string | null) => string {
  const labels = new Map<string, string>();
  return (id) => {
    if (!id) return '';
    let label = labels.get(id);
    if (label === undefined) {
      const c = driverContacts(app, [id]).get(id) ?? { name: id, phone: '' };
      labels.set(id, (label = `${c.name} ${maskPhone(c.phone)}`.trim()));
    }
    return label;
  };
}

function sessionsExport(app: AppContext, f: z.output<typeof LIST_FILTERS.sessions>, l: Locale): ListExport<SessionListRow> {
  const w = exportWording(l);
  const who = driverText(app);
  return {
    rows: iterateSessions(app, { state: f.state, chargerId: f.chargerId, driverId: f.driverId, number: f.number, ...bounds(app, f) }),
    columns: [
      { header: H(l, '订单编号', 'Number'), kind: 'text', value: (s) => s.number, width: 14 },
      { header: H(l, '状态', 'State'), kind: 'text', value: (s) => w.label('sessions.state.', s.state) },
      { header: H(l, '充电桩', 'Charger'), kind: 'text', value: (s) => `${s.chargerId}/${s.connectorId}` },
      { header: H(l, '司机', 'Driver'), kind: 'text', value: (s) => who(s.driverId), width: 24 },
      { header: H(l, '开始', 'Started'), kind: 'datetime', value: (s) => s.startedAt, width: 20 },
      { header: H(l, '结束', 'Stopped'), kind: 'datetime', value: (s) => s.stoppedAt, width: 20 },
      { header: H(l, '电量 (kWh)', 'Energy (kWh)'), kind: 'kwh', value: (s) => s.energyWh, total: true },
      { header: H(l, '金额', 'Amount'), kind: 'money', value: (s) => s.amountFen, total: true },
      { header: H(l, '电费', 'Electricity'), kind: 'money', value: (s) => s.electricityFen, total: true },
      { header: H(l, '服务费', 'Service'), kind: 'money', value: (s) => s.serviceFen, total: true },
      { header: H(l, '欠费', 'Debt'), kind: 'money', value: (s) => s.debtFen, total: true },
    ],
  };
}

function ordersExport(app: AppContext, f: z.output<typeof LIST_FILTERS.orders>, l: Locale): ListExport<OrderRow & { driverName: string; driverPhone: string }> {
  const w = exportWording(l);
  return {
    rows: iterateOrders(app, { state: f.state, channel: f.channel, driverId: f.driverId, search: f.search, ...bounds(app, f) }),
    columns: [
      { header: H(l, '订单号', 'Order'), kind: 'text', value: (o) => o.number, width: 22 },
      { header: H(l, '状态', 'State'), kind: 'text', value: (o) => w.label('payments.state.', o.state) },
      { header: H(l, '渠道', 'Channel'), kind: 'text', value: (o) => w.label('payments.channel.', o.channel) },
      { header: H(l, '司机', 'Driver'), kind: 'text', value: (o) => `${o.driverName} ${maskPhone(o.driverPhone)}`, width: 24 },
      { header: H(l, '创建时间', 'Created'), kind: 'datetime', value: (o) => o.createdAt, width: 20 },
      { header: H(l, '支付时间', 'Paid'), kind: 'datetime', value: (o) => o.paidAt, width: 20 },
      { header: H(l, '面额', 'Amount'), kind: 'money', value: (o) => o.amount, total: true },
      { header: H(l, '应付', 'Payable'), kind: 'money', value: (o) => o.payable, total: true },
      { header: H(l, '到账', 'Credited'), kind: 'money', value: (o) => o.credited, total: true },
      { header: H(l, '渠道交易号', 'Gateway trade'), kind: 'text', value: (o) => o.providerTradeNo, width: 30 },
    ],
  };
}

/**
 * A ledger key on a statement line (its own, or the one it reverses), for whoever traces it, with the
 * line's internal ids in it replaced by the numbers people quote: the session's CD number
 * (hold:CD00000042, settle:CD00000042#…), the order's DD number, and a collected debt by the number
 * of the session or order that left it (pay:DD…#collect:CD00000042), as the Ledger page's debts list
 * names a debt — a debt has no number of its own. An id with no number (a coupon, an adjustment, a
 * refund task, whose id is the out_refund_no the gateway knows) stays in the key as it is.
 */
type LineNumbers = { session(id: string): string; order(id: string): string; debt(id: string): string };
function keyText(key: string, x: StatementLine, number: LineNumbers): string {
  let text = key;
  for (const [id, of] of [
    [x.sessionId, number.session],
    [x.orderId, number.order],
    [x.debtId, number.debt],
  ] as const) {
    if (id) text = text.replaceAll(id, of(id));
  }
  return text;
}

function statementExport(app: AppContext, f: z.output<typeof LIST_FILTERS.statement>, l: Locale): ListExport<StatementLine> {
  const s = driverStatement(app, { driverId: f.driverId, from: f.from, to: f.to, limit: BIG });
  const w = exportWording(l);
  const debts = new Map(listDebts(app, { driverId: f.driverId, status: 'all', limit: BIG }).map((d) => [d.debtId, d]));
  const session = numbersOf(app, [...s.lines.map((x) => x.sessionId), ...[...debts.values()].map((d) => d.sessionId)], (a, ids) => sessionNumbers(a, ids));
  const order = numbersOf(app, [...s.lines.map((x) => x.orderId), ...[...debts.values()].map((d) => d.orderId)], (a, ids) => orderNumbersOf(a, ids));
  const debt = (id: string) => {
    const d = debts.get(id);
    return d?.sessionId ? session(d.sessionId) : d?.orderId ? order(d.orderId) : id;
  };
  const numbers: LineNumbers = { session, order, debt };
  // 关联单号 is what the statement on screen shows (lib/statementReference.ts): the business number, else empty; 流水号 keeps the key.
  const known = (of: (id: string) => string) => (id: string) => {
    const n = of(id);
    return n === id ? undefined : n;
  };
  const referenceNumbers: ReferenceNumbers = { session: known(session), order: known(order), debt: (id) => debts.get(id) };
  const reference = (x: StatementLine) => statementReference(x, referenceNumbers) ?? '';
  return {
    rows: s.lines,
    columns: [
      { header: H(l, '时间', 'At'), kind: 'datetime', value: (x) => x.at, width: 20 },
      { header: H(l, '类型', 'Code'), kind: 'text', value: (x) => w.transferCode(x.code) },
      { header: H(l, '账户', 'Account'), kind: 'text', value: (x) => w.label('ledger.account.', x.account) },
      { header: H(l, '变动', 'Change'), kind: 'money', value: (x) => (x.unit === 'CNY' ? x.amount : null), total: true },
      { header: H(l, '余额', 'Balance'), kind: 'money', value: (x) => (x.unit === 'CNY' ? x.balanceAfter : null) },
      { header: H(l, '关联单号', 'Reference'), kind: 'text', value: reference, width: 24 },
      { header: H(l, '备注', 'Memo'), kind: 'text', value: (x) => w.memo(x.memo, session), width: 44 },
      { header: H(l, '经办人', 'Operator'), kind: 'text', value: (x) => x.operatorName ?? '' },
      { header: H(l, '批次', 'Batch'), kind: 'int', value: (x) => x.batch },
      { header: H(l, '流水号', 'Transfer'), kind: 'text', value: (x) => keyText(x.transferId, x, numbers), width: 30 },
    ],
  };
}

function refundTasksExport(app: AppContext, f: z.output<typeof LIST_FILTERS.refund_tasks>, l: Locale): ListExport<RefundTaskRow> {
  const w = exportWording(l);
  return {
    rows: listTasks(app, { state: f.state, limit: BIG }),
    // Led by what an accountant looks a refund up by: the order it refunds (a refund task always refunds
    // a payment order; a session's refund goes to the wallet, with no task) and the gateway's refund number.
    columns: [
      { header: H(l, '订单号', 'Order'), kind: 'text', value: (t) => t.orderNumber, width: 22 },
      { header: H(l, '渠道退款单号', 'Gateway refund no.'), kind: 'text', value: (t) => t.providerRefundNo, width: 30 },
      { header: H(l, '来源', 'Source'), kind: 'text', value: (t) => w.label('refunds.task.source.', t.source) },
      { header: H(l, '状态', 'State'), kind: 'text', value: (t) => w.label('refunds.task.state.', t.state) },
      { header: H(l, '渠道', 'Channel'), kind: 'text', value: (t) => w.label('payments.channel.', t.channel) },
      { header: H(l, '金额', 'Amount'), kind: 'money', value: (t) => t.amount, total: true },
      { header: H(l, '尝试', 'Attempts'), kind: 'int', value: (t) => t.attempts },
      { header: H(l, '创建时间', 'Created'), kind: 'datetime', value: (t) => t.createdAt, width: 20 },
      { header: H(l, '完成时间', 'Completed'), kind: 'datetime', value: (t) => t.completedAt, width: 20 },
      { header: H(l, '原因', 'Reason'), kind: 'text', value: (t) => t.reason, width: 30 },
      // The task's own id, which the gateway was given as the merchant refund number (out_refund_no / out_request_no).
      { header: H(l, '任务编号（商户退款单号）', 'Task id (merchant refund no.)'), kind: 'text', value: (t) => t.id, width: 30 },
    ],
  };
}

function adjustmentsExport(app: AppContext, f: z.output<typeof LIST_FILTERS.adjustments>, l: Locale): ListExport<AdjustmentRow> {
  const rows = listAdjustments(app, { state: f.state, limit: BIG });
  const names = operatorNames(app, [...new Set(rows.flatMap((a) => [a.createdBy, a.resolvedBy]).filter((x): x is string => Boolean(x)))]);
  const who = (id: string | null) => (id ? (names.get(id) ?? id) : '');
  const w = exportWording(l);
  const session = numbersOf(
    app,
    rows.map((a) => a.sessionId),
    (a, ids) => sessionNumbers(a, ids),
  );
  const order = numbersOf(
    app,
    rows.map((a) => a.orderId),
    (a, ids) => orderNumbersOf(a, ids),
  );
  const driver = driverText(app);
  return {
    rows,
    columns: [
      { header: H(l, '编号', 'Number'), kind: 'text', value: (a) => a.id, width: 28 },
      { header: H(l, '状态', 'State'), kind: 'text', value: (a) => w.label('refunds.adj.state.', a.state) },
      { header: H(l, '对象', 'For'), kind: 'text', value: (a) => (a.sessionId ? session(a.sessionId) : a.orderId ? order(a.orderId) : ''), width: 22 },
      { header: H(l, '司机', 'Driver'), kind: 'text', value: (a) => driver(a.driverId), width: 24 },
      { header: H(l, '金额', 'Amount'), kind: 'money', value: (a) => a.amount, total: true },
      { header: H(l, '原因', 'Reason'), kind: 'text', value: (a) => a.reason, width: 30 },
      { header: H(l, '创建人', 'Created by'), kind: 'text', value: (a) => who(a.createdBy) },
      { header: H(l, '创建时间', 'Created'), kind: 'datetime', value: (a) => a.createdAt, width: 20 },
      { header: H(l, '处理人', 'Decided by'), kind: 'text', value: (a) => who(a.resolvedBy) },
      { header: H(l, '处理时间', 'Decided'), kind: 'datetime', value: (a) => a.resolvedAt, width: 20 },
    ],
  };
}

/**
 * Alerts and the audit log keep who acted by login name (the audit row hashed it); the lists say
 * the name people know them by, looked up once per login.
 */
function personByLogin(app: AppContext): (login: string | null) => string {
  const shown = new Map<string, string>();
  return (login) => {
    if (!login) return '';
    if (!shown.has(login)) {
      const id = operatorIdByName(app, login);
      shown.set(login, (id && operatorNames(app, [id]).get(id)) ?? login);
    }
    return shown.get(login)!;
  };
}

function alertsExport(app: AppContext, f: z.output<typeof LIST_FILTERS.alerts>, l: Locale): ListExport<Alert> {
  const w = exportWording(l);
  const person = personByLogin(app);
  return {
    rows: listAlerts(app, { open: f.open, search: f.search, level: f.level, ...bounds(app, f), limit: BIG, offset: 0 }).items,
    columns: [
      { header: H(l, '级别', 'Level'), kind: 'text', value: (a) => w.label('alerts.level.', a.level) },
      { header: H(l, '代码', 'Code'), kind: 'text', value: (a) => a.code, width: 26 },
      { header: H(l, '内容', 'Message'), kind: 'text', value: (a) => w.alert(a), width: 60 },
      { header: H(l, '次数', 'Count'), kind: 'int', value: (a) => a.count },
      { header: H(l, '首次', 'First'), kind: 'datetime', value: (a) => a.raisedAt, width: 20 },
      { header: H(l, '最近', 'Last'), kind: 'datetime', value: (a) => a.lastRaisedAt, width: 20 },
      { header: H(l, '确认时间', 'Acknowledged'), kind: 'datetime', value: (a) => a.acknowledgedAt, width: 20 },
      { header: H(l, '确认人', 'Acknowledged by'), kind: 'text', value: (a) => person(a.acknowledgedBy) },
      // When it cleared, by the depot itself or by a supervisor (解除原因 says which): not 自动解除.
      { header: H(l, '解除时间', 'Resolved at'), kind: 'datetime', value: (a) => a.resolvedAt, width: 20 },
      { header: H(l, '解除原因', 'Resolution'), kind: 'text', value: (a) => w.resolution(a), width: 40 },
    ],
  };
}

function jobsExport(app: AppContext, f: z.output<typeof LIST_FILTERS.jobs>, l: Locale): ListExport<JobSummary> {
  const w = exportWording(l);
  return {
    rows: listJobs(app, { ...f, limit: BIG, offset: 0 }).items,
    // Led by what the job is, in words (每日对账), as the Jobs page shows it; its id last, for whoever traces it.
    columns: [
      { header: H(l, '任务', 'Job'), kind: 'text', value: (j) => w.label('jobs.kind.', j.kind), width: 24 },
      { header: H(l, '状态', 'State'), kind: 'text', value: (j) => w.label('jobs.state.', j.state) },
      { header: H(l, '尝试', 'Attempt'), kind: 'int', value: (j) => j.attempt },
      { header: H(l, '计划时间', 'Scheduled'), kind: 'datetime', value: (j) => j.scheduledAt, width: 20 },
      // As the Jobs page shows it: the code the core gave the error ("[unavailable] …") in words; the record itself beside it.
      { header: H(l, '最近错误', 'Last error'), kind: 'text', value: (j) => (j.lastError ? w.jobError(j.lastError) : null), width: 24 },
      { header: H(l, '错误记录', 'Error record'), kind: 'text', value: (j) => j.lastError, width: 40 },
      { header: H(l, '任务编号', 'Job id'), kind: 'text', value: (j) => j.id, width: 28 },
    ],
  };
}

type AuditLine = AuditEntry & { inputText: string };

/**
 * The audit rows with their input worded as the audit screen words it (src-renderer/lib/auditInput.ts):
 * the sessions and orders it names by number, read for 500 rows at a time so the log still streams.
 */
function* auditLines(app: AppContext, rows: Iterable<AuditEntry>, w: ExportWording): Generator<AuditLine> {
  const worded = (chunk: AuditEntry[]): AuditLine[] => {
    const inputs = chunk.map((a) => parseAuditInput(a.inputSummary));
    const refs = chunk.map((a, i) => auditRefs(a.method, inputs[i]));
    const numbers = {
      session: numbersOf(
        app,
        refs.map((r) => r.sessionId ?? null),
        (a, ids) => sessionNumbers(a, ids),
      ),
      order: numbersOf(
        app,
        refs.map((r) => r.orderId ?? null),
        (a, ids) => orderNumbersOf(a, ids),
      ),
    };
    return chunk.map((a, i) => ({ ...a, inputText: w.auditInput(a.method, inputs[i], numbers) }));
  };
  let chunk: AuditEntry[] = [];
  for (const row of rows) {
    chunk.push(row);
    if (chunk.length === 500) {
      yield* worded(chunk);
      chunk = [];
    }
  }
  yield* worded(chunk);
}

function auditExport(app: AppContext, f: z.output<typeof LIST_FILTERS.audit>, l: Locale): ListExport<AuditLine> {
  const w = exportWording(l);
  const person = personByLogin(app);
  return {
    rows: auditLines(app, iterateAudit(app, bounds(app, f)), w),
    columns: [
      { header: H(l, '序号', 'Id'), kind: 'int', value: (a) => a.id },
      { header: H(l, '时间', 'At'), kind: 'datetime', value: (a) => a.at, width: 20 },
      { header: H(l, '操作员', 'Operator'), kind: 'text', value: (a) => (a.operatorName ? person(a.operatorName) : w.label('audit.', 'system')) },
      { header: H(l, '来源', 'Transport'), kind: 'text', value: (a) => w.label('audit.transport.', a.transport) },
      // The audit screen's words for the action (audit.action.<method>); a method they do not know yet stays as it is.
      { header: H(l, '操作', 'Action'), kind: 'text', value: (a) => w.label('audit.action.', a.method), width: 26 },
      // As the audit screen words it; an input with nothing it words is an empty cell (the screen shows —).
      { header: H(l, '输入', 'Input'), kind: 'text', value: (a) => a.inputText || null, width: 50 },
      { header: H(l, '结果', 'Result'), kind: 'text', value: (a) => (a.result === 'ok' ? w.label('audit.result.', 'ok') : w.label('error.', a.result)) },
      // The input as the row recorded it (secrets starred), as the screen's 完整记录 one click away: for whoever needs every field.
      { header: H(l, '完整记录', 'Full record'), kind: 'text', value: (a) => a.inputSummary, width: 50 },
    ],
  };
}

/** The rows and columns of one list export; the filter is checked against the list's schema (unknown keys refused). */
export function listExport(app: AppContext, kind: ListKind, filter: unknown, locale: Locale): ListExport<never> {
  const parsed = LIST_FILTERS[kind].safeParse(filter ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${['filter', ...i.path].join('.')}: ${i.message}${'keys' in i ? ` (${(i.keys as string[]).join(', ')})` : ''}`);
    throw Object.assign(new Error(issues.join('; ')), { issues });
  }
  const f = parsed.data as never;
  const make = {
    sessions: sessionsExport,
    orders: ordersExport,
    statement: statementExport,
    refund_tasks: refundTasksExport,
    adjustments: adjustmentsExport,
    alerts: alertsExport,
    jobs: jobsExport,
    audit: auditExport,
  }[kind];
  // Each maker checks its own filter type; the union is erased here, where the filter was parsed by the kind's schema.
  return (make as unknown as (a: AppContext, f: never, l: Locale) => ListExport<never>)(app, f, locale);
}
