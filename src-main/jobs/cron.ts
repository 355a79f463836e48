import { CronExpressionParser } from 'cron-parser';
import type { AppContext } from '../kernel/context';
import { DepotError, expectChanges } from '../kernel/errors';
import { writeTx } from '../kernel/db/connection';
import { enqueue, type Enqueued } from './queue';
import type { Worker } from './worker';
import type { CronDef } from '../kernel/plugins';

export type { CronDef };

/**
 * Cron: jobs enqueued on a schedule in the depot's time zone ("0 2 * * *" is 02:00 in
 * Asia/Shanghai, 18:00 UTC the day before).
 *
 * Guarantees:
 * - Each slot of a schedule is enqueued at most once: the entry's last enqueued slot is kept in
 *   job_crons and advanced by a guarded UPDATE in the same transaction as the insert, and the job
 *   carries the unique key `cron:<name>:<slot>` so two ticks never enqueue the same slot.
 * - Slots missed while the PC was off (or the app closed) are run ONCE at the next tick, for the
 *   latest missed slot, not once per missed slot; the job's meta says how many were skipped.
 * - A schedule seen for the first time, or whose expression or kind changed, starts from the
 *   next slot: installing or editing a schedule never fires it for the past.
 */

export function defineCron(def: CronDef): CronDef {
  if (!def.name.trim()) throw new DepotError('invalid_input', 'a cron entry needs a name', { field: 'name' });
  try {
    CronExpressionParser.parse(def.expression, { tz: 'UTC', strict: false });
  } catch (e) {
    throw new DepotError('invalid_input', `cron ${def.name}: "${def.expression}" is not a cron expression: ${(e as Error).message}`, {
      field: 'expression',
    });
  }
  return def;
}

/** The latest slot at or before `now`. */
export function latestSlot(expression: string, timeZone: string, now: number): number {
  // cron-parser's prev() is strictly before currentDate; +1 ms makes a slot exactly at now count.
  return CronExpressionParser.parse(expression, { tz: timeZone, currentDate: new Date(now + 1) })
    .prev()
    .getTime();
}

/** The first slot strictly after `after`. */
export function nextSlot(expression: string, timeZone: string, after: number): number {
  return CronExpressionParser.parse(expression, { tz: timeZone, currentDate: new Date(after) })
    .next()
    .getTime();
}

/** Slots strictly between `after` and `upTo`, counted up to `cap` (for the log and the job's meta). */
export function slotsBetween(expression: string, timeZone: string, after: number, upTo: number, cap = 10_000): number {
  const it = CronExpressionParser.parse(expression, { tz: timeZone, currentDate: new Date(after) });
  let n = 0;
  while (n < cap) {
    const t = it.next().getTime();
    if (t >= upTo) break;
    n += 1;
  }
  return n;
}

export function cronUniqueKey(name: string, slot: number): string {
  return `cron:${name}:${new Date(slot).toISOString()}`;
}

interface CronRow {
  name: string;
  expression: string;
  kind: string;
  last_slot_at: number;
}

export interface CronTickResult {
  enqueued: Enqueued[];
  /** Entries seen for the first time (or changed), whose baseline was taken without a run. */
  baselined: string[];
}

/**
 * Enqueues the due slot of every entry. Cheap to call every poll: an entry is only looked at in
 * the database once its next slot has come (`nextDue` caches that per entry).
 */
export function enqueueDueCrons(
  app: AppContext,
  crons: readonly CronDef[],
  workers: ReadonlyMap<string, Worker>,
  nextDue: Map<string, number> = new Map(),
): CronTickResult {
  const now = app.clock.now();
  const tz = app.clock.timeZone;
  const result: CronTickResult = { enqueued: [], baselined: [] };
  for (const cron of crons) {
    const due = nextDue.get(cron.name);
    if (due !== undefined && now < due) continue;
    const latest = latestSlot(cron.expression, tz, now);
    writeTx(app.sqlite, () => {
      const row = app.sqlite.prepare<unknown[], CronRow>('SELECT name, expression, kind, last_slot_at FROM job_crons WHERE name = ?').get(cron.name);
      if (!row) {
        app.sqlite
          .prepare('INSERT INTO job_crons (name, expression, kind, last_slot_at, updated_at) VALUES (?, ?, ?, ?, ?)')
          .run(cron.name, cron.expression, cron.kind, latest, now);
        result.baselined.push(cron.name);
        return;
      }
      if (row.expression !== cron.expression || row.kind !== cron.kind) {
        expectChanges(
          app.sqlite
            .prepare('UPDATE job_crons SET expression = ?, kind = ?, last_slot_at = ?, updated_at = ? WHERE name = ? AND last_slot_at = ?')
            .run(cron.expression, cron.kind, latest, now, cron.name, row.last_slot_at),
          1,
          `re-baseline cron ${cron.name}`,
        );
        result.baselined.push(cron.name);
        return;
      }
      if (latest <= row.last_slot_at) return;
      const missed = slotsBetween(cron.expression, tz, row.last_slot_at, latest);
      const worker = workers.get(cron.kind);
      const job = enqueue(app, {
        kind: cron.kind,
        args: cron.args ?? {},
        queue: worker?.queue,
        maxAttempts: worker?.maxAttempts,
        priority: worker?.priority,
        uniqueKey: cronUniqueKey(cron.name, latest),
        meta: { cron: cron.name, slotAt: latest, missedSlots: missed, catchUp: missed > 0 },
      });
      expectChanges(
        app.sqlite
          .prepare('UPDATE job_crons SET last_slot_at = ?, last_job_id = ?, updated_at = ? WHERE name = ? AND last_slot_at = ?')
          .run(latest, job.id, now, cron.name, row.last_slot_at),
        1,
        `advance cron ${cron.name}`,
      );
      if (missed > 0) {
        app.log.info({ cron: cron.name, missed, slot: new Date(latest).toISOString() }, `cron ${cron.name}: ${missed} slot(s) missed while stopped; running once now`);
      }
      result.enqueued.push(job);
    });
    nextDue.set(cron.name, nextSlot(cron.expression, tz, latest));
  }
  return result;
}

export interface CronStatus {
  name: string;
  expression: string;
  kind: string;
  lastSlotAt: number;
  lastJobId: string | null;
  nextSlotAt: number;
}

export function cronStatus(app: AppContext): CronStatus[] {
  const rows = app.sqlite
    .prepare<unknown[], CronRow & { last_job_id: string | null }>('SELECT name, expression, kind, last_slot_at, last_job_id FROM job_crons ORDER BY name')
    .all();
  const now = app.clock.now();
  return rows.map((r) => ({
    name: r.name,
    expression: r.expression,
    kind: r.kind,
    lastSlotAt: r.last_slot_at,
    lastJobId: r.last_job_id,
    nextSlotAt: nextSlot(r.expression, app.clock.timeZone, now),
  }));
}
