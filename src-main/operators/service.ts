import { eq } from 'drizzle-orm';
import type { AppContext } from '../kernel/context';
import { DepotError, expectChanges } from '../kernel/errors';
import type { OperatorIdentity } from '../kernel/method';
import { DUMMY_HASH, hashPassword, verifyPassword } from './passwords';
import { operators, type Role } from './schema';
import { countRows } from '../kernel/db/rows';
import { raiseAlert } from '../alerts';

/**
 * Operator accounts.
 *
 * Guarantees:
 * - Names are unique (case-insensitive in practice: stored lower-case).
 * - Passwords are stored only as scrypt hashes; a wrong name and a wrong password look the same
 *   to the caller and take the same time.
 * - The first account is created only while there is none, and is an admin.
 * - A disabled operator cannot sign in, and their open logins stop working at the next call.
 * - Guessing is slow (issue 19): after 5 wrong passwords in a row for a name, a sign-in is refused
 *   without checking the password (`rate_limited`, saying how long) until 30 s after the last
 *   failure, doubling with each further failure up to 15 minutes; a right password afterwards
 *   resets it. Counted on the operator's row, so CLI attempts count as screen ones; an unknown name
 *   is counted the same way in the process, so the refusal does not tell which names exist. From
 *   the 5th failure a warning alert names the operator.
 */

export const MIN_PASSWORD = 8;

export interface OperatorSummary extends OperatorIdentity {
  disabled: boolean;
  createdAt: number;
  lastLoginAt: number | null;
}

function toSummary(r: typeof operators.$inferSelect): OperatorSummary {
  return {
    id: r.id,
    name: r.name,
    displayName: r.displayName,
    role: r.role,
    disabled: r.disabled,
    createdAt: r.createdAt,
    lastLoginAt: r.lastLoginAt ?? null,
  };
}

export function normalizeName(name: string): string {
  return name.trim().toLowerCase();
}

export function operatorCount(app: AppContext): number {
  return countRows(app.sqlite.prepare('SELECT count(*) AS n FROM operators'));
}

export async function createOperator(app: AppContext, input: { name: string; displayName?: string; role: Role; password: string }): Promise<OperatorSummary> {
  if (input.password.length < MIN_PASSWORD) {
    throw new DepotError('invalid_input', `password must have at least ${MIN_PASSWORD} characters`, { field: 'password' });
  }
  const name = normalizeName(input.name);
  const passwordHash = await hashPassword(input.password);
  const row = {
    id: app.ids.next(),
    name,
    displayName: input.displayName?.trim() || input.name.trim(),
    role: input.role,
    passwordHash,
    disabled: false,
    createdAt: app.clock.now(),
    lastLoginAt: null,
    failedLogins: 0,
    lastFailedLoginAt: null,
  };
  app.sqlite
    .transaction(() => {
      const taken = app.db.select({ id: operators.id }).from(operators).where(eq(operators.name, name)).get();
      if (taken) throw new DepotError('conflict', `an operator named ${name} already exists`, { field: 'name' });
      app.db.insert(operators).values(row).run();
    })
    .immediate();
  return toSummary(row);
}

/** Creates the first admin; refused once any operator exists. */
export async function createFirstAdmin(app: AppContext, input: { name: string; displayName?: string; password: string }): Promise<OperatorSummary> {
  if (operatorCount(app) > 0) {
    throw new DepotError('conflict', 'this depot already has operators; an admin adds more from Settings', { field: 'name' });
  }
  return createOperator(app, { ...input, role: 'admin' });
}

/**
 * Wrong passwords in a row before sign-in waits (config `operators.freeLoginFailures`, default 5);
 * then 30 s after the last one, doubling, at most 15 min.
 */
const FIRST_WAIT_MS = 30_000;
const MAX_WAIT_MS = 15 * 60_000;

export function loginWaitMs(failures: number, freeFailures: number): number {
  return failures < freeFailures ? 0 : Math.min(MAX_WAIT_MS, FIRST_WAIT_MS * 2 ** (failures - freeFailures));
}

/** Failures of names no operator has, per open depot (the process's memory): the same answers as a real name's. */
const unknownNames = new WeakMap<AppContext, Map<string, { failures: number; lastAt: number }>>();

export async function authenticate(app: AppContext, name: string, password: string): Promise<OperatorIdentity> {
  const key = normalizeName(name);
  const row = app.db.select().from(operators).where(eq(operators.name, key)).get();
  if (!unknownNames.has(app)) unknownNames.set(app, new Map());
  const ghosts = unknownNames.get(app)!;
  const tally = row ? { failures: row.failedLogins, lastAt: row.lastFailedLoginAt ?? 0 } : (ghosts.get(key) ?? { failures: 0, lastAt: 0 });
  const free = app.config.operators.freeLoginFailures;
  const wait = tally.lastAt + loginWaitMs(tally.failures, free) - app.clock.now();
  if (tally.failures >= free && wait > 0) {
    throw new DepotError('rate_limited', `too many wrong passwords for ${key}: try again in ${Math.ceil(wait / 1000)} s`, { field: 'name', retryAfterMs: wait });
  }
  const ok = await verifyPassword(password, row?.passwordHash ?? DUMMY_HASH);
  if (!row || !ok) {
    const failures = tally.failures + 1;
    if (row) {
      const now = app.clock.now();
      expectChanges(
        app.db.update(operators).set({ failedLogins: failures, lastFailedLoginAt: now }).where(eq(operators.id, row.id)).run(),
        1,
        `count a failed login of ${row.name}`,
      );
      if (failures >= free) warnThrottled(app, row.name, failures);
    } else {
      ghosts.set(key, { failures, lastAt: app.clock.now() });
    }
    throw new DepotError('unauthenticated', 'wrong operator name or password', { field: 'name' });
  }
  if (row.disabled) throw new DepotError('forbidden', `operator ${row.name} is disabled`, { field: 'name' });
  expectChanges(
    app.db.update(operators).set({ lastLoginAt: app.clock.now(), failedLogins: 0, lastFailedLoginAt: null }).where(eq(operators.id, row.id)).run(),
    1,
    `record login of ${row.name}`,
  );
  return toSummary(row);
}

function warnThrottled(app: AppContext, name: string, failures: number): void {
  raiseAlert(app, {
    level: 'warning',
    code: 'auth.throttled',
    subject: `auth.throttled:${name}`,
    message: `${failures} wrong passwords in a row for operator ${name}: sign-in waits ${loginWaitMs(failures, app.config.operators.freeLoginFailures) / 1000} s after each further failure`,
    details: { operator: name, failures, waitS: loginWaitMs(failures, app.config.operators.freeLoginFailures) / 1000 },
  });
}

export function findOperator(app: AppContext, id: string): OperatorSummary | null {
  const row = app.db.select().from(operators).where(eq(operators.id, id)).get();
  return row ? toSummary(row) : null;
}

export function listOperators(app: AppContext): OperatorSummary[] {
  return app.db.select().from(operators).orderBy(operators.name).all().map(toSummary);
}

export function setDisabled(app: AppContext, actor: OperatorIdentity, id: string, disabled: boolean): OperatorSummary {
  if (actor.id === id && disabled) throw new DepotError('refused', 'you cannot disable your own account', { field: 'id' });
  return app.sqlite
    .transaction(() => {
      const target = findOperator(app, id);
      if (!target) throw new DepotError('not_found', `no operator with id ${id}`, { field: 'id' });
      if (disabled && target.role === 'admin') {
        const admins = countRows(app.sqlite.prepare("SELECT count(*) AS n FROM operators WHERE role = 'admin' AND disabled = 0"));
        if (admins <= 1) throw new DepotError('refused', 'the last active admin cannot be disabled', { field: 'id' });
      }
      expectChanges(app.db.update(operators).set({ disabled }).where(eq(operators.id, id)).run(), 1, `disable operator ${id}`);
      return { ...target, disabled };
    })
    .immediate();
}

export async function changePassword(app: AppContext, id: string, password: string): Promise<void> {
  if (password.length < MIN_PASSWORD) {
    throw new DepotError('invalid_input', `password must have at least ${MIN_PASSWORD} characters`, { field: 'password' });
  }
  const passwordHash = await hashPassword(password);
  expectChanges(app.db.update(operators).set({ passwordHash }).where(eq(operators.id, id)).run(), 1, `change password of ${id}`);
}

/**
 * The operator behind a login token, re-read so a disabled account or changed role takes effect
 * now; a disabled operator's token is forgotten.
 */
export function signedInOperator(app: AppContext, token: string | undefined | null): OperatorIdentity | null {
  const operatorId = app.logins.touch(token);
  if (!operatorId) return null;
  const op = findOperator(app, operatorId);
  if (!op || op.disabled) {
    app.logins.revoke(token);
    return null;
  }
  return { id: op.id, name: op.name, displayName: op.displayName, role: op.role };
}

/** An operator as a list or a decision shows them: id and display name (the login name, or the id, when there is none). */
export function operatorRef(app: AppContext, operatorId: string): { id: string; name: string } {
  const op = findOperator(app, operatorId);
  return { id: operatorId, name: op?.displayName || op?.name || operatorId };
}
