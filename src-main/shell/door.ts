import type { AppContext } from '../kernel/context';
import { startHttpDoor } from '../boot/serve';

/**
 * The Electron window also opens the HTTP door on loopback, so `depotdesk` CLI commands that
 * need the live core (chargers, the broker) reach this process through instance.json.
 *
 * The window must come up even when the door cannot: if the configured port is taken (a
 * `depotdesk serve` left running, another program), the door moves to a free port — the CLI
 * finds it through instance.json, not the port number — and any other failure is logged and the
 * app carries on without a door.
 */

export type Door = Awaited<ReturnType<typeof startHttpDoor>>;

export async function openDoorForWindow(app: AppContext, start: typeof startHttpDoor = startHttpDoor): Promise<Door | null> {
  try {
    return await start(app);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' && app.config.http.port !== 0) {
      app.log.warn({ port: app.config.http.port }, 'HTTP door port in use; opening it on a free loopback port instead');
      // Same context, one config value different: the door reads the port and nothing else here.
      const elsewhere: AppContext = { ...app, config: { ...app.config, http: { ...app.config.http, port: 0 } } };
      try {
        return await start(elsewhere);
      } catch (again) {
        app.log.error({ err: again }, 'HTTP door could not open; CLI commands cannot reach this window');
        return null;
      }
    }
    app.log.error({ err: e }, 'HTTP door could not open; CLI commands cannot reach this window');
    return null;
  }
}
