import type { CallResult } from '../../src-main/contract/types';
import type { DepotBridge } from './bridge';
import type { Transport } from './client';

/** Electron: the preload's one-function-per-method bridge. */
export function ipcTransport(bridge: DepotBridge): Transport {
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
