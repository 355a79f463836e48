import crypto from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { describe, expect, test } from 'vitest';
import { startHq, type Ack, type BatchOutcome, type Hq } from '../../src-main/hq';
import { silentLogger } from '../../src-main/kernel/logger';
import { afterTest } from '../after-test';
import { tempDir } from '../helpers';
import { launchMosquitto, type Mosquitto } from '../mosquitto-process';
import { skipWithoutMosquitto } from '../mosquitto';
import { postgresForFile, skipWithoutPostgres } from '../postgres';
import { batch, chain, operation, topUps, transfer } from './journal-rows';

/**
 * `depotdesk hq serve`'s core (startHq) between a real Mosquitto, configured with the ACL
 * docs/headquarters.md gives an operator, and a real PostgreSQL: a depot publishes its batches and
 * reads the retained ack, as the depot's uplink does.
 */
const missing = skipWithoutPostgres('test/hq/serve.test.ts') || skipWithoutMosquitto('test/hq/serve.test.ts');
const postgres = postgresForFile();

const D1 = '0123456789abcdef0123456789abcdef';
const D2 = 'fedcba9876543210fedcba9876543210';
const D3 = '00000000000000000000000000000003';
const HQ_LOGIN = { username: 'hq', password: 'hq-secret' };

/** The ACL of docs/headquarters.md "Setting it up": HQ reads every journal and writes every ack; a depot only its own. */
const ACL = [
  `user ${HQ_LOGIN.username}`,
  'topic read depot/+/journal',
  'topic write depot/+/ack',
  'topic write depot/+/commands',
  '',
  '# every other login is a depot, its login name its depot id',
  'pattern write depot/%u/journal',
  'pattern read depot/%u/ack',
  'pattern read depot/%u/commands',
];

/** Polls until `ready` holds; a wait that runs out says what it waited for. */
async function waitFor<T>(what: string, ready: () => T | undefined | null | false, limitMs = 20_000): Promise<T> {
  const until = Date.now() + limitMs;
  for (;;) {
    const v = ready();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out after ${limitMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Setup {
  hq: Hq;
  broker: Mosquitto;
  pool: import('pg').Pool;
  outcomes: BatchOutcome[];
}

async function setup(): Promise<Setup> {
  const { url, pool } = await postgres.freshDatabase();
  const broker = await launchMosquitto({
    dir: tempDir('depotdesk-hq-mosquitto-'),
    users: { [HQ_LOGIN.username]: HQ_LOGIN.password, [D1]: 'd1-secret', [D2]: 'd2-secret', [D3]: 'd3-secret' },
    acl: ACL,
    maxPayloadBytes: 1024 * 1024,
  });
  afterTest(() => broker.kill());
  const outcomes: BatchOutcome[] = [];
  const hq = await startHq({
    pgUrl: url,
    brokerUrl: broker.url,
    ...HQ_LOGIN,
    clientId: `hq-test-${crypto.randomBytes(4).toString('hex')}`,
    logger: silentLogger(),
    onBatch: (o) => outcomes.push(o),
  });
  afterTest(() => hq.stop());
  return { hq, broker, pool, outcomes };
}

/** A depot's connection: publishes its batches, and collects the acks it reads (the retained one first). */
async function depotClient(brokerUrl: string, depot: string, password: string): Promise<{ client: MqttClient; acks: Ack[]; send(b: unknown): Promise<void> }> {
  const client = await mqtt.connectAsync(brokerUrl, { username: depot, password, clientId: `${depot}-${crypto.randomBytes(3).toString('hex')}`, reconnectPeriod: 0 });
  afterTest(() => client.endAsync(true));
  const acks: Ack[] = [];
  client.on('message', (_topic, payload) => acks.push(JSON.parse(payload.toString()) as Ack));
  await client.subscribeAsync(`depot/${depot}/ack`, { qos: 1 });
  return {
    client,
    acks,
    send: async (b) => {
      await client.publishAsync(`depot/${depot}/journal`, JSON.stringify(b), { qos: 1 });
    },
  };
}

describe.skipIf(missing)('hq serve: the ingestor between Mosquitto and PostgreSQL', { timeout: 90_000 }, () => {
  test('a depot publishes a batch and reads the retained ack naming its last row; a later connection reads it too', async () => {
    const { broker, pool } = await setup();
    const depot = await depotClient(broker.url, D1, 'd1-secret');
    const rows = chain(D1, topUps(10));
    await depot.send(batch(D1, rows));
    const ack = await waitFor('the ack of row 10', () => depot.acks.find((a) => a.seq === 10));
    expect(ack).toEqual({ type: 'ack', depot: D1, seq: 10, hash: rows[9].hash, refused: null });
    expect((await pool.query<{ n: string }>('SELECT count(*) AS n FROM hq_journal')).rows[0].n).toBe('10');

    const later = await depotClient(broker.url, D1, 'd1-secret');
    expect(await waitFor('the retained ack', () => later.acks[0])).toEqual(ack);
  });

  test('a hello (no rows) is answered with the cursor; a tampered row is answered with the refusal and alerted', async () => {
    const { broker, pool } = await setup();
    const depot = await depotClient(broker.url, D2, 'd2-secret');
    await depot.send(batch(D2, [], 0));
    expect(await waitFor('the answer to the hello', () => depot.acks[0])).toMatchObject({ seq: 0, refused: null });
    const rows = chain(D2, topUps(4));
    const tampered = rows.map((r) => (r.seq === 3 ? { ...r, payload: operation('op:3', [transfer('op-t3', 1)]).payload } : r));
    await depot.send(batch(D2, tampered));
    const refused = await waitFor('the refusal', () => depot.acks.find((a) => a.refused));
    expect(refused).toMatchObject({ seq: 2, hash: rows[1].hash, refused: { seq: 3, reason: 'hash_mismatch' } });
    expect((await pool.query('SELECT depot_id, code FROM hq_alerts')).rows).toEqual([{ depot_id: D2, code: 'journal.hash_mismatch' }]);
  });

  test("each depot's batches are taken in the order they came, several depots at once", async () => {
    const { broker, pool, outcomes } = await setup();
    const depots = await Promise.all(
      [
        [D1, 'd1-secret'],
        [D2, 'd2-secret'],
        [D3, 'd3-secret'],
      ].map(async ([id, password]) => ({ id, rows: chain(id, topUps(50)), client: await depotClient(broker.url, id, password) })),
    );
    // Ten batches per depot published back to back, without waiting for an ack: taken out of order, one would be refused as a gap.
    await Promise.all(depots.flatMap((d) => Array.from({ length: 10 }, (_, i) => d.client.send(batch(d.id, d.rows.slice(i * 5, i * 5 + 5), 50)))));
    for (const d of depots) {
      const last = await waitFor(`the ack of ${d.id}'s row 50`, () => d.client.acks.find((a) => a.seq === 50));
      expect(last).toEqual({ type: 'ack', depot: d.id, seq: 50, hash: d.rows[49].hash, refused: null });
      expect(d.client.acks.map((a) => a.seq)).toEqual([5, 10, 15, 20, 25, 30, 35, 40, 45, 50]);
    }
    expect(outcomes.filter((o) => o.error !== null || o.ack?.refused)).toEqual([]);
    const counts = await pool.query<{ depot_id: string; n: string }>('SELECT depot_id, count(*) AS n FROM hq_journal GROUP BY depot_id ORDER BY depot_id');
    expect(counts.rows).toEqual([D3, D1, D2].map((id) => ({ depot_id: id, n: '50' })));
  });

  test('the broker keeps a depot to its own topics: a batch published under another depot id is not taken', async () => {
    const { broker, outcomes } = await setup();
    const depot = await depotClient(broker.url, D1, 'd1-secret');
    // Mosquitto drops a publish the ACL refuses (MQTT 3.1.1 has no way to say so), so only D1's own batch arrives.
    await depot.client.publishAsync(`depot/${D2}/journal`, JSON.stringify(batch(D2, chain(D2, topUps(1)))), { qos: 1 });
    await depot.send(batch(D1, chain(D1, topUps(1))));
    await waitFor("the ack of D1's own batch", () => depot.acks.find((a) => a.seq === 1));
    expect(outcomes.map((o) => o.depot)).toEqual([D1]);
  });

  test('PostgreSQL killed mid-run: the batch is not acknowledged; once it is back, the batch sent again is', async () => {
    const { broker, pool, outcomes } = await setup();
    const depot = await depotClient(broker.url, D1, 'd1-secret');
    const rows = chain(D1, topUps(10));
    await depot.send(batch(D1, rows.slice(0, 5), 10));
    await waitFor('the ack of row 5', () => depot.acks.find((a) => a.seq === 5));

    await postgres.cluster().kill();
    await depot.send(batch(D1, rows.slice(5), 10));
    const failed = await waitFor('the ingestor to fail on the batch', () => outcomes.find((o) => o.error !== null));
    expect(failed).toMatchObject({ depot: D1, ack: null, stored: 0 });
    // The failure is where an ack would have been published: none came, none will for this batch.
    expect(depot.acks.map((a) => a.seq)).toEqual([5]);

    await postgres.cluster().restart();
    // The depot's uplink resends after its ack timeout; here the test does.
    await depot.send(batch(D1, rows.slice(5), 10));
    const ack = await waitFor('the ack of row 10 after PostgreSQL came back', () => depot.acks.find((a) => a.seq === 10));
    expect(ack).toEqual({ type: 'ack', depot: D1, seq: 10, hash: rows[9].hash, refused: null });
    const stored = await pool.query<{ seq: string }>('SELECT seq FROM hq_journal ORDER BY seq');
    expect(stored.rows.map((r) => Number(r.seq))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});
