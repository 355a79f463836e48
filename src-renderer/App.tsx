import { useCallback, useEffect, useMemo, useState } from 'react';
import { Flex, Spin } from 'antd';
import { api, isApiError, NO_INSTANCE_TOKEN, onConnectionProblem } from './api';
import { useReportError } from './lib/errors';
import { Shell } from './layout/Shell';
import { FirstRunScreen } from './screens/FirstRunScreen';
import { LoginScreen } from './screens/LoginScreen';
import { TokenMissingScreen } from './screens/TokenMissingScreen';
import { makeSession, SessionContext, type Operator } from './session';

type AuthState = { kind: 'loading' } | { kind: 'no-token' } | { kind: 'setup' } | { kind: 'login'; name?: string } | { kind: 'ready'; operator: Operator };

/** Decides which screen the operator sees from auth.me, and follows sign-in and sign-out. */
export function App() {
  const report = useReportError();
  const [auth, setAuth] = useState<AuthState>({ kind: 'loading' });

  const load = useCallback(async () => {
    setAuth({ kind: 'loading' });
    try {
      const me = await api.auth.me({});
      if (me.setupRequired) setAuth({ kind: 'setup' });
      else if (me.operator) setAuth({ kind: 'ready', operator: me.operator });
      else setAuth({ kind: 'login' });
    } catch (e) {
      if (isApiError(e) && e.code === NO_INSTANCE_TOKEN) setAuth({ kind: 'no-token' });
      else {
        report(e);
        setAuth({ kind: 'login' });
      }
    }
  }, [report]);

  useEffect(() => {
    void load();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only once at start; later changes come from sign-in, sign-out and connection problems
  }, []);

  useEffect(
    () =>
      onConnectionProblem((p) => {
        if (p === 'no_instance_token') setAuth({ kind: 'no-token' });
        else setAuth((prev) => (prev.kind === 'ready' ? { kind: 'login', name: prev.operator.name } : prev));
      }),
    [],
  );

  const logout = useCallback(async () => {
    const name = auth.kind === 'ready' ? auth.operator.name : undefined;
    try {
      await api.auth.logout({});
    } catch (e) {
      report(e);
    }
    setAuth({ kind: 'login', name });
  }, [auth, report]);

  const session = useMemo(() => (auth.kind === 'ready' ? makeSession(auth.operator) : null), [auth]);
  const signedIn = useCallback((operator: Operator) => setAuth({ kind: 'ready', operator }), []);

  if (auth.kind === 'loading') {
    return (
      <Flex align="center" justify="center" style={{ minHeight: '100vh' }}>
        <Spin size="large" />
      </Flex>
    );
  }
  return (
    <div data-testid="app-ready" data-auth={auth.kind}>
      {auth.kind === 'no-token' && <TokenMissingScreen onRetry={() => void load()} />}
      {auth.kind === 'setup' && <FirstRunScreen onSignedIn={signedIn} />}
      {auth.kind === 'login' && <LoginScreen onSignedIn={signedIn} initialName={auth.name} />}
      {session && (
        <SessionContext.Provider value={session}>
          <Shell onLogout={() => void logout()} />
        </SessionContext.Provider>
      )}
    </div>
  );
}
