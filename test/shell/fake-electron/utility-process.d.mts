// Types for utility-process.mjs, for the tests that import it from TypeScript.
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';

export declare class FakeUtilityProcess extends EventEmitter {
  constructor(entry: string, args?: string[], options?: { serviceName?: string; stdio?: string; env?: NodeJS.ProcessEnv });
  readonly entry: string;
  readonly options: { serviceName?: string; stdio?: string; env?: NodeJS.ProcessEnv };
  readonly process: ChildProcess;
  readonly pid: number | undefined;
  readonly stdout: NodeJS.ReadableStream | null;
  readonly stderr: NodeJS.ReadableStream | null;
  /** Messages posted to the child so far. */
  readonly posted: number;
  exitCode?: number;
  postMessage(message: unknown): void;
  kill(): boolean;
}

export declare function forkUtility(entry: string, args?: string[], options?: { serviceName?: string; stdio?: string; env?: NodeJS.ProcessEnv }): FakeUtilityProcess;
