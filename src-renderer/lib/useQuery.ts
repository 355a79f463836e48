import { useCallback, useEffect, useRef, useState } from 'react';
import { useReportError } from './errors';

/**
 * Loads data for a page: `reload()` re-runs the call and never rejects; a failure is reported
 * once and the last good data stays on screen (a depot screen that blanks on a hiccup is worse
 * than a stale one).
 */
export function useQuery<T>(load: () => Promise<T>, deps: readonly unknown[] = []) {
  const report = useReportError();
  const [data, setData] = useState<T | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const loadRef = useRef(load);
  useEffect(() => {
    loadRef.current = load;
  });
  const seq = useRef(0);

  const reload = useCallback(async () => {
    const mine = ++seq.current;
    setLoading(true);
    try {
      const value = await loadRef.current();
      if (mine === seq.current) {
        setData(value);
        setError(null);
      }
    } catch (e) {
      if (mine === seq.current) setError(e);
      report(e);
    } finally {
      if (mine === seq.current) setLoading(false);
    }
  }, [report]);

  useEffect(() => {
    void reload();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- deps are the caller's query inputs
  }, deps);

  return { data, loading, error, reload };
}
