import type { z } from 'zod';
import type { IpcBackend } from '../contract/ipc';
import type { CallResult } from '../contract/types';
import { DepotError } from '../kernel/errors';
import type { DepotEvent } from '../kernel/events';
import { coreOps, createLink, shellOps, type Link, type LinkLog, type SecretsKeyHandoff } from './core-link';

/**
 * The main process's side of the core process: forks src-main/core-process.ts as an Electron
 * utility process, drives its start, relays the windows' calls to it and its events back, and
 * stops it. Written against the few pieces of utilityProcess it needs, so the tests fork a real
 * Node child in its place (test/shell/fake-electron/utility-process.mjs).
 *
 * Why a process of its own: the window's main process also runs Electron's UI plumbing (input,
 * painting, IPC); a synchronous SQLite statement or a long approval there freezes the window. The
 * core in a utility process has its own thread, its own event loop and its own connection; the
 * main process only relays (as Actual Budget runs its server apart from its window).
 *
 * Guarantees (test/shell/core-process.test.ts):
 * - Start: the core says it listens (`ready`), then `open`, then `serve` with the secrets key the main process prepared for the file the
 *   core named; any failure rejects with the core's own message, and the child is ended.
 * - The child dying rejects every pending call at once with `unavailable` naming its exit code and
 *   the last lines it wrote; a death after start is reported once through onUnexpectedExit (the
 *   shell shows a fatal dialog: we do not restart it, see docs/architecture.md).
 * - Stop asks the core to close the database, waits at most `stopTimeoutMs` for the answer (a
 *   timeout is logged as one), then ends the process either way; it runs once.
 */

/** What the relay needs of Electron's UtilityProcess. */
export interface UtilityProcessLike {
  readonly pid?: number | undefined;
  readonly stdout?: NodeJS.ReadableStream | null;
  readonly stderr?: NodeJS.ReadableStream | null;
  postMessage(message: unknown): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  kill(): boolean;
}

export interface CoreForkOptions {
  serviceName: string;
  stdio: 'pipe';
}

export const CORE_SERVICE_NAME = 'DepotDesk core';
/** How long stop waits for the core to close its database before ending the process. */
export const STOP_BOUND_MS = 15_000;

export interface CoreProcessOptions {
  fork(entry: string, args: string[], options: CoreForkOptions): UtilityProcessLike;
  entry: string;
  dataDir: string;
  nativeBinding: string | null;
  /** The key handoff for the secrets key file the core names (shell/secret-keeper.ts prepareSecretsKey). */
  secretsKey(plainFile: string): SecretsKeyHandoff;
  /** The native save dialog for a window (the core asks; the operator may take their time). */
  saveDialog(windowId: number, fileName: string): Promise<{ canceled: boolean; filePath?: string }>;
  log: LinkLog;
  /** The core process ended after start without being asked to. */
  onUnexpectedExit(message: string): void;
  stopTimeoutMs?: number;
}

export interface CoreProcess {
  readonly backend: IpcBackend;
  readonly locale: 'zh-CN' | 'en-US';
  readonly dbFile: string;
  readonly door: string | null;
  readonly child: UtilityProcessLike;
  readonly link: Link<typeof shellOps>;
  /** The window is up: the core announces system.started. */
  started(): Promise<void>;
  stop(): Promise<{ closed: boolean; exitCode: number | null }>;
}

/** Forwards the child's output to ours and keeps its last lines for a death notice. */
function captureOutput(child: UtilityProcessLike): () => string {
  const lines: string[] = [];
  const keep = (chunk: Buffer | string) => {
    for (const line of String(chunk).split('\n')) if (line.trim()) lines.push(line);
    lines.splice(0, Math.max(0, lines.length - 20));
  };
  child.stdout?.on('data', (chunk: Buffer) => process.stdout.write(chunk));
  child.stderr?.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    keep(chunk);
  });
  return () => (lines.length > 0 ? `; its last output:\n${lines.join('\n')}` : '');
}

function fanOut(listeners: Set<(event: DepotEvent) => void>, event: DepotEvent, log: LinkLog): void {
  for (const listener of listeners) {
    try {
      listener(event);
    } catch (e) {
      log.error({ err: e, event: event.type }, 'an event listener failed');
    }
  }
}

/** Asks the core to close the database, within `bound`; then ends the process either way. */
async function stopCore(link: Link<typeof shellOps>, child: UtilityProcessLike, exited: Promise<number>, bound: number, log: LinkLog): Promise<boolean> {
  let closed = false;
  try {
    closed = (await link.request('stop', {}, { timeoutMs: bound })).closed;
  } catch (e) {
    log.error({ err: e }, `the core process did not close its database cleanly; ending it (${(e as Error).message})`);
  }
  child.kill();
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, bound).unref())]);
  return closed;
}

export async function startCoreProcess(opts: CoreProcessOptions): Promise<CoreProcess> {
  const child = opts.fork(opts.entry, [], { serviceName: CORE_SERVICE_NAME, stdio: 'pipe' });
  const lastOutput = captureOutput(child);
  const listeners = new Set<(event: DepotEvent) => void>();
  let phase: 'starting' | 'running' | 'stopping' = 'starting';
  let exitCode: number | null = null;
  const exited = new Promise<number>((resolve) => child.on('exit', resolve));
  let markReady = () => {};
  let markGone: (e: DepotError) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    markGone = reject;
  });

  const link = createLink({
    peer: 'the core process',
    post: (message) => child.postMessage(message),
    ops: coreOps,
    theirs: shellOps,
    handlers: {
      ready: () => {
        markReady();
        return null;
      },
      saveDialog: ({ windowId, fileName }) => opts.saveDialog(windowId, fileName),
    },
    onEvent: (event) => fanOut(listeners, event, opts.log),
    log: opts.log,
  });
  child.on('message', (message) => link.receive(message));
  void exited.then((code) => {
    exitCode = code;
    // Give the last lines of stderr a moment to arrive: they usually say why.
    setTimeout(() => {
      const why = `the DepotDesk core process exited (code ${code})${phase === 'stopping' ? '' : lastOutput()}`;
      link.close(why);
      markGone(new DepotError('unavailable', `the core process did not start: ${why}`));
      if (phase === 'running') opts.onUnexpectedExit(why);
    }, 50);
  });

  let opened: z.output<typeof shellOps.open.output>;
  let door: string | null;
  try {
    await ready;
    opened = await link.request('open', { dataDir: opts.dataDir, nativeBinding: opts.nativeBinding });
    door = (await link.request('serve', { secretsKey: opts.secretsKey(opened.secretsKeyFile) })).door;
  } catch (e) {
    phase = 'stopping';
    // An open that failed has nothing to close; a serve that failed half-way closes what it can.
    await link.request('stop', {}, { timeoutMs: opts.stopTimeoutMs ?? STOP_BOUND_MS }).catch(() => {});
    child.kill();
    throw e;
  }
  phase = 'running';

  let stopping: Promise<{ closed: boolean; exitCode: number | null }> | null = null;
  const stop = async () => {
    phase = 'stopping';
    const closed = await stopCore(link, child, exited, opts.stopTimeoutMs ?? STOP_BOUND_MS, opts.log);
    return { closed, exitCode };
  };

  return {
    child,
    link,
    locale: opened.locale,
    dbFile: opened.dbFile,
    door,
    backend: {
      call: (windowId, method, params) => link.call(method, params, { windowId }) as Promise<CallResult>,
      saveDownload: (windowId, target) => link.request('saveDownload', { windowId, target }) as Promise<CallResult>,
      subscribe: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
    started: async () => {
      await link.request('started', {});
    },
    stop: () => (stopping ??= stop()),
  };
}
