import { DepotError, isDepotError, type ErrorShape } from '../kernel/errors';
import type { AppContext } from '../kernel/context';
import { appendAudit } from '../operators';
import type { Caller, MethodDef } from '../kernel/method';
import { depot } from '../modules';
import type { CallResult } from './types';

/**
 * The one dispatcher behind every door. It never throws: every outcome is a CallResult, and
 * errors that are not DepotErrors are logged with their stack and reported as `internal`.
 */
export async function dispatch(app: AppContext, caller: Caller, name: unknown, params: unknown): Promise<CallResult> {
  if (typeof name !== 'string' || !Object.hasOwn(depot.methods, name)) {
    return fail({ code: 'unknown_method', message: `unknown method ${JSON.stringify(name)}`, details: { method: name } });
  }
  const def = (depot.methods as Record<string, MethodDef>)[name];

  if (def.roles !== 'public') {
    if (!caller.operator) {
      return fail({ code: 'unauthenticated', message: `sign in to call ${name}`, details: { method: name } });
    }
    if (!def.roles.includes(caller.operator.role)) {
      const denied = fail({
        code: 'forbidden',
        message: `${name} needs one of the roles ${def.roles.join(', ')}; ${caller.operator.name} is ${caller.operator.role}`,
        details: { method: name, role: caller.operator.role, allowed: def.roles },
      });
      if (def.kind === 'command') audit(app, caller, name, params, 'forbidden');
      return denied;
    }
  }

  const parsed = def.input.safeParse(params ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ field: i.path.join('.') || '(input)', message: i.message, code: i.code }));
    return fail({
      code: 'invalid_input',
      message: `invalid input for ${name}: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`,
      details: { issues },
    });
  }

  let result: CallResult;
  try {
    const data = await def.handler({ app, caller }, parsed.data);
    const out = def.output.safeParse(data);
    if (!out.success) {
      app.log.error({ method: name, issues: out.error.issues }, 'handler returned output that breaks its contract');
      result = fail({ code: 'internal', message: `${name} produced an invalid result (logged)` });
    } else {
      result = { ok: true, data: out.data };
    }
  } catch (e) {
    result = fail(errorShape(app, name, e));
  }
  if (def.kind === 'command') audit(app, caller, name, params, result.ok ? 'ok' : result.error.code);
  return result;
}

function fail(error: ErrorShape): CallResult {
  return { ok: false, error };
}

function errorShape(app: AppContext, name: string, e: unknown): ErrorShape {
  if (isDepotError(e)) return e.toShape();
  const ref = app.ids.next();
  app.log.error({ method: name, ref, err: e }, 'method failed');
  return new DepotError('internal', `${name} failed unexpectedly (log reference ${ref})`, { ref }).toShape();
}

function audit(app: AppContext, caller: Caller, name: string, params: unknown, result: string): void {
  try {
    appendAudit(app, { operator: caller.operator, transport: caller.transport, method: name, input: params, result });
  } catch (e) {
    // The action already happened; losing its audit row must at least be loud.
    app.log.error({ method: name, err: e }, 'could not append to the audit log');
  }
}
