import type { AppContext } from '../kernel/context';
import { expectRow } from '../kernel/db/rows';

/**
 * Dashboard figures for the chargers registered with this depot: online now, offline (not counting
 * those switched off for maintenance, which are expected to be quiet), faulted (the charger or any
 * of its connectors reported Faulted), in maintenance. The broker's own state is on the dashboard's
 * broker card (runtime state, not a count).
 */
export function chargerFigures(app: AppContext): { key: string; value: number; unit: 'count' }[] {
  const r = expectRow<{ online: number; offline: number; faulted: number; maintenance: number }>(
    app.sqlite.prepare(
      `SELECT
         coalesce(sum(c.online = 1), 0) AS online,
         coalesce(sum(c.online = 0 AND c.maintenance = 0), 0) AS offline,
         coalesce(sum(c.status = 'Faulted' OR EXISTS (SELECT 1 FROM connectors k WHERE k.charger_id = c.id AND k.faulted = 1)), 0) AS faulted,
         coalesce(sum(c.maintenance = 1), 0) AS maintenance
       FROM chargers c WHERE c.registered = 1`,
    ),
  );
  return [
    { key: 'chargers.online', value: r.online, unit: 'count' },
    { key: 'chargers.offline', value: r.offline, unit: 'count' },
    { key: 'chargers.faulted', value: r.faulted, unit: 'count' },
    { key: 'chargers.maintenance', value: r.maintenance, unit: 'count' },
  ];
}
