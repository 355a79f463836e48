import type { z } from 'zod';
import type { ErrorShape } from '../kernel/errors';
import type { Methods } from '../modules';

/**
 * Types that flow to the preload and the renderer with `import type`. A rename in a domain's
 * method map breaks the renderer's build, not the operator.
 */
export type MethodName = keyof Methods & string;
export type MethodInput<N extends MethodName> = z.input<Methods[N]['input']>;
export type MethodOutput<N extends MethodName> = z.output<Methods[N]['output']>;

export type CallResult<T = unknown> = { ok: true; data: T } | { ok: false; error: ErrorShape };

type Namespace<K> = K extends `${infer NS}.${string}` ? NS : never;
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- {} is exactly "no required keys" here
type Args<N extends MethodName> = {} extends MethodInput<N> ? [input?: MethodInput<N>] : [input: MethodInput<N>];

/** `api.sessions.start(input)`: namespaces and method names derived from the registry. */
export type ApiClient = {
  [NS in Namespace<MethodName>]: {
    [K in MethodName as K extends `${NS}.${infer M}` ? M : never]: (...args: Args<K>) => Promise<MethodOutput<K>>;
  };
};

export type { DepotEvent, DepotEventMap, DepotEventName } from '../kernel/events';
export type { ErrorShape } from '../kernel/errors';
