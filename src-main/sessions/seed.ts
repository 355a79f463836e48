import type { AppContext } from '../kernel/context';
import { writeTx } from '../kernel/db/connection';
import { getDriver, placeHold } from '../ledger';
import { formatFen } from '../money';
import { addTimeline } from './machine';
import { failStart, idTagFor, startTimedOut } from './start';

export interface FailedStart {
  driverId: string;
  chargerId: string;
  connectorId: number;
  stationId: string | null;
  /** When the start was attempted (epoch ms). */
  at: number;
  /** Held for the session, then released by the failure. */
  prepayFen: number;
}

/**
 * Sessions whose start failed, made the way the live path makes them: the session row, the
 * prepaid hold, then failStart (FAILED, start_timeout, hold voided, driver notified), each with
 * the clock at the attempt's time. For the demo depot and for tests; one transaction in all.
 */
export function recordFailedStarts(base: AppContext, starts: readonly FailedStart[], idPrefix: string): string[] {
  // Made-up history: its failures are not news for the log.
  const app: AppContext = { ...base, log: base.log.child({ seeding: idPrefix }, { level: 'error' }) };
  return writeTx(app.sqlite, () =>
    starts.map((s, i) => {
      const id = `${idPrefix}${String(i + 1).padStart(5, '0')}`;
      const at: AppContext = { ...app, clock: { ...app.clock, now: () => s.at } };
      const driver = getDriver(app, s.driverId);
      app.sqlite
        .prepare(
          `INSERT INTO charging_sessions (id, state, origin, charger_id, connector_id, station_id, driver_id, id_tag, prepay_fen, created_at, created_by, updated_at)
           VALUES (?, 'PLACED', 'operator', ?, ?, ?, ?, ?, ?, ?, NULL, ?)`,
        )
        // The card the live start would have sent the charger (the demo's drawer shows it as 卡号).
        .run(id, s.chargerId, s.connectorId, s.stationId, s.driverId, idTagFor(driver, id), s.prepayFen, s.at, s.at);
      const hold = placeHold(at, {
        key: `hold:${id}`,
        driverId: s.driverId,
        amountFen: s.prepayFen,
        expiresAt: s.at + 86_400_000,
        sessionId: id,
        memo: `prepay for session on ${s.chargerId}/${s.connectorId}`,
      });
      app.sqlite.prepare('UPDATE charging_sessions SET hold_id = ? WHERE id = ?').run(hold.holdId, id);
      // The timeline opens as a live start's does (start.ts): the prepay held, for whom, on which connector and card.
      addTimeline(at, id, {
        kind: 'placed',
        toState: 'PLACED',
        params: { prepayFen: s.prepayFen, driverName: driver.name, chargerId: s.chargerId, connectorId: s.connectorId, idTag: idTagFor(driver, id) },
        detail: `¥${formatFen(s.prepayFen)} held for ${driver.name} (${hold.holdId}); id tag ${idTagFor(driver, id)}`,
      });
      const late: AppContext = { ...app, clock: { ...app.clock, now: () => s.at + app.config.sessions.startTimeoutMs } };
      failStart(late, id, startTimedOut(app));
      return id;
    }),
  );
}
