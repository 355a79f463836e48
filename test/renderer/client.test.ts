import { describe, expect, it } from 'vitest';
import { ApiError, createApi, type ApiTransport } from '../../src-renderer/api/client';
import type { CallResult } from '../../src-main/contract/types';

function recordingTransport(answer: (method: string, params: unknown) => CallResult) {
  const calls: { method: string; params: unknown }[] = [];
  const transport: ApiTransport = {
    call: async (method, params) => {
      calls.push({ method, params });
      return answer(method, params);
    },
    subscribe: () => () => undefined,
  };
  return { calls, transport };
}

describe('the renderer API client', () => {
  it('turns api.auth.login(input) into the contract call auth.login with that input', async () => {
    const { calls, transport } = recordingTransport(() => ({ ok: true, data: { operator: { name: 'zhangwei' }, token: 't' } }));
    const api = createApi(transport);
    const out = await api.auth.login({ name: 'zhangwei', password: 'secret-pass' });
    expect(calls).toEqual([{ method: 'auth.login', params: { name: 'zhangwei', password: 'secret-pass' } }]);
    expect(out).toEqual({ operator: { name: 'zhangwei' }, token: 't' });
  });

  it('sends an empty object when a query is called without input', async () => {
    const { calls, transport } = recordingTransport(() => ({ ok: true, data: {} }));
    const call = createApi(transport).system.about as unknown as () => Promise<unknown>;
    await call();
    expect(calls[0]).toEqual({ method: 'system.about', params: {} });
  });

  it('throws an ApiError carrying code, message, details and method when the core refuses', async () => {
    const issues = [{ field: 'password', message: 'at least 8 characters', code: 'too_small' }];
    const { transport } = recordingTransport(() => ({
      ok: false,
      error: { code: 'invalid_input', message: 'invalid input for operators.create: password: at least 8 characters', details: { issues } },
    }));
    const err = await createApi(transport)
      .operators.create({ name: 'lisi', role: 'operator', password: 'abc' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'invalid_input', method: 'operators.create', details: { issues } });
    expect((err as ApiError).message).toContain('password');
  });

  it('is not a thenable, so awaiting the client or a namespace makes no call', async () => {
    const { calls, transport } = recordingTransport(() => ({ ok: true, data: null }));
    const api = createApi(transport);
    expect(await Promise.resolve(api)).toBe(api);
    expect(await Promise.resolve(api.auth)).toBe(api.auth);
    expect(calls).toEqual([]);
  });
});
