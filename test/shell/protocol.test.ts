import fs from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { mimeFor, resolveAppRequest } from '../../src-main/shell/protocol';
import { tempDir } from '../helpers';

/**
 * A built renderer in a temp folder, with secrets beside it that no app:// request may reach:
 * the depot database next to the renderer, a sibling folder whose name starts like the root's,
 * and a symlink inside the root that points out of it.
 */
let base: string;
let root: string;

beforeEach(() => {
  base = tempDir('depotdesk-protocol-');
  root = path.join(base, 'renderer');
  fs.mkdirSync(path.join(root, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><div id="root"></div>');
  fs.writeFileSync(path.join(root, 'assets', 'index-abc.js'), 'console.log(1)');
  fs.writeFileSync(path.join(root, 'assets', 'app.css'), 'body{}');
  fs.writeFileSync(path.join(root, 'assets', 'logo image.svg'), '<svg/>');
  fs.writeFileSync(path.join(base, 'depotdesk.sqlite'), 'SQLite format 3');
  fs.mkdirSync(path.join(base, 'renderer-secrets'));
  fs.writeFileSync(path.join(base, 'renderer-secrets', 'token'), 'secret');
  fs.symlinkSync(path.join(base, 'depotdesk.sqlite'), path.join(root, 'assets', 'db.js'));
  fs.symlinkSync(base, path.join(root, 'up'));
});

const rel = (file: string | undefined) => (file ? path.relative(root, file) : null);

describe('app://depotdesk serves the built renderer', () => {
  it.each([
    ['app://depotdesk/', 'index.html', 'text/html; charset=utf-8'],
    ['app://depotdesk/index.html', 'index.html', 'text/html; charset=utf-8'],
    ['app://depotdesk/assets/index-abc.js', path.join('assets', 'index-abc.js'), 'text/javascript; charset=utf-8'],
    ['app://depotdesk/assets/app.css?v=3#x', path.join('assets', 'app.css'), 'text/css; charset=utf-8'],
    ['app://depotdesk/assets/logo%20image.svg', path.join('assets', 'logo image.svg'), 'image/svg+xml'],
    ['app://depotdesk//assets//index-abc.js', path.join('assets', 'index-abc.js'), 'text/javascript; charset=utf-8'],
  ])('%s → %s', (url, file, mime) => {
    const found = resolveAppRequest(root, url);
    expect(rel(found?.file)).toBe(file);
    expect(found?.mime).toBe(mime);
  });

  it('answers client-side routes with the app shell', () => {
    expect(rel(resolveAppRequest(root, 'app://depotdesk/sessions/42')?.file)).toBe('index.html');
    expect(rel(resolveAppRequest(root, 'app://depotdesk/settings')?.file)).toBe('index.html');
  });

  it('answers a missing asset with nothing (a 404), not the app shell', () => {
    expect(resolveAppRequest(root, 'app://depotdesk/assets/missing.js')).toBeNull();
  });
});

describe('no request escapes the renderer folder', () => {
  it.each([
    ['dot-dot', 'app://depotdesk/../depotdesk.sqlite'],
    ['dot-dot deeper', 'app://depotdesk/assets/../../depotdesk.sqlite'],
    ['encoded dot-dot', 'app://depotdesk/%2e%2e/depotdesk.sqlite'],
    ['mixed-case encoded dot-dot', 'app://depotdesk/%2E%2e/depotdesk.sqlite'],
    ['half-encoded dot-dot', 'app://depotdesk/.%2e/depotdesk.sqlite'],
    ['encoded slash', 'app://depotdesk/..%2fdepotdesk.sqlite'],
    ['encoded dot-dot-slash', 'app://depotdesk/%2e%2e%2fdepotdesk.sqlite'],
    ['double-encoded dot-dot', 'app://depotdesk/%252e%252e/depotdesk.sqlite'],
    ['raw backslash', 'app://depotdesk/..\\depotdesk.sqlite'],
    ['encoded backslash', 'app://depotdesk/..%5cdepotdesk.sqlite'],
    ['encoded backslash, absolute', 'app://depotdesk/%5c%5cserver%5cshare'],
    ['absolute path after the host', 'app://depotdesk//etc/passwd'],
    ['encoded absolute path', 'app://depotdesk/%2fetc%2fpasswd'],
    ['a drive letter', 'app://depotdesk/C:/Windows/win.ini'],
    ['an encoded drive letter', 'app://depotdesk/C%3a%5cWindows%5cwin.ini'],
    ['a NUL byte', 'app://depotdesk/index.html%00.js'],
    ['malformed escapes', 'app://depotdesk/%E0%A4%A'],
    ['the sibling folder that starts like the root', 'app://depotdesk/../renderer-secrets/token'],
    ['a symlinked file that points out', 'app://depotdesk/assets/db.js'],
    ['a symlinked folder that points out', 'app://depotdesk/up/depotdesk.sqlite'],
  ])('%s: %s', (_name, url) => {
    // The URL parser folds some spellings back to the root (`/../x` is `/x`); those get a 404 or
    // the app shell. Nothing else may come back.
    expect([null, 'index.html']).toContain(rel(resolveAppRequest(root, url)?.file));
  });

  it('never serves the database, whatever the spelling', () => {
    const spellings = ['..', '%2e%2e', '.%2e', '%2e.', '..%2f..', '..\\', '%2e%2e%5c'];
    for (const s of spellings) {
      for (const prefix of ['', 'assets/', 'assets/x/']) {
        const found = resolveAppRequest(root, `app://depotdesk/${prefix}${s}/depotdesk.sqlite`);
        expect(found === null || !found.file.endsWith('depotdesk.sqlite')).toBe(true);
      }
    }
  });

  it.each([
    ['another host', 'app://other/index.html'],
    ['a look-alike host', 'app://depotdesk.evil/index.html'],
    ['a port', 'app://depotdesk:1/index.html'],
    ['credentials', 'app://u:p@depotdesk/index.html'],
    ['another scheme', 'file:///etc/passwd'],
    ['an http URL', 'http://depotdesk/index.html'],
    ['not a URL', 'index.html'],
  ])('refuses %s', (_name, url) => {
    expect(resolveAppRequest(root, url)).toBeNull();
  });
});

describe('content types', () => {
  it.each([
    ['a.html', 'text/html; charset=utf-8'],
    ['a.JS', 'text/javascript; charset=utf-8'],
    ['a.woff2', 'font/woff2'],
    ['a.png', 'image/png'],
    ['a.unknown', 'application/octet-stream'],
    ['noext', 'application/octet-stream'],
  ])('%s is %s', (file, mime) => {
    expect(mimeFor(file)).toBe(mime);
  });
});
