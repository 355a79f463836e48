import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src-renderer/api/client';
import { wordingFor } from '../../src-renderer/i18n';
import { errorParams, wordError } from '../../src-renderer/lib/errors';
import { setMaintenance } from '../../src-main/chargers';
import { call } from '../helpers';
import { startSessionDepot } from '../sessions/helpers';

const zh = wordingFor('zh-CN');
const en = wordingFor('en-US');

/** A refused call as the renderer's client hands it on: an ApiError with the core's code and details. */
async function refusal(run: () => ReturnType<typeof call>): Promise<ApiError> {
  const r = await run();
  if (r.ok) throw new Error('expected a refusal');
  return new ApiError(r.error.code, r.error.message, r.error.details, 'sessions.start');
}

describe('the renderer words the core’s refusals in the operator’s language', () => {
  it('a start refused for the wallet, for maintenance and for a busy connector reads in Chinese with its figures, and in English', async () => {
    const depot = await startSessionDepot();
    const { app } = depot;
    await depot.charger('CP-1');
    const driver = depot.driver({ topUpYuan: 50 });
    const start = (p: Record<string, unknown>) => () =>
      call(app, depot.operator, 'sessions.start', { chargerId: 'CP-1', connectorId: 1, driver: driver.id, prepay: '10.00', ...p });

    const poor = await refusal(start({ prepay: '60.00' }));
    expect(wordError(zh, poor)).toEqual({ title: '余额不足', detail: `预付 ¥60.00 超过 ${driver.name} 钱包的可用余额 ¥50.00` });
    expect(wordError(en, poor).detail).toBe(`The prepay of ¥60.00 is more than the ¥50.00 available in ${driver.name}’s wallet`);

    setMaintenance(app, 'CP-1', true, 'cable replaced');
    expect(wordError(zh, await refusal(start({})))).toEqual({ title: '操作被拒绝', detail: '充电桩 CP-1 处于维护模式' });
    setMaintenance(app, 'CP-1', false);

    await call(app, depot.operator, 'sessions.start', { chargerId: 'CP-1', connectorId: 1, driver: driver.id, prepay: '10.00' });
    expect(wordError(zh, await refusal(start({}))).detail).toBe('充电桩 CP-1 的 1 号枪正在使用中');
  });

  it('an error whose reason the dictionaries do not know keeps the core’s message, under a worded title', () => {
    const e = new ApiError('not_found', 'driver nobody: no driver has this id, phone or card', { field: 'driver' }, 'sessions.start');
    expect(wordError(zh, e)).toEqual({ title: '找不到对象', detail: 'driver nobody: no driver has this id, phone or card' });
    const odd = new ApiError('refused', 'something new', { reason: 'a_reason_not_worded_yet' }, 'x');
    expect(wordError(en, odd).detail).toBe('something new');
  });

  it('takes parameters from the details and one level down, money from fen', () => {
    expect(errorParams({ reason: 'over_refundable', amountFen: 999_900, limit: { availableFen: 18_750, paidFen: 20_000 } })).toMatchObject({
      amount: '¥9,999.00',
      available: '¥187.50',
      paid: '¥200.00',
      reason: 'over_refundable',
    });
    expect(errorParams({ reason: 'data_changed', then: { drivers: 3 }, now: { drivers: 5 } })).toMatchObject({ thenDrivers: 3, nowDrivers: 5 });
  });
});
