import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/**
 * Tariff plans and their history. Everything here is append-only (triggers in the
 * tariffs_append_only migration): a version, a date override or a station assignment, once
 * written, is never changed or deleted, because settled sessions were priced by it.
 */

/** A plan is a name; what it charges lives in its versions. */
export const tariffPlans = sqliteTable('tariff_plans', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  createdAt: integer('created_at').notNull(),
  createdBy: text('created_by'),
});

/**
 * One version of a plan: the imported file, in force from local midnight of `effective_from` in
 * `time_zone` (kept as `effective_from_at`, epoch ms) until the next version of the same plan.
 * Prices are integer 0.00001 yuan/kWh.
 */
export const tariffVersions = sqliteTable(
  'tariff_versions',
  {
    id: text('id').primaryKey(),
    planId: text('plan_id')
      .notNull()
      .references(() => tariffPlans.id),
    effectiveFrom: text('effective_from').notNull(),
    effectiveFromAt: integer('effective_from_at').notNull(),
    timeZone: text('time_zone').notNull(),
    currency: text('currency').notNull(),
    sharpElectricity: integer('sharp_electricity').notNull(),
    sharpService: integer('sharp_service').notNull(),
    peakElectricity: integer('peak_electricity').notNull(),
    peakService: integer('peak_service').notNull(),
    flatElectricity: integer('flat_electricity').notNull(),
    flatService: integer('flat_service').notNull(),
    valleyElectricity: integer('valley_electricity').notNull(),
    valleyService: integer('valley_service').notNull(),
    /** JSON array of 48 period names, slot 0 = 00:00–00:30. */
    slots: text('slots').notNull(),
    /** JSON array of the file's rules, in order (later wins). */
    rules: text('rules').notNull(),
    createdAt: integer('created_at').notNull(),
    createdBy: text('created_by'),
  },
  (t) => [
    uniqueIndex('tariff_versions_plan_from').on(t.planId, t.effectiveFromAt),
    check('tariff_versions_currency', sql`${t.currency} = 'CNY'`),
    check(
      'tariff_versions_prices_non_negative',
      sql`${t.sharpElectricity} >= 0 AND ${t.sharpService} >= 0 AND ${t.peakElectricity} >= 0 AND ${t.peakService} >= 0 AND ${t.flatElectricity} >= 0 AND ${t.flatService} >= 0 AND ${t.valleyElectricity} >= 0 AND ${t.valleyService} >= 0`,
    ),
    check('tariff_versions_48_slots', sql`json_valid(${t.slots}) AND json_array_length(${t.slots}) = 48`),
    check('tariff_versions_rules_json', sql`json_valid(${t.rules}) AND json_type(${t.rules}) = 'array'`),
  ],
);

/**
 * Single-date overrides an operator adds at short notice (a heat-wave day gets 尖 hours). They
 * belong to the plan, not to one version: they apply on their date under whichever version is in
 * force then, after that version's own rules, in the order they were added (later wins).
 */
export const tariffDateOverrides = sqliteTable(
  'tariff_date_overrides',
  {
    id: text('id').primaryKey(),
    planId: text('plan_id')
      .notNull()
      .references(() => tariffPlans.id),
    date: text('date').notNull(),
    /** JSON object slot number → period, as in the file's rules. */
    slots: text('slots').notNull(),
    createdAt: integer('created_at').notNull(),
    createdBy: text('created_by'),
  },
  (t) => [index('tariff_date_overrides_plan').on(t.planId, t.date), check('tariff_date_overrides_slots_json', sql`json_valid(${t.slots})`)],
);

/**
 * Which plan a station uses, from when. A station has one plan at a time: the assignment with the
 * latest `effective_from_at` not after t. `station_id` is plain text on purpose: stations belong to
 * the chargers domain, which keeps its own registry; tariffs only need the id it prices for.
 */
export const tariffStationAssignments = sqliteTable(
  'tariff_station_assignments',
  {
    id: text('id').primaryKey(),
    stationId: text('station_id').notNull(),
    planId: text('plan_id')
      .notNull()
      .references(() => tariffPlans.id),
    effectiveFromAt: integer('effective_from_at').notNull(),
    createdAt: integer('created_at').notNull(),
    createdBy: text('created_by'),
  },
  (t) => [uniqueIndex('tariff_station_assignments_station_from').on(t.stationId, t.effectiveFromAt), index('tariff_station_assignments_plan').on(t.planId)],
);
