import { describe, expect, test } from 'vitest';
import type { AppContext } from '../../src-main/kernel/context';
import { listMessages, pruneMessageLog, type MessageLogEntry } from '../../src-main/chargers';
import { encodePayload } from '../../src-main/chargers/payload-codec';
import { runDueJobs } from '../../src-main/jobs';
import { chargersPruneMessagesWorker } from '../../src-main/chargers';
import { addOperator, call, makeApp } from '../helpers';
import { count, rows, settle, startDepot } from './helpers';

/**
 * The message log as operators read it, and its retention: every message in and out reads back as
 * it was received or sent, whatever form it is stored in; old messages and finished inbox records
 * go after the retention, a record still waiting to be applied (and its message) never.
 */

const DAY = 86_400_000;

interface LoggedMessage {
  direction?: 'in' | 'out';
  receivedAt: number;
  action?: string;
  messageType?: number;
  uniqueId?: string;
  transactionId?: number | null;
  payload: string;
  answer?: string | null;
  error?: string | null;
  /** 'text': as rows were written before migration 0015; 'codec': as they are written now. */
  stored?: 'text' | 'codec';
}

/** Writes a message-log row the way the charger link does (or did, before migration 0015). */
function logged(app: AppContext, m: LoggedMessage, chargerId = 'CP-1'): number {
  const store = (text: string) => (m.stored === 'text' ? text : encodePayload(text));
  const direction = m.direction ?? 'in';
  const r = app.sqlite
    .prepare(
      `INSERT INTO charger_messages (charger_id, direction, topic, received_at, message_type, unique_id, action, transaction_id, payload, error, answer)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      chargerId,
      direction,
      direction === 'in' ? `ocpp/cp/${chargerId}` : `ocpp/cs/${chargerId}`,
      m.receivedAt,
      m.messageType ?? 2,
      m.uniqueId ?? null,
      m.action ?? null,
      m.transactionId ?? null,
      store(m.payload),
      m.error ?? null,
      m.answer == null ? null : store(m.answer),
    );
  return Number(r.lastInsertRowid);
}

interface InboxRecord {
  messageId: number | null;
  receivedAt: number;
  lastReceivedAt?: number;
  processedAt?: number | null;
  parkedAt?: number | null;
  resolution?: 'attached' | 'discarded' | null;
}

let dedup = 0;
/** An inbox record the way the ingest writes one (a meter record: identity is a 16-byte hash). */
function recorded(app: AppContext, r: InboxRecord): number {
  const key = Buffer.alloc(16);
  key.writeUInt32BE((dedup += 1));
  const res = app.sqlite
    .prepare(
      `INSERT INTO charger_transactions (charger_id, kind, transaction_id, connector_id, charger_at, meter_wh, dedup_key, message_id,
         received_at, last_received_at, processed_at, parked_at, process_error, resolution)
       VALUES ('CP-1', 'meter', 7, 1, ?, 1000, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      r.receivedAt,
      key,
      r.messageId,
      r.receivedAt,
      r.lastReceivedAt ?? r.receivedAt,
      r.processedAt ?? null,
      r.parkedAt ?? null,
      r.parkedAt ? 'no session for transaction 7' : null,
      r.resolution ?? null,
    );
  return Number(res.lastInsertRowid);
}

const meterValues = (n: number) =>
  JSON.stringify({
    MessageTypeId: 2,
    UniqueId: `mv-${n}`,
    Action: 'MeterValues',
    Payload: {
      connectorId: 1,
      transactionId: 7,
      meterValue: [{ timestamp: '2026-01-15T08:16:00Z', sampledValue: [{ value: String(1000 + n), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }],
    },
  });
const emptyResult = (n: number) => JSON.stringify({ MessageTypeId: 3, UniqueId: `mv-${n}`, Payload: {} });

const ids = (app: AppContext, table: 'charger_messages' | 'charger_transactions') => rows<{ id: number }>(app, `SELECT id FROM ${table} ORDER BY id`).map((r) => r.id);

describe('reading the message log', () => {
  test("a charger's CALL lists with our answer, both stored compressed and read back exactly as sent", async () => {
    const { app, clock } = makeApp();
    const call1 = meterValues(1);
    const answer = '{"MessageTypeId":3,"UniqueId":"mv-1","Payload":{},"Note":"一个足够长的应答，确保它被压缩存储 ⚡"}';
    const id = logged(app, { receivedAt: clock.now(), action: 'MeterValues', uniqueId: 'mv-1', transactionId: 7, payload: call1, answer });
    // Raw SQL sees blobs: the log is small on disk, and only the codec reads it.
    expect(rows(app, 'SELECT typeof(payload) AS p, typeof(answer) AS a FROM charger_messages')).toEqual([{ p: 'blob', a: 'blob' }]);

    const op = await addOperator(app, 'operator');
    const r = await call(app, op, 'chargers.messages', { chargerId: 'CP-1' });
    expect(r.ok).toBe(true);
    const items = (r as { data: { items: MessageLogEntry[] } }).data.items;
    expect(items).toEqual([expect.objectContaining({ id, direction: 'in', action: 'MeterValues', uniqueId: 'mv-1', payload: call1, answer, error: null })]);
    // One transaction's messages carry their answers too.
    expect(listMessages(app, { chargerId: 'CP-1', limit: 10, transactionId: 7 }).items.map((m) => m.answer)).toEqual([answer]);
  });

  test('rows from before migration 0015 (plain text, our answers as rows of their own) list as they always did, paged by id with the new ones', () => {
    const { app, clock } = makeApp();
    const t0 = clock.now();
    // Before: the CALL and our answer, two TEXT rows.
    logged(app, { stored: 'text', receivedAt: t0, action: 'MeterValues', uniqueId: 'mv-1', payload: meterValues(1) });
    logged(app, { stored: 'text', direction: 'out', messageType: 3, receivedAt: t0, action: 'MeterValues', uniqueId: 'mv-1', payload: emptyResult(1) });
    // After: one row each, answer on the CALL; our own CALL is still an 'out' row.
    for (let n = 2; n <= 4; n += 1) logged(app, { receivedAt: t0 + n, action: 'MeterValues', uniqueId: `mv-${n}`, payload: meterValues(n), answer: emptyResult(n) });
    logged(app, {
      direction: 'out',
      receivedAt: t0 + 5,
      action: 'RemoteStopTransaction',
      payload: '{"MessageTypeId":2,"UniqueId":"rs-1","Action":"RemoteStopTransaction","Payload":{"transactionId":7}}',
    });

    const seen: MessageLogEntry[] = [];
    let beforeId: number | undefined;
    for (;;) {
      const page = listMessages(app, { chargerId: 'CP-1', limit: 2, beforeId });
      seen.push(...page.items);
      if (page.nextBeforeId === null) break;
      beforeId = page.nextBeforeId;
    }
    expect(seen.map((m) => [m.direction, m.action, m.payload, m.answer])).toEqual([
      ['out', 'RemoteStopTransaction', expect.stringContaining('"transactionId":7'), null],
      ['in', 'MeterValues', meterValues(4), emptyResult(4)],
      ['in', 'MeterValues', meterValues(3), emptyResult(3)],
      ['in', 'MeterValues', meterValues(2), emptyResult(2)],
      ['out', 'MeterValues', emptyResult(1), null],
      ['in', 'MeterValues', meterValues(1), null],
    ]);
  });

  test('a stored payload that does not decode fails the page with integrity_failed naming the message, never a guess', async () => {
    const { app, clock } = makeApp();
    logged(app, { receivedAt: clock.now(), payload: meterValues(1) });
    const bad = logged(app, { receivedAt: clock.now(), payload: meterValues(2) });
    app.sqlite.prepare('UPDATE charger_messages SET answer = ? WHERE id = ?').run(Buffer.from([9, 1, 2, 3]), bad);
    const op = await addOperator(app, 'operator');
    const r = await call(app, op, 'chargers.messages', { chargerId: 'CP-1' });
    expect(r).toMatchObject({
      ok: false,
      error: {
        code: 'integrity_failed',
        message: `charger message ${bad}: stored message payload has unknown format byte 9`,
        details: { field: 'answer', messageId: bad },
      },
    });
  });

  test('our own CALL to a charger is logged compressed and reads back as published', async () => {
    const depot = await startDepot();
    await depot.register('CP-1');
    const cp = await depot.charger('CP-1');
    cp.onCall('RemoteStartTransaction', () => ({ status: 'Accepted' }));
    await depot.rt.callCharger('CP-1', 'RemoteStartTransaction', { connectorId: 1, idTag: 'CARD-0001' });
    await settle(depot);
    const published = cp.received.map((r) => r.text).find((t) => t.includes('RemoteStartTransaction'))!;
    expect(rows(depot.app, "SELECT typeof(payload) AS t FROM charger_messages WHERE direction = 'out' AND action = 'RemoteStartTransaction'")).toEqual([{ t: 'blob' }]);
    const out = listMessages(depot.app, { chargerId: 'CP-1', limit: 50 }).items.filter((m) => m.direction === 'out' && m.action === 'RemoteStartTransaction');
    expect(out.map((m) => m.payload)).toEqual([published]);
  });
});

describe('retention of the message log and the transaction inbox', () => {
  test('messages received before the cut-off go and later ones stay, oldest first, in chunks with the event loop turning between them', async () => {
    const { app, clock } = makeApp();
    const now = clock.now();
    for (let n = 0; n < 10; n += 1)
      logged(app, { stored: n % 2 === 0 ? 'text' : 'codec', receivedAt: now - 40 * DAY + n, payload: meterValues(n), answer: emptyResult(n) });
    const recent = [logged(app, { receivedAt: now - 29 * DAY, payload: meterValues(10) }), logged(app, { receivedAt: now, payload: meterValues(11) })];

    const pruning = pruneMessageLog(app, 30 * DAY, { chunk: 3 });
    // One turn of the event loop later the first chunk is committed and the rest still waits:
    // a charger's messages are written and answered between chunks.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const midway = count(app, 'SELECT count(*) AS n FROM charger_messages');
    expect(midway).toBeLessThan(12);
    expect(midway).toBeGreaterThan(2);
    const during = logged(app, { receivedAt: now, payload: meterValues(12) });

    expect(await pruning).toEqual({ messages: 10, records: 0 });
    expect(ids(app, 'charger_messages')).toEqual([...recent, during]);
    // Nothing left to do: a second run deletes nothing.
    expect(await pruneMessageLog(app, 30 * DAY, { chunk: 3 })).toEqual({ messages: 0, records: 0 });
  });

  test('a message that a record still waiting (new or parked) points at is kept however old; a finished record does not hold its message', async () => {
    const { app, clock } = makeApp();
    const old = clock.now() - 200 * DAY;
    const m = [0, 1, 2, 3, 4].map((n) => logged(app, { receivedAt: old + n, payload: meterValues(n), answer: emptyResult(n) }));
    const waiting = recorded(app, { messageId: m[0], receivedAt: old });
    const parked = recorded(app, { messageId: m[1], receivedAt: old + 1, parkedAt: old + 10 });
    recorded(app, { messageId: m[2], receivedAt: old + 2, processedAt: old + 20 });
    recorded(app, { messageId: m[3], receivedAt: old + 3, parkedAt: old + 10, resolution: 'discarded' });

    expect(await pruneMessageLog(app, 180 * DAY, { chunk: 2 })).toEqual({ messages: 3, records: 2 });
    expect(ids(app, 'charger_messages')).toEqual([m[0], m[1]]);
    expect(ids(app, 'charger_transactions')).toEqual([waiting, parked]);
    // The waiting record still reads its payload from the log.
    expect(listMessages(app, { chargerId: 'CP-1', limit: 10 }).items.map((x) => x.payload)).toEqual([meterValues(1), meterValues(0)]);

    // Once the consumer has applied it, the next run lets both go.
    app.sqlite.prepare('UPDATE charger_transactions SET processed_at = ? WHERE id = ?').run(old + 30, waiting);
    expect(await pruneMessageLog(app, 180 * DAY)).toEqual({ messages: 1, records: 1 });
    expect(ids(app, 'charger_messages')).toEqual([m[1]]);
    expect(ids(app, 'charger_transactions')).toEqual([parked]);
  });

  test('an inbox record goes only once it is finished and both its last copy and its processing are older than the cut-off', async () => {
    const { app, clock } = makeApp();
    const now = clock.now();
    const old = now - 200 * DAY;
    const gone = [
      recorded(app, { messageId: null, receivedAt: old, processedAt: old + 1 }),
      recorded(app, { messageId: null, receivedAt: old + 1, resolution: 'discarded', parkedAt: old + 5 }),
      recorded(app, { messageId: null, receivedAt: old + 2, resolution: 'attached', processedAt: old + 9 }),
    ];
    const kept = [
      recorded(app, { messageId: null, receivedAt: old + 3 }),
      recorded(app, { messageId: null, receivedAt: old + 4, parkedAt: old + 10 }),
      // Applied long ago, but the charger repeated it last week: a replay must still be recognised.
      recorded(app, { messageId: null, receivedAt: old + 5, lastReceivedAt: now - 7 * DAY, processedAt: old + 6 }),
      // Parked for months and attached by an operator yesterday.
      recorded(app, { messageId: null, receivedAt: old + 6, processedAt: now - DAY, resolution: 'attached', parkedAt: old + 10 }),
      recorded(app, { messageId: null, receivedAt: now - DAY, processedAt: now - DAY }),
    ];
    expect(await pruneMessageLog(app, 180 * DAY, { chunk: 2 })).toEqual({ messages: 0, records: 3 });
    expect(ids(app, 'charger_transactions')).toEqual(kept);
    expect(gone.every((id) => !ids(app, 'charger_transactions').includes(id))).toBe(true);
  });

  test('the walk stops at the first row received after the cut-off: an older row behind it (the clock stepped back) waits for a later run', async () => {
    const { app, clock } = makeApp();
    const now = clock.now();
    const first = logged(app, { receivedAt: now - 40 * DAY, payload: meterValues(1) });
    const fresh = logged(app, { receivedAt: now - 10 * DAY, payload: meterValues(2) });
    const stepped = logged(app, { receivedAt: now - 35 * DAY, payload: meterValues(3) });
    expect(await pruneMessageLog(app, 30 * DAY)).toEqual({ messages: 1, records: 0 });
    expect(ids(app, 'charger_messages')).toEqual([fresh, stepped]);
    expect(ids(app, 'charger_messages')).not.toContain(first);
    // Once the row in front of it ages out too, both go.
    expect(await pruneMessageLog(app, 30 * DAY, { now: now + 25 * DAY })).toEqual({ messages: 2, records: 0 });
    expect(count(app, 'SELECT count(*) AS n FROM charger_messages')).toBe(0);
  });

  test('finding what a waiting record needs reads the inbox through its partial indexes, not the whole table', () => {
    const { app } = makeApp();
    const plan = rows<{ detail: string }>(
      app,
      `EXPLAIN QUERY PLAN SELECT message_id FROM charger_transactions WHERE processed_at IS NULL AND parked_at IS NULL AND message_id BETWEEN 1 AND 9
       UNION SELECT message_id FROM charger_transactions WHERE processed_at IS NULL AND parked_at IS NOT NULL AND message_id BETWEEN 1 AND 9`,
    ).map((r) => r.detail);
    expect(plan.filter((d) => d.includes('charger_transactions'))).toEqual([
      expect.stringContaining('charger_transactions_pending'),
      expect.stringContaining('charger_transactions_parked'),
    ]);
  });

  test('the nightly job prunes with chargers.messageLogRetentionDays', async () => {
    const { app, clock } = makeApp({ overrides: { chargers: { messageLogRetentionDays: 30 } } });
    const now = clock.now();
    logged(app, { receivedAt: now - 31 * DAY, payload: meterValues(1) });
    recorded(app, { messageId: null, receivedAt: now - 31 * DAY, processedAt: now - 31 * DAY });
    const kept = logged(app, { receivedAt: now - 29 * DAY, payload: meterValues(2) });
    chargersPruneMessagesWorker.enqueue(app, {});
    await runDueJobs(app, { workers: [chargersPruneMessagesWorker] });
    expect(ids(app, 'charger_messages')).toEqual([kept]);
    expect(count(app, 'SELECT count(*) AS n FROM charger_transactions')).toBe(0);
  });
});
