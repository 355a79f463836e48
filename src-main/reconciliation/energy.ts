import type { AppContext } from '../kernel/context';
import { allRows } from '../kernel/db/rows';
import { cachedStatement } from '../kernel/db/statements';
import { raiseAlert } from '../alerts';
import { energyByCharger } from '../sessions';

/**
 * The energy check (orders ↔ meters): per charger and day, the energy its sessions billed against
 * its registers' advance over them (sessions/energy.ts says how the advance is read). A difference
 * over `reconciliation.energyThresholdBp` (default 100 = 1 %) is a metering anomaly: kept on the
 * charger's day, counted in the day's figures, and raised as an alert naming the charger and the
 * figures (once per charger while unacknowledged; the alerts module groups repeats).
 *
 * Guarantees (test/reconciliation/energy.test.ts): a re-run replaces the day's figures and raises
 * no second alert for an anomaly it already found; a charger whose registers reset mid-day (a
 * replaced meter) is not an anomaly for the reset itself.
 */

export interface EnergyOutcome {
  checked: number;
  anomalies: number;
  newAnomalies: number;
}

export interface EnergyCheck {
  day: string;
  chargerId: string;
  sessions: number;
  billedWh: number;
  registerWh: number;
  gapWh: number;
  diffBp: number;
  anomaly: boolean;
  checkedAt: number;
}

/** |register − billed| against the register's advance, in basis points (a billed day with no advance is 100 %). */
export function differenceBp(billedWh: number, registerWh: number): number {
  if (registerWh === 0) return billedWh === 0 ? 0 : 10_000;
  return Math.round((Math.abs(registerWh - billedWh) * 10_000) / registerWh);
}

export function checkEnergy(app: AppContext, day: string, from: number, to: number): EnergyOutcome {
  const threshold = app.config.reconciliation.energyThresholdBp;
  const before = cachedStatement<{ anomaly: number }>(app.sqlite, 'SELECT anomaly FROM recon_energy WHERE day = ? AND charger_id = ?');
  const upsert = cachedStatement(
    app.sqlite,
    `INSERT INTO recon_energy (day, charger_id, sessions, billed_wh, register_wh, gap_wh, diff_bp, anomaly, checked_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (day, charger_id) DO UPDATE SET sessions = excluded.sessions, billed_wh = excluded.billed_wh, register_wh = excluded.register_wh,
       gap_wh = excluded.gap_wh, diff_bp = excluded.diff_bp, anomaly = excluded.anomaly, checked_at = excluded.checked_at`,
  );
  const out: EnergyOutcome = { checked: 0, anomalies: 0, newAnomalies: 0 };
  const now = app.clock.now();
  for (const c of energyByCharger(app, from, to)) {
    const diffBp = differenceBp(c.billedWh, c.registerWh);
    const anomaly = diffBp > threshold;
    const was = before.get(day, c.chargerId)?.anomaly === 1;
    upsert.run(day, c.chargerId, c.sessions, c.billedWh, c.registerWh, c.gapWh, diffBp, anomaly ? 1 : 0, now);
    out.checked += 1;
    if (!anomaly) continue;
    out.anomalies += 1;
    if (was) continue;
    out.newAnomalies += 1;
    raiseAlert(app, {
      code: 'recon.metering_anomaly',
      level: 'warning',
      subject: `recon.metering_anomaly:${c.chargerId}`,
      message: `计量异常 charger ${c.chargerId} on ${day}: sessions billed ${c.billedWh} Wh, its meters advanced ${c.registerWh} Wh (${(diffBp / 100).toFixed(2)} %)`,
      details: { chargerId: c.chargerId, day, billedWh: c.billedWh, registerWh: c.registerWh, gapWh: c.gapWh, diffBp, thresholdBp: threshold },
    });
  }
  return out;
}

const ENERGY_COLUMNS = `day, charger_id AS chargerId, sessions, billed_wh AS billedWh, register_wh AS registerWh, gap_wh AS gapWh, diff_bp AS diffBp,
  anomaly = 1 AS anomaly, checked_at AS checkedAt`;

type StoredCheck = Omit<EnergyCheck, 'anomaly'> & { anomaly: number };
const toCheck = (r: StoredCheck): EnergyCheck => ({ ...r, anomaly: r.anomaly === 1 });

/** A day's energy check, every charger (anomalies first). */
export function energyOfDay(app: Pick<AppContext, 'sqlite'>, day: string): EnergyCheck[] {
  return allRows<StoredCheck>(app.sqlite.prepare(`SELECT ${ENERGY_COLUMNS} FROM recon_energy WHERE day = ? ORDER BY anomaly DESC, charger_id`), day).map(toCheck);
}

/** A charger's metering anomalies, newest first: what the charger's page and risk control look at. */
export function meteringAnomalies(app: Pick<AppContext, 'sqlite'>, opts: { chargerId?: string; since?: string; limit?: number } = {}): EnergyCheck[] {
  return allRows<StoredCheck>(
    app.sqlite.prepare(
      `SELECT ${ENERGY_COLUMNS} FROM recon_energy WHERE anomaly = 1 AND (@charger IS NULL OR charger_id = @charger) AND day >= @since ORDER BY day DESC, charger_id LIMIT @limit`,
    ),
    { charger: opts.chargerId ?? null, since: opts.since ?? '0000-00-00', limit: opts.limit ?? 200 },
  ).map(toCheck);
}
