import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

import { ROLES, type Role } from '../kernel/roles';

export { ROLES, type Role };

export const operators = sqliteTable(
  'operators',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull().unique(),
    displayName: text('display_name').notNull(),
    role: text('role', { enum: ROLES }).notNull(),
    passwordHash: text('password_hash').notNull(),
    disabled: integer('disabled', { mode: 'boolean' }).notNull().default(false),
    createdAt: integer('created_at').notNull(),
    lastLoginAt: integer('last_login_at'),
    /** Wrong passwords since the last sign-in (issue 19): from the 5th, sign-in waits (service.ts). */
    failedLogins: integer('failed_logins').notNull().default(0),
    lastFailedLoginAt: integer('last_failed_login_at'),
  },
  (t) => [check('operators_role_known', sql`${t.role} in ('operator','supervisor','finance','admin')`)],
);

/**
 * Append-only: each row carries the SHA-256 of the previous row's hash and its own content, so an
 * edited or deleted row breaks the chain at that row. Triggers refuse UPDATE and DELETE; the
 * chain catches whoever drops the triggers first.
 */
export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: integer('at').notNull(),
    operatorId: text('operator_id'),
    operatorName: text('operator_name'),
    transport: text('transport').notNull(),
    method: text('method').notNull(),
    inputSummary: text('input_summary').notNull(),
    result: text('result').notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
    /** The keyed chain value (kernel/chain.ts): HMAC over the previous row's mac and this row's hash. Null only for rows sealed at the upgrade. */
    mac: text('mac'),
  },
  (t) => [index('audit_log_at').on(t.at), index('audit_log_operator').on(t.operatorId)],
);
