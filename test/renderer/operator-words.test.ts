import { describe, expect, it } from 'vitest';
import { zhCN } from '../../src-renderer/i18n/zh-CN';
import { enUS } from '../../src-renderer/i18n/en-US';
import { depot } from '../../src-main/modules';
import { configSchema } from '../../src-main/kernel/config';
import { DEFAULT_QUEUE } from '../../src-main/jobs';
import { RULES, RULE_CODES } from '../../src-main/risk';
import { FAILURE_CODES } from '../../src-main/sessions/schema';
import type { AvailabilityOutcome } from '../../src-main/chargers';

/**
 * The codes the core hands the screens have words in both languages (issue 16: queue names, rule
 * codes and failure codes reached the operator raw). Each list is read from the core itself, so a
 * new queue, rule or failure without words fails here, not on an operator's screen.
 */
const unworded = (keys: string[]) => [...new Set(keys)].filter((k) => !(k in zhCN) || !(k in enUS));

describe('the operator reads words, not codes', () => {
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
