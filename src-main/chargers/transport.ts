import type net from 'node:net';
import fs from 'node:fs';
import type { IClientOptions, MqttClient } from 'mqtt';
import type { AppContext, RuntimeState } from '../kernel/context';
import { DepotError } from '../kernel/errors';
import { lazyRequire } from '../kernel/lazy-require';
import { topics } from './ocpp';
import { redactUrl } from '../kernel/redact';

const mqttLib = lazyRequire<typeof import('mqtt')>('mqtt');

/**
 * The back office's MQTT client (mqtt.js), the same code path for the embedded broker and an
 * external one (Mosquitto, an EMQX cluster behind its OCPP gateway).
 *
 * Guarantees:
 * - It subscribes ocpp/cp/+ and ocpp/cp/+/Reply at QoS 1 on every (re)connect and publishes at QoS 1;
 *   publish() resolves once the broker acknowledged the message.
 * - It reconnects on its own with exponential backoff (1 s doubling to 30 s, with jitter), also
 *   after a refused login, so a broker that comes back later is picked up without a restart.
 * - Every change of connection state is written to app.runtime.broker and emitted as `broker.state`.
 * - When the core cannot keep up, it stops reading from the socket (the MQTT acknowledgement of a
 *   message waits) instead of queueing without bound.
 */

export type BrokerState = RuntimeState['broker']['state'];

export interface TransportOptions {
  url: string;
  username?: string;
  password?: string;
  clientId: string;
  tls?: { caFile: string; certFile: string; keyFile: string; rejectUnauthorized: boolean };
  /** Called for each message; return false to say the consumer is full (backpressure). */
  onMessage(topic: string, payload: Buffer, receivedAt: number): boolean;
  /** Resolves when the consumer has room again. */
  whenRoom(): Promise<void>;
}

const MIN_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 30_000;

/** The link to the broker that carries the chargers' OCPP messages (kernel/method.ts's `Transport` is a caller's: ipc, http, cli). */
export interface ChargerTransport {
  readonly url: string;
  state(): BrokerState;
  /** Resolves once connected (or rejects after timeoutMs). */
  connected(timeoutMs?: number): Promise<void>;
  publish(topic: string, text: string): Promise<void>;
  /**
   * Stops handing messages to the consumer. Messages that arrive afterwards are not acknowledged,
   * so a broker that keeps our session delivers them again after the next start.
   */
  pause(): void;
  stop(): Promise<void>;
}

function readPem(file: string, what: string): Buffer | undefined {
  if (!file) return undefined;
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new DepotError('config_invalid', `cannot read broker.tls.${what} ${file}: ${(e as Error).message}`, { key: `broker.tls.${what}` });
  }
}

/** The link's state: what the client reports, and what it must remember between events. */
interface LinkStatus {
  app: AppContext;
  log: AppContext['log'];
  shownUrl: string;
  backoff: number;
  lastError: string | null;
  stopping: boolean;
  paused: boolean;
  corked: boolean;
}

interface Link extends LinkStatus {
  client: MqttClient;
}

export function startTransport(app: AppContext, opts: TransportOptions): ChargerTransport {
  const options = clientOptions(opts);
  const status: LinkStatus = {
    app,
    log: app.log.child({ domain: 'transport' }),
    shownUrl: redactUrl(opts.url),
    backoff: MIN_BACKOFF_MS,
    lastError: null,
    stopping: false,
    paused: false,
    corked: false,
  };
  setState(status, 'connecting');
  const link: Link = Object.assign(status, { client: mqttLib().connect(opts.url, options) });
  link.client.handleMessage = (packet, callback) => {
    if (link.paused) return;
    corkUntilNextTurn(link);
    const receivedAt = app.clock.now();
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    if (opts.onMessage(packet.topic, payload, receivedAt)) callback();
    else opts.whenRoom().then(() => callback(), callback);
  };
  followConnection(link);
  return {
    url: link.shownUrl,
    state: () => app.runtime.broker.state,
    connected: (timeoutMs = 10_000) => waitConnected(link, timeoutMs),
    publish: (topic, text) => publish(link, topic, text),
    pause() {
      link.paused = true;
    },
    stop: () => stopLink(link),
  };
}

/** The mqtt.js options for the broker URL (which must be an MQTT URL), with TLS files read. */
function clientOptions(opts: TransportOptions): IClientOptions {
  let parsed: URL;
  try {
    parsed = new URL(opts.url);
  } catch {
    throw new DepotError('config_invalid', `broker URL "${opts.url}" is not a URL (mqtt://host:1883 or mqtts://host:8883)`, { key: 'broker.url' });
  }
  if (!['mqtt:', 'mqtts:', 'tcp:', 'tls:', 'ssl:'].includes(parsed.protocol)) {
    throw new DepotError('config_invalid', `broker URL must start with mqtt:// or mqtts://, got ${parsed.protocol}//`, { key: 'broker.url' });
  }
  const secure = ['mqtts:', 'tls:', 'ssl:'].includes(parsed.protocol);
  const options: IClientOptions = {
    clientId: opts.clientId,
    username: opts.username || undefined,
    password: opts.password || undefined,
    protocolVersion: 4,
    // A persistent session: a broker that keeps sessions (Mosquitto, EMQX) queues the chargers'
    // QoS 1 messages while the back office reconnects.
    clean: false,
    keepalive: 30,
    connectTimeout: 10_000,
    reconnectPeriod: MIN_BACKOFF_MS,
    reconnectOnConnackError: true,
    resubscribe: false,
  };
  if (secure && opts.tls) {
    options.ca = readPem(opts.tls.caFile, 'caFile');
    options.cert = readPem(opts.tls.certFile, 'certFile');
    options.key = readPem(opts.tls.keyFile, 'keyFile');
    options.rejectUnauthorized = opts.tls.rejectUnauthorized;
  }
  return options;
}

function setState(link: LinkStatus, state: BrokerState): void {
  const { app, shownUrl } = link;
  const prev = app.runtime.broker.state;
  app.runtime.broker.state = state;
  app.runtime.broker.url = shownUrl;
  if (prev !== state) {
    app.events.emit('broker.state', { state, url: shownUrl, error: state === 'connected' ? null : link.lastError });
    if (state === 'offline') link.log.warn({ url: shownUrl, error: link.lastError }, 'broker connection lost; reconnecting with backoff');
  }
}

// Backpressure: mqtt.js handles one incoming packet at a time and acknowledges a QoS 1 message
// when handleMessage's callback runs, so holding it back stops reading from the socket.
// mqtt.js writes each acknowledgement as its own socket write (it handles one packet per tick).
// Corking the socket until the event loop comes round sends a burst's acknowledgements in one.
function corkUntilNextTurn(link: Link): void {
  const stream = link.client.stream;
  if (link.corked || !stream) return;
  link.corked = true;
  stream.cork();
  setImmediate(() => {
    link.corked = false;
    stream.uncork();
  });
}

/** Connect, error, close and reconnect: the backoff, the last error, and the state they lead to. */
function followConnection(link: Link): void {
  const { client, log } = link;
  client.on('connect', () => {
    // No Nagle: an answer written while an earlier write is unacknowledged would wait for the
    // broker's delayed ACK (up to 40 ms on Linux). A batch's answers are already one write (corked).
    (client.stream as Partial<net.Socket>).setNoDelay?.(true);
    link.backoff = MIN_BACKOFF_MS;
    client.options.reconnectPeriod = link.backoff;
    link.lastError = null;
    subscribeChargerTopics(link);
  });
  client.on('error', (err) => {
    link.lastError = err.message;
    log.warn({ url: link.shownUrl, err: err.message }, 'broker connection error');
  });
  client.on('close', () => {
    if (link.stopping) return;
    // Exponential backoff with jitter, so a depot's worth of restarts do not reconnect in lockstep.
    link.backoff = Math.min(MAX_BACKOFF_MS, link.backoff * 2);
    client.options.reconnectPeriod = Math.round(link.backoff * (0.75 + Math.random() * 0.5));
    setState(link, 'offline');
  });
  client.on('reconnect', () => setState(link, 'connecting'));
}

/** Subscribes the charger topics; only a granted subscription makes the link connected. */
function subscribeChargerTopics(link: Link): void {
  const { log } = link;
  link.client.subscribe({ [topics.requests('+')]: { qos: 1 }, [topics.replies('+')]: { qos: 1 } }, (err, granted) => {
    // mqtt.js 5 reports a SUBACK with 0x80 as an error that carries the packet.
    const ackCodes = (err as { packet?: { granted?: number[] } } | null)?.packet?.granted ?? (granted ?? []).map((g) => g.qos);
    if (err && !ackCodes.includes(128)) {
      link.lastError = `subscribe failed: ${err.message}`;
      log.error({ err: err.message }, 'subscribing to the charger topics failed');
      return;
    }
    if (ackCodes.includes(128)) {
      link.lastError = 'the broker refused the subscriptions to ocpp/cp/+ and ocpp/cp/+/Reply';
      log.error('the broker refused the charger topics; check its ACL for the back-office login');
      return;
    }
    setState(link, 'connected');
  });
}

function waitConnected(link: Link, timeoutMs: number): Promise<void> {
  const { app } = link;
  if (app.runtime.broker.state === 'connected') return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new DepotError('unavailable', `no connection to the broker at ${link.shownUrl} after ${timeoutMs} ms${link.lastError ? `: ${link.lastError}` : ''}`));
    }, timeoutMs);
    const unsubscribe = app.events.subscribe((e) => {
      if (e.type === 'broker.state' && e.payload.state === 'connected') {
        clearTimeout(timer);
        unsubscribe();
        resolve();
      }
    });
  });
}

function publish(link: Link, topic: string, text: string): Promise<void> {
  if (link.stopping) return Promise.reject(new DepotError('unavailable', 'the broker link is shutting down'));
  // The answers to a committed batch are published in one loop: one socket write for all of them.
  corkUntilNextTurn(link);
  return new Promise<void>((resolve, reject) => {
    link.client.publish(topic, text, { qos: 1 }, (err) => (err ? reject(new DepotError('unavailable', `publish to ${topic} failed: ${err.message}`)) : resolve()));
  });
}

async function stopLink(link: Link): Promise<void> {
  link.paused = true;
  link.stopping = true;
  await new Promise<void>((resolve) => link.client.end(false, {}, () => resolve()));
  link.app.runtime.broker.state = 'not_started';
  link.app.events.emit('broker.state', { state: 'not_started', url: link.shownUrl, error: null });
}
