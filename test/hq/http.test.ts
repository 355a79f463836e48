import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { ingestBatch, migrateHq } from '../../src-main/hq';
import { startHqHttp, HQ_ROLE_META } from '../../src-main/hq/http';
import { createLogger } from '../../src-main/kernel/logger';
import { afterTest } from '../after-test';
import { cli } from '../helpers';
import { postgresForFile, skipWithoutPostgres } from '../postgres';
import { batch, chain } from './journal-rows';
import { threeDepots } from './hq-fixture';

/** HQ's HTTP door (src-main/hq/http.ts): the token, the guards, the role mark on the page and the read methods. */
const missing = skipWithoutPostgres('test/hq/http.test.ts');
const postgres = postgresForFile();
const TOKEN = 'hq-test-token-0123456789abcdef0123456789';

function request(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', headers: { 'content-type': 'application/json', ...opts.headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(JSON.stringify(opts.body));
    req.end();
  });
}

async function door() {
  const { pool } = await postgres.freshDatabase();
  await migrateHq(pool);
  for (const d of threeDepots()) await ingestBatch(pool, batch(d.depot, chain(d.depot, d.facts), undefined, d.name));
  const staticDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hq-http-'));
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><html><head><title>x</title></head><body></body></html>');
  fs.writeFileSync(path.join(staticDir, 'app.js'), 'console.log(1)');
  const server = await startHqHttp({ pool, logger: createLogger({ level: 'silent' }), port: 0, staticDir, token: TOKEN });
  afterTest(async () => {
    await server.close();
    fs.rmSync(staticDir, { recursive: true, force: true });
  });
  const rpc = (method: string, params: unknown = {}, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) =>
    request(new URL('/rpc', server.url).toString(), { method: 'POST', headers, body: { method, params } });
  return { server, rpc };
}

describe("hq serve: the screens' options", () => {
  test('a wrong --http-port, or a --host off loopback without --allow-lan, exits 2 naming the option', () => {
    const base = ['hq', 'serve', '--pg', 'postgres://127.0.0.1:1/hq', '--broker', 'mqtt://127.0.0.1:1'];
    const badPort = cli([...base, '--http-port', 'lots']);
    expect([badPort.code, badPort.stderr]).toEqual([2, expect.stringContaining('--http-port must be a port from 0 to 65535 or off, got "lots"')]);
    const lan = cli([...base, '--host', '0.0.0.0']);
    expect([lan.code, lan.stderr]).toEqual([2, expect.stringContaining('--host 0.0.0.0 is not loopback; add --allow-lan')]);
  });
});

describe.skipIf(missing)('HQ http door', { timeout: 60_000 }, () => {
  test('the token URL sets the cookie; the page carries the HQ role mark; /rpc needs the token', async () => {
    const { server, rpc } = await door();
    expect(server.loginUrl).toBe(`${server.url}?token=${TOKEN}`);
    const login = await request(server.loginUrl);
    expect(login.status).toBe(302);
    const setCookie = String(login.headers['set-cookie']);
    expect(setCookie).toContain(`depotdesk_hq_token=${TOKEN}; HttpOnly; SameSite=Strict`);
    expect((await request(new URL('/?token=wrong', server.url).toString())).status).toBe(401);
    const page = await request(server.url);
    expect(page.text).toContain(HQ_ROLE_META);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect((await request(new URL('/app.js', server.url).toString())).text).toBe('console.log(1)');
    expect((await rpc('hq.depots', {}, {})).status).toBe(401);
    const byCookie = await rpc('hq.whoami', {}, { cookie: `depotdesk_hq_token=${TOKEN}` });
    expect(JSON.parse(byCookie.text)).toEqual({ ok: true, data: { role: 'hq' } });
  });

  test('the read methods answer, check their input, and nothing else is callable', async () => {
    const { rpc } = await door();
    const depots = JSON.parse((await rpc('hq.depots')).text) as { ok: boolean; data: { totals: { depots: number } } };
    expect(depots.data.totals.depots).toBe(3);
    const revenue = JSON.parse((await rpc('hq.revenue', { from: '2026-01-15', to: '2026-01-16' })).text) as { data: { totals: { totalFen: number } } };
    expect(revenue.data.totals.totalFen).toBe(12_550);
    const bad = JSON.parse((await rpc('hq.revenue', { from: '2026-01-17', to: '2026-01-16' })).text) as { ok: boolean; error: { code: string; message: string } };
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_input', message: expect.stringContaining('from must not be after to') } });
    const badPhone = JSON.parse((await rpc('hq.driver', { phone: "1' OR 1=1" })).text) as { error: { code: string } };
    expect(badPhone.error.code).toBe('invalid_input');
    const extra = JSON.parse((await rpc('hq.liabilities', { depot: 'x' })).text) as { error: { code: string } };
    expect(extra.error.code).toBe('invalid_input');
    const write = JSON.parse((await rpc('ledger.topup', { amount: 1 })).text) as { error: { code: string } };
    expect(write.error.code).toBe('unknown_method');
    const recon = JSON.parse((await rpc('hq.reconciliation', { from: '2026-01-01', to: '2026-01-31', channel: 'wechat' })).text) as { data: { rows: unknown[] } };
    expect(recon.data.rows).toHaveLength(1);
  });

  test('another Origin and a foreign Host are refused', async () => {
    const { server, rpc } = await door();
    expect((await rpc('hq.depots', {}, { authorization: `Bearer ${TOKEN}`, origin: 'http://evil.example' })).status).toBe(403);
    expect((await request(server.url, { headers: { host: 'evil.example' } })).status).toBe(403);
  });
});
