import type { AppContext } from '../kernel/context';
import { readUplinkState, type Refusal } from './state';
import { runningUplink, type UplinkConnection, type UplinkJournal } from './uplink';

/** What headquarters.status and `depotdesk hq uplink` show: how far HQ is behind this depot, and why. */
export interface UplinkStatus {
  enabled: boolean;
  depotId: string;
  depotName: string;
  /** 'off': no uplink runs in this process (hq.enabled is false, or a one-shot CLI command). */
  connection: UplinkConnection;
  /** The journal's last sequence. */
  tipSeq: number;
  /** The last sequence HQ acknowledged with a matching hash. */
  ackedSeq: number;
  lagRows: number;
  /** When the oldest row HQ does not have yet was written (epoch ms), null when HQ has them all. */
  oldestUnackedAt: number | null;
  lastAckAt: number | null;
  lastError: string | null;
  refused: Refusal | null;
}

export function uplinkStatus(app: AppContext, journal: UplinkJournal): UplinkStatus {
  const state = readUplinkState(app);
  const tip = journal.tip();
  const [oldest] = state.ackedSeq < tip.seq ? journal.read(state.ackedSeq, 1) : [];
  return {
    enabled: app.config.hq.enabled,
    depotId: journal.depotId(),
    depotName: app.config.hq.depotName,
    connection: runningUplink(app)?.connection() ?? 'off',
    tipSeq: tip.seq,
    ackedSeq: state.ackedSeq,
    lagRows: Math.max(0, tip.seq - state.ackedSeq),
    oldestUnackedAt: oldest?.at ?? null,
    lastAckAt: state.ackedAt,
    lastError: state.lastError,
    refused: state.refused,
  };
}
