import { parseArgs, type ParseArgsConfig } from 'node:util';
import readline from 'node:readline';
import type { AppContext } from '../kernel/context';
import { openCore } from '../boot/core';
import { DepotError, type ErrorShape } from '../kernel/errors';
import { createLogger } from '../kernel/logger';
import { dispatch } from '../contract/dispatch';
import type { Caller, OperatorIdentity } from '../kernel/method';
import { authenticate } from '../operators';
import { RpcClient } from './rpc-client';

/**
 * The CLI's conventions, in one place:
 * - commands are `<noun> <verb>` (or a single word), options after them;
 * - global options: --db FILE, --data-dir DIR, --set key=value (repeatable), --json, --as NAME;
 * - exit 0 ok, 1 a failed check or a refused business action, 2 a usage error;
 * - errors go to stderr and name the problem; --json output goes to stdout only.
 * Commands that act as an operator go through the same contract dispatcher as the app, so roles
 * and the audit log apply to the CLI too.
 */

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface GlobalOptions {
  db?: string;
  dataDir?: string;
  set: string[];
  json: boolean;
  as?: string;
}

export interface CommandContext {
  args: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  global: GlobalOptions;
  /** Open the core on the database file (migrating it). Closed when the command ends. */
  openApp(): AppContext;
  /** Call a contract method as the --as operator, in this process. Throws a DepotError on failure. */
  call<T = unknown>(method: string, params?: unknown): Promise<T>;
  /** Call a method on the running instance over its /rpc (for commands that need the live core). */
  remote(): Promise<RpcClient>;
  /** Print the result: JSON under --json, else the human text. */
  print(data: unknown, human?: string | (() => string)): void;
  progress(line: string): void;
}

export interface Command {
  name: string;
  summary: string;
  usage?: string;
  options?: OptionSpec;
  allowPositionals?: boolean;
  run(cx: CommandContext): Promise<number | void> | number | void;
}

export const GLOBAL_OPTIONS = {
  db: { type: 'string' },
  'data-dir': { type: 'string' },
  set: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  as: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionSpec;

export class UsageError extends DepotError {
  constructor(message: string, details?: unknown) {
    super('usage', message, details);
  }
}

export function exitCodeFor(error: ErrorShape): number {
  return error.code === 'usage' || error.code === 'invalid_input' || error.code === 'unknown_method' ? 2 : 1;
}

export async function readPassword(prompt: string): Promise<string> {
  if (process.env.DEPOTDESK_PASSWORD) return process.env.DEPOTDESK_PASSWORD;
  if (!process.stdin.isTTY) {
    throw new UsageError('no password: set DEPOTDESK_PASSWORD or run in a terminal to be asked', { field: 'DEPOTDESK_PASSWORD' });
  }
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  // Echo nothing while the password is typed.
  const out = rl as unknown as { _writeToOutput: (s: string) => void; output: NodeJS.WriteStream };
  let prompted = false;
  out._writeToOutput = (s: string) => {
    if (!prompted) {
      out.output.write(s);
      prompted = true;
    }
  };
  const answer = await new Promise<string>((resolve) => rl.question(prompt, resolve));
  rl.close();
  process.stderr.write('\n');
  return answer;
}

export function buildContext(command: Command, global: GlobalOptions, args: CommandContext['args'], positionals: string[], cleanup: (() => void)[]): CommandContext {
  let app: AppContext | null = null;
  let operator: OperatorIdentity | null = null;
  const openApp = (): AppContext => {
    if (!app) {
      app = openCore({
        dataDir: global.dataDir,
        db: global.db,
        overrides: global.set,
        mode: 'cli',
        log: createLogger({ level: 'warn' }),
      });
      const opened = app;
      cleanup.push(() => opened.close());
    }
    return app;
  };
  return {
    args,
    positionals,
    global,
    openApp,
    async call<T>(method: string, params?: unknown): Promise<T> {
      const a = openApp();
      if (!operator && global.as) operator = await authenticate(a, global.as, await readPassword(`password for ${global.as}: `));
      const caller: Caller = {
        operator,
        transport: 'cli',
        session: {
          signIn: (op) => {
            operator = op;
            return { token: '' };
          },
          signOut: () => {
            operator = null;
          },
        },
      };
      const result = await dispatch(a, caller, method, params ?? {});
      if (!result.ok) {
        if (result.error.code === 'unauthenticated' && !global.as) {
          throw new UsageError(`${command.name} acts as an operator: add --as NAME (password from DEPOTDESK_PASSWORD)`, { field: '--as' });
        }
        throw new DepotError(result.error.code, result.error.message, result.error.details);
      }
      return result.data as T;
    },
    async remote() {
      const client = RpcClient.forDataDir({ dataDir: global.dataDir, db: global.db });
      if (global.as) await client.login(global.as, await readPassword(`password for ${global.as}: `));
      return client;
    },
    print(data, human) {
      if (global.json) process.stdout.write(JSON.stringify(data, null, 2) + '\n');
      else if (human !== undefined) process.stdout.write((typeof human === 'function' ? human() : human) + '\n');
      else process.stdout.write(JSON.stringify(data, null, 2) + '\n');
    },
    progress(line) {
      // Progress is for people; under --json it goes to stderr so stdout stays one JSON document.
      (global.json ? process.stderr : process.stdout).write(line + '\n');
    },
  };
}

export function parseCommandArgs(command: Command, argv: string[]) {
  return parseArgs({
    args: argv,
    options: { ...GLOBAL_OPTIONS, ...(command.options ?? {}) },
    allowPositionals: command.allowPositionals ?? false,
    strict: true,
  });
}

/** A required string option, trimmed; missing or blank is a usage error naming it. */
export function requireOption(cx: Pick<CommandContext, 'args'>, name: string, what?: string): string {
  const v = cx.args[name];
  if (typeof v !== 'string' || v.trim() === '') {
    throw new UsageError(`--${name} is required${what ? ` (${what})` : ''}`, { field: `--${name}` });
  }
  return v.trim();
}

/** The one id a command like `campaign show ID` takes; missing or more than one is a usage error. */
export function requireId(cx: Pick<CommandContext, 'positionals'>, command: string, what = 'id'): string {
  const id = cx.positionals[0];
  if (!id) throw new UsageError(`${command} needs the ${what} (e.g. ${command} 01J…)`, { field: 'ID' });
  if (cx.positionals.length > 1) throw new UsageError(`${command} takes one ${what}, got ${cx.positionals.length}`, { field: 'ID' });
  return id;
}

/** An optional string option, trimmed; blank counts as absent. */
export function optionalOption(cx: Pick<CommandContext, 'args'>, name: string): string | undefined {
  const v = cx.args[name];
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}
