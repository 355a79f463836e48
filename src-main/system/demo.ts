import type { DemoStep } from '../kernel/plugins';
import type { AppContext } from '../kernel/context';

/**
 * `depotdesk demo`: a small demo depot to click around in. Each domain's module contributes its
 * step (operators, drivers, tariffs, chargers …), run in the order src-main/modules.ts lists the
 * modules; steps are idempotent so running demo twice changes nothing the second time.
 */
export async function runDemo(app: AppContext, steps: readonly DemoStep[], opts: { password: string }): Promise<{ step: string; result: string }[]> {
  const out: { step: string; result: string }[] = [];
  for (const step of steps) out.push({ step: step.name, result: await step.run(app, opts) });
  return out;
}
