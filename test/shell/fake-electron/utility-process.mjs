// A stand-in for Electron's utilityProcess.fork: a real Node child process running the entry
// behind utility-child.mjs, which gives it `process.parentPort` as Electron would. Messages go
// through Node's IPC channel with structured clone ('advanced'), as Electron's port does; the
// child's stdout and stderr are pipes when asked ('pipe'), and 'exit' carries a number.
import { fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const SHIM = fileURLToPath(new URL('./utility-child.mjs', import.meta.url));

export class FakeUtilityProcess extends EventEmitter {
  constructor(entry, args = [], options = {}) {
    super();
    this.entry = entry;
    this.options = options;
    this.posted = 0;
    const piped = options.stdio === 'pipe';
    this.process = fork(SHIM, [entry, ...args], {
      // TypeScript entries (the tests run the sources) load through tsx; built ones run as they are.
      execArgv: entry.endsWith('.ts') ? ['--import', 'tsx'] : [],
      serialization: 'advanced',
      stdio: piped ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'inherit', 'inherit', 'ipc'],
      env: options.env ?? process.env,
    });
    this.pid = this.process.pid;
    this.stdout = this.process.stdout ?? null;
    this.stderr = this.process.stderr ?? null;
    this.process.on('spawn', () => this.emit('spawn'));
    this.process.on('message', (message) => this.emit('message', message));
    this.process.on('exit', (code, signal) => {
      this.exitCode = code ?? 128 + (os.constants.signals[signal] ?? 0);
      this.emit('exit', this.exitCode);
    });
  }
  postMessage(message) {
    this.posted += 1;
    // Electron drops a message to a process that is gone; Node's channel would throw.
    if (this.process.connected) this.process.send(message);
  }
  kill() {
    return this.process.kill();
  }
}

export function forkUtility(entry, args, options) {
  return new FakeUtilityProcess(entry, args, options);
}
