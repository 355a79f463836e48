import { useCallback, useSyncExternalStore } from 'react';

/**
 * Hash routing (`#/settings?tab=audit`): works the same under the Electron app:// protocol and
 * behind `depotdesk serve`, needs no server-side routes, and survives a reload.
 */
export interface Route {
  page: string;
  params: URLSearchParams;
}

function subscribe(cb: () => void): () => void {
  window.addEventListener('hashchange', cb);
  return () => window.removeEventListener('hashchange', cb);
}

const currentHash = () => window.location.hash;

export function parseHash(hash: string): Route {
  const body = hash.replace(/^#\/?/, '');
  const q = body.indexOf('?');
  return { page: q >= 0 ? body.slice(0, q) : body, params: new URLSearchParams(q >= 0 ? body.slice(q + 1) : '') };
}

export function useRoute(): Route {
  return parseHash(useSyncExternalStore(subscribe, currentHash));
}

export function navigate(page: string, params?: Record<string, string>): void {
  const query = params ? new URLSearchParams(params).toString() : '';
  window.location.hash = `#/${page}${query ? `?${query}` : ''}`;
}

/** One query parameter of the current page, e.g. the selected tab. */
export function useHashParam(name: string, fallback: string): [string, (value: string) => void] {
  const route = useRoute();
  const value = route.params.get(name) ?? fallback;
  const set = useCallback(
    (next: string) => {
      const params = Object.fromEntries(parseHash(window.location.hash).params);
      navigate(parseHash(window.location.hash).page, { ...params, [name]: next });
    },
    [name],
  );
  return [value, set];
}
