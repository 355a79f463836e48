import { describe, expect, it } from 'vitest';
import { methodNames } from '../../src-main/modules';
import type { DepotEvent } from '../../src-main/kernel/events';
import { createBridge, methodsArgument, parseMethodNames, type RendererIpcLike } from '../../src-preload/bridge';
import { mainWindowOptions } from '../../src-main/shell/window';

type Listener = (event: unknown, ...args: unknown[]) => void;

/** ipcRenderer as the bridge sees it; records every invoke and holds the listeners. */
class FakeIpcRenderer implements RendererIpcLike {
  readonly invoked: { channel: string; args: unknown[] }[] = [];
  readonly listeners = new Map<string, Listener[]>();
  answer: (request: unknown) => Promise<unknown> = async () => ({ ok: true, data: 'answer' });

  invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    this.invoked.push({ channel, args });
    return this.answer(args[0]);
  }
  on(channel: string, listener: Listener): this {
    this.listeners.set(channel, [...(this.listeners.get(channel) ?? []), listener]);
    return this;
  }
  removeListener(channel: string, listener: Listener): this {
    this.listeners.set(
      channel,
      (this.listeners.get(channel) ?? []).filter((l) => l !== listener),
    );
    return this;
  }
  /** What Electron does on webContents.send: the IpcRendererEvent first, its `sender` is ipcRenderer. */
  push(channel: string, payload: unknown): void {
    for (const l of this.listeners.get(channel) ?? []) l({ sender: this, senderId: 0, ports: [] }, payload);
  }
}

const platform = { os: 'linux', arch: 'x64', versions: { electron: '45.4.1', chrome: '142', node: '22' } };

describe('the preload bridge (window.depot)', () => {
  it('exposes exactly the methods the main process listed, and nothing else', () => {
    const bridge = createBridge(new FakeIpcRenderer(), ['auth.me', 'sessions.start'], platform);
    expect(Object.keys(bridge).sort()).toEqual(['methods', 'onEvent', 'platform', 'saveDownload']);
    expect(Object.keys(bridge.methods)).toEqual(['auth.me', 'sessions.start']);
    expect(Object.getOwnPropertyNames(bridge.methods)).toEqual(['auth.me', 'sessions.start']);
    expect(Object.values(bridge.methods).every((f) => typeof f === 'function')).toBe(true);
    // No raw channel access under any name.
    const flat = JSON.stringify(Object.getOwnPropertyNames(bridge));
    expect(flat).not.toMatch(/invoke|send|ipc/i);
  });

  it('cannot be changed by the page: methods are frozen', () => {
    const bridge = createBridge(new FakeIpcRenderer(), ['auth.me'], platform);
    expect(Object.isFrozen(bridge)).toBe(true);
    expect(Object.isFrozen(bridge.methods)).toBe(true);
    expect(() => {
      (bridge.methods as Record<string, unknown>)['system.evil'] = () => 0;
    }).toThrow(TypeError);
  });

  it('sends each call over depot:call as { method, params } and returns the answer', async () => {
    const ipc = new FakeIpcRenderer();
    const bridge = createBridge(ipc, ['auth.login'], platform);
    await expect(bridge.methods['auth.login']({ name: 'wang.li', password: 'pw' })).resolves.toEqual({ ok: true, data: 'answer' });
    expect(ipc.invoked).toEqual([{ channel: 'depot:call', args: [{ method: 'auth.login', params: { name: 'wang.li', password: 'pw' } }] }]);
  });

  it('saves a download over depot:saveDownload with only the target, by URL or by its two parts; a silent main process is "unavailable"', async () => {
    const ipc = new FakeIpcRenderer();
    ipc.answer = async () => ({ ok: true, data: { saved: true, path: '/home/op/营收.xlsx', fileName: '营收.xlsx' } });
    const bridge = createBridge(ipc, [], platform);
    await expect(bridge.saveDownload('/download/reports/01J')).resolves.toEqual({ ok: true, data: { saved: true, path: '/home/op/营收.xlsx', fileName: '营收.xlsx' } });
    // Extra properties of an object the page passes are not sent on.
    await bridge.saveDownload({ provider: 'reports', id: '01J', extra: 'x' } as { provider: string; id: string });
    expect(ipc.invoked).toEqual([
      { channel: 'depot:saveDownload', args: ['/download/reports/01J'] },
      { channel: 'depot:saveDownload', args: [{ provider: 'reports', id: '01J' }] },
    ]);
    ipc.answer = () => Promise.reject(new Error("No handler registered for 'depot:saveDownload'"));
    await expect(bridge.saveDownload('/download/reports/01J')).resolves.toMatchObject({ ok: false, error: { code: 'unavailable' } });
  });

  it('turns a main process that does not answer into an "unavailable" result instead of a throw', async () => {
    const ipc = new FakeIpcRenderer();
    ipc.answer = () => Promise.reject(new Error("No handler registered for 'depot:call'"));
    const bridge = createBridge(ipc, ['auth.me'], platform);
    await expect(bridge.methods['auth.me']({})).resolves.toMatchObject({ ok: false, error: { code: 'unavailable' } });
  });

  it('delivers events without the IpcRendererEvent, and stops after unsubscribing', () => {
    const ipc = new FakeIpcRenderer();
    const bridge = createBridge(ipc, [], platform);
    const seen: unknown[][] = [];
    const off = bridge.onEvent((...args: unknown[]) => seen.push(args));
    const event: DepotEvent = { type: 'dashboard.changed', at: 1, payload: { reason: 'settled' } };
    ipc.push('depot:event', event);
    expect(seen).toEqual([[event]]);

    off();
    off(); // twice is harmless
    ipc.push('depot:event', event);
    expect(seen).toHaveLength(1);
    expect(ipc.listeners.get('depot:event')).toEqual([]);
  });

  it('listens only on depot:event', () => {
    const ipc = new FakeIpcRenderer();
    const bridge = createBridge(ipc, [], platform);
    const seen: unknown[] = [];
    bridge.onEvent((e) => seen.push(e));
    ipc.push('some:other', { type: 'alert' });
    expect(seen).toEqual([]);
    expect(() => bridge.onEvent('not a function' as unknown as () => void)).toThrow(TypeError);
  });
});

describe('the method list on the preload command line', () => {
  it('round-trips every contract method through the window settings', () => {
    const args = mainWindowOptions({ preloadPath: 'p', methodNames }).webPreferences.additionalArguments;
    expect(parseMethodNames(['/opt/DepotDesk/depotdesk', '--type=renderer', ...args])).toEqual(methodNames);
  });

  it('drops anything not shaped like a method name, and duplicates', () => {
    expect(parseMethodNames(['--depot-methods=auth.me,__proto__,constructor,a.b,,auth.me,x.y;rm,toString'])).toEqual(['auth.me', 'a.b']);
    expect(parseMethodNames(['--other=1'])).toEqual([]);
  });

  it('refuses to format a name the preload would not accept', () => {
    expect(methodsArgument(['auth.me'])).toBe('--depot-methods=auth.me');
    expect(() => methodsArgument(['__proto__'])).toThrow();
  });
});
