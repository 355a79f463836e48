import { describe, expect, it } from 'vitest';
import { wordingFor } from '../../src-renderer/i18n';
import { accountLabel, phaseLabel, transferCodeLabel } from '../../src-renderer/lib/accounts';
import { DEPOT_ACCOUNT_IDS, DRIVER_ACCOUNT_KINDS } from '../../src-main/ledger/accounts';
import { PHASES, TRANSFER_CODES } from '../../src-main/ledger/schema';

describe('ledger accounts and transfers in words', () => {
  const zh = wordingFor('zh-CN');
  const en = wordingFor('en-US');

  it('names every account the ledger makes, in both languages, never by its id', () => {
    const ids = [...DEPOT_ACCOUNT_IDS, ...DRIVER_ACCOUNT_KINDS.map((k) => `driver:01M9ABC:${k}`), 'coupon:01M9XYZ'];
    for (const words of [zh, en]) {
      for (const id of ids) expect(accountLabel(id, words), id).not.toBe(id);
    }
    expect(accountLabel('depot:clearing:wechat', zh)).toBe('微信支付待清算');
    expect(accountLabel('driver:01M9ABC:wallet', zh)).toBe('钱包');
    expect(accountLabel('driver:01M9ABC:held', en)).toBe('Held');
    expect(accountLabel('coupon:01M9XYZ', zh)).toBe('优惠券');
  });

  it('shows an account kind it does not know as its id, so nothing is hidden', () => {
    expect(accountLabel('depot:something_new', zh)).toBe('depot:something_new');
    expect(accountLabel('driver:01M9ABC:savings', zh)).toBe('driver:01M9ABC:savings');
  });

  it('names every transfer code and phase in both languages', () => {
    for (const words of [zh, en]) {
      for (const code of TRANSFER_CODES) expect(transferCodeLabel(code, words), code).not.toBe(code);
      for (const phase of PHASES) expect(phaseLabel(phase, words), phase).not.toBe(phase);
    }
    expect(transferCodeLabel('coupon_restore', zh)).toBe('退回优惠券');
    expect(phaseLabel('void', zh)).toBe('释放');
  });
});
