import { describe, expect, it } from 'vitest';
import { wordingFor } from '../../src-renderer/i18n';
import { taskStateTag } from '../../src-renderer/pages/compensation/taskState';

const zh = wordingFor('zh-CN');
const en = wordingFor('en-US');
// 2026-12-06 14:05 in Asia/Shanghai, the depot's zone.
const next = Date.parse('2026-12-06T06:05:00Z');

describe('the refund-task queue says when a failed attempt is tried again', () => {
  it('a pending task not yet tried reads 待处理; one the gateway failed once reads 等待重试 with the time, in either language', () => {
    expect(taskStateTag({ state: 'pending', attempts: 0, nextAttemptAt: next }, zh.t)).toEqual({ text: '待处理', tone: 'processing', color: 'blue' });
    expect(taskStateTag({ state: 'pending', attempts: 1, nextAttemptAt: next }, zh.t)).toEqual({ text: '等待重试 12-06 14:05', tone: 'warning', color: 'gold' });
    expect(taskStateTag({ state: 'pending', attempts: 2, nextAttemptAt: next }, en.t).text).toBe('Retrying at 12-06 14:05');
    expect(taskStateTag({ state: 'failed', attempts: 3, nextAttemptAt: next }, zh.t)).toEqual({ text: '失败', tone: 'error', color: 'red' });
  });
});
