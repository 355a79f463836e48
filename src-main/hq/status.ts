import type { Pool } from 'pg';
import type { RefusalReason } from './wire';
import { refusalWords } from './words';

/** Where each depot's journal stands at HQ (`depotdesk hq depots`). */
export interface DepotStatus {
  depotId: string;
  name: string | null;
  /** The highest seq HQ has committed. */
  ackedSeq: number;
  /** The depot's highest seq, as its last batch said. */
  tipSeq: number;
  /** Rows the depot has and HQ has not yet. */
  lagRows: number;
  /** When the last batch (or hello) came in, ISO; null if never. */
  lastBatchAt: string | null;
  /** Milliseconds since then, by PostgreSQL's clock; null if never. */
  msSinceLastBatch: number | null;
  /** The depot's time of the last row HQ stored (epoch ms). */
  lastAt: number | null;
  /** The refusal in force (cleared when rows are accepted again), in words too. */
  refused: { seq: number; reason: RefusalReason; words: string; detail: string; at: string; repeats: number } | null;
}

export interface HqStatus {
  depots: DepotStatus[];
  totals: { depots: number; rows: number; lagRows: number; refusing: number; alerts: number };
}

interface DepotRow {
  depot_id: string;
  name: string | null;
  acked_seq: string;
  tip_seq: string;
  last_batch_at: Date | null;
  ms_since: string | null;
  last_at: string | null;
  refused: { seq: number; reason: RefusalReason; detail: string; at: string; repeats: number } | null;
}

export async function hqStatus(pool: Pool): Promise<HqStatus> {
  const r = await pool.query<DepotRow>(
    `SELECT depot_id, name, acked_seq, tip_seq, last_batch_at, last_at, refused,
            floor(extract(epoch FROM now() - last_batch_at) * 1000)::bigint AS ms_since
     FROM hq_depots ORDER BY name NULLS LAST, depot_id`,
  );
  const depots = r.rows.map((d): DepotStatus => {
    const acked = Number(d.acked_seq);
    const tip = Math.max(Number(d.tip_seq), acked);
    return {
      depotId: d.depot_id,
      name: d.name,
      ackedSeq: acked,
      tipSeq: tip,
      lagRows: tip - acked,
      lastBatchAt: d.last_batch_at ? d.last_batch_at.toISOString() : null,
      msSinceLastBatch: d.ms_since === null ? null : Number(d.ms_since),
      lastAt: d.last_at === null ? null : Number(d.last_at),
      refused: d.refused ? { ...d.refused, words: refusalWords(d.refused.reason) } : null,
    };
  });
  const alerts = await pool.query<{ n: string }>('SELECT count(*) AS n FROM hq_alerts');
  return {
    depots,
    totals: {
      depots: depots.length,
      rows: depots.reduce((s, d) => s + d.ackedSeq, 0),
      lagRows: depots.reduce((s, d) => s + d.lagRows, 0),
      refusing: depots.filter((d) => d.refused !== null).length,
      alerts: Number(alerts.rows[0].n),
    },
  };
}
