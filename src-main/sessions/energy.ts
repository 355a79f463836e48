import type { AppContext } from '../kernel/context';
import { cachedStatement } from '../kernel/db/statements';

/**
 * Energy per charger over a period, for reconciliation's energy check (orders ↔ meters): what the
 * sessions billed against how far each connector's energy register advanced across them.
 *
 * - billedWh: the energy the sessions were priced on (energy_wh), sessions stopped in [from, to)
 *   and settled (PAID / UNPAID) or finished and awaiting settlement.
 * - registerWh: per connector, the register's advance from the first session's meterStart to the
 *   last one's meterStop, in start order (by time, never by register: a replaced meter starts low
 *   again, and sorting by reading would put its sessions first and count the old register's span
 *   as a gap): energy the connector delivered over the sessions' span.
 * - gapWh: register advance between one session's meterStop and the next one's meterStart, energy
 *   that left the connector while no session was billing it (a reset register counts nothing).
 */
export interface ChargerEnergy {
  chargerId: string;
  sessions: number;
  billedWh: number;
  registerWh: number;
  gapWh: number;
}

interface Row {
  chargerId: string;
  connectorId: number;
  meterStartWh: number | null;
  meterStopWh: number | null;
  energyWh: number | null;
}

const SQL = `SELECT charger_id AS chargerId, connector_id AS connectorId, meter_start_wh AS meterStartWh, meter_stop_wh AS meterStopWh, energy_wh AS energyWh
  FROM charging_sessions
  WHERE stopped_at IS NOT NULL AND stopped_at >= ? AND stopped_at < ? AND state IN ('FINISHED', 'PAID', 'UNPAID')
  ORDER BY charger_id, connector_id, coalesce(started_at, stopped_at), id`;

export function energyByCharger(app: Pick<AppContext, 'sqlite'>, from: number, to: number): ChargerEnergy[] {
  const out = new Map<string, ChargerEnergy>();
  let prev: Row | undefined;
  for (const r of cachedStatement<Row>(app.sqlite, SQL).iterate(from, to)) {
    let c = out.get(r.chargerId);
    if (!c) {
      c = { chargerId: r.chargerId, sessions: 0, billedWh: 0, registerWh: 0, gapWh: 0 };
      out.set(r.chargerId, c);
    }
    c.sessions += 1;
    c.billedWh += r.energyWh ?? 0;
    const start = r.meterStartWh;
    const stop = r.meterStopWh;
    if (start !== null && stop !== null && stop >= start) {
      c.registerWh += stop - start;
      const sameConnector = prev && prev.chargerId === r.chargerId && prev.connectorId === r.connectorId;
      if (sameConnector && prev!.meterStopWh !== null && start > prev!.meterStopWh) {
        c.gapWh += start - prev!.meterStopWh;
        c.registerWh += start - prev!.meterStopWh;
      }
    }
    prev = r;
  }
  return [...out.values()];
}
