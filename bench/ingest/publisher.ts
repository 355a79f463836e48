import mqtt, { type MqttClient } from 'mqtt';

/**
 * The simulated chargers of `npm run bench -- ingest`, in their own process (as real chargers are
 * on their own hardware), so the broker and the back office get the main process to themselves.
 * Driven over IPC by bench/ingest.ts:
 *   { cmd: 'connect', url, chargers: [{ id, password }] }        → { ev: 'ready' }
 *   { cmd: 'blast', total, window, tag }                           → { ev: 'blasted', sent, ms }
 *   { cmd: 'paced', rate, seconds, tag }                           → { ev: 'paced', sent, answered, rtts }
 *   { cmd: 'quit' }
 * Every message is a distinct OCPP MeterValues CALL at QoS 1 (a later sample than the one before),
 * so the back office's de-duplication never collapses two of them.
 */

interface Charger {
  id: string;
  client: MqttClient;
  seq: number;
  wh: number;
}

type Command =
  | { cmd: 'connect'; url: string; chargers: { id: string; password: string }[] }
  | { cmd: 'blast'; total: number; window: number; tag: string }
  | { cmd: 'paced'; rate: number; seconds: number; tag: string }
  | { cmd: 'quit' };

const chargers: Charger[] = [];
const sentAt = new Map<string, number>();
const rtts: number[] = [];
// Sample times start at this process's start, so two runs on one data directory never send the
// same sample twice (the back office would rightly count the second as a duplicate).
let base = Date.now();

function send(msg: unknown): void {
  process.send!(msg);
}

function meterValues(c: Charger, tag: string): { uniqueId: string; text: string } {
  c.seq += 1;
  c.wh += 7;
  const uniqueId = `${tag}-${c.id}-${c.seq}`;
  const payload = {
    connectorId: 1,
    transactionId: 1,
    meterValue: [
      {
        timestamp: new Date(base + c.seq * 1000).toISOString(),
        sampledValue: [{ value: String(c.wh), context: 'Sample.Periodic', measurand: 'Energy.Active.Import.Register', unit: 'Wh' }],
      },
    ],
  };
  return { uniqueId, text: JSON.stringify({ MessageTypeId: 2, UniqueId: uniqueId, Action: 'MeterValues', Payload: payload }) };
}

function publish(c: Charger, text: string): Promise<void> {
  return new Promise((resolve, reject) => c.client.publish(`ocpp/cp/${c.id}`, text, { qos: 1 }, (e) => (e ? reject(e) : resolve())));
}

async function connect(url: string, list: { id: string; password: string }[]): Promise<void> {
  for (const { id, password } of list) {
    const client = await mqtt.connectAsync(url, { clientId: id, username: id, password, reconnectPeriod: 0, clean: true });
    (client.stream as unknown as import('node:net').Socket).setNoDelay(true);
    client.on('message', (_t, payload) => {
      // Answers carry our UniqueId; the round trip is publish → persisted → answer received.
      const m = /"UniqueId":"([^"]+)"/.exec(payload.toString('utf8')) ?? /^\[3,"([^"]+)"/.exec(payload.toString('utf8'));
      if (!m) return;
      const t0 = sentAt.get(m[1]);
      if (t0 !== undefined) {
        rtts.push(performance.now() - t0);
        sentAt.delete(m[1]);
      }
    });
    chargers.push({ id, client, seq: 0, wh: 0 });
  }
}

/** As fast as the broker takes them: each charger keeps `window` unacknowledged publishes in flight. */
async function blast(total: number, window: number, tag: string): Promise<{ sent: number; ms: number }> {
  // Real chargers read their answers on their own hardware; here that would put the answers' cost
  // on the publishing process and throttle it. For throughput the chargers do not listen (the
  // back office still publishes every answer; the broker drops them).
  await Promise.all(chargers.map((c) => c.client.unsubscribeAsync(`ocpp/cs/${c.id}`)));
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    chargers.map(async (c, i) => {
      const mine = Math.floor(total / chargers.length) + (i < total % chargers.length ? 1 : 0);
      const inflight = new Set<Promise<void>>();
      for (let k = 0; k < mine; k += 1) {
        const p = publish(c, meterValues(c, tag).text).finally(() => inflight.delete(p));
        inflight.add(p);
        next += 1;
        if (inflight.size >= window) await Promise.race(inflight);
      }
      await Promise.all(inflight);
    }),
  );
  return { sent: next, ms: performance.now() - t0 };
}

/** A steady `rate` messages per second across all chargers, recording each round trip. */
async function paced(rate: number, seconds: number, tag: string): Promise<{ sent: number; answered: number; rtts: number[] }> {
  await Promise.all(chargers.map((c) => c.client.subscribeAsync(`ocpp/cs/${c.id}`, { qos: 1 })));
  rtts.length = 0;
  sentAt.clear();
  const total = Math.round(rate * seconds);
  const t0 = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate));
      while (sent < due) {
        const c = chargers[sent % chargers.length];
        const { uniqueId, text } = meterValues(c, tag);
        sentAt.set(uniqueId, performance.now());
        void publish(c, text).catch(() => undefined);
        sent += 1;
      }
      if (sent >= total) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  // Answers still on their way get two seconds.
  const end = performance.now() + 2_000;
  while (sentAt.size > 0 && performance.now() < end) await new Promise((r) => setTimeout(r, 20));
  return { sent, answered: rtts.length, rtts: [...rtts] };
}

process.on('message', (m: Command) => {
  void (async () => {
    try {
      if (m.cmd === 'connect') {
        await connect(m.url, m.chargers);
        send({ ev: 'ready' });
      } else if (m.cmd === 'blast') {
        base += 10_000_000;
        send({ ev: 'blasted', ...(await blast(m.total, m.window, m.tag)) });
      } else if (m.cmd === 'paced') {
        base += 10_000_000;
        send({ ev: 'paced', ...(await paced(m.rate, m.seconds, m.tag)) });
      } else if (m.cmd === 'quit') {
        await Promise.all(chargers.map((c) => c.client.endAsync()));
        process.exit(0);
      }
    } catch (e) {
      send({ ev: 'error', message: (e as Error).message });
    }
  })();
});
send({ ev: 'started' });
