import { APP_ORIGIN } from '../contract/ipc';
import { CONTENT_SECURITY_POLICY } from '../contract/csp';

export { CONTENT_SECURITY_POLICY };

/**
 * The security decisions of the Electron window, as plain functions so they are tested in plain
 * Node against tables of hostile input (importing `electron` outside src-main/index.ts would try
 * to download it). src-main/index.ts only wires these into Electron's hooks.
 *
 * The threat we design for: something in the renderer is not ours (a crafted charger name, a
 * statement file's text, a dependency gone bad) and tries to escape the page. So the window may
 * only ever show our own origin, may open only ordinary public web pages in the system browser,
 * and gets no browser permissions at all.
 */

export const APP_SCHEME = 'app';
export const APP_HOST = 'depotdesk';
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

/** Longest URL we hand to the operating system; anything longer is not a link a person clicked. */
const MAX_EXTERNAL_URL = 2048;

function parse(value: unknown): URL | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_EXTERNAL_URL) return null;
  // URL() silently strips tabs and newlines and trims control characters; a link that needs that
  // cleaning was crafted, not clicked.
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this test looks for
  if (/[\u0000-\u0020\u007f-\u009f]/.test(value)) return null;
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/** True for our own renderer: app://depotdesk exactly (no port, no credentials). */
export function isAppUrl(value: unknown): boolean {
  const url = parse(value);
  return url !== null && url.protocol === `${APP_SCHEME}:` && url.hostname === APP_HOST && url.port === '' && url.username === '' && url.password === '';
}

function isDevServerUrl(value: unknown, devServerUrl: string | null | undefined): boolean {
  if (!devServerUrl) return false;
  const url = parse(value);
  const dev = parse(devServerUrl);
  return url !== null && dev !== null && url.username === '' && url.password === '' && url.origin === dev.origin;
}

/**
 * May the window go from `from` to `to`? Only within our own origin (a route change or reload of
 * the app), or within electron-vite's dev server while developing. `from` does not widen
 * anything: a window that somehow left our origin may not navigate anywhere but back.
 */
export function shouldAllowNavigation(from: unknown, to: unknown, devServerUrl?: string | null): boolean {
  void from;
  return isAppUrl(to) || isDevServerUrl(to, devServerUrl);
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/**
 * Hosts a link must never point the system browser at: this machine and the depot's private
 * networks (router and charger admin pages), which a page could otherwise poke through the
 * operator's browser. WHATWG URL parsing has already turned 2130706433, 0x7f.1 and friends into
 * dotted IPv4 and IPv6 into its bracketed compressed form, so these checks see canonical text.
 */
function isLocalOrPrivateHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === '' || host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local')) return true;
  if (!host.includes('.') && !host.startsWith('[')) return true; // single-label intranet names
  const v4 = IPV4.exec(host);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 100 && b >= 64 && b <= 127) || // carrier-grade NAT
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      a >= 224
    );
  }
  if (host.startsWith('[')) {
    const v6 = host.slice(1, -1);
    if (v6 === '::' || v6 === '::1') return true;
    if (/^f[cd]/.test(v6) || /^fe[89ab]/.test(v6) || /^ff/.test(v6)) return true; // ULA, link-local, multicast
    // IPv4-mapped (::ffff:7f00:1) and IPv4-compatible forms reach IPv4 hosts: never open them.
    if (v6.startsWith('::ffff:') || /^::[0-9a-f]{1,4}:[0-9a-f]{1,4}$/.test(v6)) return true;
  }
  return false;
}

/**
 * The URL to give `shell.openExternal`, or null when the link must not leave the app.
 *
 * Only http and https to a public host name, without credentials (https://bank.com@evil.example
 * shows one host and opens another). The normalised href is what gets opened, so a Unicode host
 * reaches the browser as its punycode, which the browser then shows as it sees fit; nothing the
 * page wrote is passed to the operating system verbatim.
 */
export function externalUrlToOpen(value: unknown): string | null {
  const url = parse(value);
  if (!url) return null;
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (url.username !== '' || url.password !== '') return null;
  if (isLocalOrPrivateHost(url.hostname)) return null;
  return url.href;
}

export function isTrustedExternalUrl(value: unknown): boolean {
  return externalUrlToOpen(value) !== null;
}

/**
 * Browser permissions (camera, geolocation, notifications, clipboard read, MIDI, HID, serial…):
 * the back office needs none of them. Desktop notifications come from the main process, which
 * needs no permission, so every request and every check is answered no.
 */
export function permissionDecision(permission: string, requestingUrl?: string | null): boolean {
  void permission;
  void requestingUrl;
  return false;
}

/** Headers on every app:// response. */
export function appResponseHeaders(mime: string): Record<string, string> {
  return {
    'content-type': mime,
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'cross-origin-opener-policy': 'same-origin',
    'cache-control': 'no-store',
  };
}
