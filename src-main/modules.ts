import { composeModules } from './kernel/module';
import type { FigureProvider } from './kernel/plugins';
import { operatorsModule } from './operators';
import { jobsModule } from './jobs';
import { alertsModule } from './alerts';
import { tariffsModule } from './tariffs';
import { ledgerModule } from './ledger';
import { chargersModule } from './chargers';
import { sessionsModule } from './sessions';
import { paymentsModule } from './payments';
import { compensationModule } from './compensation';
import { refundsModule } from './refunds';
import { reconciliationModule } from './reconciliation';
import { riskModule } from './risk';
import { reportsModule } from './reports';
import { headquartersModule } from './headquarters';
import { systemModule } from './system';

/**
 * The composition root: the one place that lists the depot's domains. Each domain's index.ts
 * exports its module (methods, job workers and schedules, dashboard figures, doctor checks, demo
 * steps, tables, charger hooks); composeModules joins them and refuses any name defined twice.
 * The contract, the scheduler, the charger link, the doctor and the demo read `depot`; no folder
 * below this file lists domains.
 *
 * Order matters where the depot runs things in order: demo steps (operators before the drivers
 * and tariffs the chargers' demo step uses), doctor checks and dashboard figures.
 */
export const depot = composeModules([
  operatorsModule,
  jobsModule,
  alertsModule,
  ledgerModule,
  tariffsModule,
  chargersModule,
  sessionsModule,
  paymentsModule,
  compensationModule,
  refundsModule,
  reconciliationModule,
  riskModule,
  reportsModule,
  headquartersModule,
  systemModule(allFigures),
]);

/** The dashboard shows every module's figures, its own included: asked for at call time. */
function allFigures(): readonly FigureProvider[] {
  return depot.figures;
}

export type Methods = typeof depot.methods;
export const methodNames = Object.keys(depot.methods) as (keyof Methods & string)[];
