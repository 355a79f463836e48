import { describe, expect, it } from 'vitest';
import { wordingFor } from '../../src-renderer/i18n/wording';
import { memoText } from '../../src-renderer/lib/memoText';

/** The sessions' English memos read in the operator's language, the session by its number (issue 16). */
describe('a ledger memo on the statement', () => {
  const numbers: Record<string, string> = { '01M981FC86WESTDJH5N0MD4SFH': 'CD00000082' };
  const session = (id: string) => numbers[id] ?? id;

  it('a settlement names the session by its number, the charger and the energy, in each language', () => {
    const memo = 'session 01M981FC86WESTDJH5N0MD4SFH on SIM-003/1: 0.039000 kWh';
    expect(memoText(memo, wordingFor('zh-CN'), session)).toBe('充电订单 CD00000082 · SIM-003/1 · 0.039 kWh');
    expect(memoText(memo, wordingFor('en-US'), session)).toBe('Session CD00000082 · SIM-003/1 · 0.039 kWh');
  });

  it('a prepay hold and a re-settlement are worded too; a memo people typed shows as written', () => {
    const zh = wordingFor('zh-CN');
    expect(memoText('prepay for session on SIM-001/2', zh, session)).toBe('充电预付冻结 · SIM-001/2');
    expect(memoText('session 01M981FC86WESTDJH5N0MD4SFH re-settled at its real StopTransaction: 12.5 kWh', zh, session)).toBe(
      '充电订单 CD00000082 按充电桩实际停止记录重新结算 · 12.500 kWh',
    );
    expect(memoText('start failed: no StartTransaction within 60 s of the RemoteStart', zh, session)).toBe('启动失败：充电桩 60 秒内未开始充电，预付已退回');
    expect(memoText('start failed: the charger answered RemoteStartTransaction with Rejected', zh, session)).toBe('启动失败：充电桩拒绝启动，预付已退回');
    expect(memoText('售后退款：多充退回', zh, session)).toBe('售后退款：多充退回');
    expect(memoText(null, zh, session)).toBe('');
  });

  it("a payment order's fixed Chinese memo reads the same in Chinese and in English words on an English screen", () => {
    const en = wordingFor('en-US');
    expect(memoText('支付订单 DD202612020001', wordingFor('zh-CN'), session)).toBe('支付订单 DD202612020001');
    expect(memoText('支付订单 DD202612020001', en, session)).toBe('Payment order DD202612020001');
    expect(memoText('支付订单 DD202612020001 取消，退回用券', en, session)).toBe('Payment order DD202612020001 cancelled: coupon back');
  });
});
