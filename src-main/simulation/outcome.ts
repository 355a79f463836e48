import { isDepotError } from '../kernel/errors';
import type { SimDepot } from './depot-sim';

/** A refusal by the domain is an outcome of the step, counted under `<kind>:refused` and its code; anything else is thrown on. */
export async function refusedOr<T>(sim: SimDepot, kind: string, fn: () => Promise<T> | T): Promise<{ ok: true; value: T } | { ok: false; why: string }> {
  try {
    return { ok: true, value: await fn() };
  } catch (e) {
    if (!isDepotError(e)) throw e;
    sim.count(`${kind}:refused`);
    sim.count(`${kind}:refused:${e.code}`);
    return { ok: false, why: `${e.code}: ${e.message}` };
  }
}
