import { readInstanceFile } from '../kernel/instance';
import { resolvePaths } from '../kernel/config';
import { DepotError } from '../kernel/errors';
import { readInstanceToken } from '../kernel/token';
import type { CallResult } from '../contract/types';

/**
 * Talks to a running DepotDesk (Electron or `serve`) over POST /rpc, with the instance token from
 * the data directory. Used by CLI commands that need the live core (chargers, the broker).
 */
export class RpcClient {
  private session: string | null = null;
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  static forDataDir(opts: { dataDir?: string; db?: string }): RpcClient {
    const paths = resolvePaths(opts);
    const info = readInstanceFile(paths);
    if (!info) {
      throw new DepotError('unavailable', `DepotDesk is not running with data directory ${paths.dataDir}; start it (npm start or depotdesk serve) first`);
    }
    return new RpcClient(info.url, readInstanceToken(paths.tokenFile));
  }

  async login(name: string, password: string): Promise<void> {
    const res = await this.raw('auth.login', { name, password });
    if (!res.ok) throw new DepotError(res.error.code, res.error.message, res.error.details);
    this.session = (res.data as { token: string }).token;
  }

  async raw(method: string, params: unknown = {}): Promise<CallResult> {
    let response: Response;
    try {
      response = await fetch(new URL('/rpc', this.baseUrl), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${this.token}`,
          ...(this.session ? { 'x-depot-session': this.session } : {}),
        },
        body: JSON.stringify({ method, params }),
      });
    } catch (e) {
      throw new DepotError('unavailable', `cannot reach DepotDesk at ${this.baseUrl}: ${(e as Error).message}`);
    }
    return (await response.json()) as CallResult;
  }

  async call<T>(method: string, params: unknown = {}): Promise<T> {
    const res = await this.raw(method, params);
    if (!res.ok) throw new DepotError(res.error.code, res.error.message, res.error.details);
    return res.data as T;
  }
}
