import crypto from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Pool } from 'pg';
import { z } from 'zod';
import { builtRendererDir, serveRendererFile } from '../contract/static-files';
import { isValidTimeZone } from '../kernel/clock';
import { isLoopback } from '../kernel/config';
import { DepotError, isDepotError, type ErrorShape } from '../kernel/errors';
import type { Logger } from '../kernel/logger';
import { tokensEqual } from '../kernel/token';
import { hqDepots, hqDriver, hqLiabilities, hqReconciliation, hqRevenue } from './reads';

/**
 * HQ's HTTP door (`depotdesk hq serve --http-port N`): the same built renderer the depots serve in
 * browser mode, which shows its HQ layout when the page carries `<meta name="depotdesk-role"
 * content="hq">` (added here to index.html), and `POST /rpc` for HQ's read methods.
 *
 * Guarantees (test/hq/http.test.ts, test/e2e/hq.spec.ts):
 * - Whoever holds the HQ token (printed at start as a `/?token=…` URL, traded there for an HttpOnly
 *   cookie; or `Authorization: Bearer`) has the role `hq`, and the role can only read: every method
 *   here is a query of src-main/hq/reads.ts. Nothing reachable over this door writes.
 * - /rpc without the token is 401; a browser request from another Origin is 403; on loopback only
 *   loopback Host names are served (the DNS-rebinding guard), as `depotdesk serve` does.
 * - Inputs are checked with zod before any query: a bad one is `invalid_input` naming the field.
 */

export const HQ_DEFAULT_HTTP_PORT = 4830;
const TOKEN_COOKIE = 'depotdesk_hq_token';
const MAX_BODY = 64 * 1024;
/** Marks the page as HQ's: the renderer reads it before its first call (src-renderer/hq/mode.ts). */
export const HQ_ROLE_META = '<meta name="depotdesk-role" content="hq" />';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a day as YYYY-MM-DD');
const zone = z.string().max(64).refine(isValidTimeZone, 'an IANA time zone such as Asia/Shanghai').optional();
const range = { from: day, to: day, timeZone: zone };
const ordered = (r: { from: string; to: string }) => r.from <= r.to;

/** HQ's methods: each reads, none writes. */
const METHODS = {
  'hq.whoami': { input: z.strictObject({}), run: async () => ({ role: 'hq' as const }) },
  'hq.depots': { input: z.strictObject({}), run: (pool: Pool) => hqDepots(pool) },
  'hq.revenue': {
    input: z.strictObject(range).refine(ordered, { message: 'from must not be after to', path: ['from'] }),
    run: (pool: Pool, p: { from: string; to: string; timeZone?: string }) => hqRevenue(pool, p),
  },
  'hq.liabilities': { input: z.strictObject({}), run: (pool: Pool) => hqLiabilities(pool) },
  'hq.driver': {
    input: z.strictObject({
      phone: z
        .string()
        .trim()
        .regex(/^\+?\d{5,20}$/, 'a phone number, digits only'),
    }),
    run: (pool: Pool, p: { phone: string }) => hqDriver(pool, p.phone),
  },
  'hq.reconciliation': {
    input: z
      .strictObject({ ...range, channel: z.string().min(1).max(32).optional(), merchantId: z.string().min(1).max(64).optional() })
      .refine(ordered, { message: 'from must not be after to', path: ['from'] }),
    run: (pool: Pool, p: { from: string; to: string; timeZone?: string; channel?: string; merchantId?: string }) => hqReconciliation(pool, p),
  },
} as const;

export type HqMethodName = keyof typeof METHODS;
export const HQ_METHODS = Object.keys(METHODS) as HqMethodName[];

type Answer = { ok: true; data: unknown } | { ok: false; error: ErrorShape };

/** One call: the method known, its input checked, then the read. */
export async function callHq(pool: Pool, method: unknown, params: unknown): Promise<Answer> {
  if (typeof method !== 'string' || !Object.hasOwn(METHODS, method)) {
    return { ok: false, error: { code: 'unknown_method', message: `HQ has no method ${String(method)}; it answers ${HQ_METHODS.join(', ')}` } };
  }
  const m = METHODS[method as HqMethodName];
  const parsed = m.input.safeParse(params ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ field: i.path.join('.') || '(input)', message: i.message, code: i.code }));
    return {
      ok: false,
      error: { code: 'invalid_input', message: `invalid input for ${method}: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`, details: { issues } },
    };
  }
  // Each entry's run takes its own input's output; the map's union cannot say so to the compiler.
  const run = m.run as (pool: Pool, p: unknown) => Promise<unknown>;
  return { ok: true, data: await run(pool, parsed.data) };
}

/** Where the built renderer is (as `depotdesk serve` finds it). */
export const hqRendererDir = builtRendererDir;

export interface HqHttpOptions {
  pool: Pool;
  logger: Logger;
  /** Default 4830; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1; another address only with allowLan. */
  host?: string;
  allowLan?: boolean;
  /** The built renderer; default hqRendererDir(). */
  staticDir?: string | null;
  /** Default: a new random one each start. */
  token?: string;
}

export interface HqHttp {
  url: string;
  loginUrl: string;
  port: number;
  close(): Promise<void>;
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

function cookie(req: http.IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

function hasToken(req: http.IncomingMessage, token: string): boolean {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ') && tokensEqual(auth.slice(7).trim(), token)) return true;
  const c = cookie(req, TOKEN_COOKIE);
  return c !== undefined && tokensEqual(c, token);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) tooLarge = true;
      else chunks.push(c);
    });
    req.on('end', () =>
      tooLarge ? reject(new DepotError('invalid_input', `request body too large: at most ${MAX_BODY / 1024} kB`)) : resolve(Buffer.concat(chunks).toString('utf8')),
    );
    req.on('error', reject);
  });
}

/** index.html with HQ's role mark; every other file as it is. */
function serveStatic(root: string | null, pathname: string, res: http.ServerResponse): void {
  serveRendererFile(root, pathname, res, {
    notBuilt: 'DepotDesk HQ is running. Build the renderer (npm run build) to get the HQ screens here.\n',
    indexHtml: (html) => html.replace(/<head>/i, `<head>\n    ${HQ_ROLE_META}`),
  });
}

async function handleRpc(pool: Pool, log: Logger, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const origin = req.headers.origin;
  if (origin && origin !== `http://${req.headers.host}`) {
    send(res, 403, { ok: false, error: { code: 'forbidden', message: `cross-origin request from ${origin} refused` } });
    return;
  }
  let body: { method?: unknown; params?: unknown };
  try {
    body = (JSON.parse(await readBody(req)) ?? {}) as typeof body;
  } catch (e) {
    send(res, 400, { ok: false, error: { code: 'invalid_input', message: `request body must be JSON {"method": "...", "params": {...}}: ${(e as Error).message}` } });
    return;
  }
  try {
    send(res, 200, await callHq(pool, body.method, body.params));
  } catch (e) {
    if (isDepotError(e)) return send(res, 200, { ok: false, error: e.toShape() });
    log.error({ err: (e as Error).message, method: body.method }, 'HQ read failed');
    send(res, 200, { ok: false, error: { code: 'unavailable', message: `HQ could not read PostgreSQL: ${(e as Error).message}` } });
  }
}

export async function startHqHttp(opts: HqHttpOptions): Promise<HqHttp> {
  const host = opts.host ?? '127.0.0.1';
  if (!opts.allowLan && !isLoopback(host))
    throw new DepotError('config_invalid', `${host} is not loopback; add --allow-lan to serve HQ's screens on the network`, { field: '--host' });
  const token = opts.token ?? crypto.randomBytes(32).toString('base64url');
  const root = opts.staticDir === undefined ? hqRendererDir() : opts.staticDir;
  const staticRoot = root ? path.resolve(root) : null;
  const log = opts.logger.child({ domain: 'hq.http' });

  const route = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const hostName = (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    if (!opts.allowLan && !isLoopback(hostName)) return send(res, 403, { ok: false, error: { code: 'forbidden', message: 'unexpected Host header' } });
    const url = new URL(req.url ?? '/', 'http://localhost');
    const queryToken = url.searchParams.get('token');
    if (req.method === 'GET' && queryToken !== null) {
      if (!tokensEqual(queryToken, token)) return send(res, 401, { ok: false, error: { code: 'unauthenticated', message: 'wrong HQ token' } });
      res.writeHead(302, { 'set-cookie': `${TOKEN_COOKIE}=${queryToken}; HttpOnly; SameSite=Strict; Path=/`, location: url.pathname });
      res.end();
      return;
    }
    if (url.pathname === '/rpc') {
      if (!hasToken(req, token)) {
        return send(res, 401, { ok: false, error: { code: 'unauthenticated', message: 'missing or wrong HQ token: open the URL printed by `depotdesk hq serve`' } });
      }
      if (req.method !== 'POST') return send(res, 405, { ok: false, error: { code: 'invalid_input', message: `${req.method} not allowed on /rpc` } });
      return handleRpc(opts.pool, log, req, res);
    }
    if (url.pathname === '/healthz') return send(res, 200, { ok: true, data: { role: 'hq' } });
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { ok: false, error: { code: 'invalid_input', message: `${req.method} not allowed` } });
    serveStatic(staticRoot, url.pathname, res);
  };

  const server = http.createServer((req, res) => {
    route(req, res).catch((e: unknown) => {
      log.error({ err: (e as Error).message, url: req.url }, 'HQ http request failed');
      if (!res.headersSent) send(res, 500, { ok: false, error: { code: 'internal', message: 'request failed (logged)' } });
      else res.end();
    });
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? HQ_DEFAULT_HTTP_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
  return {
    url,
    loginUrl: `${url}?token=${token}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
