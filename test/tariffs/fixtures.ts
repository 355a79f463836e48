import { GUANGDONG_PLAN, parseTariffFile, parseKwh, parseTimestamp, type MeterSample, type TariffFile, type TariffPlan } from '../../src-main/tariffs';

/** The Guangdong-shaped demo plan, as the core holds it. */
export const guangdong: TariffPlan = parseTariffFile(GUANGDONG_PLAN);

export function fileWith(patch: Partial<TariffFile> | Record<string, unknown>): Record<string, unknown> {
  return { ...structuredClone(GUANGDONG_PLAN), ...patch };
}

/** ms of an ISO 8601 timestamp with offset. */
export function at(iso: string): number {
  return parseTimestamp(iso, 'test');
}

/** Samples from [iso, "kWh"] pairs, labelled "line n" like the CLI does (1-based). */
export function samples(...rows: [string, string][]): MeterSample[] {
  return rows.map(([iso, kwh], i) => ({ at: at(iso), wh: parseKwh(kwh, `line ${i + 1}`), label: `line ${i + 1}` }));
}
