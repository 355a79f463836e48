import type { AppContext } from '../kernel/context';
import { DepotError } from '../kernel/errors';
import { createLogger, type Logger } from '../kernel/logger';
import { secretsKeyFile, useSecretKeeper } from '../kernel/secret-box';
import { openCore } from '../boot/core';
import { startServices, type Services } from '../boot/services';
import { coreIpcBackend, type IpcBackend } from '../contract/ipc';
import { coreOps, createLink, shellOps, type Link, type LinkMessage } from './core-link';
import { openDoorForWindow, type Door } from './door';
import { handedKeeper } from './secret-keeper';

/**
 * The core process's side of the link (src-main/core-process.ts is only its entry): the core with
 * its own SQLite connection, the scheduler, the charger link and the HTTP door, answering the
 * main process over the parent port. Plain Node, so the tests run it in a child process of their
 * own (test/shell/fake-electron/utility-child.mjs).
 *
 * Guarantees (test/shell/core-process.test.ts):
 * - Start is in three steps the main process drives: `open` (the database; answers where the
 *   secrets key lives), `serve` (installs the key handed over, then starts the services and the
 *   door), `started` (the window is up: system.started). Contract calls are refused with
 *   `unavailable` until `serve` has installed the key, so nothing is sealed under a wrong keeper.
 * - Every core event goes to the main process, which forwards it to the windows and shows the
 *   alert notifications.
 * - `stop` closes the door, stops the services and closes the database (WAL checkpointed), in
 *   that order, once; the main process ends the process after the answer.
 */

export interface ParentPortLike {
  on(event: 'message', listener: (messageEvent: { data: unknown }) => void): unknown;
  postMessage(message: unknown): void;
}

interface HostState {
  app: AppContext | null;
  backend: IpcBackend | null;
  serving: boolean;
  services: Services | null;
  door: Door | null;
  stopping: Promise<{ closed: boolean }> | null;
}

export function hostCore(port: ParentPortLike, opts: { log?: Logger } = {}): Link<typeof coreOps> {
  const early = opts.log ?? createLogger({ level: 'warn' });
  const state: HostState = { app: null, backend: null, serving: false, services: null, door: null, stopping: null };
  const log = () => state.app?.log ?? early;
  const opened = (): AppContext => {
    if (!state.app) throw new DepotError('unavailable', 'the core is not open yet');
    return state.app;
  };

  const link: Link<typeof coreOps> = createLink({
    peer: 'the main process',
    post: (message: LinkMessage) => port.postMessage(message),
    ops: shellOps,
    theirs: coreOps,
    log: { warn: (f, m) => log().warn(f, m), error: (f, m) => log().error(f, m) },
    onCall: (method, input, context) => {
      if (!state.backend || !state.serving) return Promise.reject(new DepotError('unavailable', `${method} cannot run yet: the DepotDesk core is still starting`));
      return state.backend.call(context.windowId, method, input);
    },
    handlers: {
      open: ({ dataDir, nativeBinding }) => {
        if (state.app) throw new DepotError('conflict', 'the core is already open');
        const app = openCore({ mode: 'electron', dataDir, nativeBinding: nativeBinding ?? undefined });
        state.app = app;
        app.events.subscribe((event) => link.event(event));
        state.backend = coreIpcBackend(app, { saveDialog: (windowId, file) => link.request('saveDialog', { windowId, fileName: file.fileName }) });
        return { locale: app.config.locale, secretsKeyFile: secretsKeyFile(app.sqlite), dbFile: app.paths.dbFile };
      },
      serve: async ({ secretsKey }) => {
        const app = opened();
        if (state.serving) throw new DepotError('conflict', 'the core is already serving');
        useSecretKeeper(
          app.sqlite,
          handedKeeper(secretsKeyFile(app.sqlite), secretsKey, (m) => app.log.warn(m)),
        );
        state.serving = true;
        state.services = await startServices(app);
        state.door = await openDoorForWindow(app);
        return { door: state.door?.http.url ?? null };
      },
      started: () => {
        const app = opened();
        app.events.emit('system.started', { at: app.clock.now() });
        return null;
      },
      saveDownload: ({ windowId, target }) => {
        if (!state.backend) throw new DepotError('unavailable', 'the core is not open yet');
        return state.backend.saveDownload(windowId, target);
      },
      stop: () => (state.stopping ??= stop(state)),
    },
  });
  port.on('message', (e) => link.receive(e.data));
  link.request('ready', { pid: process.pid }).catch((e: unknown) => log().error({ err: e }, 'the main process did not take the ready message'));
  return link;
}

/** Doors first, the database last; each step logged if it fails, the next one still run. */
async function stop(state: HostState): Promise<{ closed: boolean }> {
  state.serving = false;
  const app = state.app;
  if (!app) return { closed: false };
  await state.door?.stop().catch((e: unknown) => app.log.error({ err: e }, 'HTTP door did not close cleanly'));
  await state.services?.stop().catch((e: unknown) => app.log.error({ err: e }, 'services did not stop cleanly'));
  app.close();
  return { closed: true };
}
