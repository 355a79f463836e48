import type { AppContext } from '../kernel/context';
import type { Caller, OperatorIdentity } from '../kernel/method';
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
 */

export const CALL_CHANNEL = 'depot:call';
export const EVENT_CHANNEL = 'depot:event';
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

export interface IpcAdapterOptions {
  /** electron-vite's dev server, trusted only while developing. */
  devServerUrl?: string | null;
  /** Windows that receive push events. */
  windows: () => WebContentsLike[];
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

  const unsubscribe = app.events.subscribe((event) => {
    for (const wc of opts.windows()) if (!wc.isDestroyed()) wc.send(EVENT_CHANNEL, event);
  });

  return () => {
    unsubscribe();
    ipcMain.removeHandler(CALL_CHANNEL);
  };
}
