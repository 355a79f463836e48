import { describe, expect, test } from 'vitest';
import { ok } from '../helpers';
import { GUANGDONG_PLAN, importTariff } from '../../src-main/tariffs';
import { consumeInboxWorker, type SessionView } from '../../src-main/sessions';
import { at, brokerCases, expectLedgerValid, revenue, timelineKinds, wallet } from './helpers';

const DAY = 24 * 3_600_000;

function sessionsOf(app: Parameters<typeof wallet>[0]): { id: string; state: string }[] {
  return app.sqlite.prepare('SELECT id, state FROM charging_sessions ORDER BY created_at').all() as { id: string; state: string }[];
}

describe.each(brokerCases('test/sessions/replay.test.ts (its Mosquitto cases)'))(
  'records the charger replays late, out of order and more than once, through $broker',
  ({ start }) => {
    test("a session started at the charger with a card, replayed two days late across a tariff change, is priced by the charger's times under each version", async () => {
      const depot = await start();
      const { app, clock } = depot;
      const cp = await depot.charger('CP-1');
      const driver = depot.driver({ topUpYuan: 100, tag: 'CARD-7' });
      // From 2026-01-16 the plan's 谷 costs 0.30000 + 0.60000 per kWh.
      importTariff(app, {
        file: { ...GUANGDONG_PLAN, effectiveFrom: '2026-01-16', prices: { ...GUANGDONG_PLAN.prices, valley: { electricity: '0.30000', service: '0.60000' } } },
      });

      // The charger was offline from 23:00 on the 15th to 01:00 on the 16th and reconnects two days later.
      clock.advance(2 * DAY);
      const tx = await cp.startTransaction(1, 'card-7', 200_000, at('23:00'));
      await cp.meterValues(1, tx, 207_000, at('00:00', '2026-01-16'));
      await cp.stopTransaction(tx, 214_000, at('01:00', '2026-01-16'));
      await depot.settle();

      // By hand: 23:00–24:00 平 under version 1: 7 kWh × 0.62540 = 4.3778, × 0.80000 = 5.6000;
      // 00:00–01:00 谷 under version 2: 7 kWh × 0.30000 = 2.1000, × 0.60000 = 4.2000.
      // Electricity 6.4778, service 9.8000, total 16.2778 → ¥16.28 (electricity 648, service 980).
      const rows = sessionsOf(app);
      expect(rows).toHaveLength(1);
      const s = depot.session(rows[0].id);
      expect(s.origin).toBe('charger');
      expect(s.driverId).toBe(driver.id);
      expect(s.state).toBe('PAID');
      expect(s.startedAt).toBe(at('23:00'));
      expect(s.startReceivedAt).toBe(clock.now());
      expect(s.amountFen).toBe(1628);
      expect(s.electricityFen).toBe(648);
      expect(s.serviceFen).toBe(980);
      expect(s.paidWalletFen).toBe(1628);
      expect(JSON.parse(s.quote!).versions).toHaveLength(2);
      expect(wallet(app, driver.id)).toEqual({ balance: 10_000 - 1628, held: 0, available: 10_000 - 1628 });
      expect(revenue(app)).toEqual({ electricity: 648, service: 980 });
      expect(timelineKinds(app, s.id)).toEqual(['charger_start', 'stop_transaction', 'settled_paid']);
      expectLedgerValid(app);
    });

    test('the same StopTransaction three times settles once, and every copy is acknowledged', async () => {
      const depot = await start();
      const { app } = depot;
      const cp = await depot.charger('CP-1');
      const driver = depot.driver({ topUpYuan: 100 });
      const s = await ok<SessionView>(app, depot.operator, 'sessions.start', { chargerId: 'CP-1', connectorId: 1, driver: driver.id, prepay: '30.00' });
      await depot.until(() => timelineKinds(app, s.id).includes('remote_start_accepted'), 'the charger accepted');
      const tx = await cp.startTransaction(1, s.idTag, 1_000, at('09:00'));
      // 1 kWh 平: 0.6254 + 0.8000 = 1.4254 → ¥1.43.
      const stop = cp.stopPayload(tx, 2_000, at('09:20'));
      const answers = [];
      for (let i = 0; i < 3; i += 1) answers.push(await cp.call('StopTransaction', stop));
      await depot.settle();
      expect(answers).toHaveLength(3);
      const settled = depot.session(s.id);
      expect(settled.state).toBe('PAID');
      expect(settled.amountFen).toBe(143);
      expect(wallet(app, driver.id)).toEqual({ balance: 10_000 - 143, held: 0, available: 10_000 - 143 });
      expect(revenue(app)).toEqual({ electricity: 63, service: 80 });
      const inbox = app.sqlite.prepare("SELECT copies, processed_at AS processedAt FROM charger_transactions WHERE kind = 'stop'").all() as {
        copies: number;
        processedAt: number | null;
      }[];
      expect(inbox).toHaveLength(1);
      expect(inbox[0].copies).toBe(3);
      expect(inbox[0].processedAt).not.toBeNull();
      expect(timelineKinds(app, s.id).filter((k) => k.startsWith('settled'))).toEqual(['settled_paid']);
      expectLedgerValid(app);
    });

    test('a start that delivered no energy is not billable: the hold is released whole and nothing is charged', async () => {
      const depot = await start();
      const { app } = depot;
      const cp = await depot.charger('CP-1');
      const driver = depot.driver({ topUpYuan: 50 });
      const s = await ok<SessionView>(app, depot.operator, 'sessions.start', { chargerId: 'CP-1', connectorId: 1, driver: driver.id, prepay: '20.00' });
      const tx = await cp.startTransaction(1, s.idTag, 5_000, at('09:00'));
      await cp.stopTransaction(tx, 5_000, at('09:01'), 'EVDisconnected');
      await depot.settle();
      const done = depot.session(s.id);
      expect(done.state).toBe('PAID');
      expect(done.amountFen).toBe(0);
      expect(done.energyWh).toBe(0);
      expect(wallet(app, driver.id)).toEqual({ balance: 5_000, held: 0, available: 5_000 });
      expect(revenue(app)).toEqual({ electricity: 0, service: 0 });
      expectLedgerValid(app);
    });

    test('an id tag nobody owns still gets a session (the energy was delivered), held for review until a supervisor names the driver', async () => {
      const depot = await start();
      const { app } = depot;
      const cp = await depot.charger('CP-1');
      const tx = await cp.startTransaction(2, 'STRANGER', 0, at('09:00'));
      await cp.stopTransaction(tx, 1_000, at('09:30'));
      await depot.settle();
      const [row] = sessionsOf(app);
      const s = depot.session(row.id);
      expect(s.driverId).toBeNull();
      expect(s.state).toBe('FINISHED');
      expect(s.reviewReason).toBe('unknown_id_tag');
      expect(s.reviewState).toBe('pending');

      const payer = depot.driver({ topUpYuan: 10 });
      const r = await ok<SessionView>(app, depot.supervisor, 'sessions.approveReview', { sessionId: s.id, driverId: payer.id, note: 'his spare card' });
      expect(r.state).toBe('PAID');
      expect(r.driverId).toBe(payer.id);
      expect(r.amountFen).toBe(143);
      expect(wallet(app, payer.id).balance).toBe(1_000 - 143);
      expectLedgerValid(app);
    });

    test("readings that arrive before their session's StartTransaction has been applied wait in the inbox, then apply", async () => {
      const depot = await start();
      const { app } = depot;
      const cp = await depot.charger('CP-1');
      const driver = depot.driver({ topUpYuan: 100, tag: 'CARD-9' });
      const tx = await cp.startTransaction(1, 'CARD-9', 0, at('09:00'));
      await depot.settle();
      // Pretend the start had not been applied yet (a crash between the inbox commit and the session step).
      const [row] = sessionsOf(app);
      app.sqlite.prepare('UPDATE charging_sessions SET transaction_id = NULL WHERE id = ?').run(row.id);
      await cp.stopTransaction(tx, 2_000, at('09:40'));
      await depot.settle();
      const waiting = app.sqlite.prepare("SELECT processed_at AS p, process_error AS e FROM charger_transactions WHERE kind = 'stop'").get() as {
        p: number | null;
        e: string;
      };
      expect(waiting.p).toBeNull();
      expect(waiting.e).toMatch(/waiting for the StartTransaction/);
      expect(depot.session(row.id).state).toBe('CHARGING');
      // The start shows up again (here: restored), and the sweep lets the stop through.
      app.sqlite.prepare('UPDATE charging_sessions SET transaction_id = ? WHERE id = ?').run(tx, row.id);
      consumeInboxWorker.enqueue(app, {});
      const run = await depot.services.scheduler.drain({ crons: false });
      expect(run.runs.map((r) => [r.kind, r.outcome])).toEqual([['sessions.consumeInbox', 'completed']]);
      expect(depot.session(row.id).state).toBe('PAID');
      expect(wallet(app, driver.id).balance).toBe(10_000 - 285);
      expectLedgerValid(app);
    });
  },
);
