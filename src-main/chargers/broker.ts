import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Aedes, AedesOptions, AuthenticateError, Client, PublishPacket, Subscription } from 'aedes';
import type { AppContext } from '../kernel/context';
import { isLoopback } from '../kernel/config';
import { DepotError } from '../kernel/errors';
import { hashPassword, verifyPassword, DUMMY_HASH } from '../operators';
import { CHARGER_ID_PATTERN, topics } from './ocpp';
import { chargerCredentials, recordSelfRegisteredCharger } from './registry';

/**
 * The embedded MQTT broker (aedes), for a depot that has no broker of its own.
 *
 * Guarantees:
 * - Only known logins connect: a registered charger with its own password (checked against its
 *   scrypt hash), or the back office with the generated credentials kept in the data directory
 *   (mode 0600). With `chargers.autoRegister` on, an unknown charger id is recorded on first login
 *   with the password it used (trust on first use) and must use that password from then on.
 * - A charger's MQTT client id is its charger id, optionally followed by ":suffix", so no charger
 *   can take over another charger's (or the back office's) MQTT session.
 * - ACL: a charger publishes only to ocpp/cp/{its id} and ocpp/cp/{its id}/Reply and subscribes
 *   only to ocpp/cs/{its id}. A publish elsewhere is refused and the connection closed (MQTT 3.1.1
 *   has no way to refuse one message); a subscription elsewhere is answered with failure (0x80).
 *   Nothing a charger publishes is retained.
 * - No publish carries more than `chargers.maxPayloadBytes` of payload: a larger one is refused and
 *   its connection closed, whoever sent it. A packet whose length (read from its first bytes) is
 *   beyond any allowed publish is cut off there, before the broker has buffered it.
 * - It listens on loopback unless `broker.allowLan` is set, and close() stops listening, disconnects
 *   every client and resolves once the port is free.
 */

export const BACK_OFFICE_USERNAME = '$depotdesk';

export interface BackOfficeCredentials {
  username: string;
  password: string;
  clientId: string;
}

/** The back office's own login to the embedded broker, generated once per data directory. */
export function ensureBackOfficeCredentials(dataDir: string): BackOfficeCredentials {
  const file = path.join(dataDir, 'broker-credentials.json');
  if (fs.existsSync(file)) {
    if (process.platform !== 'win32' && (fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<BackOfficeCredentials>;
    if (parsed.username === BACK_OFFICE_USERNAME && typeof parsed.password === 'string' && parsed.password.length >= 32 && parsed.clientId) {
      return parsed as BackOfficeCredentials;
    }
    throw new DepotError('integrity_failed', `${file} is malformed; delete it and restart to generate new broker credentials`, { file });
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const creds: BackOfficeCredentials = {
    username: BACK_OFFICE_USERNAME,
    password: crypto.randomBytes(32).toString('base64url'),
    // '$' never starts a charger id, so no charger can claim this client id.
    clientId: `$depotdesk:${crypto.randomBytes(6).toString('hex')}`,
  };
  try {
    fs.writeFileSync(file, JSON.stringify(creds, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return ensureBackOfficeCredentials(dataDir);
  }
  return creds;
}

type Identity = { kind: 'backoffice' } | { kind: 'charger'; id: string };

export interface EmbeddedBroker {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  connectedClients(): number;
  /** Charger ids with an open MQTT connection right now. */
  connectedChargers(): string[];
  close(): Promise<void>;
}

export interface EmbeddedBrokerOptions {
  host: string;
  port: number;
  allowLan: boolean;
  backOffice: BackOfficeCredentials;
  /** The largest publish payload let through; `chargers.maxPayloadBytes` unless given. */
  maxPayloadBytes?: number;
}

/**
 * Room for the rest of a PUBLISH packet around its payload: fixed header (5), topic length (2),
 * topic (`ocpp/cp/` + a 48-character charger id + `/Reply` is 62) and packet id (2), rounded up.
 */
export const MQTT_PACKET_OVERHEAD = 128;

/**
 * Follows the MQTT packets on a connection from their fixed headers alone (type byte, then the
 * remaining length as a variable-byte integer) and reports the first packet longer than `limit`
 * as soon as its length is known, so a 20 MB publish is refused after its first bytes instead of
 * after the broker has buffered all of it. Feed it every chunk read from the socket, in order.
 */
export function packetLengthGuard(limit: number, onTooLong: (length: number) => void): (chunk: Buffer) => void {
  let state: 'type' | 'length' | 'body' | 'stopped' = 'type';
  let length = 0;
  let multiplier = 1;
  let left = 0;
  return (chunk) => {
    let i = 0;
    while (i < chunk.length && state !== 'stopped') {
      if (state === 'body') {
        const skip = Math.min(left, chunk.length - i);
        i += skip;
        left -= skip;
        if (left === 0) state = 'type';
      } else if (state === 'type') {
        i += 1;
        state = 'length';
        length = 0;
        multiplier = 1;
      } else {
        const b = chunk[i];
        i += 1;
        length += (b & 0x7f) * multiplier;
        multiplier *= 128;
        if (length > limit) {
          state = 'stopped';
          onTooLong(length);
        } else if ((b & 0x80) === 0) {
          left = length;
          state = left === 0 ? 'type' : 'body';
        } else if (multiplier > 128 ** 3) {
          state = 'stopped'; // more than 4 length bytes: malformed, and the broker's parser says so
        }
      }
    }
  };
}

function refusal(message: string, returnCode: 4 | 5): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

function safeEqual(a: string, b: string): boolean {
  const x = crypto.createHash('sha256').update(a).digest();
  const y = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(x, y);
}

export function clientIdAllowed(chargerId: string, clientId: string): boolean {
  return clientId === chargerId || clientId.startsWith(`${chargerId}:`);
}

/** What the login and ACL checks share: who each client is, and the passwords already verified. */
interface Gate {
  app: AppContext;
  log: AppContext['log'];
  backOffice: BackOfficeCredentials;
  maxPayloadBytes: number;
  identities: WeakMap<Client, Identity>;
  // Chargers reconnect often; a verified password is remembered (as a digest, next to the hash it
  // matched) so a reconnect storm does not queue hundreds of scrypt runs. A changed hash misses.
  verified: Map<string, { hash: string; digest: string }>;
}

export async function startEmbeddedBroker(app: AppContext, opts: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  if (!opts.allowLan && !isLoopback(opts.host)) {
    throw new DepotError('config_invalid', `broker.host ${opts.host} is not loopback; set broker.allowLan=true to let chargers on the depot LAN connect`, {
      key: 'broker.host',
    });
  }
  const gate: Gate = {
    app,
    log: app.log.child({ domain: 'broker' }),
    backOffice: opts.backOffice,
    maxPayloadBytes: opts.maxPayloadBytes ?? app.config.chargers.maxPayloadBytes,
    identities: new WeakMap(),
    verified: new Map(),
  };
  const { log } = gate;
  // Loaded here, not at the top: only a process that runs the broker pays for aedes (kernel/lazy-require.ts says why).
  const { Aedes: AedesBroker } = await import('aedes');
  const aedes = await AedesBroker.createBroker({
    // The broker's $SYS heartbeat is noise for a one-node broker.
    heartbeatInterval: 10 * 60_000,
    ...gateHooks(gate),
  });
  const online = trackOnlineChargers(aedes, gate);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => acceptConnection(gate, aedes, sockets, s));
  await listen(server, aedes, opts);
  const port = (server.address() as net.AddressInfo).port;
  const hostForUrl = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  log.info({ host: opts.host, port }, 'embedded MQTT broker listening');

  let closing: Promise<void> | null = null;
  return {
    host: opts.host,
    port,
    url: `mqtt://${hostForUrl}:${port}`,
    connectedClients: () => aedes.connectedClients,
    connectedChargers: () => [...online.keys()].sort(),
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        aedes.close(() => {
          // aedes has closed its clients; anything still half-open (a CONNECT never sent) goes too.
          for (const s of sockets) s.destroy();
        });
      }).then(() => log.info({ port }, 'embedded MQTT broker stopped'));
      return closing;
    },
  };
}

function gateHooks(gate: Gate): Required<Pick<AedesOptions, 'authenticate' | 'authorizePublish' | 'authorizeSubscribe'>> {
  return {
    authenticate: (client, username, passwordBuf, done) => authenticate(gate, client, username, passwordBuf, done),
    authorizePublish: (client, packet, done) => authorizePublish(gate, client, packet, done),
    authorizeSubscribe: (client, sub, done) => authorizeSubscribe(gate, client, sub, done),
  };
}

async function checkCharger(gate: Gate, client: Client, username: string, password: string): Promise<void> {
  const { app, log } = gate;
  if (!CHARGER_ID_PATTERN.test(username)) throw refusal(`"${username}" is not a charger id`, 4);
  if (!clientIdAllowed(username, client.id)) {
    throw refusal(`client id "${client.id}" must be the charger id ${username} (or ${username}:something)`, 5);
  }
  const creds = chargerCredentials(app, username);
  if (!creds) {
    if (!app.config.chargers.autoRegister) {
      await verifyPassword(password, DUMMY_HASH); // an unknown id takes as long as a wrong password
      throw refusal(`unknown charger ${username}`, 4);
    }
    recordSelfRegisteredCharger(app, username, await hashPassword(password));
    log.warn({ chargerId: username }, 'unknown charger registered itself (auto-registration is on); confirm it with charger add');
    return;
  }
  if (!creds.registered && !app.config.chargers.autoRegister) throw refusal(`charger ${username} is not confirmed and auto-registration is off`, 5);
  if (!creds.passwordHash) throw refusal(`charger ${username} has no password set`, 5);
  const digest = crypto.createHash('sha256').update(password).digest('hex');
  const hit = gate.verified.get(username);
  if (hit && hit.hash === creds.passwordHash && hit.digest === digest) return;
  if (!(await verifyPassword(password, creds.passwordHash))) throw refusal(`wrong password for charger ${username}`, 4);
  gate.verified.set(username, { hash: creds.passwordHash, digest });
}

function authenticate(
  gate: Gate,
  client: Client,
  username: string | undefined,
  passwordBuf: Readonly<Buffer | undefined>,
  done: (error: AuthenticateError | null, success: boolean | null) => void,
): void {
  const { log, identities } = gate;
  const password = passwordBuf ? passwordBuf.toString('utf8') : '';
  if (!username) {
    log.warn({ clientId: client.id }, 'MQTT login without a username refused');
    done(refusal('a username is required', 4), false);
    return;
  }
  if (username === BACK_OFFICE_USERNAME) {
    if (safeEqual(password, gate.backOffice.password)) {
      identities.set(client, { kind: 'backoffice' });
      done(null, true);
    } else {
      log.warn({ clientId: client.id }, 'back-office MQTT login with a wrong password refused');
      done(refusal('wrong password', 4), false);
    }
    return;
  }
  checkCharger(gate, client, username, password).then(
    () => {
      identities.set(client, { kind: 'charger', id: username });
      done(null, true);
    },
    (e: unknown) => {
      log.warn({ clientId: client.id, username, reason: (e as Error).message }, 'charger MQTT login refused');
      const err = (e as Partial<AuthenticateError>).returnCode ? (e as AuthenticateError) : refusal('login failed', 5);
      done(err, false);
    },
  );
}

function authorizePublish(gate: Gate, client: Client | null, packet: PublishPacket, done: (error?: Error | null) => void): void {
  const { log, maxPayloadBytes } = gate;
  const who = client ? gate.identities.get(client) : undefined;
  if (!who) return done(new Error('not authenticated'));
  const bytes = Buffer.byteLength(packet.payload);
  if (bytes > maxPayloadBytes) {
    log.warn(
      { chargerId: who.kind === 'charger' ? who.id : null, clientId: client?.id, topic: packet.topic, bytes, limit: maxPayloadBytes },
      'publish larger than chargers.maxPayloadBytes refused; connection closed',
    );
    return done(new Error(`a publish of ${bytes} bytes is larger than chargers.maxPayloadBytes (${maxPayloadBytes})`));
  }
  if (packet.topic.startsWith('$SYS')) return done(new Error('$SYS topics are reserved'));
  if (who.kind === 'backoffice') return done(null);
  if (packet.topic === topics.requests(who.id) || packet.topic === topics.replies(who.id)) {
    packet.retain = false;
    return done(null);
  }
  log.warn({ chargerId: who.id, topic: packet.topic }, 'charger published outside its own topics; connection closed');
  done(new Error(`charger ${who.id} may not publish to ${packet.topic}`));
}

function authorizeSubscribe(gate: Gate, client: Client, sub: Subscription, done: (error: Error | null, subscription?: Subscription | null) => void): void {
  const who = gate.identities.get(client);
  if (who?.kind === 'backoffice') return done(null, sub);
  if (who?.kind === 'charger' && sub.topic === topics.downstream(who.id)) return done(null, sub);
  gate.log.warn({ chargerId: who?.kind === 'charger' ? who.id : null, topic: sub.topic }, "subscription outside the charger's own topic refused");
  done(null, null);
}

/** Counts each charger's open connections; a charger with none is not in the map. */
function trackOnlineChargers(aedes: Aedes, gate: Gate): Map<string, number> {
  const { identities, log } = gate;
  const online = new Map<string, number>();
  aedes.on('clientReady', (client) => {
    const who = identities.get(client);
    if (who?.kind === 'charger') online.set(who.id, (online.get(who.id) ?? 0) + 1);
  });
  aedes.on('clientDisconnect', (client) => {
    const who = identities.get(client);
    if (who?.kind !== 'charger') return;
    const n = (online.get(who.id) ?? 1) - 1;
    if (n <= 0) online.delete(who.id);
    else online.set(who.id, n);
  });
  aedes.on('clientError', (client, err) => log.debug({ clientId: client.id, err: err.message }, 'MQTT client error'));
  aedes.on('connectionError', (client, err) => log.debug({ clientId: client?.id, err: err.message }, 'MQTT connection error'));
  return online;
}

function acceptConnection(gate: Gate, aedes: Aedes, sockets: Set<net.Socket>, s: net.Socket): void {
  const client = aedes.handle(s);
  // aedes reads the socket with read() on 'readable'; a 'data' listener then sees each chunk as
  // it is read, before aedes parses it, without switching the socket to flowing mode.
  s.on(
    'data',
    packetLengthGuard(gate.maxPayloadBytes + MQTT_PACKET_OVERHEAD, (length) => {
      const who = gate.identities.get(client);
      gate.log.warn(
        { chargerId: who?.kind === 'charger' ? who.id : null, clientId: client.id, packetBytes: length, limit: gate.maxPayloadBytes },
        'MQTT packet larger than chargers.maxPayloadBytes allows; connection closed before reading it',
      );
      s.destroy();
    }),
  );
  // Every answer and acknowledgement is a small write; with Nagle's algorithm one waits behind
  // the peer's delayed ACK (up to 40 ms on Linux) whenever an earlier one is still unacknowledged.
  s.setNoDelay(true);
  sockets.add(s);
  s.on('close', () => sockets.delete(s));
}

/** Listens on the configured address; on failure closes the broker and says why. */
async function listen(server: net.Server, aedes: Aedes, opts: EmbeddedBrokerOptions): Promise<void> {
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    await new Promise<void>((r) => aedes.close(() => r()));
    const code = (e as NodeJS.ErrnoException).code;
    throw new DepotError(
      'unavailable',
      code === 'EADDRINUSE'
        ? `the embedded broker cannot listen on ${opts.host}:${opts.port}: another program uses that port (set broker.port, or broker.mode=external)`
        : `the embedded broker cannot listen on ${opts.host}:${opts.port}: ${(e as Error).message}`,
      { host: opts.host, port: opts.port },
    );
  }
}
