import type { AppContext } from '../kernel/context';
import { createFirstAdmin, createOperator, operatorCount } from '../operators';
import { ledgerDemoStep } from '../ledger';
import { tariffsDemoStep } from '../tariffs';
import { paymentsDemoStep } from '../payments';
import { chargersDemoStep } from '../chargers';
import { compensationDemoStep } from '../compensation';

/**
 * `depotdesk demo`: a small demo depot to click around in. Each domain appends its step (drivers,
 * tariffs, chargers …); steps are idempotent so running demo twice changes nothing the second time.
 */
export interface DemoStep {
  name: string;
  run(app: AppContext, opts: { password: string }): Promise<string> | string;
}

export const DEMO_OPERATORS = [
  { name: 'zhang.wei', displayName: '张伟', role: 'operator' },
  { name: 'li.na', displayName: '李娜', role: 'supervisor' },
  { name: 'wang.fang', displayName: '王芳', role: 'finance' },
] as const;

const operatorsStep: DemoStep = {
  name: 'operators',
  async run(app, { password }) {
    if (operatorCount(app) > 0) return 'operators already exist; left as they are';
    await createFirstAdmin(app, { name: 'admin', displayName: '管理员', password });
    for (const op of DEMO_OPERATORS) await createOperator(app, { ...op, password });
    return `admin + ${DEMO_OPERATORS.map((o) => `${o.name} (${o.role})`).join(', ')}, all with the given password`;
  },
};

export const demoSteps: DemoStep[] = [operatorsStep, ledgerDemoStep, tariffsDemoStep, chargersDemoStep, paymentsDemoStep, compensationDemoStep];

export async function runDemo(app: AppContext, opts: { password: string }): Promise<{ step: string; result: string }[]> {
  const out: { step: string; result: string }[] = [];
  for (const step of demoSteps) out.push({ step: step.name, result: await step.run(app, opts) });
  return out;
}
