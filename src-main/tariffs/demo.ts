import type { AppContext } from '../kernel/context';
import { GUANGDONG_PLAN } from './guangdong';
import { assignTariff, importTariff, planAt } from './service';

/** The station the demo depot prices by the Guangdong plan (the chargers demo uses the same id). */
export const DEMO_TARIFF_STATION = 'depot-1';

/** Demo step: the Guangdong-shaped plan, used by the demo station. Running it twice changes nothing. */
export const tariffsDemoStep = {
  name: 'tariffs',
  run(app: AppContext): string {
    const imported = importTariff(app, { file: GUANGDONG_PLAN });
    if (planAt(app, DEMO_TARIFF_STATION, app.clock.now())) {
      return `plan "${imported.name}" ${imported.unchanged ? 'already there' : 'imported'}; station ${DEMO_TARIFF_STATION} already has a plan`;
    }
    assignTariff(app, { stationId: DEMO_TARIFF_STATION, planId: imported.planId });
    return `plan "${imported.name}" ${imported.unchanged ? 'already there' : 'imported'} (峰 10–12, 14–19; 平 8–10, 12–14, 19–24; 谷 0–8; 尖 11–12, 15–17 in Jul–Sep), assigned to station ${DEMO_TARIFF_STATION}`;
  },
};
