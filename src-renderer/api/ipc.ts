import type { CallResult } from '../../src-main/contract/types';
import type { DepotBridge } from './bridge';
import type { ApiTransport } from './client';

/** Electron: the preload's one-function-per-method bridge. */
export function ipcTransport(bridge: DepotBridge): ApiTransport {
  return {
    call(method, params): Promise<CallResult> {
      const fn = bridge.methods[method];
      if (typeof fn !== 'function') {
        return Promise.resolve({ ok: false, error: { code: 'unknown_method', message: `unknown method ${method}` } });
      }
      return fn(params);
    },
    subscribe: (cb) => bridge.onEvent(cb),
  };
}
