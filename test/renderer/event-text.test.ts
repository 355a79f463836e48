import { describe, expect, it } from 'vitest';
import { wordingFor } from '../../src-renderer/i18n/wording';
import { eventText, eventTitle, type TimelineEvent } from '../../src-renderer/lib/eventText';
import { CJK, strayEnglish } from '../language-words';

/** A session's timeline worded from each event's kind and params, in the operator's language (issue 16). */
describe('a timeline event in words', () => {
  const zh = wordingFor('zh-CN');
  const en = wordingFor('en-US');

  it('a prepay hold names the amount as money, the driver, the charger and connector', () => {
    const e = { kind: 'placed', params: { prepayFen: 1200, driverName: '张三', chargerId: 'SIM-001', connectorId: 2, idTag: 'CARD7' } };
    expect(eventText(e, zh)).toBe('为 张三 冻结预付款 ¥12.00，SIM-001 的 2 号枪，卡号 CARD7');
    expect(eventText(e, en)).toBe('¥12.00 held for 张三 on SIM-001 connector 2, card CARD7');
  });

  it('a session of a driver without a card names no card (the core leaves out the tag it made for the session)', () => {
    const e = { kind: 'placed', params: { prepayFen: 1200, driverName: '张三', chargerId: 'SIM-001', connectorId: 2, idTag: null } };
    expect(eventText(e, zh)).toBe(`为 张三 冻结预付款 ¥12.00，SIM-001 的 2 号枪，卡号 ${zh.t('sessions.noCard')}`);
    expect(eventText({ kind: 'start_transaction', params: { transactionId: 7, meterStartWh: 0, idTag: null } }, en)).toContain(`card ${en.t('sessions.noCard')}`);
  });

  it('a stop words its reason code and energy; a settlement says where the money came from, the released rest and the debt only when there is one', () => {
    const stop = { kind: 'stop_transaction', params: { meterStopWh: 1234, energyWh: 300, stopReason: 'Local' } };
    expect(eventText(stop, zh)).toBe('结束时电表读数 1.234 kWh，本次充电 0.300 kWh，停止原因：在充电桩上停止');
    expect(eventText(stop, en)).toBe('Meter at stop 1.234 kWh, 0.300 kWh delivered, stop reason: Stopped at the charger');
    const paid = {
      kind: 'settled_paid',
      params: { amountFen: 1592, energyWh: 10_000, electricityFen: 792, serviceFen: 800, holdFen: 1592, releasedFen: 8408, walletFen: 0, debtFen: 0 },
    };
    expect(eventText(paid, zh)).toBe('¥15.92（10.000 kWh，电费 ¥7.92，服务费 ¥8.00）：预付款支付 ¥15.92，钱包支付 ¥0.00，剩余预付款 ¥84.08 退回钱包');
    const unpaid = { kind: 'settled_unpaid', params: { ...paid.params, holdFen: 0, releasedFen: 0, walletFen: 92, debtFen: 1500 } };
    expect(eventText(unpaid, en)).toBe('¥15.92 for 10.000 kWh (electricity ¥7.92, service ¥8.00): ¥0.00 from the prepay, ¥0.92 from the wallet, ¥15.00 owed');
  });

  it('a failed start by timeout, a refused one, a force-close by the requester’s display name', () => {
    expect(eventText({ kind: 'start_timeout', params: { failureCode: 'start_timeout', timeoutSeconds: 60 } }, zh)).toBe('60 秒内没有收到充电桩的开始充电记录');
    expect(eventText({ kind: 'remote_start_refused', params: { failureCode: 'remote_start_refused', refusal: 'answered', answer: 'Rejected' } }, en)).toBe(
      'The charger answered that it would not start',
    );
    const fc = {
      kind: 'force_close',
      params: { meterWh: 106_000, energyWh: 6_000, readingAt: 0, reason: '桩离线', requestedBy: '01ABC', requestedByName: '张伟', note: null },
    };
    expect(eventText(fc, zh)).toBe('按最后一次读数 106.000 kWh 强制结束，本次充电 6.000 kWh；张伟 申请（桩离线），已批准');
  });

  it('an event from before params has a title and no sentence; an unknown kind has neither', () => {
    expect(eventTitle({ kind: 'hold_voided' }, zh)).toBe('预授权已全额释放回钱包');
    expect(eventText({ kind: 'hold_voided', params: null }, zh)).toBeNull();
    expect(eventTitle({ kind: 'something_new' }, zh)).toBeUndefined();
    expect(eventText({ kind: 'something_new', params: { a: 1 } }, zh)).toBeNull();
  });

  it('every worded kind reads without stray English in zh-CN and without Chinese in en-US (data aside)', () => {
    const samples: TimelineEvent[] = [
      { kind: 'placed', params: { prepayFen: 100, driverName: 'X1', chargerId: 'CP-1', connectorId: 1, idTag: 'T1' } },
      { kind: 'remote_start_sent', params: { chargerId: 'CP-1', connectorId: 1 } },
      { kind: 'remote_start_refused', params: { refusal: 'call_failed', answer: null } },
      { kind: 'stop_refused', params: { refusal: 'answered', answer: 'Rejected' } },
      { kind: 'cancel', params: { failureCode: 'cancelled' } },
      { kind: 'hold_voided', params: { releasedFen: 5000 } },
      { kind: 'start_transaction', params: { transactionId: 7, meterStartWh: 0, idTag: 'T1' } },
      { kind: 'late_start', params: { transactionId: 7, meterStartWh: 0, idTag: 'T1', previousState: 'FAILED' } },
      { kind: 'charger_start', params: { transactionId: 7, meterStartWh: 0, idTag: 'T1', driverName: null } },
      { kind: 'late_meter', params: { readings: 2 } },
      { kind: 'stop_requested', params: { transactionId: 7 } },
      { kind: 'force_close_requested', params: { meterWh: 10, readingAt: 0, reason: 'R1' } },
      { kind: 'force_close_rejected', params: { note: 'N1' } },
      { kind: 'review_requested', params: { reviewReason: 'large_amount', amountFen: 30_000, limitFen: 20_000, idTag: null } },
      { kind: 'review_requested', params: { reviewReason: 'unknown_id_tag', amountFen: null, limitFen: null, idTag: 'T9' } },
      { kind: 'review_approved', params: { reviewReason: 'unknown_id_tag', payerName: 'X2', note: 'N2' } },
      { kind: 'late_stop', params: { meterStopWh: 10, energyWh: 0, stopReason: 'EVDisconnected' } },
      {
        kind: 'resettled',
        params: { meterStopWh: 10, stopReason: 'Local', energyWh: 10, beforeFen: 100, afterFen: 200, differenceFen: 100, walletFen: 100, debtFen: 0, returnedFen: 0 },
      },
      { kind: 'record_attached', params: { record: 'stop', recordId: 3, transactionId: 7, note: 'N3' } },
    ];
    for (const e of samples) {
      const z = eventText(e, zh)!;
      const n = eventText(e, en)!;
      expect(z, e.kind).toBeTruthy();
      expect(strayEnglish(z), `${e.kind}: ${z}`).toEqual([]);
      expect(CJK.test(n), `${e.kind}: ${n}`).toBe(false);
    }
  });
});
