import type { AppContext } from '../kernel/context';
import { cachedStatement } from '../kernel/db/statements';

/** What risk control reads of sessions: failed starts per charger (device health). Read-only. */

export interface FailedStartFact {
  sessionId: string;
  /** The session's number for people (CD…): what screens and alerts name it by. */
  sessionNumber: string;
  chargerId: string;
  failureCode: string | null;
  createdAt: number;
}

/** Sessions that failed to start since `since`, oldest first (the failed-starts index covers it). */
export function failedStartsSince(app: Pick<AppContext, 'sqlite'>, since: number): FailedStartFact[] {
  return cachedStatement<FailedStartFact>(
    app.sqlite,
    "SELECT id AS sessionId, number AS sessionNumber, charger_id AS chargerId, failure_code AS failureCode, created_at AS createdAt FROM charging_sessions WHERE state = 'FAILED' AND created_at >= ? ORDER BY created_at, id",
  ).all(since);
}

export interface SettledSessionFact {
  id: string;
  chargerId: string;
  stationId: string | null;
  driverId: string | null;
  state: 'PAID' | 'UNPAID';
  energyWh: number;
  amountFen: number;
  electricityFen: number;
  serviceFen: number;
  /** The tariff quote the session was priced by (JSON: energy and yuan per 尖峰平谷 period). */
  quote: string | null;
  settledAt: number;
}

/** Sessions settled in [from, to), in settlement order: the revenue report reads them one at a time. */
export function settledSessionsBetween(app: Pick<AppContext, 'sqlite'>, from: number, to: number): IterableIterator<SettledSessionFact> {
  return cachedStatement<SettledSessionFact>(
    app.sqlite,
    `SELECT id, charger_id AS chargerId, station_id AS stationId, driver_id AS driverId, state, coalesce(energy_wh, 0) AS energyWh, coalesce(amount_fen, 0) AS amountFen,
       coalesce(electricity_fen, 0) AS electricityFen, coalesce(service_fen, 0) AS serviceFen, quote, settled_at AS settledAt
     FROM charging_sessions WHERE state IN ('PAID', 'UNPAID') AND settled_at >= ? AND settled_at < ? ORDER BY settled_at, id`,
  ).iterate(from, to);
}
