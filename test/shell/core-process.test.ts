import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { CALL_CHANNEL, EVENT_CHANNEL, relayIpc, SAVE_DOWNLOAD_CHANNEL } from '../../src-main/contract/ipc';
import type { DepotEvent } from '../../src-main/kernel/events';
import { methodNames } from '../../src-main/modules';
import { startCoreProcess, type CoreProcess } from '../../src-main/shell/core-relay';
import { prepareSecretsKey, type SafeStorageLike } from '../../src-main/shell/secret-keeper';
import { alertNotification } from '../../src-main/shell/window';
import { REPO_ROOT, tempDir } from '../helpers';
import { forkUtility, type FakeUtilityProcess } from './fake-electron/utility-process.mjs';
import { FakeIpcMain, FakeWindow } from './fake-ipc';

/**
 * The desktop shell's core process, for real: src-main/core-process.ts runs in a Node child
 * process that a stand-in utilityProcess.fork starts (fake-electron/utility-process.mjs gives it
 * `process.parentPort` over Node's IPC channel), on a real depot file. The main-process half is
 * the real relay (contract/ipc.ts relayIpc + shell/core-relay.ts), driven as Electron's ipcMain
 * would drive it.
 */
const ENTRY = path.join(REPO_ROOT, 'src-main', 'core-process.ts');
const OUR_PAGE = 'app://depotdesk/index.html';

/** A keychain stand-in: reversible, and never the key's hex in clear. */
const keychain: SafeStorageLike = {
  isEncryptionAvailable: () => true,
  encryptString: (plain) => Buffer.from(`kc:${Buffer.from(plain).toString('base64')}`),
  decryptString: (enc) => Buffer.from(enc.toString().slice(3), 'base64').toString(),
};

interface Logged {
  level: 'warn' | 'error';
  fields: Record<string, unknown>;
  message: string;
}

const running: CoreProcess[] = [];
// Registered after the helpers' own afterEach, so it runs first: the processes end before their folders go.
afterEach(async () => {
  for (const core of running.splice(0)) await core.stop();
});

async function waitFor(what: string, check: () => boolean, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface LaunchOptions {
  config?: Record<string, unknown>;
  dialog?: (fileName: string) => { canceled: boolean; filePath?: string };
}

function depotDir(config: Record<string, unknown> = {}): string {
  const dataDir = tempDir('core-process-');
  // Free ports for the door and the broker: tests run side by side.
  fs.writeFileSync(path.join(dataDir, 'config.json'), JSON.stringify({ locale: 'en-US', http: { port: 0 }, broker: { port: 0 }, ...config }));
  return dataDir;
}

async function launch(opts: LaunchOptions = {}) {
  const dataDir = depotDir(opts.config);
  const logged: Logged[] = [];
  const dialogs: { windowId: number; fileName: string }[] = [];
  const deaths: string[] = [];
  const forks: FakeUtilityProcess[] = [];
  const core = await startCoreProcess({
    fork: (entry, args, options) => {
      const child = forkUtility(entry, args, options);
      forks.push(child);
      return child;
    },
    entry: ENTRY,
    dataDir,
    nativeBinding: null,
    secretsKey: (file) => prepareSecretsKey(file, keychain),
    saveDialog: (windowId, fileName) => {
      dialogs.push({ windowId, fileName });
      return Promise.resolve(opts.dialog?.(fileName) ?? { canceled: true });
    },
    log: {
      warn: (fields, message) => logged.push({ level: 'warn', fields, message }),
      error: (fields, message) => logged.push({ level: 'error', fields, message }),
    },
    onUnexpectedExit: (why) => deaths.push(why),
  });
  running.push(core);
  const ipc = new FakeIpcMain();
  const windows = [new FakeWindow(1), new FakeWindow(2)];
  const unregister = relayIpc(ipc, core.backend, {
    windows: () => windows,
    methods: methodNames,
    warn: (fields, message) => logged.push({ level: 'warn', fields, message }),
  });
  const call = (method: unknown, params: unknown = {}, windowId = 1, frame: string | null = OUR_PAGE) => ipc.invokeOn(CALL_CHANNEL, frame, windowId, { method, params });
  const events = (w: FakeWindow) => w.sent.filter((s) => s.channel === EVENT_CHANNEL).map((s) => s.args[0] as DepotEvent);
  return { core, dataDir, logged, dialogs, deaths, child: forks[0], ipc, windows, call, events, unregister };
}

async function withAdmin(t: Awaited<ReturnType<typeof launch>>): Promise<void> {
  expect(await t.call('setup.createAdmin', { name: 'boss', password: 'correct-horse' })).toMatchObject({ ok: true });
  expect(await t.call('auth.login', { name: 'boss', password: 'correct-horse' })).toMatchObject({ ok: true, data: { operator: { name: 'boss', role: 'admin' } } });
}

describe('the core in a utility process of its own, behind the IPC relay', () => {
  it('a real depot file answers real methods through the relay, each window with its own login', async () => {
    const t = await launch();
    expect(t.child.options).toEqual({ serviceName: 'DepotDesk core', stdio: 'pipe' });
    expect(t.child.pid).not.toBe(process.pid);
    expect(t.core.dbFile).toBe(path.join(t.dataDir, 'depotdesk.sqlite'));
    expect(t.core.locale).toBe('en-US');
    expect(t.core.door).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);

    expect(await t.call('auth.me')).toEqual({ ok: true, data: { operator: null, setupRequired: true } });
    await withAdmin(t);
    expect(await t.call('sessions.list', {})).toEqual({ ok: true, data: { items: [], total: 0, nextCursor: null } });
    // The login is window 1's: window 2 is not signed in.
    expect(await t.call('sessions.list', {}, 2)).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
    // The dispatcher's own refusals come back as they are.
    expect(await t.call('sessions.list', { limit: 0 })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });

    // The rows are in the file, written by the core process's connection.
    const db = new Database(t.core.dbFile, { readonly: true });
    try {
      expect(db.prepare('SELECT name, role FROM operators').all()).toEqual([{ name: 'boss', role: 'admin' }]);
      expect(db.prepare("SELECT transport FROM audit_log WHERE method = 'setup.createAdmin'").all()).toEqual([{ transport: 'ipc' }]);
    } finally {
      db.close();
    }
  });

  it("keeps the adapter's checks in the main process: a foreign frame or an unknown method never reaches the core", async () => {
    const t = await launch();
    const posted = t.child.posted;
    expect(await t.call('setup.createAdmin', { name: 'mallory', password: 'correct-horse' }, 1, 'https://evil.example/')).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    expect(await t.call('setup.createAdmin', { name: 'mallory', password: 'correct-horse' }, 1, null)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    for (const name of ['no.suchMethod', 'stop', 'open', 42, undefined]) {
      expect(await t.call(name)).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    }
    expect(await t.ipc.invokeOn(SAVE_DOWNLOAD_CHANNEL, 'https://evil.example/', 1, '/download/reports/x')).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(t.child.posted).toBe(posted);
    expect(t.logged.filter((l) => l.message.endsWith('from an untrusted frame refused'))).toHaveLength(3);
    // Nothing ran: the depot still asks for its first admin.
    expect(await t.call('auth.me')).toEqual({ ok: true, data: { operator: null, setupRequired: true } });
  });

  it('sends the core events to every window: system.started, and an alert the shell shows as a notification', async () => {
    const t = await launch();
    await t.core.started();
    await waitFor('system.started at both windows', () => t.windows.every((w) => t.events(w).some((e) => e.type === 'system.started')));
    await withAdmin(t);
    // Wrong passwords in a row raise a warning alert naming the operator (operators/service.ts).
    for (let i = 0; i < 6; i += 1) await t.call('auth.login', { name: 'boss', password: 'wrong-horse' }, 2);
    await waitFor('the alert at the window', () => t.events(t.windows[0]).some((e) => e.type === 'alert'));
    const alert = t.events(t.windows[0]).find((e) => e.type === 'alert')!;
    expect(alert).toMatchObject({ type: 'alert', payload: { level: 'warning', message: expect.stringContaining('boss') } });
    expect(alertNotification(alert, t.core.locale)).toEqual({ title: expect.any(String), body: expect.stringContaining('boss') });
    expect(t.events(t.windows[1]).filter((e) => e.type === 'alert')).toHaveLength(t.events(t.windows[0]).filter((e) => e.type === 'alert').length);
  });

  it("saves an export where the operator chose: the core asks the main process's save dialog and copies the file", async () => {
    const dest = tempDir('core-process-save-');
    const t = await launch({ dialog: (fileName) => ({ canceled: false, filePath: path.join(dest, fileName) }) });
    await withAdmin(t);
    const asked = await t.call('reports.export', { kind: 'list', list: 'sessions' });
    expect(asked).toMatchObject({ ok: true });
    const exportId = (asked as { data: { id: string } }).data.id;
    let status: { state?: string; downloadUrl?: string | null } = {};
    for (let i = 0; i < 600 && status.state !== 'done' && status.state !== 'failed'; i += 1) {
      const r = await t.call('reports.exportStatus', { exportId });
      status = (r as { data: typeof status }).data;
      if (status.state !== 'done') await new Promise((r2) => setTimeout(r2, 100));
    }
    expect(status).toMatchObject({ state: 'done' });
    const saved = await t.ipc.invokeOn(SAVE_DOWNLOAD_CHANNEL, OUR_PAGE, 1, status.downloadUrl);
    expect(saved).toMatchObject({ ok: true, data: { saved: true } });
    const file = (saved as { data: { path: string; fileName: string } }).data;
    expect(t.dialogs).toEqual([{ windowId: 1, fileName: file.fileName }]);
    expect(path.dirname(file.path)).toBe(dest);
    expect(fs.readFileSync(file.path).subarray(0, 2).toString()).toBe('PK');
    // Window 2 has no login: refused by the core without a dialog.
    expect(await t.ipc.invokeOn(SAVE_DOWNLOAD_CHANNEL, OUR_PAGE, 2, status.downloadUrl)).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
    expect(t.dialogs).toHaveLength(1);
  });

  it('a core process that dies rejects the pending call at once, naming the exit, refuses later ones, and is reported once', async () => {
    const t = await launch();
    const pid = t.child.pid!;
    // Frozen, so the call is surely pending when the process dies.
    process.kill(pid, 'SIGSTOP');
    const pending = t.call('auth.me');
    await waitFor('the call to be pending', () => t.core.link.pending === 1);
    process.kill(pid, 'SIGKILL');
    const r = await pending;
    expect(r).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    expect((r as { error: { message: string } }).error.message).toMatch(/^the call auth\.me did not finish: the DepotDesk core process exited \(code 137\)/);
    await waitFor('the death notice', () => t.deaths.length > 0);
    expect(t.deaths).toHaveLength(1);
    expect(t.deaths[0]).toMatch(/^the DepotDesk core process exited \(code 137\)/);
    const later = await t.call('auth.me');
    expect(later).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    expect((later as { error: { message: string } }).error.message).toMatch(/^the call auth\.me was not sent: the DepotDesk core process exited/);
    // Stopping a dead core does not hang, and says nothing was closed.
    expect(await t.core.stop()).toEqual({ closed: false, exitCode: 137 });
    expect(t.deaths).toHaveLength(1);
  });

  it('refuses and logs a malformed message on either side, and goes on serving', async () => {
    const t = await launch();
    // To the core: a call without its window context. The core logs it and answers its id.
    t.child.postMessage({ kind: 'call', id: 4242, method: 'auth.me', input: {} });
    await waitFor('the refusal', () => t.logged.some((l) => l.message === 'a reply from the core process to no pending request was dropped' && l.fields.id === 4242));
    const coreLog = fs.readFileSync(path.join(t.dataDir, 'logs', 'depotdesk.log'), 'utf8');
    expect(coreLog).toContain('malformed message from the main process refused');
    expect(coreLog).toContain('context');

    // From the core (what child.on('message') feeds the relay): an event without its fields.
    t.core.link.receive({ kind: 'event', event: { type: 'alert' } });
    t.core.link.receive('not an object');
    expect(t.logged.filter((l) => l.message === 'malformed message from the core process refused')).toHaveLength(2);
    expect(t.events(t.windows[0]).filter((e) => e.type === 'alert')).toEqual([]);

    expect(await t.call('auth.me')).toMatchObject({ ok: true });
  });

  it('stop closes the database (no -wal left), the door and the serving lock, then ends the process; once', async () => {
    const t = await launch();
    await withAdmin(t);
    expect(fs.existsSync(path.join(t.dataDir, 'instance.json'))).toBe(true);
    expect(fs.existsSync(path.join(t.dataDir, 'serving.lock'))).toBe(true);
    t.unregister();
    const stopped = await t.core.stop();
    expect(stopped.closed).toBe(true);
    expect(typeof stopped.exitCode).toBe('number');
    expect(await t.core.stop()).toBe(stopped);
    expect(fs.existsSync(`${t.core.dbFile}-wal`)).toBe(false);
    expect(fs.existsSync(path.join(t.dataDir, 'instance.json'))).toBe(false);
    expect(fs.existsSync(path.join(t.dataDir, 'serving.lock'))).toBe(false);
    expect(t.deaths).toEqual([]);
    await expect(t.core.backend.call(1, 'auth.me', {})).rejects.toMatchObject({ code: 'unavailable' });
    const db = new Database(t.core.dbFile, { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) AS n FROM operators').get()).toEqual({ n: 1 });
    } finally {
      db.close();
    }
  });

  it("a core that cannot open rejects the start with the core's own error, and the child is ended", async () => {
    const dataDir = depotDir({ http: { port: 0, typo: true } });
    const forks: FakeUtilityProcess[] = [];
    const start = startCoreProcess({
      fork: (entry, args, options) => {
        const child = forkUtility(entry, args, options);
        forks.push(child);
        return child;
      },
      entry: ENTRY,
      dataDir,
      nativeBinding: null,
      secretsKey: () => {
        throw new Error('never asked: the core did not open');
      },
      saveDialog: () => Promise.resolve({ canceled: true }),
      log: { warn: () => {}, error: () => {} },
      onUnexpectedExit: (why) => {
        throw new Error(`not a death after start: ${why}`);
      },
    });
    await expect(start).rejects.toMatchObject({ code: 'config_invalid', message: expect.stringContaining('typo') });
    await waitFor('the child to end', () => forks[0].exitCode !== undefined);
  });
});
