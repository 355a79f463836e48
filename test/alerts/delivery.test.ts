import { describe, expect, it } from 'vitest';
import { DEFAULT_DELIVERY, deliveryOf, inQuietHours, raiseAlert, setDeliverySettings, type DeliveryRules } from '../../src-main/alerts';
import type { DepotEvent } from '../../src-main/kernel/events';
import type { Role } from '../../src-main/kernel/roles';
import { alertNotification } from '../../src-main/shell/window';
import { makeApp } from '../helpers';

/**
 * Who hears of an alert (src-main/alerts/delivery.ts): the lowest level each role is notified of,
 * and quiet hours in the depot's zone during which only urgent alerts notify and sound.
 */

const ZONE = 'Asia/Shanghai'; // UTC+8, no daylight saving: 22:00 there is 14:00Z.
const at = (iso: string) => Date.parse(iso);

const night: DeliveryRules = {
  quietHours: { enabled: true, from: '22:00', to: '07:00' },
  roles: { operator: 'warning', supervisor: 'info', finance: 'none', admin: 'urgent' },
};

describe('quiet hours', () => {
  it('crossing midnight in Asia/Shanghai: quiet from 22:00 (included) until 07:00 (excluded)', () => {
    const q = night.quietHours;
    expect(inQuietHours(q, at('2026-01-15T13:59:59Z'), ZONE)).toBe(false); // 21:59:59
    expect(inQuietHours(q, at('2026-01-15T14:00:00Z'), ZONE)).toBe(true); // 22:00
    expect(inQuietHours(q, at('2026-01-15T15:59:00Z'), ZONE)).toBe(true); // 23:59
    expect(inQuietHours(q, at('2026-01-15T16:00:00Z'), ZONE)).toBe(true); // 00:00 the next day
    expect(inQuietHours(q, at('2026-01-15T22:59:59Z'), ZONE)).toBe(true); // 06:59:59
    expect(inQuietHours(q, at('2026-01-15T23:00:00Z'), ZONE)).toBe(false); // 07:00
    expect(inQuietHours(q, at('2026-01-16T04:00:00Z'), ZONE)).toBe(false); // 12:00
  });

  it('within one day (12:00–14:00), and read in the depot zone, not UTC', () => {
    const q = { enabled: true, from: '12:00', to: '14:00' };
    expect(inQuietHours(q, at('2026-01-15T04:00:00Z'), ZONE)).toBe(true); // 12:00 Shanghai
    expect(inQuietHours(q, at('2026-01-15T06:00:00Z'), ZONE)).toBe(false); // 14:00 Shanghai
    expect(inQuietHours(q, at('2026-01-15T12:30:00Z'), ZONE)).toBe(false); // 20:30 Shanghai, 12:30 UTC
    expect(inQuietHours(q, at('2026-01-15T12:30:00Z'), 'UTC')).toBe(true);
  });

  it('switched off, no instant is quiet', () => {
    expect(inQuietHours({ ...night.quietHours, enabled: false }, at('2026-01-15T16:00:00Z'), ZONE)).toBe(false);
  });
});

describe('deliveryOf', () => {
  it('the defaults are what DepotDesk did before: every role hears warnings and urgent alerts, only urgent ones sound, info stays in the app', () => {
    const t = at('2026-01-15T16:00:00Z'); // midnight: no quiet hours by default
    expect(deliveryOf(DEFAULT_DELIVERY, 'warning', t, ZONE)).toEqual({ roles: ['operator', 'supervisor', 'finance', 'admin'], sound: false });
    expect(deliveryOf(DEFAULT_DELIVERY, 'urgent', t, ZONE)).toEqual({ roles: ['operator', 'supervisor', 'finance', 'admin'], sound: true });
    expect(deliveryOf(DEFAULT_DELIVERY, 'info', t, ZONE)).toEqual({ roles: [], sound: false });
  });

  it('per role: each role hears alerts at or above its lowest level; none never', () => {
    const day = at('2026-01-15T04:00:00Z'); // 12:00, outside quiet hours
    expect(deliveryOf(night, 'info', day, ZONE)).toEqual({ roles: ['supervisor'], sound: false });
    expect(deliveryOf(night, 'warning', day, ZONE)).toEqual({ roles: ['operator', 'supervisor'], sound: false });
    expect(deliveryOf(night, 'urgent', day, ZONE)).toEqual({ roles: ['operator', 'supervisor', 'admin'], sound: true });
  });

  it('during quiet hours only urgent alerts notify and sound; warnings and notices notify nobody', () => {
    const quiet = at('2026-01-15T14:00:00Z'); // 22:00, the first quiet minute
    expect(deliveryOf(night, 'warning', quiet, ZONE)).toEqual({ roles: [], sound: false });
    expect(deliveryOf(night, 'info', quiet, ZONE)).toEqual({ roles: [], sound: false });
    expect(deliveryOf(night, 'urgent', quiet, ZONE)).toEqual({ roles: ['operator', 'supervisor', 'admin'], sound: true });
    // At 07:00 the warnings are heard again.
    expect(deliveryOf(night, 'warning', at('2026-01-15T23:00:00Z'), ZONE).roles).toEqual(['operator', 'supervisor']);
  });

  it('an urgent alert nobody is notified of does not sound', () => {
    const nobody: DeliveryRules = { ...night, roles: { operator: 'none', supervisor: 'none', finance: 'none', admin: 'none' } };
    expect(deliveryOf(nobody, 'urgent', at('2026-01-15T04:00:00Z'), ZONE)).toEqual({ roles: [], sound: false });
  });
});

describe('the alert event carries the core’s decision', () => {
  const tick = () => new Promise<void>((r) => setImmediate(r));

  it('a raised alert is announced with notify and sound from the saved settings, at the fake clock’s depot time', async () => {
    // 2026-01-15T14:30Z is 22:30 in Asia/Shanghai (the test clock's zone).
    const { app, clock } = makeApp();
    clock.set('2026-01-15T14:30:00Z');
    const events: DepotEvent[] = [];
    app.events.subscribe((e) => events.push(e));

    raiseAlert(app, { code: 'x.warn', level: 'warning', subject: 'x:1', message: 'a warning before the settings' });
    setDeliverySettings(app, night, 'lead');
    raiseAlert(app, { code: 'x.warn', level: 'warning', subject: 'x:2', message: 'a warning in quiet hours' });
    raiseAlert(app, { code: 'x.urgent', level: 'urgent', subject: 'x:3', message: 'urgent in quiet hours' });
    await tick();

    const alerts = events.filter((e) => e.type === 'alert').map((e) => e.payload);
    expect(alerts).toEqual([
      { level: 'warning', code: 'x.warn', message: 'a warning before the settings', details: {}, notify: ['operator', 'supervisor', 'finance', 'admin'], sound: false },
      { level: 'warning', code: 'x.warn', message: 'a warning in quiet hours', details: {}, notify: [], sound: false },
      { level: 'urgent', code: 'x.urgent', message: 'urgent in quiet hours', details: {}, notify: ['operator', 'supervisor', 'admin'], sound: true },
    ]);
  });

  it('the desktop notification follows notify: none when nobody is notified; narrowed to the roles signed in when known', () => {
    const ev = (notify: Role[]): DepotEvent => ({
      type: 'alert',
      at: 0,
      payload: { level: 'warning', code: 'x', message: 'm', notify, sound: false },
    });
    expect(alertNotification(ev([]), 'en-US')).toBeNull();
    expect(alertNotification(ev(['supervisor']), 'en-US')).toEqual({ title: 'DepotDesk warning', body: 'm' });
    expect(alertNotification(ev(['supervisor']), 'en-US', ['operator'])).toBeNull();
    expect(alertNotification(ev(['supervisor']), 'zh-CN', ['operator', 'supervisor'])).toEqual({ title: 'DepotDesk 警告', body: 'm' });
  });
});
