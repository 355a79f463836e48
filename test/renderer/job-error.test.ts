import { describe, expect, it } from 'vitest';
import { wordingFor } from '../../src-renderer/i18n/wording';
import { jobErrorWords } from '../../src-renderer/pages/jobs/model';
import { errorEntry } from '../../src-main/jobs/queue';
import { DepotError } from '../../src-main/kernel/errors';

/** A job's last error on the Jobs page and in its drawer: the code in words, the handler's English record behind it (issue 16). */
describe("a job's error on the Jobs page", () => {
  const recorded = (error: unknown) => errorEntry(2, 0, error).error;

  it('an error the core gave a code reads in words in each language, the code kept beside them', () => {
    const error = recorded(new DepotError('unavailable', 'no connection to the broker at mqtt://127.0.0.1:1883 after 5000 ms'));
    expect(jobErrorWords(wordingFor('zh-CN').maybe, error)).toEqual({ words: '服务暂不可用', code: 'unavailable' });
    expect(jobErrorWords(wordingFor('en-US').maybe, error)).toEqual({ words: 'Service unavailable', code: 'unavailable' });
    expect(jobErrorWords(wordingFor('zh-CN').maybe, recorded(new DepotError('not_found', 'no driver D1')))).toEqual({ words: '找不到对象', code: 'not_found' });
  });

  it('an error without a code, or with one the dictionaries do not know, is left as recorded', () => {
    const zh = wordingFor('zh-CN').maybe;
    expect(jobErrorWords(zh, recorded(new Error('gateway timeout')))).toBeNull();
    expect(jobErrorWords(zh, recorded(Object.assign(new Error('x'), { code: 'ECONNRESET' })))).toBeNull();
    expect(jobErrorWords(zh, recorded('cancelled by the worker: shutdown'))).toBeNull();
  });
});
