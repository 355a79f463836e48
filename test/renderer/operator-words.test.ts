import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { wordingFor } from '../../src-renderer/i18n/wording';
import { auditInputText, auditRefs, parseAuditInput } from '../../src-renderer/lib/auditInput';
import { REPO_ROOT } from '../helpers';
import { errorName } from '../../src-renderer/lib/ocppWords';
import { zhCN } from '../../src-renderer/i18n/zh-CN';
import { enUS } from '../../src-renderer/i18n/en-US';
import { depot } from '../../src-main/modules';
import { configSchema } from '../../src-main/kernel/config';
import { DEFAULT_QUEUE } from '../../src-main/jobs';
import { RULES, RULE_CODES } from '../../src-main/risk';
import { FAILURE_CODES } from '../../src-main/sessions/schema';
import type { AvailabilityOutcome } from '../../src-main/chargers';
import type { ErrorCode } from '../../src-main/kernel/errors';

/**
 * The codes the core hands the screens have words in both languages (issue 16: queue names, rule
 * codes and failure codes reached the operator raw). Each list is read from the core itself, so a
 * new queue, rule or failure without words fails here, not on an operator's screen.
 */
const unworded = (keys: string[]) => [...new Set(keys)].filter((k) => !(k in zhCN) || !(k in enUS));

describe('the operator reads words, not codes', () => {
  it('every OCPP 1.6 ChargePointErrorCode a charger reports has words (charger cards, device-health evidence); a vendor’s own code is shown as sent', () => {
    // OCPP 1.6 §7.6 ChargePointErrorCode, less NoError (never shown).
    const codes = [
      'ConnectorLockFailure',
      'EVCommunicationError',
      'GroundFailure',
      'HighTemperature',
      'InternalError',
      'LocalListConflict',
      'OtherError',
      'OverCurrentFailure',
      'OverVoltage',
      'PowerMeterFailure',
      'PowerSwitchFailure',
      'ReaderFailure',
      'ResetFailure',
      'UnderVoltage',
      'WeakSignal',
    ];
    expect(unworded(codes.map((c) => `ocpp.error.${c}`))).toEqual([]);
    const maybe = (key: string) => (zhCN as Record<string, string>)[key];
    expect(errorName(maybe, 'GroundFailure')).toBe('接地故障');
    expect(errorName(maybe, 'GroundFailure (E-GF-01)')).toBe('接地故障 (E-GF-01)');
    expect(errorName(maybe, 'ACME-E42')).toBe('ACME-E42');
  });

  it('every queue a worker runs on or the configuration names has a name (the Jobs page, the job drawer)', () => {
    const queues = [DEFAULT_QUEUE, ...depot.workers.map((w) => w.queue ?? DEFAULT_QUEUE), ...Object.keys(configSchema.parse({}).jobs.queues)];
    expect(queues).toContain('payments');
    expect(unworded(queues.map((q) => `jobs.queue.${q}`))).toEqual([]);
  });

  it('every schedule is named by the kind it enqueues', () => {
    expect(unworded(depot.crons.map((c) => `jobs.kind.${c.kind}`))).toEqual([]);
  });

  it('every risk rule has a name, what it decides, and (a driver rule) the reason a listing gives', () => {
    expect(unworded(RULE_CODES.flatMap((c) => [`risk.rule.${c}`, `risk.ruleDesc.${c}`]))).toEqual([]);
    const driverRules = RULE_CODES.filter((c) => RULES[c].target === 'driver');
    expect(unworded(driverRules.map((c) => `risk.bl.ruleReason.${c}`))).toEqual([]);
    const chargerRules = RULE_CODES.filter((c) => RULES[c].target === 'charger');
    expect(unworded(chargerRules.map((c) => `alerts.evidence.${c}`))).toEqual([]);
  });

  it('every reason a start fails for, and every answer a charger gives to a maintenance switch, is worded', () => {
    expect(unworded(FAILURE_CODES.map((c) => `comp.failure.${c}`))).toEqual([]);
    const answers = { Accepted: true, Rejected: true, Scheduled: true, not_sent: true, failed: true } satisfies Record<AvailabilityOutcome, true>;
    expect(unworded(Object.keys(answers).map((a) => `chargers.availability.${a}`))).toEqual([]);
  });
});

/** The actions domains audit themselves (appendAudit with a method of its own, outside the dispatcher). */
function directlyAudited(): string[] {
  const dir = path.join(REPO_ROOT, 'src-main');
  const found: string[] = [];
  for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) {
    if (!f.endsWith('.ts')) continue;
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    for (let at = text.indexOf('appendAudit(app, {'); at >= 0; at = text.indexOf('appendAudit(app, {', at + 1)) {
      const m = /method: '([\w.]+)'/.exec(text.slice(at, at + 600));
      if (m) found.push(m[1]);
    }
  }
  return found;
}

describe('the audit log reads as what people did', () => {
  it('every audited action has words: each command of the contract, and the rows domains write themselves', () => {
    const commands = Object.entries(depot.methods)
      .filter(([, d]) => d.kind === 'command')
      .map(([name]) => name);
    const direct = directlyAudited();
    expect(direct).toEqual(expect.arrayContaining(['compensation.credit', 'compensation.freeze', 'system.demo']));
    expect(unworded([...commands, ...direct].map((m) => `audit.action.${m}`))).toEqual([]);
  });

  it('every result a call can end with is worded (the result column; the title of a refusal anywhere)', () => {
    const codes = {
      invalid_input: true,
      unknown_method: true,
      unauthenticated: true,
      forbidden: true,
      not_found: true,
      conflict: true,
      idempotency_conflict: true,
      insufficient_funds: true,
      refused: true,
      guard_failed: true,
      schema_too_new: true,
      migration_edited: true,
      integrity_failed: true,
      chain_key_missing: true,
      chain_key_invalid: true,
      chain_broken: true,
      config_invalid: true,
      usage: true,
      unavailable: true,
      rate_limited: true,
      internal: true,
    } satisfies Record<ErrorCode, true>;
    expect(unworded(['audit.result.ok', ...Object.keys(codes).map((c) => `error.${c}`)])).toEqual([]);
  });

  it('an input is summed up by the fields people ask about, sessions and orders by number, money in yuan', () => {
    const zh = wordingFor('zh-CN');
    const en = wordingFor('en-US');
    const numbers = { session: (id: string) => (id === 'S1' ? 'CD00000042' : id), order: (id: string) => (id === 'O1' ? 'DD202612070002' : id) };
    const refund = parseAuditInput('{"sessionId":"S1","orderId":null,"amount":"3.5","reason":"启动失败补偿","key":"k-1"}');
    expect(auditRefs('adjustments.create', refund)).toEqual({ sessionId: 'S1', orderId: undefined });
    expect(auditInputText(zh, 'adjustments.create', refund, numbers)).toBe('充电订单 CD00000042 · 金额 ¥3.50 · 原因 启动失败补偿');
    expect(auditInputText(en, 'adjustments.create', refund, numbers)).toBe('Session CD00000042 · Amount ¥3.50 · Reason 启动失败补偿');
    const stop = parseAuditInput('{"id":"S1"}');
    expect(auditInputText(zh, 'sessions.stop', stop, numbers)).toBe('充电订单 CD00000042');
    const cancel = parseAuditInput('{"orderId":"O1","reason":"顾客改用现金"}');
    expect(auditInputText(zh, 'payments.cancelOrder', cancel, numbers)).toBe('支付订单 DD202612070002 · 原因 顾客改用现金');
    // compensation.approve confirms the dry run's total in fen; a rule change names the rule.
    expect(auditInputText(zh, 'compensation.approve', parseAuditInput('{"campaignId":"C1","drivers":24,"total":123456}'), numbers)).toBe('合计 ¥1,234.56 · 人数 24');
    expect(auditInputText(zh, 'risk.setRule', parseAuditInput('{"code":"charger.faults","params":{"count":4}}'), numbers)).toBe('规则 充电桩频繁故障');
    // Nothing known, or an input cut at 1000 characters: no summary (the full record is one click away).
    expect(auditInputText(zh, 'risk.evaluate', parseAuditInput('{}'), numbers)).toBe('');
    expect(parseAuditInput('{"spec":{"name":"…')).toBeNull();
  });
});
