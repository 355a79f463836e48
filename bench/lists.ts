import crypto from 'node:crypto';
import { encodeTime } from 'ulidx';
import { openCore } from '../src-main/boot/core';
import { FakeClock } from '../src-main/kernel/clock';
import { silentLogger } from '../src-main/kernel/logger';
import type { AppContext } from '../src-main/kernel/context';
import type { Caller } from '../src-main/kernel/method';
import { dispatch } from '../src-main/contract/dispatch';
import { DEPOT, driverAccountId } from '../src-main/ledger';
import { cronUniqueKey } from '../src-main/jobs/cron';
import { percentile, ratio, type Benchmark } from './harness';
import { seedSessions } from './export';

/**
 * Every list the UI pages through, at a real depot's size (issue 18): 1,000,000 sessions (97 % paid,
 * 2 % failed, 1 % unpaid, 200 chargers, 1,000 drivers), 5,000,000 ledger transfers (each session's
 * top-up, hold, post and two settlement legs, in their batches, with the hold rows), 1,000,000
 * payment orders, 500,000 jobs (most of them the crons' routine runs), 1,000,000 audit rows and
 * 100,000 alerts; --quick builds a tenth. Rows are bulk-inserted in the real schema with the columns
 * each table's writer fills (seedSessions, engine.ts, orders.ts, queue.ts, audit.ts, service.ts).
 *
 * Then every filter each list page offers, as the page asks for it, through the real dispatcher
 * (zod input, handler, output check): the first page and a deep page, each with its total. Each
 * query runs 5 times; the figure is the median. Baseline, same run: the first sessions page with
 * no filter and no count (an index walk of 50 rows). Goal: every query < 50 ms.
 */
const T0 = Date.parse('2026-01-01T00:00:00Z');
const STEP = 30_000;
const CHUNK = 50_000;
/** A chain value's width (64 hex digits); the keyed chain itself is not what a list reads. */
const fakeMac = (i: number) => i.toString(16).padStart(64, '0');
/** A ULID at `at` (the app's ids: time first, then 16 characters; here a counter instead of random ones). */
let idSeq = 0;
const ulidAt = (at: number) => `${encodeTime(at, 10)}${(idSeq++).toString(32).toUpperCase().padStart(16, '0')}`;

/**
 * Bulk loading: the table's indexes are dropped, the rows inserted, and the same indexes created
 * again from their own SQL (sqlite_master), which sorts once instead of updating every index row by
 * row. The schema that comes out is the migrated one, index for index.
 */
function withoutIndexes(app: AppContext, tables: string[], load: () => void): void {
  const indexes = app.sqlite
    .prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (${tables.map(() => '?').join(', ')})`)
    .all(...tables) as { name: string; sql: string }[];
  for (const i of indexes) app.sqlite.exec(`DROP INDEX "${i.name}"`);
  load();
  for (const i of indexes) app.sqlite.exec(i.sql);
}

function inChunks(app: AppContext, rows: number, each: (i: number) => void): void {
  for (let from = 0; from < rows; from += CHUNK) {
    app.sqlite.transaction(() => {
      for (let i = from; i < Math.min(rows, from + CHUNK); i += 1) each(i);
    })();
  }
}

/** Each session's money as the ledger writes it: top-up, hold (pending), its post and the two legs from the held account. */
export function seedTransfers(app: AppContext, sessions: number, drivers: string[]): void {
  const db = app.sqlite;
  const batch = db.prepare('INSERT INTO ledger_batches (at, operator_id, operation_key) VALUES (?, NULL, ?)');
  const tr = db.prepare(
    `INSERT INTO ledger_transfers (id, debit_account_id, credit_account_id, amount, code, phase, pending_id, expires_at, batch, memo, session_id, order_id, created_at, mac)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const hold = db.prepare(
    `INSERT INTO ledger_holds (id, debit_account_id, credit_account_id, driver_id, amount, expires_at, status, posted_amount, resolved_by, resolved_at, session_id, created_at)
     VALUES (?, ?, ?, ?, ?, ?, 'posted', ?, ?, ?, ?, ?)`,
  );
  // The accounts' counters, as the engine keeps them (every hold is posted by the end: nothing pending).
  const posted = new Map<string, { debits: number; credits: number }>();
  const post = (debit: string, credit: string, amount: number) => {
    for (const [id, side] of [
      [debit, 'debits'],
      [credit, 'credits'],
    ] as const) {
      const c = posted.get(id) ?? { debits: 0, credits: 0 };
      c[side] += amount;
      posted.set(id, c);
    }
  };
  inChunks(app, sessions, (i) => {
    const d = drivers[i % drivers.length];
    const [wallet, held] = [driverAccountId(d, 'wallet'), driverAccountId(d, 'held')];
    const at = T0 + i * STEP;
    const sid = `S${String(i).padStart(9, '0')}`;
    const wh = 5_000 + (i % 40_000);
    const [e, s] = [Math.round(wh * 0.08), Math.round(wh * 0.06)];
    const b1 = Number(batch.run(at - 60_000, `topup:${i}`).lastInsertRowid);
    tr.run(`topup:${i}`, DEPOT.clearingWechat, wallet, 10_000, 'topup', 'single', null, null, b1, null, null, `O${i}`, at - 60_000, fakeMac(5 * i));
    const b2 = Number(batch.run(at, `hold:${sid}`).lastInsertRowid);
    tr.run(`hold:${sid}`, wallet, held, 10_000, 'hold', 'pending', null, at + 86_400_000, b2, null, sid, null, at, fakeMac(5 * i + 1));
    hold.run(`hold:${sid}`, wallet, held, d, 10_000, at + 86_400_000, e + s, `post:${sid}`, at + 3_600_000, sid, at);
    const b3 = Number(batch.run(at + 3_600_000, `post:${sid}`).lastInsertRowid);
    tr.run(`post:${sid}`, wallet, held, e + s, 'hold_post', 'post', `hold:${sid}`, null, b3, null, sid, null, at + 3_600_000, fakeMac(5 * i + 2));
    tr.run(
      `post:${sid}#electricity`,
      held,
      DEPOT.electricityRevenue,
      e,
      'settle_electricity',
      'single',
      null,
      null,
      b3,
      null,
      sid,
      null,
      at + 3_600_000,
      fakeMac(5 * i + 3),
    );
    tr.run(`post:${sid}#service`, held, DEPOT.serviceRevenue, s, 'settle_service', 'single', null, null, b3, null, sid, null, at + 3_600_000, fakeMac(5 * i + 4));
    post(DEPOT.clearingWechat, wallet, 10_000);
    post(wallet, held, e + s);
    post(held, DEPOT.electricityRevenue, e);
    post(held, DEPOT.serviceRevenue, s);
  });
  const counters = db.prepare('UPDATE ledger_accounts SET debits_posted = debits_posted + ?, credits_posted = credits_posted + ? WHERE id = ?');
  db.transaction(() => {
    for (const [id, c] of posted) if (counters.run(c.debits, c.credits, id).changes !== 1) throw new Error(`bench lists: no ledger account ${id}`);
  })();
}

/** Orders as createOrder writes them, then paid (90 %), cancelled, or still waiting (the newest). */
function seedOrders(app: AppContext, rows: number, drivers: string[]): void {
  const ins = app.sqlite.prepare(
    `INSERT INTO payment_orders (id, number, request_key, driver_id, amount, credited, payable, channel, provider, code_url, state, provider_trade_no, paid_at,
       cancelled_at, cancel_reason, created_at, created_by)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const step = Math.floor((347 * 86_400_000) / rows);
  let day = '';
  let seq = 0;
  inChunks(app, rows, (i) => {
    const at = T0 + i * step;
    const local = new Date(at + 8 * 3_600_000).toISOString().slice(0, 10).replaceAll('-', '');
    seq = local === day ? seq + 1 : 1;
    day = local;
    const state = i >= rows - 20 ? 'PENDING_PAYMENT' : i % 10 === 3 ? 'CANCELLED' : 'PAID';
    const channel = i % 5 < 3 ? 'wechat' : 'alipay';
    const amount = 5_000 + (i % 20) * 1_000;
    ins.run(
      `ord_${String(i).padStart(8, '0')}`,
      `DD${local}${String(seq).padStart(4, '0')}`,
      `key-${i}`,
      drivers[(i * 7) % drivers.length],
      amount,
      amount,
      amount,
      channel,
      channel,
      `weixin://wxpay/bizpayurl?pr=${i.toString(36)}`,
      state,
      state === 'PAID' ? `42000${String(i).padStart(12, '0')}` : null,
      state === 'PAID' ? at + 40_000 : null,
      state === 'CANCELLED' ? at + 900_000 : null,
      state === 'CANCELLED' ? 'payment timed out' : null,
      at,
      'op-1',
    );
  });
}

const CRONS = [
  ['chargers.markOffline', 'default'],
  ['ledger.expireHolds', 'default'],
  ['payments.expireOrders', 'default'],
  ['sessions.consumeInbox', 'default'],
  ['risk.evaluate', 'maintenance'],
] as const;

/** Jobs as enqueue and the worker leave them: 90 % the crons' routine runs, the rest one-off work in every state. */
function seedJobs(app: AppContext, rows: number): void {
  const ins = app.sqlite.prepare(
    `INSERT INTO jobs (id, kind, queue, args, meta, state, priority, attempt, max_attempts, scheduled_at, attempted_at, completed_at, discarded_at, cancelled_at, errors, unique_key, inserted_at)
     VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const step = Math.floor((347 * 86_400_000) / rows);
  const err = JSON.stringify([{ attempt: 1, at: 0, error: 'gateway timed out', stack: 'Error: gateway timed out\n    at poll (payments/polling.ts:88)' }]);
  inChunks(app, rows, (i) => {
    const at = T0 + i * step;
    const id = ulidAt(at);
    if (i % 10 !== 0) {
      const [name, queue] = CRONS[i % CRONS.length];
      const meta = JSON.stringify({ cron: name, slot: at });
      ins.run(id, name, queue, '{}', meta, 'completed', 1, 3, at, at + 5, at + 40, null, null, '[]', cronUniqueKey(name, at), at);
      return;
    }
    const r = (i / 10) % 100;
    const state = r < 90 ? 'completed' : r < 95 ? 'discarded' : r < 97 ? 'cancelled' : r < 99 ? 'retryable' : 'scheduled';
    const kind = r % 3 === 0 ? 'reports.export' : r % 3 === 1 ? 'payments.pollOrder' : 'refunds.process';
    const failed = state === 'discarded' || state === 'retryable';
    ins.run(
      id,
      kind,
      kind === 'reports.export' ? 'maintenance' : 'default',
      JSON.stringify({ orderId: `ord_${i}` }),
      '{}',
      state,
      state === 'scheduled' ? 0 : failed ? 3 : 1,
      3,
      at,
      state === 'scheduled' ? null : at + 5,
      state === 'completed' ? at + 900 : null,
      state === 'discarded' ? at + 900 : null,
      state === 'cancelled' ? at + 900 : null,
      failed ? err : '[]',
      null,
      at,
    );
  });
}

/** The audit log as appendAudit writes it: a sha-256 chain (the keyed mac is filled with a value of the same width). */
function seedAudit(app: AppContext, rows: number): void {
  const ins = app.sqlite.prepare(
    `INSERT INTO audit_log (id, at, operator_id, operator_name, transport, method, input_summary, result, prev_hash, hash, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const methods = ['sessions.start', 'payments.createOrder', 'ledger.topUp', 'sessions.stop', 'payments.confirm'];
  const start = (app.sqlite.prepare('SELECT coalesce(max(id), 0) AS n FROM audit_log').pluck().get() as number) + 1;
  let prev = '0'.repeat(64);
  inChunks(app, rows, (i) => {
    const summary = JSON.stringify({ driverId: `drv_${i % 1000}`, amount: '100.00', key: `k-${i}` });
    const hash = crypto.createHash('sha256').update(prev).update(String(i)).update(summary).digest('hex');
    ins.run(
      start + i,
      T0 + i * STEP,
      'op-1',
      'counter-1',
      i % 2 ? 'http' : 'ipc',
      methods[i % methods.length],
      summary,
      i % 50 ? 'ok' : 'insufficient_funds',
      prev,
      hash,
      hash,
    );
    prev = hash;
  });
}

/** Alerts as raiseAlert writes them, nearly all acknowledged or resolved; the last few open. */
function seedAlerts(app: AppContext, rows: number): void {
  const ins = app.sqlite.prepare(
    `INSERT INTO alerts (id, code, level, message, subject, details, raised_at, last_raised_at, count, acknowledged_at, acknowledged_by, resolved_at, resolved_by, resolution)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const codes = [
    ['charger_offline', 'warning'],
    ['job_failing', 'urgent'],
    ['sessions_unsettled', 'urgent'],
    ['payment_stuck', 'warning'],
    ['inbox.parked', 'info'],
  ] as const;
  const step = Math.floor((347 * 86_400_000) / rows);
  inChunks(app, rows, (i) => {
    const at = T0 + i * step;
    const [code, level] = codes[i % codes.length];
    const open = i >= rows - 30;
    const acked = !open && i % 3 === 0;
    const subject = `${code}:${open ? `open-${i}` : `CP-${i % 200}`}`;
    ins.run(
      ulidAt(at),
      code,
      level,
      `${code.replace(/[._]/g, ' ')} on CP-${i % 200} (${i})`,
      subject,
      '{}',
      at,
      at + 60_000,
      1 + (i % 4),
      acked ? at + 600_000 : null,
      acked ? 'supervisor-1' : null,
      open || acked ? null : at + 900_000,
      open || acked ? null : 'system',
      open || acked ? null : 'cleared',
    );
  });
}

type Case = [list: string, name: string, method: string, params: Record<string, unknown>];

type Cursor = { createdAt: number; id: string };

function cases(
  rows: number,
  ids: {
    driverId: string;
    orderNumber: string;
    driverName: string;
    phone: string;
    auditDeep: number;
    sessionMid: Cursor;
    orderMid: Cursor;
    statementMid: { seq: number; accountId: string };
    statementOld: { seq: number; accountId: string };
  },
): Case[] {
  const deep = (n: number) => Math.floor(n / 2 / 50) * 50;
  const day = { from: '2026-04-11', to: '2026-04-11' };
  const alertDay = { from: Date.parse('2026-04-10T16:00:00Z'), to: Date.parse('2026-04-11T16:00:00Z') };
  return [
    ['sessions', 'first page', 'sessions.list', {}],
    ['sessions', `deep page (offset ${deep(rows)})`, 'sessions.list', { offset: deep(rows) }],
    ['sessions', 'last page', 'sessions.list', { offset: rows - 50 }],
    ['sessions', 'deep page by cursor (after the middle row)', 'sessions.list', { after: ids.sessionMid }],
    ['sessions', 'deep page by cursor + 2 pages', 'sessions.list', { after: ids.sessionMid, offset: 100 }],
    ['sessions', 'state = FAILED (2 %)', 'sessions.list', { state: 'FAILED' }],
    ['sessions', 'state = FAILED, last page', 'sessions.list', { state: 'FAILED', offset: rows / 50 - 50 }],
    ['sessions', 'state = PAID (97 %)', 'sessions.list', { state: 'PAID' }],
    ['sessions', 'state = PAID, deep page', 'sessions.list', { state: 'PAID', offset: deep(rows) }],
    ['sessions', 'state = UNPAID, deep page', 'sessions.list', { state: 'UNPAID', offset: deep(rows / 100) }],
    ['sessions', 'one charger', 'sessions.list', { chargerId: 'CP-7' }],
    ['sessions', 'one charger, last page', 'sessions.list', { chargerId: 'CP-7', offset: rows / 200 - 50 }],
    ['sessions', 'one driver', 'sessions.list', { driverId: ids.driverId }],
    ['sessions', 'one driver, last page', 'sessions.list', { driverId: ids.driverId, offset: rows / 1000 - 50 }],
    ['sessions', 'one day', 'sessions.list', day],
    ['sessions', 'state + one day', 'sessions.list', { state: 'PAID', ...day }],
    ['sessions', 'charger + state', 'sessions.list', { chargerId: 'CP-7', state: 'FAILED' }],
    ['orders', 'first page', 'payments.listOrders', { limit: 50 }],
    ['orders', 'deep page', 'payments.listOrders', { limit: 50, offset: deep(rows) }],
    ['orders', 'deep page by cursor', 'payments.listOrders', { limit: 50, after: ids.orderMid }],
    ['orders', 'state = PAID', 'payments.listOrders', { state: 'PAID', limit: 50 }],
    ['orders', 'state = PAID, deep page', 'payments.listOrders', { state: 'PAID', limit: 50, offset: deep(rows) }],
    ['orders', 'state = CANCELLED', 'payments.listOrders', { state: 'CANCELLED', limit: 50 }],
    ['orders', 'state = PENDING_PAYMENT', 'payments.listOrders', { state: 'PENDING_PAYMENT', limit: 50 }],
    ['orders', 'search: order number', 'payments.listOrders', { search: ids.orderNumber, limit: 50 }],
    ['orders', 'search: driver name', 'payments.listOrders', { search: ids.driverName, limit: 50 }],
    ['orders', 'search: phone', 'payments.listOrders', { search: ids.phone, limit: 50 }],
    ['orders', 'state + search', 'payments.listOrders', { state: 'PAID', search: ids.driverName, limit: 50 }],
    ['orders', 'channel + search', 'payments.listOrders', { channel: 'wechat', search: ids.driverName, limit: 50 }],
    // The Ledger page asks a page of 50 (or 100, 200) lines, then the page before the first line shown.
    ['statement', 'newest 1,000 lines (the CLI)', 'ledger.statement', { driverId: ids.driverId }],
    ['statement', 'first page', 'ledger.statement', { driverId: ids.driverId, limit: 50 }],
    ['statement', 'first page of 200', 'ledger.statement', { driverId: ids.driverId, limit: 200 }],
    ['statement', 'page before the middle line', 'ledger.statement', { driverId: ids.driverId, limit: 50, before: ids.statementMid }],
    ['statement', 'one month', 'ledger.statement', { driverId: ids.driverId, from: '2026-03-01', to: '2026-03-31', limit: 50 }],
    ['statement', 'wallet only', 'ledger.statement', { driverId: ids.driverId, accounts: ['wallet'], limit: 50 }],
    ['statement', 'top-ups only', 'ledger.statement', { driverId: ids.driverId, codes: ['topup'], limit: 50 }],
    ['statement', 'top-ups only, page of 200', 'ledger.statement', { driverId: ids.driverId, codes: ['topup'], limit: 200 }],
    ['statement', 'top-ups only, page before the middle one', 'ledger.statement', { driverId: ids.driverId, codes: ['topup'], limit: 50, before: ids.statementMid }],
    ['statement', 'top-ups only, oldest page', 'ledger.statement', { driverId: ids.driverId, codes: ['topup'], limit: 50, before: ids.statementOld }],
    ['jobs', 'first page (routine folded)', 'jobs.list', { routine: 'fold', limit: 50 }],
    ['jobs', 'deep page (routine folded)', 'jobs.list', { routine: 'fold', limit: 50, offset: deep(rows / 20) }],
    ['jobs', 'first page (routine shown)', 'jobs.list', { routine: 'show', limit: 50 }],
    ['jobs', 'deep page (routine shown)', 'jobs.list', { routine: 'show', limit: 50, offset: deep(rows / 2) }],
    ['jobs', 'state = discarded', 'jobs.list', { routine: 'fold', state: 'discarded', limit: 50 }],
    ['jobs', 'state = completed (folded)', 'jobs.list', { routine: 'fold', state: 'completed', limit: 50 }],
    ['jobs', 'kind (one cron, shown)', 'jobs.list', { routine: 'show', kind: 'ledger.expireHolds', limit: 50 }],
    ['jobs', 'kind = reports.export', 'jobs.list', { routine: 'fold', kind: 'reports.export', limit: 50 }],
    ['jobs', 'queue = maintenance', 'jobs.list', { routine: 'fold', queue: 'maintenance', limit: 200 }],
    ['audit', 'first page', 'audit.list', { limit: 100 }],
    ['audit', 'deep page (before an id)', 'audit.list', { limit: 100, beforeId: ids.auditDeep }],
    ['alerts', 'open', 'alerts.list', { limit: 200 }],
    ['alerts', 'all', 'alerts.list', { all: true, limit: 200 }],
    ['alerts', 'all, deep page', 'alerts.list', { all: true, limit: 200, offset: deep(rows / 10) }],
    ['alerts', 'all, level = urgent', 'alerts.list', { all: true, level: 'urgent', limit: 200 }],
    ['alerts', 'all, search', 'alerts.list', { all: true, search: 'CP-17', limit: 200 }],
    ['alerts', 'all, one day', 'alerts.list', { all: true, ...alertDay, limit: 200 }],
  ];
}

const caller: Caller = {
  operator: { id: 'bench', name: 'bench', displayName: 'bench', role: 'admin' },
  transport: 'test',
  session: { signIn: () => ({ token: '' }), signOut: () => {} },
};

async function median(fn: () => Promise<unknown> | unknown): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    const s = performance.now();
    await fn();
    ms.push(performance.now() - s);
  }
  return percentile(ms, 50);
}

/** Runs every case (median of 5) into figures; the slowest. */
async function measure(app: AppContext, list: Case[], figures: Record<string, number>, suffix: string): Promise<{ name: string; ms: number }> {
  let slowest = { name: '', ms: 0 };
  for (const [group, name, method, params] of list) {
    const r = await dispatch(app, caller, method, params);
    if (!r.ok) throw new Error(`bench lists: ${method} ${JSON.stringify(params)} failed: ${r.error.code}: ${r.error.message}`);
    const ms = await median(() => dispatch(app, caller, method, params));
    figures[`${group}: ${name}${suffix}_ms`] = Number(ms.toFixed(1));
    if (ms > slowest.ms) slowest = { name: `${group}: ${name}${suffix}`, ms };
  }
  return slowest;
}

function seed(app: AppContext, rows: number): { figures: Record<string, number>; drivers: string[] } {
  const figures: Record<string, number> = {};
  const timed = (name: string, fn: () => void) => {
    const s = performance.now();
    fn();
    figures[`seed_${name}_s`] = Number(((performance.now() - s) / 1000).toFixed(1));
  };
  timed('sessions', () =>
    withoutIndexes(app, ['charging_sessions'], () => {
      seedSessions(app, rows);
      app.sqlite.exec(`UPDATE charging_sessions SET state = 'FAILED' WHERE rowid % 50 = 7; UPDATE charging_sessions SET state = 'UNPAID' WHERE rowid % 100 = 3`);
    }),
  );
  const drivers = app.sqlite.prepare('SELECT id FROM drivers ORDER BY rowid').pluck().all() as string[];
  timed('transfers', () => withoutIndexes(app, ['ledger_transfers', 'ledger_holds'], () => seedTransfers(app, rows, drivers)));
  timed('orders', () => withoutIndexes(app, ['payment_orders'], () => seedOrders(app, rows, drivers)));
  timed('jobs', () => withoutIndexes(app, ['jobs'], () => seedJobs(app, rows / 2)));
  timed('audit', () => withoutIndexes(app, ['audit_log'], () => seedAudit(app, rows)));
  timed('alerts', () => withoutIndexes(app, ['alerts'], () => seedAlerts(app, rows / 10)));
  return { figures, drivers };
}

const bench: Benchmark = async ({ quick, dir }) => {
  const rows = quick ? 100_000 : 1_000_000;
  const app = openCore({ dataDir: dir, mode: 'test', clock: new FakeClock('2026-12-20T00:00:00Z'), log: silentLogger() });
  try {
    const { figures: seeded, drivers } = seed(app, rows);
    const one = <T>(sql: string, ...args: unknown[]) => app.sqlite.prepare(sql).get(...args) as T;
    const driver = one<{ id: string; name: string; phone: string }>('SELECT id, name, phone FROM drivers WHERE id = ?', drivers[17]);
    const orderNumber = one<{ number: string }>('SELECT number FROM payment_orders ORDER BY created_at LIMIT 1 OFFSET ?', Math.floor(rows / 3)).number;
    const auditDeep = one<{ id: number }>('SELECT max(id) AS id FROM audit_log').id - Math.floor(rows / 2);
    // The driver's middle top-up and the 51st: a statement page's cursor (the wallet line of the transfer).
    const wallet = driverAccountId(driver.id, 'wallet');
    const topup = (n: number) => ({
      seq: one<{ seq: number }>("SELECT seq FROM ledger_transfers WHERE credit_account_id = ? AND code = 'topup' ORDER BY seq LIMIT 1 OFFSET ?", wallet, n).seq,
      accountId: wallet,
    });
    const mid = (table: string) => one<Cursor>(`SELECT created_at AS createdAt, id FROM ${table} ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET ?`, rows / 2 - 1);
    const list = cases(rows, {
      driverId: driver.id,
      orderNumber,
      driverName: driver.name,
      phone: driver.phone,
      auditDeep,
      sessionMid: mid('charging_sessions'),
      orderMid: mid('payment_orders'),
      statementMid: topup(Math.floor(rows / 1000 / 2)),
      statementOld: topup(50),
    });
    const base = await median(() => app.sqlite.prepare('SELECT * FROM charging_sessions ORDER BY created_at DESC, id DESC LIMIT 50').all());
    const figures: Record<string, number> = {
      sessions: rows,
      transfers: one<{ n: number }>('SELECT count(*) AS n FROM ledger_transfers').n,
      ...seeded,
      baseline_first_page_ms: Number(base.toFixed(2)),
    };
    // The app never runs ANALYZE: the planner works without statistics. Then again with them.
    const bare = await measure(app, list, figures, '');
    const s = performance.now();
    app.sqlite.exec('ANALYZE');
    figures.analyze_s = Number(((performance.now() - s) / 1000).toFixed(1));
    const analyzed = await measure(app, list, figures, ' (analyzed)');
    const slowest = bare.ms >= analyzed.ms ? bare : analyzed;
    return {
      name: 'lists',
      figures,
      ratios: { slowest_list_query_vs_50ms: ratio(slowest.ms / 50, { atMost: 1 }) },
      notes: [
        `slowest without statistics (as the app runs): ${bare.name} (${bare.ms.toFixed(1)} ms)`,
        `slowest after ANALYZE: ${analyzed.name} (${analyzed.ms.toFixed(1)} ms)`,
        'each figure is one call through the dispatcher (a page plus its total where the page asks for one), median of 5 runs',
      ],
    };
  } finally {
    app.close();
  }
};

export default bench;
