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
    expect(memoText('车队月度预存', zh, session)).toBe('车队月度预存');
    expect(memoText('车队月度预存', wordingFor('en-US'), session)).toBe('车队月度预存');
    expect(memoText(null, zh, session)).toBe('');
  });

  it("a payment order's fixed Chinese memo reads the same in Chinese and in English words on an English screen", () => {
    const en = wordingFor('en-US');
    expect(memoText('支付订单 DD202612020001', wordingFor('zh-CN'), session)).toBe('支付订单 DD202612020001');
    expect(memoText('支付订单 DD202612020001', en, session)).toBe('Payment order DD202612020001');
    expect(memoText('支付订单 DD202612020001 取消，退回用券', en, session)).toBe('Payment order DD202612020001 cancelled: coupon back');
  });

  it('every other fixed Chinese memo the core writes has English words, the note or reason typed after it kept as typed', () => {
    const zh = wordingFor('zh-CN');
    const en = wordingFor('en-US');
    // [what the core wrote (src-main: payments, reconciliation, refunds, risk, compensation), zh-CN, en-US]
    const cases: [string, string, string][] = [
      ['坏账核销 司机失联', '坏账核销：司机失联', 'Debt written off: 司机失联'],
      ['对账补单 DD202612020001: 网关已扣款', '对账补单 DD202612020001：网关已扣款', 'Reconciliation: order DD202612020001 credited to the wallet: 网关已扣款'],
      ['对账补单 DD202612020001: ', '对账补单 DD202612020001', 'Reconciliation: order DD202612020001 credited to the wallet'],
      [
        '对账核销 short DD202612020001: 无法追回',
        '对账核销 短款 DD202612020001：无法追回',
        'Reconciliation write-off: Missing receipt (shortage) DD202612020001: 无法追回',
      ],
      ['对账核销 refund_mismatch R-9:', '对账核销 退款不符 R-9', 'Reconciliation write-off: Refund mismatch R-9'],
      ['退款取消，退回钱包：司机改为余额', '退款取消，退回钱包：司机改为余额', 'Refund cancelled: back to the wallet: 司机改为余额'],
      ['长款入账 DD202612020001：订单已关闭', '长款入账 DD202612020001：订单已关闭', 'Unexplained receipt for order DD202612020001 credited to the wallet: 订单已关闭'],
      ['长款入账 DD202612020001: 订单已关闭', '长款入账 DD202612020001：订单已关闭', 'Unexplained receipt for order DD202612020001 credited to the wallet: 订单已关闭'],
      [
        '支付订单 DD202612020001 取消 (主管修复)，退回用券',
        '支付订单 DD202612020001 取消（主管修复），退回用券',
        'Payment order DD202612020001 cancelled (supervisor repair): coupon back',
      ],
      [
        '支付订单 DD202612020001 取消 (主管修复)，退回积分',
        '支付订单 DD202612020001 取消（主管修复），退回积分',
        'Payment order DD202612020001 cancelled (supervisor repair): points back',
      ],
      ['售后退款：多充退回', '售后退款：多充退回', 'Refund (adjustment): 多充退回'],
      ['售后退款：审核拒绝 金额有误', '售后退款：审核拒绝：金额有误', 'Refund (adjustment): Review rejected: 金额有误'],
      ['系统补偿：2026-01-12 启动失败补偿（共3次）', '系统补偿：2026-01-12 启动失败补偿（共3次）', 'Compensation: failed starts on 2026-01-12 (3)'],
      [
        '系统补偿：2026-01-10至2026-01-12 启动失败补偿（共2次） (B202601120001)',
        '系统补偿：2026-01-10至2026-01-12 启动失败补偿（共2次） (B202601120001)',
        'Compensation: failed starts on 2026-01-10 to 2026-01-12 (2) (B202601120001)',
      ],
      ['撤销补偿：一月故障补偿 (B202601120002)', '撤销补偿：一月故障补偿 (B202601120002)', 'Compensation reversed: 一月故障补偿 (B202601120002)'],
    ];
    for (const [memo, inZh, inEn] of cases) {
      expect(memoText(memo, zh, session)).toBe(inZh);
      expect(memoText(memo, en, session)).toBe(inEn);
    }
  });
});
