import type { AppContext } from '../kernel/context';
import { openCore, type CoreOptions } from './core';
import { removeInstanceFile, writeInstanceFile } from '../kernel/instance';
import { ensureInstanceToken } from '../kernel/token';
import { startHttpServer, type RunningHttpServer } from '../contract/http';
import { builtRendererDir } from '../contract/static-files';
import { startServices, type Services, type ServicesOptions } from './services';

/**
 * Browser mode: the core plus the contract over HTTP, serving the built renderer. Electron mode
 * starts the same HTTP door on loopback so CLI commands can reach the live core.
 */
export interface BrowserMode {
  app: AppContext;
  http: RunningHttpServer;
  services: Services;
  stop(): Promise<void>;
}

export const defaultRendererDir = builtRendererDir;

export async function startHttpDoor(app: AppContext, opts: { staticDir?: string | null } = {}): Promise<{ http: RunningHttpServer; stop(): Promise<void> }> {
  const token = ensureInstanceToken(app.paths.tokenFile);
  const http = await startHttpServer(app, {
    host: app.config.http.host,
    port: app.config.http.port,
    token,
    allowLan: app.config.http.allowLan,
    staticDir: opts.staticDir === undefined ? defaultRendererDir() : opts.staticDir,
  });
  writeInstanceFile(app.paths, {
    url: http.url,
    pid: process.pid,
    mode: app.runtime.mode,
    startedAt: app.startedAt,
    broker: app.runtime.broker.url,
  });
  return {
    http,
    stop: async () => {
      removeInstanceFile(app.paths);
      await http.close();
    },
  };
}

export async function startBrowserMode(opts: Omit<CoreOptions, 'mode'> & { staticDir?: string | null; services?: ServicesOptions }): Promise<BrowserMode> {
  const app = openCore({ ...opts, mode: 'serve' });
  let services: Services | null = null;
  try {
    services = await startServices(app, opts.services);
    const door = await startHttpDoor(app, { staticDir: opts.staticDir });
    app.events.emit('system.started', { at: app.clock.now() });
    const running = services;
    return {
      app,
      http: door.http,
      services: running,
      stop: async () => {
        await door.stop();
        await running.stop();
        app.close();
      },
    };
  } catch (e) {
    await services?.stop();
    app.close();
    throw e;
  }
}
