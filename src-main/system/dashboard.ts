import fs from 'node:fs';
import type { AppContext } from '../kernel/context';
import { businessDate } from '../kernel/clock';
import { compensationFigures } from '../compensation';
import { chargerFigures } from '../chargers';
import { jobFigures } from '../jobs';
import { ledgerFigures } from '../ledger';
import { paymentFigures } from '../payments';
import { sessionFigures, sweeperFigures } from '../sessions';

/**
 * Live figures for the dashboard, read straight from the database. Each domain contributes a
 * provider; the renderer shows each figure by its key (labels live in i18n) and formats it by
 * its unit.
 */
export type FigureUnit = 'count' | 'fen' | 'bytes' | 'wh';
export interface Figure {
  key: string;
  value: number;
  unit: FigureUnit;
}
export type FigureProvider = (app: AppContext, dayStart: number) => Figure[];

function startOfBusinessDay(app: AppContext): number {
  const date = businessDate(app.clock.now(), app.clock.timeZone);
  // Find the UTC instant at which that local date began: try each hour offset around midnight.
  const base = Date.parse(`${date}T00:00:00Z`);
  for (let h = -14; h <= 14; h += 1) {
    const t = base - h * 3600_000;
    if (businessDate(t, app.clock.timeZone) === date && businessDate(t - 1, app.clock.timeZone) !== date) return t;
  }
  return base;
}

const foundationFigures: FigureProvider = (app, dayStart) => {
  const one = (sql: string, ...args: unknown[]) => (app.sqlite.prepare(sql).get(...args) as { n: number }).n;
  let bytes = 0;
  try {
    bytes = fs.statSync(app.paths.dbFile).size;
  } catch {
    bytes = 0;
  }
  return [
    { key: 'operators.active', value: one('SELECT count(*) AS n FROM operators WHERE disabled = 0'), unit: 'count' },
    { key: 'audit.actionsToday', value: one('SELECT count(*) AS n FROM audit_log WHERE at >= ?', dayStart), unit: 'count' },
    { key: 'db.size', value: bytes, unit: 'bytes' },
  ];
};

/** Later domains append their providers here. */
export const figureProviders: FigureProvider[] = [foundationFigures, jobFigures, ledgerFigures, chargerFigures, sessionFigures, sweeperFigures, paymentFigures, compensationFigures];

export function dashboardSummary(app: AppContext): { at: number; businessDate: string; figures: Figure[] } {
  const dayStart = startOfBusinessDay(app);
  return {
    at: app.clock.now(),
    businessDate: businessDate(app.clock.now(), app.clock.timeZone),
    figures: figureProviders.flatMap((p) => p(app, dayStart)),
  };
}

export { startOfBusinessDay };
