import { z } from 'zod';
import { ADMINS, ALL_ROLES, SUPERVISORS, method } from '../kernel/method';
import { DepotError } from '../kernel/errors';
import { verifyAudit } from './audit';
import { ROLES } from './schema';
import { authenticate, changePassword, createFirstAdmin, createOperator, listOperators, operatorCount, setDisabled } from './service';

const identity = z.object({
  id: z.string(),
  name: z.string(),
  displayName: z.string(),
  role: z.enum(ROLES),
});
const summary = identity.extend({ disabled: z.boolean(), createdAt: z.number(), lastLoginAt: z.number().nullable() });
const operatorName = z
  .string()
  .trim()
  .min(2, 'at least 2 characters')
  .max(40)
  .regex(/^[\p{L}\p{N}._-]+$/u, 'letters, digits, dot, dash or underscore only');
const password = z.string().min(8, 'at least 8 characters').max(200);

interface AuditListRow {
  id: number;
  at: number;
  operatorName: string | null;
  operatorDisplayName: string | null;
  transport: string;
  method: string;
  inputSummary: string;
  result: string;
}

export const operatorMethods = {
  'auth.me': method({
    summary: 'Who is signed in here, and whether the depot still needs its first admin.',
    kind: 'query',
    roles: 'public',
    input: z.strictObject({}),
    output: z.object({ operator: identity.nullable(), setupRequired: z.boolean() }),
    handler: ({ app, caller }) => ({ operator: caller.operator, setupRequired: operatorCount(app) === 0 }),
  }),
  'auth.login': method({
    summary: 'Sign in with operator name and password.',
    kind: 'command',
    roles: 'public',
    input: z.strictObject({ name: z.string().trim().min(1), password: z.string().min(1) }),
    output: z.object({ operator: identity, token: z.string() }),
    handler: async ({ app, caller }, input) => {
      const op = await authenticate(app, input.name, input.password);
      const identityOnly = { id: op.id, name: op.name, displayName: op.displayName, role: op.role };
      caller.operator = identityOnly;
      const { token } = caller.session.signIn(identityOnly);
      return { operator: identityOnly, token };
    },
  }),
  'auth.logout': method({
    summary: 'Sign out.',
    kind: 'command',
    roles: ALL_ROLES,
    input: z.strictObject({}),
    output: z.object({ ok: z.literal(true) }),
    handler: ({ caller }) => {
      caller.session.signOut();
      return { ok: true as const };
    },
  }),
  'setup.createAdmin': method({
    summary: 'First run: create the admin account (refused once any operator exists).',
    kind: 'command',
    roles: 'public',
    input: z.strictObject({ name: operatorName, displayName: z.string().trim().max(60).optional(), password }),
    output: summary,
    handler: ({ app }, input) => createFirstAdmin(app, input),
  }),
  'operators.list': method({
    summary: 'All operator accounts.',
    kind: 'query',
    roles: SUPERVISORS,
    input: z.strictObject({}),
    output: z.array(summary),
    handler: ({ app }) => listOperators(app),
  }),
  'operators.create': method({
    summary: 'Add an operator account.',
    kind: 'command',
    roles: ADMINS,
    input: z.strictObject({ name: operatorName, displayName: z.string().trim().max(60).optional(), role: z.enum(ROLES), password }),
    output: summary,
    handler: ({ app }, input) => createOperator(app, input),
  }),
  'operators.setDisabled': method({
    summary: 'Disable or re-enable an operator account.',
    kind: 'command',
    roles: ADMINS,
    input: z.strictObject({ id: z.string().min(1), disabled: z.boolean() }),
    output: summary,
    handler: ({ app, caller }, input) => setDisabled(app, caller.operator!, input.id, input.disabled),
  }),
  'operators.changePassword': method({
    summary: "Change one's own password (admins may change anyone's).",
    kind: 'command',
    roles: ALL_ROLES,
    input: z.strictObject({ id: z.string().min(1), password }),
    output: z.object({ ok: z.literal(true) }),
    handler: async ({ app, caller }, input) => {
      const me = caller.operator!;
      if (me.id !== input.id && me.role !== 'admin') {
        throw new DepotError('forbidden', "only an admin can change another operator's password", { field: 'id' });
      }
      await changePassword(app, input.id, input.password);
      return { ok: true as const };
    },
  }),
  'audit.list': method({
    summary:
      "The audit log, newest first. operatorName is the login the row recorded (part of its hash); operatorDisplayName is that operator's display name now, for the screens.",
    kind: 'query',
    roles: SUPERVISORS,
    input: z.strictObject({ limit: z.number().int().min(1).max(500).default(100), beforeId: z.number().int().optional() }),
    output: z.array(
      z.object({
        id: z.number(),
        at: z.number(),
        operatorName: z.string().nullable(),
        operatorDisplayName: z.string().nullable(),
        transport: z.string(),
        method: z.string(),
        inputSummary: z.string(),
        result: z.string(),
      }),
    ),
    handler: ({ app }, input) =>
      app.sqlite
        .prepare<unknown[], AuditListRow>(
          `SELECT a.id, a.at, a.operator_name AS operatorName, o.display_name AS operatorDisplayName, a.transport, a.method, a.input_summary AS inputSummary, a.result
           FROM audit_log a LEFT JOIN operators o ON o.id = a.operator_id WHERE a.id < ? ORDER BY a.id DESC LIMIT ?`,
        )
        .all(input.beforeId ?? Number.MAX_SAFE_INTEGER, input.limit),
  }),
  'audit.verify': method({
    summary: 'Walk the audit hash chain and report the first broken row.',
    kind: 'query',
    roles: ADMINS,
    input: z.strictObject({}),
    output: z.object({
      ok: z.boolean(),
      rows: z.number(),
      /** reason: the English record (CLI, logs); code and params: what the screen words (audit.broken.<code>). Row 0: the log as a whole. */
      broken: z.object({ id: z.number(), reason: z.string(), code: z.string(), params: z.record(z.string(), z.union([z.string(), z.number()])) }).nullable(),
      /** Lines of the checkpoint file whose signature does not hold: the verdict fails on them even with no row broken. */
      checkpoints: z.object({ checked: z.number(), forgedLines: z.array(z.number()) }),
    }),
    handler: ({ app }) => verifyAudit(app),
  }),
};
