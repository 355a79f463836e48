/**
 * One error type crosses every door (IPC, HTTP, CLI): a code a program can branch on, a message an
 * operator can act on, and details naming the offending field, line or row.
 */
export type ErrorCode =
  | 'invalid_input'
  | 'unknown_method'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'idempotency_conflict'
  | 'insufficient_funds'
  | 'refused'
  | 'guard_failed'
  | 'schema_too_new'
  | 'migration_edited'
  | 'integrity_failed'
  | 'chain_key_missing'
  | 'chain_key_invalid'
  | 'chain_broken'
  | 'config_invalid'
  | 'usage'
  | 'unavailable'
  | 'rate_limited'
  | 'internal';

export interface ErrorShape {
  code: ErrorCode | (string & {});
  message: string;
  details?: unknown;
}

export class DepotError extends Error {
  readonly code: ErrorShape['code'];
  readonly details: unknown;

  constructor(code: ErrorShape['code'], message: string, details?: unknown) {
    super(message);
    this.name = 'DepotError';
    this.code = code;
    this.details = details;
  }

  toShape(): ErrorShape {
    return this.details === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, details: this.details };
  }
}

export function isDepotError(e: unknown): e is DepotError {
  return e instanceof DepotError;
}

/**
 * A guarded UPDATE/DELETE that must touch exactly `expected` rows. A status guard that silently
 * matches zero rows is how money goes missing, so the mismatch is an error, never a no-op.
 */
export function expectChanges(result: { changes: number | bigint }, expected: number, what: string): void {
  const changes = Number(result.changes);
  if (changes !== expected) {
    throw new DepotError('guard_failed', `${what}: expected ${expected} row(s) to change, ${changes} did`, { expected, changes, what });
  }
}
