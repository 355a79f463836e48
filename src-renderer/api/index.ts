import { useEffect, useRef } from 'react';
import type { DepotEvent, DepotEventName } from '../../src-main/contract/types';
import { createApi, isApiError, type ApiTransport } from './client';
import { httpTransport, NO_INSTANCE_TOKEN } from './http';
import { ipcTransport } from './ipc';

export { ApiError, createApi, isApiError, type ApiTransport } from './client';
export { NO_INSTANCE_TOKEN, UNREACHABLE, BAD_RESPONSE } from './http';

/**
 * Problems no single page can fix: the browser lacks the instance token, or the operator's login
 * ended (server restart, account disabled). The shell listens and switches screens.
 */
export type ConnectionProblem = 'no_instance_token' | 'signed_out';
const problemListeners = new Set<(p: ConnectionProblem) => void>();

export function onConnectionProblem(cb: (p: ConnectionProblem) => void): () => void {
  problemListeners.add(cb);
  return () => problemListeners.delete(cb);
}

// auth.login answers `unauthenticated` for a wrong password: that is the form's business.
const UNAUTHENTICATED_IS_NORMAL = new Set(['auth.login']);

function watched(inner: ApiTransport): ApiTransport {
  const report = (p: ConnectionProblem) => problemListeners.forEach((cb) => cb(p));
  return {
    async call(method, params) {
      try {
        const result = await inner.call(method, params);
        if (!result.ok && result.error.code === 'unauthenticated' && !UNAUTHENTICATED_IS_NORMAL.has(method)) report('signed_out');
        return result;
      } catch (e) {
        if (isApiError(e) && e.code === NO_INSTANCE_TOKEN) report('no_instance_token');
        throw e;
      }
    },
    subscribe: (cb) => inner.subscribe(cb),
  };
}

const transport = watched(typeof window !== 'undefined' && window.depot ? ipcTransport(window.depot) : httpTransport());

export const api = createApi(transport);

/** Runs `cb` for each push event whose type is listed, while the component is mounted. */
export function useDepotEvents(types: readonly DepotEventName[], cb: (e: DepotEvent) => void): void {
  const latest = useRef(cb);
  useEffect(() => {
    latest.current = cb;
  });
  const key = types.join(',');
  useEffect(() => {
    const wanted = new Set(key.split(','));
    return transport.subscribe((e) => {
      if (wanted.has(e.type)) latest.current(e);
    });
  }, [key]);
}
