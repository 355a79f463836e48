import { describe, expect, it } from 'vitest';
import { STATES } from '../../src-renderer/pages/sessions/model';
import { attachableTo, parkedFor, reasonText } from '../../src-renderer/pages/sessions/records';

describe('the charger records tab', () => {
  it('offers a StopTransaction only sessions still charging, MeterValues only sessions that charged, a StartTransaction none (as the core decides)', () => {
    const offered = (kind: 'start' | 'meter' | 'stop') => STATES.filter((s) => attachableTo(kind, s));
    expect(offered('stop')).toEqual(['CHARGING', 'STOPPING']);
    expect(offered('meter')).toEqual(['CHARGING', 'STOPPING', 'FINISHED', 'PAID', 'UNPAID']);
    expect(offered('start')).toEqual([]);
  });

  it('says how long a record has been parked: under a minute, minutes, hours, then days', () => {
    const MIN = 60_000;
    expect(parkedFor(59_999)).toEqual({ key: 'sessions.records.age.justNow', params: {} });
    expect(parkedFor(60_000)).toEqual({ key: 'sessions.records.age.minutes', params: { n: 1 } });
    expect(parkedFor(59 * MIN)).toEqual({ key: 'sessions.records.age.minutes', params: { n: 59 } });
    expect(parkedFor(60 * MIN + 5 * MIN)).toEqual({ key: 'sessions.records.age.hours', params: { h: 1, m: 5 } });
    expect(parkedFor(24 * 60 * MIN - 1)).toEqual({ key: 'sessions.records.age.hours', params: { h: 23, m: 59 } });
    expect(parkedFor(50 * 60 * MIN)).toEqual({ key: 'sessions.records.age.days', params: { d: 2, h: 2 } });
    // A browser clock behind the server's must not show a negative age.
    expect(parkedFor(-5_000)).toEqual({ key: 'sessions.records.age.justNow', params: {} });
  });

  it("translates the consumer's own waiting reason and leaves any other reason as the core wrote it", () => {
    expect(reasonText('waiting for the StartTransaction of transaction 900001')).toEqual({ key: 'sessions.records.reason.waitingStart', params: { tx: '900001' } });
    expect(reasonText('error: disk says no')).toBeNull();
    expect(reasonText('waiting for the StartTransaction of transaction 7 (and more)')).toBeNull();
  });
});
