import { describe, expect, it } from 'vitest';
import { addOperator, makeApp, ok } from '../helpers';
import type { AppContext } from '../../src-main/kernel/context';
import type { OperatorIdentity } from '../../src-main/kernel/method';
import { iterateSessions } from '../../src-main/sessions';

/**
 * The Sessions list's order is total (created_at DESC, id DESC): pages read by cursor, by offset
 * (from the top, or past the middle from the oldest end), or by a cursor and an offset together
 * give every session exactly once, even where many sessions share a created_at across a page
 * boundary. Real SQLite file, through sessions.list.
 */
interface Page {
  items: { id: string; createdAt: number; state: string; chargerId: string }[];
  total: number;
  nextCursor: { createdAt: number; id: string } | null;
}

const T = Date.parse('2026-01-10T02:00:00Z');

/** 130 sessions in groups of 7 sharing one created_at (so pages of 10 and 50 end inside a group); ids not in time order. */
function seed(app: AppContext): void {
  const ins = app.sqlite.prepare(
    `INSERT INTO charging_sessions (id, state, origin, charger_id, connector_id, id_tag, created_at, updated_at) VALUES (?, ?, 'operator', ?, 1, 'T', ?, ?)`,
  );
  for (let i = 0; i < 130; i += 1) {
    const at = T + Math.floor(i / 7) * 1000;
    ins.run(`S${String((i * 37) % 130).padStart(3, '0')}`, i % 3 === 0 ? 'FAILED' : 'PAID', `CP-${i % 2}`, at, at);
  }
}

function expected(app: AppContext, where = ''): string[] {
  return app.sqlite.prepare(`SELECT id FROM charging_sessions ${where} ORDER BY created_at DESC, id DESC`).pluck().all() as string[];
}

async function walkByCursor(app: AppContext, op: OperatorIdentity, filter: Record<string, unknown>, limit: number): Promise<string[]> {
  const seen: string[] = [];
  let after: Page['nextCursor'] = null;
  for (let guard = 0; guard <= 130; guard += 1) {
    const page: Page = await ok<Page>(app, op, 'sessions.list', { ...filter, limit, ...(after ? { after } : {}) });
    seen.push(...page.items.map((s) => s.id));
    if (!page.nextCursor) return seen;
    const last = page.items.at(-1)!;
    expect(page.nextCursor).toEqual({ createdAt: last.createdAt, id: last.id });
    after = page.nextCursor;
  }
  throw new Error('the cursor walk did not end');
}

async function walkByOffset(app: AppContext, op: OperatorIdentity, filter: Record<string, unknown>, limit: number): Promise<string[]> {
  const first = await ok<Page>(app, op, 'sessions.list', { ...filter, limit });
  const seen: string[] = [];
  for (let offset = 0; offset < first.total; offset += limit) {
    const page = await ok<Page>(app, op, 'sessions.list', { ...filter, limit, offset });
    expect(page.total).toBe(first.total);
    seen.push(...page.items.map((s) => s.id));
  }
  return seen;
}

describe('sessions.list pages', () => {
  it('a cursor walk gives every session once, in the list order, across ties at page boundaries', async () => {
    const { app } = makeApp();
    const op = await addOperator(app, 'operator');
    seed(app);
    for (const limit of [10, 50, 7, 1]) {
      const ids = await walkByCursor(app, op, {}, limit);
      expect(ids).toEqual(expected(app));
      expect(new Set(ids).size).toBe(130);
    }
    const failed = await walkByCursor(app, op, { state: 'FAILED' }, 10);
    expect(failed).toEqual(expected(app, "WHERE state = 'FAILED'"));
    const charger = await walkByCursor(app, op, { chargerId: 'CP-1', state: 'PAID' }, 9);
    expect(charger).toEqual(expected(app, "WHERE charger_id = 'CP-1' AND state = 'PAID'"));
  });

  it('numbered pages (offsets, the later half read from the oldest end) and a cursor plus an offset agree with the walk', async () => {
    const { app } = makeApp();
    const op = await addOperator(app, 'operator');
    seed(app);
    const all = expected(app);
    expect(await walkByOffset(app, op, {}, 10)).toEqual(all);
    expect(await walkByOffset(app, op, {}, 50)).toEqual(all);
    expect(await walkByOffset(app, op, { chargerId: 'CP-0' }, 8)).toEqual(expected(app, "WHERE charger_id = 'CP-0'"));
    // The last page, short: from the oldest end, in the list's order; no cursor after it.
    const last = await ok<Page>(app, op, 'sessions.list', { limit: 50, offset: 100 });
    expect(last.items.map((s) => s.id)).toEqual(all.slice(100));
    expect(last.nextCursor).toBeNull();
    expect((await ok<Page>(app, op, 'sessions.list', { limit: 50, offset: 130 })).items).toEqual([]);
    // Page 2 jumps to page 4: after page 2's cursor, skipping page 3.
    const p2 = await ok<Page>(app, op, 'sessions.list', { limit: 10, offset: 10 });
    const p4 = await ok<Page>(app, op, 'sessions.list', { limit: 10, offset: 10, after: p2.nextCursor });
    expect(p4.items.map((s) => s.id)).toEqual(all.slice(30, 40));
    expect(p4.total).toBe(130);
  });

  it("a state's total past 50,000 sessions (counted as the table less the other states) is the exact count", async () => {
    const { app } = makeApp();
    const op = await addOperator(app, 'operator');
    const ins = app.sqlite.prepare(
      `INSERT INTO charging_sessions (id, state, origin, charger_id, connector_id, id_tag, created_at, updated_at) VALUES (?, ?, 'operator', 'CP', 1, 'T', ?, ?)`,
    );
    const states = ['PAID', 'PAID', 'PAID', 'PAID', 'FAILED', 'UNPAID', 'CANCELLED', 'PAID', 'PAID', 'CHARGING'];
    app.sqlite.transaction(() => {
      for (let i = 0; i < 60_000; i += 1) ins.run(`S${i}`, states[i % states.length], T + i, T + i);
    })();
    for (const state of ['PAID', 'FAILED', 'UNPAID', 'CHARGING', 'STOPPING']) {
      const page = await ok<Page>(app, op, 'sessions.list', { state, limit: 5 });
      expect(page.total).toBe(app.sqlite.prepare('SELECT count(*) FROM charging_sessions WHERE state = ?').pluck().get(state));
    }
  });

  it("an export's walk (iterateSessions: pages read as arrays, rows built in one shape) gives every session once, in order, with every field the list reads", () => {
    const { app } = makeApp();
    seed(app);
    const fields = `id, number, state, charger_id AS chargerId, connector_id AS connectorId, driver_id AS driverId, started_at AS startedAt, stopped_at AS stoppedAt,
      energy_wh AS energyWh, amount_fen AS amountFen, electricity_fen AS electricityFen, service_fen AS serviceFen, debt_fen AS debtFen, created_at AS createdAt`;
    app.sqlite.prepare("UPDATE charging_sessions SET energy_wh = 1500, amount_fen = 321, debt_fen = 21 WHERE state = 'PAID'").run();
    const rows = (where: string) => app.sqlite.prepare(`SELECT ${fields} FROM charging_sessions ${where} ORDER BY created_at DESC, id DESC`).all();
    // Pages of 6 end inside the groups of 7 sharing a created_at.
    expect([...iterateSessions(app, {}, 6)]).toEqual(rows(''));
    expect([...iterateSessions(app, { state: 'FAILED', chargerId: 'CP-1' }, 4)]).toEqual(rows("WHERE state = 'FAILED' AND charger_id = 'CP-1'"));
    expect([...iterateSessions(app, { state: 'FAILED' }, 1000)]).toHaveLength(44);
  });
});
