export { ROLES, type Role, operators, auditLog } from './schema';
export { appendAudit, verifyAudit, summarizeInput, type AuditVerdict } from './audit';
export {
  authenticate,
  createOperator,
  createFirstAdmin,
  listOperators,
  operatorCount,
  findOperator,
  LoginSessions,
  type OperatorSummary,
} from './service';
export { operatorMethods } from './methods';
export { operatorIdByName, operatorNames } from './lookups';
export { hashPassword, verifyPassword, DUMMY_HASH } from './passwords';
