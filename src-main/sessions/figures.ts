import type { AppContext } from '../kernel/context';
import { expectRow } from '../kernel/db/rows';

/** Dashboard figures: sessions begun today, charging now, energy delivered and revenue settled today. */
export function sessionFigures(app: AppContext, dayStart: number): { key: string; value: number; unit: 'count' | 'fen' | 'wh' }[] {
  const one = (sql: string, ...args: unknown[]) => expectRow<{ n: number | null }>(app.sqlite.prepare(sql), ...args).n ?? 0;
  return [
    { key: 'sessions.today', value: one('SELECT count(*) AS n FROM charging_sessions WHERE created_at >= ?', dayStart), unit: 'count' },
    { key: 'sessions.chargingNow', value: one("SELECT count(*) AS n FROM charging_sessions WHERE state IN ('CHARGING', 'STOPPING')"), unit: 'count' },
    {
      key: 'sessions.energyToday',
      value: one("SELECT sum(energy_wh) AS n FROM charging_sessions WHERE state IN ('PAID', 'UNPAID') AND settled_at >= ?", dayStart),
      unit: 'wh',
    },
    {
      key: 'sessions.revenueToday',
      value: one("SELECT sum(amount_fen) AS n FROM charging_sessions WHERE state IN ('PAID', 'UNPAID') AND settled_at >= ?", dayStart),
      unit: 'fen',
    },
    { key: 'sessions.awaitingReview', value: one("SELECT count(*) AS n FROM charging_sessions WHERE review_state = 'pending'"), unit: 'count' },
  ];
}
