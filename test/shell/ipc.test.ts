import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { operatorCount } from '../../src-main/operators';
import {
  CALL_CHANNEL,
  EVENT_CHANNEL,
  SAVE_DOWNLOAD_CHANNEL,
  registerIpc,
  type IpcInvokeEventLike,
  type IpcMainLike,
  type SaveDialogLike,
  type WebContentsLike,
} from '../../src-main/contract/ipc';
import type { CallResult } from '../../src-main/contract/types';
import type { DepotEvent } from '../../src-main/kernel/events';
import type { DownloadFile } from '../../src-main/kernel/plugins';
import { requestExport, runExport } from '../../src-main/reports';
import {
  CALL_CHANNEL as PRELOAD_CALL_CHANNEL,
  EVENT_CHANNEL as PRELOAD_EVENT_CHANNEL,
  SAVE_DOWNLOAD_CHANNEL as PRELOAD_SAVE_DOWNLOAD_CHANNEL,
} from '../../src-preload/bridge';
import { addOperator, makeApp, tempDir } from '../helpers';

/** ipcMain as the adapter sees it: one handler per channel, invoked the way Electron would. */
class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, (event: IpcInvokeEventLike, ...args: unknown[]) => unknown>();
  handle(channel: string, listener: (event: IpcInvokeEventLike, ...args: unknown[]) => unknown): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  async invoke(frameUrl: string | null, windowId: number, request: unknown): Promise<CallResult> {
    const handler = this.handlers.get(CALL_CHANNEL);
    if (!handler) throw new Error(`No handler registered for '${CALL_CHANNEL}'`);
    const event: IpcInvokeEventLike = { sender: { id: windowId }, senderFrame: frameUrl === null ? null : { url: frameUrl } };
    return (await handler(event, request)) as CallResult;
  }
  async invokeOn(channel: string, frameUrl: string | null, windowId: number, arg: unknown): Promise<CallResult> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    return (await handler({ sender: { id: windowId }, senderFrame: frameUrl === null ? null : { url: frameUrl } }, arg)) as CallResult;
  }
}

class FakeWindow implements WebContentsLike {
  readonly sent: { channel: string; args: unknown[] }[] = [];
  destroyed = false;
  constructor(readonly id: number) {}
  isDestroyed(): boolean {
    return this.destroyed;
  }
  send(channel: string, ...args: unknown[]): void {
    if (this.destroyed) throw new Error('Object has been destroyed');
    this.sent.push({ channel, args });
  }
}

const OUR_PAGE = 'app://depotdesk/index.html';

function setup(opts: { devServerUrl?: string | null; saveDialog?: SaveDialogLike } = {}) {
  const { app } = makeApp();
  const ipc = new FakeIpcMain();
  const windows: FakeWindow[] = [];
  const unregister = registerIpc(app, ipc, { devServerUrl: opts.devServerUrl, windows: () => windows, saveDialog: opts.saveDialog });
  return { app, ipc, windows, unregister };
}

describe('the contract over Electron IPC', () => {
  it('uses the same channel names as the preload', () => {
    expect(PRELOAD_CALL_CHANNEL).toBe(CALL_CHANNEL);
    expect(PRELOAD_EVENT_CHANNEL).toBe(EVENT_CHANNEL);
    expect(PRELOAD_SAVE_DOWNLOAD_CHANNEL).toBe(SAVE_DOWNLOAD_CHANNEL);
  });

  it.each([
    ['a file:// page', 'file:///home/op/depotdesk/out/renderer/index.html'],
    ['a web page the window was tricked into', 'https://evil.example/'],
    ['our origin with credentials smuggled in', 'app://user:pass@depotdesk/index.html'],
    ['a frame that is gone (null senderFrame)', null],
    ['another app:// host', 'app://other/index.html'],
    ['a look-alike app:// host', 'app://depotdesk.evil.example/index.html'],
    ['our host with a port', 'app://depotdesk:8080/index.html'],
    ['a dev server when none is configured', 'http://localhost:5173/'],
    ['about:blank (an injected iframe)', 'about:blank'],
    ['a data: URL frame', 'data:text/html,<script>depot</script>'],
    ['garbage', 'not a url'],
  ])('refuses a call from %s and runs nothing', async (_name, frameUrl) => {
    const { app, ipc } = setup();
    const r = await ipc.invoke(frameUrl, 1, { method: 'setup.createAdmin', params: { name: 'mallory', password: 'correct-horse' } });
    expect(r).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(operatorCount(app)).toBe(0);
    const audited = app.sqlite.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number };
    expect(audited.n).toBe(0);
  });

  it('answers our own window: a fresh depot asks for its first admin', async () => {
    const { ipc } = setup();
    const r = await ipc.invoke(OUR_PAGE, 1, { method: 'auth.me', params: {} });
    expect(r).toEqual({ ok: true, data: { operator: null, setupRequired: true } });
  });

  it('passes bad requests to the dispatcher, which names the problem instead of throwing', async () => {
    const { ipc } = setup();
    await expect(ipc.invoke(OUR_PAGE, 1, undefined)).resolves.toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    await expect(ipc.invoke(OUR_PAGE, 1, { method: 'no.suchMethod' })).resolves.toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    await expect(ipc.invoke(OUR_PAGE, 1, { method: 'auth.login', params: { name: 'x' } })).resolves.toMatchObject({
      ok: false,
      error: { code: 'invalid_input' },
    });
  });

  it('keeps one login per window: the operator who signed in on window 1 is not signed in on window 2', async () => {
    const { app, ipc } = setup();
    const op = await addOperator(app, 'supervisor', 'wang.li');
    const login = await ipc.invoke(OUR_PAGE, 1, { method: 'auth.login', params: { name: 'wang.li', password: 'correct-horse' } });
    expect(login).toMatchObject({ ok: true, data: { operator: { id: op.id } } });

    expect(await ipc.invoke(OUR_PAGE, 1, { method: 'auth.me', params: {} })).toMatchObject({ ok: true, data: { operator: { id: op.id } } });
    expect(await ipc.invoke(OUR_PAGE, 2, { method: 'auth.me', params: {} })).toMatchObject({ ok: true, data: { operator: null } });
    // A supervisor-only query works on window 1 and is refused on window 2.
    expect(await ipc.invoke(OUR_PAGE, 1, { method: 'operators.list', params: {} })).toMatchObject({ ok: true });
    expect(await ipc.invoke(OUR_PAGE, 2, { method: 'operators.list', params: {} })).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });

    expect(await ipc.invoke(OUR_PAGE, 1, { method: 'auth.logout', params: {} })).toMatchObject({ ok: true });
    expect(await ipc.invoke(OUR_PAGE, 1, { method: 'auth.me', params: {} })).toMatchObject({ ok: true, data: { operator: null } });
  });

  it('a login made from our window does not carry over to a hostile frame of the same window', async () => {
    const { app, ipc } = setup();
    await addOperator(app, 'admin', 'boss');
    await ipc.invoke(OUR_PAGE, 7, { method: 'auth.login', params: { name: 'boss', password: 'correct-horse' } });
    const r = await ipc.invoke('https://evil.example/frame', 7, { method: 'operators.list', params: {} });
    expect(r).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('trusts the dev server origin only when one is configured, and only that origin', async () => {
    const { ipc } = setup({ devServerUrl: 'http://localhost:5173' });
    expect(await ipc.invoke('http://localhost:5173/#/dashboard', 1, { method: 'auth.me', params: {} })).toMatchObject({ ok: true });
    expect(await ipc.invoke('http://localhost:5174/', 1, { method: 'auth.me', params: {} })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await ipc.invoke('https://localhost:5173/', 1, { method: 'auth.me', params: {} })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('pushes every event to every open window and skips windows already destroyed', () => {
    const { app, windows } = setup();
    const a = new FakeWindow(1);
    const b = new FakeWindow(2);
    const closed = new FakeWindow(3);
    closed.destroyed = true;
    windows.push(a, b, closed);

    app.events.emit('alert', { level: 'warning', code: 'charger_offline', message: 'CP-07 went offline', notify: ['operator'], sound: false });

    for (const w of [a, b]) {
      expect(w.sent).toHaveLength(1);
      expect(w.sent[0].channel).toBe(EVENT_CHANNEL);
      const event = w.sent[0].args[0] as DepotEvent;
      expect(event).toMatchObject({ type: 'alert', payload: { code: 'charger_offline', message: 'CP-07 went offline' } });
      expect(typeof event.at).toBe('number');
    }
    expect(closed.sent).toHaveLength(0);
  });

  it('stops answering and pushing once unregistered (shutdown)', async () => {
    const { app, ipc, windows, unregister } = setup();
    const w = new FakeWindow(1);
    windows.push(w);
    unregister();
    app.events.emit('dashboard.changed', { reason: 'test' });
    expect(w.sent).toHaveLength(0);
    await expect(ipc.invoke(OUR_PAGE, 1, { method: 'auth.me', params: {} })).rejects.toThrow(/No handler/);
    await expect(ipc.invokeOn(SAVE_DOWNLOAD_CHANNEL, OUR_PAGE, 1, '/download/reports/x')).rejects.toThrow(/No handler/);
  });
});

describe('saving a download through the native save dialog (depot:saveDownload)', () => {
  /** A finished revenue export by a finance operator signed in on window 1, and the dialog's answers. */
  async function withExport(answer: (file: DownloadFile) => { canceled: boolean; filePath?: string }) {
    const asked: { windowId: number; fileName: string }[] = [];
    const t = setup({
      saveDialog: (windowId, file) => {
        asked.push({ windowId, fileName: file.fileName });
        return Promise.resolve(answer(file));
      },
    });
    const fin = await addOperator(t.app, 'finance', 'li.kuaiji');
    const other = await addOperator(t.app, 'finance', 'zhao.kuaiji');
    await t.ipc.invoke(OUR_PAGE, 1, { method: 'auth.login', params: { name: 'li.kuaiji', password: 'correct-horse' } });
    await t.ipc.invoke(OUR_PAGE, 2, { method: 'auth.login', params: { name: 'zhao.kuaiji', password: 'correct-horse' } });
    const e = requestExport(t.app, { kind: 'revenue', from: '2026-01-14' }, { operatorId: fin.id });
    const done = await runExport(t.app, e.id);
    return { ...t, asked, exportId: e.id, source: path.join(t.app.paths.dataDir, done.path!), other };
  }

  it('copies the export where the operator chose, by downloadUrl or by { provider, id }', async () => {
    const dir = tempDir();
    let n = 0;
    const t = await withExport((file) => ({ canceled: false, filePath: path.join(dir, `${++n}-${file.fileName}`) }));
    const byUrl = await t.ipc.invokeOn(SAVE_DOWNLOAD_CHANNEL, OUR_PAGE, 1, `/download/reports/${t.exportId}`);
    expect(byUrl).toEqual({ ok: true, data: { saved: true, path: path.join(dir, '1-营收报表-2026-01-14.xlsx'), fileName: '营收报表-2026-01-14.xlsx' } });
    expect(fs.readFileSync(path.join(dir, '1-营收报表-2026-01-14.xlsx')).equals(fs.readFileSync(t.source))).toBe(true);
    const byParts = await t.ipc.invokeOn(SAVE_DOWNLOAD_CHANNEL, OUR_PAGE, 1, { provider: 'reports', id: t.exportId });
    expect(byParts).toMatchObject({ ok: true, data: { saved: true } });
    expect(t.asked).toEqual([
      { windowId: 1, fileName: '营收报表-2026-01-14.xlsx' },
      { windowId: 1, fileName: '营收报表-2026-01-14.xlsx' },
    ]);
  });

  it('a cancelled dialog saves nothing and says so', async () => {
    const t = await withExport(() => ({ canceled: true }));
    expect(await t.ipc.invokeOn(SAVE_DOWNLOAD_CHANNEL, OUR_PAGE, 1, `/download/reports/${t.exportId}`)).toEqual({
      ok: true,
      data: { saved: false, path: null, fileName: '营收报表-2026-01-14.xlsx' },
    });
  });

  it('refuses what HTTP refuses, without opening the dialog: another operator, no login, a foreign frame, an unknown provider or id, a malformed target', async () => {
    const t = await withExport(() => ({ canceled: false, filePath: path.join(tempDir(), 'never.xlsx') }));
    const url = `/download/reports/${t.exportId}`;
    expect(await t.ipc.invokeOn(SAVE_DOWNLOAD_CHANNEL, OUR_PAGE, 2, url)).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await t.ipc.invokeOn(SAVE_DOWNLOAD_CHANNEL, OUR_PAGE, 3, url)).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
    expect(await t.ipc.invokeOn(SAVE_DOWNLOAD_CHANNEL, 'https://evil.example/', 1, url)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await t.ipc.invokeOn(SAVE_DOWNLOAD_CHANNEL, OUR_PAGE, 1, '/download/nothing/x')).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await t.ipc.invokeOn(SAVE_DOWNLOAD_CHANNEL, OUR_PAGE, 1, '/download/reports/nope')).toMatchObject({ ok: false, error: { code: 'not_found' } });
    for (const bad of ['/download/reports/../../etc/passwd', 'reports/x', 42, null, { provider: 'reports' }, { provider: '../x', id: 'y' }]) {
      expect(await t.ipc.invokeOn(SAVE_DOWNLOAD_CHANNEL, OUR_PAGE, 1, bad)).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    }
    expect(t.asked).toEqual([]);
  });
});
