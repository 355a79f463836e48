import type { AppContext } from '../kernel/context';
import { allRows } from '../kernel/db/rows';
import { chargersRuntime } from './service';
import { setMaintenance, type ChargerSummary } from './registry';

/**
 * Device health as the chargers domain records it (charger_health_events: fault and offline
 * episodes), and the maintenance switch with the charger told (ChangeAvailability), for whoever
 * decides: an operator on the Chargers page, or risk control's rules.
 */

export interface HealthEvent {
  id: number;
  chargerId: string;
  kind: 'fault' | 'offline';
  connectorId: number | null;
  detail: string;
  at: number;
}

/** Fault and offline episodes since `since` (epoch ms), oldest first; one charger's or all. */
export function healthEventsSince(app: Pick<AppContext, 'sqlite'>, since: number, chargerId?: string): HealthEvent[] {
  return allRows<HealthEvent>(
    app.sqlite.prepare(
      `SELECT id, charger_id AS chargerId, kind, connector_id AS connectorId, detail, at FROM charger_health_events
       WHERE at >= @since AND (@charger IS NULL OR charger_id = @charger) ORDER BY at, id`,
    ),
    { since, charger: chargerId ?? null },
  );
}

/** What a maintenance switch did at the charger itself (the flag in the database is what counts). */
export type AvailabilityOutcome = 'Accepted' | 'Rejected' | 'Scheduled' | 'not_sent' | 'failed';

/**
 * Switches a charger into or out of maintenance (no session starts on it while in maintenance),
 * then tells the charger, best effort: it shows itself out of order and refuses local starts.
 */
export async function switchMaintenance(
  app: AppContext,
  id: string,
  maintenance: boolean,
  reason?: string,
): Promise<{ charger: ChargerSummary; availability: AvailabilityOutcome }> {
  const charger = setMaintenance(app, id, maintenance, reason);
  return { charger, availability: await tellAvailability(app, charger, maintenance) };
}

/** Tells a charger it is (in)operative after its maintenance flag changed; best effort, never throws. */
export async function tellAvailability(app: AppContext, charger: Pick<ChargerSummary, 'id' | 'online'>, maintenance: boolean): Promise<AvailabilityOutcome> {
  const rt = chargersRuntime(app);
  if (!rt || !charger.online || rt.transport.state() !== 'connected') return 'not_sent';
  try {
    const answer = await rt.callCharger(
      charger.id,
      'ChangeAvailability',
      { connectorId: 0, type: maintenance ? 'Inoperative' : 'Operative' },
      { timeoutMs: 5_000, retries: 0 },
    );
    const status = String(answer.status);
    return status === 'Accepted' || status === 'Rejected' || status === 'Scheduled' ? status : 'failed';
  } catch (e) {
    app.log.warn({ chargerId: charger.id, err: (e as Error).message }, 'ChangeAvailability after a maintenance switch failed');
    return 'failed';
  }
}
