import { businessDate } from '../kernel/clock';
import type { AppContext } from '../kernel/context';
import type { DoctorCheck } from '../kernel/plugins';
import { writeTx } from '../kernel/db/connection';
import { addDriver, findDriverByIdTag, topUp, transferFacts } from '../ledger';
import { recordFailedStarts, type FailedStart } from '../sessions';
import { getCharger } from '../chargers';
import { DEMO_TARIFF_STATION, instantOf } from '../tariffs';
import { allRows, countRows } from '../kernel/db/rows';

/**
 * `depotdesk doctor`: every item a campaign counts as credited has its ledger transfer for the same
 * amount, and every campaign transfer in the ledger is counted by its item. A campaign left
 * executing (a process stopped mid-run) is named so someone resumes it.
 */
export function compensationDoctorCheck(app: AppContext): DoctorCheck {
  const { items, uncounted, unmarked } = itemsAgainstLedger(app);
  const executing = app.sqlite.prepare<unknown[], { id: string }>("SELECT id FROM comp_campaigns WHERE state = 'executing' ORDER BY created_at").all();
  if (uncounted + unmarked > 0) {
    return {
      name: 'compensation',
      ok: false,
      detail: `${uncounted} campaign credit(s) marked done without their ledger transfer, ${unmarked} transfer(s) whose item is not marked done (depotdesk campaign show names the campaign)`,
    };
  }
  // An approval freezing its rows in chunks (approval.ts) that stopped part-way is named too: approving it again resumes it.
  const freezing = app.sqlite
    .prepare<unknown[], { id: string }>("SELECT id FROM comp_campaigns WHERE state = 'approved' AND approved_at IS NULL ORDER BY created_at")
    .all();
  const running =
    (executing.length > 0 ? `; executing: ${executing.map((c) => c.id).join(', ')} (resume with depotdesk campaign execute ID if no job runs it)` : '') +
    (freezing.length > 0 ? `; being approved: ${freezing.map((c) => c.id).join(', ')} (if no approval is running, approve it again to resume)` : '');
  return { name: 'compensation', ok: true, detail: `${items} campaign item(s) agree with the ledger${running}` };
}

const CHECK_PAGE = 10_000;

/**
 * Every item against its ledger transfer, a page of items at a time: credited (or already) items
 * whose transfer is missing or differs in amount or campaign, and items not marked done whose
 * transfer exists.
 */
function itemsAgainstLedger(app: AppContext): { items: number; uncounted: number; unmarked: number } {
  const page = app.sqlite.prepare('SELECT rowid, campaign_id, amount, status, transfer_id FROM comp_campaign_items WHERE rowid > ? ORDER BY rowid LIMIT ?').raw();
  let items = 0;
  let uncounted = 0;
  let unmarked = 0;
  for (let after = 0; ;) {
    const rows = allRows<[number, string, number, string, string]>(page, after, CHECK_PAGE);
    const transfers = transferFacts(
      app,
      rows.map((r) => r[4]),
    );
    for (const [, campaignId, amount, status, transferId] of rows) {
      const t = transfers.get(transferId);
      const done = status === 'credited' || status === 'already';
      if (done && (!t || t.amount !== amount || t.campaignId !== campaignId)) uncounted += 1;
      if (!done && t) unmarked += 1;
    }
    items += rows.length;
    if (rows.length < CHECK_PAGE) return { items, uncounted, unmarked };
    after = rows[rows.length - 1][0];
  }
}

/** Dashboard figures: campaigns waiting for a dry run or an approval, and campaigns crediting now. */
export function compensationFigures(app: AppContext): { key: string; value: number; unit: 'count' }[] {
  const n = (state: string) => countRows(app.sqlite.prepare('SELECT count(*) AS n FROM comp_campaigns WHERE state = ?'), state);
  return [
    { key: 'compensation.awaitingApproval', value: n('draft'), unit: 'count' },
    { key: 'compensation.executing', value: n('executing'), unit: 'count' },
  ];
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
    const charger = getCharger(app, 'SIM-002');
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
        topUp(
          { ...app, clock: { ...app.clock, now: () => nineAm - 86_400_000 } },
          { key: `demo:burst:topup:${n}`, driverId: d.id, amountFen: 10_000, channel: 'wechat' },
        );
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
