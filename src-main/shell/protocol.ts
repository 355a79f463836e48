import fs from 'node:fs';
import path from 'node:path';
import { APP_HOST, APP_SCHEME } from './security';

/**
 * Maps an app://depotdesk/... request to a file of the built renderer (out/renderer).
 *
 * Why a custom scheme rather than file://: a file:// page shares its origin with every file on
 * the disk, so one injected fetch could read the depot's database or backups. app://depotdesk is
 * an origin of its own that can reach exactly the files under the renderer folder, and the IPC
 * adapter can tell our frames apart by it.
 *
 * Guarantee: the answer is a file inside `rootDir` (after symlinks), or null. No spelling of the
 * request — `..`, `%2e%2e`, encoded or raw backslashes, absolute or drive-letter paths, NUL
 * bytes — escapes the folder.
 */

export interface FileProbe {
  isFile(file: string): boolean;
  realpath(file: string): string;
}

const nodeProbe: FileProbe = {
  isFile: (file) => {
    try {
      return fs.statSync(file).isFile();
    } catch {
      return false;
    }
  },
  realpath: (file) => fs.realpathSync(file),
};

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

export function mimeFor(file: string): string {
  return MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

export interface AppFile {
  file: string;
  mime: string;
}

function inside(root: string, file: string): boolean {
  const rel = path.relative(root, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** Path segments of the request, decoded, or null when any of them tries to leave the folder. */
function safeSegments(pathname: string): string[] | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null; // malformed escapes
  }
  // Backslashes are separators on Windows; NUL truncates paths in native code; a colon makes a
  // drive letter (C:) or an alternate data stream (index.html::$DATA).
  if (/[\\\0:]/.test(decoded)) return null;
  const segments = decoded.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '.' || s === '..')) return null;
  return segments;
}

export function resolveAppRequest(rootDir: string, requestUrl: string, probe: FileProbe = nodeProbe): AppFile | null {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return null;
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.hostname !== APP_HOST || url.port !== '' || url.username !== '' || url.password !== '') {
    return null;
  }
  const segments = safeSegments(url.pathname);
  if (!segments) return null;

  const root = path.resolve(rootDir);
  const index = path.join(root, 'index.html');
  const wanted = segments.length === 0 ? index : path.join(root, ...segments);
  if (!inside(root, wanted)) return null;

  let target: string | null = null;
  if (probe.isFile(wanted)) target = wanted;
  // Client-side routes (app://depotdesk/sessions/42) have no file; the app shell answers them.
  // A missing asset (a name with an extension) is a plain 404, so a typo is not masked as HTML.
  else if (!path.extname(wanted) && probe.isFile(index)) target = index;
  if (!target) return null;

  // A symlink inside the folder must not lead out of it.
  let real: string;
  let realRoot: string;
  try {
    real = probe.realpath(target);
    realRoot = probe.realpath(root);
  } catch {
    return null;
  }
  if (!inside(realRoot, real)) return null;
  return { file: real, mime: mimeFor(real) };
}
