import { defineModule, tablesOf } from '../kernel/module';
import * as operatorsSchema from './schema';
import { operatorMethods } from './methods';
import { operatorsDemoStep } from './demo';
import { auditDoctorCheck, operatorFigures } from './system';

export { ROLES, type Role, operators, auditLog } from './schema';
export { appendAudit, verifyAudit, summarizeInput, sealAuditChain, auditHead, lastAuditByOperator, type AuditVerdict } from './audit';
export {
  authenticate,
  createOperator,
  createFirstAdmin,
  listOperators,
  operatorCount,
  findOperator,
  signedInOperator,
  operatorRef,
  type OperatorSummary,
} from './service';
export { operatorMethods } from './methods';
export { operatorIdByName, operatorNames, iterateAudit, type AuditEntry } from './lookups';
export { hashPassword, verifyPassword, DUMMY_HASH } from './passwords';

// ── the module: what this domain plugs into the depot (src-main/modules.ts composes them) ──────

export { operatorsDemoStep, DEMO_OPERATORS } from './demo';
export { operatorFigures, auditDoctorCheck } from './system';

export const operatorsModule = defineModule({
  name: 'operators',
  methods: operatorMethods,
  figures: [operatorFigures],
  doctorChecks: [{ name: 'audit_chain', run: auditDoctorCheck }],
  demoSteps: [operatorsDemoStep],
  tables: tablesOf(operatorsSchema),
});
