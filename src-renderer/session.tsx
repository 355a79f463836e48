import { createContext, useContext } from 'react';
import type { MethodOutput } from '../src-main/contract/types';

/** The signed-in operator, as auth.me and auth.login describe them. */
export type Operator = NonNullable<MethodOutput<'auth.me'>['operator']>;
export type Role = Operator['role'];

export interface Session {
  operator: Operator;
  /** Whether the operator holds one of `roles` (mirrors the contract's role sets). */
  can(roles: readonly Role[] | undefined): boolean;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a signed-in shell');
  return s;
}

export function makeSession(operator: Operator): Session {
  return { operator, can: (roles) => !roles || roles.includes(operator.role) };
}

export const SUPERVISORS: readonly Role[] = ['supervisor', 'admin'];
export const ADMINS: readonly Role[] = ['admin'];
