import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openCore } from '../boot/core';
import { loadConfig, parseOverrides } from '../kernel/config';
import type { AppContext } from '../kernel/context';
import { DepotError } from '../kernel/errors';
import { createLogger } from '../kernel/logger';
import { dispatch } from '../contract/dispatch';
import type { Caller, OperatorIdentity } from '../kernel/method';
import { authenticate } from '../operators';
import { readPassword, UsageError, type Command, type CommandContext, type GlobalOptions } from './framework';
import { RpcClient } from './rpc-client';

/**
 * Mistakes in where and how to open, as usage errors (exit 2) before anything is created: a --db in
 * a folder that does not exist is a mistyped path (opening would make a new, empty depot there), and
 * a --set value the config refuses is the command line's fault, not the config file's.
 */
function checkPlaces(global: GlobalOptions, create: boolean): void {
  if (!create && global.db && !fs.existsSync(path.dirname(path.resolve(global.db)))) {
    throw new UsageError(`--db: the folder ${path.dirname(path.resolve(global.db))} does not exist (a mistyped path?); no database was created`, { field: '--db' });
  }
  if (global.set.length === 0) return;
  try {
    loadConfig(path.join(os.tmpdir(), `depotdesk-no-such-config-${process.pid}.json`), parseOverrides(global.set));
  } catch (e) {
    if (e instanceof DepotError && (e.code === 'config_invalid' || e.code === 'invalid_input')) throw new UsageError(`--set: ${e.message}`, { field: '--set' });
    throw e;
  }
}

/**
 * What a running command gets: the core opened on demand, contract calls as the --as operator,
 * the live instance over /rpc, and printing. Imported by main only once a command is about to run
 * (it pulls in the core and every domain), never for `--help` or a usage error.
 */
export function buildContext(command: Command, global: GlobalOptions, args: CommandContext['args'], positionals: string[], cleanup: (() => void)[]): CommandContext {
  let app: AppContext | null = null;
  let operator: OperatorIdentity | null = null;
  const openApp = (opts: { create?: boolean } = {}): AppContext => {
    if (!app) {
      checkPlaces(global, opts.create ?? false);
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
