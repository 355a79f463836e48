import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeClock } from '../src-main/kernel/clock';
import { openCore } from '../src-main/boot/core';
import { silentLogger } from '../src-main/kernel/logger';
import { startHttpServer } from '../src-main/contract/http';
import { dispatch } from '../src-main/contract/dispatch';
import type { Caller } from '../src-main/kernel/method';
import { depot } from '../src-main/modules';
import { perSecond, ratio, timeAsync, type Benchmark } from './harness';

/**
 * What the typed contract costs: dispatch (validation + roles + output check) against calling the
 * handler directly, and a /rpc round trip against a bare node:http server on the same loopback.
 */
const bench: Benchmark = async ({ quick, dir }) => {
  const n = quick ? 2_000 : 20_000;
  const app = openCore({ dataDir: dir, mode: 'test', clock: new FakeClock(), log: silentLogger() });
  const caller: Caller = { operator: null, transport: 'test', session: { signIn: () => ({ token: '' }), signOut: () => {} } };
  const handler = depot.methods['auth.me'].handler;

  const direct = await timeAsync(async () => {
    for (let i = 0; i < n; i += 1) await handler({ app, caller }, {});
  });
  const viaDispatch = await timeAsync(async () => {
    for (let i = 0; i < n; i += 1) await dispatch(app, caller, 'auth.me', {});
  });

  const raw = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true,"data":{}}');
  });
  await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
  const rawUrl = `http://127.0.0.1:${(raw.address() as AddressInfo).port}/rpc`;
  const server = await startHttpServer(app, { host: '127.0.0.1', port: 0, token: 'x'.repeat(43), staticDir: null });
  const body = JSON.stringify({ method: 'auth.me', params: {} });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${'x'.repeat(43)}` };
  const m = quick ? 300 : 3_000;
  const rawHttp = await timeAsync(async () => {
    for (let i = 0; i < m; i += 1) await (await fetch(rawUrl, { method: 'POST', headers, body })).text();
  });
  const rpc = await timeAsync(async () => {
    for (let i = 0; i < m; i += 1) await (await fetch(new URL('/rpc', server.url), { method: 'POST', headers, body })).text();
  });
  await server.close();
  await new Promise<void>((r) => raw.close(() => r()));
  app.close();

  return {
    name: 'contract',
    figures: {
      direct_handler_calls_per_s: perSecond(n, direct.ms),
      dispatch_calls_per_s: perSecond(n, viaDispatch.ms),
      raw_http_round_trips_per_s: perSecond(m, rawHttp.ms),
      rpc_round_trips_per_s: perSecond(m, rpc.ms),
    },
    ratios: {
      dispatch_vs_direct: ratio(direct.ms / viaDispatch.ms, { atLeast: 0.2 }),
      rpc_vs_raw_http: ratio(rawHttp.ms / rpc.ms, { atLeast: 0.7 }),
    },
    notes: ['auth.me is a query: no audit row is written; commands add one SQLite insert each'],
  };
};
export default bench;
