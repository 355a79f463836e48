import { businessDate } from '../kernel/clock';
import type { AppContext } from '../kernel/context';
import type { DoctorCheck } from '../system/doctor';
import { writeTx } from '../kernel/db/connection';
import { addDriver, findDriverByIdTag, placeHold, topUp } from '../ledger';
import { failStart } from '../sessions';
import { DEMO_TARIFF_STATION, instantOf } from '../tariffs';

/**
 * `depotdesk doctor`: every item a campaign counts as credited has its ledger transfer for the same
 * amount, and every campaign transfer in the ledger is counted by its item. A campaign left
 * executing (a process stopped mid-run) is named so someone resumes it.
 */
export function compensationDoctorCheck(app: AppContext): DoctorCheck {
  const one = (sql: string) => (app.sqlite.prepare(sql).get() as { n: number }).n;
  const uncounted = one(
    `SELECT count(*) AS n FROM comp_campaign_items i LEFT JOIN ledger_transfers t ON t.id = i.transfer_id
     WHERE i.status IN ('credited', 'already') AND (t.id IS NULL OR t.amount <> i.amount OR t.campaign_id IS NOT i.campaign_id)`,
  );
  const unmarked = one(
    `SELECT count(*) AS n FROM ledger_transfers t JOIN comp_campaign_items i ON i.transfer_id = t.id WHERE i.status NOT IN ('credited', 'already')`,
  );
  const executing = app.sqlite.prepare("SELECT id FROM comp_campaigns WHERE state = 'executing' ORDER BY created_at").all() as { id: string }[];
  const items = one('SELECT count(*) AS n FROM comp_campaign_items');
  if (uncounted + unmarked > 0) {
    return {
      name: 'compensation',
      ok: false,
      detail: `${uncounted} campaign credit(s) marked done without their ledger transfer, ${unmarked} transfer(s) whose item is not marked done (depotdesk campaign show names the campaign)`,
    };
  }
  const running = executing.length > 0 ? `; executing: ${executing.map((c) => c.id).join(', ')} (resume with depotdesk campaign execute ID if no job runs it)` : '';
  return { name: 'compensation', ok: true, detail: `${items} campaign item(s) agree with the ledger${running}` };
}

/** Dashboard figures: campaigns waiting for a dry run or an approval, and campaigns crediting now. */
export function compensationFigures(app: AppContext): { key: string; value: number; unit: 'count' }[] {
  const n = (state: string) => (app.sqlite.prepare('SELECT count(*) AS n FROM comp_campaigns WHERE state = ?').get(state) as { n: number }).n;
  return [
    { key: 'compensation.awaitingApproval', value: n('draft'), unit: 'count' },
    { key: 'compensation.executing', value: n('executing'), unit: 'count' },
  ];
}

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
      app.sqlite
        .prepare(
          `INSERT INTO charging_sessions (id, state, origin, charger_id, connector_id, station_id, driver_id, id_tag, prepay_fen, created_at, created_by, updated_at)
           VALUES (?, 'PLACED', 'operator', ?, ?, ?, ?, ?, ?, ?, NULL, ?)`,
        )
        .run(id, s.chargerId, s.connectorId, s.stationId, s.driverId, `DD${id.slice(-18)}`, s.prepayFen, s.at, s.at);
      const hold = placeHold(at, { key: `hold:${id}`, driverId: s.driverId, amountFen: s.prepayFen, expiresAt: s.at + 86_400_000, sessionId: id, memo: `prepay for session on ${s.chargerId}/${s.connectorId}` });
      app.sqlite.prepare('UPDATE charging_sessions SET hold_id = ? WHERE id = ?').run(hold.holdId, id);
      const late: AppContext = { ...app, clock: { ...app.clock, now: () => s.at + app.config.sessions.startTimeoutMs } };
      failStart(late, id, 'start_timeout', `no StartTransaction within ${app.config.sessions.startTimeoutMs / 1000} s of the RemoteStart`);
      return id;
    }),
  );
}

const BURST_DRIVERS = 24;

/**
 * The demo depot's bad morning: yesterday 09:00–12:00 charger SIM-002 stopped answering, and 24
 * drivers tried to start 1 to 5 times each. A campaign over it is left for the operator to draft.
 */
export const compensationDemoStep = {
  name: 'compensation',
  run(app: AppContext): string {
    if (findDriverByIdTag(app, 'DEMOBURST01')) return 'the failed-start burst already exists; left as it is';
    const charger = app.sqlite.prepare("SELECT id, station_id AS stationId FROM chargers WHERE id = 'SIM-002'").get() as { id: string; stationId: string | null } | undefined;
    const chargerId = charger?.id ?? 'SIM-002';
    const stationId = charger?.stationId ?? DEMO_TARIFF_STATION;
    const zone = app.config.timeZone;
    const today = businessDate(app.clock.now(), zone);
    const yesterday = new Date(Date.parse(`${today}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    const nineAm = instantOf(yesterday, 9 * 3_600_000, zone);
    const starts: FailedStart[] = [];
    writeTx(app.sqlite, () => {
      for (let n = 1; n <= BURST_DRIVERS; n += 1) {
        const tag = `DEMOBURST${String(n).padStart(2, '0')}`;
        const d = addDriver(app, { name: `演示车主 ${String(n).padStart(2, '0')}`, phone: `1390000${String(n).padStart(4, '0')}`, tags: [tag] });
        topUp({ ...app, clock: { ...app.clock, now: () => nineAm - 86_400_000 } }, { key: `demo:burst:topup:${n}`, driverId: d.id, amountFen: 10_000, channel: 'wechat' });
        // 1 to 5 attempts, a few minutes apart, spread over the three hours.
        const attempts = 1 + ((n * 7) % 5);
        for (let k = 0; k < attempts; k += 1) {
          starts.push({ driverId: d.id, chargerId, connectorId: 1 + (k % 2), stationId, at: nineAm + ((n * 6 + k * 4) % 175) * 60_000 + k * 1000, prepayFen: 5_000 });
        }
      }
      recordFailedStarts(app, starts, 'demo-burst-');
    });
    return `${starts.length} failed starts of ${BURST_DRIVERS} drivers on ${chargerId} yesterday (${yesterday}) 09:00–12:00, waiting for a compensation campaign`;
  },
};
