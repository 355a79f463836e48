import { describe, expect, it } from 'vitest';
import { wordingFor } from '../../src-renderer/i18n';
import { jobOriginText, jobSubjects, jobSubjectText } from '../../src-renderer/pages/jobs/subject';

const zh = wordingFor('zh-CN');
const en = wordingFor('en-US');
// 2026-12-08 06:55:35 in Asia/Shanghai, the depot's zone (22:55:35 UTC the day before).
const slot = Date.parse('2026-12-07T22:55:35.000Z');

describe('the job drawer says what a job is about, not its arguments as JSON', () => {
  it('reads what the arguments name: a refund task, a session, a campaign, an export, a day; nothing when they are empty', () => {
    expect(jobSubjects({})).toEqual([]);
    expect(jobSubjects(null)).toEqual([]);
    expect(jobSubjects({ taskId: 'T1' })).toEqual([{ type: 'refundTask', id: 'T1' }]);
    expect(jobSubjects({ sessionId: 'S1' })).toEqual([{ type: 'session', id: 'S1' }]);
    expect(jobSubjects({ orderId: 'O1' })).toEqual([{ type: 'order', id: 'O1' }]);
    // Who started a payout is in the audit log; the campaign is what the job is about.
    expect(jobSubjects({ campaignId: 'C1', operatorId: 'OP1' })).toEqual([{ type: 'campaign', id: 'C1' }]);
    expect(jobSubjects({ exportId: 'E1' })).toEqual([{ type: 'export', id: 'E1' }]);
    expect(jobSubjects({ day: '2026-12-07' })).toEqual([{ type: 'day', day: '2026-12-07' }]);
    // An argument no screen knows yet is shown as the value it is, never dropped.
    expect(jobSubjects({ batch: 3 })).toEqual([{ type: 'other', key: 'batch', value: '3' }]);
  });

  it('words each in the operator’s language, with the numbers people quote (DD…, CD…) and money in yuan', () => {
    const task = { type: 'refundTask', id: 'T1' } as const;
    expect(jobSubjectText(zh, task, { orderNumber: 'DD202612070002', amountFen: 1250 })).toBe('退款任务：支付订单 DD202612070002，¥12.50');
    expect(jobSubjectText(en, task, { orderNumber: 'DD202612070002', amountFen: 1250 })).toBe('Refund task: order DD202612070002, ¥12.50');
    expect(jobSubjectText(zh, { type: 'session', id: 'S1' }, { number: 'CD00000042' })).toBe('充电订单 CD00000042');
    expect(jobSubjectText(en, { type: 'order', id: 'O1' }, { number: 'DD202612070002' })).toBe('Payment order DD202612070002');
    expect(jobSubjectText(en, { type: 'campaign', id: 'C1' }, { name: '12月停电补偿' })).toBe('Compensation campaign “12月停电补偿”');
    expect(jobSubjectText(zh, { type: 'export', id: 'E1' }, { kind: 'revenue' })).toBe('导出报表：' + zh.t('reports.kind.revenue'));
    expect(jobSubjectText(zh, { type: 'day', day: '2026-12-07' }, null)).toBe('营业日 2026-12-07');
    expect(jobSubjectText(en, { type: 'day', day: '2026-12-07' }, null)).toBe('Business day 2026-12-07');
    expect(jobSubjectText(en, { type: 'other', key: 'batch', value: '3' }, null)).toBe('batch 3');
  });

  it('says a thing the depot no longer has is gone, not its id', () => {
    expect(jobSubjectText(zh, { type: 'refundTask', id: 'T1' }, null)).toBe('退款任务（已不存在）');
    expect(jobSubjectText(en, { type: 'session', id: 'S1' }, null)).toBe('Session (no longer there)');
    for (const w of [zh, en]) {
      for (const type of ['refundTask', 'session', 'order', 'campaign', 'export'] as const)
        expect(jobSubjectText(w, { type, id: '01KBZXT5N0Q8R7' }, null)).not.toContain('01KBZXT5N0Q8R7');
    }
  });

  it('says a scheduled run is one, for which slot in the depot’s zone, and how many it caught up', () => {
    expect(jobOriginText(zh, { cron: 'payments.pollOrders', slotAt: slot, missedSlots: 0, catchUp: false })).toBe('定时计划的例行运行，计划于 2026-12-08 06:55:35');
    expect(jobOriginText(en, { cron: 'recon.daily', slotAt: slot, missedSlots: 2, catchUp: true })).toBe(
      'Routine run of a schedule, due at 2026-12-08 06:55:35 (catching up: 2 runs missed while stopped)',
    );
    // A job started by a person or by another job has no origin recorded: nothing to say.
    expect(jobOriginText(zh, {})).toBeNull();
    for (const w of [zh, en]) expect(jobOriginText(w, { cron: 'x', slotAt: slot })).not.toMatch(/Z$|T22:55/);
  });
});
