import type { Wording } from '../i18n/wording';
import { displayFen } from './format';

/**
 * An audit row's input, read for a person (issue 16: the log showed the raw JSON). The row keeps
 * the input as recorded (JSON, secrets starred, cut at 1000 characters); this picks the fields an
 * operator asks about — which session or order, how much, why — and words them. The full record
 * stays one click away on the screen. Plain functions, no React: the audit log's export words its
 * input column with them too (src-main/reports/wording.ts).
 */

export type AuditInput = Record<string, unknown>;

/** The recorded input as an object; null when it is not one (cut short, or not an object). */
export function parseAuditInput(summary: string): AuditInput | null {
  try {
    const v: unknown = JSON.parse(summary);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as AuditInput) : null;
  } catch {
    return null;
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v : undefined);

/** The session and order the input names by id (sessions.stop names its session `id`). */
export function auditRefs(method: string, input: AuditInput | null): { sessionId?: string; orderId?: string } {
  if (!input) return {};
  return { sessionId: str(input.sessionId) ?? (method === 'sessions.stop' ? str(input.id) : undefined), orderId: str(input.orderId) };
}

const YUAN = /^(-?)(\d+)(?:\.(\d{1,2}))?$/;

/** Money as recorded: yuan text ("12.5") from a form, or fen (an integer) where the contract takes fen. */
function money(v: unknown, fen: boolean): string | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return displayFen(fen ? v : v * 100);
  const m = typeof v === 'string' ? YUAN.exec(v.trim()) : null;
  if (!m) return str(v);
  const value = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'));
  return displayFen(m[1] ? -value : value);
}

/** The numbers people quote (CD… for a session, DD… for an order) of the ids an input names. */
export type AuditNumbers = { session(id: string): string; order(id: string): string };
type Field = (input: AuditInput, w: Wording, numbers: AuditNumbers, method: string) => string | undefined;

/** The fields worded in the summary, in the order they are shown; the others are in the full record. */
const FIELDS: [key: string, value: Field][] = [
  ['sessionId', (i, _w, n, m) => auditRefs(m, i).sessionId && n.session(auditRefs(m, i).sessionId!)],
  ['orderId', (i, _w, n) => str(i.orderId) && n.order(str(i.orderId)!)],
  ['chargerId', (i) => str(i.chargerId)],
  ['code', (i, w) => str(i.code) && (w.maybe(`risk.rule.${String(i.code)}`) ?? String(i.code))],
  ['name', (i) => str(i.name)],
  ['amount', (i) => money(i.amount, false)],
  ['price', (i) => money(i.price, false)],
  ['credited', (i) => money(i.credited, false)],
  ['couponAmount', (i) => money(i.couponAmount, false)],
  // compensation.approve confirms the dry run's total, which the contract takes in fen.
  ['total', (i) => money(i.total, true)],
  ['points', (i) => (typeof i.points === 'number' ? String(i.points) : undefined)],
  ['drivers', (i) => (typeof i.drivers === 'number' ? String(i.drivers) : undefined)],
  ['date', (i) => str(i.date) ?? str(i.day)],
  ['reason', (i) => str(i.reason)],
  ['note', (i) => str(i.note)],
  ['memo', (i) => str(i.memo)],
];

/** "充电订单 CD00000002 · 金额 ¥3.50 · 原因 启动失败补偿": what the action was about, in words; '' when nothing known is there. */
export function auditInputText(w: Wording, method: string, input: AuditInput | null, numbers: AuditNumbers): string {
  if (!input) return '';
  return FIELDS.flatMap(([key, value]) => {
    const v = value(input, w, numbers, method);
    return v ? [`${w.maybe(`audit.field.${key}`) ?? key} ${v}`] : [];
  }).join(' · ');
}

/** One field of a recorded input as the details view shows it: its label and its value, in words. */
export type AuditLine = { key: string; label: string; value: string };

/** What summarizeInput (src-main/operators/audit.ts) puts in place of a secret. */
const STARRED = '***';

/** A value as a value: yes/no, a list, nested settings as "label value · …"; never JSON. */
function plain(w: Wording, v: unknown): string {
  if (v === STARRED) return '•••';
  if (typeof v === 'boolean') return w.t(v ? 'audit.value.yes' : 'audit.value.no');
  if (Array.isArray(v)) return v.map((x) => plain(w, x)).join(w.t('audit.value.listSeparator'));
  if (typeof v === 'object' && v !== null) {
    return Object.entries(v)
      .filter(([, x]) => x !== null && x !== undefined)
      .map(([k, x]) => `${w.maybe(`audit.field.${k}`) ?? k} ${plain(w, x)}`)
      .join(' · ');
  }
  return String(v);
}

/**
 * Every field of a recorded input, for the row's details (issue 16: they showed the JSON): labels
 * in the operator's language, the summary's wording where it has one (sessions and orders by
 * number, money in yuan), a starred secret as •••. Empty fields are left out; a record cut at 1000
 * characters (null input) has no fields to show.
 */
export function auditInputLines(w: Wording, method: string, input: AuditInput | null, numbers: AuditNumbers): AuditLine[] {
  if (!input) return [];
  const worded = new Map(FIELDS);
  return Object.entries(input).flatMap(([key, v]): AuditLine[] => {
    if (v === null || v === undefined || v === '') return [];
    const value = (v !== STARRED && worded.get(key)?.(input, w, numbers, method)) || plain(w, v);
    return [{ key, label: w.maybe(`audit.field.${key}`) ?? key, value }];
  });
}
