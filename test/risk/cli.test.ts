import { describe, expect, test } from 'vitest';
import { cliInProcess, cliProcess } from '../cli-runs';
import { getCharger } from '../../src-main/chargers';
import { findCommand } from '../../src-main/cli/main';
import { findDebt, listDebts } from '../../src-main/ledger';
import { maskPhone } from '../../src-main/kernel/phone';
import { listBlacklist } from '../../src-main/risk';
import type { SessionView } from '../../src-main/sessions';
import { addOperator, call, makeApp, ok } from '../helpers';
import { at, expectLedgerValid, startSessionDepot, type SessionDepot } from '../sessions/helpers';

/**
 * `depotdesk risk …` through the real CLI (node bin/depotdesk.js, each command its own process) on
 * the file of a running depot (real broker, simulated chargers). The depot's records are made in
 * this process first: a driver left with a debt, two large sessions held for review, a charger
 * reporting three faults. The CLI runs on the wall clock, so the sessions are made at the depot's
 * fake morning of 2026-01-15 (long before today: the debt is old) and the clock is then moved to
 * now before the faults (recent: inside the rule's 24 hours).
 *
 * Usage errors are checked by the CLI's own main() in this process (same parser, same exit code as
 * bin/depotdesk.js sets), to keep the number of slow child processes down.
 */

const PASSWORD = 'correct-horse';

/** One CLI process (no timeout of its own), and main() in this process: test/cli-runs.ts. */
const cli = (args: string[]) => cliProcess(args, PASSWORD);
const inProcess = (argv: string[]) => cliInProcess(argv, PASSWORD);

const sims = new Map<string, Awaited<ReturnType<SessionDepot['charger']>>>();

/** A charge of `wh` on a fresh connector run by `by`, stopped and settled (or held for review). */
async function charge(depot: SessionDepot, by: Parameters<typeof ok>[1], chargerId: string, connectorId: number, driverId: string, wh: number) {
  const s = await ok<SessionView>(depot.app, by, 'sessions.start', { chargerId, connectorId, driver: driverId, prepay: '10.00' });
  const cp = sims.get(chargerId)!;
  const tx = await cp.startTransaction(connectorId, s.idTag, 0, at('10:00'));
  await cp.stopTransaction(tx, wh, at('11:00'));
  await depot.settle();
  return s.id;
}

/**
 * The depot: operators op.zhou (operator), sup.wang and sup.li (supervisors), fin.a and fin.b
 * (finance); a driver owing ¥16.82 since the fake morning; a driver to blacklist by phone; two
 * sessions of 40 kWh started by sup.wang and held as large (over ¥50); CP-F with three fault
 * episodes just now.
 */
async function riskDepot() {
  const depot = await startSessionDepot({ overrides: { sessions: { reviewAboveFen: 5000 } } });
  const { app } = depot;
  await addOperator(app, 'operator', 'op.zhou');
  const supWang = await addOperator(app, 'supervisor', 'sup.wang');
  const supLi = await addOperator(app, 'supervisor', 'sup.li');
  await addOperator(app, 'finance', 'fin.a');
  await addOperator(app, 'finance', 'fin.b');
  sims.clear();
  for (const id of ['CP-D', 'CP-R', 'CP-F']) sims.set(id, await depot.charger(id));

  const debtor = depot.driver({ topUpYuan: 20 });
  await charge(depot, depot.operator, 'CP-D', 1, debtor.id, 20_000);
  const [debt] = listDebts(app, { driverId: debtor.id });
  expect(debt).toMatchObject({ status: 'open', owedFen: 1682 });

  const suspect = depot.driver({ topUpYuan: 50 });
  const big = depot.driver({ topUpYuan: 300 });
  const held = [await charge(depot, supWang, 'CP-R', 1, big.id, 40_000), await charge(depot, supWang, 'CP-R', 2, big.id, 40_000)];
  expect(held.map((id) => depot.session(id).reviewReason)).toEqual(['large_amount', 'large_amount']);

  depot.clock.set(Date.now());
  const cp = sims.get('CP-F')!;
  await cp.status(1, 'Faulted', 'GroundFailure');
  await cp.status(2, 'Faulted', 'OverCurrentFailure');
  await cp.status(0, 'Faulted', 'PowerMeterFailure');
  await depot.settle();

  const dir = app.paths.dataDir;
  const as = (name: string, ...rest: string[]) => [...rest, '--data-dir', dir, '--as', name];
  return { depot, app, supLi, debtor, debt, suspect, held, as };
}

type Json = Record<string, unknown>;

/** Whether the text shows the driver's whole phone; the test depot's drivers are named after theirs ("driver 13800000001"). */
const wholePhone = (text: string, d: { name: string; phone: string }) => text.replaceAll(d.name, '').includes(d.phone);

describe('depotdesk risk (the CLI on the depot file)', { timeout: 900_000 }, () => {
  test('rules, evaluation, the blacklist and "why", charger health and return, the review queue and debt write-offs, each by the right role', async () => {
    const { depot, app, supLi, debtor, debt, suspect, held, as } = await riskDepot();

    // Rules: the defaults, then a supervisor switches the unpaid-debt rule on (version 1).
    const rules = await cli(as('op.zhou', 'risk', 'rules', '--json'));
    expect(rules.code, rules.stderr).toBe(0);
    const byCode = new Map(rules.json<{ code: string; enabled: boolean; version: number; params: Json }[]>().map((r) => [r.code, r]));
    expect(byCode.size).toBe(8);
    expect(byCode.get('charger.faults')).toMatchObject({ enabled: true, version: 0, params: { count: 3, windowHours: 24 } });
    expect(byCode.get('driver.unpaid_debt')).toMatchObject({ enabled: false, version: 0, params: { days: 30, listDays: 0 } });

    const set = await cli(as('sup.li', 'risk', 'rule', 'set', 'driver.unpaid_debt', '--on', '--param', 'days=30', '--note', '月结司机 30 天', '--json'));
    expect(set.code, set.stderr).toBe(0);
    expect(set.json()).toMatchObject({ code: 'driver.unpaid_debt', version: 1, enabled: true, params: { days: 30, listDays: 0 }, updatedBy: { name: 'sup.li' } });
    const history = await cli(as('op.zhou', 'risk', 'rule', 'history', 'driver.unpaid_debt', '--json'));
    expect(history.code, history.stderr).toBe(0);
    expect(history.json()).toMatchObject([{ version: 1, enabled: true, note: '月结司机 30 天', changedBy: { name: 'sup.li' } }]);

    // The evaluation, on the wall clock: the old debt lists its driver, CP-F goes into
    // maintenance on its three faults, and both held sessions have waited too long.
    const evaluated = await cli(as('sup.li', 'risk', 'evaluate', '--json'));
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(evaluated.json()).toEqual({ expired: 0, listed: 1, maintenance: 1, agingReviews: 2 });
    expect(getCharger(app, 'CP-F')).toMatchObject({ maintenance: true, maintenanceReason: expect.stringMatching(/rule charger.faults v0/) });
    const [listed] = listBlacklist(app, { driverId: debtor.id }).listings;
    expect(listed).toMatchObject({ state: 'active', ruleCode: 'driver.unpaid_debt', ruleVersion: 1, facts: { records: [debt.debtId] } });

    const why = await cli(as('op.zhou', 'risk', 'why', '--driver', debtor.id));
    expect(why.code, why.stderr).toBe(0);
    // The driver named as on the Risk page: the phone masked (138****0001), never whole.
    expect(why.stdout).toContain(`${debtor.name} (${maskPhone(debtor.phone)}) ${debtor.id} is blacklisted`);
    expect(maskPhone(debtor.phone)).toMatch(/^\d{3}\*{4}\d{4}$/);
    expect(wholePhone(why.stdout, debtor)).toBe(false);
    expect(why.stdout).toContain('until a supervisor lifts it');
    expect(why.stdout).toMatch(/decided +by rule driver\.unpaid_debt version 1: A driver with a debt open/);
    expect(why.stdout).toMatch(/version +days=30 listDays=0, set by sup\.li at .* \(月结司机 30 天\)/);
    expect(why.stdout).toMatch(new RegExp(`records +${debt.debtId}\\n`));
    expect(why.stdout).toContain(`risk blacklist lift ${listed.id}`);

    // A supervisor lists a driver by phone for 7 days; the core then refuses them a start.
    const added = await cli(as('sup.li', 'risk', 'blacklist', 'add', '--driver', suspect.phone, '--reason', '盗刷嫌疑 card reported stolen', '--days', '7', '--json'));
    expect(added.code, added.stderr).toBe(0);
    expect(added.json()).toMatchObject({ driverId: suspect.id, state: 'active', source: 'manual', listedBy: { name: 'sup.li' }, expiresAt: expect.any(Number) });
    const refused = await call(app, depot.operator, 'sessions.start', { chargerId: 'CP-D', connectorId: 2, driver: suspect.id, prepay: '10.00' });
    expect(refused.ok || refused.error.message).toMatch(/blacklisted: 盗刷嫌疑/);

    const lifted = await cli(as('sup.li', 'risk', 'blacklist', 'lift', listed.id, '--note', 'promised to pay Friday'));
    expect(lifted.code, lifted.stderr).toBe(0);
    expect(lifted.stdout).toContain(`listing  ${listed.id}  lifted`);
    expect(lifted.stdout).toContain(`driver   ${debtor.name} (${maskPhone(debtor.phone)}) ${debtor.id}`);
    expect(lifted.stdout).toMatch(/^lifted +.* by sup\.li: promised to pay Friday$/m);
    expect(wholePhone(lifted.stdout, debtor)).toBe(false);
    expect(listBlacklist(app, { driverId: debtor.id }).listings[0]).toMatchObject({ id: listed.id, state: 'lifted', endNote: 'promised to pay Friday' });
    const liftedList = await cli(as('op.zhou', 'risk', 'blacklist', '--state', 'lifted', '--driver', debtor.phone, '--json'));
    expect(liftedList.code, liftedList.stderr).toBe(0);
    expect(liftedList.json()).toMatchObject({ total: 1, listings: [{ id: listed.id, driverId: debtor.id, state: 'lifted' }] });
    const active = await cli(as('op.zhou', 'risk', 'blacklist', '--state', 'active'));
    expect(active.code, active.stderr).toBe(0);
    expect(active.stdout).toContain(`${suspect.name} (${maskPhone(suspect.phone)})  by sup.li`);
    expect(wholePhone(active.stdout, suspect)).toBe(false);

    // Charger health as a table, then the supervisor returns CP-F to service.
    const health = await cli(as('op.zhou', 'risk', 'health'));
    expect(health.code, health.stderr).toBe(0);
    expect(health.stdout).toMatch(/^CP-F +Yard A +\S+ +MAINT +3 +0 +0 +0 +charger\.faults v0: .*3 faults within 24 h \(≥ 3\)/m);
    expect(health.stdout).toMatch(/^CP-D +Yard A +\S+ +- +0 +0 +0 +0$/m);
    const returned = await cli(as('sup.li', 'risk', 'return', 'CP-F', '--note', 'replaced the RCD', '--json'));
    expect(returned.code, returned.stderr).toBe(0);
    expect(returned.json()).toMatchObject({ chargerId: 'CP-F', state: 'returned', returnedBy: { name: 'sup.li' }, returnNote: 'replaced the RCD' });
    expect(getCharger(app, 'CP-F')!.maintenance).toBe(false);

    // The review queue: not approved by who started the session; a rejection opens an adjustment.
    const queue = await cli(as('op.zhou', 'risk', 'reviews', '--json'));
    expect(queue.code, queue.stderr).toBe(0);
    expect(queue.json<SessionView[]>().map((s) => [s.id, s.reviewReason])).toEqual(held.map((id) => [id, 'large_amount']));
    const own = await cli(as('sup.wang', 'risk', 'approve', held[0]));
    expect(own.code).toBe(1);
    expect(own.stderr).toMatch(/was started by you; someone else approves its review/);
    const approved = await cli(as('sup.li', 'risk', 'approve', held[0], '--note', '车队大巴', '--json'));
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.json()).toMatchObject({ id: held[0], state: 'PAID', reviewState: 'approved', reviewNote: '车队大巴' });
    const rejected = await cli(as('sup.li', 'risk', 'reject', held[1], '--note', '表计异常', '--contested', '12.50', '--json'));
    expect(rejected.code, rejected.stderr).toBe(0);
    const r = rejected.json<{ session: SessionView; adjustmentId: string }>();
    expect(r.session).toMatchObject({ id: held[1], state: 'PAID' });
    const adjustment = await ok<Json>(app, supLi, 'adjustments.get', { adjustmentId: r.adjustmentId });
    expect(adjustment).toMatchObject({ state: 'pending', amount: { fen: 1250 }, reason: expect.stringContaining('表计异常') });

    // Debt write-off: fin.a asks, cannot decide it; fin.b refuses; asked again by fin.b, fin.a approves.
    const asked = await cli(as('fin.a', 'risk', 'writeoff', 'request', '--debt', debt.debtId, '--reason', 'driver unreachable', '--json'));
    expect(asked.code, asked.stderr).toBe(0);
    const first = asked.json<{ id: string; state: string; amount: { fen: number } }>();
    expect(first).toMatchObject({ state: 'pending', amount: { fen: 1682 } });
    const self = await cli(as('fin.a', 'risk', 'writeoff', 'approve', first.id));
    expect(self.code).toBe(1);
    expect(self.stderr).toMatch(/decided by someone other than who asked for it/);
    const no = await cli(as('fin.b', 'risk', 'writeoff', 'reject', first.id, '--note', 'try the fleet manager first', '--json'));
    expect(no.code, no.stderr).toBe(0);
    expect(no.json()).toMatchObject({ state: 'rejected', decidedBy: { name: 'fin.b' } });
    expect(findDebt(app, debt.debtId)!.status).toBe('open');
    const again = await cli(as('fin.b', 'risk', 'writeoff', 'request', '--debt', debt.debtId, '--reason', 'fleet manager gone too', '--json'));
    expect(again.code, again.stderr).toBe(0);
    const second = again.json<{ id: string }>();
    const yes = await cli(as('fin.a', 'risk', 'writeoff', 'approve', second.id, '--note', 'ok', '--json'));
    expect(yes.code, yes.stderr).toBe(0);
    expect(yes.json()).toMatchObject({ state: 'approved', decidedBy: { name: 'fin.a' }, ledgerKey: `risk:writeoff:${second.id}` });
    expect(findDebt(app, debt.debtId)).toMatchObject({ status: 'written_off', writtenOffFen: 1682 });

    const list = await cli(as('op.zhou', 'risk', 'writeoffs'));
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^${second.id} +approved +¥16\\.82 +${debtor.name} +debt ${debt.debtId} +asked by fin\\.b .*approved by fin\\.a`, 'm'));
    expect(list.stdout).toMatch(new RegExp(`^${first.id} +rejected +¥16\\.82 .*: try the fleet manager first$`, 'm'));

    const audited = app.sqlite.prepare("SELECT method, result, transport FROM audit_log WHERE method LIKE 'risk.%' ORDER BY id").all() as {
      method: string;
      result: string;
      transport: string;
    }[];
    expect(audited.map((a) => `${a.method} ${a.result}`)).toEqual([
      'risk.setRule ok',
      'risk.evaluate ok',
      'risk.blacklistAdd ok',
      'risk.blacklistLift ok',
      'risk.returnToService ok',
      'risk.approveReview forbidden',
      'risk.approveReview ok',
      'risk.rejectReview ok',
      'risk.requestDebtWriteOff ok',
      'risk.approveDebtWriteOff forbidden',
      'risk.rejectDebtWriteOff ok',
      'risk.requestDebtWriteOff ok',
      'risk.approveDebtWriteOff ok',
    ]);
    expect(new Set(audited.map((a) => a.transport))).toEqual(new Set(['cli']));
    expectLedgerValid(app);
  });

  test('bad input is a usage error (exit 2) naming the option or the rule; nothing is changed', async () => {
    const { app, dir } = makeApp();
    await addOperator(app, 'supervisor', 'sup.li');
    const as = ['--data-dir', dir, '--as', 'sup.li'];
    const cases: [string[], RegExp][] = [
      [['risk', 'rules', '--colour', ...as], /Unknown option '--colour'/],
      [['risk', 'rule', 'set', 'charger.faults', '--param', 'count', ...as], /--param must be key=value \(like days=30\), got "count"/],
      [['risk', 'rule', 'set', 'charger.faults', '--on', '--off', ...as], /give --on or --off, not both/],
      [['risk', 'rule', 'set', 'charger.faults', ...as], /nothing to change: give --on, --off or --param/],
      [['risk', 'rule', 'set', 'driver.nope', '--on', ...as], /rule: no rule "driver.nope" \(rules: driver.written_off_debts, /],
      [['risk', 'rule', 'set', 'charger.faults', '--param', 'cuont=2', ...as], /params: .*cuont/],
      [['risk', 'rule', 'set', 'charger.faults', '--param', 'count=0', ...as], /params: count: /],
      [['risk', 'rule', 'history', 'driver.nope', ...as], /no rule "driver.nope"/],
      [['risk', 'blacklist', 'add', '--driver', 'D1', '--reason', 'x', '--days', 'seven', ...as], /--days must be a whole number from 0 to 3650, got "seven"/],
      [['risk', 'blacklist', '--state', 'gone', ...as], /--state must be one of active, lifted, expired, got "gone"/],
      [['risk', 'reject', 'S1', '--note', 'x', '--contested', '12.505', ...as], /--contested: has more than 2 decimals/],
      [['risk', 'reject', 'S1', '--note', 'x', '--contested', 'lots', ...as], /--contested: is not a number/],
      [['risk', 'writeoffs', '--state', 'done', ...as], /--state must be one of pending, approved, rejected/],
      [['risk', 'blacklist', 'lift', 'L1', ...as], /--note is required/],
    ];
    for (const [argv, message] of cases) {
      const r = await inProcess(argv);
      expect({ argv: argv.join(' '), code: r.code }).toEqual({ argv: argv.join(' '), code: 2 });
      expect(r.stderr).toMatch(message);
    }
    expect(app.sqlite.prepare('SELECT count(*) AS n FROM risk_rules').get()).toEqual({ n: 0 });
    expect(app.sqlite.prepare('SELECT count(*) AS n FROM risk_blacklist').get()).toEqual({ n: 0 });
  });

  test('the three-word commands are found, and a word after a two-word command stays a positional', () => {
    const found = (argv: string[]) => {
      const f = findCommand(argv);
      return f && { name: f.command.name, rest: f.rest };
    };
    expect(found(['risk', 'rule', 'set', 'charger.faults', '--on'])).toEqual({ name: 'risk rule set', rest: ['charger.faults', '--on'] });
    expect(found(['--json', 'risk', 'blacklist', 'add', '--driver', 'D'])).toEqual({ name: 'risk blacklist add', rest: ['--json', '--driver', 'D'] });
    expect(found(['risk', 'blacklist', '--state', 'active'])).toEqual({ name: 'risk blacklist', rest: ['--state', 'active'] });
    expect(found(['risk', 'approve', 'S1', '--note', 'x'])).toEqual({ name: 'risk approve', rest: ['S1', '--note', 'x'] });
    expect(found(['session', 'show', 'S-1'])).toEqual({ name: 'session show', rest: ['S-1'] });
  });
});
