import { createHash } from 'node:crypto';
import { MAX_AMOUNT_FEN } from '../../money';
import { refuse, type Place } from './types';

/**
 * Field values as the gateways print them. Money is read digit by digit into integer fen (the
 * integer and fraction digits are each exact in a double, and so is their combination below
 * MAX_AMOUNT_FEN); no yuan value is ever a float. Times are wall-clock China time.
 */

const YUAN = /^(-)?(\d{1,12})(?:\.(\d{1,8}))?$/;

export interface YuanRules {
  /** Decimals the column is printed with (2 for amounts, 5 for WeChat's 手续费). */
  maxDecimals: number;
  allowNegative: boolean;
}

/**
 * "45.60" → 4560, "-0.27000" → -27. Digits below the fen must be zeros: the doc says such columns
 * are already rounded to the fen, so a non-zero digit there means we misread the file, and
 * rounding it away would hide that.
 */
export function yuanToFen(text: string, column: string, place: Place, rules: YuanRules): number {
  const m = YUAN.exec(text);
  const bad = (why: string) => refuse(place, 'bad_amount', `${column} ${JSON.stringify(text)} ${why}`, { column, value: text });
  if (!m) throw bad('is not an amount in yuan');
  const [, minus, whole, frac = ''] = m;
  if (frac.length > rules.maxDecimals) throw bad(`has more than ${rules.maxDecimals} decimals`);
  if (frac.length > 2 && !/^0*$/.test(frac.slice(2))) throw bad('has a fraction of a fen');
  const fen = Number(whole) * 100 + Number(frac.slice(0, 2).padEnd(2, '0'));
  if (fen > MAX_AMOUNT_FEN) throw bad('is too large');
  if (minus && fen !== 0 && !rules.allowNegative) throw bad('must not be negative');
  return minus && fen !== 0 ? -fen : fen;
}

/**
 * yuanToFen's fast path, straight from the bytes of a field (a bill has millions of amounts).
 * Undefined for anything but a plain amount within the rules; the caller then reads the field as
 * text with yuanToFen, which refuses it with the reason.
 */
export function fenFromBytes(buf: Uint8Array, a: number, b: number, rules: YuanRules): number | undefined {
  let i = a;
  const negative = i < b && buf[i] === 0x2d;
  if (negative) i++;
  const wholeStart = i;
  let whole = 0;
  for (; i < b && buf[i] >= 0x30 && buf[i] <= 0x39; i++) whole = whole * 10 + buf[i] - 0x30;
  if (i === wholeStart || i - wholeStart > 12) return undefined;
  let frac = 0;
  if (i < b) {
    if (buf[i] !== 0x2e || b - i - 1 < 1 || b - i - 1 > rules.maxDecimals) return undefined;
    for (let k = i + 1; k < b; k++) {
      const d = buf[k] - 0x30;
      if (d < 0 || d > 9 || (k - i > 2 && d !== 0)) return undefined;
      if (k - i <= 2) frac += d * (k - i === 1 ? 10 : 1);
    }
  }
  const fen = whole * 100 + frac;
  if (fen > MAX_AMOUNT_FEN || (negative && fen !== 0 && !rules.allowNegative)) return undefined;
  return negative && fen !== 0 ? -fen : fen;
}

/** China has kept UTC+08:00 all year since 1991: every gateway time is printed in it, with no zone. */
export const CHINA_OFFSET_MS = 8 * 3_600_000;

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Epoch ms of a wall-clock time at a UTC offset, or undefined if the fields are no real time. */
export function wallClockToEpoch(y: number, mo: number, d: number, h: number, mi: number, s: number, offsetMs: number): number | undefined {
  if (mo < 1 || mo > 12 || d < 1 || d > DAYS_IN_MONTH[mo - 1] || h > 23 || mi > 59 || s > 59) return undefined;
  if (mo === 2 && d === 29 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0))) return undefined;
  return Date.UTC(y, mo - 1, d, h, mi, s) - offsetMs;
}

const DASHED = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/** "2024-03-01 09:15:00" China time → epoch ms. */
export function chinaTime(text: string, column: string, place: Place): number {
  const m = DASHED.exec(text);
  const t = m ? wallClockToEpoch(+m[1], +m[2], +m[3], +m[4], +m[5], +m[6], CHINA_OFFSET_MS) : undefined;
  if (t === undefined) {
    throw refuse(place, 'bad_time', `${column} ${JSON.stringify(text)} is not a time like "2024-03-01 09:15:00"`, { column, value: text });
  }
  return t;
}

function digits(buf: Uint8Array, from: number, n: number): number {
  let v = 0;
  for (let k = from; k < from + n; k++) {
    const d = buf[k] - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** chinaTime's fast path from bytes; undefined for anything else (then read it as text for the error). */
export function chinaTimeFromBytes(buf: Uint8Array, a: number, b: number): number | undefined {
  if (b - a !== 19 || buf[a + 4] !== 0x2d || buf[a + 7] !== 0x2d || buf[a + 10] !== 0x20 || buf[a + 13] !== 0x3a || buf[a + 16] !== 0x3a) return undefined;
  const [y, mo, d, h, mi, s] = [digits(buf, a, 4), digits(buf, a + 5, 2), digits(buf, a + 8, 2), digits(buf, a + 11, 2), digits(buf, a + 14, 2), digits(buf, a + 17, 2)];
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || s < 0) return undefined;
  return wallClockToEpoch(y, mo, d, h, mi, s, CHINA_OFFSET_MS);
}

/** The China-time calendar date of an epoch ms, "yyyy-MM-dd". */
export function chinaDate(epochMs: number): string {
  return new Date(epochMs + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
