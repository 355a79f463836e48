import type { ApiClient, CallResult, DepotEvent } from '../../src-main/contract/types';

/**
 * The typed client. `api.auth.login({...})` becomes the contract call 'auth.login'; the method
 * names and types come from the core's registry (type-only import), so a renamed method breaks
 * this build instead of failing at an operator's desk.
 */
export interface ApiTransport {
  call(method: string, params: unknown): Promise<CallResult>;
  /** Push events; the stream opens with the first subscriber. Returns the unsubscribe function. */
  subscribe(cb: (e: DepotEvent) => void): () => void;
}

/** A failed call, carrying the core's code, message and details (e.g. invalid_input issues). */
export class ApiError extends Error {
  readonly code: string;
  readonly details: unknown;
  readonly method: string;

  constructor(code: string, message: string, details?: unknown, method = '') {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.details = details;
    this.method = method;
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}

// Property reads the client must not turn into calls: `await api.auth` and React/devtools
// inspection probe these, and answering them with a function would make the proxy a thenable.
const NOT_METHODS = new Set(['then', 'toJSON', '$$typeof', 'constructor', 'prototype']);

export function createApi(transport: ApiTransport): ApiClient {
  const namespaces = new Map<string, object>();
  const namespace = (ns: string): object =>
    new Proxy(
      {},
      {
        get(_target, prop) {
          if (typeof prop !== 'string' || NOT_METHODS.has(prop)) return undefined;
          const method = `${ns}.${prop}`;
          return async (params?: unknown) => {
            const result = await transport.call(method, params ?? {});
            if (!result.ok) throw new ApiError(result.error.code, result.error.message, result.error.details, method);
            return result.data;
          };
        },
      },
    );
  const root = new Proxy(
    {},
    {
      get(_target, prop) {
        if (typeof prop !== 'string' || NOT_METHODS.has(prop)) return undefined;
        let ns = namespaces.get(prop);
        if (!ns) namespaces.set(prop, (ns = namespace(prop)));
        return ns;
      },
    },
  );
  // A Proxy cannot be checked against the mapped ApiClient type; the shape is guaranteed by
  // construction (every `ns.method` read yields a caller of 'ns.method').
  return root as ApiClient;
}
