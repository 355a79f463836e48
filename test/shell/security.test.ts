import { describe, expect, it } from 'vitest';
import {
  CONTENT_SECURITY_POLICY,
  appResponseHeaders,
  externalUrlToOpen,
  isAppUrl,
  isTrustedExternalUrl,
  permissionDecision,
  shouldAllowNavigation,
} from '../../src-main/shell/security';
import { devServerUrl, electronDataDir, mainWindowOptions, startUrl, alertNotification } from '../../src-main/shell/window';
import { isTrustedSender } from '../../src-main/contract/ipc';

describe('links the operator clicks open in the system browser only when they are ordinary public web pages', () => {
  it.each(['https://www.95598.cn/', 'https://docs.depotdesk.example/tariffs#peak', 'http://example.com/path?q=1', 'https://example.com:8443/'])('opens %s', (url) => {
    expect(isTrustedExternalUrl(url)).toBe(true);
  });

  it.each([
    ['javascript:', 'javascript:alert(1)'],
    ['javascript: with case and spaces', ' JaVaScRiPt:alert(1)'],
    ['file:', 'file:///C:/Windows/System32/calc.exe'],
    ['file: UNC', 'file://attacker/share/payload.exe'],
    ['data:', 'data:text/html,<script>alert(1)</script>'],
    ['blob:', 'blob:https://example.com/uuid'],
    ['our own app:// origin', 'app://depotdesk/index.html'],
    ['app:// with another host', 'app://other/index.html'],
    ['a custom protocol handler', 'ms-settings:privacy'],
    ['smb:', 'smb://10.0.0.1/share'],
    ['mailto: (not a web page)', 'mailto:someone@example.com'],
    ['vbscript:', 'vbscript:msgbox(1)'],
    ['localhost', 'http://localhost:4820/rpc'],
    ['localhost with a trailing dot', 'http://localhost./'],
    ['a subdomain of localhost', 'http://evil.localhost/'],
    ['127.0.0.1', 'http://127.0.0.1:4820/'],
    ['127.0.0.1 as a decimal number', 'http://2130706433/'],
    ['127.0.0.1 in hex', 'http://0x7f.0.0.1/'],
    ['127.1 shorthand', 'http://127.1/'],
    ['0.0.0.0', 'http://0.0.0.0:4820/'],
    ['IPv6 loopback', 'http://[::1]:4820/'],
    ['IPv4-mapped IPv6 loopback', 'http://[::ffff:127.0.0.1]/'],
    ['IPv6 link-local', 'http://[fe80::1]/'],
    ['IPv6 unique local', 'http://[fd00::1]/'],
    ['a depot LAN router', 'http://192.168.1.1/cgi-bin/reboot'],
    ['a 10/8 charger admin page', 'http://10.20.0.7/'],
    ['a 172.16/12 host', 'http://172.20.1.1/'],
    ['link-local metadata service', 'http://169.254.169.254/latest/meta-data/'],
    ['a single-label intranet name', 'http://intranet/'],
    ['an mDNS .local name', 'http://charger-7.local/'],
    ['credentials that hide the real host', 'https://www.bank.com@evil.example/'],
    ['a user name alone', 'https://user@example.com/'],
    ['a tab smuggled into the scheme', 'java\tscript:alert(1)'],
    ['a newline in the URL', 'https://example.com/\nfoo'],
    ['a NUL byte', 'https://example.com/\u0000'],
    ['a relative URL', '/index.html'],
    ['an empty string', ''],
    ['a URL longer than anyone clicks', `https://example.com/${'a'.repeat(3000)}`],
  ])('refuses %s', (_name, url) => {
    expect(isTrustedExternalUrl(url)).toBe(false);
  });

  it.each([null, undefined, 42, {}, ['https://example.com'], new URL('https://example.com/')])('refuses a non-string %s', (value) => {
    expect(isTrustedExternalUrl(value)).toBe(false);
  });

  it('opens the normalised URL, never the text the page wrote: a Unicode host reaches the browser as punycode', () => {
    expect(externalUrlToOpen('https://аpple.com/')).toBe('https://xn--pple-43d.com/');
    expect(externalUrlToOpen('https://例子.中国/路径')).toBe('https://xn--fsqu00a.xn--fiqs8s/%E8%B7%AF%E5%BE%84');
    // Full-width letters and the ideographic full stop fold to ASCII before the host is judged.
    expect(externalUrlToOpen('https://ｅｘａｍｐｌｅ。com/')).toBe('https://example.com/');
    expect(externalUrlToOpen('http://ｌｏｃａｌｈｏｓｔ/')).toBeNull();
    expect(externalUrlToOpen('http://１２７．０．０．１/')).toBeNull();
  });
});

describe('the window only ever shows our own origin', () => {
  it.each(['app://depotdesk/index.html', 'app://depotdesk/', 'app://depotdesk/index.html#/sessions/42'])('allows navigating to %s', (to) => {
    expect(shouldAllowNavigation('app://depotdesk/index.html', to)).toBe(true);
  });

  it.each([
    'https://evil.example/',
    'http://localhost:5173/',
    'file:///etc/passwd',
    'javascript:alert(1)',
    'data:text/html,hi',
    'about:blank',
    'app://other/index.html',
    'app://depotdesk.evil/index.html',
    'app://depotdesk:1/index.html',
    'app://user:pass@depotdesk/index.html',
    'app:depotdesk/index.html',
    // Chromium lowercases a standard scheme's host before the hook sees it; any other spelling
    // did not come from Chromium and is refused.
    'APP://DEPOTDESK/index.html',
    '',
  ])('prevents navigating to %s', (to) => {
    expect(shouldAllowNavigation('app://depotdesk/index.html', to)).toBe(false);
  });

  it('a window that somehow left our origin may go back, but nowhere else', () => {
    expect(shouldAllowNavigation('https://evil.example/', 'https://evil.example/next')).toBe(false);
    expect(shouldAllowNavigation('https://evil.example/', 'app://depotdesk/index.html')).toBe(true);
  });

  it('allows the dev server origin only while developing, and only its exact origin', () => {
    const dev = 'http://localhost:5173';
    expect(shouldAllowNavigation(`${dev}/`, `${dev}/#/x`, dev)).toBe(true);
    expect(shouldAllowNavigation(`${dev}/`, 'http://localhost:5174/', dev)).toBe(false);
    expect(shouldAllowNavigation(`${dev}/`, 'http://user@localhost:5173/', dev)).toBe(false);
    expect(shouldAllowNavigation(`${dev}/`, `${dev}/`, null)).toBe(false);
  });

  it('agrees with the IPC adapter on which pages are ours', () => {
    for (const url of ['app://depotdesk/index.html', 'app://other/', 'https://evil.example/', 'file:///x', 'app://depotdesk:1/']) {
      expect(isAppUrl(url)).toBe(isTrustedSender(url));
    }
  });
});

describe('the dev server is honoured only in an unpackaged run on loopback', () => {
  it.each([
    [{ ELECTRON_RENDERER_URL: 'http://localhost:5173' }, false, 'http://localhost:5173'],
    [{ ELECTRON_RENDERER_URL: 'http://127.0.0.1:5173/' }, false, 'http://127.0.0.1:5173'],
    [{ ELECTRON_RENDERER_URL: 'http://localhost:5173' }, true, null],
    [{ ELECTRON_RENDERER_URL: 'https://evil.example' }, false, null],
    [{ ELECTRON_RENDERER_URL: 'http://192.168.1.5:5173' }, false, null],
    [{ ELECTRON_RENDERER_URL: 'http://u:p@localhost:5173' }, false, null],
    [{ ELECTRON_RENDERER_URL: 'javascript:alert(1)' }, false, null],
    [{}, false, null],
  ])('%j packaged=%s → %s', (env, packaged, expected) => {
    expect(devServerUrl(env, packaged)).toBe(expected);
  });

  it('starts on app://depotdesk/index.html, or the dev server when there is one', () => {
    expect(startUrl(null)).toBe('app://depotdesk/index.html');
    expect(startUrl('http://localhost:5173')).toBe('http://localhost:5173/');
  });
});

describe('browser permissions', () => {
  it.each([
    'media',
    'geolocation',
    'notifications',
    'clipboard-read',
    'clipboard-sanitized-write',
    'openExternal',
    'hid',
    'serial',
    'usb',
    'midiSysex',
    'fullscreen',
    'unknown',
  ])('are all refused, even for our own page: %s', (permission) => {
    expect(permissionDecision(permission, 'app://depotdesk/index.html')).toBe(false);
    expect(permissionDecision(permission, 'https://evil.example/')).toBe(false);
  });
});

describe('the content security policy on app:// responses', () => {
  const directives = new Map(
    CONTENT_SECURITY_POLICY.split(';').map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name, values] as const;
    }),
  );

  it('lets scripts come only from our own files (no inline script, no eval)', () => {
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-eval');
    expect(directives.get('default-src')).toEqual(["'self'"]);
  });

  it('allows inline styles only (antd writes its styles at run time)', () => {
    expect(directives.get('style-src')).toEqual(["'self'", "'unsafe-inline'"]);
    const unsafe = [...directives].filter(([, v]) => v.includes("'unsafe-inline'")).map(([k]) => k);
    expect(unsafe).toEqual(['style-src']);
  });

  it('forbids plugins, base rewriting, frames and form posts', () => {
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
    expect(directives.get('frame-src')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(directives.get('form-action')).toEqual(["'none'"]);
  });

  it('is sent with every app:// response, with nosniff', () => {
    const h = appResponseHeaders('text/html; charset=utf-8');
    expect(h['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(h['x-content-type-options']).toBe('nosniff');
    expect(h['content-type']).toBe('text/html; charset=utf-8');
  });
});

describe('the window settings', () => {
  const opts = mainWindowOptions({ preloadPath: '/app/out/preload/index.cjs', methodNames: ['auth.me', 'sessions.start'] });

  it('isolate the page from Node and Electron', () => {
    expect(opts.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      preload: '/app/out/preload/index.cjs',
    });
  });

  it('hand the preload the method names on its command line', () => {
    expect(opts.webPreferences.additionalArguments).toEqual(['--depot-methods=auth.me,sessions.start']);
  });

  it('refuse a method name that could smuggle another argument', () => {
    expect(() => mainWindowOptions({ preloadPath: 'p', methodNames: ['auth.me', 'x,--inspect'] })).toThrow(/cannot be passed/);
    expect(() => mainWindowOptions({ preloadPath: 'p', methodNames: ['auth.me --no-sandbox'] })).toThrow(/cannot be passed/);
  });
});

describe('start-up choices', () => {
  it('opens the same data directory as the CLI: <appData>/DepotDesk, or $DEPOTDESK_DATA_DIR', () => {
    expect(electronDataDir({}, '/home/op/.config')).toBe('/home/op/.config/DepotDesk');
    expect(electronDataDir({ DEPOTDESK_DATA_DIR: '/srv/depot' }, '/home/op/.config')).toBe('/srv/depot');
  });

  it('raises a desktop notification when the core decided someone is notified, not otherwise', () => {
    const at = 0;
    expect(
      alertNotification({ type: 'alert', at, payload: { level: 'urgent', code: 'x', message: 'broker down', notify: ['supervisor'], sound: true } }, 'en-US'),
    ).toEqual({
      title: 'DepotDesk urgent',
      body: 'broker down',
    });
    expect(
      alertNotification({ type: 'alert', at, payload: { level: 'warning', code: 'x', message: '桩离线', notify: ['operator', 'admin'], sound: false } }, 'zh-CN'),
    ).toEqual({
      title: 'DepotDesk 警告',
      body: '桩离线',
    });
    expect(alertNotification({ type: 'alert', at, payload: { level: 'info', code: 'x', message: 'hi', notify: [], sound: false } }, 'en-US')).toBeNull();
    expect(alertNotification({ type: 'dashboard.changed', at, payload: { reason: 'x' } }, 'en-US')).toBeNull();
  });
});
