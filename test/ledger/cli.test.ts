import { describe, expect, it } from 'vitest';
import { addDriver, topUp } from '../../src-main/ledger';
import { cliInProcess } from '../cli-runs';
import { addOperator, cli, makeApp } from '../helpers';

/** The ledger commands through the real CLI (node bin/depotdesk.js), one child process per command. */

const PASSWORD = 'correct-horse';

describe('depotdesk ledger commands', () => {
  it('an operator registers a driver, tops up (twice with the same key), and reads the wallet and statement', async () => {
    const { app, dir } = makeApp();
    await addOperator(app, 'operator', 'counter.op');
    await addOperator(app, 'finance', 'fin.op');
    const as = (name: string) => ['--data-dir', dir, '--as', name, '--json'];
    const env = { DEPOTDESK_PASSWORD: PASSWORD };

    const added = cli(['driver', 'add', '--name', '陈师傅', '--phone', '13800000001', '--tag', '04a1b2c3', ...as('counter.op')], env);
    expect(added.code, added.stderr).toBe(0);
    const driver = added.json<{ id: string; tags: { tag: string }[] }>();
    expect(driver.tags).toEqual([{ tag: '04A1B2C3', kind: 'rfid' }]);

    const topup = cli(['wallet', 'topup', '--driver', driver.id, '--amount', '100.00', '--key', 'receipt-1', '--channel', 'wechat', ...as('counter.op')], env);
    expect(topup.code, topup.stderr).toBe(0);
    expect(topup.json()).toMatchObject({ amount: { fen: 10_000, yuan: '100.00' }, channel: 'wechat', wallet: { balance: { fen: 10_000 } }, replayed: false });
    const again = cli(['wallet', 'topup', '--driver', driver.id, '--amount', '100.00', '--key', 'receipt-1', '--channel', 'wechat', ...as('counter.op')], env);
    expect(again.json()).toMatchObject({ replayed: true, wallet: { balance: { fen: 10_000 } } });

    const conflict = cli(['wallet', 'topup', '--driver', driver.id, '--amount', '90.00', '--key', 'receipt-1', ...as('counter.op')], env);
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toMatch(/key receipt-1 was already used for a different topup/);

    const coupon = cli(['coupon', 'grant', '--driver', driver.id, '--amount', '20.00', '--key', 'welcome-1', '--expires', '2026-12-31', ...as('fin.op')], env);
    expect(coupon.code, coupon.stderr).toBe(0);
    expect(coupon.json()).toMatchObject({ face: { yuan: '20.00' } });
    const points = cli(['points', 'grant', '--driver', driver.id, '--points', '100', '--key', 'pts-1', ...as('fin.op')], env);
    expect(points.json()).toMatchObject({ points: 100, balance: 100 });

    const show = cli(['wallet', 'show', '--driver', driver.id, ...as('counter.op')], env);
    expect(show.json()).toMatchObject({
      balance: { fen: 10_000, yuan: '100.00' },
      held: { fen: 0 },
      available: { fen: 10_000 },
      debt: { fen: 0 },
      points: 100,
      couponsAvailable: { yuan: '20.00' },
    });

    const statement = cli(['ledger', 'statement', '--driver', driver.id, '--from', '2026-01-01', '--to', '2026-12-31', ...as('counter.op')], env);
    expect(statement.code, statement.stderr).toBe(0);
    const lines = statement.json<{ lines: { code: string; amountText: string; balanceAfterText: string; operatorName: string }[] }>().lines;
    expect(lines.map((l) => [l.code, l.amountText, l.balanceAfterText, l.operatorName])).toEqual([
      ['topup', '+100.00', '100.00', 'counter.op'],
      ['coupon_grant', '+20.00', '20.00', 'fin.op'],
      ['points_grant', '+100', '100', 'fin.op'],
    ]);
    const human = cli(['ledger', 'statement', '--driver', driver.id, '--data-dir', dir, '--as', 'counter.op'], env);
    expect(human.stdout).toMatch(/topup\s+\+100\.00\s+=\s+100\.00/);
    // The driver named as everywhere in the CLI's text: the phone masked, never whole.
    expect(human.stdout.split('\n')[0]).toMatch(/^statement of 陈师傅 \(138\*\*\*\*0001\)/);
    expect(human.stdout).not.toContain('13800000001');
    const wallet = cli(['wallet', 'show', '--driver', driver.id, '--data-dir', dir, '--as', 'counter.op'], env);
    expect(wallet.stdout.split('\n')[0]).toBe('陈师傅 (138****0001)');
    const listed = cli(['driver', 'list', '--search', '陈', '--data-dir', dir, '--as', 'counter.op'], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^${driver.id} +陈师傅 +138\\*{4}0001 +balance +100\\.00`, 'm'));
    expect(listed.stdout).not.toContain('13800000001');
    const second = cli(['driver', 'add', '--name', '王师傅', '--phone', '13900000002', '--data-dir', dir, '--as', 'counter.op'], env);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/^driver 王师傅 \(139\*{4}0002\) added: id \S+/);
    expect(second.stdout).not.toContain('13900000002');

    const verify = cli(['ledger', 'verify', '--data-dir', dir, '--json']);
    expect(verify.code).toBe(0);
    expect(verify.json()).toMatchObject({ ok: true, violations: [] });

    // Commands land in the audit log with the operator who ran them.
    const audited = app.sqlite.prepare("SELECT method, operator_name AS who, result FROM audit_log WHERE method LIKE 'wallet.%' ORDER BY id").all();
    expect(audited).toEqual([
      { method: 'wallet.topup', who: 'counter.op', result: 'ok' },
      { method: 'wallet.topup', who: 'counter.op', result: 'ok' },
      { method: 'wallet.topup', who: 'counter.op', result: 'idempotency_conflict' },
    ]);
  }, 600_000);

  it('bad input exits 2 with a message naming the option, and changes nothing', async () => {
    const { app, dir } = makeApp();
    await addOperator(app, 'operator', 'counter.op');
    const env = { DEPOTDESK_PASSWORD: PASSWORD };
    const base = ['--data-dir', dir, '--as', 'counter.op'];
    const cases: [string[], RegExp][] = [
      [['wallet', 'topup', '--driver', 'D', '--amount', '1.234', '--key', 'k'], /--amount: has more than 2 decimals/],
      [['wallet', 'topup', '--driver', 'D', '--amount', 'abc', '--key', 'k'], /--amount: is not a number/],
      [['wallet', 'topup', '--driver', 'D', '--amount=-5', '--key', 'k'], /--amount: must not be negative/],
      [['wallet', 'topup', '--driver', 'D', '--amount', '100000000.01', '--key', 'k'], /--amount: is too large/],
      [['wallet', 'topup', '--driver', 'D', '--amount', '5'], /--key is required/],
      [['wallet', 'topup', '--driver', 'D', '--amount', '5', '--key', 'k', '--channel', 'paypal'], /--channel must be one of cash, wechat, alipay/],
      [['points', 'grant', '--driver', 'D', '--points', '1.5', '--key', 'k'], /--points must be a whole number/],
      [['ledger', 'statement', '--driver', 'D', '--from', '1st May'], /--from must be a date yyyy-MM-dd/],
      [['driver', 'add', '--name', 'X'], /--phone is required/],
      [['driver', 'add', '--name', 'X', '--phone', 'call me'], /phone: a phone number is 5 to 20 digits/],
    ];
    for (const [args, message] of cases) {
      const r = cli([...args, ...base], env);
      expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    expect(app.sqlite.prepare('SELECT count(*) AS n FROM ledger_transfers').get()).toEqual({ n: 0 });
    expect(app.sqlite.prepare('SELECT count(*) AS n FROM drivers').get()).toEqual({ n: 0 });
  }, 600_000);

  it("wallet show, wallet topup and ledger statement take the driver's phone (exact) as well as the id; an unknown one is refused naming it", async () => {
    const { app, dir } = makeApp();
    await addOperator(app, 'operator', 'counter.op');
    const driver = addDriver(app, { name: '陈师傅', phone: '13800000001' });
    addDriver(app, { name: '陈二', phone: '13800000011' });
    topUp(app, { key: 'phone-1', driverId: driver.id, amountFen: 5000, channel: 'cash' });
    const as = ['--data-dir', dir, '--as', 'counter.op'];

    const byPhone = await cliInProcess(['wallet', 'show', '--driver', '13800000001', ...as], PASSWORD);
    expect(byPhone.code, byPhone.stderr).toBe(0);
    expect(byPhone.stdout.split('\n').slice(0, 2)).toEqual(['陈师傅 (138****0001)', 'balance   50.00']);
    // Written as people say it, with spaces or dashes: the same driver.
    const spaced = await cliInProcess(['wallet', 'show', '--driver', '138 0000 0001', '--json', ...as], PASSWORD);
    expect(spaced.code, spaced.stderr).toBe(0);
    const byId = await cliInProcess(['wallet', 'show', '--driver', driver.id, '--json', ...as], PASSWORD);
    // --json is the same whichever way the driver was named, and keeps the id.
    expect(JSON.parse(spaced.stdout)).toEqual(JSON.parse(byId.stdout));
    expect(JSON.parse(byId.stdout)).toMatchObject({ driverId: driver.id, balance: { yuan: '50.00' } });

    // A top-up at the counter names the driver the same way; the money lands on that driver's wallet.
    const topUpByPhone = await cliInProcess(['wallet', 'topup', '--driver', '13800000001', '--amount', '10.00', '--key', 'phone-2', '--json', ...as], PASSWORD);
    expect(topUpByPhone.code, topUpByPhone.stderr).toBe(0);
    expect(JSON.parse((await cliInProcess(['wallet', 'show', '--driver', driver.id, '--json', ...as], PASSWORD)).stdout)).toMatchObject({ balance: { yuan: '60.00' } });
    const unknownTopUp = await cliInProcess(['wallet', 'topup', '--driver', '13800000009', '--amount', '10.00', '--key', 'phone-3', ...as], PASSWORD);
    expect(unknownTopUp.code).toBe(1);
    expect(unknownTopUp.stderr).toMatch(/--driver: no driver with phone 13800000009/);

    const statement = await cliInProcess(['ledger', 'statement', '--driver', '13800000001', ...as], PASSWORD);
    expect(statement.code, statement.stderr).toBe(0);
    expect(statement.stdout.split('\n')[0]).toBe('statement of 陈师傅 (138****0001)');
    expect(statement.stdout).toMatch(/topup\s+\+50\.00\s+=\s+50\.00/);
    expect(statement.stdout).toMatch(/topup\s+\+10\.00\s+=\s+60\.00/);

    // A phone no driver has (a prefix of two drivers' phones included) and an id no driver has: refused, naming what was given.
    for (const [given, message] of [
      ['13800000009', /--driver: no driver with phone 13800000009/],
      ['1380000000', /--driver: no driver with phone 1380000000\b/],
      ['01NOSUCHDRIVER', /01NOSUCHDRIVER/],
    ] as const) {
      const r = await cliInProcess(['wallet', 'show', '--driver', given, ...as], PASSWORD);
      expect(r.code, `${given}: ${r.stderr}`).toBe(1);
      expect(r.stderr).toMatch(message);
      const s = await cliInProcess(['ledger', 'statement', '--driver', given, ...as], PASSWORD);
      expect(s.code, `${given}: ${s.stderr}`).toBe(1);
      expect(s.stderr).toMatch(message);
    }
  }, 600_000);

  it('roles apply: an operator cannot grant coupons, and commands need --as', async () => {
    const { app, dir } = makeApp();
    await addOperator(app, 'operator', 'counter.op');
    const env = { DEPOTDESK_PASSWORD: PASSWORD };
    const forbidden = cli(['coupon', 'grant', '--driver', 'D', '--amount', '5.00', '--key', 'k', '--data-dir', dir, '--as', 'counter.op'], env);
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toMatch(/coupons\.grant needs one of the roles finance, supervisor, admin/);
    const anonymous = cli(['wallet', 'show', '--driver', 'D', '--data-dir', dir]);
    expect(anonymous.code).toBe(2);
    expect(anonymous.stderr).toMatch(/add --as NAME/);
  }, 600_000);

  it('ledger verify exits 1 listing every violation', async () => {
    const { app, dir } = makeApp();
    await addOperator(app, 'operator', 'counter.op');
    const env = { DEPOTDESK_PASSWORD: PASSWORD };
    const added = cli(['driver', 'add', '--name', 'X', '--phone', '13800000009', '--data-dir', dir, '--as', 'counter.op', '--json'], env);
    const id = added.json<{ id: string }>().id;
    cli(['wallet', 'topup', '--driver', id, '--amount', '10.00', '--key', 'k1', '--data-dir', dir, '--as', 'counter.op'], env);
    // Someone "fixes" a balance by hand and drops a trigger to edit history.
    app.sqlite.prepare('UPDATE ledger_accounts SET credits_posted = 999 WHERE id = ?').run(`driver:${id}:wallet`);
    app.sqlite.exec('DROP TRIGGER ledger_transfers_no_update');
    const r = cli(['ledger', 'verify', '--data-dir', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/VIOLATION triggers_missing: trigger ledger_transfers_no_update is missing/);
    expect(r.stdout).toMatch(/VIOLATION counter_mismatch: driver:.*:wallet: cached cpost=999 but its transfers sum to cpost=1000/);
    expect(r.stdout).toMatch(/VIOLATION totals_unbalanced/);
    const doctor = cli(['doctor', '--data-dir', dir]);
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(/FAIL ledger: 3 violation\(s\)/);
  }, 600_000);
});
