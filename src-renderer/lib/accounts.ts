import type { I18n } from '../i18n';

/**
 * Ledger accounts and transfers in the operator's words: `driver:01M…:wallet` is 钱包,
 * `depot:clearing:wechat` 微信支付待清算, a transfer's code and phase their labels. An id the
 * dictionary does not know is shown as it is (never hidden), so a new account kind stays visible.
 */

const DRIVER_ACCOUNT = /^driver:[^:]+:(wallet|held|debt|points)$/;

/** The dictionary key of a depot account or a trial balance line: depot:cash_drawer → 'reports.account.cash_drawer', drivers:wallet → 'reports.account.drivers.wallet'. */
export function accountKey(account: string): string {
  if (account.startsWith('drivers:')) return `reports.account.drivers.${account.slice('drivers:'.length)}`;
  return `reports.account.${account.replace(/^depot:/, '').replace(/:/g, '_')}`;
}

export function accountLabel(id: string, i18n: Pick<I18n, 't' | 'maybe'>): string {
  if (id.startsWith('depot:')) return i18n.maybe(accountKey(id)) ?? id;
  const driver = DRIVER_ACCOUNT.exec(id);
  if (driver) return i18n.maybe(`ledger.account.${driver[1]}`) ?? id;
  if (id.startsWith('coupon:')) return i18n.t('ledger.account.coupon');
  return id;
}

/**
 * Which way a transfer moved the money: from one account to the other. A ledger transfer debits
 * the account the money leaves and credits the one it reaches (cash drawer → wallet for a top-up,
 * wallet → held for a hold) — except a void (hold_void, hold_expire), which carries its hold's
 * accounts (TigerBeetle's rule: a post or void names the pending transfer's debit and credit) but
 * gives the money back: a released hold moves held → wallet. Every other phase reads debit → credit;
 * a correction already names the original's accounts the other way round.
 */
export function transferFlow(t: { debitAccountId: string; creditAccountId: string; phase: string }): { from: string; to: string } {
  return t.phase === 'void' ? { from: t.creditAccountId, to: t.debitAccountId } : { from: t.debitAccountId, to: t.creditAccountId };
}

export function transferCodeLabel(code: string, i18n: Pick<I18n, 'maybe'>): string {
  return i18n.maybe(`ledger.code.${code}`) ?? code;
}

export function phaseLabel(phase: string, i18n: Pick<I18n, 'maybe'>): string {
  return i18n.maybe(`ledger.phase.${phase}`) ?? phase;
}
