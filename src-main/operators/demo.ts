import type { DemoStep } from '../kernel/plugins';
import { createFirstAdmin, createOperator, operatorCount } from './service';

export const DEMO_OPERATORS = [
  { name: 'zhang.wei', displayName: '张伟', role: 'operator' },
  { name: 'li.na', displayName: '李娜', role: 'supervisor' },
  { name: 'wang.fang', displayName: '王芳', role: 'finance' },
] as const;

export const operatorsDemoStep: DemoStep = {
  name: 'operators',
  async run(app, { password }) {
    if (operatorCount(app) > 0) return 'operators already exist; left as they are';
    await createFirstAdmin(app, { name: 'admin', displayName: '管理员', password });
    for (const op of DEMO_OPERATORS) await createOperator(app, { ...op, password });
    return `admin + ${DEMO_OPERATORS.map((o) => `${o.name} (${o.role})`).join(', ')}, all with the given password`;
  },
};
