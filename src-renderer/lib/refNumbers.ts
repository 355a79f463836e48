import { api } from '../api';
import { isSessionNumber, typedNumber } from './typedNumber';
import { useQuery } from './useQuery';

/**
 * The numbers people quote for the sessions and payment orders a list holds only by id (a ledger
 * line, a debt, a hold): CD… for a session, DD… for an order (issue 16: tables show business
 * numbers, not internal ids). Read in batches of 500 when the set of ids changes; until they are
 * in, or for an id the depot does not know, the id itself is shown (never a blank).
 */

const BATCH = 500;

const uniq = (ids: readonly (string | null | undefined)[]): string[] => [...new Set(ids.filter((x): x is string => Boolean(x)))].sort();

async function inBatches(ids: readonly string[], read: (ids: string[]) => Promise<Record<string, string>>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (let i = 0; i < ids.length; i += BATCH) Object.assign(out, await read(ids.slice(i, i + BATCH)));
  return out;
}

export interface RefNumbers {
  session(id: string): string;
  order(id: string): string;
}

export function useRefNumbers(items: readonly { sessionId?: string | null; orderId?: string | null }[]): RefNumbers {
  const sessionIds = uniq(items.map((i) => i.sessionId));
  const orderIds = uniq(items.map((i) => i.orderId));
  const key = `${sessionIds.join(',')}|${orderIds.join(',')}`;
  const q = useQuery(async () => {
    const [sessions, orders] = await Promise.all([
      inBatches(sessionIds, (ids) => api.sessions.numbers({ ids })),
      inBatches(orderIds, (ids) => api.payments.orderNumbers({ ids })),
    ]);
    return { sessions, orders };
  }, [key]);
  return {
    session: (id) => q.data?.sessions[id] ?? id,
    order: (id) => q.data?.orders[id] ?? id,
  };
}

/**
 * The session a person gave by its number (CD…): one lookup by number; undefined when the text is
 * no session number or the depot has no such session. The core is then told the session's id.
 */
export async function sessionByNumber(typed: string): Promise<{ id: string; number: string } | undefined> {
  if (!isSessionNumber(typed)) return undefined;
  const page = await api.sessions.list({ number: typedNumber(typed), limit: 1 });
  return page.items[0];
}
