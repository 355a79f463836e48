import type { z } from 'zod';
import type { AppContext } from './context';
import { ROLES, type Role } from './roles';

/**
 * A contract method: one operator action or query, the same behind every door (Electron IPC,
 * HTTP, CLI). The dispatcher validates `input`, enforces `roles`, runs `handler`, validates the
 * output and, for commands, appends to the audit log.
 */
export type Access = 'public' | readonly Role[];
/** The door a call came through; `job` for work the scheduler runs on an operator's behalf. */
export type Transport = 'ipc' | 'http' | 'cli' | 'test' | 'job';

export interface OperatorIdentity {
  id: string;
  name: string;
  displayName: string;
  role: Role;
}

/** What a transport lets a handler do to the caller's login (auth.login / auth.logout). */
export interface SessionControl {
  signIn(operator: OperatorIdentity): { token: string };
  signOut(): void;
}

export interface Caller {
  operator: OperatorIdentity | null;
  transport: Transport;
  session: SessionControl;
}

export interface CallContext {
  app: AppContext;
  caller: Caller;
}

export interface MethodDef<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  summary: string;
  /** Commands change something and are audited; queries only read. */
  kind: 'query' | 'command';
  roles: Access;
  input: I;
  output: O;
  handler(ctx: CallContext, input: z.output<I>): z.input<O> | Promise<z.input<O>>;
}

export function method<I extends z.ZodType, O extends z.ZodType>(def: MethodDef<I, O>): MethodDef<I, O> {
  return def;
}

export const ALL_ROLES = ROLES;
export const SUPERVISORS = ['supervisor', 'admin'] as const satisfies readonly Role[];
export const FINANCE = ['finance', 'supervisor', 'admin'] as const satisfies readonly Role[];
export const ADMINS = ['admin'] as const satisfies readonly Role[];
