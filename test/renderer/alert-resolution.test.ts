import { describe, expect, it } from 'vitest';
import { listAlerts, raiseAlert, type Alert } from '../../src-main/alerts';
import { evaluateSweepAlerts, type SweepFailure } from '../../src-main/sessions/sweeper';
import { wordingFor } from '../../src-renderer/i18n';
import { alertResolutionText, WORDED_RESOLUTION_CODES } from '../../src-renderer/lib/alertText';
import { addOperator, makeApp, ok } from '../helpers';
import { orderWithConsumedCoupon, pastTheTimeout, payApp } from '../payments/fixtures';

/**
 * Why an alert resolved, in the operator's language (issue 16): the core records its own
 * resolutions with a code and parameters, and the screens and exports word them; an operator's
 * note inside one stays as typed, and a resolution recorded as text alone shows as recorded.
 * Checked on resolutions the core really wrote.
 */

const zh = wordingFor('zh-CN');
const en = wordingFor('en-US');
const CJK = /[\u3400-\u9fff]/;

const FAILURE: SweepFailure = { sessionId: 's-1', code: 'internal', message: 'boom' };
const closed = (items: Alert[], subject: string) => items.find((a) => a.subject === subject && a.resolvedAt !== null)!;

describe('alertResolutionText', () => {
  it('every worded resolution code has its wording in both dictionaries', () => {
    for (const code of WORDED_RESOLUTION_CODES) {
      expect(zh.maybe(`alerts.resolution.${code}`), `zh-CN alerts.resolution.${code}`).toBeDefined();
      expect(en.maybe(`alerts.resolution.${code}`), `en-US alerts.resolution.${code}`).toBeDefined();
    }
  });

  it('words the settlement monitor’s own resolutions when a sweep finds every condition cleared', () => {
    const { app } = makeApp({ overrides: { sessions: { unsettledAlertCount: 5, unsettledAlertFen: 10_000 } } });
    for (const [code, subject] of [
      ['sessions_unsettled', 'sessions_unsettled:count'],
      ['sessions_unsettled_amount', 'sessions_unsettled:amount'],
      ['sweep_failing', 'sessions_sweep:failing'],
    ]) {
      raiseAlert(app, { code, level: 'urgent', message: code, subject });
    }
    // A sweep that runs through with nothing unsettled clears those three, but could not settle one session…
    evaluateSweepAlerts(app, { id: 'sw-1', failed: 1, failures: [FAILURE] });
    // …which the next sweep settles.
    evaluateSweepAlerts(app, { id: 'sw-2', failed: 0, failures: [] });
    const items = listAlerts(app, { open: false, limit: 50, offset: 0 }).items;
    expect(items.map((a) => a.resolutionCode).sort()).toEqual(['sweep_ran_through', 'sweep_settled_all', 'unsettled_amount_below', 'unsettled_count_below']);
    for (const a of items) {
      expect(alertResolutionText(zh, a), `${a.resolutionCode} in zh-CN`).toMatch(CJK);
      expect(alertResolutionText(en, a), `${a.resolutionCode} in en-US`).not.toMatch(CJK);
      for (const text of [alertResolutionText(zh, a), alertResolutionText(en, a)]) expect(text).not.toMatch(/[{}]|sw-\d/);
    }
    expect(alertResolutionText(zh, closed(items, 'sessions_unsettled:count'))).toBe('结算清扫后未结算的已结束订单为 0 笔，未超过告警阈值 5 笔');
    expect(alertResolutionText(en, closed(items, 'sessions_unsettled:amount'))).toBe(
      'About ¥0.00 unsettled after the settlement sweep, not above the alert threshold of ¥100.00',
    );
    expect(alertResolutionText(zh, closed(items, 'sessions_sweep:failed'))).toBe('结算清扫已结算本次尝试的全部订单');
    // The record for the log and the CLI is kept, in English.
    expect(closed(items, 'sessions_sweep:failing').resolution).toBe('sweep sw-1 ran through');
  });

  it("words a supervisor's repair of a parked order around their note, which stays as typed", async () => {
    const t = payApp({ payments: { stuckCancelAttempts: 1 } });
    const { order: o } = await orderWithConsumedCoupon(t.app);
    await pastTheTimeout(t);
    const supervisor = await addOperator(t.app, 'supervisor', 'li.supervisor');
    const note = '券记录被误标为已使用，已与司机核实';
    await ok(t.app, supervisor, 'payments.repairStuckOrder', { orderId: o.number, action: 'mark_resolved', note });
    const a = listAlerts(t.app, { open: false, limit: 10, offset: 0 }).items.find((x) => x.code === 'payments.cancel_stuck')!;
    expect(a).toMatchObject({ resolvedBy: 'li.supervisor', resolutionCode: 'order_repaired' });
    expect(alertResolutionText(zh, a)).toBe(`支付订单 ${o.number} 已由主管修复（标记为已解决）：${note}`);
    expect(alertResolutionText(en, a)).toBe(`Payment order ${o.number} repaired by a supervisor (Mark resolved): ${note}`);
    await t.scheduler.stop();
  });

  it('a resolution without a code (an older build’s, or plain text), or with a code not worded, shows as recorded; none shows nothing', () => {
    const older = { resolution: 'sweep 01J found 3 unsettled finished session(s), not above 100', resolutionCode: null, resolutionParams: null };
    expect(alertResolutionText(zh, older)).toBe(older.resolution);
    const unknown = { resolution: 'something new cleared', resolutionCode: 'something_new', resolutionParams: { x: 1 } };
    expect(alertResolutionText(en, unknown)).toBe(unknown.resolution);
    const paid = { resolution: 'order DD1 was paid while parked; nothing to repair', resolutionCode: 'order_paid_while_parked', resolutionParams: { number: 'DD1' } };
    expect(alertResolutionText(zh, paid)).toBe('支付订单 DD1 在暂停期间已支付，无需修复');
    const missing = { resolution: 'order DD1 was paid while parked', resolutionCode: 'order_paid_while_parked', resolutionParams: {} };
    expect(alertResolutionText(zh, missing)).toBe(missing.resolution);
    expect(alertResolutionText(zh, { resolution: null })).toBe('');
  });
});
