import { describe, expect, it } from 'vitest';
import { grantCoupon, grantPoints, verifyLedger } from '../../src-main/ledger';
import { addOperator, cli, makeApp } from '../helpers';
import { newDriver } from './fixtures';

/** `depotdesk order …` through the real CLI (node bin/depotdesk.js), as an operator, through the contract. */

const env = { DEPOTDESK_PASSWORD: 'correct-horse' };
// Each command is a child process that loads the whole core (the bundled CLI): a second or more each on a busy two-core machine.
const CLI_TIMEOUT = 120_000;

describe('depotdesk order commands', () => {
  it(
    'an operator creates an order with a coupon and points, and shows it by number',
    async () => {
      const { app, dir } = makeApp();
      await addOperator(app, 'operator', 'counter.op');
      const d = newDriver(app, '陈师傅');
      const c = grantCoupon(app, { key: 'cli:coupon', driverId: d.id, amountFen: 2000, campaignId: 'welcome' });
      grantPoints(app, { key: 'cli:points', driverId: d.id, points: 300 });
      const as = ['--data-dir', dir, '--as', 'counter.op', '--json'];

      const created = cli(['order', 'create', '--driver', d.id, '--amount', '200.00', '--coupon', c.couponId, '--points', '300', '--channel', 'wechat', ...as], env);
      expect(created.stderr).toBe('');
      expect(created.code).toBe(0);
      const o = created.json<{ id: string; number: string; state: string; payable: { yuan: string }; coupon: { amount: { yuan: string } }; codeUrl: string }>();
      expect(o).toMatchObject({ state: 'PENDING_PAYMENT', payable: { yuan: '177.00' }, coupon: { amount: { yuan: '20.00' } } });
      expect(o.number).toMatch(/^DD\d{8}\d{4}$/);
      expect(o.codeUrl).toContain(o.number);

      const shown = cli(['order', 'show', o.number, ...as], env);
      expect(shown.code).toBe(0);
      expect(shown.json<{ id: string; driverPhone: string }>()).toMatchObject({ id: o.id, driverPhone: d.phone });
      // On the terminal the phone is masked as the screens show it; --json above keeps it whole.
      const human = cli(['order', 'show', o.number, '--data-dir', dir, '--as', 'counter.op'], env);
      expect(human.code, human.stderr).toBe(0);
      expect(human.stdout).toContain(`driver   陈师傅 (${d.phone.slice(0, 3)}****${d.phone.slice(-4)})`);
      expect(human.stdout).not.toContain(d.phone);
      // Issue 16: the order by its number alone, its state and channel in words, the coupon by its
      // face value and what the order did to it — never an internal id; --json keeps both ids.
      expect(human.stdout.split('\n')[0]).toBe(`order ${o.number}  Awaiting payment`);
      expect(human.stdout).toContain('coupon   20.00 of a 20.00 coupon (welcome), applied\n');
      expect(human.stdout).toContain('payable  177.00 via WeChat Pay');
      expect(human.stdout).not.toContain(o.id);
      expect(human.stdout).not.toContain(c.couponId);
      expect(shown.json<{ coupon: { couponId: string; status: string } }>().coupon).toMatchObject({ couponId: c.couponId, status: 'applied' });
      const audit = app.sqlite.prepare("SELECT count(*) AS n FROM audit_log WHERE method = 'payments.createOrder'").get() as { n: number };
      expect(audit.n).toBe(1);
      expect(verifyLedger(app).violations).toEqual([]);
    },
    CLI_TIMEOUT,
  );

  it(
    'a bad amount is a usage error (exit 2) naming --amount, and nothing is created',
    async () => {
      const { app, dir } = makeApp();
      await addOperator(app, 'operator', 'counter.op');
      const d = newDriver(app);
      for (const bad of ['200.001', 'abc']) {
        const r = cli(['order', 'create', '--driver', d.id, '--amount', bad, '--channel', 'wechat', '--data-dir', dir, '--as', 'counter.op', '--json'], env);
        expect(r.code, `${bad}: ${r.stderr}`).toBe(2);
        expect(r.stderr).toMatch(/--amount/);
      }
      const noChannel = cli(['order', 'create', '--driver', d.id, '--amount', '10.00', '--channel', 'paypal', '--data-dir', dir, '--as', 'counter.op'], env);
      expect(noChannel.code).toBe(2);
      expect(noChannel.stderr).toMatch(/--channel/);
      expect((app.sqlite.prepare('SELECT count(*) AS n FROM payment_orders').get() as { n: number }).n).toBe(0);
    },
    CLI_TIMEOUT,
  );

  it(
    'an unknown order is a refused lookup (exit 1)',
    async () => {
      const { app, dir } = makeApp();
      await addOperator(app, 'operator', 'counter.op');
      const r = cli(['order', 'show', 'DD209901010001', '--data-dir', dir, '--as', 'counter.op', '--json'], env);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/no payment order/);
    },
    CLI_TIMEOUT,
  );
});
