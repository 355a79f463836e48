import { z } from 'zod';
import type { AppContext } from '../kernel/context';
import { DepotError, expectChanges } from '../kernel/errors';
import type { AlertNotice } from '../kernel/events';
import { ROLES, type Role } from '../kernel/roles';
import { writeTx } from '../kernel/db/connection';
import { getRow } from '../kernel/db/rows';
import { ALERT_LEVELS, type AlertLevel } from './schema';

/**
 * Alert delivery: who is notified of an alert, and whether it sounds (docs/alerts.md).
 *
 * Guarantees:
 * - The decision is one pure function, deliveryOf(settings, level, at, zone): the same settings,
 *   level, instant and zone always give the same roles and sound. Every `alert` event the core
 *   emits carries its decision (`notify`, `sound`), made here when it is emitted (announceAlert);
 *   the renderer and the desktop shell only apply it.
 * - A role is notified of an alert whose level is at or above the lowest level set for that role
 *   ('none': never). During quiet hours only urgent alerts notify anyone. An alert sounds only if
 *   it is urgent and at least one role is notified of it.
 * - Quiet hours are a wall-clock range [from, to) in the depot's time zone (`app.clock.timeZone`):
 *   `from` is quiet, `to` is not; from after to crosses midnight (22:00–07:00). from = to is refused.
 * - Delivery never hides an alert: the banner, the badge, the list and the open count show every
 *   alert whatever the settings say. Only notifications and the tone follow them.
 * - Never edited, the settings are the defaults (version 0, nothing stored): no quiet hours, every
 *   role notified of warning and urgent — what DepotDesk did before the settings existed.
 * - Each save stores the whole settings as the next version; a save made against an older version
 *   (another supervisor saved in between) is refused, never silently merged. Saving is a command,
 *   so the dispatcher audits it.
 * - Settings that cannot be read when an alert is announced fall back to the defaults (logged): an
 *   announcement is never lost to its delivery decision.
 */

/** The lowest level a role is notified of; 'none': that role is never notified. */
export const DELIVERY_LEVELS = [...ALERT_LEVELS, 'none'] as const;
export type DeliveryLevel = (typeof DELIVERY_LEVELS)[number];

const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;
export const clockTime = z.string().regex(HH_MM, 'a time of day is HH:MM (00:00 to 23:59)');

export const quietHoursShape = z
  .strictObject({
    enabled: z.boolean(),
    /** HH:MM, depot time; quiet from here … */
    from: clockTime,
    /** … until here (not included); earlier than `from` means the next day. */
    to: clockTime,
  })
  .refine((q) => q.from !== q.to, { message: 'quiet hours from and to must differ', path: ['to'] });

export const roleLevelsShape = z.strictObject(Object.fromEntries(ROLES.map((r) => [r, z.enum(DELIVERY_LEVELS)])) as Record<Role, z.ZodEnum<{ [K in DeliveryLevel]: K }>>);

export type QuietHours = z.output<typeof quietHoursShape>;
export type RoleLevels = Record<Role, DeliveryLevel>;

export interface DeliveryRules {
  quietHours: QuietHours;
  roles: RoleLevels;
}

export interface DeliverySettings extends DeliveryRules {
  /** 0: never saved (the defaults); each save adds one. */
  version: number;
  updatedAt: number | null;
  updatedBy: string | null;
}

export const DEFAULT_DELIVERY: DeliveryRules = {
  quietHours: { enabled: false, from: '22:00', to: '07:00' },
  roles: Object.fromEntries(ROLES.map((r) => [r, 'warning'])) as RoleLevels,
};

const RANK: Record<DeliveryLevel, number> = { info: 0, warning: 1, urgent: 2, none: 3 };

/** Minutes since midnight of an HH:MM. */
function minutesOf(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

/** The wall-clock minute of the day (0 … 1439) of an instant in a zone. */
export function minuteOfDay(at: number, zone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(at));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? '0');
  return (get('hour') % 24) * 60 + get('minute');
}

/** Whether `at` falls in the quiet hours (always false when they are switched off). */
export function inQuietHours(quiet: QuietHours, at: number, zone: string): boolean {
  if (!quiet.enabled) return false;
  const from = minutesOf(quiet.from);
  const to = minutesOf(quiet.to);
  if (from === to) return false;
  const now = minuteOfDay(at, zone);
  return from < to ? now >= from && now < to : now >= from || now < to;
}

/** Who is notified of an alert of `level` raised at `at` (depot zone `zone`), and whether it sounds. */
export function deliveryOf(settings: DeliveryRules, level: AlertLevel, at: number, zone: string): { roles: Role[]; sound: boolean } {
  if (level !== 'urgent' && inQuietHours(settings.quietHours, at, zone)) return { roles: [], sound: false };
  const roles = ROLES.filter((r) => {
    const lowest = settings.roles[r] ?? DEFAULT_DELIVERY.roles[r];
    return lowest !== 'none' && RANK[level] >= RANK[lowest];
  });
  return { roles, sound: level === 'urgent' && roles.length > 0 };
}

// ── stored settings ──────────────────────────────────────────────────────────────────────────────

interface DeliveryRow {
  version: number;
  quiet_enabled: number;
  quiet_from: string;
  quiet_to: string;
  role_levels: string;
  updated_at: number;
  updated_by: string;
}

const storedRoles = z.record(z.string(), z.enum(DELIVERY_LEVELS));

export function getDeliverySettings(app: Pick<AppContext, 'sqlite'>): DeliverySettings {
  const row = getRow<DeliveryRow>(app.sqlite.prepare('SELECT * FROM alert_delivery WHERE id = 1'));
  if (!row) return { ...structuredClone(DEFAULT_DELIVERY), version: 0, updatedAt: null, updatedBy: null };
  const stored = storedRoles.parse(JSON.parse(row.role_levels));
  // A role added after the last save reads as the default until a supervisor saves again.
  const roles = Object.fromEntries(ROLES.map((r) => [r, stored[r] ?? DEFAULT_DELIVERY.roles[r]])) as RoleLevels;
  return {
    quietHours: { enabled: row.quiet_enabled === 1, from: row.quiet_from, to: row.quiet_to },
    roles,
    version: row.version,
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
  };
}

export interface DeliveryChange extends DeliveryRules {
  /** The version the change was made against (the screen's copy); refused if the settings moved on. */
  expectedVersion?: number;
}

/** Stores the whole settings as the next version. */
export function setDeliverySettings(app: AppContext, change: DeliveryChange, by: string): DeliverySettings {
  const quietHours = quietHoursShape.parse(change.quietHours);
  const roles = roleLevelsShape.parse(change.roles) as RoleLevels;
  return writeTx(app.sqlite, () => {
    const current = getDeliverySettings(app);
    if (change.expectedVersion !== undefined && change.expectedVersion !== current.version) {
      throw new DepotError('conflict', `alert delivery settings are at version ${current.version}, not ${change.expectedVersion}; reload and change them again`, {
        field: 'expectedVersion',
      });
    }
    const now = app.clock.now();
    const next = {
      version: current.version + 1,
      enabled: quietHours.enabled ? 1 : 0,
      from: quietHours.from,
      to: quietHours.to,
      roles: JSON.stringify(roles),
      now,
      by,
    };
    expectChanges(
      current.version === 0
        ? app.sqlite
            .prepare(
              `INSERT INTO alert_delivery (id, version, quiet_enabled, quiet_from, quiet_to, role_levels, updated_at, updated_by)
               VALUES (1, @version, @enabled, @from, @to, @roles, @now, @by)`,
            )
            .run(next)
        : app.sqlite
            .prepare(
              `UPDATE alert_delivery SET version = @version, quiet_enabled = @enabled, quiet_from = @from, quiet_to = @to,
                 role_levels = @roles, updated_at = @now, updated_by = @by
               WHERE id = 1 AND version = @previous`,
            )
            .run({ ...next, previous: current.version }),
      1,
      `save alert delivery settings version ${next.version}`,
    );
    return { quietHours, roles, version: next.version, updatedAt: now, updatedBy: by };
  });
}

/**
 * Emits an `alert` event with its delivery decision: every alert the core announces, stored or
 * not (a broker that did not start, a charger fault), goes through here.
 */
export function announceAlert(app: AppContext, notice: AlertNotice): void {
  let rules: DeliveryRules = DEFAULT_DELIVERY;
  try {
    rules = getDeliverySettings(app);
  } catch (e) {
    app.log.error({ err: e }, 'alert delivery settings could not be read; the defaults apply');
  }
  const { roles, sound } = deliveryOf(rules, notice.level, app.clock.now(), app.clock.timeZone);
  app.events.emit('alert', { ...notice, notify: roles, sound });
}
