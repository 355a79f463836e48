/** Who an operator is to the depot; every method names the roles that may call it. */
export const ROLES = ['operator', 'supervisor', 'finance', 'admin'] as const;
export type Role = (typeof ROLES)[number];
