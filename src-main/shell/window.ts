import path from 'node:path';
import type { DepotEvent } from '../kernel/events';
import type { Role } from '../kernel/roles';
import { methodsArgument } from '../../src-preload/bridge';
import { APP_INDEX_URL } from './security';

/**
 * The window's settings and the few start-up choices of the shell, as plain values so tests
 * can read them. src-main/index.ts hands them to Electron unchanged.
 */

/**
 * electron-vite's dev server, trusted only in an unpackaged run and only on loopback http: an
 * installed DepotDesk must not load (and grant the contract to) whatever URL an environment
 * variable names.
 */
export function devServerUrl(env: NodeJS.ProcessEnv, packaged: boolean): string | null {
  const raw = env.ELECTRON_RENDERER_URL;
  if (packaged || !raw) return null;
  try {
    const url = new URL(raw);
    const loopback = url.hostname === 'localhost' || url.hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);
    return url.protocol === 'http:' && loopback && url.username === '' && url.password === '' ? url.origin : null;
  } catch {
    return null;
  }
}

/** What the window opens first. */
export function startUrl(devServer: string | null): string {
  return devServer ? `${devServer}/` : APP_INDEX_URL;
}

/**
 * The data directory: $DEPOTDESK_DATA_DIR when set (tests, a second depot on one PC), else
 * <appData>/DepotDesk — the folder the CLI and `serve` use by default, so all three doors open
 * the same database without being told.
 */
export function electronDataDir(env: NodeJS.ProcessEnv, appDataDir: string): string {
  return env.DEPOTDESK_DATA_DIR ? path.resolve(env.DEPOTDESK_DATA_DIR) : path.join(appDataDir, 'DepotDesk');
}

export interface WindowSettings {
  preloadPath: string;
  methodNames: readonly string[];
  iconPath?: string;
}

export function mainWindowOptions(s: WindowSettings) {
  return {
    width: 1440,
    height: 900,
    minWidth: 1024,
    minHeight: 640,
    title: 'DepotDesk',
    show: false,
    backgroundColor: '#f5f5f5',
    ...(s.iconPath ? { icon: s.iconPath } : {}),
    webPreferences: {
      preload: s.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      // The preload learns the contract's method names here, so it exposes one function per
      // method without importing (and bundling) the core.
      additionalArguments: [methodsArgument(s.methodNames)],
    },
  };
}

const ALERT_TITLES = {
  'zh-CN': { info: 'DepotDesk 提示', warning: 'DepotDesk 警告', urgent: 'DepotDesk 紧急' },
  'en-US': { info: 'DepotDesk notice', warning: 'DepotDesk warning', urgent: 'DepotDesk urgent' },
} as const;

/**
 * A desktop notification for an `alert` event whose delivery decision (alerts/delivery.ts, made by
 * the core) notifies at least one role. The main process does not know which operator is signed in
 * to a window (the IPC door keeps that to itself), so it notifies when anyone is to be notified;
 * `signedIn`, when a caller knows the roles signed in to its windows, narrows it to those. The
 * window's own tone follows the signed-in operator's role (src-renderer/components/AlertDelivery.tsx).
 */
export function alertNotification(event: DepotEvent, locale: keyof typeof ALERT_TITLES, signedIn?: readonly Role[]): { title: string; body: string } | null {
  if (event.type !== 'alert') return null;
  const { notify } = event.payload;
  if (notify.length === 0) return null;
  if (signedIn && !signedIn.some((r) => notify.includes(r))) return null;
  return { title: ALERT_TITLES[locale][event.payload.level], body: event.payload.message };
}
