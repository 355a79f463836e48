import { describe, expect, it } from 'vitest';
import { depot } from '../../src-main/modules';
import { wordingFor } from '../../src-renderer/i18n/wording';
import { cronText } from '../../src-renderer/lib/cronText';

/** When a schedule runs on the Jobs page's schedules tab: in words, not a cron expression (issue 16). */
describe('a schedule in words', () => {
  const zh = wordingFor('zh-CN');
  const en = wordingFor('en-US');

  it('every schedule the depot registers is worded in both languages', () => {
    expect(depot.crons.length).toBeGreaterThan(0);
    const unworded = depot.crons.filter((c) => cronText(zh, c.expression) === null || cronText(en, c.expression) === null).map((c) => `${c.name}: ${c.expression}`);
    expect(unworded).toEqual([]);
  });

  it('reads the shapes the depot schedules as an operator would say them', () => {
    const cases: [string, string, string][] = [
      ['* * * * *', '每分钟', 'Every minute'],
      ['*/1 * * * *', '每分钟', 'Every minute'],
      ['*/5 * * * *', '每 5 分钟', 'Every 5 minutes'],
      ['17 * * * *', '每小时第 17 分钟', 'Hourly at :17'],
      ['0 1 * * *', '每天 01:00', 'Daily at 01:00'],
      ['30 10 * * *', '每天 10:30', 'Daily at 10:30'],
      ['55 23 * * *', '每天 23:55', 'Daily at 23:55'],
    ];
    for (const [expression, zhWords, enWords] of cases) {
      expect(cronText(zh, expression), expression).toBe(zhWords);
      expect(cronText(en, expression), expression).toBe(enWords);
    }
  });

  it('words a weekly, a monthly and an every-n-hours schedule, should one be added', () => {
    expect(cronText(zh, '0 3 * * 1')).toBe('每周一 03:00');
    expect(cronText(en, '0 3 * * 0')).toBe('Every Sunday at 03:00');
    expect(cronText(en, '0 3 * * 7')).toBe('Every Sunday at 03:00');
    expect(cronText(zh, '15 4 1 * *')).toBe('每月 1 日 04:15');
    expect(cronText(en, '5 */6 * * *')).toBe('Every 6 hours at :05');
  });

  it('leaves anything else to the expression itself (null), never a wrong sentence', () => {
    for (const expression of [
      '0 1 * * 1-5',
      '0,30 * * * *',
      '0 1 1 1 *',
      '0 1 * * MON',
      '0 0 1 * * *',
      '61 * * * *',
      '0 24 * * *',
      '*/0 * * * *',
      '0 1 1 * 1',
      '',
      'daily',
    ]) {
      expect(cronText(zh, expression), expression).toBeNull();
      expect(cronText(en, expression), expression).toBeNull();
    }
  });
});
