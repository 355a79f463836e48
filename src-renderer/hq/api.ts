import type { HqDepots, HqDriver, HqLiabilities, HqReconciliation, HqRevenue } from '../../src-main/hq/reads';
import { ApiError } from '../api/client';
import { httpTransport } from '../api/http';

/**
 * HQ's read methods over its POST /rpc (src-main/hq/http.ts): typed by the core's read functions
 * (type-only import), and failing with the same ApiError the depot's screens report.
 */
export interface HqMethods {
  'hq.whoami': { params: Record<string, never>; data: { role: 'hq' } };
  'hq.depots': { params: Record<string, never>; data: HqDepots };
  'hq.revenue': { params: { from: string; to: string; timeZone?: string }; data: HqRevenue };
  'hq.liabilities': { params: Record<string, never>; data: HqLiabilities };
  'hq.driver': { params: { phone: string }; data: HqDriver };
  'hq.reconciliation': { params: { from: string; to: string; channel?: string; merchantId?: string }; data: HqReconciliation };
}

const transport = httpTransport();

export async function hqCall<M extends keyof HqMethods>(method: M, params: HqMethods[M]['params']): Promise<HqMethods[M]['data']> {
  const result = await transport.call(method, params);
  if (!result.ok) throw new ApiError(result.error.code, result.error.message, result.error.details, method);
  // The server's answer for this method is the read function's result (src-main/hq/http.ts METHODS).
  return result.data as HqMethods[M]['data'];
}

export type { HqDepots, HqDriver, HqDriverLine, HqLiabilities, HqReconciliation, HqReconRow, HqRevenue } from '../../src-main/hq/reads';
