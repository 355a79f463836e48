import type { MethodOutput } from '../../../src-main/contract/types';
import type { I18nKey } from '../../i18n';

/** Types and labels shared by the Ledger page's parts. Amounts arrive as `{ fen, yuan }`. */
export type DriverRow = MethodOutput<'drivers.list'>['drivers'][number];
export type WalletShow = MethodOutput<'wallet.show'>;
export type StatementOut = MethodOutput<'ledger.statement'>;
export type StatementLine = StatementOut['lines'][number];
export type StatementCursor = NonNullable<StatementOut['nextCursor']>;
export type TransferCode = StatementLine['code'];
export type StatementAccount = StatementLine['account'];
export type TopUpResult = MethodOutput<'wallet.topup'>;
export type Channel = TopUpResult['channel'];
export type DebtRow = MethodOutput<'ledger.debts'>[number];
export type HoldRow = MethodOutput<'ledger.holds'>[number];

export const CHANNELS: readonly Channel[] = ['cash', 'wechat', 'alipay'];
export const CHANNEL_LABEL: Record<Channel, I18nKey> = {
  cash: 'ledger.channel.cash',
  wechat: 'ledger.channel.wechat',
  alipay: 'ledger.channel.alipay',
};

export const ACCOUNTS: readonly StatementAccount[] = ['wallet', 'debt', 'points', 'coupon'];
export const ACCOUNT_LABEL: Record<StatementAccount, I18nKey> = {
  wallet: 'ledger.account.wallet',
  debt: 'ledger.account.debt',
  points: 'ledger.account.points',
  coupon: 'ledger.account.coupon',
};

export const CODE_LABEL: Record<TransferCode, I18nKey> = {
  topup: 'ledger.code.topup',
  hold: 'ledger.code.hold',
  hold_post: 'ledger.code.hold_post',
  hold_void: 'ledger.code.hold_void',
  hold_expire: 'ledger.code.hold_expire',
  settle_electricity: 'ledger.code.settle_electricity',
  settle_service: 'ledger.code.settle_service',
  debt: 'ledger.code.debt',
  debt_collect: 'ledger.code.debt_collect',
  debt_write_off: 'ledger.code.debt_write_off',
  refund: 'ledger.code.refund',
  refund_paid: 'ledger.code.refund_paid',
  compensation: 'ledger.code.compensation',
  coupon_grant: 'ledger.code.coupon_grant',
  coupon_redeem: 'ledger.code.coupon_redeem',
  coupon_restore: 'ledger.code.coupon_restore',
  coupon_expire: 'ledger.code.coupon_expire',
  points_grant: 'ledger.code.points_grant',
  points_redeem: 'ledger.code.points_redeem',
  points_restore: 'ledger.code.points_restore',
  correction: 'ledger.code.correction',
  transfer: 'ledger.code.transfer',
};
export const CODES = Object.keys(CODE_LABEL) as TransferCode[];

/** A fresh idempotency key for one form: a double click or a retry after a timeout books once. */
export function newKey(prefix: string): string {
  return `${prefix}-${crypto.randomUUID()}`;
}

/** "+¥12.30" for statement amounts; points as plain numbers. */
export function signed(text: string, n: number): string {
  return n > 0 ? `+${text}` : text;
}

/**
 * How a statement amount reads. On the wallet, points and coupons a positive amount is money in
 * (green, "+"). The debt account counts what the driver owes: there a positive amount is more owed —
 * danger, and no "+" (a green "+¥12.00" on a debt read as money received) — and a negative one is
 * the debt paid down.
 */
export function statementTone(l: Pick<StatementLine, 'account' | 'amount'>): { type: 'danger' | 'success'; plus: boolean } {
  if (l.account === 'debt') return { type: l.amount > 0 ? 'danger' : 'success', plus: false };
  return { type: l.amount < 0 ? 'danger' : 'success', plus: l.amount > 0 };
}
