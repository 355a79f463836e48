// Runs the built main process against the fake Electron, pokes every hook the shell set up the
// way Electron would, and prints what happened as one JSON object for the test to judge.
//   node --import ./hook.mjs driver.mjs <out/main/index.js>
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BrowserWindow, app, state } from 'electron';

const entry = process.argv[2];
const dataDir = process.env.DEPOTDESK_DATA_DIR;
const instanceFile = path.join(dataDir, 'instance.json');

async function waitFor(what, check, ms = 20_000) {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

await import(pathToFileURL(entry).href);
const out = { lock: process.env.FAKE_SINGLE_INSTANCE_LOCK ?? 'free' };

if (process.env.FAKE_SINGLE_INSTANCE_LOCK === 'taken') {
  await new Promise((r) => setTimeout(r, 200));
  out.windows = BrowserWindow.all.length;
  out.quitRequested = state.quitRequested;
  out.coreForks = state.utilityForks.length;
  out.dataDirEntries = fs.existsSync(dataDir) ? fs.readdirSync(dataDir) : [];
  console.log(JSON.stringify(out));
  process.exit(0);
}

await waitFor('the window', () => BrowserWindow.all.length > 0 && fs.existsSync(instanceFile));
const win = BrowserWindow.all[0];
const contents = win.webContents;
await waitFor('system.started at the window', () => contents.sent.some(([channel, event]) => channel === 'depot:event' && event.type === 'system.started'));

const fork = state.utilityForks[0];
out.core = {
  forks: state.utilityForks.length,
  entry: path.basename(fork.modulePath),
  entryExists: fs.existsSync(fork.modulePath),
  options: fork.options,
  pid: fork.child.pid,
  separate: fork.child.pid !== process.pid,
};

out.schemes = state.schemes;
out.sandbox = state.sandbox;
out.userData = app.getPath('userData');
out.dbCreated = fs.existsSync(path.join(dataDir, 'depotdesk.sqlite'));
out.errors = state.errors;
out.webPreferences = win.options.webPreferences;
out.preloadExists = fs.existsSync(win.options.webPreferences.preload);
out.loadedUrl = win.loadedUrl;

const serve = state.protocolHandlers.get('app');
out.protocol = {};
for (const url of ['app://depotdesk/index.html', 'app://depotdesk/sessions/42', 'app://depotdesk/assets/missing.js', 'app://depotdesk/%2e%2e/%2e%2e/package.json']) {
  const res = await serve(new Request(url));
  const body = await res.text();
  out.protocol[url] = { status: res.status, csp: res.headers.get('content-security-policy'), type: res.headers.get('content-type'), hasRoot: body.includes('id="root"') };
}

const call = state.ipcHandlers.get('depot:call');
const invoke = (frameUrl, request) => call({ sender: { id: contents.id }, senderFrame: frameUrl ? { url: frameUrl } : null }, request);
out.ipc = {
  trusted: await invoke('app://depotdesk/index.html', { method: 'auth.me', params: {} }),
  untrusted: await invoke('https://evil.example/', { method: 'auth.me', params: {} }),
};
out.eventsSent = contents.sent.map(([channel, event]) => `${channel}:${event.type}`);

out.navigation = {};
for (const to of ['app://depotdesk/index.html#/x', 'https://evil.example/', 'file:///etc/passwd']) {
  let prevented = false;
  contents.emit('will-navigate', { preventDefault: () => (prevented = true) }, to);
  out.navigation[to] = prevented;
}
out.windowOpen = {};
for (const url of ['https://example.com/help', 'javascript:alert(1)', 'http://127.0.0.1:4820/']) {
  out.windowOpen[url] = contents.openHandler({ url }).action;
}
out.openedExternally = state.opened;
let webview = false;
contents.emit('will-attach-webview', { preventDefault: () => (webview = true) }, {}, {});
out.webviewPrevented = webview;

const answers = [];
state.permissionRequest(contents, 'media', (granted) => answers.push(granted), { requestingUrl: 'app://depotdesk/index.html' });
out.permissions = {
  request: answers,
  check: state.permissionCheck(contents, 'notifications', 'app://depotdesk', {}),
  device: state.devicePermission({}),
};

const instance = JSON.parse(fs.readFileSync(instanceFile, 'utf8'));
out.door = { mode: instance.mode, healthz: await (await fetch(new URL('/healthz', instance.url))).json() };

app.emit('second-instance', {}, [], '');
out.focusedAfterSecondInstance = win.focused;

app.quit();
await waitFor('the shutdown', () => state.quit);
out.afterQuit = {
  quitRequested: state.quitRequested,
  instanceFile: fs.existsSync(instanceFile),
  ipcHandlers: [...state.ipcHandlers.keys()],
  walLeft: fs.existsSync(path.join(dataDir, 'depotdesk.sqlite-wal')),
  coreExitCode: fork.child.exitCode ?? null,
  servingLock: fs.existsSync(path.join(dataDir, 'serving.lock')),
};
console.log(JSON.stringify(out));
process.exit(0);
