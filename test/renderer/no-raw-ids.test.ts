import { createElement, type ReactElement } from 'react';
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { MethodOutput } from '../../src-main/contract/types';
import { I18nProvider, wordingFor } from '../../src-renderer/i18n';
import { DriverName, driverLabel } from '../../src-renderer/pages/sessions/DriverSelect';
import { SessionFacts } from '../../src-renderer/pages/sessions/SessionDrawer';
import { RuleNameCell } from '../../src-renderer/pages/risk/RulesTab';
import { TaskExchange } from '../../src-renderer/pages/compensation/RefundTasksTab';
import { refundAttempt } from '../../src-renderer/pages/compensation/taskState';
import { sessionStateOptions } from '../../src-renderer/pages/compensation/wizardModel';

/**
 * Issue 16's audit of the sessions, risk and compensation screens: a driver's ULID in a tooltip,
 * a card shown as the tag made from a session id, rule codes as tags, a refund task opening on its
 * idempotency key and raw gateway JSON, session states with their code in brackets. Each screen is
 * rendered (zh-CN, the default) or its wording asked in both languages.
 */

const zh = wordingFor('zh-CN');
const en = wordingFor('en-US');
const render = (el: ReactElement) => renderToString(createElement(I18nProvider, null, el));
/** What the operator can read: the text, and any native tooltip (title). Test ids and classes are not on screen. */
const onScreen = (html: string) =>
  [...html.replace(/<[^>]*>/g, ' ').split(/\s+/), ...[...html.matchAll(/title="([^"]*)"/g)].map((m) => m[1])].join(' ').replaceAll('&quot;', '"');
const ULID = '01M99B7AP8Q4ZK2V6XN3R5T7WY';

type Session = MethodOutput<'sessions.get'>['session'];
type Task = MethodOutput<'refunds.get'>;

function session(over: Partial<Session>): Session {
  return {
    id: ULID,
    number: 'CD00000074',
    state: 'FAILED',
    origin: 'operator',
    chargerId: 'SIM-002',
    connectorId: 1,
    stationId: 'depot-1',
    driverId: '01DRIVER0000000000000000AA',
    idTag: 'DEMOBURST24',
    card: 'DEMOBURST24',
    transactionId: null,
    prepay: '50.00',
    holdId: null,
    meterStartWh: null,
    meterStopWh: null,
    startedAt: null,
    startReceivedAt: null,
    stoppedAt: null,
    stopReceivedAt: null,
    stopReason: null,
    energyWh: null,
    amountFen: null,
    amount: null,
    electricityFen: null,
    serviceFen: null,
    paidHoldFen: null,
    paidWalletFen: null,
    debtFen: null,
    debtId: null,
    settlementKey: null,
    settledAt: null,
    failureReason: null,
    reviewReason: null,
    reviewState: null,
    reviewNote: null,
    reviewedBy: null,
    reviewedAt: null,
    createdAt: 0,
    createdBy: null,
    updatedAt: 0,
    ...over,
  };
}

// 2026-12-06 14:05 in Asia/Shanghai, the depot's zone.
const AT = Date.parse('2026-12-06T06:05:00Z');

function task(over: Partial<Task>): Task {
  return {
    id: '01REFUNDTASK00000000000000',
    source: 'adjustment',
    adjustmentId: '01ADJ',
    unmatchedId: null,
    driverId: '01DRIVER0000000000000000AA',
    driverName: '张三',
    orderId: '01ORDER',
    orderNumber: 'DD2026120600012',
    amount: { fen: 2000, yuan: '20.00' },
    total: { fen: 6800, yuan: '68.00' },
    state: 'completed',
    attempts: 1,
    maxAttempts: 3,
    lastError: null,
    provider: 'simulated-wechat',
    channel: 'wechat',
    reason: '桩故障补退',
    refundKey: 'refund:adjust:01ADJ',
    requestEndpoint: 'simulated-wechat: POST /v3/refund/domestic/refunds',
    requestBody: JSON.stringify({ idempotencyKey: '01REFUNDTASK00000000000000', orderNumber: 'DD2026120600012', totalFen: 6800, amountFen: 2000 }),
    responseBody: JSON.stringify({ status: 'SUCCESS', refund_id: 'SIMR01REFUNDTASK00000000000000' }),
    providerRefundNo: '50300000012026120612345678',
    nextAttemptAt: AT,
    completedAt: AT,
    resolution: null,
    resolutionNote: null,
    resolvedBy: null,
    resolvedAt: null,
    createdAt: AT - 60_000,
    updatedAt: AT,
    ...over,
  };
}

describe('the sessions list names a driver without their id', () => {
  it('a driver cell carries no ULID, not even as a tooltip, while the name is fetched', () => {
    const html = render(createElement(DriverName, { id: ULID }));
    expect(html).not.toContain(ULID);
    expect(html).not.toContain('title=');
  });

  it('once known, a driver reads as name and masked phone', () => {
    expect(driverLabel({ name: '张三', phone: '13812345678' })).toBe('张三 · 138****5678');
  });
});

describe("the session drawer's card is the card the charger was given", () => {
  it('shows the driver card under 卡号, never a tag made from the session id', () => {
    const html = render(createElement(SessionFacts, { session: session({}) }));
    expect(html).toContain('卡号');
    expect(html).toContain('DEMOBURST24');
  });

  it('a session started for a driver without a card says so instead of showing the made-up tag', () => {
    const html = render(createElement(SessionFacts, { session: session({ idTag: 'DDdemo-burst-00074', card: null }) }));
    expect(html).not.toContain('DDdemo-burst-00074');
    expect(html).toContain(zh.t('sessions.noCard'));
    expect(en.t('sessions.noCard')).not.toMatch(/id ?tag/i);
  });

  it('the English label is Card, without protocol jargon', () => {
    expect(en.t('sessions.idTag')).toBe('Card');
    expect(zh.t('sessions.idTag')).toBe('卡号');
  });
});

describe('a risk rule is shown by its name', () => {
  it('the rule cell names the rule and does not print its code', () => {
    for (const [code, name] of [
      ['driver.written_off_debts', '多次坏账核销'],
      ['charger.failed_starts', zh.t('risk.rule.charger.failed_starts')],
      ['review.aging', zh.t('risk.rule.review.aging')],
    ]) {
      const shown = onScreen(render(createElement(RuleNameCell, { code })));
      expect(shown).toContain(name);
      expect(shown).not.toContain(code);
    }
  });
});

describe('a refund task opens on what happened, in words', () => {
  it('a completed attempt: when, channel, outcome, the gateway refund number and the amount in yuan', () => {
    const a = refundAttempt(task({}), zh);
    expect(a).toEqual({
      attempts: '已尝试 1 次（最多 3 次）',
      at: '2026-12-06 14:05:00',
      channel: '微信支付',
      outcome: '渠道已退款',
      refundNo: '50300000012026120612345678',
      amount: '¥20.00（原支付 ¥68.00）',
      error: null,
    });
    expect(refundAttempt(task({}), en)).toMatchObject({ channel: 'WeChat Pay', outcome: 'Refunded by the gateway', amount: '¥20.00 (of ¥68.00 paid)' });
  });

  it("a refusal is worded from the gateway's code; a code the dictionaries do not know is named as the gateway's", () => {
    const refused = (code: string) =>
      task({
        state: 'failed',
        attempts: 3,
        completedAt: null,
        providerRefundNo: null,
        lastError: `attempt 3/3 refused: simulated-wechat: refunds would exceed the paid 6800 fen (${code})`,
        responseBody: JSON.stringify({ code: 'refused', message: '…', details: { provider: 'simulated-wechat', providerCode: code, outcome: 'refused' } }),
      });
    expect(refundAttempt(refused('NOT_ENOUGH'), zh)).toMatchObject({ outcome: '渠道拒绝，3 次尝试已用完', error: '可退金额不足', refundNo: null });
    expect(refundAttempt(refused('NOT_ENOUGH'), en)).toMatchObject({ error: 'Not enough left to refund on the payment' });
    expect(refundAttempt(refused('ACQ.WEIRD'), zh).error).toBe('渠道拒绝了退款（渠道错误码 ACQ.WEIRD）');
  });

  it('an unknown outcome and a pending retry read as such', () => {
    const unknown = task({
      state: 'needs_check',
      completedAt: null,
      providerRefundNo: null,
      lastError: 'outcome unknown: simulated-wechat: outcome unknown: timeout',
      responseBody: null,
    });
    expect(refundAttempt(unknown, zh)).toMatchObject({ outcome: '结果未知，下次处理时向渠道查询', error: '渠道未应答（超时或连接中断），不确定是否已退款' });
    const retry = task({
      state: 'pending',
      completedAt: null,
      providerRefundNo: null,
      lastError: 'attempt 1/3 refused: simulated-wechat: refund refused by the simulated gateway (SYSTEMERROR)',
      responseBody: JSON.stringify({ code: 'refused', message: '…', details: { providerCode: 'SYSTEMERROR' } }),
    });
    expect(refundAttempt(retry, zh)).toMatchObject({ outcome: '渠道拒绝，12-06 14:05 重试', error: '渠道系统繁忙' });
    const fresh = task({ state: 'pending', attempts: 0, completedAt: null, providerRefundNo: null, requestEndpoint: null, requestBody: null, responseBody: null });
    expect(refundAttempt(fresh, zh)).toMatchObject({ attempts: '尚未发送', at: null, outcome: '等待发送' });
  });

  it('the opened row shows the attempt in words; the key, endpoint and raw JSON only behind 技术详情', () => {
    const shown = onScreen(render(createElement(TaskExchange, { task: task({}) })));
    expect(shown).toContain('渠道已退款');
    expect(shown).toContain('¥20.00（原支付 ¥68.00）');
    expect(shown).toContain('50300000012026120612345678');
    expect(shown).toContain('技术详情');
    for (const raw of ['01REFUNDTASK00000000000000', 'POST /v3/refund', 'simulated-wechat', 'totalFen', 'refund_id', '"status"', 'SUCCESS'])
      expect(shown).not.toContain(raw);
  });
});

describe('the campaign form offers session states in words', () => {
  it('no state code in brackets, in either language', () => {
    expect(sessionStateOptions(zh.t).map((o) => o.label)).toEqual(['启动失败', '已取消', '未支付', '已支付', '已结束']);
    expect(sessionStateOptions(en.t)[0]).toEqual({ value: 'FAILED', label: 'Failed start' });
    for (const o of sessionStateOptions(en.t)) expect(o.label).not.toContain(o.value);
  });
});
