import { z } from 'zod';
import { DepotError, isDepotError, type ErrorShape } from '../kernel/errors';
import type { DepotEvent } from '../kernel/events';

/**
 * The link between the Electron main process and the core process (src-main/core-process.ts):
 * request/reply messages over Electron's utility-process port (`child.postMessage` /
 * `process.parentPort`), written against a two-function port so it runs in plain Node.
 *
 * Guarantees (test/shell/core-link.test.ts, test/shell/core-process.test.ts):
 * - Every message is checked with zod on arrival, on both sides. A malformed one is refused and
 *   logged, never acted on; when it carries a usable request id, the sender gets an error reply
 *   (`invalid_input`) instead of waiting forever.
 * - Each request has its own id; each reply settles exactly the request it names. A reply to no
 *   pending request is logged and dropped.
 * - A request's input is checked against its operation's schema by the side that runs it, and
 *   the reply's value against the operation's output schema by the side that asked.
 * - Contract calls (`call`) have no timeout: a long approval or export is slow, not failed, and a
 *   timeout would report a command as failed that the core goes on to finish. Only the shell's
 *   own housekeeping asks with a bound (stop), and a request that runs out rejects with
 *   `unavailable` saying it timed out and after how long.
 * - When the other side goes away (the core process exits), every pending request rejects at
 *   once with `unavailable` naming the request and the exit, and later requests are refused the
 *   same way: nothing waits on a process that is gone.
 */

const requestId = z.number().int().positive();
export const errorShapeSchema = z.strictObject({ code: z.string().min(1), message: z.string(), details: z.unknown().optional() });

/** Who is calling, as the IPC adapter passes it: the window (webContents id) whose login applies. */
export const callContextSchema = z.strictObject({ windowId: z.number().int().nonnegative() });
export type CallContext = z.infer<typeof callContextSchema>;

const messageByKind = {
  /** A contract method called from a window: the dispatcher's call, with the window's context. */
  call: z.strictObject({ kind: z.literal('call'), id: requestId, method: z.string().min(1), input: z.unknown(), context: callContextSchema }),
  /** One of the link's own operations (shellOps from the main process, coreOps from the core). */
  request: z.strictObject({ kind: z.literal('request'), id: requestId, op: z.string().min(1), input: z.unknown() }),
  reply: z.discriminatedUnion('ok', [
    z.strictObject({ kind: z.literal('reply'), id: requestId, ok: z.literal(true), value: z.unknown() }),
    z.strictObject({ kind: z.literal('reply'), id: requestId, ok: z.literal(false), error: errorShapeSchema }),
  ]),
  event: z.strictObject({ kind: z.literal('event'), event: z.strictObject({ type: z.string().min(1), at: z.number(), payload: z.unknown() }) }),
};
export const linkMessageSchema = z.union([messageByKind.call, messageByKind.request, messageByKind.reply, messageByKind.event]);

/** Checks a message by its kind, so a refusal names the field that is wrong. */
function parseMessage(raw: unknown): { ok: true; message: LinkMessage } | { ok: false; issues: string } {
  const kind = typeof raw === 'object' && raw !== null ? (raw as { kind?: unknown }).kind : undefined;
  if (typeof kind !== 'string' || !Object.hasOwn(messageByKind, kind)) {
    return {
      ok: false,
      issues: `kind: expected one of ${Object.keys(messageByKind).join(', ')}, got ${typeof raw === 'object' && raw !== null ? JSON.stringify(kind) : typeof raw}`,
    };
  }
  const parsed = messageByKind[kind as keyof typeof messageByKind].safeParse(raw);
  if (parsed.success) return { ok: true, message: parsed.data };
  return { ok: false, issues: parsed.error.issues.map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`).join('; ') };
}
export type LinkMessage = z.infer<typeof linkMessageSchema>;

/** The dispatcher's answer (contract/types.ts CallResult), as it crosses the link. */
export const callResultSchema = z.union([z.strictObject({ ok: z.literal(true), data: z.unknown() }), z.strictObject({ ok: z.literal(false), error: errorShapeSchema })]);

/** How the main process hands over the secrets key (shell/secret-keeper.ts prepareSecretsKey). */
export const secretsKeyHandoffSchema = z.union([
  z.strictObject({ keeper: z.literal('given'), key: z.string().regex(/^[0-9a-f]{64}$/) }),
  z.strictObject({ keeper: z.literal('fresh'), key: z.string().regex(/^[0-9a-f]{64}$/), wrapped: z.string().min(1) }),
  z.strictObject({ keeper: z.literal('file'), warning: z.string().nullable() }),
  z.strictObject({ keeper: z.literal('failed'), code: z.string().min(1), message: z.string() }),
]);
export type SecretsKeyHandoff = z.infer<typeof secretsKeyHandoffSchema>;

interface OpDef {
  input: z.ZodType;
  output: z.ZodType;
}

/** What the main process asks of the core process. */
export const shellOps = {
  /** Open the database with the core process's own connection. */
  open: {
    input: z.strictObject({ dataDir: z.string().min(1), nativeBinding: z.string().nullable() }),
    output: z.strictObject({ locale: z.enum(['zh-CN', 'en-US']), secretsKeyFile: z.string(), dbFile: z.string() }),
  },
  /** Install the secrets key, then start the scheduler, the charger link and the HTTP door. */
  serve: { input: z.strictObject({ secretsKey: secretsKeyHandoffSchema }), output: z.strictObject({ door: z.string().nullable() }) },
  /** The window is up: announce system.started. */
  started: { input: z.strictObject({}), output: z.null() },
  /** Save a download for a window (contract/ipc.ts saveDownload), asking the main process for the dialog. */
  saveDownload: { input: z.strictObject({ windowId: z.number().int().nonnegative(), target: z.unknown() }), output: callResultSchema },
  /** Stop the door and the services, close the database (WAL checkpointed). */
  stop: { input: z.strictObject({}), output: z.strictObject({ closed: z.boolean() }) },
} satisfies Record<string, OpDef>;

/** What the core process asks of the main process. */
export const coreOps = {
  /** The core process listens: the main process may start it (messages sent earlier could be lost). */
  ready: { input: z.strictObject({ pid: z.number().int() }), output: z.null() },
  /** The native save dialog for a window; the operator may take as long as they like. */
  saveDialog: {
    input: z.strictObject({ windowId: z.number().int().nonnegative(), fileName: z.string().min(1) }),
    output: z.strictObject({ canceled: z.boolean(), filePath: z.string().optional() }),
  },
} satisfies Record<string, OpDef>;

export type Ops = Record<string, OpDef>;
type OpHandlers<O extends Ops> = { [K in keyof O]: (input: z.output<O[K]['input']>) => Promise<z.input<O[K]['output']>> | z.input<O[K]['output']> };

export interface LinkLog {
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface LinkOptions<Mine extends Ops, Theirs extends Ops> {
  /** The other side, for messages: "the core process", "the main process". */
  peer: string;
  /** Sends one message to the other side. */
  post(message: LinkMessage): void;
  /** The operations this side runs. */
  ops: Mine;
  handlers: OpHandlers<Mine>;
  /** The operations the other side runs (their schemas check what comes back). */
  theirs: Theirs;
  /** Contract calls from a window (only the core process answers them). */
  onCall?: (method: string, input: unknown, context: CallContext) => Promise<unknown>;
  onEvent?: (event: DepotEvent) => void;
  log: LinkLog;
}

export interface Link<Theirs extends Ops> {
  request<K extends keyof Theirs & string>(op: K, input: z.input<Theirs[K]['input']>, opts?: { timeoutMs?: number }): Promise<z.output<Theirs[K]['output']>>;
  /** A contract call relayed to the core: its CallResult. */
  call(method: string, input: unknown, context: CallContext): Promise<z.output<typeof callResultSchema>>;
  event(event: DepotEvent): void;
  /** Feed one message that arrived from the other side. */
  receive(raw: unknown): void;
  /** The other side is gone: reject every pending request and refuse new ones with `why`. */
  close(why: string): void;
  readonly pending: number;
  readonly closed: string | null;
}

interface Pending {
  what: string;
  resolve(value: unknown): void;
  reject(error: DepotError): void;
  timer: NodeJS.Timeout | null;
}

function toShape(e: unknown): ErrorShape {
  if (isDepotError(e)) return e.toShape();
  return { code: 'internal', message: (e as Error)?.message ?? String(e) };
}

/** The requests this side is waiting on: ids, bounds, and rejecting them all when the other side goes. */
function pendingRequests(peer: string, post: (message: LinkMessage) => void) {
  const pending = new Map<number, Pending>();
  let closed: string | null = null;

  function settle(id: number, how: (p: Pending) => void): boolean {
    const p = pending.get(id);
    if (!p) return false;
    pending.delete(id);
    if (p.timer) clearTimeout(p.timer);
    how(p);
    return true;
  }

  function send(what: string, message: Extract<LinkMessage, { kind: 'call' | 'request' }>, validate: (v: unknown) => unknown, timeoutMs?: number): Promise<unknown> {
    if (closed !== null) return Promise.reject(new DepotError('unavailable', `${what} was not sent: ${closed}`));
    const id = message.id;
    return new Promise((resolve, reject) => {
      const timer =
        timeoutMs === undefined
          ? null
          : setTimeout(
              () => settle(id, (p) => p.reject(new DepotError('unavailable', `${p.what} timed out: ${peer} did not answer within ${timeoutMs} ms`, { timeoutMs }))),
              timeoutMs,
            );
      pending.set(id, {
        what,
        timer,
        reject,
        resolve: (value) => {
          try {
            resolve(validate(value));
          } catch (e) {
            reject(new DepotError('internal', `${peer} answered ${what} with a value outside its contract: ${(e as Error).message}`));
          }
        },
      });
      try {
        post(message);
      } catch (e) {
        settle(id, (p) => p.reject(new DepotError('unavailable', `${what} could not be sent to ${peer}: ${(e as Error).message}`)));
      }
    });
  }

  function close(why: string): void {
    if (closed !== null) return;
    closed = why;
    for (const id of [...pending.keys()]) settle(id, (p) => p.reject(new DepotError('unavailable', `${p.what} did not finish: ${why}`)));
  }

  return { send, settle, close, size: () => pending.size, closed: () => closed };
}

/** Runs one of this side's operations on input checked against its schema. */
function runOp<Mine extends Ops>(opts: Pick<LinkOptions<Mine, Ops>, 'peer' | 'ops' | 'handlers'>, op: string, input: unknown): Promise<unknown> {
  if (!Object.hasOwn(opts.ops, op)) return Promise.reject(new DepotError('unknown_method', `${opts.peer} asked for ${JSON.stringify(op)}, which this side does not run`));
  const parsed = opts.ops[op].input.safeParse(input);
  if (!parsed.success) {
    return Promise.reject(
      new DepotError('invalid_input', `invalid input for ${op}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ')}`),
    );
  }
  const handler = opts.handlers[op] as (input: unknown) => unknown;
  return Promise.resolve().then(() => handler(parsed.data));
}

export function createLink<Mine extends Ops, Theirs extends Ops>(opts: LinkOptions<Mine, Theirs>): Link<Theirs> {
  const requests = pendingRequests(opts.peer, opts.post);
  const { send, settle } = requests;
  let nextId = 1;

  function reply(id: number, run: () => Promise<unknown>): void {
    run().then(
      (value) => postSafely({ kind: 'reply', id, ok: true, value }),
      (e: unknown) => postSafely({ kind: 'reply', id, ok: false, error: toShape(e) }),
    );
  }

  function postSafely(message: LinkMessage): void {
    if (requests.closed() !== null) return;
    try {
      opts.post(message);
    } catch (e) {
      opts.log.error({ err: e, kind: message.kind }, `could not send a message to ${opts.peer}`);
    }
  }

  function refuse(raw: unknown, issues: string): void {
    opts.log.warn({ issues, received: describe(raw) }, `malformed message from ${opts.peer} refused`);
    const id = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
    const kind = typeof raw === 'object' && raw !== null ? (raw as { kind?: unknown }).kind : undefined;
    // A request we cannot read still gets an answer, so its sender does not wait for ever.
    if ((kind === 'call' || kind === 'request') && requestId.safeParse(id).success) {
      postSafely({ kind: 'reply', id: id as number, ok: false, error: { code: 'invalid_input', message: `malformed message refused: ${issues}` } });
    } else if (kind === 'reply' && requestId.safeParse(id).success) {
      settle(id as number, (p) => p.reject(new DepotError('internal', `${opts.peer} answered ${p.what} with a malformed reply: ${issues}`)));
    }
  }

  return {
    request(op, input, o = {}) {
      const def = opts.theirs[op];
      return send(`${op}`, { kind: 'request', id: nextId++, op, input }, (v) => def.output.parse(v), o.timeoutMs) as Promise<z.output<Theirs[typeof op]['output']>>;
    },
    call(method, input, context) {
      return send(`the call ${method}`, { kind: 'call', id: nextId++, method, input, context }, (v) => callResultSchema.parse(v)) as Promise<
        z.output<typeof callResultSchema>
      >;
    },
    event(event) {
      postSafely({ kind: 'event', event });
    },
    receive(raw) {
      const parsed = parseMessage(raw);
      if (!parsed.ok) return refuse(raw, parsed.issues);
      const m = parsed.message;
      if (m.kind === 'reply') {
        const found = settle(m.id, (p) => (m.ok ? p.resolve(m.value) : p.reject(new DepotError(m.error.code, m.error.message, m.error.details))));
        if (!found) opts.log.warn({ id: m.id }, `a reply from ${opts.peer} to no pending request was dropped`);
      } else if (m.kind === 'request') {
        reply(m.id, () => runOp(opts, m.op, m.input));
      } else if (m.kind === 'call') {
        const onCall = opts.onCall;
        reply(m.id, () =>
          onCall
            ? onCall(m.method, m.input, m.context)
            : Promise.reject(new DepotError('unknown_method', `${opts.peer} sent a contract call here, where none are answered`)),
        );
      } else if (opts.onEvent) {
        opts.onEvent(m.event as DepotEvent);
      }
    },
    close: (why) => requests.close(why),
    get pending() {
      return requests.size();
    },
    get closed() {
      return requests.closed();
    },
  };
}

/** What a refused message looked like, short enough for a log line. */
function describe(raw: unknown): string {
  try {
    const text = JSON.stringify(raw);
    return text === undefined ? String(raw) : text.slice(0, 200);
  } catch {
    return Object.prototype.toString.call(raw);
  }
}
