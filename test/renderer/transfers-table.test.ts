import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { afterEach, describe, expect, it } from 'vitest';
import { I18nProvider, wordingFor } from '../../src-renderer/i18n';
import { accountLabel, transferFlow } from '../../src-renderer/lib/accounts';
import { TransfersTable, type TransferLine } from '../../src-renderer/components/TransfersTable';
import {
  creditCompensation,
  expireHold,
  grantPoints,
  placeHold,
  postSessionCharge,
  redeemPoints,
  refundFromWallet,
  refundToWallet,
  restorePoints,
  topUp,
  voidHold,
} from '../../src-main/ledger';
import { TRANSFER_COLUMNS, type TransferRow } from '../../src-main/ledger/engine';
import { ledgerApp, newDriver } from '../ledger/fixtures';

/**
 * The ledger transfers of a session or an order (components/TransfersTable.tsx, in the session and
 * payment order drawers): where the money went, in words, for each kind of transfer the ledger
 * makes — a released hold goes back to the wallet (冻结款 → 钱包), not the way the hold went — and
 * no account id or driver id anywhere in the table, its hover text included.
 */

const zh = wordingFor('zh-CN');
const flowText = (t: Pick<TransferRow, 'debitAccountId' | 'creditAccountId' | 'phase'>) => {
  const { from, to } = transferFlow(t);
  return `${accountLabel(from, zh)} → ${accountLabel(to, zh)}`;
};

/** A driver's history through the real ledger operations: every phase and the kinds a session and an order make. */
function history() {
  const { app, clock } = ledgerApp();
  const d = newDriver(app);
  topUp(app, { key: 'top-1', driverId: d.id, amountFen: 10_000, channel: 'cash' });
  const voided = placeHold(app, { key: 'hold-v', driverId: d.id, amountFen: 5_000, expiresAt: clock.now() + 3_600_000, sessionId: 's-v' });
  voidHold(app, { key: 'void-v', holdId: voided.holdId });
  const expiring = placeHold(app, { key: 'hold-x', driverId: d.id, amountFen: 2_000, expiresAt: clock.now() + 60_000, sessionId: 's-x' });
  clock.advance(120_000);
  expireHold(app, { holdId: expiring.holdId });
  const held = placeHold(app, { key: 'hold-p', driverId: d.id, amountFen: 8_000, expiresAt: clock.now() + 3_600_000, sessionId: 's-p' });
  // ¥80 held against ¥120 owed: the hold is posted, the wallet's ¥20 taken, ¥20 left as a debt.
  postSessionCharge(app, { key: 'settle-p', driverId: d.id, sessionId: 's-p', holdId: held.holdId, electricityFen: 9_000, serviceFen: 3_000 });
  topUp(app, { key: 'top-2', driverId: d.id, amountFen: 5_000, channel: 'wechat' });
  refundToWallet(app, { key: 'back-1', driverId: d.id, electricityFen: 300, serviceFen: 100, sessionId: 's-p' });
  refundFromWallet(app, { key: 'out-1', driverId: d.id, amountFen: 500 });
  creditCompensation(app, { key: 'comp-1', driverId: d.id, amountFen: 1_000 });
  grantPoints(app, { key: 'pts-1', driverId: d.id, points: 100 });
  const redeem = redeemPoints(app, { key: 'pts-2', driverId: d.id, points: 40 });
  restorePoints(app, { key: 'pts-3', redeemId: redeem.transferId });
  const rows = app.sqlite.prepare<unknown[], TransferRow>(`SELECT ${TRANSFER_COLUMNS} FROM ledger_transfers ORDER BY seq`).all();
  return { driverId: d.id, rows };
}

describe('where a transfer moved the money, in words', () => {
  it('reads every kind the way the money went: a release back from held to the wallet, everything else debit → credit', () => {
    const { rows } = history();
    const seen = rows.map((r) => `${r.code}/${r.phase}: ${flowText(r)}`);
    expect([...new Set(seen)].sort()).toEqual(
      [
        'topup/single: 现金 → 钱包',
        'topup/single: 微信支付待清算 → 钱包',
        'hold/pending: 钱包 → 冻结款',
        // The void carries its hold's accounts (wallet debit, held credit) but gives the money back.
        'hold_void/void: 冻结款 → 钱包',
        'hold_expire/void: 冻结款 → 钱包',
        'hold_post/post: 钱包 → 冻结款',
        // The hold pays electricity first, the wallet the rest of it and part of the service, a debt the remainder.
        'settle_electricity/single: 冻结款 → 电费收入',
        'settle_electricity/single: 钱包 → 电费收入',
        'settle_service/single: 钱包 → 服务费收入',
        'debt/single: 欠款 → 服务费收入',
        'debt_collect/single: 钱包 → 欠款',
        'refund/single: 电费收入 → 钱包',
        'refund/single: 服务费收入 → 钱包',
        'refund/single: 钱包 → 应付退款',
        'compensation/single: 补偿支出 → 钱包',
        'points_grant/single: 积分池 → 积分',
        'points_redeem/single: 积分 → 积分池',
        'points_restore/single: 积分池 → 积分',
      ].sort(),
    );
    const voided = rows.find((r) => r.code === 'hold_void')!;
    const hold = rows.find((r) => r.id === 'hold-v')!;
    // The ledger's own record is untouched: the void names the hold's debit and credit.
    expect([voided.debitAccountId, voided.creditAccountId]).toEqual([hold.debitAccountId, hold.creditAccountId]);
    expect(transferFlow(voided)).toEqual({ from: hold.creditAccountId, to: hold.debitAccountId });
  });
});

describe('the transfers table', () => {
  const saved = (globalThis as { localStorage?: unknown }).localStorage;
  afterEach(() => {
    (globalThis as { localStorage?: unknown }).localStorage = saved;
  });
  const render = (transfers: TransferLine[], locale: 'zh-CN' | 'en-US' = 'zh-CN') => {
    (globalThis as { localStorage?: unknown }).localStorage = { getItem: () => locale, setItem: () => undefined };
    return renderToString(createElement(I18nProvider, null, createElement(TransfersTable, { transfers, empty: '—', testId: 't' })));
  };

  it('says where the money went, on the cell and on hover, and never shows an account id or a driver id', () => {
    const { driverId, rows } = history();
    const lines: TransferLine[] = rows.map((r) => ({ ...r, unit: r.code.startsWith('points') ? 'points' : 'CNY' }));
    const html = render(lines);
    expect(html).not.toContain(driverId);
    expect(html).not.toMatch(/driver:|depot:|coupon:/);
    // The hold and its release, each the way its money went, on the cell and in its hover text.
    expect(html).toContain('title="钱包 → 冻结款"');
    expect(html).toContain('title="冻结款 → 钱包"');
    expect(html).toContain('title="积分 → 积分池"');
    expect(html).toContain('转出 → 转入');
    expect(html).not.toContain('借方');
    const en = render(lines, 'en-US');
    expect(en).toContain('title="Held → Wallet"');
    expect(en).toContain('From → to');
    expect(en).not.toMatch(/driver:|depot:|coupon:/);
  });

  it('words a coupon account without its id', () => {
    const html = render([
      {
        id: 'order:DD1:coupon',
        createdAt: 0,
        code: 'coupon_redeem',
        phase: 'single',
        debitAccountId: 'coupon:01KC0UP0N1D',
        creditAccountId: 'depot:compensation_expense',
        amount: 500,
      },
    ]);
    expect(html).toContain('title="优惠券 → 补偿支出"');
    expect(html).not.toContain('01KC0UP0N1D');
  });
});
