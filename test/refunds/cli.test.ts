import { describe, expect, it } from 'vitest';
import { verifyLedger } from '../../src-main/ledger';
import { addOperator, cli, makeApp } from '../helpers';
import { newDriver, paidOrder, refundsPayable, walletOf } from './fixtures';

/**
 * `depotdesk adjustment …` and `depotdesk refund-task …` through the real CLI (node bin/depotdesk.js),
 * each command its own process: the refund task runs in a process whose simulated gateway never
 * saw the payment, and learns it from the paid order (the seam in payments/providers).
 */

const env = { DEPOTDESK_PASSWORD: 'correct-horse' };
// Each command is a child process that loads the whole core (the bundled CLI): a second or more each on a busy two-core machine.
const CLI_TIMEOUT = 240_000;

describe('depotdesk adjustment and refund-task commands', () => {
  it(
    'an operator opens an order refund, a supervisor approves it, and `refund-task run` sends it back through the gateway',
    async () => {
      const { app, dir } = makeApp();
      await addOperator(app, 'operator', 'counter.op');
      await addOperator(app, 'supervisor', 'sup.wang');
      const d = newDriver(app, '陈师傅');
      const o = await paidOrder(app, d, 10000);
      const base = ['--data-dir', dir, '--json'];

      const created = cli(['adjustment', 'create', '--order', o.number, '--amount', '12.50', '--reason', '多充退回', '--as', 'counter.op', ...base], env);
      expect(created.stderr).toBe('');
      expect(created.code).toBe(0);
      const a = created.json<{ id: string; state: string; amount: { yuan: string } }>();
      expect(a).toMatchObject({ state: 'pending', amount: { yuan: '12.50' } });

      const own = cli(['adjustment', 'approve', a.id, '--as', 'counter.op', ...base], env);
      expect(own.code).toBe(1);
      expect(own.stderr).toMatch(/adjustments.approve needs one of the roles/);

      const approved = cli(['adjustment', 'approve', a.id, '--note', '核实', '--as', 'sup.wang', ...base], env);
      expect(approved.code, approved.stderr).toBe(0);
      const r = approved.json<{ adjustment: { state: string }; task: { id: string; state: string } }>();
      expect(r).toMatchObject({ adjustment: { state: 'approved' }, task: { state: 'pending' } });

      const run = cli(['refund-task', 'run', '--as', 'counter.op', ...base], env);
      expect(run.code, run.stderr).toBe(0);
      expect(run.json<{ processed: { id: string; state: string }[] }>().processed).toEqual([{ id: r.task.id, state: 'completed' }]);

      const again = cli(['refund-task', 'run', '--as', 'counter.op', ...base], env);
      expect(again.json<{ processed: unknown[] }>().processed).toEqual([]);

      const list = cli(['refund-task', 'list', '--state', 'completed', '--as', 'counter.op', ...base], env);
      expect(list.json<{ tasks: { id: string; attempts: number }[] }>().tasks).toMatchObject([{ id: r.task.id, attempts: 1 }]);

      expect(walletOf(app, d.id)).toBe(10000 - 1250);
      expect(refundsPayable(app)).toBe(0);
      const audited = app.sqlite.prepare("SELECT method FROM audit_log WHERE method LIKE 'adjustments.%' OR method LIKE 'refunds.%' ORDER BY id").all() as {
        method: string;
      }[];
      expect(audited.map((x) => x.method)).toEqual(['adjustments.create', 'adjustments.approve', 'adjustments.approve', 'refunds.run', 'refunds.run']);
      expect(verifyLedger(app).violations).toEqual([]);
    },
    CLI_TIMEOUT,
  );

  it(
    'usage errors exit 2 naming the option; a refusal exits 1 with the reason',
    async () => {
      const { app, dir } = makeApp();
      await addOperator(app, 'operator', 'counter.op');
      const d = newDriver(app);
      const o = await paidOrder(app, d, 5000);
      const as = ['--data-dir', dir, '--as', 'counter.op'];
      const noTarget = cli(['adjustment', 'create', '--amount', '1.00', '--reason', 'x', ...as], env);
      expect(noTarget.code).toBe(2);
      expect(noTarget.stderr).toMatch(/--session/);
      const badAmount = cli(['adjustment', 'create', '--order', o.id, '--amount', '1.001', '--reason', 'x', ...as], env);
      expect(badAmount.code).toBe(2);
      expect(badAmount.stderr).toMatch(/--amount/);
      const badOutcome = cli(['refund-task', 'resolve', 'T1', '--outcome', 'maybe', '--note', 'x', ...as], env);
      expect(badOutcome.code).toBe(2);
      expect(badOutcome.stderr).toMatch(/--outcome/);
      const over = cli(['adjustment', 'create', '--order', o.id, '--amount', '50.01', '--reason', 'x', ...as], env);
      expect(over.code).toBe(1);
      expect(over.stderr).toMatch(/more than the ¥50.00 left/);
      expect((app.sqlite.prepare('SELECT count(*) AS n FROM refund_adjustments').get() as { n: number }).n).toBe(0);
      expect(verifyLedger(app).violations).toEqual([]);
    },
    CLI_TIMEOUT,
  );
});
