import { z } from 'zod';
import { DepotError } from '../kernel/errors';
import { ALL_ROLES, SUPERVISORS, method } from '../kernel/method';
import { parseTariffFile } from './format';
import { PERIODS } from './model';
import { quoteSession, quoteToJson, timelineOf, type MeterSample, type PlanTimeline } from './quote';
import { parseKwh, parseTimestamp } from './samples';
import { addDateOverride, assignTariff, exportTariff, getTariff, importTariff, listTariffs, planTimeline, stationTimeline, versionTimeline } from './service';

const period = z.enum(PERIODS);
const slotMap = z.record(z.string(), period);
const fileRule = z.union([z.object({ months: z.array(z.number()), slots: slotMap }), z.object({ dates: z.array(z.string()), slots: slotMap })]);
const priceText = z.object({ electricity: z.string(), service: z.string() });
export const tariffFileSchema = z.object({
  name: z.string(),
  currency: z.literal('CNY'),
  timezone: z.string(),
  effectiveFrom: z.string(),
  prices: z.object({ sharp: priceText, peak: priceText, flat: priceText, valley: priceText }),
  slots: z.array(period),
  rules: z.array(fileRule),
});

const versionSummary = z.object({
  id: z.string(),
  planId: z.string(),
  effectiveFrom: z.string(),
  effectiveFromAt: z.number(),
  timeZone: z.string(),
  createdAt: z.number(),
});
const dateOverride = z.object({
  id: z.string(),
  planId: z.string(),
  date: z.string(),
  slots: slotMap,
  createdAt: z.number(),
  createdBy: z.string().nullable(),
});
const assignment = z.object({
  id: z.string(),
  stationId: z.string(),
  planId: z.string(),
  effectiveFromAt: z.number(),
  createdAt: z.number(),
  createdBy: z.string().nullable(),
});
const quoteLine = z.object({ kwh: z.string(), wh: z.string(), electricity: z.string(), service: z.string() });
const quotePeriods = z.object({ sharp: quoteLine, peak: quoteLine, flat: quoteLine, valley: quoteLine });
export const quoteJsonSchema = z.object({
  periods: quotePeriods,
  totals: z.object({ kwh: z.string(), wh: z.string(), electricity: z.string(), service: z.string(), amount: z.string(), fen: z.number().int(), yuan: z.string() }),
  versions: z.array(z.object({ versionId: z.string().nullable(), name: z.string(), effectiveFrom: z.string(), periods: quotePeriods })),
  samples: z.object({ given: z.number(), used: z.number(), duplicatesDropped: z.number() }),
  from: z.number().nullable(),
  to: z.number().nullable(),
});

const id = z.string().trim().min(1);
const stationId = z.string().trim().min(1).max(100);

export const tariffMethods = {
  'tariffs.list': method({
    summary: 'Tariff plans with their versions, the version in force now and the stations using each.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({}),
    output: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        createdAt: z.number(),
        versions: z.array(versionSummary),
        currentVersionId: z.string().nullable(),
        stations: z.array(z.object({ stationId: z.string(), from: z.number() })),
        overrides: z.number(),
      }),
    ),
    handler: ({ app }) => listTariffs(app),
  }),
  'tariffs.get': method({
    summary: 'One plan: every version as a tariff file, its date overrides and station assignments.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({ id }),
    output: z.object({
      id: z.string(),
      name: z.string(),
      createdAt: z.number(),
      currentVersionId: z.string().nullable(),
      versions: z.array(versionSummary.extend({ file: tariffFileSchema })),
      overrides: z.array(dateOverride),
      assignments: z.array(assignment),
    }),
    handler: ({ app }, input) => getTariff(app, input.id),
  }),
  'tariffs.import': method({
    summary: 'Import a tariff file: a new plan, or a new version of the plan with that name; optionally assign it to a station from now.',
    kind: 'command',
    roles: SUPERVISORS,
    // The file is checked by parseTariffFile, which names every bad field with a reason an
    // operator can act on; a zod schema here would report the same problems less helpfully.
    input: z.strictObject({ file: z.unknown(), stationId: stationId.optional() }),
    output: z.object({
      planId: z.string(),
      versionId: z.string(),
      name: z.string(),
      effectiveFrom: z.string(),
      effectiveFromAt: z.number(),
      newPlan: z.boolean(),
      unchanged: z.boolean(),
      assignment: assignment.nullable(),
    }),
    handler: ({ app, caller }, input) => importTariff(app, { file: input.file, stationId: input.stationId, operatorId: caller.operator?.id ?? null }),
  }),
  'tariffs.export': method({
    summary: 'The tariff file of a version (by version id) or of a plan (by plan id: the version in force now).',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({ id }),
    output: z.object({ planId: z.string(), versionId: z.string(), file: tariffFileSchema }),
    handler: ({ app }, input) => exportTariff(app, input.id),
  }),
  'tariffs.assign': method({
    summary: 'A station uses a plan from now, from a later instant, or from the start of a later date.',
    kind: 'command',
    roles: SUPERVISORS,
    input: z
      .strictObject({ stationId, planId: id, at: z.number().int().optional(), effectiveFrom: z.string().optional() })
      .refine((v) => v.at === undefined || v.effectiveFrom === undefined, { message: 'give either at or effectiveFrom, not both', path: ['effectiveFrom'] }),
    output: assignment,
    handler: ({ app, caller }, input) => assignTariff(app, { ...input, operatorId: caller.operator?.id ?? null }),
  }),
  'tariffs.addDateOverride': method({
    summary: 'Change some slots of one future date (e.g. 尖 hours on an announced heat-wave day).',
    kind: 'command',
    roles: SUPERVISORS,
    input: z.strictObject({ planId: id, date: z.string(), slots: z.record(z.string(), z.string()) }),
    output: dateOverride,
    handler: ({ app, caller }, input) => addDateOverride(app, { ...input, operatorId: caller.operator?.id ?? null }),
  }),
  'tariffs.quote': method({
    summary: 'Price meter samples by a station, a plan, a version or an unsaved tariff file.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z
      .strictObject({
        stationId: stationId.optional(),
        planId: id.optional(),
        versionId: id.optional(),
        file: z.unknown().optional(),
        /** at: epoch ms, or ISO 8601 (without offset = wall time in the tariff's zone); kwh: cumulative reading. */
        samples: z.array(z.strictObject({ at: z.union([z.number().int(), z.string()]), kwh: z.string() })).max(100_000),
      })
      .refine((v) => [v.stationId, v.planId, v.versionId, v.file].filter((x) => x !== undefined).length === 1, {
        message: 'give exactly one of stationId, planId, versionId or file',
        path: ['stationId'],
      }),
    output: quoteJsonSchema,
    handler: ({ app }, input) => {
      let timeline: PlanTimeline;
      if (input.stationId !== undefined) timeline = stationTimeline(app, input.stationId);
      else if (input.planId !== undefined) timeline = planTimeline(app, input.planId);
      else if (input.versionId !== undefined) timeline = versionTimeline(app, input.versionId);
      else timeline = timelineOf(parseTariffFile(input.file));
      if (timeline.length === 0) throw new DepotError('not_found', 'that plan has no versions', { field: 'planId' });
      const zone = timeline[0].plan.timeZone;
      const samples: MeterSample[] = input.samples.map((s, i) => ({
        at: typeof s.at === 'number' ? s.at : parseTimestamp(s.at, `samples[${i}].at`, zone),
        wh: parseKwh(s.kwh, `samples[${i}].kwh`),
        label: `samples[${i}]`,
      }));
      return quoteToJson(quoteSession(timeline, samples));
    },
  }),
};
