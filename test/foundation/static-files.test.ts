import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../src-main/contract/csp';
import { serveRendererFile, type StaticOptions } from '../../src-main/contract/static-files';
import { tempDir } from '../helpers';

/**
 * src-main/contract/static-files.ts, which both HTTP doors (the depot's and headquarters') serve the
 * renderer through: nothing outside the renderer's folder is ever read, every answer carries the
 * CSP, a bad path is the client's 400.
 */

let server: http.Server | null = null;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = null;
});

async function serve(root: string | null, opts: StaticOptions = { notBuilt: 'not built\n' }): Promise<string> {
  server = http.createServer((req, res) => serveRendererFile(root, new URL(req.url!, 'http://x').pathname, res, opts));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

/** A raw GET, so the path reaches the server as written (fetch would normalise the dots away). */
function get(base: string, rawPath: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/`, { path: rawPath }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function renderer(): string {
  const dir = tempDir('static-files');
  const root = path.join(dir, 'renderer');
  fs.mkdirSync(path.join(root, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(root, 'index.html'), '<html><head></head><body>app</body></html>');
  fs.writeFileSync(path.join(root, 'assets', 'app.js'), 'console.log(1)');
  // A secret beside the renderer's folder: never to be served.
  fs.writeFileSync(path.join(dir, 'secret.txt'), 'the instance token');
  return root;
}

describe('the renderer files', () => {
  it('serves files inside the folder with the CSP; anything outside, however spelled, gets index.html', async () => {
    const base = await serve(renderer());
    const js = await get(base, '/assets/app.js');
    expect(js).toMatchObject({ status: 200, body: 'console.log(1)' });
    expect(js.headers).toMatchObject({
      'content-type': 'text/javascript; charset=utf-8',
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
    });
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/sessions/123']) {
      const r = await get(base, p);
      expect(r.body, p).toBe('<html><head></head><body>app</body></html>');
      expect(r.headers['cache-control'], p).toBe('no-store');
    }
  });

  it('a path that is not percent-encoding is a 400 naming it; no renderer built answers in words', async () => {
    const base = await serve(renderer());
    const bad = await get(base, '/%E0%A4%A');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ ok: false, error: { code: 'invalid_input', message: expect.stringContaining('%E0%A4%A') } });
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    const none = await serve(null, { notBuilt: 'DepotDesk API is running.\n' });
    expect(await get(none, '/')).toMatchObject({ status: 200, body: 'DepotDesk API is running.\n' });
  });

  it('index.html can be marked for the page (headquarters marks its role); other files go as they are', async () => {
    const base = await serve(renderer(), { notBuilt: '', indexHtml: (html) => html.replace('<head>', '<head><meta name="x" />') });
    expect((await get(base, '/')).body).toBe('<html><head><meta name="x" /></head><body>app</body></html>');
    expect((await get(base, '/assets/app.js')).body).toBe('console.log(1)');
  });
});
