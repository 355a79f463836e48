import type { AppContext } from '../../src-main/kernel/context';
import { writeTx } from '../../src-main/kernel/db/connection';
import { addDriver, topUp } from '../../src-main/ledger';
import { recordFailedStarts, type FailedStart } from '../../src-main/sessions';

/**
 * The case, generated: on 2026-01-15 between 09:00 and 12:00 (Asia/Shanghai) station
 * ST-A had 972 failed starts by 595 distinct drivers. The failures per driver are laid out so the
 * distribution is known in advance:
 *   1 failure: 400 drivers (400 records), 2–3: 100×2 + 50×3 (350), 4–6: 28×4 + 12×5 (172),
 *   7–10: 5×10 (50), more than 10: none.  400 + 350 + 172 + 50 = 972 records, 595 drivers.
 * Around it, records the criteria must leave out: one second before the window, exactly at its end,
 * another station, another day, and a session that charged and was paid.
 */

export const WINDOW_START = Date.parse('2026-01-15T01:00:00Z'); // 09:00 in Shanghai
export const WINDOW_END = Date.parse('2026-01-15T04:00:00Z'); // 12:00
export const EXPECTED_DISTRIBUTION = [
  { bucket: '1', drivers: 400, records: 400 },
  { bucket: '2-3', drivers: 150, records: 350 },
  { bucket: '4-6', drivers: 40, records: 172 },
  { bucket: '7-10', drivers: 5, records: 50 },
  { bucket: '>10', drivers: 0, records: 0 },
];

export function failuresPerDriver(): number[] {
  return [
    ...Array<number>(400).fill(1),
    ...Array<number>(100).fill(2),
    ...Array<number>(50).fill(3),
    ...Array<number>(28).fill(4),
    ...Array<number>(12).fill(5),
    ...Array<number>(5).fill(10),
  ];
}

export interface Burst {
  driverIds: string[];
  sessionIds: string[];
  /** Drivers whose only records fall outside the criteria. */
  outsiders: string[];
}

export const CRITERIA = { from: '2026-01-15', to: '2026-01-15', timeWindow: { start: '09:00', end: '12:00' }, stationIds: ['ST-A'] };

export function burstSpec(extra: Record<string, unknown> = {}) {
  return { name: '2026-01-15 ST-A 启动失败补偿', criteria: { ...CRITERIA }, rule: { kind: 'fixed', amount: '10.00' }, target: 'wallet', ...extra };
}

export function seedBurst(app: AppContext): Burst {
  return writeTx(app.sqlite, () => {
    const counts = failuresPerDriver();
    const driverIds = counts.map((_, i) => addDriver(app, { name: `车主${i + 1}`, phone: String(13_900_000_000 + i) }).id);
    const outsiders = Array.from({ length: 5 }, (_, i) => addDriver(app, { name: `旁人${i + 1}`, phone: String(13_800_000_000 + i) }).id);
    for (const d of [...driverIds, ...outsiders]) {
      topUp({ ...app, clock: { ...app.clock, now: () => WINDOW_START - 86_400_000 } }, { key: `seed:topup:${d}`, driverId: d, amountFen: 10_000, channel: 'cash' });
    }
    const starts: FailedStart[] = [];
    const span = WINDOW_END - WINDOW_START;
    let k = 0;
    counts.forEach((n, i) => {
      for (let j = 0; j < n; j += 1) {
        // Spread over the window, never on its end.
        const at = WINDOW_START + ((k * 7_919_000) % (span - 1000));
        k += 1;
        starts.push({ driverId: driverIds[i], chargerId: `CP-A${(i + j) % 4}`, connectorId: 1, stationId: 'ST-A', at, prepayFen: 3_000 });
      }
    });
    const noise: FailedStart[] = [
      { driverId: outsiders[0], chargerId: 'CP-A0', connectorId: 1, stationId: 'ST-A', at: WINDOW_START - 1000, prepayFen: 3_000 },
      { driverId: outsiders[1], chargerId: 'CP-A0', connectorId: 1, stationId: 'ST-A', at: WINDOW_END, prepayFen: 3_000 },
      { driverId: outsiders[2], chargerId: 'CP-B0', connectorId: 1, stationId: 'ST-B', at: WINDOW_START + 60_000, prepayFen: 3_000 },
      { driverId: outsiders[3], chargerId: 'CP-A1', connectorId: 1, stationId: 'ST-A', at: WINDOW_START + 86_400_000, prepayFen: 3_000 },
    ];
    const sessionIds = recordFailedStarts(app, starts, 'burst-');
    recordFailedStarts(app, noise, 'noise-');
    // A session in the window that did charge: PAID, not a failure.
    app.sqlite
      .prepare(
        `INSERT INTO charging_sessions (id, state, origin, charger_id, connector_id, station_id, driver_id, id_tag, prepay_fen, created_at, updated_at)
         VALUES ('paid-1', 'PAID', 'operator', 'CP-A1', 1, 'ST-A', ?, 'TAGPAID', 0, ?, ?)`,
      )
      .run(outsiders[4], WINDOW_START + 120_000, WINDOW_START + 120_000);
    return { driverIds, sessionIds, outsiders };
  });
}

/** One more failed start in the window, as if a charger replayed it late. */
export function lateFailure(app: AppContext, driverId: string, tag: string): string {
  return recordFailedStarts(
    app,
    [{ driverId, chargerId: 'CP-A3', connectorId: 2, stationId: 'ST-A', at: WINDOW_START + 30 * 60_000 + 17, prepayFen: 3_000 }],
    `late-${tag}-`,
  )[0];
}
