import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import iconv from 'iconv-lite';
import { isDepotError, type DepotError } from '../../src-main/kernel/errors';
import { detectAndParse, parseGenericMapping, type GenericMappingInput, type Statement } from '../../src-main/reconciliation/statements';
import {
  ALIPAY_ACCOUNT,
  ALIPAY_DETAIL_NAME,
  ALIPAY_HEADER,
  MCH_ID,
  WECHAT_HEADERS,
  alipayBytes,
  alipayPayment,
  alipayRefund,
  alipayText,
  alipayZip,
  gzip,
  wechatBytes,
  wechatPayment,
  wechatRefund,
  wechatText,
  type WechatBillSpec,
} from './fixtures';

/** Beijing wall-clock text → epoch ms, the way a person reads the bill. */
const cn = (text: string) => Date.parse(`${text.replace(' ', 'T')}+08:00`);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function refusal(p: Promise<unknown>): Promise<DepotError & { details: { reason: string; line?: number } }> {
  try {
    await p;
  } catch (e) {
    if (isDepotError(e)) return e as DepotError & { details: { reason: string; line?: number } };
    throw e;
  }
  throw new Error('the file was accepted; it should have been refused');
}

const wechat = (spec: WechatBillSpec, name = 'wechat-20240301.csv') => detectAndParse(wechatBytes(spec), name);

/** A day at the depot: two payments (one with a merchant coupon, one just after midnight) and a refund, out of time order. */
const DAY: WechatBillSpec = {
  rows: [
    wechatRefund({ 交易时间: '2024-03-01 12:00:00', 退款状态: 'PROCESSING' }),
    wechatPayment(),
    wechatPayment({
      交易时间: '2024-03-01 00:10:00',
      微信订单号: '4200001234202403011234567891',
      商户订单号: 'DD20240301000003',
      应结订单金额: '45.60',
      订单金额: '50.60',
      手续费: '0.27000',
    }),
  ],
};

describe('WeChat Pay trade bill', () => {
  it('reads a day of the ALL bill into exact fen, China times and checked totals', async () => {
    const bytes = wechatBytes(DAY);
    const s = await detectAndParse(bytes, 'wechat-20240301.csv');
    expect(s).toMatchObject({ channel: 'wechat', layout: 'wechat-all', merchantId: MCH_ID, encoding: 'utf-8', compression: 'none' });
    expect(s.fileSha256).toBe(sha(bytes));
    // 00:10 Beijing is still the previous day in UTC: the bill's date is the Beijing one.
    expect(s.billDates).toEqual(['2024-03-01']);
    expect(s.rows.map((r) => [r.line, r.kind, r.merchantOrderNo, r.amountFen, r.feeFen, r.time])).toEqual([
      [2, 'refund', 'DD20240301000001', 3000, -18, cn('2024-03-01 12:00:00')],
      [3, 'payment', 'DD20240301000001', 10000, 60, cn('2024-03-01 09:15:00')],
      [4, 'payment', 'DD20240301000003', 4560, 27, cn('2024-03-01 00:10:00')],
    ]);
    expect(s.rows[0]).toMatchObject({
      merchantRefundNo: 'RF20240301000001',
      gatewayRefundNo: '50300000012024030112345678901',
      gatewayTradeNo: '4200001234202403011234567890',
      status: 'PROCESSING',
      payer: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
    });
    expect(s.rows[2]).toMatchObject({ orderAmountFen: 5060, merchantRefundNo: undefined, gatewayRefundNo: undefined, status: 'SUCCESS' });
    expect(s.summary).toMatchObject({ count: 3, paymentCount: 2, refundCount: 1, paymentTotalFen: 14560, refundTotalFen: 3000, netFen: 11560 });
    expect(s.summary.declared.map((d) => [d.label, d.printed, d.value])).toEqual([
      ['总交易单数', '3', 3],
      ['应结订单总金额', '145.60', 14560],
      ['退款总金额', '30.00', 3000],
      ['充值券退款总金额', '0.00', 0],
      ['手续费总金额', '0.69000', 69],
      ['订单总金额', '150.60', 15060],
      ['申请退款总金额', '30.00', 3000],
    ]);
    expect(s.fees).toEqual({ totalFen: 69, paymentFeesFen: 87, refundFeesFen: -18, reconcilable: true });
  });

  it('keeps unescaped commas in 商品名称 and a JSON 商户数据包, because it splits only on ",`"', async () => {
    const attach = '{"station":"A1","connector":2,"kwh":"31.5"}';
    const s = await wechat({ rows: [wechatPayment({ 商品名称: '充电费,A区,2号桩', 商户数据包: attach })] });
    expect(s.rows[0]).toMatchObject({ product: '充电费,A区,2号桩', amountFen: 10000, feeFen: 60 });
  });

  it('refuses a row whose free text holds ",`" (the field count no longer fits), naming the line', async () => {
    const e = await refusal(wechat({ rows: [wechatPayment(), wechatPayment({ 商品名称: '充电费,`A区' })] }));
    expect(e.code).toBe('invalid_input');
    expect(e.details).toMatchObject({ reason: 'field_count', line: 3, fields: 28, expected: 27 });
    expect(e.message).toBe(
      'wechat-20240301.csv line 3: the detail row has 28 fields, the header has 27 (a value probably contains ",`", which the bill does not escape)',
    );
  });

  it('reads a BOM and LF line ends exactly as it reads CRLF without a BOM', async () => {
    const plain = await wechat(DAY);
    const bomLf = await wechat({ ...DAY, bom: true, eol: '\n' });
    expect(bomLf.rows).toEqual(plain.rows);
    expect(bomLf.summary).toEqual(plain.summary);
  });

  it('unpacks a gzip download; the hash is of the .gz bytes as given', async () => {
    const gz = gzip(wechatBytes(DAY));
    const s = await detectAndParse(gz, 'wechat-20240301.csv.gz');
    expect(s.compression).toBe('gzip');
    expect(s.fileSha256).toBe(sha(gz));
    expect(s.rows).toEqual((await wechat(DAY)).rows);
  });

  it('reads the SUCCESS layout (20 columns, payments only)', async () => {
    const s = await wechat({ kind: 'success', rows: [wechatPayment(), wechatPayment({ 商户订单号: 'DD2', 应结订单金额: '0.01', 手续费: '0.00000' })] });
    expect(s.layout).toBe('wechat-success');
    expect(s.rows.map((r) => [r.kind, r.amountFen, r.feeFen])).toEqual([
      ['payment', 10000, 60],
      ['payment', 1, 0],
    ]);
    expect(s.summary.paymentTotalFen).toBe(10001);
  });

  it('reads the REFUND layout (29 columns) with its refund request and success times; a refund still PROCESSING has no success time', async () => {
    const rows = [wechatRefund(), wechatRefund({ 商户退款单号: 'RF2', 退款金额: '12.34', 手续费: '-0.07000', 退款状态: 'PROCESSING', 退款成功时间: '' })];
    const s = await wechat({ kind: 'refund', rows });
    expect(s.layout).toBe('wechat-refund');
    expect(s.rows.map((r) => [r.kind, r.merchantRefundNo, r.amountFen, r.feeFen, r.status, r.refundRequestedAt, r.refundedAt])).toEqual([
      ['refund', 'RF20240301000001', 3000, -18, 'SUCCESS', cn('2024-03-01 18:00:00'), cn('2024-03-01 18:00:05')],
      ['refund', 'RF2', 1234, -7, 'PROCESSING', cn('2024-03-01 18:00:00'), undefined],
    ]);
    expect(s.summary).toMatchObject({ refundTotalFen: 4234, paymentCount: 0 });
  });

  it('reads the legacy 24-column layout: 总金额 is the payment amount and its summary says 总交易额', async () => {
    const s = await wechat({ kind: 'legacy', rows: [wechatPayment({ 应结订单金额: '88.80' }), wechatRefund({ 退款金额: '8.80', 手续费: '-0.05000' })] });
    expect(s.layout).toBe('wechat-legacy');
    expect(s.rows.map((r) => [r.kind, r.amountFen, r.orderAmountFen, r.feeFen])).toEqual([
      ['payment', 8880, undefined, 60],
      ['refund', 880, undefined, -5],
    ]);
    expect(s.summary.declared.map((d) => d.label)).toEqual(['总交易单数', '总交易额', '总退款金额', '总代金券或立减优惠退款金额', '手续费总金额']);
  });

  it('finds every value by its header name: a bill with reordered columns reads the same', async () => {
    const names = WECHAT_HEADERS.all.split(',');
    const reordered = [...names.slice(12), ...names.slice(0, 12)].join(',');
    const s = await wechat({ ...DAY, header: reordered });
    expect(s.rows).toEqual((await wechat(DAY)).rows);
  });

  it('reads a historical GBK bill and says so', async () => {
    const s = await detectAndParse(wechatBytes(DAY, 'gbk'), 'old.csv');
    expect(s.encoding).toBe('gb18030');
    expect(s.rows.map((r) => r.product)).toEqual(['充电费', '充电费', '充电费']);
    expect(s.notes[0]).toMatch(/GBK/);
  });

  it('reads a day without transactions, dated by its file name', async () => {
    const s = await wechat({ rows: [] }, 'wechat_1900000109_2024-03-05.csv');
    expect(s.rows).toEqual([]);
    expect(s.billDates).toEqual(['2024-03-05']);
    expect(s.summary.netFen).toBe(0);
  });

  it('refuses a summary whose 总交易单数 is not the number of rows', async () => {
    const e = await refusal(wechat({ ...DAY, summary: { 总交易单数: '4' } }));
    expect(e.details).toMatchObject({ reason: 'summary_mismatch', line: 6 });
    expect(e.message).toBe('wechat-20240301.csv line 6: 总交易单数 says 4 rows but the bill has 3 detail rows');
  });

  it('refuses a summary total that is not the sum of its column', async () => {
    const e = await refusal(wechat({ ...DAY, summary: { 应结订单总金额: '145.61' } }));
    expect(e.details).toMatchObject({ reason: 'summary_mismatch', line: 6, label: '应结订单总金额', actual: '145.60' });
    expect(e.message).toContain("应结订单总金额 says 145.61 but the detail rows' 应结订单金额 add up to 145.60");
    const fee = await refusal(wechat({ ...DAY, summary: { 手续费总金额: '0.87000' } }));
    expect(fee.message).toContain("手续费总金额 says 0.87 but the detail rows' 手续费 add up to 0.69");
  });

  it('refuses a file cut off inside a row, after the rows, or inside its gzip', async () => {
    const text = wechatText(DAY);
    const midRow = text.slice(0, text.indexOf('充电费', text.indexOf('DD20240301000003')));
    const a = await refusal(detectAndParse(Buffer.from(midRow), 'cut.csv'));
    expect(a.details).toMatchObject({ reason: 'truncated', line: 4 });
    expect(a.message).toBe('cut.csv line 4: the detail row has 21 fields, the header has 27: the file is truncated');
    const noSummary = text.slice(0, text.indexOf('总交易单数'));
    const b = await refusal(detectAndParse(Buffer.from(noSummary), 'cut.csv'));
    expect(b.details).toMatchObject({ reason: 'truncated', line: 5 });
    expect(b.message).toContain('ends without the summary');
    const gz = gzip(Buffer.from(text));
    const c = await refusal(detectAndParse(gz.subarray(0, gz.length - 30), 'cut.csv.gz'));
    expect(c.details).toMatchObject({ reason: 'truncated' });
    expect(c.message).toBe('cut.csv.gz: the gzip file is truncated (it ends before its data does); download it again');
  });

  it('refuses a row with a missing field, naming its line', async () => {
    const text = wechatText(DAY).replace(',`JSAPI', '');
    const e = await refusal(detectAndParse(Buffer.from(text), 'bill.csv'));
    expect(e.details).toMatchObject({ reason: 'field_count', line: 2, fields: 26, expected: 27 });
  });

  it('refuses a bad amount, and a fee with a fraction of a fen rather than rounding it', async () => {
    const a = await refusal(wechat({ rows: [wechatPayment(), wechatPayment({ 应结订单金额: '12.3.4' })] }));
    expect(a.details).toMatchObject({ reason: 'bad_amount', line: 3, column: '应结订单金额' });
    expect(a.message).toBe('wechat-20240301.csv line 3: 应结订单金额 "12.3.4" is not an amount in yuan');
    const b = await refusal(wechat({ rows: [wechatPayment({ 手续费: '0.27500' })] }));
    expect(b.message).toBe('wechat-20240301.csv line 2: 手续费 "0.27500" has a fraction of a fen');
    const c = await refusal(wechat({ rows: [wechatPayment({ 应结订单金额: '-1.00' })] }));
    expect(c.message).toContain('must not be negative');
  });

  it('refuses a time that is not on the calendar', async () => {
    const e = await refusal(wechat({ rows: [wechatPayment({ 交易时间: '2024-02-30 10:00:00' })] }));
    expect(e.details).toMatchObject({ reason: 'bad_time', line: 2, column: '交易时间' });
    const f = await refusal(wechat({ rows: [wechatPayment({ 交易时间: '2024/03/01 10:00' })] }));
    expect(f.message).toBe('wechat-20240301.csv line 2: 交易时间 "2024/03/01 10:00" is not a time like "2024-03-01 09:15:00"');
  });

  it('refuses a header it does not know, naming the unknown and missing columns', async () => {
    const header = WECHAT_HEADERS.all.replace('应结订单金额', '结算金额');
    const e = await refusal(wechat({ ...DAY, header }));
    expect(e.details).toMatchObject({ reason: 'unknown_header', line: 1, unknown: ['结算金额'], missing: ['应结订单金额'] });
    expect(e.message).toBe('wechat-20240301.csv line 1: not a known WeChat bill header (closest: ALL; unknown column(s) 结算金额; missing 应结订单金额)');
  });

  it('refuses a UTF-8 bill with a broken byte, at the line where it breaks', async () => {
    const bytes = wechatBytes(DAY);
    const at = bytes.indexOf(Buffer.from('充电费'), bytes.indexOf(Buffer.from('DD20240301000003')));
    bytes[at] = 0xff;
    const e = await refusal(detectAndParse(bytes, 'bill.csv'));
    expect(e.details).toMatchObject({ reason: 'wrong_encoding', line: 4 });
  });

  it('refuses rows of another merchant and of another currency', async () => {
    const a = await refusal(wechat({ rows: [wechatPayment(), wechatPayment({ 商户号: '1900000110' })] }));
    expect(a.details).toMatchObject({ reason: 'merchant_mismatch', line: 3 });
    const b = await refusal(wechat({ rows: [wechatPayment({ 货币种类: 'USD' })] }));
    expect(b.message).toBe('wechat-20240301.csv line 2: 货币种类 "USD" is not CNY');
    const c = await refusal(detectAndParse(wechatBytes(DAY), 'bill.csv', { expectMerchantId: '1900000999' }));
    expect(c.details).toMatchObject({ reason: 'merchant_mismatch' });
  });

  it('gives the same statement for the same bytes', async () => {
    expect(await wechat(DAY)).toEqual(await wechat(DAY));
  });
});

/** A day on Alipay: two payments and a partial refund of the first. */
const ALIPAY_DAY = {
  rows: [
    alipayPayment(),
    alipayPayment({ tradeNo: '2024030122001400001234567891', orderNo: 'DD20240301000004', orderAmount: '35.50', received: '30.50', discount: '5.00', fee: '-0.18' }),
    alipayRefund(),
  ],
};

describe('Alipay 业务明细', () => {
  it('reads the ZIP with GBK entry names: TABs stripped, refunds negative, totals checked', async () => {
    const zipBytes = alipayZip(alipayBytes(ALIPAY_DAY));
    const s = await detectAndParse(zipBytes, 'alipay.zip');
    expect(s).toMatchObject({ channel: 'alipay', layout: 'alipay-business', compression: 'zip', encoding: 'gb18030', merchantId: ALIPAY_ACCOUNT });
    expect(s.entryName).toBe(ALIPAY_DETAIL_NAME);
    expect(s.fileSha256).toBe(sha(zipBytes));
    expect(s.period).toEqual({ start: cn('2024-03-01 00:00:00'), end: cn('2024-03-02 00:00:00') });
    expect(s.billDates).toEqual(['2024-03-01']);
    expect(s.rows.map((r) => [r.line, r.kind, r.gatewayTradeNo, r.merchantOrderNo, r.merchantRefundNo, r.amountFen, r.orderAmountFen, r.feeFen, r.time])).toEqual([
      [6, 'payment', '2024030122001400001234567890', 'DD20240301000002', undefined, 20000, 20000, -120, cn('2024-03-01 10:00:03')],
      [7, 'payment', '2024030122001400001234567891', 'DD20240301000004', undefined, 3050, 3550, -18, cn('2024-03-01 10:00:03')],
      [8, 'refund', '2024030122001400001234567890', 'DD20240301000002', 'RF20240301000002', -5000, -5000, 30, cn('2024-03-01 20:00:02')],
    ]);
    expect(s.rows[0]).toMatchObject({ product: '充电费', payer: '**明(138****5678)', status: 'SUCCESS' });
    expect(s.summary).toMatchObject({ count: 3, paymentCount: 2, refundCount: 1, paymentTotalFen: 23050, refundTotalFen: -5000, netFen: 18050 });
    expect(s.summary.declared.map((d) => [d.label, d.value])).toEqual([
      ['交易合计 笔数', 2],
      ['交易合计 商家实收', 23050],
      ['交易合计 商家优惠', 500],
      ['退款合计 笔数', 1],
      ['退款合计 商家实收退款', -5000],
      ['退款合计 商家优惠退款', 0],
    ]);
    expect(s.fees).toEqual({ totalFen: -108, paymentFeesFen: -138, refundFeesFen: 30, reconcilable: false });
    expect(s.notes.join(' ')).toContain('服务费');
  });

  it('reads entry names flagged UTF-8 too, and the bare CSV once unzipped', async () => {
    const flagged = await detectAndParse(alipayZip(alipayBytes(ALIPAY_DAY), { nameEncoding: 'utf-8' }), 'alipay.zip');
    expect(flagged.entryName).toBe(ALIPAY_DETAIL_NAME);
    const bare = await detectAndParse(alipayBytes(ALIPAY_DAY), ALIPAY_DETAIL_NAME);
    expect(bare.compression).toBe('none');
    expect(bare.rows).toEqual(flagged.rows);
  });

  it('reads footers by pattern: other wording, no 商家优惠, and no refund line (then says the refunds were not checked)', async () => {
    const s = await detectAndParse(alipayBytes({ ...ALIPAY_DAY, paymentsFooter: '#交易合计：2笔，商家实收共230.50元', refundsFooter: null }), 'a.csv');
    expect(s.summary.declared.map((d) => d.label)).toEqual(['交易合计 笔数', '交易合计 商家实收']);
    expect(s.notes.join(' ')).toContain('#退款合计');
  });

  it('keeps a quoted 商品名称 with a comma, and refuses an unquoted one by its field count', async () => {
    const quoted = alipayPayment({ rawProduct: '"充电费,A区"\t' });
    const s = await detectAndParse(alipayBytes({ rows: [quoted] }), 'a.csv');
    expect(s.rows[0].product).toBe('充电费,A区');
    const e = await refusal(detectAndParse(alipayBytes({ rows: [alipayPayment(), alipayPayment({ product: '充电费,A区' })] }), 'a.csv'));
    expect(e.details).toMatchObject({ reason: 'field_count', line: 7, fields: 26, expected: 25 });
  });

  it('refuses a UTF-8 file where GB18030 was expected, instead of reading mojibake', async () => {
    const utf8 = Buffer.from(alipayText(ALIPAY_DAY), 'utf8');
    const e = await refusal(detectAndParse(utf8, 'resaved.csv'));
    expect(e.details).toMatchObject({ reason: 'wrong_encoding', line: 1, expected: 'gb18030', found: 'utf-8' });
    expect(e.message).toContain('the file is UTF-8, but Alipay statements are GB18030');
    const inZip = await refusal(detectAndParse(alipayZip(utf8), 'alipay.zip'));
    expect(inZip.message.startsWith(`alipay.zip:${ALIPAY_DETAIL_NAME} line 1:`)).toBe(true);
  });

  it('refuses footer totals that disagree with the rows, at the footer line', async () => {
    const a = await refusal(detectAndParse(alipayBytes({ ...ALIPAY_DAY, paymentsFooter: '#交易合计：3笔，商家实收共230.50元，商家优惠共5.00元' }), 'a.csv'));
    expect(a.details).toMatchObject({ reason: 'summary_mismatch', line: 10 });
    expect(a.message).toBe('a.csv line 10: 交易合计 says 3笔 but the list has 2');
    const b = await refusal(detectAndParse(alipayBytes({ ...ALIPAY_DAY, refundsFooter: '#退款合计：1笔，商家实收退款共-40.00元，商家优惠退款共0.00元' }), 'a.csv'));
    expect(b.details).toMatchObject({ reason: 'summary_mismatch', line: 11 });
    expect(b.message).toBe('a.csv line 11: 退款合计 商家实收退款 says -40.00 but the rows add up to -50.00');
  });

  it('refuses a truncated ZIP and a CSV that ends before its list does', async () => {
    const whole = alipayZip(alipayBytes(ALIPAY_DAY));
    const a = await refusal(detectAndParse(whole.subarray(0, whole.length - 40), 'alipay.zip'));
    expect(a.details).toMatchObject({ reason: 'truncated' });
    expect(a.message).toBe('alipay.zip: is not a complete ZIP archive: it is truncated; download it again');
    const b = await refusal(detectAndParse(alipayBytes({ ...ALIPAY_DAY, keepLines: 7 }), 'a.csv'));
    expect(b.details).toMatchObject({ reason: 'truncated' });
    expect(b.message).toContain('ends before "#---业务明细列表结束---"');
    const c = await refusal(detectAndParse(alipayBytes({ ...ALIPAY_DAY, keepLines: 9 }), 'a.csv'));
    expect(c.message).toContain('no "#交易合计" line');
  });

  it('refuses a refund row with a positive amount, a bad amount, a bad time and a missing column', async () => {
    const a = await refusal(detectAndParse(alipayBytes({ rows: [alipayRefund({ received: '50.00' })] }), 'a.csv'));
    expect(a.message).toBe('a.csv line 6: 商家实收（元） 50.00 must be negative on a refund row');
    const b = await refusal(detectAndParse(alipayBytes({ rows: [alipayPayment({ received: '2OO.00' })] }), 'a.csv'));
    expect(b.details).toMatchObject({ reason: 'bad_amount', line: 6, column: '商家实收（元）' });
    const c = await refusal(detectAndParse(alipayBytes({ rows: [alipayPayment({ finished: '2024-13-01 10:00:00' })] }), 'a.csv'));
    expect(c.details).toMatchObject({ reason: 'bad_time', line: 6 });
    const text = alipayText(ALIPAY_DAY).replace(ALIPAY_HEADER, ALIPAY_HEADER.replace('商户订单号', '外部订单号'));
    const d = await refusal(detectAndParse(iconv.encode(text, 'gb18030'), 'a.csv'));
    expect(d.details).toMatchObject({ reason: 'unknown_header', line: 5, missing: ['商户订单号'] });
  });

  it('refuses a ZIP without a 业务明细 entry, listing what it has', async () => {
    const { zip } = await import('./fixtures');
    const e = await refusal(detectAndParse(zip([{ name: 'readme.txt', data: Buffer.from('hi') }]), 'x.zip'));
    expect(e.details).toMatchObject({ reason: 'unknown_format', entries: ['readme.txt'] });
  });
});

const MAPPING: GenericMappingInput = {
  name: '聚合支付A',
  merchantId: 'AGG-001',
  skipLines: 2,
  commentPrefix: '#',
  columns: {
    orderNo: '商户单号',
    amount: '交易金额',
    time: '交易时间',
    type: '交易类型',
    fee: '手续费',
    refundNo: '退款单号',
    gatewayTradeNo: '平台流水号',
    payer: '付款人',
  },
  types: { payment: ['消费'], refund: ['退款'] },
  timeFormat: 'yyyy/MM/dd HH:mm:ss',
};

const AGG_CSV = [
  '\uFEFF聚合支付对账单',
  '商户:AGG-001,日期:2024-03-01',
  '平台流水号,商户单号,交易类型,交易金额,手续费,退款单号,交易时间,备注,付款人',
  'P001,DD20240301000005,消费,88.00,0.53,,2024/03/01 08:00:00,"A区,2号桩",张*',
  'P002,DD20240301000006,消费,12.50,0.08,,2024/03/01 23:59:59,"多行',
  '备注",李*',
  'P003,DD20240301000005,退款,-8.00,-0.05,RF5,2024/03/01 12:00:00,,张*',
  '#合计,3笔',
  '',
].join('\r\n');

describe('generic CSV through a column mapping', () => {
  it('reads an aggregator CSV by its mapped headers: quotes, embedded newlines (a row is named by its first line), preamble, comment footer, refunds by type', async () => {
    const s = await detectAndParse(Buffer.from(AGG_CSV), 'agg.csv', { mapping: MAPPING });
    expect(s).toMatchObject({ channel: 'generic', layout: 'generic-csv', source: '聚合支付A', merchantId: 'AGG-001' });
    expect(s.rows.map((r) => [r.line, r.kind, r.gatewayTradeNo, r.merchantOrderNo, r.merchantRefundNo, r.amountFen, r.feeFen, r.time, r.payer])).toEqual([
      [4, 'payment', 'P001', 'DD20240301000005', undefined, 8800, 53, cn('2024-03-01 08:00:00'), '张*'],
      [5, 'payment', 'P002', 'DD20240301000006', undefined, 1250, 8, cn('2024-03-01 23:59:59'), '李*'],
      [7, 'refund', 'P003', 'DD20240301000005', 'RF5', -800, -5, cn('2024-03-01 12:00:00'), '张*'],
    ]);
    expect(s.summary).toMatchObject({ paymentTotalFen: 10050, refundTotalFen: -800, netFen: 9250, declared: [] });
  });

  it('without a type column, a negative amount is a refund; amounts may be in fen; times may carry their own zone', async () => {
    const csv = 'order,amount,at\r\nA1,1500,2024-03-01T10:00:00+08:00\r\nA1,-500,2024-03-01T02:00:00Z\r\n';
    const s = await detectAndParse(Buffer.from(csv), 'x.csv', {
      mapping: { name: 'x', columns: { orderNo: 'order', amount: 'amount', time: 'at' }, amountUnit: 'fen', timeFormat: 'iso8601' },
    });
    expect(s.rows.map((r) => [r.kind, r.amountFen, r.time])).toEqual([
      ['payment', 1500, cn('2024-03-01 10:00:00')],
      ['refund', -500, cn('2024-03-01 10:00:00')],
    ]);
  });

  it('reads GB18030 when the mapping says so, and refuses UTF-8 under that mapping', async () => {
    const mapping = { ...MAPPING, encoding: 'gb18030' as const };
    const s = await detectAndParse(iconv.encode(AGG_CSV, 'gb18030'), 'agg.csv', { mapping });
    expect(s.rows[0].payer).toBe('张*');
    const e = await refusal(detectAndParse(Buffer.from(AGG_CSV), 'agg.csv', { mapping }));
    expect(e.details).toMatchObject({ reason: 'wrong_encoding' });
  });

  it('refuses a mapping that is incomplete, naming the field', () => {
    expect(() => parseGenericMapping({ name: 'x', columns: { amount: 'a', time: 't' } })).toThrow(/mapping\.columns\.orderNo/);
    expect(() => parseGenericMapping({ name: 'x', columns: { orderNo: 'o', amount: 'a', time: 't', type: 'k' } })).toThrow(
      /mapping\.types: columns\.type and types go together/,
    );
  });

  it('refuses a header without a mapped column, a bad amount, a bad time, a wrong field count and an unknown type, each at its line', async () => {
    const parseWith = (csv: string) => refusal(detectAndParse(Buffer.from(csv), 'agg.csv', { mapping: MAPPING }));
    const a = await parseWith(AGG_CSV.replace('手续费,', '费用,'));
    expect(a.details).toMatchObject({ reason: 'unknown_header', line: 3 });
    expect(a.message).toContain('no column 手续费 (mapped as fee)');
    expect((await parseWith(AGG_CSV.replace('88.00', '88,00'))).details).toMatchObject({ reason: 'field_count', line: 4 });
    expect((await parseWith(AGG_CSV.replace('88.00', '88.001'))).details).toMatchObject({ reason: 'bad_amount', line: 4 });
    expect((await parseWith(AGG_CSV.replace('2024/03/01 12:00:00', '2024-03-01 12:00:00'))).details).toMatchObject({ reason: 'bad_time', line: 7 });
    const t = await parseWith(AGG_CSV.replace(',退款,', ',撤销,'));
    expect(t.message).toBe('agg.csv line 7: 交易类型 "撤销" is none of the mapped types (消费, 退款)');
  });
});

describe('recognising a file', () => {
  it('refuses a CSV it cannot recognise when no mapping is given', async () => {
    const e = await refusal(detectAndParse(Buffer.from('a,b\r\n1,2\r\n'), 'x.csv'));
    expect(e.details).toMatchObject({ reason: 'unknown_format', line: 1 });
  });

  it('refuses an empty file', async () => {
    expect((await refusal(detectAndParse(Buffer.alloc(0), 'x.csv'))).details).toMatchObject({ reason: 'truncated' });
  });

  it('tells a WeChat bill from an Alipay statement without being told', async () => {
    const kinds: Statement['channel'][] = [];
    for (const b of [wechatBytes(DAY), alipayBytes(ALIPAY_DAY), gzip(wechatBytes(DAY)), alipayZip(alipayBytes(ALIPAY_DAY))]) {
      kinds.push((await detectAndParse(b, 'file')).channel);
    }
    expect(kinds).toEqual(['wechat', 'alipay', 'wechat', 'alipay']);
  });
});
