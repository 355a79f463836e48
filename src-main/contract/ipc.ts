import fs from 'node:fs';
import type { AppContext } from '../kernel/context';
import { isDepotError } from '../kernel/errors';
import type { DepotEvent } from '../kernel/events';
import type { Caller, OperatorIdentity } from '../kernel/method';
import type { DownloadFile } from '../kernel/plugins';
import { depot } from '../modules';
import { signedInOperator } from '../operators';
import { dispatch } from './dispatch';
import type { CallResult } from './types';

/**
 * The contract over Electron IPC, written against the few pieces of Electron it needs so it can
 * be tested in plain Node (importing `electron` outside the shell would try to download it).
 *
 * - One invoke channel, `depot:call`, carrying `{ method, params }`; the preload exposes one
 *   function per method on top of it, never the raw channel.
 * - Every call's sender frame must be our own renderer (app://depotdesk); anything else, a
 *   navigated-away frame or an injected iframe, gets `forbidden` and nothing runs.
 * - One push channel, `depot:event`, carries the event bus to every window.
 * - Logins are per window (webContents id), so two windows can be two operators.
 * - One more invoke channel, `depot:saveDownload`, saves a file a module offers for download (a
 *   report export) where the operator chooses in the native save dialog: the same providers and
 *   the same who-may-have-it rule as GET /download/<provider>/<id>, the file copied by the process
 *   that holds the core, never sent through the renderer.
 * - The checks (trusted sender, known method name, every failure shaped as a CallResult) run in
 *   the main process (relayIpc); what answers behind them is an IpcBackend: the core in this
 *   process (coreIpcBackend) or, in the desktop app, the core process (shell/core-relay.ts).
 */

export const CALL_CHANNEL = 'depot:call';
export const EVENT_CHANNEL = 'depot:event';
export const SAVE_DOWNLOAD_CHANNEL = 'depot:saveDownload';
export const APP_ORIGIN = 'app://depotdesk';

export interface IpcInvokeEventLike {
  sender: { id: number };
  senderFrame: { url: string } | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcInvokeEventLike, ...args: unknown[]) => Promise<unknown> | unknown): void;
  removeHandler(channel: string): void;
}

export interface WebContentsLike {
  id: number;
  isDestroyed(): boolean;
  send(channel: string, ...args: unknown[]): void;
}

export function isTrustedSender(frameUrl: string | null | undefined, devServerUrl?: string | null): boolean {
  if (!frameUrl) return false;
  let url: URL;
  try {
    url = new URL(frameUrl);
  } catch {
    return false;
  }
  // Credentials in the URL (app://user:pass@depotdesk) are never ours: refuse them outright.
  if (url.username || url.password) return false;
  if (url.protocol === 'app:' && url.host === 'depotdesk') return true;
  if (devServerUrl) {
    try {
      return url.origin === new URL(devServerUrl).origin;
    } catch {
      return false;
    }
  }
  return false;
}

/** What the shell's save dialog answers (Electron's dialog.showSaveDialog, for the window that asked). */
export interface SaveDialogLike {
  (windowId: number, file: DownloadFile): Promise<{ canceled: boolean; filePath?: string }>;
}

export interface IpcAdapterOptions {
  /** electron-vite's dev server, trusted only while developing. */
  devServerUrl?: string | null;
  /** Windows that receive push events. */
  windows: () => WebContentsLike[];
  /** The native save dialog; without it, saveDownload answers `unavailable`. */
  saveDialog?: SaveDialogLike;
}

/** What saveDownload is given: the downloadUrl a method answered (/download/<provider>/<id>), or its two parts. */
export type DownloadTarget = string | { provider: string; id: string };
export interface SavedDownload {
  saved: boolean;
  /** Where the file went, when saved. */
  path: string | null;
  fileName: string;
}

export function parseDownloadTarget(target: unknown): { provider: string; id: string } | null {
  const word = /^[\w-]+$/;
  if (typeof target === 'string') {
    const m = /^\/download\/([\w-]+)\/([\w-]+)$/.exec(target);
    return m ? { provider: m[1], id: m[2] } : null;
  }
  if (typeof target !== 'object' || target === null) return null;
  const { provider, id } = target as { provider?: unknown; id?: unknown };
  return typeof provider === 'string' && typeof id === 'string' && word.test(provider) && word.test(id) ? { provider, id } : null;
}

/** Resolves the file for the window's operator, asks where to put it, copies it there. */
async function saveDownload(
  app: AppContext,
  operator: OperatorIdentity | null,
  target: unknown,
  windowId: number,
  opts: Pick<IpcAdapterOptions, 'saveDialog'>,
): Promise<CallResult> {
  if (!operator) return { ok: false, error: { code: 'unauthenticated', message: 'sign in first' } };
  const t = parseDownloadTarget(target);
  if (!t) return { ok: false, error: { code: 'invalid_input', message: 'target: a downloadUrl (/download/<provider>/<id>) or { provider, id }' } };
  const provider = depot.downloads[t.provider];
  const file = provider ? provider(app, t.id, { id: operator.id, role: operator.role }) : null;
  // As over HTTP: anything the operator may not have, or that is not finished, is simply not found.
  if (!file || !fs.existsSync(file.path)) return { ok: false, error: { code: 'not_found', message: `no download ${t.provider}/${t.id}` } };
  if (!opts.saveDialog) return { ok: false, error: { code: 'unavailable', message: 'this window has no save dialog' } };
  try {
    const choice = await opts.saveDialog(windowId, file);
    if (choice.canceled || !choice.filePath) return { ok: true, data: { saved: false, path: null, fileName: file.fileName } satisfies SavedDownload };
    await fs.promises.copyFile(file.path, choice.filePath);
    app.log.info({ provider: t.provider, id: t.id, operator: operator.id }, 'download saved through the save dialog');
    return { ok: true, data: { saved: true, path: choice.filePath, fileName: file.fileName } satisfies SavedDownload };
  } catch (e) {
    return { ok: false, error: { code: 'internal', message: `could not save ${file.fileName}: ${(e as Error).message}` } };
  }
}

/**
 * What answers a window once the main process has checked the sender and the method name: the
 * core in this process (coreIpcBackend, used by the tests and by anything embedding the core), or
 * the core process behind the relay (shell/core-relay.ts) in the desktop app.
 */
export interface IpcBackend {
  call(windowId: number, method: string, params: unknown): Promise<CallResult>;
  saveDownload(windowId: number, target: unknown): Promise<CallResult>;
  /** Every core event, for the windows; returns the unsubscribe function. */
  subscribe(listener: (event: DepotEvent) => void): () => void;
}

export interface IpcRelayOptions extends Pick<IpcAdapterOptions, 'devServerUrl' | 'windows'> {
  /** The contract's method names: anything else is refused here, before it reaches the core. */
  methods: readonly string[];
  warn(fields: Record<string, unknown>, message: string): void;
}

/** A backend that failed (the core process gone) still answers the window with a CallResult. */
async function shaped(run: () => Promise<CallResult>): Promise<CallResult> {
  try {
    return await run();
  } catch (e) {
    if (isDepotError(e)) return { ok: false, error: e.toShape() };
    return { ok: false, error: { code: 'internal', message: String((e as Error)?.message ?? e) } };
  }
}

/**
 * The main-process half: the channels, the sender checks, the method allow-list and the error
 * shaping. These hold whatever backend answers, so they are the same in-process and relayed.
 */
export function relayIpc(ipcMain: IpcMainLike, backend: IpcBackend, opts: IpcRelayOptions): () => void {
  const allowed = new Set(opts.methods);
  ipcMain.handle(CALL_CHANNEL, async (event, request): Promise<CallResult> => {
    if (!isTrustedSender(event.senderFrame?.url, opts.devServerUrl)) {
      opts.warn({ url: event.senderFrame?.url }, 'IPC call from an untrusted frame refused');
      return { ok: false, error: { code: 'forbidden', message: 'calls are accepted only from the DepotDesk window' } };
    }
    const { method, params } = (request ?? {}) as { method?: unknown; params?: unknown };
    if (typeof method !== 'string' || !allowed.has(method)) {
      return { ok: false, error: { code: 'unknown_method', message: `unknown method ${JSON.stringify(method)}`, details: { method } } };
    }
    return shaped(() => backend.call(event.sender.id, method, params));
  });

  ipcMain.handle(SAVE_DOWNLOAD_CHANNEL, async (event, target): Promise<CallResult> => {
    if (!isTrustedSender(event.senderFrame?.url, opts.devServerUrl)) {
      opts.warn({ url: event.senderFrame?.url }, 'IPC download from an untrusted frame refused');
      return { ok: false, error: { code: 'forbidden', message: 'downloads are saved only for the DepotDesk window' } };
    }
    return shaped(() => backend.saveDownload(event.sender.id, target));
  });

  const unsubscribe = backend.subscribe((event) => {
    for (const wc of opts.windows()) if (!wc.isDestroyed()) wc.send(EVENT_CHANNEL, event);
  });

  return () => {
    unsubscribe();
    ipcMain.removeHandler(CALL_CHANNEL);
    ipcMain.removeHandler(SAVE_DOWNLOAD_CHANNEL);
  };
}

/** The core's half: logins per window, the dispatcher, saveDownload. Runs where the database is. */
export function coreIpcBackend(app: AppContext, opts: Pick<IpcAdapterOptions, 'saveDialog'>): IpcBackend {
  const loginByWindow = new Map<number, string>();
  return {
    call(windowId, method, params) {
      const caller: Caller = {
        operator: signedInOperator(app, loginByWindow.get(windowId)),
        transport: 'ipc',
        session: {
          signIn: (op: OperatorIdentity) => {
            const token = app.logins.create(op);
            loginByWindow.set(windowId, token);
            return { token };
          },
          signOut: () => {
            app.logins.revoke(loginByWindow.get(windowId));
            loginByWindow.delete(windowId);
          },
        },
      };
      return dispatch(app, caller, method, params);
    },
    saveDownload: (windowId, target) => saveDownload(app, signedInOperator(app, loginByWindow.get(windowId)), target, windowId, opts),
    subscribe: (listener) => app.events.subscribe(listener),
  };
}

/** The whole adapter in one process: the relay's checks in front of the core's backend. */
export function registerIpc(app: AppContext, ipcMain: IpcMainLike, opts: IpcAdapterOptions): () => void {
  return relayIpc(ipcMain, coreIpcBackend(app, opts), {
    devServerUrl: opts.devServerUrl,
    windows: opts.windows,
    methods: Object.keys(depot.methods),
    warn: (fields, message) => app.log.warn(fields, message),
  });
}
