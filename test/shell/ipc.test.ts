import { describe, expect, it } from 'vitest';
import { operatorCount } from '../../src-main/operators';
import { CALL_CHANNEL, EVENT_CHANNEL, registerIpc, type IpcInvokeEventLike, type IpcMainLike, type WebContentsLike } from '../../src-main/contract/ipc';
import type { CallResult } from '../../src-main/contract/types';
import type { DepotEvent } from '../../src-main/kernel/events';
import { CALL_CHANNEL as PRELOAD_CALL_CHANNEL, EVENT_CHANNEL as PRELOAD_EVENT_CHANNEL } from '../../src-preload/bridge';
import { addOperator, makeApp } from '../helpers';

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

function setup(opts: { devServerUrl?: string | null } = {}) {
  const { app } = makeApp();
  const ipc = new FakeIpcMain();
  const windows: FakeWindow[] = [];
  const unregister = registerIpc(app, ipc, { devServerUrl: opts.devServerUrl, windows: () => windows });
  return { app, ipc, windows, unregister };
}

describe('the contract over Electron IPC', () => {
  it('uses the same channel names as the preload', () => {
    expect(PRELOAD_CALL_CHANNEL).toBe(CALL_CHANNEL);
    expect(PRELOAD_EVENT_CHANNEL).toBe(EVENT_CHANNEL);
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

    app.events.emit('alert', { level: 'warning', code: 'charger_offline', message: 'CP-07 went offline' });

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
  });
});
