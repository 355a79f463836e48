import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { AppContext } from '../kernel/context';
import { isLoopback } from '../kernel/config';
import { tokensEqual } from '../kernel/token';
import type { Caller, OperatorIdentity } from '../kernel/method';
import { signedInOperator } from '../operators';
import { dispatch } from './dispatch';
import { serveRendererFile } from './static-files';
import { handleDownload } from './download';
import { answerNotification, type PaymentChannel } from '../payments';

/**
 * Browser mode: the contract over HTTP.
 *
 * - `POST /rpc` with `{"method": "...", "params": {...}}` answers a CallResult as JSON.
 * - `GET /events` streams the event bus as server-sent events.
 * - `GET /download/<provider>/<id>` streams a file a module wrote for the signed-in operator (download.ts).
 * - `POST /notify/wechat` and `POST /notify/alipay` take a gateway's payment notification
 *   (handleNotifyRoute below): the only paths served without the instance token, and whatever the
 *   Host header, because the gateway cannot send either; the notification's own signature is its
 *   credential.
 * - Everything else serves the built renderer.
 *
 * Two secrets, two purposes. The instance token (a file in the data directory, mode 0600) proves
 * the caller may talk to this instance at all: `Authorization: Bearer <token>` from the CLI, or a
 * cookie set when the browser opens the `/?token=…` URL that `serve` prints. The operator login
 * (auth.login) then says who is acting; browsers keep it in an HttpOnly cookie, the CLI sends it
 * as `X-Depot-Session`.
 */

const TOKEN_COOKIE = 'depotdesk_token';
const SESSION_COOKIE = 'depotdesk_session';
const MB = 1024 * 1024;
/** A request body's limit: 1 MB, or more for the methods that carry a file. */
const MAX_BODY = MB;
/**
 * Methods whose input is a file as base64: a statement upload (recon.import takes files up to 64 MB,
 * which is 4/3 of that as base64, plus the rest of the request). Read from the body's leading
 * `{"method": "…"` once the body passes 1 MB, and checked against the parsed method afterwards.
 */
const LARGE_BODY_METHODS: ReadonlyMap<string, number> = new Map([['recon.import', 88 * MB]]);

function bodyLimit(method: string | null): number {
  return (method !== null && LARGE_BODY_METHODS.get(method)) || MAX_BODY;
}

export interface HttpServerOptions {
  host: string;
  port: number;
  token: string;
  /** Built renderer (out/renderer); when absent, / answers with a short note. */
  staticDir?: string | null;
  allowLan?: boolean;
}

export interface RunningHttpServer {
  url: string;
  loginUrl: string;
  port: number;
  close(): Promise<void>;
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = decodeURIComponent(part.slice(eq + 1).trim());
  }
  return out;
}

function hasInstanceToken(req: http.IncomingMessage, token: string): boolean {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ') && tokensEqual(auth.slice(7).trim(), token)) return true;
  const cookie = parseCookies(req.headers.cookie)[TOKEN_COOKIE];
  return cookie !== undefined && tokensEqual(cookie, token);
}

function sessionToken(req: http.IncomingMessage): string | undefined {
  const header = req.headers['x-depot-session'];
  if (typeof header === 'string' && header) return header;
  return parseCookies(req.headers.cookie)[SESSION_COOKIE];
}

/** DNS-rebinding guard: on loopback, only loopback Host names are served. */
function hostAllowed(req: http.IncomingMessage, allowLan: boolean | undefined): boolean {
  if (allowLan) return true;
  const host = (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return isLoopback(host);
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(text);
}

class BodyTooLarge extends Error {}

/** The method a JSON-RPC body names first (`{"method": "recon.import", …`), from its first bytes. */
function leadingMethod(head: Buffer): string | null {
  return /^\s*\{\s*"method"\s*:\s*"([A-Za-z0-9_.]{1,100})"/.exec(head.toString('utf8'))?.[1] ?? null;
}

/**
 * Reads the body within its limit (bodyLimit: 1 MB unless the body's leading method takes more;
 * `fixed`: exactly that many bytes, for a body that is not a contract call). A body over its limit
 * is refused once it has been read to its end (and dropped), so the client, still sending,
 * receives the answer instead of a reset connection. Returns the text and the method the limit was
 * widened for, if it was.
 */
function readBody(req: http.IncomingMessage, fixed?: number): Promise<{ text: string; widenedFor: string | null }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let limit = fixed ?? MAX_BODY;
    let widenedFor: string | null = null;
    let refused: BodyTooLarge | null = null;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      chunks.push(chunk);
      if (size <= limit) return;
      const method = widenedFor === null && fixed === undefined ? leadingMethod(Buffer.concat(chunks).subarray(0, 512)) : null;
      if (method !== null && bodyLimit(method) > limit) {
        widenedFor = method;
        limit = bodyLimit(method);
        if (size <= limit) return;
      }
      const allowed =
        fixed !== undefined
          ? `at most ${fixed / 1024} kB`
          : widenedFor
            ? `${widenedFor} takes at most ${limit / MB} MB`
            : `at most ${MAX_BODY / MB} MB (a statement file goes through recon.import)`;
      refused = new BodyTooLarge(`request body too large: ${allowed}`);
      chunks.length = 0;
    });
    req.on('end', () => (refused ? reject(refused) : resolve({ text: Buffer.concat(chunks).toString('utf8'), widenedFor })));
    req.on('error', reject);
    // A client gone before the end: nothing to answer (a settled promise ignores this).
    req.on('close', () => reject(new Error('the client closed the request before its end')));
  });
}

async function handleRpc(app: AppContext, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  // A cross-site page cannot read our cookie-guarded answers, but it could still post; refuse
  // any browser request whose Origin is not this server.
  const origin = req.headers.origin;
  if (origin && origin !== `http://${req.headers.host}`) {
    send(res, 403, { ok: false, error: { code: 'forbidden', message: `cross-origin request from ${origin} refused` } });
    return;
  }
  let body: unknown;
  try {
    const read = await readBody(req);
    body = JSON.parse(read.text);
    // A body let past 1 MB for its leading method must be a call of that method (JSON keeps a repeated key's last value).
    if (read.widenedFor !== null && (body as { method?: unknown } | null)?.method !== read.widenedFor) {
      throw new BodyTooLarge(`request body too large: only ${read.widenedFor} takes more than ${MAX_BODY / MB} MB`);
    }
  } catch (e) {
    if (e instanceof BodyTooLarge) {
      send(res, 413, { ok: false, error: { code: 'invalid_input', message: e.message } });
      return;
    }
    send(res, 400, {
      ok: false,
      error: { code: 'invalid_input', message: `request body must be JSON {"method": "...", "params": {...}}: ${(e as Error).message}` },
    });
    return;
  }
  const { method, params } = (body ?? {}) as { method?: unknown; params?: unknown };
  const token = sessionToken(req);
  let newSessionCookie: string | null = null;
  const caller: Caller = {
    operator: signedInOperator(app, token),
    transport: 'http',
    session: {
      signIn: (op: OperatorIdentity) => {
        const t = app.logins.create(op);
        newSessionCookie = `${SESSION_COOKIE}=${t}; HttpOnly; SameSite=Strict; Path=/`;
        return { token: t };
      },
      signOut: () => {
        app.logins.revoke(token);
        newSessionCookie = `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`;
      },
    },
  };
  const result = await dispatch(app, caller, method, params);
  const headers: http.OutgoingHttpHeaders = newSessionCookie ? { 'set-cookie': newSessionCookie } : {};
  send(res, 200, result, headers);
}

function handleEvents(req: http.IncomingMessage, res: http.ServerResponse, sseClients: Set<http.ServerResponse>): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
  });
  res.write(': connected\n\n');
  sseClients.add(res);
  const keepAlive = setInterval(() => res.write(': ping\n\n'), 25_000);
  req.on('close', () => {
    clearInterval(keepAlive);
    sseClients.delete(res);
  });
}

function serveStatic(staticRoot: string | null, url: URL, res: http.ServerResponse): void {
  serveRendererFile(staticRoot, url.pathname, res, {
    notBuilt: 'DepotDesk API is running. Build the renderer (npm run build) to get the operator screens here.\n',
  });
}

/** What one server serves besides the contract: the renderer's files and the open event streams. */
interface Door {
  staticRoot: string | null;
  sseClients: Set<http.ServerResponse>;
}

/** The gateways' notification paths and their channels: exact paths, nothing else under /notify/. */
const NOTIFY_PATHS: ReadonlyMap<string, PaymentChannel> = new Map([
  ['/notify/wechat', 'wechat'],
  ['/notify/alipay', 'alipay'],
]);
/** A notification is a few kB (WeChat's encrypted resource, Alipay's form); anything far larger is not one. */
const MAX_NOTIFY_BODY = 64 * 1024;

/**
 * POST /notify/<channel>: the raw body and the headers go to the channel's provider, which
 * verifies the signature before anything is read (payments answerNotification); the answer is in
 * the gateway's own words. Not guarded by the instance token: a forged notification is refused by
 * its signature and changes nothing; a replayed one is a duplicate and books nothing.
 */
async function handleNotifyRoute(app: AppContext, pathname: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const channel = NOTIFY_PATHS.get(pathname);
  if (!channel) return send(res, 404, { ok: false, error: { code: 'not_found', message: `no notification endpoint ${pathname}` } });
  if (req.method !== 'POST') return send(res, 405, { ok: false, error: { code: 'invalid_input', message: `${req.method} not allowed on ${pathname}` } });
  let body: string;
  try {
    body = (await readBody(req, MAX_NOTIFY_BODY)).text;
  } catch (e) {
    if (!(e instanceof BodyTooLarge)) throw e;
    return send(res, 413, { code: 'FAIL', message: e.message });
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  const answer = answerNotification(app, channel, { headers, body });
  res.writeHead(answer.status, { 'content-type': answer.contentType, 'cache-control': 'no-store' });
  res.end(answer.body);
}

/** One request: the notification paths, the Host guard, the login URL, the token-guarded /rpc and /events, /healthz, then the renderer. */
async function route(app: AppContext, opts: HttpServerOptions, door: Door, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
  // Before the Host guard: a gateway reaches us through a reverse proxy or tunnel under its own host name.
  if (pathname.startsWith('/notify/')) return await handleNotifyRoute(app, pathname, req, res);
  if (!hostAllowed(req, opts.allowLan)) {
    send(res, 403, { ok: false, error: { code: 'forbidden', message: 'unexpected Host header' } });
    return;
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  const queryToken = url.searchParams.get('token');
  if (req.method === 'GET' && queryToken !== null) {
    if (!tokensEqual(queryToken, opts.token)) {
      send(res, 401, { ok: false, error: { code: 'unauthenticated', message: 'wrong instance token' } });
      return;
    }
    // The login URL: trade the token for a cookie and drop it from the address bar.
    res.writeHead(302, {
      'set-cookie': `${TOKEN_COOKIE}=${queryToken}; HttpOnly; SameSite=Strict; Path=/`,
      location: url.pathname,
    });
    res.end();
    return;
  }
  if (url.pathname === '/rpc' || url.pathname === '/events' || url.pathname.startsWith('/download/')) {
    if (!hasInstanceToken(req, opts.token)) {
      send(res, 401, {
        ok: false,
        error: { code: 'unauthenticated', message: 'missing or wrong instance token: open the URL printed by `depotdesk serve`' },
      });
      return;
    }
    if (url.pathname === '/rpc' && req.method === 'POST') return await handleRpc(app, req, res);
    if (url.pathname === '/events' && req.method === 'GET') return handleEvents(req, res, door.sseClients);
    if (req.method === 'GET' && url.pathname.startsWith('/download/')) return handleDownload(app, signedInOperator(app, sessionToken(req)), url.pathname, res);
    send(res, 405, { ok: false, error: { code: 'invalid_input', message: `${req.method} not allowed on ${url.pathname}` } });
    return;
  }
  if (url.pathname === '/healthz') {
    send(res, 200, { ok: true, data: { version: app.version } });
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(res, 405, { ok: false, error: { code: 'invalid_input', message: `${req.method} not allowed` } });
    return;
  }
  serveStatic(door.staticRoot, url, res);
}

export async function startHttpServer(app: AppContext, opts: HttpServerOptions): Promise<RunningHttpServer> {
  const door: Door = { staticRoot: opts.staticDir ? path.resolve(opts.staticDir) : null, sseClients: new Set<http.ServerResponse>() };
  const { sseClients } = door;
  const unsubscribe = app.events.subscribe((event) => {
    const frame = `event: depot\ndata: ${JSON.stringify(event)}\n\n`;
    for (const res of sseClients) res.write(frame);
  });

  const server = http.createServer((req, res) => {
    // route's failures end here: logged, and answered 500 while the answer has not begun.
    route(app, opts, door, req, res).catch((e: unknown) => {
      app.log.error({ err: e, url: req.url }, 'http request failed');
      if (!res.headersSent) send(res, 500, { ok: false, error: { code: 'internal', message: 'request failed (logged)' } });
      else res.end();
    });
  });

  // A browser (or a test's request context) keeps its connection for reuse: with Node's 5 s default
  // the server may close a connection just as the client sends on it again, and the client reads
  // ECONNRESET (seen in a fresh-clone e2e run). Browsers and proxies keep idle connections 60 s and
  // more; close() still closes idle connections at once (Node ≥ 19).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const hostForUrl = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const url = `http://${hostForUrl}:${port}/`;
  return {
    url,
    loginUrl: `${url}?token=${opts.token}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        unsubscribe();
        for (const res of sseClients) res.end();
        sseClients.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
