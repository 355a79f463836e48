import { describe, expect, it } from 'vitest';
import { wordingFor } from '../../src-renderer/i18n';
import { enUS } from '../../src-renderer/i18n/en-US';
import { zhCN } from '../../src-renderer/i18n/zh-CN';

const zh = wordingFor('zh-CN');
const en = wordingFor('en-US');

describe('texts on the Jobs, Alerts, Audit and Charger records screens use the operator’s words (issue 16)', () => {
  it('the alerts search box says what can be searched, not "code"', () => {
    expect(en.t('alerts.filter.search')).toBe('Search alert text: a charger, an order number…');
    expect(zh.t('alerts.filter.search')).toBe('搜索告警内容：充电桩、订单号…');
    expect(en.t('alerts.filter.search')).not.toMatch(/code/i);
    expect(zh.t('alerts.filter.search')).not.toContain('代码');
  });

  it('folded jobs are "routine runs", not cron jobs', () => {
    expect(en.t('jobs.routine.folded', { n: 12 })).toBe('12 routine runs folded (scheduled runs that finished at the first try; counted under Schedules)');
    expect(en.t('jobs.routine.folded', { n: 12 })).not.toMatch(/cron/i);
    expect(zh.t('jobs.routine.folded', { n: 12 })).not.toMatch(/cron/i);
  });

  it('the audit log’s channel column is "Via" / 来源 (Web, Desktop, Command line…), not "Door" / 入口', () => {
    expect(en.t('audit.transport')).toBe('Via');
    expect(zh.t('audit.transport')).toBe('来源');
    expect(en.t('audit.transport.http')).toBe('Web');
  });

  it('the charger records intro names the stop record in words, not the OCPP message', () => {
    expect(en.t('sessions.records.hint')).toContain("the charger's stop record");
    for (const w of [zh, en]) expect(w.t('sessions.records.hint')).not.toContain('StopTransaction');
  });

  it('no text in either language names an OCPP message (StartTransaction, StopTransaction, MeterValues, RemoteStart…): records are named in words', () => {
    const ocpp = /\b(Start|Stop)Transaction\b|\bMeterValues\b|\bRemote(Start|Stop)(Transaction)?\b|\bStatusNotification\b|\bBootNotification\b/;
    for (const dictionary of [zhCN, enUS]) {
      const named = Object.entries(dictionary).filter(([, text]) => ocpp.test(text));
      expect(named).toEqual([]);
    }
    expect(en.t('sessions.records.kind.stop')).toBe('Stop record');
    expect(en.t('sessions.event.late_stop')).toBe('Late stop record');
  });
});
