import { refuse, type Place } from './types';
import { CHINA_OFFSET_MS, chinaDate, wallClockToEpoch, yuanToFen } from './values';
import { DAY_MS } from '../../kernel/clock';

/**
 * The `#` lines around Alipay's 业务明细 rows: the title, account and period above, the totals
 * below. They are written for people, in full-width punctuation, and their wording has changed
 * between versions, so they are read by pattern (`(\d+)笔`, `共(-?[\d.]+)元`), not by exact text.
 */

export const ALIPAY_TITLE = '#支付宝';
const LIST_START = '业务明细列表';
const LIST_END = '业务明细列表结束';

export interface AlipayPreamble {
  account: string | undefined;
  period: { start: number; end: number } | undefined;
  /** Index (0-based) of the column header line. */
  headerIndex: number;
}

const ACCOUNT = /^#账号[：:]\s*\[([^\]]*)\]/;
const PERIOD = /起始日期[：:]\s*\[([^\]]+)\].*终止日期[：:]\s*\[([^\]]+)\]/;
const CN_TIME = /^(\d{4})年(\d{2})月(\d{2})日\s*(\d{2}):(\d{2}):(\d{2})$/;

function cnTime(text: string, what: string, place: Place): number {
  const m = CN_TIME.exec(text.trim());
  const t = m ? wallClockToEpoch(+m[1], +m[2], +m[3], +m[4], +m[5], +m[6], CHINA_OFFSET_MS) : undefined;
  if (t === undefined) throw refuse(place, 'bad_time', `${what} ${JSON.stringify(text)} is not a time like "2024年03月01日 00:00:00"`);
  return t;
}

export function isListEnd(line: string): boolean {
  return line.startsWith('#') && line.includes(LIST_END);
}

/** Reads the `#` lines up to the column header; `lines` are already decoded, without line ends. */
export function readPreamble(lines: readonly string[], file: string): AlipayPreamble {
  let account: string | undefined;
  let period: AlipayPreamble['period'];
  let listStarted = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const place = { file, line: i + 1 };
    if (i === 0 && !line.startsWith(ALIPAY_TITLE)) throw refuse(place, 'unknown_header', `an Alipay statement starts with "${ALIPAY_TITLE}…"`);
    if (!line.startsWith('#')) {
      if (line.trim() === '') continue;
      if (!listStarted) throw refuse(place, 'unknown_header', `expected the "#---${LIST_START}---" line before the column header`);
      return { account, period, headerIndex: i };
    }
    const a = ACCOUNT.exec(line);
    if (a) account = a[1].trim();
    const p = PERIOD.exec(line);
    if (p) period = { start: cnTime(p[1], '起始日期', place), end: cnTime(p[2], '终止日期', place) };
    if (line.includes(LIST_START) && !line.includes(LIST_END)) listStarted = true;
  }
  throw refuse({ file, line: lines.length }, 'truncated', 'the file ends before the column header: it is truncated');
}

/** The China dates a period covers; an end at 00:00:00 belongs to the day before. */
export function periodDates(period: { start: number; end: number }): string[] {
  const dates: string[] = [];
  const last = chinaDate(Math.max(period.start, period.end - 1000));
  for (let t = period.start; dates.length < 400; t += DAY_MS) {
    const d = chinaDate(t);
    dates.push(d);
    if (d >= last) break;
  }
  return dates;
}

/** One footer line (#交易合计 / #退款合计): its count and its amounts by label (商家实收, 商家优惠 …). */
export interface FooterTotals {
  line: number;
  text: string;
  count: number;
  amounts: Array<{ label: string; printed: string; fen: number }>;
}

const COUNT = /(\d+)笔/;
const AMOUNT = /([^，,：:；;]*?)共(-?[\d.]+)元/g;

export function readFooterLine(text: string, place: { file: string; line: number }): FooterTotals {
  const c = COUNT.exec(text);
  if (!c) throw refuse(place, 'bad_value', `no count (N笔) in ${JSON.stringify(text)}`);
  const amounts = [...text.matchAll(AMOUNT)].map((m) => ({
    label: m[1].trim(),
    printed: m[2],
    fen: yuanToFen(m[2], m[1].trim() || 'total', place, { maxDecimals: 2, allowNegative: true }),
  }));
  return { line: place.line, text, count: Number(c[1]), amounts };
}

export interface AlipayFooter {
  payments: FooterTotals | undefined;
  refunds: FooterTotals | undefined;
}

/** Reads the lines after the list's end marker. */
export function readFooter(lines: readonly string[], from: number, file: string): AlipayFooter {
  const footer: AlipayFooter = { payments: undefined, refunds: undefined };
  for (let i = from; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    const place = { file, line: i + 1 };
    if (!line.startsWith('#')) throw refuse(place, 'bad_value', `unexpected text after the list: ${JSON.stringify(line.slice(0, 40))}`);
    if (line.includes('交易合计')) footer.payments = readFooterLine(line, place);
    else if (line.includes('退款合计')) footer.refunds = readFooterLine(line, place);
  }
  return footer;
}
