import iconv from 'iconv-lite';
import { z } from 'zod';
import { DepotError } from '../../kernel/errors';
import { firstNonUtf8Line, isAscii, isValidUtf8, type TextEncoding } from './bytes';
import { parseCsvLines, type CsvRecord } from './csv';
import type { ParsedStatement } from './summary';
import { refuse, type Place, type StatementRow } from './types';
import { wallClockToEpoch, yuanToFen } from './values';

/**
 * Aggregators (聚合支付) send their own CSV, a different one each. A column mapping, chosen once
 * per channel and saved, says which header is which; the file is real CSV (quotes, embedded
 * commas and line breaks), so it is read by csv-parse and only the mapping is ours.
 */

const header = z.string().trim().min(1).max(100);

export const genericMappingSchema = z
  .strictObject({
    /** The aggregator, e.g. "拉卡拉"; becomes Statement.source. */
    name: z.string().trim().min(1).max(60),
    merchantId: z.string().trim().max(64).default(''),
    encoding: z.enum(['utf-8', 'gb18030']).default('utf-8'),
    delimiter: z.string().length(1).default(','),
    /** Lines before the header row (a title, an account line). */
    skipLines: z.number().int().min(0).max(50).default(0),
    /** Lines starting with this are skipped wherever they are (footers such as "#合计"). */
    commentPrefix: z.string().min(1).max(3).optional(),
    columns: z.strictObject({
      orderNo: header,
      amount: header,
      time: header,
      gatewayTradeNo: header.optional(),
      type: header.optional(),
      fee: header.optional(),
      refundNo: header.optional(),
      status: header.optional(),
      payer: header.optional(),
      product: header.optional(),
    }),
    /** Values of the type column; without a type column, a negative amount is a refund. */
    types: z.strictObject({ payment: z.array(z.string().min(1)).min(1), refund: z.array(z.string().min(1)).min(1) }).optional(),
    amountUnit: z.enum(['yuan', 'fen']).default('yuan'),
    timeFormat: z.enum(['yyyy-MM-dd HH:mm:ss', 'yyyy/MM/dd HH:mm:ss', 'yyyyMMddHHmmss', 'iso8601']).default('yyyy-MM-dd HH:mm:ss'),
    /** The zone the file's wall-clock times are in (ignored for iso8601, which carries its own). */
    utcOffset: z
      .string()
      .regex(/^[+-](0\d|1[0-4]):[0-5]\d$/)
      .default('+08:00'),
  })
  .refine((m) => (m.columns.type === undefined) === (m.types === undefined), {
    message: 'columns.type and types go together: name the type column and which of its values are payments and refunds',
    path: ['types'],
  });

export type GenericMapping = z.infer<typeof genericMappingSchema>;
export type GenericMappingInput = z.input<typeof genericMappingSchema>;

/** Validates a saved mapping; a bad one is `invalid_input` naming each offending field. */
export function parseGenericMapping(input: unknown): GenericMapping {
  const r = genericMappingSchema.safeParse(input);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({ field: `mapping.${i.path.join('.')}`, message: i.message }));
  throw new DepotError('invalid_input', `column mapping: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`, { field: issues[0].field, issues });
}

const TIME_PATTERNS: Record<Exclude<GenericMapping['timeFormat'], 'iso8601'>, RegExp> = {
  'yyyy-MM-dd HH:mm:ss': /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/,
  'yyyy/MM/dd HH:mm:ss': /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})$/,
  yyyyMMddHHmmss: /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/,
};
const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/;

function offsetMs(text: string): number {
  if (text === 'Z') return 0;
  const sign = text[0] === '-' ? -1 : 1;
  return sign * (Number(text.slice(1, 3)) * 60 + Number(text.slice(4, 6))) * 60_000;
}

function readTime(text: string, m: GenericMapping, column: string, place: Place): number {
  const iso = m.timeFormat === 'iso8601';
  const match = (iso ? ISO : TIME_PATTERNS[m.timeFormat as keyof typeof TIME_PATTERNS]).exec(text);
  const off = match ? offsetMs(iso ? match[7] : m.utcOffset) : 0;
  const t = match ? wallClockToEpoch(+match[1], +match[2], +match[3], +match[4], +match[5], +match[6], off) : undefined;
  if (t === undefined) throw refuse(place, 'bad_time', `${column} ${JSON.stringify(text)} is not a time in the format ${m.timeFormat}`, { column, value: text });
  return t;
}

function readMoney(text: string, m: GenericMapping, column: string, place: Place, maxDecimals: number): number {
  if (m.amountUnit === 'yuan') return yuanToFen(text, column, place, { maxDecimals, allowNegative: true });
  if (!/^-?\d{1,13}$/.test(text)) throw refuse(place, 'bad_amount', `${column} ${JSON.stringify(text)} is not a whole number of fen`, { column, value: text });
  const fen = Number(text);
  return fen === 0 ? 0 : fen;
}

function decodeText(bytes: Buffer, encoding: TextEncoding, file: string): string {
  if (encoding === 'utf-8') {
    if (!isValidUtf8(bytes))
      throw refuse({ file, line: firstNonUtf8Line(bytes) }, 'wrong_encoding', "is not valid UTF-8; if the file is GBK, set the mapping's encoding to gb18030");
    return bytes.toString('utf8');
  }
  if (!isAscii(bytes) && isValidUtf8(bytes)) {
    throw refuse({ file, line: 1 }, 'wrong_encoding', "the file is UTF-8 but the mapping says gb18030; fix the mapping's encoding", {
      expected: 'gb18030',
      found: 'utf-8',
    });
  }
  return iconv.decode(bytes, 'gb18030');
}

function readRecords(text: string, m: GenericMapping, file: string): CsvRecord[] {
  const comment = m.commentPrefix ? { comment: m.commentPrefix, comment_no_infix: true } : {};
  const options = { bom: true, delimiter: m.delimiter, from_line: m.skipLines + 1, relax_column_count: true, skip_empty_lines: true, ...comment };
  return parseCsvLines(text, options, file).map((r) => ({ values: r.values.map((v) => v.replace(/\t/g, '').trim()), line: r.line }));
}

type Columns = Record<keyof GenericMapping['columns'], number>;

function locateColumns(head: CsvRecord | undefined, m: GenericMapping, file: string): Columns {
  if (!head) throw refuse({ file }, 'truncated', 'the file has no header row');
  const idx = {} as Columns;
  const problems: string[] = [];
  for (const [key, name] of Object.entries(m.columns) as Array<[keyof Columns, string | undefined]>) {
    if (name === undefined) {
      idx[key] = -1;
      continue;
    }
    const at = head.values.indexOf(name);
    if (at < 0) problems.push(`no column ${name} (mapped as ${key})`);
    else if (head.values.indexOf(name, at + 1) >= 0) problems.push(`column ${name} appears twice`);
    idx[key] = at;
  }
  if (problems.length > 0) {
    const message = `the header does not fit the mapping "${m.name}": ${problems.join('; ')}; the header has ${head.values.join(', ')}`;
    throw refuse({ file, line: head.line }, 'unknown_header', message, { problems });
  }
  return idx;
}

function rowKind(v: string[], at: Columns, m: GenericMapping, amountFen: number, place: Place): 'payment' | 'refund' {
  if (!m.types) return amountFen < 0 ? 'refund' : 'payment';
  const t = v[at.type];
  if (m.types.payment.includes(t)) return 'payment';
  if (m.types.refund.includes(t)) return 'refund';
  const known = [...m.types.payment, ...m.types.refund].join(', ');
  throw refuse(place, 'bad_value', `${m.columns.type} ${JSON.stringify(t)} is none of the mapped types (${known})`, { column: m.columns.type, value: t });
}

function readRow(v: string[], at: Columns, m: GenericMapping, place: { file: string; line: number }): StatementRow {
  const c = m.columns;
  const opt = (i: number) => (i < 0 || v[i] === '' ? undefined : v[i]);
  const amountFen = readMoney(v[at.amount], m, c.amount, place, 2);
  const kind = rowKind(v, at, m, amountFen, place);
  const orderNo = v[at.orderNo];
  if (orderNo === '') throw refuse(place, 'bad_value', `${c.orderNo} is empty`, { column: c.orderNo });
  const refundNo = opt(at.refundNo);
  if (kind === 'refund' && at.refundNo >= 0 && refundNo === undefined) throw refuse(place, 'bad_value', `${c.refundNo} is empty on a refund row`, { column: c.refundNo });
  const feeText = opt(at.fee);
  return {
    line: place.line,
    kind,
    gatewayTradeNo: opt(at.gatewayTradeNo) ?? '',
    merchantOrderNo: orderNo,
    merchantRefundNo: kind === 'refund' ? refundNo : undefined,
    gatewayRefundNo: undefined,
    amountFen,
    orderAmountFen: undefined,
    feeFen: feeText === undefined ? 0 : readMoney(feeText, m, c.fee as string, place, 5),
    time: readTime(v[at.time], m, c.time, place),
    refundRequestedAt: undefined,
    refundedAt: undefined,
    status: opt(at.status) ?? 'SUCCESS',
    payer: opt(at.payer),
    product: opt(at.product),
  };
}

/** An aggregator's CSV read through its saved mapping. */
export function parseGenericCsv(bytes: Buffer, file: string, mapping: GenericMapping): ParsedStatement {
  const records = readRecords(decodeText(bytes, mapping.encoding, file), mapping, file);
  const [head, ...body] = records;
  const at = locateColumns(head, mapping, file);
  const rows = body.map((rec) => {
    const place = { file, line: rec.line };
    if (rec.values.length !== head.values.length) {
      throw refuse(place, 'field_count', `the row has ${rec.values.length} fields, the header has ${head.values.length}`, {
        fields: rec.values.length,
        expected: head.values.length,
      });
    }
    return readRow(rec.values, at, mapping, place);
  });
  return {
    channel: 'generic',
    layout: 'generic-csv',
    source: mapping.name,
    encoding: mapping.encoding,
    merchantId: mapping.merchantId,
    period: undefined,
    rows,
    declared: [],
    notes: ["an aggregator CSV has no summary of its own: the totals are the rows' sums, unchecked"],
    feesReconcilable: true,
  };
}
