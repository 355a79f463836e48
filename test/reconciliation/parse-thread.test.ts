import { afterEach, describe, expect, it } from 'vitest';
import { isDepotError } from '../../src-main/kernel/errors';
import { importStatement } from '../../src-main/reconciliation';
import { BATCH_ROWS, MAX_AHEAD } from '../../src-main/reconciliation/parse-thread';
import { alipayBytes, alipayPayment, alipayRefund, alipayZip, gzip, wechatBytes, wechatPayment, wechatRefund, type WechatRow } from './fixtures';
import { endReconApp, reconApp, type ReconApp } from './scenario';

/**
 * src-main/reconciliation/parse-thread.ts: a statement read by a worker thread while the import's
 * transaction stores its rows keeps exactly what the same bytes read on the calling thread keep,
 * and refuses exactly what they refuse.
 */

const apps: ReconApp[] = [];
afterEach(async () => {
  for (const t of apps.splice(0)) await endReconApp(t);
});
async function depot(): Promise<ReconApp> {
  const t = await reconApp();
  apps.push(t);
  return t;
}

/** What a depot kept, without the ids it gave: the statements and every row in insertion order. */
function kept(t: ReconApp) {
  const statements = t.app.sqlite
    .prepare(
      `SELECT file_sha256, file_name, channel, layout, source, merchant_id, bill_dates, row_count, payment_count, refund_count, payment_total_fen,
         refund_total_fen, net_fen, fee_total_fen, details FROM recon_statements ORDER BY imported_at, id`,
    )
    .all();
  const rows = t.app.sqlite
    .prepare('SELECT line, channel, kind, trade_no, order_no, refund_no, amount_fen, fee_fen, at, day, status FROM recon_statement_rows ORDER BY id')
    .all();
  return { statements, rows };
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');

/** A WeChat ALL bill of `n` rows over two days (every 50th a refund of an earlier payment), more than the worker may run ahead. */
function bigBill(n: number): Buffer {
  const rows: WechatRow[] = [];
  for (let i = 0; i < n; i++) {
    const t = `2024-03-0${1 + Math.floor((i * 2) / n)} ${pad(Math.floor(((i * 24 * 2) / n) % 24), 2)}:${pad(i % 60, 2)}:${pad((i * 7) % 60, 2)}`;
    const trade = `42000012342024030${pad(i, 11)}`;
    const order = `DD2024030${pad(i, 7)}`;
    const amount = `${1 + (i % 300)}.${pad(i % 100, 2)}`;
    if (i % 50 === 49)
      rows.push(
        wechatRefund({ 交易时间: t, 微信订单号: trade, 商户订单号: order, 微信退款单号: `5030${pad(i, 25)}`, 商户退款单号: `RF${pad(i, 14)}`, 退款金额: '1.00' }),
      );
    else rows.push(wechatPayment({ 交易时间: t, 微信订单号: trade, 商户订单号: order, 应结订单金额: amount, 订单金额: amount, 手续费: `0.0${pad(i % 10, 1)}000` }));
  }
  return wechatBytes({ kind: 'all', rows });
}

async function refusalOf(p: Promise<unknown>): Promise<{ code: string; message: string; details: unknown }> {
  try {
    await p;
  } catch (e) {
    if (isDepotError(e)) return { code: e.code, message: e.message, details: e.details };
    throw e;
  }
  throw new Error('the file was accepted; it should have been refused');
}

describe('a statement parsed by the worker thread', () => {
  it('keeps the same statement and the same rows, in the same order, as the calling thread — over more rows than the worker may run ahead', async () => {
    const rows = BATCH_ROWS * MAX_AHEAD + 3_001;
    const bytes = bigBill(rows);
    const [threaded, here] = [await depot(), await depot()];
    const a = await importStatement(threaded.app, bytes, 'big.csv', { parseThread: 'always' });
    const b = await importStatement(here.app, bytes, 'big.csv', { parseThread: 'never' });
    expect(a.imported && b.imported).toBe(true);
    expect(a.days).toEqual(b.days);
    expect(a.days.length).toBeGreaterThanOrEqual(2);
    const [ka, kb] = [kept(threaded), kept(here)];
    expect(ka.rows).toHaveLength(rows);
    expect(ka.statements).toEqual(kb.statements);
    expect(ka.rows).toEqual(kb.rows);
    const { id: _a, importedAt: _ia, ...restA } = a.statement;
    const { id: _b, importedAt: _ib, ...restB } = b.statement;
    expect(restA).toEqual(restB);
  });

  it('a gzip and an Alipay ZIP (GB18030) come out the same way too', async () => {
    const [threaded, here] = [await depot(), await depot()];
    const wechat = gzip(bigBill(300));
    const alipay = alipayZip(alipayBytes({ rows: [alipayPayment(), alipayRefund()] }));
    for (const [bytes, name] of [
      [wechat, 'bill.csv.gz'],
      [alipay, 'alipay.zip'],
    ] as const) {
      await importStatement(threaded.app, bytes, name, { parseThread: 'always' });
      await importStatement(here.app, bytes, name, { parseThread: 'never' });
    }
    expect(kept(threaded)).toEqual(kept(here));
    expect(kept(threaded).statements.map((s) => (s as { channel: string }).channel)).toEqual(['wechat', 'alipay']);
  });

  it('a bad file is refused with the same code, message, line and reason, and nothing is kept', async () => {
    const t = await depot();
    const good = bigBill(BATCH_ROWS * 3).toString('utf8');
    // A bad amount far into the file (after several batches were stored), and a summary that disagrees.
    const lines = good.split('\r\n');
    lines[BATCH_ROWS * 2 + 5] = lines[BATCH_ROWS * 2 + 5].replace(/,`0\.0\d000,`/, ',`zero,`');
    const badAmount = Buffer.from(lines.join('\r\n'));
    const badSummary = wechatBytes({ kind: 'all', rows: [wechatPayment()], summary: { 总交易单数: '2' } });
    for (const [bytes, reason] of [
      [badAmount, 'bad_amount'],
      [badSummary, 'summary_mismatch'],
    ] as const) {
      const threaded = await refusalOf(importStatement(t.app, bytes, 'bad.csv', { parseThread: 'always' }));
      const here = await refusalOf(importStatement(t.app, bytes, 'bad.csv', { parseThread: 'never' }));
      expect(threaded).toEqual(here);
      expect(threaded).toMatchObject({ code: 'invalid_input', details: { reason } });
    }
    expect(kept(t)).toEqual({ statements: [], rows: [] });
  });

  it('a file already kept is recognised by its hash and answered with the statement kept', async () => {
    const t = await depot();
    const bytes = bigBill(500);
    const first = await importStatement(t.app, bytes, 'a.csv', { parseThread: 'never' });
    const again = await importStatement(t.app, bytes, 'b.csv', { parseThread: 'always' });
    expect(again).toEqual({ imported: false, statement: first.statement, days: first.days });
    expect(kept(t).rows).toHaveLength(500);
  });
});
