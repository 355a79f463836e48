import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, Notification, protocol, safeStorage, session, shell, utilityProcess } from 'electron';
import { isDepotError } from './kernel/errors';
import { createLogger, type Logger } from './kernel/logger';
import { relayIpc } from './contract/ipc';
import { methodNames } from './modules';
import { startCoreProcess, type CoreProcess } from './shell/core-relay';
import { electronNativeBinding } from './shell/native';
import { resolveAppRequest } from './shell/protocol';
import { prepareSecretsKey } from './shell/secret-keeper';
import { APP_SCHEME, appResponseHeaders, externalUrlToOpen, permissionDecision, shouldAllowNavigation } from './shell/security';
import { alertNotification, devServerUrl, electronDataDir, mainWindowOptions, startUrl } from './shell/window';

/**
 * The Electron shell: the only main-process file that imports `electron`. Every decision it
 * applies (which URLs, which files, which permissions, which native build) lives in ./shell as
 * plain functions with tests; this file only connects them to Electron's hooks.
 *
 * The core (database, scheduler, charger link, HTTP door) runs in a utility process of its own
 * (core-process.ts, driven through shell/core-relay.ts); this process keeps the window, the app://
 * protocol, the IPC relay with its checks, and what only it can do: safeStorage, dialogs and
 * notifications (docs/architecture.md, "Processes").
 */

const here = path.dirname(fileURLToPath(import.meta.url)); // out/main
const outDir = path.resolve(here, '..');
const projectDir = path.resolve(outDir, '..'); // the repository (dev) or app.asar (packaged)
const rendererDir = path.join(outDir, 'renderer');
const preloadPath = path.join(outDir, 'preload', 'index.cjs');
const coreEntry = path.join(here, 'core-process.js');
const devServer = devServerUrl(process.env, app.isPackaged);

// Must happen before `ready`: app://depotdesk is a standard, secure origin of its own.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
app.enableSandbox();
// Electron would name the folder after package.json's "name"; the CLI and `serve` use
// <appData>/DepotDesk, and all three doors must open the same database.
app.setPath('userData', electronDataDir(process.env, app.getPath('appData')));

let core: CoreProcess | null = null;
let unregisterIpc: (() => void) | null = null;
let mainWindow: BrowserWindow | null = null;
let log: Logger | null = null;

function fatal(title: string, message: string): void {
  dialog.showErrorBox(title, message);
  app.exit(1);
}

function saveDialog(windowId: number, fileName: string): Promise<{ canceled: boolean; filePath?: string }> {
  const options = {
    defaultPath: path.join(app.getPath('downloads'), fileName),
    filters: fileName.endsWith('.xlsx') ? [{ name: 'Excel', extensions: ['xlsx'] }] : [],
  };
  const win = BrowserWindow.getAllWindows().find((w) => w.webContents.id === windowId);
  return win ? dialog.showSaveDialog(win, options) : dialog.showSaveDialog(options);
}

/** Forks the core process and opens the database there; null (after the fatal dialog) when it cannot. */
async function startCore(mainLog: Logger): Promise<CoreProcess | null> {
  const native = electronNativeBinding({ packaged: app.isPackaged, resourcesDir: process.resourcesPath, projectDir }, process.versions.modules);
  try {
    // Without our own build, better-sqlite3 falls back to node_modules, which works only if
    // someone rebuilt that one for Electron; if not, the error below says which file to build.
    return await startCoreProcess({
      fork: (entry, args, options) => utilityProcess.fork(entry, args, options),
      entry: coreEntry,
      dataDir: app.getPath('userData'),
      nativeBinding: native.ok ? native.path : null,
      // The gateway credentials' key is wrapped by the system keychain on the desktop (docs/payments.md).
      secretsKey: (plainFile) => prepareSecretsKey(plainFile, safeStorage),
      saveDialog,
      log: mainLog,
      // No restart: the window's logins lived in the dead process, and a core that crashes again at
      // once would hide its fault behind a loop. The database is safe (WAL); the next start recovers.
      onUnexpectedExit: (why) => fatal('DepotDesk stopped working', `${why}\n\nStart DepotDesk again; the log is in ${path.join(app.getPath('userData'), 'logs')}.`),
    });
  } catch (e) {
    const why = isDepotError(e) ? e.message : String((e as Error)?.message ?? e);
    fatal('DepotDesk cannot open its database', native.ok ? why : `${why}\n\n${native.message}`);
    return null;
  }
}

function hardenContents(): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.on('will-navigate', (event, url) => {
      if (!shouldAllowNavigation(contents.getURL(), url, devServer)) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!shouldAllowNavigation(contents.getURL(), url, devServer)) event.preventDefault();
    });
    contents.setWindowOpenHandler(({ url }) => {
      const external = externalUrlToOpen(url);
      if (external) void shell.openExternal(external);
      return { action: 'deny' };
    });
  });
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_wc, permission, callback, details) => callback(permissionDecision(permission, details.requestingUrl)));
  ses.setPermissionCheckHandler((_wc, permission, origin) => permissionDecision(permission, origin));
  ses.setDevicePermissionHandler(() => false);
}

function serveRenderer(): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const found = resolveAppRequest(rendererDir, request.url);
    if (!found) return new Response('not found', { status: 404, headers: appResponseHeaders('text/plain; charset=utf-8') });
    return new Response(await fs.promises.readFile(found.file), { headers: appResponseHeaders(found.mime) });
  });
}

function createWindow(): BrowserWindow {
  const icon = app.isPackaged ? path.join(process.resourcesPath, 'icon.png') : path.join(projectDir, 'build', 'icon.png');
  const win = new BrowserWindow(mainWindowOptions({ preloadPath, methodNames, iconPath: fs.existsSync(icon) ? icon : undefined }));
  win.once('ready-to-show', () => win.show());
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });
  void win.loadURL(startUrl(devServer));
  return win;
}

async function start(): Promise<void> {
  await app.whenReady();
  hardenContents();
  serveRenderer();
  const mainLog = createLogger({ dir: path.join(app.getPath('userData'), 'logs') }).child({ process: 'main' });
  log = mainLog;
  const started = await startCore(mainLog);
  if (!started) return;
  core = started;
  unregisterIpc = relayIpc(ipcMain, started.backend, {
    devServerUrl: devServer,
    windows: () => BrowserWindow.getAllWindows().map((w) => w.webContents),
    methods: methodNames,
    warn: (fields, message) => mainLog.warn(fields, message),
  });
  started.backend.subscribe((event) => {
    const note = alertNotification(event, started.locale);
    if (note && Notification.isSupported()) new Notification(note).show();
  });
  mainWindow = createWindow();
  await started.started();
}

// Stop in the reverse order of start: the relay first, then the core process (door, services,
// database, in that order, inside it), each step at most once.
let stopping: Promise<void> | null = null;
function stop(): Promise<void> {
  stopping ??= (async () => {
    unregisterIpc?.();
    const result = await core?.stop();
    if (result && !result.closed) log?.error({ exitCode: result.exitCode }, 'the core process ended before it closed the database');
  })();
  return stopping;
}

if (!app.requestSingleInstanceLock()) {
  // Two processes on one database would split the event bus and race each other's jobs; the
  // first instance takes the focus instead.
  app.quit();
} else {
  app.on('second-instance', () => {
    const win = mainWindow ?? BrowserWindow.getAllWindows()[0];
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  });
  app.on('activate', () => {
    if (core && BrowserWindow.getAllWindows().length === 0) mainWindow = createWindow();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  let stopped = false;
  app.on('before-quit', (event) => {
    if (stopped) return;
    event.preventDefault();
    void stop().finally(() => {
      stopped = true;
      app.quit();
    });
  });
  start().catch((e: unknown) => fatal('DepotDesk could not start', String((e as Error)?.stack ?? e)));
}
