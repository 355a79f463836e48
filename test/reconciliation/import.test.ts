import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { isDepotError, type DepotError } from '../../src-main/kernel/errors';
import { getDay, getMapping, getStatement, importStatement, listStatements, saveMapping } from '../../src-main/reconciliation';
import type { GenericMappingInput } from '../../src-main/reconciliation/statements';
import { call, ok } from '../helpers';
import { gzip, wechatBytes, wechatPayment, wechatText, type WechatRow } from './fixtures';
import { chinaTime, completedRefund, DAY, dayAfter, paidOrder, reconApp, wechatRefundRowOf, wechatRowOf, type ReconApp, endReconApp } from './scenario';

/**
 * The guarantees of src-main/reconciliation/import.ts: a statement file is kept once by its bytes,
 * all or nothing, each gateway fact stored once however many files repeat it, and never changed.
 */

let t: ReconApp | undefined;
afterEach(async () => {
  await endReconApp(t);
  t = undefined;
});

const counts = (app: ReconApp['app']) =>
  app.sqlite.prepare('SELECT (SELECT count(*) FROM recon_statements) AS statements, (SELECT count(*) FROM recon_statement_rows) AS rows').get() as {
    statements: number;
    rows: number;
  };

async function refusal(p: Promise<unknown>): Promise<DepotError & { details: { reason: string; line?: number } }> {
  try {
    await p;
  } catch (e) {
    if (isDepotError(e)) return e as DepotError & { details: { reason: string; line?: number } };
    throw e;
  }
  throw new Error('the file was accepted; it should have been refused');
}

/** A day of the depot as the WeChat ALL bill shows it: two paid orders and a refund of the first. */
async function dayOfWechat(t: ReconApp): Promise<WechatRow[]> {
  const a = await paidOrder(t.app, 10000);
  const b = await paidOrder(t.app, 2500);
  const refund = await completedRefund(t, a, 3000);
  return [wechatRowOf(a), wechatRowOf(b), wechatRefundRowOf(a, refund)];
}

const by = (t: ReconApp) => ({ operatorId: t.finance.id });

describe('a statement file is kept once, by its bytes', () => {
  it('the same bytes imported twice, under another name, import once and answer with the statement already kept', async () => {
    t = await reconApp();
    const bytes = wechatBytes({ kind: 'all', rows: await dayOfWechat(t) });
    const first = await importStatement(t.app, bytes, 'wechat-20260301.csv', {}, by(t));
    expect(first).toMatchObject({ imported: true, days: [DAY] });
    expect(first.statement).toMatchObject({ channel: 'wechat', layout: 'wechat-all', rowCount: 3, repeatedRows: 0, paymentCount: 2, refundCount: 1 });
    expect(first.statement).toMatchObject({ paymentTotalFen: 12500, refundTotalFen: 3000, importedBy: t.finance.id });
    const again = await importStatement(t.app, bytes, 'downloads/账单(1).csv', {}, { operatorId: t.finance2.id });
    expect(again.imported).toBe(false);
    expect(again.statement.id).toBe(first.statement.id);
    expect(again.statement).toEqual(first.statement);
    expect(again.days).toEqual([DAY]);
    expect(counts(t.app)).toEqual({ statements: 1, rows: 3 });
    expect(getStatement(t.app, first.statement.fileSha256).id).toBe(first.statement.id);
  });

  it('a gzip of the same bill is another file, but its rows are stored once and counted as repeated', async () => {
    t = await reconApp();
    const bytes = wechatBytes({ kind: 'all', rows: await dayOfWechat(t) });
    const plain = await importStatement(t.app, bytes, 'bill.csv', {}, by(t));
    const gz = await importStatement(t.app, gzip(bytes), 'bill.csv.gz', {}, by(t));
    expect(gz.imported).toBe(true);
    expect(gz.statement.id).not.toBe(plain.statement.id);
    expect(gz.statement.fileSha256).not.toBe(plain.statement.fileSha256);
    expect(gz.statement).toMatchObject({ rowCount: 3, repeatedRows: 3, paymentTotalFen: 12500 });
    expect(counts(t.app)).toEqual({ statements: 2, rows: 3 });
    // Each fact can match once: the day's figures count each payment and refund once.
    dayAfter(t, 1);
    const [run] = await ok<{ matchedPayments: number; matchedRefunds: number; channels: { gatewayPayments: { count: number } }[] }[]>(t.app, t.finance, 'recon.run', {
      date: DAY,
    });
    expect(run).toMatchObject({ matchedPayments: 2, matchedRefunds: 1, channels: [{ gatewayPayments: { count: 2 } }] });
    expect(getDay(t.app, DAY).state).toBe('matched');
  });

  it('the SUCCESS bill of a day repeats the ALL bill’s payments: they are stored once, the ALL bill’s refund is kept', async () => {
    t = await reconApp();
    const rows = await dayOfWechat(t);
    const success = await importStatement(t.app, wechatBytes({ kind: 'success', rows: rows.slice(0, 2) }), 'success.csv', {}, by(t));
    expect(success.statement).toMatchObject({ layout: 'wechat-success', rowCount: 2, repeatedRows: 0 });
    const all = await importStatement(t.app, wechatBytes({ kind: 'all', rows }), 'all.csv', {}, by(t));
    expect(all.statement).toMatchObject({ layout: 'wechat-all', rowCount: 3, repeatedRows: 2 });
    expect(counts(t.app)).toEqual({ statements: 2, rows: 3 });
    const kept = t.app.sqlite
      .prepare('SELECT s.id AS statementId, r.kind FROM recon_statement_rows r JOIN recon_statements s ON s.seq = r.statement_seq ORDER BY r.id')
      .all();
    expect(kept).toEqual([
      { statementId: success.statement.id, kind: 'payment' },
      { statementId: success.statement.id, kind: 'payment' },
      { statementId: all.statement.id, kind: 'refund' },
    ]);
  });
});

describe('a bad file writes nothing', () => {
  it('a summary that disagrees with the rows is refused naming the line and the reason; no statement, no row', async () => {
    t = await reconApp();
    const rows = await dayOfWechat(t);
    const e = await refusal(importStatement(t.app, wechatBytes({ kind: 'all', rows, summary: { 总交易单数: '4' } }), 'bad-sum.csv', {}, by(t)));
    expect(e.code).toBe('invalid_input');
    expect(e.details).toMatchObject({ reason: 'summary_mismatch', line: 6 });
    expect(e.message).toMatch(/^bad-sum\.csv line 6: 总交易单数 says 4 rows but the bill has 3 detail rows/);
    const money = await refusal(importStatement(t.app, wechatBytes({ kind: 'all', rows, summary: { 应结订单总金额: '125.01' } }), 'bad-sum.csv', {}, by(t)));
    expect(money.details).toMatchObject({ reason: 'summary_mismatch', line: 6, label: '应结订单总金额' });
    expect(counts(t.app)).toEqual({ statements: 0, rows: 0 });
  });

  it('a truncated file is refused naming where it ends; nothing is kept, and the whole file imports afterwards', async () => {
    t = await reconApp();
    const rows = await dayOfWechat(t);
    const text = wechatText({ kind: 'all', rows });
    const cut = Buffer.from(text.slice(0, text.indexOf('总交易单数')));
    const e = await refusal(importStatement(t.app, cut, 'cut.csv', {}, by(t)));
    expect(e.details).toMatchObject({ reason: 'truncated', line: 5 });
    expect(e.message).toMatch(/cut\.csv line 5: .*ends without the summary/);
    const gz = gzip(Buffer.from(text));
    const g = await refusal(importStatement(t.app, gz.subarray(0, gz.length - 30), 'cut.csv.gz', {}, by(t)));
    expect(g.details).toMatchObject({ reason: 'truncated' });
    expect(counts(t.app)).toEqual({ statements: 0, rows: 0 });
    // Through the contract the refusal is the same, and it is audited as a refused command.
    const viaContract = await call(t.app, t.finance, 'recon.import', { fileName: 'cut.csv', base64: cut.toString('base64') });
    expect(viaContract.ok).toBe(false);
    if (!viaContract.ok) {
      expect(viaContract.error.code).toBe('invalid_input');
      expect(viaContract.error.details).toMatchObject({ reason: 'truncated', line: 5 });
    }
    expect(counts(t.app)).toEqual({ statements: 0, rows: 0 });
    expect((await importStatement(t.app, Buffer.from(text), 'whole.csv', {}, by(t))).statement.rowCount).toBe(3);
  });
});

describe('a bill refused at its end, after its rows were written', () => {
  it('a summary wrong in its last figure, or another merchant, leaves no row and no statement in the database file', async () => {
    t = await reconApp();
    expect(t.app.sqlite.name).not.toBe(':memory:');
    // 2,000 rows, each a payment of its own trade: the import writes them as it reads them.
    const rows = Array.from({ length: 2000 }, (_, i) =>
      wechatPayment({
        交易时间: '2026-03-01 09:15:00',
        微信订单号: `42000012342026030100${String(i).padStart(8, '0')}`,
        商户订单号: `DD2026030199${String(i).padStart(6, '0')}`,
      }),
    );
    // Each row inserted is seen by a JavaScript function called from a trigger: the count survives the rollback.
    let inserted = 0;
    t.app.sqlite.function('import_test_seen_row', () => {
      inserted++;
      return null;
    });
    t.app.sqlite.exec('CREATE TEMP TRIGGER import_test_seen AFTER INSERT ON main.recon_statement_rows BEGIN SELECT import_test_seen_row(); END');
    // 申请退款总金额 is the summary's last figure: checked after every row was read and written.
    const wrongLast = wechatBytes({ kind: 'all', rows, summary: { 申请退款总金额: '0.01' } });
    const e = await refusal(importStatement(t.app, wrongLast, 'wrong-last.csv', {}, by(t)));
    expect(e.details).toMatchObject({ reason: 'summary_mismatch', line: 2003, label: '申请退款总金额' });
    expect(inserted).toBe(2000);
    expect(counts(t.app)).toEqual({ statements: 0, rows: 0 });
    const good = wechatBytes({ kind: 'all', rows });
    const merchant = await refusal(importStatement(t.app, good, 'other-merchant.csv', { expectMerchantId: '1900000999' }, by(t)));
    expect(merchant.details).toMatchObject({ reason: 'merchant_mismatch' });
    expect(inserted).toBe(4000);
    expect(counts(t.app)).toEqual({ statements: 0, rows: 0 });
    // What is on disk agrees (a second connection to the same file), and the good bill imports afterwards, whole.
    const other = new Database(t.app.sqlite.name, { readonly: true });
    try {
      expect(other.prepare('SELECT (SELECT count(*) FROM recon_statements) AS statements, (SELECT count(*) FROM recon_statement_rows) AS rows').get()).toEqual({
        statements: 0,
        rows: 0,
      });
      const imported = await importStatement(t.app, good, 'good.csv', {}, by(t));
      expect(imported.statement).toMatchObject({ rowCount: 2000, repeatedRows: 0, paymentCount: 2000 });
      expect(
        other.prepare('SELECT count(*) AS n FROM recon_statement_rows r JOIN recon_statements s ON s.seq = r.statement_seq WHERE s.id = ?').get(imported.statement.id),
      ).toEqual({ n: 2000 });
      expect(t.app.sqlite.pragma('foreign_key_check')).toEqual([]);
    } finally {
      other.close();
    }
  });
});

describe('what the gateway said is kept as said', () => {
  it('statements and their rows refuse UPDATE and DELETE', async () => {
    t = await reconApp();
    const r = await importStatement(t.app, wechatBytes({ kind: 'all', rows: await dayOfWechat(t) }), 'bill.csv', {}, by(t));
    const db = t.app.sqlite;
    expect(() => db.prepare("UPDATE recon_statements SET file_name = 'renamed.csv' WHERE id = ?").run(r.statement.id)).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM recon_statements WHERE id = ?').run(r.statement.id)).toThrow(/append-only/);
    expect(() => db.prepare('UPDATE recon_statement_rows SET amount_fen = amount_fen + 1').run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM recon_statement_rows').run()).toThrow(/append-only/);
    expect(getStatement(t.app, r.statement.id)).toEqual(r.statement);
    expect(counts(t.app)).toEqual({ statements: 1, rows: 3 });
    expect(db.prepare('SELECT sum(amount_fen) AS n FROM recon_statement_rows').get()).toEqual({ n: 15500 });
  });
});

const MAPPING: GenericMappingInput = {
  name: '聚合支付A',
  merchantId: 'AGG-001',
  skipLines: 1,
  commentPrefix: '#',
  columns: { orderNo: '商户单号', amount: '交易金额', time: '交易时间', type: '交易类型', fee: '手续费', refundNo: '退款单号', gatewayTradeNo: '平台流水号' },
  types: { payment: ['消费'], refund: ['退款'] },
};

describe("an aggregator's CSV through a saved mapping", () => {
  it('is read by the mapping saved under its name; its rows are kept on the generic channel', async () => {
    t = await reconApp();
    const o = await paidOrder(t.app, 8800);
    const csv = [
      '聚合支付对账单 AGG-001',
      '平台流水号,商户单号,交易类型,交易金额,手续费,退款单号,交易时间',
      `P001,${o.number},消费,88.00,0.53,,${chinaTime(o.paidAt!)}`,
      `P002,${o.number},退款,-8.00,-0.05,RF5,${chinaTime(o.paidAt! + 60_000)}`,
      '#合计,2笔',
      '',
    ].join('\r\n');
    saveMapping(t.app, MAPPING, by(t));
    expect(getMapping(t.app, '聚合支付A')).toMatchObject({ name: '聚合支付A', encoding: 'utf-8', amountUnit: 'yuan' });
    const r = await importStatement(t.app, Buffer.from(csv), 'agg-20260301.csv', { mapping: '聚合支付A' }, by(t));
    expect(r).toMatchObject({ imported: true, days: [DAY] });
    expect(r.statement).toMatchObject({ channel: 'generic', layout: 'generic-csv', source: '聚合支付A', merchantId: 'AGG-001', rowCount: 2, repeatedRows: 0 });
    expect(r.statement).toMatchObject({ paymentTotalFen: 8800, feeTotalFen: 48 });
    const rows = t.app.sqlite
      .prepare('SELECT channel, kind, trade_no AS tradeNo, order_no AS orderNo, refund_no AS refundNo, amount_fen AS fen FROM recon_statement_rows')
      .all();
    expect(rows).toEqual([
      { channel: 'generic', kind: 'payment', tradeNo: 'P001', orderNo: o.number, refundNo: '', fen: 8800 },
      { channel: 'generic', kind: 'refund', tradeNo: 'P002', orderNo: o.number, refundNo: 'RF5', fen: 800 },
    ]);
  });

  it('saved and imported over the contract; an unknown mapping name is not_found and keeps nothing', async () => {
    t = await reconApp();
    const o = await paidOrder(t.app, 1500);
    const csv = `header line\r\n平台流水号,商户单号,交易类型,交易金额,手续费,退款单号,交易时间\r\nP9,${o.number},消费,15.00,0.09,,${chinaTime(o.paidAt!)}\r\n`;
    const base64 = Buffer.from(csv).toString('base64');
    const unknown = await call(t.app, t.finance, 'recon.import', { fileName: 'agg.csv', base64, mapping: '拉卡拉' });
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) {
      expect(unknown.error.code).toBe('not_found');
      expect(unknown.error.message).toMatch(/no saved column mapping named "拉卡拉"/);
    }
    await expect(importStatement(t.app, Buffer.from(csv), 'agg.csv', { mapping: '拉卡拉' })).rejects.toMatchObject({ code: 'not_found' });
    expect(counts(t.app)).toEqual({ statements: 0, rows: 0 });
    // Viewers may look at mappings but not save one; finance saves it.
    expect((await call(t.app, t.supervisor, 'recon.mappings')).ok).toBe(true);
    await ok(t.app, t.finance, 'recon.saveMapping', { mapping: MAPPING });
    expect(await ok<{ name: string }[]>(t.app, t.supervisor, 'recon.mappings')).toMatchObject([{ name: '聚合支付A' }]);
    dayAfter(t, 1);
    const r = await ok<{ imported: boolean; statement: { id: string; channel: string; importedBy: { id: string } }; runs: { day: string }[] }>(
      t.app,
      t.finance,
      'recon.import',
      { fileName: 'agg.csv', base64, mapping: '聚合支付A' },
    );
    expect(r).toMatchObject({ imported: true, statement: { channel: 'generic', importedBy: { id: t.finance.id } }, runs: [{ day: DAY }] });
    const again = await ok<{ imported: boolean; statement: { id: string } }>(t.app, t.finance, 'recon.import', { fileName: 'x.csv', base64, mapping: '聚合支付A' });
    expect(again).toMatchObject({ imported: false, statement: { id: r.statement.id } });
    expect(listStatements(t.app).map((s) => s.id)).toEqual([r.statement.id]);
    expect(await ok(t.app, t.supervisor, 'recon.statement', { statementId: r.statement.id })).toMatchObject({ id: r.statement.id, rowCount: 1 });
  });
});
