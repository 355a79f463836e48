import type { AppContext } from '../kernel/context';
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
/**
 * The RFID cards of the demo depot's drivers (the ledger's demo step gives them out), used in turn
 * by `depotdesk simulate --auto-start` when no --id-tag is given: the live demo sessions belong to
 * drivers and are charged to their wallets instead of waiting in review as unknown cards. A test
 * checks each still belongs to a demo driver.
 */
export const DEMO_ID_TAGS: readonly string[] = ['04A1B2C3D4', '04A1B2C3D5', '04A1B2C3D6', '04A1B2C3D7', '04A1B2C3D8', '04A1B2C3D9'];

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
      : `station ${DEMO_TARIFF_STATION} with chargers ${added.join(', ')} (MQTT password "${DEMO_CHARGER_PASSWORD}"); run depotdesk serve, then depotdesk simulate --chargers ${DEMO_CHARGERS} --auto-start (sessions on the demo drivers' cards)`;
  },
};
