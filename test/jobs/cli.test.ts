import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { acknowledgeAlert, raiseAlert } from '../../src-main/alerts';
import { defineWorker, startScheduler } from '../../src-main/jobs';
import { createOperator } from '../../src-main/operators';
import { cliInProcess } from '../cli-runs';
import { makeApp } from '../helpers';

/**
 * `depotdesk alerts list` and `jobs list` in the operator's words (issue 16): one language (the
 * CLI's English, from the screens' dictionaries), an alert's sentence worded from its code and
 * details rather than the core's bilingual log text, operators by display name, and the internal
 * id last where a command needs it (alerts ack, jobs retry). --json keeps the codes and ids.
 */

const PASSWORD = 'correct-horse';

const pollWorker = defineWorker({
  kind: 'payments.pollOrders',
  queue: 'payments',
  args: z.object({}),
  maxAttempts: 1,
  perform() {
    throw new Error('gateway asleep');
  },
});

/** Han characters: the CLI's English lines carry none of the core's Chinese log words. */
const HAN = /\p{Script=Han}/u;

async function depotWithAlerts() {
  const { app, dir } = makeApp();
  await createOperator(app, { name: 'li.na', displayName: '李娜', role: 'supervisor', password: PASSWORD });
  // As src-main/risk/chargers.ts raises it: the log's half-Chinese message, the details the screens word.
  const maintenance = raiseAlert(app, {
    code: 'risk.charger_maintenance',
    level: 'warning',
    subject: 'risk.charger_maintenance:SIM-002',
    message: '充电桩 SIM-002 已自动转入维护: 74 启动失败 24 小时内 failed starts (≥ 5)',
    details: { chargerId: 'SIM-002', actionId: 'A1', rule: 'charger.failed_starts', ruleVersion: 0, count: 74, min: 5, hours: 24, evidence: [] },
  });
  const stuck = raiseAlert(app, {
    code: 'payments.cancel_stuck',
    level: 'urgent',
    subject: 'payments.cancel_stuck:DD202601150001',
    message: '支付订单 DD202601150001 超时后取消 3 次被拒，已停止自动取消，等待主管修复 (钱包与账本 → 收款与订单 → 支付订单): gateway down',
    details: { number: 'DD202601150001', attempts: 3 },
  });
  return { app, dir, maintenance: maintenance.alert, stuck: stuck.alert };
}

describe('depotdesk alerts list', () => {
  it('words each alert in English from its code and details, names who acknowledged it, and puts the id last', async () => {
    const { app, dir, maintenance, stuck } = await depotWithAlerts();
    acknowledgeAlert(app, stuck.id, 'li.na');
    const as = ['--data-dir', dir, '--as', 'li.na'];

    // The open ones (the acknowledged one is in --all): the warning's sentence from its code and details.
    const open = await cliInProcess(['alerts', 'list', ...as], PASSWORD);
    expect(open.code, open.stderr).toBe(0);
    expect(open.stdout).toBe(
      `Warning  2026-01-15 09:00:00  Charger SIM-002 was put in maintenance: 74 failed starts within 24 h (rule threshold 5)  id ${maintenance.id}\n` +
        '1 of 1 alert(s), times in Asia/Shanghai\n',
    );
    const human = await cliInProcess(['alerts', 'list', '--all', ...as], PASSWORD);
    expect(human.code, human.stderr).toBe(0);
    const lines = human.stdout.trimEnd().split('\n');
    // The urgent one first (alerts.list orders by severity), then the warning, then the count and zone.
    expect(lines).toEqual([
      'Urgent   2026-01-15 09:00:00  The timeout cancel of payment order DD202601150001 was refused 3 times; automatic cancelling stopped, ' +
        `waiting for a supervisor to repair it (Ledger → Payments → Payment orders)  [acknowledged by 李娜]  id ${stuck.id}`,
      `Warning  2026-01-15 09:00:00  Charger SIM-002 was put in maintenance: 74 failed starts within 24 h (rule threshold 5)  id ${maintenance.id}`,
      '2 of 2 alert(s), times in Asia/Shanghai',
    ]);
    // Names are people's own (李娜); every word around them is the CLI's English.
    for (const line of lines) expect(line.replace('李娜', ''), line).not.toMatch(HAN);
    // No line leads with an internal id.
    for (const line of lines) expect(line.startsWith(maintenance.id) || line.startsWith(stuck.id)).toBe(false);

    // --json as before: the core's message, code, details and login, untouched.
    const json = await cliInProcess(['alerts', 'list', '--all', '--json', ...as], PASSWORD);
    expect(json.code, json.stderr).toBe(0);
    const items = (JSON.parse(json.stdout) as { items: { id: string; code: string; message: string; acknowledgedBy: string | null; details: unknown }[] }).items;
    expect(items.map((a) => [a.id, a.code, a.message, a.acknowledgedBy])).toEqual([
      [stuck.id, 'payments.cancel_stuck', stuck.message, 'li.na'],
      [maintenance.id, 'risk.charger_maintenance', maintenance.message, null],
    ]);
    expect(items[1].details).toMatchObject({ chargerId: 'SIM-002', count: 74, hours: 24 });
  });

  it('alerts ack answers with the alert in words and its id, which it was given', async () => {
    const { dir, maintenance } = await depotWithAlerts();
    const r = await cliInProcess(['alerts', 'ack', maintenance.id, '--data-dir', dir, '--as', 'li.na'], PASSWORD);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`alert acknowledged: Charger SIM-002 was put in maintenance: 74 failed starts within 24 h (rule threshold 5)  (id ${maintenance.id})\n`);
  });
});

describe('depotdesk jobs list', () => {
  it('words the state and the kind as the Jobs page does, the id last; --json keeps the codes', async () => {
    const { app, dir } = makeApp();
    await createOperator(app, { name: 'li.na', role: 'supervisor', password: PASSWORD });
    const scheduler = startScheduler(app, { workers: [pollWorker], poll: false });
    const failed = pollWorker.enqueue(app, {});
    const later = pollWorker.enqueue(app, {}, { scheduledAt: app.clock.now() + 60_000 });
    await scheduler.drain();
    await scheduler.stop();
    const as = ['--data-dir', dir, '--as', 'li.na'];

    const human = await cliInProcess(['jobs', 'list', ...as], PASSWORD);
    expect(human.code, human.stderr).toBe(0);
    const lines = human.stdout.trimEnd().split('\n');
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^2026-01-15 09:01:00  Scheduled +Poll pending payment orders +attempt 0/1  id ${later.id}$`)));
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`^2026-01-15 09:00:00  Given up +Poll pending payment orders +attempt 1/1  gateway asleep  id ${failed.id}$`)),
    );
    expect(human.stdout).not.toMatch(/\bscheduled\b|\bdiscarded\b|payments\.pollOrders/);

    const json = await cliInProcess(['jobs', 'list', '--json', ...as], PASSWORD);
    const items = (JSON.parse(json.stdout) as { items: { id: string; state: string; kind: string }[] }).items;
    expect(items.map((j) => [j.id, j.state, j.kind])).toEqual(
      expect.arrayContaining([
        [failed.id, 'discarded', 'payments.pollOrders'],
        [later.id, 'scheduled', 'payments.pollOrders'],
      ]),
    );
  });
});
