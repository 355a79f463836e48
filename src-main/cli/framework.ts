import { parseArgs, type ParseArgsConfig } from 'node:util';
import readline from 'node:readline';
import type { AppContext } from '../kernel/context';
import { DepotError, type ErrorShape } from '../kernel/errors';
import type { RpcClient } from './rpc-client';

/**
 * The CLI's conventions, in one place:
 * - commands are `<noun> <verb>` (or a single word), options after them;
 * - global options: --db FILE, --data-dir DIR, --set key=value (repeatable), --json, --as NAME;
 * - exit 0 ok, 1 a failed check or a refused business action, 2 a usage error;
 * - errors go to stderr and name the problem; --json output goes to stdout only.
 * Commands that act as an operator go through the same contract dispatcher as the app, so roles
 * and the audit log apply to the CLI too (cli/context.ts).
 *
 * This file is loaded for every command and for `--help`, so it imports no domain and not the core:
 * the command context that opens the core lives in context.ts, loaded once a command runs.
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
  /** Opens the depot; `create` (init, demo) may make a --db's missing folder, other commands refuse it as a mistyped path. */
  openApp(opts?: { create?: boolean }): AppContext;
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

export function parseCommandArgs(command: Command, argv: string[]) {
  const options = { ...GLOBAL_OPTIONS, ...(command.options ?? {}) };
  return parseArgs({
    args: joinNegativeValues(argv, options),
    options,
    allowPositionals: command.allowPositionals ?? false,
    strict: true,
  });
}

/**
 * `--amount -5` is written `--amount=-5` before parsing: node's parser would call it "ambiguous"
 * and never let the command say what is wrong with a negative amount. Only a value that reads as a
 * number is joined; `--note --json` stays a missing value.
 */
function joinNegativeValues(argv: string[], options: OptionSpec): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const name = /^--([^=]+)$/.exec(argv[i])?.[1];
    const next = argv[i + 1];
    if (name && options[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      out.push(`${argv[i]}=${next}`);
      i += 1;
    } else {
      out.push(argv[i]);
    }
  }
  return out;
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
