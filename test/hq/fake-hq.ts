import mqtt, { type MqttClient } from 'mqtt';
import { chainBreak, GENESIS_HASH, type JournalRow } from '../../src-main/kernel/journal-hash';

/**
 * A stand-in for headquarters' ingestor in the uplink's tests, following docs/headquarters.md
 * "The wire" as the real one does: it takes only the next sequence with a valid chain, skips the
 * rows it already has, and answers every batch with its cursor on depot/{id}/ack, retained, QoS 1.
 * It can misbehave on request: drop acks, refuse batches, answer with a wrong hash, stay silent to
 * hellos. It keeps every batch it received, duplicates included, so a test can count them.
 */

export interface ReceivedBatch {
  depot: string;
  name: string;
  tip: number;
  rows: JournalRow[];
}

interface DepotAtHq {
  cursor: { seq: number; hash: string };
  /** Each row stored, once, in the order it was stored. */
  stored: JournalRow[];
}

export class FakeHq {
  readonly received: ReceivedBatch[] = [];
  readonly depots = new Map<string, DepotAtHq>();
  /** Acks of batches with rows still to leave unanswered (the hello's acks are not counted). */
  dropAcks = 0;
  /** Batches still to refuse with this reason (the first row after the cursor named). */
  refuse: { count: number; reason: string } = { count: 0, reason: 'hash_mismatch' };
  /** Answer with a hash that is not the depot's. */
  wrongHash = false;
  /** Answer hellos (batches without rows)? */
  answerHellos = true;
  private constructor(private readonly client: MqttClient) {}

  static async connect(url: string, login: { username: string; password: string }): Promise<FakeHq> {
    const client = mqtt.connect(url, { ...login, clientId: `fake-hq-${process.pid}-${Math.random().toString(16).slice(2, 8)}`, clean: true, reconnectPeriod: 200 });
    const hq = new FakeHq(client);
    client.on('message', (topic, payload) => hq.onBatch(topic, payload));
    // Subscribed on every connect: a broker restarted without persistence has forgotten it.
    client.on('connect', () => client.subscribe('depot/+/journal', { qos: 1 }));
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    return hq;
  }

  /** Every seq HQ received, in order of arrival, duplicates included. */
  seqsReceived(depot: string): number[] {
    return this.received.filter((b) => b.depot === depot).flatMap((b) => b.rows.map((r) => r.seq));
  }

  stored(depot: string): JournalRow[] {
    return this.depots.get(depot)?.stored ?? [];
  }

  /** Publishes an ack for `depot` as HQ would (retained). */
  ack(depot: string, seq: number, hash: string, refused: { seq: number; reason: string; detail: string } | null = null): void {
    const text = JSON.stringify({ type: 'ack', depot, seq, hash, refused });
    this.client.publish(`depot/${depot}/ack`, text, { qos: 1, retain: true });
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.client.end(true, {}, () => resolve()));
  }

  private onBatch(topic: string, payload: Buffer): void {
    const depot = topic.split('/')[1];
    const batch = JSON.parse(payload.toString('utf8')) as ReceivedBatch;
    this.received.push(batch);
    let at = this.depots.get(depot);
    if (!at) {
      at = { cursor: { seq: 0, hash: GENESIS_HASH }, stored: [] };
      this.depots.set(depot, at);
    }
    if (batch.rows.length === 0 && !this.answerHellos) return;
    const fresh = batch.rows.filter((r) => r.seq > at.cursor.seq);
    if (fresh.length > 0 && this.refuse.count > 0) {
      this.refuse.count -= 1;
      return this.answer(depot, at, { seq: at.cursor.seq + 1, reason: this.refuse.reason, detail: 'refused by the test' });
    }
    const broken = chainBreak(depot, at.cursor, fresh);
    if (broken) return this.answer(depot, at, { ...broken, detail: 'chain broken' });
    at.stored.push(...fresh);
    if (fresh.length > 0) at.cursor = { seq: fresh[fresh.length - 1].seq, hash: fresh[fresh.length - 1].hash };
    if (batch.rows.length > 0 && this.dropAcks > 0) {
      this.dropAcks -= 1;
      return;
    }
    this.answer(depot, at, null);
  }

  private answer(depot: string, at: DepotAtHq, refused: { seq: number; reason: string; detail: string } | null): void {
    this.ack(depot, at.cursor.seq, this.wrongHash ? 'f'.repeat(64) : at.cursor.hash, refused);
  }
}
