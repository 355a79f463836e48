import { decode, type TextEncoding } from './bytes';
import { refuse, type StatementRow } from './types';
import { chinaTime, chinaTimeFromBytes, fenFromBytes, yuanToFen, type YuanRules } from './values';
import type { WechatLayout } from './wechat-layouts';

/**
 * One WeChat detail row, read from the bytes of its line. A day's bill can hold a million rows,
 * so the row is split on the bytes ",`" (safe in UTF-8 and GBK alike: neither byte occurs inside
 * a multi-byte character) and only the fields kept are decoded, each into a string of its own —
 * a field cut from a decoded line would keep the whole line alive for as long as the row lives.
 */

/** Column positions, found by name once, so the loop indexes an array (-1: not in this layout). */
export interface Columns {
  time: number;
  merchant: number;
  tradeNo: number;
  orderNo: number;
  payer: number;
  status: number;
  currency: number;
  gatewayRefundNo: number;
  refundNo: number;
  refundStatus: number;
  product: number;
  refundRequestedAt: number;
  refundedAt: number;
}

export interface MoneyColumn {
  name: string;
  index: number;
  rules: YuanRules;
  total: number;
}

export interface RowReader {
  file: string;
  buf: Buffer;
  encoding: TextEncoding;
  layout: WechatLayout;
  fieldCount: number;
  col: Columns;
  money: MoneyColumn[];
  /** Positions in `money` of the amounts a row needs (-1 when the layout has no such column). */
  slot: { settlement: number; refund: number; fee: number; order: number };
  /** Start and end byte of each field of the current row. */
  bounds: Int32Array;
  /** The current row's amounts, in the order of `money`. */
  fen: Float64Array;
  merchant: Buffer | undefined;
  /** Repeated values (status, product) share one string. */
  interned: Map<string, string>;
  /** Per column, the last interned value and its bytes. */
  last: Array<{ bytes: Buffer; text: string } | undefined>;
}

export type RowPlace = { file: string; line: number };

const COMMA = 0x2c;
const BACKTICK = 0x60;
const SUCCESS = Buffer.from('SUCCESS');
const REFUND = Buffer.from('REFUND');
const CNY = Buffer.from('CNY');

/** Finds the fields of the line [start, stop); the count must be the header's. */
function split(r: RowReader, start: number, stop: number, place: RowPlace, lastLine: boolean): void {
  const { buf, bounds, fieldCount } = r;
  if (buf[start] !== BACKTICK) throw refuse(place, 'bad_value', 'the detail row must start with a backtick (`)');
  // A plain loop: Buffer#indexOf costs more per call than scanning the ~10 bytes of a field.
  let from = start + 1;
  let count = 0;
  for (let i = from; i < stop - 1; i++) {
    if (buf[i] !== COMMA || buf[i + 1] !== BACKTICK) continue;
    if (count < fieldCount) {
      bounds[2 * count] = from;
      bounds[2 * count + 1] = i;
    }
    count++;
    from = i + 2;
    i++;
  }
  if (count < fieldCount) {
    bounds[2 * count] = from;
    bounds[2 * count + 1] = stop;
  }
  count++;
  if (count !== fieldCount) {
    const truncated = count < fieldCount && lastLine;
    const hint = truncated ? ': the file is truncated' : count > fieldCount ? ' (a value probably contains ",`", which the bill does not escape)' : '';
    const message = `the detail row has ${count} fields, the header has ${fieldCount}${hint}`;
    throw refuse(place, truncated ? 'truncated' : 'field_count', message, { fields: count, expected: fieldCount });
  }
}

function text(r: RowReader, i: number): string {
  return i < 0 ? '' : decode(r.buf, r.bounds[2 * i], r.bounds[2 * i + 1], r.encoding);
}

function is(r: RowReader, i: number, value: Buffer): boolean {
  const a = r.bounds[2 * i];
  return value.compare(r.buf, a, r.bounds[2 * i + 1]) === 0;
}

/**
 * A repeated value (status, product name) as one shared string: compared as bytes with the last
 * value of its column first, so the common run of equal values decodes nothing.
 */
function interned(r: RowReader, i: number): string | undefined {
  const a = r.bounds[2 * i];
  const b = r.bounds[2 * i + 1];
  if (a === b) return undefined;
  const last = r.last[i];
  if (last !== undefined && last.bytes.compare(r.buf, a, b) === 0) return last.text;
  const s = decode(r.buf, a, b, r.encoding);
  const text = r.interned.get(s) ?? s;
  if (r.interned.size < 10_000) r.interned.set(text, text);
  r.last[i] = { bytes: Buffer.from(r.buf.subarray(a, b)), text };
  return text;
}

function required(r: RowReader, i: number, column: string, place: RowPlace): string {
  const v = text(r, i);
  if (v === '' || v === '0') throw refuse(place, 'bad_value', `${column} is empty`, { column });
  return v;
}

function time(r: RowReader, i: number, column: string, place: RowPlace): number {
  return chinaTimeFromBytes(r.buf, r.bounds[2 * i], r.bounds[2 * i + 1]) ?? chinaTime(text(r, i), column, place);
}

function optionalTime(r: RowReader, i: number, column: string, place: RowPlace): number | undefined {
  return i < 0 || r.bounds[2 * i] === r.bounds[2 * i + 1] ? undefined : time(r, i, column, place);
}

/** Parses every money column of the row (so a bad amount anywhere is caught) and adds it to its total. */
function amounts(r: RowReader, place: RowPlace): Float64Array {
  const { fen, money, buf, bounds } = r;
  for (let k = 0; k < money.length; k++) {
    const m = money[k];
    const v = fenFromBytes(buf, bounds[2 * m.index], bounds[2 * m.index + 1], m.rules) ?? yuanToFen(text(r, m.index), m.name, place, m.rules);
    fen[k] = v;
    m.total += v;
  }
  return fen;
}

function checkRow(r: RowReader, place: RowPlace): 'payment' | 'refund' {
  const { col } = r;
  if (!is(r, col.currency, CNY)) throw refuse(place, 'bad_value', `货币种类 ${JSON.stringify(text(r, col.currency))} is not CNY`, { column: '货币种类' });
  if (r.merchant === undefined) {
    required(r, col.merchant, '商户号', place);
    r.merchant = Buffer.from(r.buf.subarray(r.bounds[2 * col.merchant], r.bounds[2 * col.merchant + 1]));
  } else if (!is(r, col.merchant, r.merchant)) {
    throw refuse(place, 'merchant_mismatch', `商户号 ${text(r, col.merchant)} differs from the bill's ${decode(r.merchant, 0, r.merchant.length, r.encoding)}`);
  }
  const kind = is(r, col.status, SUCCESS) ? 'payment' : is(r, col.status, REFUND) ? 'refund' : undefined;
  if (kind === undefined) throw refuse(place, 'bad_value', `交易状态 ${JSON.stringify(text(r, col.status))} is neither SUCCESS nor REFUND`, { column: '交易状态' });
  if (r.layout.kinds !== 'both' && r.layout.kinds !== kind) throw refuse(place, 'bad_value', `a ${kind} row in a ${r.layout.title} bill`, { column: '交易状态' });
  return kind;
}

/** The row on the line [start, stop). */
export function readRow(r: RowReader, start: number, stop: number, place: RowPlace, lastLine: boolean): StatementRow {
  split(r, start, stop, place, lastLine);
  const fen = amounts(r, place);
  const kind = checkRow(r, place);
  const { col, slot } = r;
  const refund = kind === 'refund';
  return {
    line: place.line,
    kind,
    gatewayTradeNo: required(r, col.tradeNo, '微信订单号', place),
    merchantOrderNo: required(r, col.orderNo, '商户订单号', place),
    merchantRefundNo: refund ? required(r, col.refundNo, '商户退款单号', place) : undefined,
    gatewayRefundNo: refund ? required(r, col.gatewayRefundNo, '微信退款单号', place) : undefined,
    amountFen: refund ? fen[slot.refund] : fen[slot.settlement],
    orderAmountFen: slot.order < 0 ? undefined : fen[slot.order],
    feeFen: fen[slot.fee],
    time: time(r, col.time, '交易时间', place),
    refundRequestedAt: optionalTime(r, col.refundRequestedAt, '退款申请时间', place),
    refundedAt: optionalTime(r, col.refundedAt, '退款成功时间', place),
    status: refund ? (interned(r, col.refundStatus) ?? '') : 'SUCCESS',
    payer: text(r, col.payer) || undefined,
    product: interned(r, col.product),
  };
}
