import fs from 'node:fs';
import type { AppContext } from '../kernel/context';
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
 *   the same who-may-have-it rule as GET /download/<provider>/<id>, the file copied by the main
 *   process, never sent through the renderer.
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
async function saveDownload(app: AppContext, operator: OperatorIdentity | null, target: unknown, windowId: number, opts: IpcAdapterOptions): Promise<CallResult> {
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

export function registerIpc(app: AppContext, ipcMain: IpcMainLike, opts: IpcAdapterOptions): () => void {
  const loginByWindow = new Map<number, string>();

  ipcMain.handle(CALL_CHANNEL, async (event, request): Promise<CallResult> => {
    if (!isTrustedSender(event.senderFrame?.url, opts.devServerUrl)) {
      app.log.warn({ url: event.senderFrame?.url }, 'IPC call from an untrusted frame refused');
      return { ok: false, error: { code: 'forbidden', message: 'calls are accepted only from the DepotDesk window' } };
    }
    const { method, params } = (request ?? {}) as { method?: unknown; params?: unknown };
    const windowId = event.sender.id;
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
  });

  ipcMain.handle(SAVE_DOWNLOAD_CHANNEL, async (event, target): Promise<CallResult> => {
    if (!isTrustedSender(event.senderFrame?.url, opts.devServerUrl)) {
      app.log.warn({ url: event.senderFrame?.url }, 'IPC download from an untrusted frame refused');
      return { ok: false, error: { code: 'forbidden', message: 'downloads are saved only for the DepotDesk window' } };
    }
    return saveDownload(app, signedInOperator(app, loginByWindow.get(event.sender.id)), target, event.sender.id, opts);
  });

  const unsubscribe = app.events.subscribe((event) => {
    for (const wc of opts.windows()) if (!wc.isDestroyed()) wc.send(EVENT_CHANNEL, event);
  });

  return () => {
    unsubscribe();
    ipcMain.removeHandler(CALL_CHANNEL);
    ipcMain.removeHandler(SAVE_DOWNLOAD_CHANNEL);
  };
}
