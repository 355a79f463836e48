import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, Notification, protocol, safeStorage, session, shell } from 'electron';
import type { AppContext } from './kernel/context';
import { openCore } from './boot/core';
import { startServices, type Services } from './boot/services';
import { isDepotError } from './kernel/errors';
import { secretsKeyFile, useSecretKeeper } from './kernel/secret-box';
import { registerIpc } from './contract/ipc';
import { methodNames } from './modules';
import { openDoorForWindow, type Door } from './shell/door';
import { electronNativeBinding } from './shell/native';
import { resolveAppRequest } from './shell/protocol';
import { safeStorageKeeper } from './shell/secret-keeper';
import { APP_SCHEME, appResponseHeaders, externalUrlToOpen, permissionDecision, shouldAllowNavigation } from './shell/security';
import { alertNotification, devServerUrl, electronDataDir, mainWindowOptions, startUrl } from './shell/window';

/**
 * The Electron shell: the only main-process file that imports `electron`. Every decision it
 * applies (which URLs, which files, which permissions, which native build) lives in ./shell as
 * plain functions with tests; this file only connects them to Electron's hooks.
 */

const here = path.dirname(fileURLToPath(import.meta.url)); // out/main
const outDir = path.resolve(here, '..');
const projectDir = path.resolve(outDir, '..'); // the repository (dev) or app.asar (packaged)
const rendererDir = path.join(outDir, 'renderer');
const preloadPath = path.join(outDir, 'preload', 'index.cjs');
const devServer = devServerUrl(process.env, app.isPackaged);

// Must happen before `ready`: app://depotdesk is a standard, secure origin of its own.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
app.enableSandbox();
// Electron would name the folder after package.json's "name"; the CLI and `serve` use
// <appData>/DepotDesk, and all three doors must open the same database.
app.setPath('userData', electronDataDir(process.env, app.getPath('appData')));

let core: AppContext | null = null;
let door: Door | null = null;
let services: Services | null = null;
let unregisterIpc: (() => void) | null = null;
let mainWindow: BrowserWindow | null = null;

function fatal(title: string, message: string): void {
  dialog.showErrorBox(title, message);
  app.exit(1);
}

function openCoreForElectron(): AppContext | null {
  const native = electronNativeBinding({ packaged: app.isPackaged, resourcesDir: process.resourcesPath, projectDir }, process.versions.modules);
  try {
    // Without our own build, better-sqlite3 falls back to node_modules, which works only if
    // someone rebuilt that one for Electron; if not, the error below says which file to build.
    return openCore({ mode: 'electron', dataDir: app.getPath('userData'), nativeBinding: native.ok ? native.path : undefined });
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
  const opened = openCoreForElectron();
  if (!opened) return;
  core = opened;
  // The gateway credentials' key is wrapped by the system keychain on the desktop (docs/payments.md).
  useSecretKeeper(
    opened.sqlite,
    safeStorageKeeper(secretsKeyFile(opened.sqlite), safeStorage, (m) => opened.log.warn(m)),
  );
  unregisterIpc = registerIpc(opened, ipcMain, {
    devServerUrl: devServer,
    windows: () => BrowserWindow.getAllWindows().map((w) => w.webContents),
    saveDialog: (windowId, file) => {
      const options = {
        defaultPath: path.join(app.getPath('downloads'), file.fileName),
        filters: file.fileName.endsWith('.xlsx') ? [{ name: 'Excel', extensions: ['xlsx'] }] : [],
      };
      const win = BrowserWindow.getAllWindows().find((w) => w.webContents.id === windowId);
      return win ? dialog.showSaveDialog(win, options) : dialog.showSaveDialog(options);
    },
  });
  opened.events.subscribe((event) => {
    const note = alertNotification(event, opened.config.locale);
    if (note && Notification.isSupported()) new Notification(note).show();
  });
  services = await startServices(opened);
  door = await openDoorForWindow(opened);
  mainWindow = createWindow();
  opened.events.emit('system.started', { at: opened.clock.now() });
}

// Stop in the reverse order of start: doors first, the database last, each step at most once.
let stopping: Promise<void> | null = null;
function stop(): Promise<void> {
  stopping ??= (async () => {
    unregisterIpc?.();
    await door?.stop().catch((e: unknown) => core?.log.error({ err: e }, 'HTTP door did not close cleanly'));
    await services?.stop().catch((e: unknown) => core?.log.error({ err: e }, 'services did not stop cleanly'));
    core?.close();
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
