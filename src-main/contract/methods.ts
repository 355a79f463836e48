import type { MethodDef } from '../kernel/method';
import { operatorMethods } from '../operators';
import { systemMethods } from '../system';
import { jobMethods } from '../jobs';
import { alertMethods } from '../alerts';
import { tariffMethods } from '../tariffs';
import { ledgerMethods } from '../ledger';
import { chargerMethods } from '../chargers';
import { paymentMethods } from '../payments';
import { compensationMethods } from '../compensation';
import { refundMethods } from '../refunds';
import { parkedRecordMethods, sessionMethods, sweeperMethods } from '../sessions';

/**
 * The method registry: every operator action, one entry each. Domains declare their handlers as
 * one map and are registered here in a line; the client types are derived from this object.
 */
export const methods = {
  ...systemMethods,
  ...operatorMethods,
  ...jobMethods,
  ...alertMethods,
  ...tariffMethods,
  ...ledgerMethods,
  ...chargerMethods,
  ...paymentMethods,
  ...compensationMethods,
  ...refundMethods,
  ...sessionMethods,
  ...sweeperMethods,
  ...parkedRecordMethods,
} satisfies Record<string, MethodDef<any, any>>; // any: each entry keeps its own precise zod types

export type Methods = typeof methods;
export const methodNames = Object.keys(methods) as (keyof Methods & string)[];
