import { describe, expect, it, vi } from 'vitest';
import { addDriver } from '../../src-main/ledger';
import { listOrders } from '../../src-main/payments';
import type { AppContext } from '../../src-main/kernel/context';
import { makeApp } from '../helpers';

/**
 * The orders list's order is total (created_at DESC, id DESC): pages by cursor, by offset (the later
 * half read from the oldest end) and by a cursor plus an offset give every order once, across
 * orders sharing a created_at at page boundaries; the search reads the number from its start and
 * the driver's name or phone. Real SQLite file.
 */
const T = Date.parse('2026-03-05T02:00:00Z');

function seed(app: AppContext): { wang: string; li: string } {
  const wang = addDriver(app, { name: '王师傅', phone: '13800000001' }).id;
  const li = addDriver(app, { name: '李师傅', phone: '13900000002' }).id;
  const ins = app.sqlite.prepare(
    `INSERT INTO payment_orders (id, number, driver_id, amount, credited, payable, channel, provider, state, created_at) VALUES (?, ?, ?, 1000, 1000, 1000, ?, ?, ?, ?)`,
  );
  for (let i = 0; i < 90; i += 1) {
    const day = i < 45 ? '20260305' : '20260306';
    ins.run(
      `ord_${String((i * 41) % 90).padStart(3, '0')}`,
      `DD${day}${String(i).padStart(4, '0')}`,
      i % 4 ? wang : li,
      i % 3 ? 'wechat' : 'alipay',
      i % 3 ? 'wechat' : 'alipay',
      i % 5 ? 'PAID' : 'CANCELLED',
      T + Math.floor(i / 6) * 1000,
    );
  }
  return { wang, li };
}

function expected(app: AppContext, where = ''): string[] {
  return app.sqlite.prepare(`SELECT id FROM payment_orders ${where} ORDER BY created_at DESC, id DESC`).pluck().all() as string[];
}

function walk(app: AppContext, f: Parameters<typeof listOrders>[1], limit: number): string[] {
  const ids: string[] = [];
  let after: ReturnType<typeof listOrders>['nextCursor'] = null;
  for (let guard = 0; guard <= 90; guard += 1) {
    const page = listOrders(app, { ...f, limit, ...(after ? { after } : {}) });
    ids.push(...page.orders.map((o) => o.id));
    if (!page.nextCursor) return ids;
    after = page.nextCursor;
  }
  throw new Error('the cursor walk did not end');
}

describe('payment orders list pages', () => {
  it('by cursor, by offset and by a cursor plus an offset: every order once, in the list order', () => {
    const { app } = makeApp();
    const { li } = seed(app);
    for (const limit of [10, 6, 1]) expect(walk(app, {}, limit)).toEqual(expected(app));
    expect(walk(app, { state: 'PAID' }, 7)).toEqual(expected(app, "WHERE state = 'PAID'"));
    expect(walk(app, { driverId: li }, 4)).toEqual(expected(app, `WHERE driver_id = '${li}'`));
    const all = expected(app);
    const byOffset: string[] = [];
    for (let offset = 0; offset < 90; offset += 20) {
      const page = listOrders(app, { limit: 20, offset });
      expect(page.total).toBe(90);
      byOffset.push(...page.orders.map((o) => o.id));
    }
    expect(byOffset).toEqual(all);
    const p1 = listOrders(app, { limit: 10 });
    expect(listOrders(app, { limit: 10, offset: 20, after: p1.nextCursor! }).orders.map((o) => o.id)).toEqual(all.slice(30, 40));
    expect(listOrders(app, { limit: 50, offset: 80 }).nextCursor).toBeNull();
  });

  it('the search: a number from its start (with or without DD), a name, a phone', () => {
    const { app } = makeApp();
    const { li } = seed(app);
    const numbers = (search: string) => walk(app, { search }, 25);
    expect(numbers('DD202603060050')).toEqual(expected(app, "WHERE number = 'DD202603060050'"));
    expect(numbers('20260306')).toEqual(expected(app, "WHERE number LIKE 'DD20260306%'"));
    expect(numbers('dd2026030500')).toEqual(expected(app, "WHERE number LIKE 'DD2026030500%'"));
    expect(numbers('李')).toEqual(expected(app, `WHERE driver_id = '${li}'`));
    expect(numbers('13900000002')).toEqual(expected(app, `WHERE driver_id = '${li}'`));
    expect(listOrders(app, { search: '李', state: 'CANCELLED' }).total).toBe(
      app.sqlite.prepare(`SELECT count(*) FROM payment_orders WHERE driver_id = ? AND state = 'CANCELLED'`).pluck().get(li),
    );
  });

  it("a name search with a state or a channel: the page and the total from the driver index alone, only the page's rows read", () => {
    const { app } = makeApp();
    const { wang } = seed(app);
    const paid = expected(app, `WHERE driver_id = '${wang}' AND state = 'PAID'`);
    expect(walk(app, { search: '王', state: 'PAID' }, 7)).toEqual(paid);
    const byOffset: string[] = [];
    for (let offset = 0; offset < paid.length; offset += 10) {
      const page = listOrders(app, { search: '王', state: 'PAID', limit: 10, offset });
      expect(page.total).toBe(paid.length);
      byOffset.push(...page.orders.map((o) => o.id));
    }
    expect(byOffset).toEqual(paid);
    expect(walk(app, { search: '王', channel: 'wechat', state: 'CANCELLED' }, 3)).toEqual(
      expected(app, `WHERE driver_id = '${wang}' AND channel = 'wechat' AND state = 'CANCELLED'`),
    );
    // The plans of what listOrders asked: the driver index covers the state and the channel, the table is read by rowid only.
    const prepare = vi.spyOn(app.sqlite, 'prepare');
    listOrders(app, { search: '王', state: 'PAID', limit: 10 });
    listOrders(app, { search: '王', channel: 'wechat', limit: 10 });
    const asked = prepare.mock.calls.map(([sql]) => String(sql)).filter((sql) => sql.includes('FROM payment_orders'));
    prepare.mockRestore();
    expect(asked).toHaveLength(4);
    for (const sql of asked) {
      const unbound = Object.fromEntries([...sql.matchAll(/@(\w+)/g)].map((m) => [m[1], null]));
      const plan = (app.sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(unbound) as { detail: string }[]).map((r) => r.detail);
      expect(plan.filter((d) => / o /.test(`${d} `) && !/INTEGER PRIMARY KEY/.test(d))).toEqual([expect.stringContaining('COVERING INDEX payment_orders_driver')]);
    }
  });
});
