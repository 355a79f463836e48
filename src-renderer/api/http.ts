import type { CallResult, DepotEvent } from '../../src-main/contract/types';
import { ApiError, type ApiTransport } from './client';

/**
 * Browser mode: POST /rpc and the SSE stream at /events, both guarded by the instance-token
 * cookie that the URL printed by `depotdesk serve` sets. A 401 means this browser never opened
 * that URL: no call can succeed, so the shell explains instead of failing call by call.
 */
export const NO_INSTANCE_TOKEN = 'no_instance_token';
export const UNREACHABLE = 'unreachable';
export const BAD_RESPONSE = 'bad_response';

export function httpTransport(base = ''): ApiTransport {
  const listeners = new Set<(e: DepotEvent) => void>();
  let source: EventSource | null = null;

  function openStream(): void {
    source = new EventSource(`${base}/events`);
    source.addEventListener('depot', (msg) => {
      let event: DepotEvent;
      try {
        event = JSON.parse((msg as MessageEvent<string>).data) as DepotEvent;
      } catch {
        // A frame we cannot read is the server's bug; skipping it keeps the rest of the stream.
        return;
      }
      for (const cb of listeners) cb(event);
    });
  }

  return {
    async call(method, params): Promise<CallResult> {
      let res: Response;
      try {
        res = await fetch(`${base}/rpc`, {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ method, params }),
        });
      } catch (e) {
        throw new ApiError(UNREACHABLE, (e as Error).message, undefined, method);
      }
      if (res.status === 401) throw new ApiError(NO_INSTANCE_TOKEN, 'missing instance token', undefined, method);
      let body: unknown;
      try {
        body = await res.json();
      } catch {
        throw new ApiError(BAD_RESPONSE, `HTTP ${res.status}`, { status: res.status }, method);
      }
      if (typeof body !== 'object' || body === null || !('ok' in body)) {
        throw new ApiError(BAD_RESPONSE, `HTTP ${res.status}`, { status: res.status }, method);
      }
      return body as CallResult;
    },
    subscribe(cb) {
      listeners.add(cb);
      if (!source) openStream();
      return () => {
        listeners.delete(cb);
        if (listeners.size === 0 && source) {
          source.close();
          source = null;
        }
      };
    },
  };
}
