import type { Figure, FigureProvider } from '../kernel/plugins';
import fs from 'node:fs';
import type { AppContext } from '../kernel/context';
import { businessDate } from '../kernel/clock';

/**
 * Live figures for the dashboard, read straight from the database. Each domain's module contributes
 * providers (src-main/modules.ts lists them); the renderer shows each figure by its key (labels live in i18n) and formats it by
 * its unit.
 */

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

const databaseFigures: FigureProvider = (app) => {
  let bytes = 0;
  try {
    bytes = fs.statSync(app.paths.dbFile).size;
  } catch {
    bytes = 0;
  }
  return [{ key: 'db.size', value: bytes, unit: 'bytes' }];
};

/** The system module's own figures; the domains' come from their modules. */
export const systemFigures: FigureProvider[] = [databaseFigures];

export function dashboardSummary(app: AppContext, providers: readonly FigureProvider[]): { at: number; businessDate: string; figures: Figure[] } {
  const dayStart = startOfBusinessDay(app);
  return {
    at: app.clock.now(),
    businessDate: businessDate(app.clock.now(), app.clock.timeZone),
    figures: providers.flatMap((p) => p(app, dayStart)),
  };
}

export { startOfBusinessDay };
