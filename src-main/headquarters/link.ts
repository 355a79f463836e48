import fs from 'node:fs';
import type { IClientOptions, MqttClient } from 'mqtt';
import type { Logger } from '../kernel/logger';
import { DepotError } from '../kernel/errors';
import { lazyRequire } from '../kernel/lazy-require';

const mqttLib = lazyRequire<typeof import('mqtt')>('mqtt');

/**
 * The uplink's own MQTT client to HQ's broker (mqtt.js), apart from the charger link: a different
 * broker, login and life. It only connects, subscribes the one ack topic, publishes at QoS 1 and
 * says when the connection changes; what to send and when is uplink.ts's.
 *
 * - A clean session: what HQ has committed is read from its retained ack on every subscribe, so
 *   nothing needs to wait in the broker for the depot, and no stale ack is delivered late.
 * - It reconnects on its own, 1 s doubling to 30 s with jitter (also after a refused login), so a
 *   thousand depots that lost HQ's broker at once do not come back in lockstep.
 */

export type LinkState = 'connecting' | 'connected' | 'offline';

export interface LinkOptions {
  url: string;
  username: string;
  password: string;
  clientId: string;
  caFile: string;
  /**
   * The topics subscribed (QoS 1) on every connect, in one SUBSCRIBE. The first is required:
   * 'connected' only once it is granted; another one refused is logged and left out.
   */
  subscribe: string | string[];
  log: Logger;
  onState(state: LinkState, error: string | null): void;
  onMessage(topic: string, payload: Buffer): void;
}

export interface HqLink {
  publish(topic: string, text: string): Promise<void>;
  stop(): Promise<void>;
}

const MIN_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 30_000;

/** The mqtt.js options for hq.*: the URL must be mqtt:// or mqtts://, the CA file readable. */
function clientOptions(opts: LinkOptions): IClientOptions {
  let parsed: URL;
  try {
    parsed = new URL(opts.url);
  } catch {
    throw new DepotError('config_invalid', `hq.brokerUrl "${opts.url}" is not a URL (mqtt://host:1883 or mqtts://host:8883)`, { key: 'hq.brokerUrl' });
  }
  if (parsed.protocol !== 'mqtt:' && parsed.protocol !== 'mqtts:') {
    throw new DepotError('config_invalid', `hq.brokerUrl must start with mqtt:// or mqtts://, got ${parsed.protocol}//`, { key: 'hq.brokerUrl' });
  }
  const options: IClientOptions = {
    clientId: opts.clientId,
    username: opts.username || undefined,
    password: opts.password || undefined,
    protocolVersion: 4,
    clean: true,
    keepalive: 30,
    connectTimeout: 10_000,
    reconnectPeriod: MIN_BACKOFF_MS,
    reconnectOnConnackError: true,
    resubscribe: false,
  };
  if (parsed.protocol === 'mqtts:' && opts.caFile) {
    try {
      options.ca = fs.readFileSync(opts.caFile);
    } catch (e) {
      throw new DepotError('config_invalid', `cannot read hq.caFile ${opts.caFile}: ${(e as Error).message}`, { key: 'hq.caFile' });
    }
  }
  return options;
}

/** Connects (in the background) and keeps reconnecting until stop(). Throws only for a bad URL or CA file. */
export function openHqLink(opts: LinkOptions): HqLink {
  const client: MqttClient = mqttLib().connect(opts.url, clientOptions(opts));
  let backoff = MIN_BACKOFF_MS;
  let lastError: string | null = null;
  let stopping = false;
  opts.onState('connecting', null);
  client.on('connect', () => {
    backoff = MIN_BACKOFF_MS;
    client.options.reconnectPeriod = backoff;
    lastError = null;
    const topics = [opts.subscribe].flat();
    client.subscribe(topics, { qos: 1 }, (err, granted) => {
      // The SUBACK's codes in the order of the topics (mqtt.js hands a refusal over as an error carrying them).
      const codes = (err as { packet?: { granted?: number[] } } | null)?.packet?.granted ?? (granted ?? []).map((g) => g.qos);
      const refused = topics.filter((_, i) => codes[i] === 128);
      if ((err && codes.length === 0) || refused.includes(topics[0])) {
        lastError =
          refused.length > 0 ? `HQ's broker refused the subscription to ${topics[0]}; check its ACL for this depot's login` : `subscribe failed: ${err?.message}`;
        opts.log.error({ topic: topics[0] }, lastError);
        opts.onState('offline', lastError);
        return;
      }
      // Only the first topic (the acks) is needed to ship the journal; a broker whose ACL still
      // lacks the others (HQ's commands) leaves those out, and the journal goes on.
      if (refused.length > 0) opts.log.error({ topics: refused }, `HQ's broker refused the subscription to ${refused.join(', ')}; check its ACL for this depot's login`);
      opts.onState('connected', null);
    });
  });
  client.on('message', (topic, payload) => opts.onMessage(topic, payload));
  client.on('error', (err) => {
    lastError = err.message;
    opts.log.warn({ err: err.message }, 'HQ broker connection error');
  });
  client.on('close', () => {
    if (stopping) return;
    backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
    client.options.reconnectPeriod = Math.round(backoff * (0.75 + Math.random() * 0.5));
    opts.onState('offline', lastError ?? 'connection to HQ\u2019s broker closed');
  });
  client.on('reconnect', () => opts.onState('connecting', lastError));
  return {
    publish: (topic, text) =>
      new Promise<void>((resolve, reject) => {
        if (stopping) return reject(new DepotError('unavailable', 'the HQ uplink is stopping'));
        client.publish(topic, text, { qos: 1 }, (err) => (err ? reject(new DepotError('unavailable', `publish to ${topic} failed: ${err.message}`)) : resolve()));
      }),
    stop: async () => {
      stopping = true;
      // force: a publish waiting for a broker that is gone must not hold the app's shutdown.
      await new Promise<void>((resolve) => client.end(true, {}, () => resolve()));
    },
  };
}
