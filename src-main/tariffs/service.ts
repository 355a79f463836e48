import { asc, eq } from 'drizzle-orm';
import type { AppContext } from '../kernel/context';
import { DepotError } from '../kernel/errors';
import { writeTx } from '../kernel/db/connection';
import { parseTariffFile, toTariffFile, type TariffFile, type TariffFileRule } from './format';
import { isPeriod, PERIODS, type Period, type PeriodPrice, type SlotOverrides, type TariffPlan, type TariffRule } from './model';
import { quoteSession, type MeterSample, type PlanTimeline, type Quote, type TimelineEntry } from './quote';
import { tariffDateOverrides, tariffPlans, tariffStationAssignments, tariffVersions } from './schema';
import { instantOf, isCalendarDate, isoInZone, slotLabel, SLOT_MS, SLOTS_PER_DAY, startOfDate } from './zone';

/**
 * Plans, versions, date overrides and station assignments in the database.
 *
 * Guarantees:
 * - A tariff file with any problem imports nothing; the error names every bad field and why.
 * - History is never rewritten. Versions, date overrides and assignments are append-only (the
 *   database refuses UPDATE and DELETE), and each new one can only take effect in the future: a
 *   new version of a plan starts after every earlier one and not before now, an assignment starts
 *   now or later, and a date override may change only slots that have not begun. So energy already
 *   delivered keeps the price it was delivered at, whenever it is quoted.
 * - A station has at most one plan at any instant: `planAt(station, t)` is the plan of its latest
 *   assignment starting at or before t, in the version of that plan in force at t.
 * - Importing the same file twice changes nothing the second time; export then import gives back a
 *   plan that prices every instant the same.
 */

export interface VersionSummary {
  id: string;
  planId: string;
  effectiveFrom: string;
  effectiveFromAt: number;
  timeZone: string;
  createdAt: number;
}

export interface DateOverride {
  id: string;
  planId: string;
  date: string;
  slots: Record<string, Period>;
  createdAt: number;
  createdBy: string | null;
}

export interface StationAssignment {
  id: string;
  stationId: string;
  planId: string;
  effectiveFromAt: number;
  createdAt: number;
  createdBy: string | null;
}

export interface PlanSummary {
  id: string;
  name: string;
  createdAt: number;
  versions: VersionSummary[];
  /** The version in force now, or null when the plan's first version is still to come. */
  currentVersionId: string | null;
  /** Stations whose plan this is now, or will be by a scheduled assignment. */
  stations: { stationId: string; from: number }[];
  overrides: number;
}

type VersionRow = typeof tariffVersions.$inferSelect;

function pricesOf(row: VersionRow): Record<Period, PeriodPrice> {
  return {
    sharp: { electricity: row.sharpElectricity, service: row.sharpService },
    peak: { electricity: row.peakElectricity, service: row.peakService },
    flat: { electricity: row.flatElectricity, service: row.flatService },
    valley: { electricity: row.valleyElectricity, service: row.valleyService },
  };
}

function slotsFromJson(obj: Record<string, Period>): SlotOverrides {
  const out: Partial<Record<number, Period>> = {};
  for (const [k, v] of Object.entries(obj)) out[Number(k)] = v;
  return out;
}

function rulesFromJson(text: string): TariffRule[] {
  return (JSON.parse(text) as TariffFileRule[]).map((r) =>
    'months' in r ? { months: r.months, slots: slotsFromJson(r.slots) } : { dates: r.dates, slots: slotsFromJson(r.slots) },
  );
}

/** The version as stored, without the plan's date overrides. */
function versionPlan(row: VersionRow, name: string): TariffPlan {
  return {
    name,
    currency: 'CNY',
    timeZone: row.timeZone,
    effectiveFrom: row.effectiveFrom,
    prices: pricesOf(row),
    slots: JSON.parse(row.slots) as Period[],
    rules: rulesFromJson(row.rules),
  };
}

/** The version with the plan's date overrides appended as rules, so they win (they came later). */
function withOverrides(plan: TariffPlan, overrides: readonly DateOverride[]): TariffPlan {
  if (overrides.length === 0) return plan;
  return { ...plan, rules: [...plan.rules, ...overrides.map((o) => ({ dates: [o.date], slots: slotsFromJson(o.slots) }))] };
}

function summaryOf(row: VersionRow): VersionSummary {
  return { id: row.id, planId: row.planId, effectiveFrom: row.effectiveFrom, effectiveFromAt: row.effectiveFromAt, timeZone: row.timeZone, createdAt: row.createdAt };
}

function planRow(app: AppContext, id: string) {
  const row = app.db.select().from(tariffPlans).where(eq(tariffPlans.id, id)).get();
  if (!row) throw new DepotError('not_found', `no tariff plan with id ${id}`, { field: 'planId' });
  return row;
}

function versionRows(app: AppContext, planId: string): VersionRow[] {
  return app.db.select().from(tariffVersions).where(eq(tariffVersions.planId, planId)).orderBy(asc(tariffVersions.effectiveFromAt)).all();
}

function overridesOf(app: AppContext, planId: string): DateOverride[] {
  return app.db
    .select()
    .from(tariffDateOverrides)
    .where(eq(tariffDateOverrides.planId, planId))
    .orderBy(asc(tariffDateOverrides.createdAt), asc(tariffDateOverrides.id))
    .all()
    .map((r) => ({ ...r, slots: JSON.parse(r.slots) as Record<string, Period> }));
}

function assignmentsOf(app: AppContext, where: { stationId?: string; planId?: string }): StationAssignment[] {
  const q = app.db.select().from(tariffStationAssignments);
  const rows = where.stationId
    ? q.where(eq(tariffStationAssignments.stationId, where.stationId))
    : where.planId
      ? q.where(eq(tariffStationAssignments.planId, where.planId))
      : q;
  return rows.orderBy(asc(tariffStationAssignments.effectiveFromAt)).all();
}

function sameVersion(row: VersionRow, plan: TariffPlan): boolean {
  const p = pricesOf(row);
  return (
    row.timeZone === plan.timeZone &&
    PERIODS.every((k) => p[k].electricity === plan.prices[k].electricity && p[k].service === plan.prices[k].service) &&
    row.slots === JSON.stringify(plan.slots) &&
    row.rules === JSON.stringify(toTariffFile(plan).rules)
  );
}

export interface ImportResult {
  planId: string;
  versionId: string;
  name: string;
  effectiveFrom: string;
  effectiveFromAt: number;
  /** True when this import created the plan; false when it added a version to an existing one. */
  newPlan: boolean;
  /** True when the same version was already there: nothing was written. */
  unchanged: boolean;
  assignment: StationAssignment | null;
}

/**
 * Imports a tariff file. A plan is identified by its name: a file whose name is new creates a
 * plan; a file with a known name adds a version to that plan. With a station, the station uses
 * the plan from now (or from the plan's first day, if that is later), in the same transaction.
 */
export function importTariff(app: AppContext, input: { file: unknown; stationId?: string; operatorId?: string | null; source?: string }): ImportResult {
  const plan = parseTariffFile(input.file, input.source);
  const now = app.clock.now();
  const effectiveFromAt = startOfDate(plan.effectiveFrom, plan.timeZone);
  const by = input.operatorId ?? null;
  const result = writeTx(app.sqlite, (): ImportResult => {
    const existing = app.db.select().from(tariffPlans).where(eq(tariffPlans.name, plan.name)).get();
    let planId: string;
    let versionId: string | null = null;
    let unchanged = false;
    if (existing) {
      planId = existing.id;
      const versions = versionRows(app, planId);
      const same = versions.find((v) => v.effectiveFrom === plan.effectiveFrom && v.effectiveFromAt === effectiveFromAt);
      if (same && sameVersion(same, plan)) {
        versionId = same.id;
        unchanged = true;
      } else {
        const latest = versions.at(-1);
        if (latest && effectiveFromAt <= latest.effectiveFromAt) {
          throw new DepotError(
            'conflict',
            `effectiveFrom: plan "${plan.name}" already has a version from ${latest.effectiveFrom}; a new version must start after it (history is never rewritten)`,
            { field: 'effectiveFrom', latest: latest.effectiveFrom },
          );
        }
        if (effectiveFromAt < now) {
          throw new DepotError(
            'refused',
            `effectiveFrom: ${plan.effectiveFrom} begins at ${isoInZone(effectiveFromAt, plan.timeZone)}, which has passed; a new version of "${plan.name}" can only start in the future (tomorrow or later), so energy already delivered keeps its price`,
            { field: 'effectiveFrom' },
          );
        }
      }
    } else {
      planId = app.ids.next();
      app.db.insert(tariffPlans).values({ id: planId, name: plan.name, createdAt: now, createdBy: by }).run();
    }
    if (!versionId) {
      versionId = app.ids.next();
      app.db
        .insert(tariffVersions)
        .values({
          id: versionId,
          planId,
          effectiveFrom: plan.effectiveFrom,
          effectiveFromAt,
          timeZone: plan.timeZone,
          currency: plan.currency,
          sharpElectricity: plan.prices.sharp.electricity,
          sharpService: plan.prices.sharp.service,
          peakElectricity: plan.prices.peak.electricity,
          peakService: plan.prices.peak.service,
          flatElectricity: plan.prices.flat.electricity,
          flatService: plan.prices.flat.service,
          valleyElectricity: plan.prices.valley.electricity,
          valleyService: plan.prices.valley.service,
          slots: JSON.stringify(plan.slots),
          rules: JSON.stringify(toTariffFile(plan).rules),
          createdAt: now,
          createdBy: by,
        })
        .run();
    }
    const assignment = input.stationId
      ? insertAssignment(app, { stationId: input.stationId, planId, at: Math.max(now, versionRows(app, planId)[0].effectiveFromAt) }, by, now)
      : null;
    return { planId, versionId, name: plan.name, effectiveFrom: plan.effectiveFrom, effectiveFromAt, newPlan: !existing, unchanged, assignment };
  });
  if (!result.unchanged || result.assignment) app.events.emit('tariffs.changed', { planId: result.planId, change: 'imported' });
  return result;
}

function versionInForce(versions: readonly VersionRow[], at: number): VersionRow | null {
  let found: VersionRow | null = null;
  for (const v of versions) if (v.effectiveFromAt <= at) found = v;
  return found;
}

/** `now` is read once by the caller: "from now" must not turn into "in the past" a millisecond later. */
function insertAssignment(app: AppContext, a: { stationId: string; planId: string; at: number }, by: string | null, now: number): StationAssignment {
  const stationId = a.stationId.trim();
  if (stationId === '') throw new DepotError('invalid_input', 'stationId: must not be empty', { field: 'stationId' });
  const plan = planRow(app, a.planId);
  if (a.at < now) {
    throw new DepotError('refused', `effectiveFrom: an assignment cannot start in the past (${new Date(a.at).toISOString()}); energy already delivered keeps its plan`, {
      field: 'effectiveFrom',
    });
  }
  const versions = versionRows(app, plan.id);
  if (!versionInForce(versions, a.at)) {
    throw new DepotError(
      'refused',
      `planId: "${plan.name}" has no version in force at ${new Date(a.at).toISOString()} (its first version starts ${versions[0] ? versions[0].effectiveFrom : 'never'}); assign it from that day`,
      { field: 'planId' },
    );
  }
  const clash = app.db
    .select()
    .from(tariffStationAssignments)
    .where(eq(tariffStationAssignments.stationId, stationId))
    .all()
    .find((r) => r.effectiveFromAt === a.at);
  if (clash) {
    throw new DepotError('conflict', `station ${stationId} already gets a plan assigned from that instant`, { field: 'effectiveFrom' });
  }
  const row: StationAssignment = { id: app.ids.next(), stationId, planId: plan.id, effectiveFromAt: a.at, createdAt: now, createdBy: by };
  app.db.insert(tariffStationAssignments).values(row).run();
  return row;
}

/** A station uses a plan from `at` (default now; never in the past). */
export function assignTariff(
  app: AppContext,
  input: { stationId: string; planId: string; at?: number; effectiveFrom?: string; operatorId?: string | null },
): StationAssignment {
  const now = app.clock.now();
  let at = input.at ?? now;
  if (input.effectiveFrom !== undefined) {
    if (!isCalendarDate(input.effectiveFrom)) {
      throw new DepotError('invalid_input', `effectiveFrom: must be a date written yyyy-MM-dd; got ${JSON.stringify(input.effectiveFrom)}`, { field: 'effectiveFrom' });
    }
    at = startOfDate(input.effectiveFrom, app.clock.timeZone);
  }
  const row = writeTx(app.sqlite, () => insertAssignment(app, { stationId: input.stationId, planId: input.planId, at }, input.operatorId ?? null, now));
  app.events.emit('tariffs.changed', { planId: row.planId, change: 'assigned' });
  return row;
}

/**
 * An operator's single-date override (e.g. 尖 hours on a heat-wave day announced the day before).
 * Every slot it changes must still lie in the future.
 */
export function addDateOverride(app: AppContext, input: { planId: string; date: string; slots: Record<string, string>; operatorId?: string | null }): DateOverride {
  const row = writeTx(app.sqlite, () => {
    const plan = planRow(app, input.planId);
    if (!isCalendarDate(input.date)) {
      throw new DepotError('invalid_input', `date: must be a calendar date written yyyy-MM-dd; got ${JSON.stringify(input.date)}`, { field: 'date' });
    }
    const keys = Object.keys(input.slots);
    if (keys.length === 0) throw new DepotError('invalid_input', 'slots: name at least one slot to change, like {"22": "sharp"}', { field: 'slots' });
    const slots: Record<string, Period> = {};
    for (const key of keys) {
      if (!/^(0|[1-9]\d?)$/.test(key) || Number(key) >= SLOTS_PER_DAY) {
        throw new DepotError('invalid_input', `slots.${key}: slot must be a whole number 0..47; got "${key}"`, { field: `slots.${key}` });
      }
      const period = input.slots[key];
      if (!isPeriod(period)) {
        throw new DepotError('invalid_input', `slots.${key}: unknown period ${JSON.stringify(period)}; use one of ${PERIODS.join(', ')}`, { field: `slots.${key}` });
      }
      slots[String(Number(key))] = period;
    }
    const versions = versionRows(app, plan.id);
    const inForce = [...versions].reverse().find((v) => v.effectiveFrom <= input.date);
    if (!inForce) {
      throw new DepotError('refused', `date: "${plan.name}" has no version in force on ${input.date}`, { field: 'date' });
    }
    const now = app.clock.now();
    for (const key of Object.keys(slots)
      .map(Number)
      .sort((a, b) => a - b)) {
      const start = instantOf(input.date, key * SLOT_MS, inForce.timeZone);
      if (start < now) {
        throw new DepotError(
          'refused',
          `slots.${key}: ${input.date} ${slotLabel(key)}–${slotLabel(key + 1 === SLOTS_PER_DAY ? 0 : key + 1)} has already begun; an override may only change slots still to come, so energy already delivered keeps its price`,
          { field: `slots.${key}` },
        );
      }
    }
    const override: DateOverride = { id: app.ids.next(), planId: plan.id, date: input.date, slots, createdAt: now, createdBy: input.operatorId ?? null };
    app.db
      .insert(tariffDateOverrides)
      .values({ ...override, slots: JSON.stringify(slots) })
      .run();
    return override;
  });
  app.events.emit('tariffs.changed', { planId: row.planId, change: 'override' });
  return row;
}

export function listTariffs(app: AppContext): PlanSummary[] {
  const now = app.clock.now();
  const plans = app.db.select().from(tariffPlans).orderBy(asc(tariffPlans.name)).all();
  const current = currentAssignments(app, now);
  return plans.map((p) => {
    const versions = versionRows(app, p.id);
    return {
      id: p.id,
      name: p.name,
      createdAt: p.createdAt,
      versions: versions.map(summaryOf),
      currentVersionId: versionInForce(versions, now)?.id ?? null,
      stations: current.filter((a) => a.planId === p.id).map((a) => ({ stationId: a.stationId, from: a.effectiveFromAt })),
      overrides: overridesOf(app, p.id).length,
    };
  });
}

/** Each station's assignment in force now, plus any scheduled after now. */
function currentAssignments(app: AppContext, now: number): StationAssignment[] {
  const all = assignmentsOf(app, {});
  const byStation = new Map<string, StationAssignment[]>();
  for (const a of all) byStation.set(a.stationId, [...(byStation.get(a.stationId) ?? []), a]);
  const out: StationAssignment[] = [];
  for (const list of byStation.values()) {
    const past = list.filter((a) => a.effectiveFromAt <= now);
    if (past.length > 0) out.push(past[past.length - 1]);
    out.push(...list.filter((a) => a.effectiveFromAt > now));
  }
  return out;
}

export interface PlanDetail {
  id: string;
  name: string;
  createdAt: number;
  currentVersionId: string | null;
  versions: (VersionSummary & { file: TariffFile })[];
  overrides: DateOverride[];
  assignments: StationAssignment[];
}

export function getTariff(app: AppContext, id: string): PlanDetail {
  const plan = planRow(app, id);
  const versions = versionRows(app, plan.id);
  return {
    id: plan.id,
    name: plan.name,
    createdAt: plan.createdAt,
    currentVersionId: versionInForce(versions, app.clock.now())?.id ?? null,
    versions: versions.map((v) => ({ ...summaryOf(v), file: toTariffFile(versionPlan(v, plan.name)) })),
    overrides: overridesOf(app, plan.id),
    assignments: assignmentsOf(app, { planId: plan.id }),
  };
}

/**
 * The file for a version (by version id) or for a plan (by plan id: the version in force now, or
 * the first one to come). The plan's date overrides that fall in the version's time are appended
 * as date rules, so the file prices every instant as the database does.
 */
export function exportTariff(app: AppContext, id: string): { planId: string; versionId: string; file: TariffFile } {
  let version = app.db.select().from(tariffVersions).where(eq(tariffVersions.id, id)).get();
  const planId = version ? version.planId : planRow(app, id).id;
  const plan = planRow(app, planId);
  const versions = versionRows(app, planId);
  if (!version) {
    version = versionInForce(versions, app.clock.now()) ?? versions[0];
    if (!version) throw new DepotError('not_found', `plan "${plan.name}" has no versions`, { field: 'id' });
  }
  const next = versions.find((v) => v.effectiveFromAt > version.effectiveFromAt);
  const overrides = overridesOf(app, planId).filter((o) => o.date >= version.effectiveFrom && (!next || o.date < next.effectiveFrom));
  return { planId, versionId: version.id, file: toTariffFile(withOverrides(versionPlan(version, plan.name), overrides)) };
}

/** Every version of a plan, each pricing from its start until the next one's, with the plan's overrides. */
export function planTimeline(app: AppContext, planId: string): PlanTimeline {
  const plan = planRow(app, planId);
  const overrides = overridesOf(app, planId);
  return versionRows(app, planId).map((v) => ({ from: v.effectiveFromAt, plan: withOverrides(versionPlan(v, plan.name), overrides), versionId: v.id }));
}

/** One version on its own, pricing from its start with no end (a quote locked to a version). */
export function versionTimeline(app: AppContext, versionId: string): PlanTimeline {
  const v = app.db.select().from(tariffVersions).where(eq(tariffVersions.id, versionId)).get();
  if (!v) throw new DepotError('not_found', `no tariff version with id ${versionId}`, { field: 'versionId' });
  const plan = planRow(app, v.planId);
  return [{ from: v.effectiveFromAt, plan: withOverrides(versionPlan(v, plan.name), overridesOf(app, plan.id)), versionId: v.id }];
}

export interface PlanAt {
  stationId: string;
  planId: string;
  planName: string;
  versionId: string;
  /** The version as it prices, date overrides included. */
  plan: TariffPlan;
  /** When the station's assignment to this plan began. */
  assignedFrom: number;
}

/** The plan and version a station priced energy by at instant t; null before its first assignment. */
export function planAt(app: AppContext, stationId: string, t: number): PlanAt | null {
  const assignment = [...assignmentsOf(app, { stationId })].reverse().find((a) => a.effectiveFromAt <= t);
  if (!assignment) return null;
  const timeline = planTimeline(app, assignment.planId);
  const entry = [...timeline].reverse().find((e) => e.from <= t);
  // An assignment is only accepted while a version is in force, and versions are never removed.
  if (!entry) throw new DepotError('internal', `station ${stationId}: plan ${assignment.planId} has no version in force at ${t}`);
  return { stationId, planId: assignment.planId, planName: entry.plan.name, versionId: entry.versionId!, plan: entry.plan, assignedFrom: assignment.effectiveFromAt };
}

/**
 * Everything a station priced by, in time order: each assignment's plan, in each of its versions.
 * `quoteSession(stationTimeline(...), samples)` prices every piece of energy by what was in force
 * at the station when it was delivered — the charger's timestamps decide, not when the record
 * arrived (offline replay).
 */
export function stationTimeline(app: AppContext, stationId: string): PlanTimeline {
  const assignments = assignmentsOf(app, { stationId });
  if (assignments.length === 0) throw new DepotError('not_found', `station ${stationId} has no tariff assigned`, { field: 'stationId' });
  const out: TimelineEntry[] = [];
  assignments.forEach((a, i) => {
    const until = i + 1 < assignments.length ? assignments[i + 1].effectiveFromAt : Infinity;
    const versions = planTimeline(app, a.planId);
    versions.forEach((v, j) => {
      const vEnd = j + 1 < versions.length ? versions[j + 1].from : Infinity;
      const from = Math.max(a.effectiveFromAt, v.from);
      if (from < Math.min(until, vEnd)) out.push({ ...v, from });
    });
  });
  return out;
}

export function quoteForStation(app: AppContext, stationId: string, samples: readonly MeterSample[]): Quote {
  return quoteSession(stationTimeline(app, stationId), samples);
}
