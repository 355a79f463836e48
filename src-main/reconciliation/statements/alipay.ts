import iconv from 'iconv-lite';
import { formatFen } from '../../money';
import { hasUtf8Bom, isAscii, isValidUtf8 } from './bytes';
import { parseCsvLines, type CsvRecord } from './csv';
import { isListEnd, periodDates, readFooter, readPreamble, type AlipayFooter, type FooterTotals } from './alipay-frame';
import type { ParsedStatement } from './summary';
import { refuse, type DeclaredFigure, type StatementRow } from './types';
import { chinaTime, yuanToFen } from './values';

/**
 * The Alipay 业务明细 CSV: GB18030 text, `#` lines around a CSV block whose fields end in a TAB.
 * The block itself is parsed by csv-parse (`rtrim` drops the TAB before each comma, quoted fields
 * keep their commas); TABs are then stripped from every value, as the format doc says.
 */

/** Columns the reader needs, by header name (full-width parentheses, as Alipay prints them). */
const COLUMNS = {
  tradeNo: '支付宝交易号',
  orderNo: '商户订单号',
  type: '业务类型',
  product: '商品名称',
  created: '创建时间',
  finished: '完成时间',
  payer: '对方账户',
  orderAmount: '订单金额（元）',
  received: '商家实收（元）',
  discount: '商家优惠（元）',
  refundNo: '退款批次号/请求号',
  fee: '服务费（元）',
} as const;
type ColumnKey = keyof typeof COLUMNS;
const REQUIRED: ColumnKey[] = ['tradeNo', 'orderNo', 'type', 'finished', 'orderAmount', 'received', 'refundNo'];

/**
 * GB18030 is the only encoding an Alipay statement comes in. Chinese text in GB18030 is (in
 * practice) never valid UTF-8, so bytes that are valid UTF-8 and not plain ASCII mean someone
 * re-saved the file — and a spreadsheet that re-saves also turns long trade numbers into 2.088E+27.
 * Decoding it as GB18030 would give mojibake; it is refused instead.
 */
export function checkAlipayEncoding(bytes: Buffer, file: string): void {
  if (hasUtf8Bom(bytes) || (!isAscii(bytes) && isValidUtf8(bytes))) {
    throw refuse(
      { file, line: 1 },
      'wrong_encoding',
      'the file is UTF-8, but Alipay statements are GB18030 (GBK): it was re-saved by another program; import the original download',
      {
        expected: 'gb18030',
        found: 'utf-8',
      },
    );
  }
}

const clean = (v: string | undefined) => (v ?? '').replace(/\t/g, '').trim();
const normalizeName = (n: string) => clean(n).replace(/\(/g, '（').replace(/\)/g, '）');

function headerIndex(header: string, file: string, line: number): Record<ColumnKey, number> {
  const names = header.split(',').map(normalizeName);
  const idx = {} as Record<ColumnKey, number>;
  for (const key of Object.keys(COLUMNS) as ColumnKey[]) idx[key] = names.indexOf(COLUMNS[key]);
  const missing = REQUIRED.filter((k) => idx[k] < 0).map((k) => COLUMNS[k]);
  if (missing.length > 0) throw refuse({ file, line }, 'unknown_header', `not an Alipay 业务明细 header: missing ${missing.join(', ')}`, { missing });
  return idx;
}

interface Block {
  records: CsvRecord[];
  endIndex: number;
}

/** The CSV block between the column header and the end marker, with each record's file line. */
function readBlock(lines: readonly string[], headerAt: number, fieldCount: number, file: string): Block {
  let endIndex = headerAt + 1;
  while (endIndex < lines.length && !isListEnd(lines[endIndex])) endIndex++;
  if (endIndex >= lines.length) throw refuse({ file, line: lines.length }, 'truncated', 'the file ends before "#---业务明细列表结束---": it is truncated');
  const text = lines.slice(headerAt + 1, endIndex).join('\n');
  const parsed = parseCsvLines(text, { rtrim: true, relax_column_count: true, skip_empty_lines: true }, file, headerAt + 1);
  const records = parsed.map(({ values, line }) => {
    if (values.length !== fieldCount) {
      throw refuse({ file, line }, 'field_count', `the row has ${values.length} fields, the header has ${fieldCount}`, { fields: values.length, expected: fieldCount });
    }
    return { values: values.map(clean), line };
  });
  return { records, endIndex };
}

function readRow(v: string[], idx: Record<ColumnKey, number>, place: { file: string; line: number }): StatementRow {
  const type = v[idx.type];
  if (type !== '交易' && type !== '退款') throw refuse(place, 'bad_value', `业务类型 ${JSON.stringify(type)} is neither 交易 nor 退款`, { column: '业务类型' });
  const refund = type === '退款';
  const money = (key: ColumnKey, empty?: number) => {
    const text = idx[key] < 0 ? '' : v[idx[key]];
    if (text === '' && empty !== undefined) return empty;
    const fen = yuanToFen(text, COLUMNS[key], place, { maxDecimals: 5, allowNegative: true });
    if (key !== 'fee' && (refund ? fen > 0 : fen < 0)) {
      throw refuse(place, 'bad_amount', `${COLUMNS[key]} ${text} must be ${refund ? 'negative on a refund row' : 'positive on a payment row'}`, { column: COLUMNS[key] });
    }
    return fen;
  };
  const required = (key: ColumnKey) => {
    if (v[idx[key]] === '') throw refuse(place, 'bad_value', `${COLUMNS[key]} is empty`, { column: COLUMNS[key] });
    return v[idx[key]];
  };
  const finished = v[idx.finished] || (idx.created < 0 ? '' : v[idx.created]);
  return {
    line: place.line,
    kind: refund ? 'refund' : 'payment',
    gatewayTradeNo: required('tradeNo'),
    merchantOrderNo: required('orderNo'),
    merchantRefundNo: refund ? required('refundNo') : undefined,
    gatewayRefundNo: undefined,
    amountFen: money('received'),
    orderAmountFen: money('orderAmount'),
    feeFen: money('fee', 0),
    time: chinaTime(finished, COLUMNS.finished, place),
    refundRequestedAt: undefined,
    refundedAt: undefined,
    status: 'SUCCESS',
    payer: (idx.payer >= 0 && v[idx.payer]) || undefined,
    product: (idx.product >= 0 && v[idx.product]) || undefined,
  };
}

/** One footer line against the rows of its kind: count, 商家实收 and (where printed) 商家优惠. */
function checkTotals(t: FooterTotals, rows: StatementRow[], discounts: number, file: string): DeclaredFigure[] {
  const place = { file, line: t.line };
  const what = t.text.replace(/^#/, '').split(/[：:]/)[0];
  if (t.count !== rows.length) {
    throw refuse(place, 'summary_mismatch', `${what} says ${t.count}笔 but the list has ${rows.length}`, { label: what, printed: t.count, actual: rows.length });
  }
  const received = t.amounts.find((a) => a.label.includes('实收')) ?? t.amounts[0];
  const figures: DeclaredFigure[] = [{ label: `${what} 笔数`, printed: String(t.count), value: t.count }];
  const checks: Array<[typeof received, number]> = [[received, rows.reduce((s, r) => s + r.amountFen, 0)]];
  const discount = t.amounts.find((a) => a !== received && a.label.includes('优惠'));
  if (discount) checks.push([discount, discounts]);
  for (const [a, actual] of checks) {
    if (a === undefined) continue;
    if (a.fen !== actual) {
      throw refuse(place, 'summary_mismatch', `${what} ${a.label} says ${a.printed} but the rows add up to ${formatFen(actual)}`, {
        label: a.label,
        printed: a.printed,
        actual: formatFen(actual),
      });
    }
    figures.push({ label: `${what} ${a.label}`, printed: a.printed, value: a.fen });
  }
  return figures;
}

function checkFooter(
  footer: AlipayFooter,
  rows: StatementRow[],
  discounts: { payment: number; refund: number },
  file: string,
  lastLine: number,
): { declared: DeclaredFigure[]; notes: string[] } {
  if (!footer.payments) throw refuse({ file, line: lastLine }, 'truncated', 'the file has no "#交易合计" line: it is truncated');
  const declared = checkTotals(
    footer.payments,
    rows.filter((r) => r.kind === 'payment'),
    discounts.payment,
    file,
  );
  const refunds = rows.filter((r) => r.kind === 'refund');
  const notes: string[] = ['服务费 is reported as printed; its sign is not documented, so fees are not reconciled for Alipay'];
  if (footer.refunds) declared.push(...checkTotals(footer.refunds, refunds, discounts.refund, file));
  else if (refunds.length > 0) notes.push('no "#退款合计" line: the refund rows were not checked against a footer');
  return { declared, notes };
}

function discountSums(records: Block['records'], rows: StatementRow[], at: number, file: string): { payment: number; refund: number } {
  const sums = { payment: 0, refund: 0 };
  if (at < 0) return sums;
  records.forEach((rec, i) => {
    const text = rec.values[at];
    const fen = text === '' ? 0 : yuanToFen(text, COLUMNS.discount, { file, line: rec.line }, { maxDecimals: 2, allowNegative: true });
    sums[rows[i].kind] += fen;
  });
  return sums;
}

/** The bytes of a 业务明细 CSV (GB18030) → the statement's rows and checked totals. */
export function parseAlipayCsv(bytes: Buffer, file: string): ParsedStatement {
  checkAlipayEncoding(bytes, file);
  const lines = iconv.decode(bytes, 'gb18030').split(/\r?\n/);
  const pre = readPreamble(lines, file);
  const idx = headerIndex(lines[pre.headerIndex], file, pre.headerIndex + 1);
  const fieldCount = lines[pre.headerIndex].split(',').length;
  const block = readBlock(lines, pre.headerIndex, fieldCount, file);
  const rows = block.records.map((rec) => readRow(rec.values, idx, { file, line: rec.line }));
  const footer = readFooter(lines, block.endIndex + 1, file);
  const discounts = discountSums(block.records, rows, idx.discount, file);
  const { declared, notes } = checkFooter(footer, rows, discounts, file, lines.length);
  return {
    channel: 'alipay',
    layout: 'alipay-business',
    source: 'alipay',
    encoding: 'gb18030',
    merchantId: pre.account ?? '',
    period: pre.period,
    billDates: pre.period ? periodDates(pre.period) : undefined,
    rows,
    declared,
    notes,
    feesReconcilable: false,
  };
}
