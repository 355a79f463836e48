import type { DemoStep } from '../kernel/plugins';
import type { AppContext } from '../kernel/context';
import { appendAudit, listOperators } from '../operators';

/**
 * `depotdesk demo`: a small demo depot to click around in. Each domain's module contributes its
 * step (operators, drivers, tariffs, chargers …), run in the order src-main/modules.ts lists the
 * modules; steps are idempotent so running demo twice changes nothing the second time.
 *
 * The steps write ledger batches in the demo operators' names without going through the
 * dispatcher, so the run ends with one `system.demo` audit row per operator: every batch made for
 * an operator is followed by an audit row of theirs, which `ledger verify` holds the books to.
 */
export async function runDemo(app: AppContext, steps: readonly DemoStep[], opts: { password: string }): Promise<{ step: string; result: string }[]> {
  const out: { step: string; result: string }[] = [];
  for (const step of steps) out.push({ step: step.name, result: await step.run(app, opts) });
  for (const op of listOperators(app)) {
    appendAudit(app, {
      operator: { id: op.id, name: op.name, displayName: op.displayName, role: op.role },
      transport: 'cli',
      method: 'system.demo',
      input: { steps: steps.map((s) => s.name) },
      result: 'ok',
    });
  }
  return out;
}
