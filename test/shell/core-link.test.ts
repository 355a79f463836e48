import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DepotError } from '../../src-main/kernel/errors';
import { createLink, type Link, type LinkMessage, type Ops } from '../../src-main/shell/core-link';

/**
 * The link's own rules, on two links joined in memory (what crosses Electron's utility-process
 * port in the app; test/shell/core-process.test.ts runs it between two real processes).
 */
const parentOps = { ask: { input: z.strictObject({ q: z.string() }), output: z.strictObject({ a: z.string() }) } } satisfies Ops;
const childOps = {
  echo: { input: z.strictObject({ text: z.string() }), output: z.strictObject({ text: z.string() }) },
  never: { input: z.strictObject({}), output: z.null() },
  fail: { input: z.strictObject({}), output: z.null() },
  lie: { input: z.strictObject({}), output: z.strictObject({ n: z.number() }) },
} satisfies Ops;

function pair() {
  const logged: { level: string; message: string; fields: Record<string, unknown> }[] = [];
  const log = (side: string) => ({
    warn: (fields: Record<string, unknown>, message: string) => logged.push({ level: `${side}:warn`, message, fields }),
    error: (fields: Record<string, unknown>, message: string) => logged.push({ level: `${side}:error`, message, fields }),
  });
  const toChild: LinkMessage[] = [];
  // eslint-disable-next-line prefer-const -- the two links name each other
  let child: Link<typeof parentOps>;
  const parent = createLink({
    peer: 'the core process',
    post: (m) => {
      toChild.push(m);
      queueMicrotask(() => child.receive(structuredClone(m)));
    },
    ops: parentOps,
    theirs: childOps,
    handlers: { ask: ({ q }) => ({ a: `answer to ${q}` }) },
    log: log('parent'),
  });
  child = createLink({
    peer: 'the main process',
    post: (m) => queueMicrotask(() => parent.receive(structuredClone(m))),
    ops: childOps,
    theirs: parentOps,
    handlers: {
      echo: ({ text }) => ({ text }),
      never: () => new Promise<null>(() => {}),
      fail: () => {
        throw new DepotError('conflict', 'the core said no');
      },
      lie: () => ({ n: 'not a number' }) as unknown as { n: number },
    },
    onCall: (method, input, context) => Promise.resolve({ ok: true, data: { method, input, context } }),
    log: log('child'),
  });
  return { parent, child, logged, toChild };
}

describe('the link between the main process and the core process', () => {
  it('answers requests and calls by id, each with its own answer', async () => {
    const { parent, child } = pair();
    const [a, b] = await Promise.all([parent.request('echo', { text: 'one' }), parent.request('echo', { text: 'two' })]);
    expect([a, b]).toEqual([{ text: 'one' }, { text: 'two' }]);
    expect(await parent.call('auth.me', { x: 1 }, { windowId: 3 })).toEqual({ ok: true, data: { method: 'auth.me', input: { x: 1 }, context: { windowId: 3 } } });
    expect(await child.request('ask', { q: 'where to save' })).toEqual({ a: 'answer to where to save' });
    expect(parent.pending).toBe(0);
  });

  it("carries the other side's errors with their code, and checks inputs and outputs against each operation", async () => {
    const { parent } = pair();
    await expect(parent.request('fail', {})).rejects.toMatchObject({ code: 'conflict', message: 'the core said no' });
    await expect(parent.request('echo', { text: 1 } as unknown as { text: string })).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining('text'),
    });
    await expect(parent.request('echo', { text: 'x', extra: true } as unknown as { text: string })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(parent.request('lie', {})).rejects.toMatchObject({ code: 'internal', message: expect.stringContaining('outside its contract') });
    await expect((parent as unknown as Link<Ops>).request('nothing', {})).rejects.toMatchObject({ code: 'unknown_method' });
  });

  it('a request with a bound that runs out says it timed out, and after how long', async () => {
    const { parent, logged } = pair();
    const started = Date.now();
    await expect(parent.request('never', {}, { timeoutMs: 50 })).rejects.toMatchObject({
      code: 'unavailable',
      message: 'never timed out: the core process did not answer within 50 ms',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(parent.pending).toBe(0);
    expect(logged).toEqual([]);
  });

  it('closing rejects every pending request at once, naming it and the reason, and refuses new ones', async () => {
    const { parent } = pair();
    const waiting = [parent.request('never', {}), parent.request('never', {})];
    const call = parent.call('reports.export', {}, { windowId: 1 });
    // The call is answered (the child's onCall), the two `never`s are not.
    await call;
    expect(parent.pending).toBe(2);
    parent.close('the DepotDesk core process exited (code 1)');
    for (const p of waiting) await expect(p).rejects.toMatchObject({ code: 'unavailable', message: 'never did not finish: the DepotDesk core process exited (code 1)' });
    await expect(parent.call('auth.me', {}, { windowId: 1 })).rejects.toMatchObject({
      code: 'unavailable',
      message: 'the call auth.me was not sent: the DepotDesk core process exited (code 1)',
    });
    expect(parent.closed).toBe('the DepotDesk core process exited (code 1)');
  });

  it.each([
    ['not an object', 'hello'],
    ['an unknown kind', { kind: 'shout', id: 1 }],
    ['a request id that is not a positive integer', { kind: 'request', id: -1, op: 'echo', input: {} }],
    ['a call without its window context', { kind: 'call', id: 7, method: 'auth.me', input: {} }],
    ['an event without a time', { kind: 'event', event: { type: 'alert', payload: {} } }],
    ['a message with a key the protocol does not know', { kind: 'request', id: 8, op: 'echo', input: { text: 'x' }, as: 'root' }],
  ])('refuses and logs a malformed message: %s', async (_name, raw) => {
    const { parent, child, logged, toChild } = pair();
    child.receive(raw);
    await new Promise((r) => setTimeout(r, 10));
    expect(logged.filter((l) => l.level === 'child:warn' && l.message === 'malformed message from the main process refused')).toHaveLength(1);
    // A readable id gets an error reply; the parent, not waiting for it, logs and drops it.
    const id = (raw as { id?: unknown }).id;
    if (id === 7 || id === 8) expect(logged).toContainEqual(expect.objectContaining({ level: 'parent:warn', fields: { id } }));
    expect(toChild).toEqual([]);
    expect(await parent.request('echo', { text: 'still here' })).toEqual({ text: 'still here' });
  });

  it('a malformed reply rejects the request it names instead of leaving it waiting', async () => {
    const { parent } = pair();
    const posted: LinkMessage[] = [];
    const lone = createLink({
      peer: 'the core process',
      post: (m) => posted.push(m),
      ops: parentOps,
      theirs: childOps,
      handlers: { ask: () => ({ a: '' }) },
      log: { warn: () => {}, error: () => {} },
    });
    const waiting = lone.request('echo', { text: 'x' });
    lone.receive({ kind: 'reply', id: (posted[0] as { id: number }).id, ok: 'yes' });
    await expect(waiting).rejects.toMatchObject({ code: 'internal', message: expect.stringContaining('malformed reply') });
    expect(parent.pending).toBe(0);
  });
});
