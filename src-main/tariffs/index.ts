import { defineModule, tablesOf } from '../kernel/module';
import * as tariffsSchema from './schema';
import { tariffMethods } from './methods';
import { tariffsDemoStep } from './demo';

/**
 * Time-of-use tariffs (尖峰平谷): plans, their dated rules and versions, station assignments, and
 * the quote that prices a charging session. docs/tariffs.md is the operator's and integrator's
 * reference; the guarantees are written at the top of quote.ts (pricing) and service.ts (history).
 *
 * In short:
 * - Energy is priced by the period and plan version in force when it was delivered, on the plan's
 *   wall clock; between samples it is spread linearly in time.
 * - Per-period energies add up exactly to the metered total; nothing is ever in floating point;
 *   the charge is rounded once, half-up, to the fen.
 * - Bad files and bad samples are refused whole, naming the field or line; a meter going
 *   backwards is an error, never a negative charge.
 * - Versions, overrides and assignments are append-only and only ever take effect in the future.
 */
export { PERIODS, isPeriod, periodAt, periodOn, dayPeriods, type Period, type PeriodPrice, type TariffPlan, type TariffRule, type SlotOverrides } from './model';
export { checkTariffFile, parseTariffFile, parseTariffJson, toTariffFile, formatTariffFile, type TariffFile, type TariffFileRule, type FileIssue } from './format';
export {
  quoteSession,
  quoteToJson,
  normalizeSamples,
  timelineOf,
  type MeterSample,
  type PlanTimeline,
  type TimelineEntry,
  type Quote,
  type QuoteLine,
  type QuoteJson,
} from './quote';
export { parseKwh, parseTimestamp, parseSamplesCsv } from './samples';
export {
  importTariff,
  assignTariff,
  addDateOverride,
  listTariffs,
  getTariff,
  exportTariff,
  planAt,
  planTimeline,
  versionTimeline,
  stationTimeline,
  quoteForStation,
  type ImportResult,
  type PlanAt,
  type PlanSummary,
  type PlanDetail,
  type DateOverride,
  type StationAssignment,
} from './service';
export { tariffMethods } from './methods';
export { tariffPlans, tariffVersions, tariffDateOverrides, tariffStationAssignments } from './schema';
export { GUANGDONG_PLAN } from './guangdong';
export { tariffsDemoStep, DEMO_TARIFF_STATION } from './demo';
export { startOfDate, instantOf, isoInZone, localTime, SLOTS_PER_DAY } from './zone';

// ── the module: what this domain plugs into the depot (src-main/modules.ts composes them) ──────

export const tariffsModule = defineModule({
  name: 'tariffs',
  methods: tariffMethods,
  demoSteps: [tariffsDemoStep],
  tables: tablesOf(tariffsSchema),
});
