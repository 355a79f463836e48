import type { AppContext } from '../app/context';
import { DEMO_TARIFF_STATION } from '../tariffs';
import { addCharger, addStation, getCharger } from './registry';
import { simChargerId } from './simulator';

/**
 * The demo depot's chargers: station "演示场站 Demo Yard" (the station the tariff demo prices) with
 * three chargers SIM-001…SIM-003 that `depotdesk simulate --chargers 3` brings to life. Their
 * MQTT password is `sim-password`, the simulator's default. Idempotent.
 */
export const DEMO_CHARGER_PASSWORD = 'sim-password';
export const DEMO_CHARGERS = 3;

export const chargersDemoStep = {
  name: 'chargers',
  async run(app: AppContext): Promise<string> {
    const exists = app.sqlite.prepare('SELECT id FROM stations WHERE id = ?').get(DEMO_TARIFF_STATION);
    if (!exists) addStation(app, { name: '演示场站 Demo Yard', address: '1 Depot Road', id: DEMO_TARIFF_STATION });
    const added: string[] = [];
    for (let n = 1; n <= DEMO_CHARGERS; n += 1) {
      const id = simChargerId('SIM-', n);
      if (getCharger(app, id)) continue;
      await addCharger(app, { id, station: DEMO_TARIFF_STATION, connectors: 2, password: DEMO_CHARGER_PASSWORD });
      added.push(id);
    }
    return added.length === 0
      ? 'demo chargers already registered'
      : `station ${DEMO_TARIFF_STATION} with chargers ${added.join(', ')} (MQTT password "${DEMO_CHARGER_PASSWORD}"); run depotdesk simulate --chargers ${DEMO_CHARGERS} --auto-start`;
  },
};
