import type { AppContext } from '../kernel/context';
import { cachedStatement } from '../kernel/db/statements';

/** What risk control reads of sessions: failed starts per charger (device health). Read-only. */

export interface FailedStartFact {
  sessionId: string;
  chargerId: string;
  failureCode: string | null;
  createdAt: number;
}

/** Sessions that failed to start since `since`, oldest first (the failed-starts index covers it). */
export function failedStartsSince(app: Pick<AppContext, 'sqlite'>, since: number): FailedStartFact[] {
  return cachedStatement<FailedStartFact>(
    app.sqlite,
    "SELECT id AS sessionId, charger_id AS chargerId, failure_code AS failureCode, created_at AS createdAt FROM charging_sessions WHERE state = 'FAILED' AND created_at >= ? ORDER BY created_at, id",
  ).all(since);
}
