import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONTENT_SECURITY_POLICY } from './csp';

/**
 * The built renderer's files, served the same way by the depot's HTTP door (contract/http.ts) and
 * headquarters' (hq/http.ts). Node built-ins and the CSP only: headquarters imports this without
 * the depot's core.
 *
 * Guarantees:
 * - Nothing outside the renderer's folder is ever read: a path is resolved below the folder and a
 *   file that is not inside it (`..`, an encoded slash) gets index.html, as any unknown path does
 *   (the renderer routes in the page).
 * - Every answer carries the CSP and `nosniff`; index.html is never cached, the hashed assets are
 *   for an hour.
 * - A path that is not valid percent-encoding is a 400 naming it; a file gone between the check and
 *   the read (the renderer being rebuilt) ends that answer, not the server.
 */

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

/** Where the built renderer is: DEPOTDESK_RENDERER_DIR, else out/renderer (or renderer/ beside a bundle) in a folder above this file. */
export function builtRendererDir(): string | null {
  if (process.env.DEPOTDESK_RENDERER_DIR) return process.env.DEPOTDESK_RENDERER_DIR;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i += 1) {
    const candidate = path.join(dir, 'out', 'renderer');
    if (fs.existsSync(path.join(candidate, 'index.html'))) return candidate;
    if (fs.existsSync(path.join(dir, 'renderer', 'index.html'))) return path.join(dir, 'renderer');
    dir = path.dirname(dir);
  }
  return null;
}

export interface StaticOptions {
  /** What a server without a built renderer answers instead (text). */
  notBuilt: string;
  /** index.html as the page gets it (headquarters marks its role in the head). */
  indexHtml?: (html: string) => string;
}

/** Answers GET `pathname` from the renderer's folder `root` (null: not built). */
export function serveRendererFile(root: string | null, pathname: string, res: http.ServerResponse, opts: StaticOptions): void {
  let rel: string;
  try {
    rel = decodeURIComponent(pathname);
  } catch {
    res.writeHead(400, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ ok: false, error: { code: 'invalid_input', message: `the path ${pathname} is not valid percent-encoding` } }));
    return;
  }
  if (!root) {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(opts.notBuilt);
    return;
  }
  if (rel.endsWith('/')) rel += 'index.html';
  const index = path.join(root, 'index.html');
  const file = path.resolve(root, '.' + rel);
  const inside = file.startsWith(root + path.sep);
  const target = inside && fs.existsSync(file) && fs.statSync(file).isFile() ? file : index;
  const ext = path.extname(target);
  res.writeHead(200, {
    'content-type': MIME[ext] ?? 'application/octet-stream',
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'cache-control': ext === '.html' ? 'no-store' : 'public, max-age=3600',
  });
  if (target === index && opts.indexHtml) {
    res.end(opts.indexHtml(fs.readFileSync(target, 'utf8')));
    return;
  }
  fs.createReadStream(target)
    .on('error', () => res.destroy())
    .pipe(res);
}
