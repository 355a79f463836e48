import type { DepotEvent } from '../src-main/kernel/events';
import type { CallResult } from '../src-main/contract/types';

/**
 * What the preload puts on `window.depot`, built as a pure function so it is tested in plain
 * Node. Only type imports cross into src-main: the sandboxed preload must stay one small file
 * with nothing but `electron` to require.
 *
 * - `methods` holds one function per contract method the main process announced, and nothing
 *   else: the renderer cannot name a channel, only call a method the contract has.
 * - Each call goes over the single `depot:call` channel; the main process checks the sending
 *   frame and the operator's role, so the bridge itself trusts nothing it is given.
 * - Event listeners receive the event only, never Electron's IpcRendererEvent (whose `sender`
 *   is ipcRenderer itself, the very object the bridge exists to hide).
 * - `saveDownload` asks the main process to save a finished download (a report export) where the
 *   operator chooses in the native save dialog; the file never passes through the page.
 */

export const CALL_CHANNEL = 'depot:call';
export const EVENT_CHANNEL = 'depot:event';
export const SAVE_DOWNLOAD_CHANNEL = 'depot:saveDownload';
/** How the main process hands the method list to the preload (webPreferences.additionalArguments). */
export const METHODS_ARG = '--depot-methods=';

export interface DepotPlatform {
  os: string;
  arch: string;
  versions: { electron: string | null; chrome: string | null; node: string | null };
}

/** What a saved download answers: whether the operator saved it (or cancelled), and where. */
export interface SavedDownload {
  saved: boolean;
  path: string | null;
  fileName: string;
}

/** `window.depot`. The renderer's api/ layer wraps it into the typed client. */
export interface DepotBridge {
  methods: Record<string, (params?: unknown) => Promise<CallResult>>;
  onEvent(cb: (e: DepotEvent) => void): () => void;
  /** A method's downloadUrl (/download/<provider>/<id>) or its parts, saved through the save dialog. */
  saveDownload(target: string | { provider: string; id: string }): Promise<CallResult<SavedDownload>>;
  platform: DepotPlatform;
}

/** The slice of ipcRenderer the bridge uses. */
export interface RendererIpcLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

const METHOD_NAME = /^[a-z][A-Za-z0-9]*(\.[a-z][A-Za-z0-9]*)+$/;

export function methodsArgument(names: readonly string[]): string {
  const bad = names.find((n) => !METHOD_NAME.test(n));
  if (bad !== undefined) throw new Error(`contract method name "${bad}" cannot be passed to the preload`);
  return `${METHODS_ARG}${names.join(',')}`;
}

/** The method names from the renderer process's argv; anything not shaped like one is dropped. */
export function parseMethodNames(argv: readonly string[]): string[] {
  const arg = argv.find((a) => a.startsWith(METHODS_ARG));
  if (!arg) return [];
  const names = arg
    .slice(METHODS_ARG.length)
    .split(',')
    .filter((n) => METHOD_NAME.test(n));
  return [...new Set(names)];
}

export function createBridge(ipc: RendererIpcLike, names: readonly string[], platform: DepotPlatform): DepotBridge {
  const methods: Record<string, (params?: unknown) => Promise<CallResult>> = {};
  for (const method of names) {
    methods[method] = async (params?: unknown): Promise<CallResult> => {
      try {
        return (await ipc.invoke(CALL_CHANNEL, { method, params })) as CallResult;
      } catch (e) {
        // The dispatcher never throws; a rejection means the main process is not answering
        // (starting up or shutting down). The renderer handles one shape either way.
        return { ok: false, error: { code: 'unavailable', message: `DepotDesk core did not answer: ${(e as Error)?.message ?? String(e)}` } };
      }
    };
  }
  Object.freeze(methods);

  return Object.freeze({
    methods,
    async saveDownload(target: string | { provider: string; id: string }): Promise<CallResult<SavedDownload>> {
      // Only the two shapes the main process accepts cross; it checks them again.
      const arg = typeof target === 'string' ? target : { provider: String(target?.provider), id: String(target?.id) };
      try {
        return (await ipc.invoke(SAVE_DOWNLOAD_CHANNEL, arg)) as CallResult<SavedDownload>;
      } catch (e) {
        return { ok: false, error: { code: 'unavailable', message: `DepotDesk core did not answer: ${(e as Error)?.message ?? String(e)}` } };
      }
    },
    onEvent(cb: (e: DepotEvent) => void): () => void {
      if (typeof cb !== 'function') throw new TypeError('depot.onEvent needs a function');
      const listener = (_event: unknown, payload?: unknown): void => cb(payload as DepotEvent);
      ipc.on(EVENT_CHANNEL, listener);
      let subscribed = true;
      return () => {
        if (!subscribed) return;
        subscribed = false;
        ipc.removeListener(EVENT_CHANNEL, listener);
      };
    },
    platform: Object.freeze({ ...platform, versions: Object.freeze({ ...platform.versions }) }),
  });
}
