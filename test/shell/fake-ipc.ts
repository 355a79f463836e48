import type { IpcInvokeEventLike, IpcMainLike, WebContentsLike } from '../../src-main/contract/ipc';
import type { CallResult } from '../../src-main/contract/types';

/** ipcMain as the IPC adapter sees it: one handler per channel, invoked the way Electron would. */
export class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, (event: IpcInvokeEventLike, ...args: unknown[]) => unknown>();
  handle(channel: string, listener: (event: IpcInvokeEventLike, ...args: unknown[]) => unknown): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  async invokeOn(channel: string, frameUrl: string | null, windowId: number, arg: unknown): Promise<CallResult> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    return (await handler({ sender: { id: windowId }, senderFrame: frameUrl === null ? null : { url: frameUrl } }, arg)) as CallResult;
  }
}

/** A window's webContents: records what is pushed to it. */
export class FakeWindow implements WebContentsLike {
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
