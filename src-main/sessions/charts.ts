import type { AppContext } from '../kernel/context';
import { DAY_MS } from '../kernel/clock';
import { cachedStatement } from '../kernel/db/statements';

/**
 * What the dashboard's charts read of sessions (read-only): energy and revenue per hour between
 * two instants, and per charger how busy its connectors were and how many starts failed.
 *
 * Guarantees (test/sessions/charts.test.ts):
 * - Hourly figures count each settled session (PAID or UNPAID) once, in the bucket of its
 *   settlement, as the dashboard's "energy today" and "revenue today" figures do: the buckets of a
 *   day add up to those figures.
 * - A charger's busy time is the time its sessions were charging (from the charger's start to its
 *   stop; a session still charging counts up to now), clipped to the window; utilisation is that
 *   time over the window's elapsed part times the charger's connectors, so it never exceeds 1.
 * - Failed starts are the sessions that ended FAILED, counted in the window they were created in.
 */

export const HOUR_MS = 3_600_000;

export interface HourBucket {
  /** Start of the bucket (ms). */
  start: number;
  sessions: number;
  energyWh: number;
  amountFen: number;
}

interface HourRow {
  bucket: number;
  sessions: number;
  energyWh: number;
  amountFen: number;
}

// better-sqlite3 binds numbers as REAL: the CAST makes the bucket a whole number again.
const PER_BUCKET = `SELECT CAST((settled_at - @from) / @bucket AS INTEGER) AS bucket, count(*) AS sessions, coalesce(sum(energy_wh), 0) AS energyWh,
    coalesce(sum(amount_fen), 0) AS amountFen
  FROM charging_sessions WHERE state IN ('PAID', 'UNPAID') AND settled_at >= @from AND settled_at < @to GROUP BY bucket`;

/** Settled sessions in [from, to) per bucket of `bucketMs` from `from`; every bucket is present, empty ones as zeros. */
export function settledPerBucket(app: Pick<AppContext, 'sqlite'>, from: number, to: number, bucketMs = HOUR_MS): HourBucket[] {
  const rows = cachedStatement<HourRow>(app.sqlite, PER_BUCKET).all({ from, to, bucket: bucketMs });
  const byBucket = new Map(rows.map((r) => [r.bucket, r]));
  const out: HourBucket[] = [];
  for (let i = 0; from + i * bucketMs < to; i += 1) {
    const r = byBucket.get(i);
    out.push({ start: from + i * bucketMs, sessions: r?.sessions ?? 0, energyWh: r?.energyWh ?? 0, amountFen: r?.amountFen ?? 0 });
  }
  return out;
}

export interface ChargerActivity {
  chargerId: string;
  /** Sessions that charged at some time inside the window. */
  sessions: number;
  /** Connector-milliseconds of charging inside the window (two connectors busy for an hour: 2 h). */
  busyMs: number;
  failedStarts: number;
  /** Failed starts by failure code (start_timeout, remote_start_refused, cancelled, unknown). */
  failedByCode: Record<string, number>;
}

interface SpanRow {
  chargerId: string;
  startAt: number;
  endAt: number | null;
}

/**
 * A finished session is found through the created_at index: one created up to this long before the
 * window can still overlap it. Sessions still charging are found by their state, however old.
 */
export const LOOKBACK_MS = 3 * DAY_MS;

const SPANS = `SELECT charger_id AS chargerId, coalesce(started_at, start_received_at) AS startAt,
    coalesce(stopped_at, stop_received_at, settled_at, updated_at) AS endAt
  FROM charging_sessions
  WHERE created_at >= @lookback AND created_at < @end AND state IN ('FINISHED', 'PAID', 'UNPAID') AND coalesce(started_at, start_received_at) IS NOT NULL
  UNION ALL
  SELECT charger_id AS chargerId, coalesce(started_at, start_received_at) AS startAt, NULL AS endAt
  FROM charging_sessions
  WHERE state IN ('CHARGING', 'STOPPING') AND coalesce(started_at, start_received_at) IS NOT NULL`;

const FAILED = `SELECT charger_id AS chargerId, coalesce(failure_code, 'unknown') AS code, count(*) AS n
  FROM charging_sessions WHERE state = 'FAILED' AND created_at >= @from AND created_at < @to GROUP BY charger_id, code`;

/** Per charger (only those with activity), busy time and failed starts in [from, to), as of `now`. */
export function activityByCharger(app: Pick<AppContext, 'sqlite'>, from: number, to: number, now: number): ChargerActivity[] {
  const end = Math.min(to, now);
  const out = new Map<string, ChargerActivity>();
  const of = (chargerId: string) => {
    let a = out.get(chargerId);
    if (!a) out.set(chargerId, (a = { chargerId, sessions: 0, busyMs: 0, failedStarts: 0, failedByCode: {} }));
    return a;
  };
  if (end > from) {
    for (const s of cachedStatement<SpanRow>(app.sqlite, SPANS).iterate({ lookback: from - LOOKBACK_MS, end })) {
      const busy = Math.min(s.endAt ?? now, end) - Math.max(s.startAt, from);
      if (busy <= 0) continue;
      const a = of(s.chargerId);
      a.sessions += 1;
      a.busyMs += busy;
    }
  }
  for (const r of cachedStatement<{ chargerId: string; code: string; n: number }>(app.sqlite, FAILED).iterate({ from, to })) {
    const a = of(r.chargerId);
    a.failedStarts += r.n;
    a.failedByCode[r.code] = (a.failedByCode[r.code] ?? 0) + r.n;
  }
  return [...out.values()].sort((a, b) => a.chargerId.localeCompare(b.chargerId));
}
