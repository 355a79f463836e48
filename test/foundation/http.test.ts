import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { startBrowserMode } from '../../src-main/boot/serve';
import { readInstanceToken } from '../../src-main/kernel/token';
import { createFirstAdmin, createOperator } from '../../src-main/operators';
import { tempDir } from '../helpers';
import { wechatBytes, wechatPayment } from '../reconciliation/fixtures';

async function serve() {
  const dir = tempDir();
  const mode = await startBrowserMode({ dataDir: dir, overrides: ['http.port=0', 'logLevel="silent"'], staticDir: null });
  const token = readInstanceToken(mode.app.paths.tokenFile);
  const rpc = async (body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(new URL('/rpc', mode.http.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    // any: each test reads the reply's fields it expects, and expect() judges them.
    return { status: res.status, body: (await res.json()) as Record<string, any>, headers: res.headers };
  };
  return { mode, token, rpc, dir };
}

describe('browser mode over HTTP', () => {
  it('/rpc without the instance token is 401, and so is a wrong one', async () => {
    const { mode } = await serve();
    try {
      const res = await fetch(new URL('/rpc', mode.http.url), { method: 'POST', body: '{"method":"auth.me"}' });
      expect(res.status).toBe(401);
      const wrong = await fetch(new URL('/rpc', mode.http.url), {
        method: 'POST',
        headers: { authorization: 'Bearer nope' },
        body: '{"method":"auth.me"}',
      });
      expect(wrong.status).toBe(401);
      expect((await fetch(new URL('/events', mode.http.url))).status).toBe(401);
    } finally {
      await mode.stop();
    }
  });

  it('keeps an idle connection for 65 s, as browsers expect, and says so; stopping does not wait for it', async () => {
    const { mode, token } = await serve();
    const agent = new http.Agent({ keepAlive: true });
    try {
      const headers = await new Promise<http.IncomingHttpHeaders>((resolve, reject) => {
        const req = http.request(new URL('/rpc', mode.http.url), { method: 'POST', agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.headers));
        });
        req.on('error', reject);
        req.end('{"method":"auth.me"}');
      });
      expect(headers['keep-alive']).toBe('timeout=65');
    } finally {
      const started = Date.now();
      await mode.stop(); // the idle kept-alive connection is closed, not waited for
      expect(Date.now() - started).toBeLessThan(60_000);
      agent.destroy();
    }
  });

  it('the token file is private to this user', async () => {
    const { mode } = await serve();
    try {
      const fs = await import('node:fs');
      expect(fs.statSync(mode.app.paths.tokenFile).mode & 0o777).toBe(0o600);
    } finally {
      await mode.stop();
    }
  });

  it('with the token: invalid input names the field, a missing role is forbidden, a body that is not JSON is explained', async () => {
    const { mode, rpc } = await serve();
    try {
      await createFirstAdmin(mode.app, { name: 'root', password: 'root-password' });
      await createOperator(mode.app, { name: 'zhang', role: 'operator', password: 'zhang-password' });
      const bad = await rpc({ method: 'auth.login', params: { name: '', password: 7 } });
      expect(bad.body).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
      expect(bad.body.error.details.issues.map((i: { field: string }) => i.field).sort()).toEqual(['name', 'password']);

      const login = await rpc({ method: 'auth.login', params: { name: 'zhang', password: 'zhang-password' } });
      expect(login.body.ok).toBe(true);
      const session = login.body.data.token as string;
      const forbidden = await rpc({ method: 'operators.create', params: { name: 'x1', role: 'admin', password: 'abcdefgh' } }, { 'x-depot-session': session });
      expect(forbidden.body).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      const unknown = await rpc({ method: 'no.such' });
      expect(unknown.body).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
      const garbage = await rpc('{"method": ');
      expect(garbage.status).toBe(400);
      expect(garbage.body.error.code).toBe('invalid_input');
    } finally {
      await mode.stop();
    }
  });

  it('the login URL trades the token for an HttpOnly cookie that then authorises /rpc', async () => {
    const { mode, token } = await serve();
    try {
      const res = await fetch(mode.http.loginUrl, { redirect: 'manual' });
      expect(res.status).toBe(302);
      const cookie = res.headers.get('set-cookie')!;
      expect(cookie).toMatch(/depotdesk_token=.*HttpOnly; SameSite=Strict/);
      expect(res.headers.get('location')).toBe('/');
      const me = await fetch(new URL('/rpc', mode.http.url), {
        method: 'POST',
        headers: { cookie: cookie.split(';')[0], 'content-type': 'application/json' },
        body: JSON.stringify({ method: 'auth.me', params: {} }),
      });
      expect(await me.json()).toEqual({ ok: true, data: { operator: null, setupRequired: true } });
      const wrong = await fetch(`${mode.http.url}?token=${token.slice(1)}x`, { redirect: 'manual' });
      expect(wrong.status).toBe(401);
    } finally {
      await mode.stop();
    }
  });

  it('a cross-site page cannot post to /rpc, and a foreign Host name is refused', async () => {
    const { mode, rpc } = await serve();
    try {
      const cross = await rpc({ method: 'auth.me' }, { origin: 'http://evil.example' });
      expect(cross.status).toBe(403);
      const port = new URL(mode.http.url).port;
      const statusFor = (host: string, p = '/healthz') =>
        new Promise<number>((resolve, reject) => {
          const req = http.request({ host: '127.0.0.1', port, path: p, headers: { host } }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          });
          req.on('error', reject);
          req.end();
        });
      expect(await statusFor(`attacker.example:${port}`)).toBe(403);
      // A name that only starts like a loopback address is a foreign name (issue 19).
      expect(await statusFor(`127.attacker.example:${port}`)).toBe(403);
      expect(await statusFor(`127.0.0.1.nip.io:${port}`)).toBe(403);
      expect(await statusFor(`127.0.0.2:${port}`)).toBe(200);
      expect(await statusFor(`localhost:${port}`)).toBe(200);
      // A path that is not valid percent-encoding is the client's mistake, not a 500.
      expect(await statusFor(`127.0.0.1:${port}`, '/%E0%A4%A')).toBe(400);
    } finally {
      await mode.stop();
    }
  });

  it('a request body is at most 1 MB, except a statement upload: a 2 MB recon.import is imported, 2 MB to another method is refused', async () => {
    const { mode, rpc } = await serve();
    try {
      await createFirstAdmin(mode.app, { name: 'root', password: 'root-password' });
      const login = await rpc({ method: 'auth.login', params: { name: 'root', password: 'root-password' } });
      const as = { 'x-depot-session': login.body.data.token as string };
      // A WeChat bill of 7,000 payments: about 1.7 MB of CSV, 2.3 MB as base64 in the request.
      const rows = Array.from({ length: 7000 }, (_, i) =>
        wechatPayment({
          微信订单号: `42000012342024030${String(i).padStart(11, '0')}`,
          商户订单号: `DD2024030${String(i).padStart(7, '0')}`,
          应结订单金额: '10.00',
          订单金额: '10.00',
        }),
      );
      const base64 = wechatBytes({ kind: 'all', rows }).toString('base64');
      const upload = { method: 'recon.import', params: { fileName: 'big-wechat-ALL.csv', base64, run: false } };
      expect(JSON.stringify(upload).length).toBeGreaterThan(2 * 1024 * 1024);
      const imported = await rpc(upload, as);
      expect(imported.status).toBe(200);
      expect(imported.body).toMatchObject({ ok: true, data: { imported: true, statement: { rowCount: 7000, paymentTotal: { yuan: '70000.00' } } } });

      const padding = 'x'.repeat(2 * 1024 * 1024);
      const other = await rpc({ method: 'auth.login', params: { name: 'root', password: padding } }, as);
      expect(other.status).toBe(413);
      expect(other.body).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
      expect(other.body.error.message).toMatch(/at most 1 MB/);
      // Naming recon.import first and another method last (JSON keeps the last) gains nothing.
      const disguised = await rpc(`{"method":"recon.import","params":{"pad":"${padding}"},"method":"auth.me"}`, as);
      expect(disguised.status).toBe(413);
      expect(disguised.body.error.message).toMatch(/only recon.import/);
      // The connection is still usable, and a small call works as before.
      expect((await rpc({ method: 'auth.me' }, as)).body.ok).toBe(true);
    } finally {
      await mode.stop();
    }
  });

  it('push events arrive over server-sent events', async () => {
    const { mode, token } = await serve();
    try {
      const res = await fetch(new URL('/events', mode.http.url), { headers: { authorization: `Bearer ${token}` } });
      expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
      const reader = res.body!.getReader();
      mode.app.events.emit('alert', { level: 'warning', code: 'test', message: 'hello operators', notify: ['operator'], sound: false });
      let text = '';
      while (!text.includes('hello operators')) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      expect(text).toMatch(/event: depot\ndata: .*"type":"alert".*hello operators/);
      await reader.cancel();
    } finally {
      await mode.stop();
    }
  });
});
