import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DepotError } from '../../src-main/kernel/errors';
import {
  checkTariffFile,
  formatTariffFile,
  GUANGDONG_PLAN,
  parseKwh,
  parseSamplesCsv,
  parseTariffJson,
  parseTariffFile,
  parseTimestamp,
  toTariffFile,
} from '../../src-main/tariffs';
import { REPO_ROOT } from '../helpers';
import { fileWith } from './fixtures';

function issuesOf(file: unknown) {
  return checkTariffFile(file).issues;
}

function errorOf(fn: () => unknown): DepotError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DepotError) return e;
    throw e;
  }
  throw new Error('expected a DepotError');
}

describe('tariff file validation names the field and the reason', () => {
  it('47 slots: "slots: must have 48 entries"', () => {
    expect(issuesOf(fileWith({ slots: GUANGDONG_PLAN.slots.slice(1) }))).toEqual([
      { field: 'slots', reason: 'must have 48 entries (one per half hour from 00:00); got 47' },
    ]);
  });

  it('an unknown period names its slot', () => {
    const slots = [...GUANGDONG_PLAN.slots] as string[];
    slots[5] = 'deep-valley';
    expect(issuesOf(fileWith({ slots }))).toEqual([{ field: 'slots[5]', reason: 'unknown period "deep-valley"; use one of sharp, peak, flat, valley' }]);
  });

  it('negative prices, more than 5 decimals and unquoted numbers are refused', () => {
    const prices: Record<string, Record<string, unknown>> = JSON.parse(JSON.stringify(GUANGDONG_PLAN.prices));
    prices.peak.electricity = '-1.00000';
    prices.flat.service = '0.800001';
    prices.valley.electricity = 0.3215;
    expect(issuesOf(fileWith({ prices }))).toEqual([
      { field: 'prices.peak.electricity', reason: 'must not be negative; got "-1.00000"' },
      { field: 'prices.flat.service', reason: 'has more than 5 decimals; prices are in 0.00001 yuan/kWh; got "0.800001"' },
      { field: 'prices.valley.electricity', reason: 'must be a price in yuan/kWh written as a quoted decimal, like "0.61230"; got 0.3215' },
    ]);
  });

  it('every period needs prices, even one no slot uses', () => {
    const prices = structuredClone(GUANGDONG_PLAN.prices) as Record<string, unknown>;
    delete prices.sharp;
    expect(issuesOf(fileWith({ prices }))[0].field).toBe('prices.sharp');
  });

  it('months and dates must be real', () => {
    const issues = issuesOf(
      fileWith({
        rules: [
          { months: [7, 13, 7], slots: { '22': 'sharp' } },
          { dates: ['2024-02-30', '2024-08-01'], slots: { '30': 'sharp' } },
        ],
      }),
    );
    expect(issues.map((i) => i.field)).toEqual(['rules[0].months[1]', 'rules[0].months[2]', 'rules[1].dates[0]']);
    expect(issues[0].reason).toBe('must be a month number 1..12; got 13');
    expect(issues[1].reason).toBe('month 7 is listed twice');
    expect(issues[2].reason).toBe('must be a calendar date written yyyy-MM-dd; got "2024-02-30"');
  });

  it('a rule needs months or dates, not both, and at least one valid slot', () => {
    expect(issuesOf(fileWith({ rules: [{ slots: { '22': 'sharp' } }] }))[0]).toEqual({
      field: 'rules[0]',
      reason: 'needs "months" (e.g. [7, 8, 9]) or "dates" (e.g. ["2024-08-01"])',
    });
    expect(issuesOf(fileWith({ rules: [{ months: [7], dates: ['2024-07-01'], slots: { '1': 'peak' } }] }))[0].field).toBe('rules[0]');
    expect(issuesOf(fileWith({ rules: [{ months: [7], slots: {} }] }))[0]).toEqual({
      field: 'rules[0].slots',
      reason: 'names no slot; a rule must change at least one slot',
    });
    expect(issuesOf(fileWith({ rules: [{ months: [7], slots: { '48': 'peak' } }] }))[0].field).toBe('rules[0].slots.48');
  });

  it('the time zone must be a region name the runtime knows; abbreviations like CST are refused', () => {
    expect(issuesOf(fileWith({ timezone: 'Asia/Beijing' }))[0]).toEqual({
      field: 'timezone',
      reason: '"Asia/Beijing" is not a known IANA time zone (e.g. "Asia/Shanghai")',
    });
    expect(issuesOf(fileWith({ timezone: 'CST' }))[0].reason).toMatch(/abbreviation/);
    expect(issuesOf(fileWith({ timezone: 'UTC' }))).toEqual([]);
  });

  it('effectiveFrom must be a date', () => {
    expect(issuesOf(fileWith({ effectiveFrom: '2024-01-01T00:00:00+08:00' }))[0].field).toBe('effectiveFrom');
  });

  it('unknown fields are refused so a misspelt one is not silently ignored', () => {
    expect(issuesOf(fileWith({ effective_from: '2024-01-01' }))[0]).toMatchObject({ field: 'effective_from' });
  });

  it('rules may be left out', () => {
    const { rules: _rules, ...noRules } = structuredClone(GUANGDONG_PLAN);
    expect(parseTariffFile(noRules).rules).toEqual([]);
  });

  it('the error lists every problem and says nothing was imported', () => {
    const e = errorOf(() => parseTariffFile(fileWith({ currency: 'USD', slots: [] }), 'plan.json'));
    expect(e.code).toBe('invalid_input');
    expect(e.message).toMatch(/^plan\.json is invalid, nothing imported: currency: must be "CNY".*; slots: must have 48 entries/);
    expect(e.details).toMatchObject({ field: 'currency', issues: [{ field: 'currency' }, { field: 'slots' }] });
  });

  it('broken JSON is named as such, with the line where the parser gives a position', () => {
    const e = errorOf(() => parseTariffJson('{\n  "name": "x",\n  "slots": [,]\n}', 'plan.json'));
    expect(e.message).toMatch(/^plan\.json is not valid JSON.*nothing imported$/s);
    expect(e.details).toEqual({ field: '(file)' });
    expect(errorOf(() => parseTariffJson('{\n  "name": "x"\n  "slots": []\n}', 'plan.json')).message).toMatch(/^plan\.json is not valid JSON \(line 3, column \d+\)/);
  });
});

describe('the shipped files', () => {
  it('docs/examples/tariff-guangdong.json is the demo plan, formatted as export writes it', () => {
    const text = fs.readFileSync(path.join(REPO_ROOT, 'docs/examples/tariff-guangdong.json'), 'utf8');
    expect(text).toBe(formatTariffFile(GUANGDONG_PLAN));
    expect(toTariffFile(parseTariffJson(text))).toEqual(GUANGDONG_PLAN);
  });

  it('the Guangdong plan has the shape the issue asks for', () => {
    const p = parseTariffFile(GUANGDONG_PLAN);
    const hours = (from: number, to: number) => p.slots.slice(from * 2, to * 2);
    expect(new Set(hours(0, 8))).toEqual(new Set(['valley']));
    expect(new Set([...hours(8, 10), ...hours(12, 14), ...hours(19, 24)])).toEqual(new Set(['flat']));
    expect(new Set([...hours(10, 12), ...hours(14, 19)])).toEqual(new Set(['peak']));
    expect(p.rules).toEqual([{ months: [7, 8, 9], slots: { 22: 'sharp', 23: 'sharp', 30: 'sharp', 31: 'sharp', 32: 'sharp', 33: 'sharp' } }]);
    // national guidance: 峰/谷 at least about 3:1, 尖 at least 20 % above 峰
    expect(p.prices.peak.electricity / p.prices.valley.electricity).toBeGreaterThanOrEqual(3);
    expect(p.prices.sharp.electricity / p.prices.peak.electricity).toBeGreaterThanOrEqual(1.2);
  });

  it('the JSON example in docs/tariffs.md is a valid tariff file', () => {
    const doc = fs.readFileSync(path.join(REPO_ROOT, 'docs/tariffs.md'), 'utf8');
    const blocks = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(blocks.length).toBeGreaterThan(0);
    expect(parseTariffJson(blocks[0]).name).toBeTruthy();
  });
});

describe('samples as text', () => {
  it('kWh with up to 3 decimals converts exactly to Wh; more is refused, not rounded', () => {
    expect(parseKwh('12.345', 'x')).toBe(12345);
    expect(parseKwh('12.3450000', 'x')).toBe(12345);
    expect(parseKwh('0', 'x')).toBe(0);
    expect(parseKwh(' 7.1 ', 'x')).toBe(7100);
    expect(() => parseKwh('12.3456', 'line 4')).toThrow(/^line 4: energy "12.3456" has more than 3 decimals/);
    expect(() => parseKwh('-1', 'line 4')).toThrow(/^line 4: energy must be a non-negative number of kWh/);
    expect(() => parseKwh('1e3', 'line 4')).toThrow(/line 4/);
  });

  it('timestamps need an offset and a real date', () => {
    expect(parseTimestamp('2024-07-15T10:30:00+08:00', 'x')).toBe(Date.parse('2024-07-15T02:30:00Z'));
    expect(parseTimestamp('2024-07-15T02:30:00.250Z', 'x')).toBe(Date.parse('2024-07-15T02:30:00.250Z'));
    expect(parseTimestamp('2024-07-15T10:30+0800', 'x')).toBe(Date.parse('2024-07-15T02:30:00Z'));
    expect(() => parseTimestamp('2024-07-15T10:30:00', 'line 2')).toThrow(/^line 2: timestamp needs a UTC offset/);
    expect(() => parseTimestamp('2024-02-30T10:30:00+08:00', 'line 2')).toThrow(/^line 2: 2024-02-30 is not a calendar date/);
    expect(() => parseTimestamp('2024-07-15T24:00:00+08:00', 'line 2')).toThrow(/time of day/);
    expect(() => parseTimestamp('15/07/2024 10:30', 'line 2')).toThrow(/ISO 8601/);
    // the quote calculator's wall-clock form
    expect(parseTimestamp('2024-07-15T10:30', 'x', 'Asia/Shanghai')).toBe(Date.parse('2024-07-15T02:30:00Z'));
  });

  it('the CSV takes an optional header, comments and blank lines, and names the line of a bad one', () => {
    const csv = 'timestamp,energy_kwh\n# start\n2024-07-15T10:00:00+08:00,1.000\n\n"2024-07-15T10:30:00+08:00","2.5"\r\n';
    expect(parseSamplesCsv(csv)).toEqual([
      { at: Date.parse('2024-07-15T02:00:00Z'), wh: 1000, label: 'line 3' },
      { at: Date.parse('2024-07-15T02:30:00Z'), wh: 2500, label: 'line 5' },
    ]);
    expect(() => parseSamplesCsv('timestamp,energy_kwh\n2024-07-15T10:00:00+08:00,1.000\n2024-07-15T10:30:00+08:00;2.0\n', 's.csv')).toThrow(
      /^s\.csv line 3: expected 2 fields "timestamp,energy_kwh", got 1/,
    );
    expect(() => parseSamplesCsv('2024-07-15T10:00:00+08:00,1.000\n2024-07-15T10:30:00,2.0\n', 's.csv')).toThrow(/^s\.csv line 2: timestamp needs a UTC offset/);
    const e = errorOf(() => parseSamplesCsv('2024-07-15T10:00:00+08:00,abc\n', 's.csv'));
    expect(e.details).toEqual({ field: 'line 1', line: 1 });
  });
});
